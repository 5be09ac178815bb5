"""A long scene spread over workers: chunks that start early, cross-fade, and carry hints on."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from builders import colour_photo
from clips_factory import make_clip

from ideepcolor_app.batch.plan import chunk_ranges
from ideepcolor_app.cli import main
from ideepcolor_app.colour.color import rgb_to_lab_np
from ideepcolor_app.editing.session import Session
from ideepcolor_app.evaluation.evaluate_video import pan_clip
from ideepcolor_app.hints.local_hints import Hint
from ideepcolor_app.video.clips import probe, read_frames

pytest.importorskip("av")


def test_scenes_are_parts_and_a_long_scene_is_chunked_with_overlaps():
    assert chunk_ranges([0], 10, 1200, 24) == [(0, 10, 0)], "a short scene is one part"
    assert chunk_ranges([0, 30], 70, 20, 4) == [(0, 20, 0), (16, 30, 4), (30, 50, 0), (46, 70, 4)], (
        "chunks stop at cuts; a chunk after a cut starts there, with nothing to fade from"
    )
    assert chunk_ranges([0], 42, 20, 4) == [(0, 20, 0), (16, 42, 4)], "a tail under the overlap joins its chunk"


def frames_of(path: Path) -> list[np.ndarray]:
    info = probe(path)
    return [frame for _, frame in read_frames(info, 0, info.frames)]


def test_a_keyframes_hints_carry_on_into_later_chunks_and_no_seam_shows(tmp_path, echo_weights):
    clip, _ = pan_clip(colour_photo(4, (260, 120)), frames=14, step=3)
    inputs, hints, out, one = tmp_path / "in", tmp_path / "hints", tmp_path / "out", tmp_path / "one"
    inputs.mkdir()
    hints.mkdir()
    make_clip(inputs / "long.mp4", clip)
    size = (clip[0].shape[1] // 2 * 2, clip[0].shape[0] // 2 * 2)
    keyframes = {1: [Hint(100.0, 60.0, (60.0, 50.0), 9)]}
    Session(str(inputs / "long.mp4"), "0" * 64, size, [], keyframes=keyframes).save(hints / "long.hints.json")
    weights = ["--weights", str(echo_weights)]
    chunks = ["--chunk-frames", "5", "--overlap-frames", "2"]
    assert main(["batch", str(inputs), "-o", str(out), "--hints", str(hints), *chunks, *weights]) == 0
    manifest = json.loads((out / ".batch" / "manifest.json").read_text())
    parts = [(s["first"], s["last"], s["lead"]) for s in manifest["shards"] if s["kind"] == "part"]
    assert parts == [(0, 5, 0), (3, 10, 2), (8, 14, 2)], "one scene of 14 frames in three chunks"
    video = ["video", str(inputs / "long.mp4"), "-o", str(one / "long_colorized.mp4")]
    assert main([*video, "--hints", str(hints / "long.hints.json"), *weights]) == 0
    chunked, whole = frames_of(out / "long_colorized.mp4"), frames_of(one / "long_colorized.mp4")
    assert len(chunked) == len(whole) == 14
    for index, (a, b) in enumerate(zip(chunked, whole, strict=True)):
        mse = float(((a.astype(np.float64) - b) ** 2).mean())
        assert mse == 0 or 10 * np.log10(255**2 / mse) > 35, f"frame {index} differs from video's"
        if index >= 10:  # the third chunk: the hint of frame 1 has moved with the pan
            x = 100 - 3 * (index - 1)
            ab = rgb_to_lab_np(a[57:64, x - 3 : x + 4].astype(np.float64) / 255)[..., 1:].mean(axis=(0, 1))
            hue = np.degrees(np.arctan2(ab[1], ab[0]) - np.arctan2(50.0, 60.0))
            assert np.hypot(*ab) > 20 and abs(hue) < 15, f"frame {index} still shows the hint's colour there"
