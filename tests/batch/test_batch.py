"""``ideepcolor batch``: the same files as colorize and video, on any engine, resumable."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from builders import colour_photo
from clips_factory import make_clip
from PIL import Image

from ideepcolor_app.cli import main
from ideepcolor_app.editing.session import Session
from ideepcolor_app.evaluation.evaluate_video import pan_clip
from ideepcolor_app.hints.local_hints import Hint
from ideepcolor_app.hints.regions import Region
from ideepcolor_app.photos.images import load_photo

pytest.importorskip("av")


@pytest.fixture
def collection(tmp_path) -> Path:
    """Three photos (one with a session beside it) and a clip with a scene cut."""
    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(3):
        Image.fromarray(colour_photo(i, (160, 120))).save(folder / f"p{i}.png")
    first, _ = pan_clip(colour_photo(4, (200, 120)), frames=8, step=2)
    second, _ = pan_clip(255 - colour_photo(7, (200, 120)), frames=8, step=2)  # a cut: another scene
    make_clip(folder / "reel.mp4", first + second)
    hints = tmp_path / "hints"
    hints.mkdir()
    sha = load_photo(folder / "p1.png").sha256
    lasso = Region(((20.0, 20.0), (80.0, 20.0), (80.0, 80.0), (20.0, 80.0)), (50.0, -50.0))
    Session(str(folder / "p1.png"), sha, (160, 120), [Hint(120.0, 60.0, (-40.0, 40.0), 9)], regions=[lasso]).save(
        hints / "p1.hints.json"
    )
    size = (first[0].shape[1] // 2 * 2, first[0].shape[0] // 2 * 2)
    keyframes = {2: [Hint(60.0, 40.0, (40.0, 40.0), 9)], 11: [Hint(100.0, 60.0, (-30.0, -30.0), 9)]}
    Session(str(folder / "reel.mp4"), "0" * 64, size, [], keyframes=keyframes).save(hints / "reel.hints.json")
    return tmp_path


def same_files(a: Path, b: Path, names: list[str]) -> None:
    """Photos byte for byte; clips frame for frame at 45 dB or more (x264 does not always encode the
    same frames into the same file: 51-55 dB apart between two runs of ``video`` here)."""
    from ideepcolor_app.video.clips import probe, read_frames

    for name in names:
        if name.endswith(".mp4"):
            left, right = probe(a / name), probe(b / name)
            assert left.frames == right.frames and left.has_audio == right.has_audio
            pairs = zip(read_frames(left, 0, left.frames), read_frames(right, 0, right.frames), strict=True)
            for (_, x), (_, y) in pairs:
                mse = float(((x.astype(np.float64) - y) ** 2).mean())
                assert mse == 0 or 10 * np.log10(255**2 / mse) >= 45, f"{name} differs"
        else:
            assert (a / name).read_bytes() == (b / name).read_bytes(), f"{name} differs"


NAMES = ["p0_colorized.png", "p1_colorized.png", "p2_colorized.png", "reel_colorized.mp4"]


def test_batch_writes_what_colorize_and_video_write_and_a_rerun_needs_resume(collection, echo_weights, capsys):
    inputs, hints, out, ref = collection / "in", collection / "hints", collection / "out", collection / "ref"
    weights = ["--weights", str(echo_weights)]
    assert main(["batch", str(inputs), "-o", str(out), "--hints", str(hints), *weights]) == 0
    assert "5/5 shards, 19/19 frames" in capsys.readouterr().out, "the progress line counts shards and frames"
    assert main(["colorize", *(str(inputs / f"p{i}.png") for i in (0, 2)), "-o", str(ref), *weights]) == 0
    args = ["colorize", str(inputs / "p1.png"), "-o", str(ref), "--hints", str(hints / "p1.hints.json")]
    assert main([*args, *weights]) == 0
    args = ["video", str(inputs / "reel.mp4"), "-o", str(ref / "reel_colorized.mp4")]
    assert main([*args, "--hints", str(hints / "reel.hints.json"), *weights]) == 0
    same_files(out, ref, NAMES)
    report = json.loads((out / ".batch" / "report.json").read_text())
    kinds = sorted(r["kind"] for r in report["shards"])
    assert kinds == ["part", "part", "photo", "photo", "photo", "stitch"], "the clip was split at its cut"
    assert report["frames"] == 3 + 16 and not report["failed"]
    (stitched,) = [r for r in report["shards"] if r["kind"] == "stitch"]
    assert 0 <= stitched["cdc"] < 1, "the clip's colour distribution consistency is reported"
    assert not (out / ".batch" / "parts").exists() or not any((out / ".batch" / "parts").iterdir())
    capsys.readouterr()
    assert main(["batch", str(inputs), "-o", str(out), *weights]) == 1
    assert "--resume" in capsys.readouterr().err, "an earlier batch is never silently redone"
    assert main(["batch", str(inputs), "-o", str(out), "--resume", *weights]) == 0
    assert "6 already done" in capsys.readouterr().out


@pytest.mark.slow  # starts two Python processes, each loading torch
def test_two_worker_processes_write_the_same_files(collection, echo_weights):
    inputs, out, one = collection / "in", collection / "out", collection / "one"
    weights = ["--weights", str(echo_weights)]
    assert main(["batch", str(inputs), "-o", str(one), *weights]) == 0
    assert main(["batch", str(inputs), "-o", str(out), "--workers", "2", *weights]) == 0
    same_files(out, one, NAMES)


@pytest.mark.slow  # two processes: one killed in the middle of the clip, one resuming it
def test_a_batch_killed_mid_shard_resumes_to_the_same_files_and_redoes_no_finished_shard(collection, echo_weights):
    inputs, out, whole = collection / "in", collection / "out", collection / "whole"
    long_clip, _ = pan_clip(colour_photo(4, (320, 200)), frames=36, step=2)
    make_clip(inputs / "reel.mp4", long_clip)
    command = [sys.executable, "-m", "ideepcolor_app", "batch", str(inputs), "--weights", str(echo_weights)]
    subprocess.run([*command, "-o", str(whole)], check=True, capture_output=True, timeout=600)
    run = subprocess.Popen([*command, "-o", str(out)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    work = out / "reel_colorized.mp4.frames"
    deadline = time.monotonic() + 300
    while not (work.is_dir() and len(list(work.glob("frame_*.png"))) >= 2) and time.monotonic() < deadline:
        time.sleep(0.02)
    os.kill(run.pid, signal.SIGKILL)  # in the middle of the clip's shard
    run.wait()
    assert not (out / "reel_colorized.mp4").exists(), "no half-written result"
    markers = {p.name: p.stat().st_mtime_ns for p in (out / ".batch" / "done").glob("*.json")}
    assert len(markers) == 3, "the photos were finished before the clip"
    subprocess.run([*command, "-o", str(out), "--resume"], check=True, capture_output=True, timeout=600)
    same_files(out, whole, NAMES)
    again = {p.name: p.stat().st_mtime_ns for p in (out / ".batch" / "done").glob("*.json")}
    assert {name: again[name] for name in markers} == markers, "no finished shard was redone"


@pytest.mark.slow  # starts a local Ray instance and two actor processes
def test_ray_runs_the_batch_with_two_workers_and_the_same_files(collection, echo_weights):
    pytest.importorskip("ray")
    inputs, out, one = collection / "in", collection / "out", collection / "one"
    weights = ["--weights", str(echo_weights)]
    assert main(["batch", str(inputs), "-o", str(one), *weights]) == 0
    args = ["batch", str(inputs), "-o", str(out), "--engine", "ray", "--workers", "2", "--cpus-per-worker", "1"]
    assert main([*args, *weights]) == 0
    same_files(out, one, NAMES)
    assert json.loads((out / ".batch" / "report.json").read_text())["engine"] == "ray"


def test_without_ray_or_with_an_unreachable_cluster_the_ray_engine_says_so_in_one_line(
    collection, echo_weights, monkeypatch, capsys
):
    import builtins

    real_import = builtins.__import__

    def no_ray(name, *args, **kwargs):
        if name == "ray" or name.startswith("ray."):
            raise ImportError("No module named 'ray'")
        return real_import(name, *args, **kwargs)

    inputs, out = collection / "in", collection / "out"
    base = ["batch", str(inputs), "-o", str(out), "--engine", "ray", "--weights", str(echo_weights)]
    with monkeypatch.context() as patch:
        patch.setattr(builtins, "__import__", no_ray)
        assert main(base) == 1
    error = capsys.readouterr().err.strip().splitlines()
    assert len(error) == 1 and 'pip install "ideepcolor-app[cluster]"' in error[0]
    if sys.modules.get("ray") is None:
        pytest.importorskip("ray")
    assert main([*base, "--resume", "--address", "127.0.0.1:1"]) == 1
    error = capsys.readouterr().err.strip().splitlines()
    assert len(error) == 1 and "cannot reach a Ray cluster at 127.0.0.1:1" in error[0]


def test_an_unreadable_photo_fails_its_shard_alone_with_one_message_and_resume_finishes_the_batch(
    collection, echo_weights, capsys
):
    inputs, out = collection / "in", collection / "out"
    (inputs / "broken.png").write_text("not an image")
    weights = ["--weights", str(echo_weights)]
    assert main(["batch", str(inputs), "-o", str(out), *weights]) == 1
    err = capsys.readouterr().err
    assert err.count("broken.png") == 1 and "1 shard failed" in err, "named once, and counted"
    assert all((out / name).exists() for name in NAMES), "the other shards finished"
    (inputs / "broken.png").unlink()
    assert main(["batch", str(inputs), "-o", str(out), "--resume", *weights]) == 0
