"""Trust, round 3 (issue 32): what the clip features broke and what hostile input found. Each test
failed on the code before its fix."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from builders import BUNDLED, colour_photo
from PIL import Image

from ideepcolor_app.cli import main
from ideepcolor_app.commands import video as video_command
from ideepcolor_app.editing.recovery import orphaned_recoveries, recovery_folder
from ideepcolor_app.editing.session import Session
from ideepcolor_app.evaluation.evaluate_video import pan_clip
from ideepcolor_app.hints.local_hints import Hint
from ideepcolor_app.video.clips import FrameFolder, VideoError


def write_frames(folder: Path, count: int = 3) -> Path:
    truth, _ = pan_clip(colour_photo(3, (96, 64)), frames=count, step=2)
    folder.mkdir(parents=True, exist_ok=True)
    for i, frame in enumerate(truth):
        Image.fromarray(frame).save(folder / f"f{i:03d}.png")
    return folder


@pytest.fixture
def no_model(monkeypatch):
    """Fails the test if a command gets as far as loading a model."""

    def refuse(*_args, **_kwargs):
        raise AssertionError("the model was loaded before the input was checked")

    monkeypatch.setattr(video_command, "load_engine", refuse)
    from ideepcolor_app.commands import colorize as colorize_command

    monkeypatch.setattr(colorize_command, "load_engine", refuse)


# ----- data loss ----------------------------------------------------------------------------------


def test_a_crashed_clips_keyframes_are_offered_back(tmp_path):
    session = Session(
        str(tmp_path / "clip.mp4"),
        "0" * 64,
        (96, 64),
        hints=[],
        keyframes={0: [Hint(10.0, 10.0, (30.0, 30.0))], 10: [Hint(20.0, 20.0, (-30.0, 30.0))]},
    )
    recovery_folder().mkdir(parents=True)
    session.save(recovery_folder() / "999999999-dead.json")  # a process id that does not run
    offered = orphaned_recoveries()
    assert len(offered) == 1 and sorted(offered[0].session.keyframes) == [0, 10]
    empty = Session(str(tmp_path / "other.mp4"), "1" * 64, (96, 64), keyframes={3: []})
    empty.save(recovery_folder() / "999999998-dead.json")
    assert len(orphaned_recoveries()) == 1, "a session with nothing in it is not offered"


# ----- refused while parsing, before any work -----------------------------------------------------


@pytest.mark.parametrize(
    "option", [["--start", "nan"], ["--start", "inf"], ["--end", "inf"], ["--fps", "0"], ["--fps", "nan"]]
)
def test_video_times_and_rates_that_are_not_finite_are_refused_at_once(tmp_path, capsys, option, no_model):
    source = write_frames(tmp_path / "in")
    with pytest.raises(SystemExit) as stop:
        main(["video", str(source), "-o", str(tmp_path / "out.mp4"), *option])
    assert stop.value.code == 2
    assert option[0] in capsys.readouterr().err


def test_variations_with_a_negative_seed_are_refused_while_parsing(tmp_path, capsys, no_model):
    photo = tmp_path / "p.jpg"
    Image.fromarray(colour_photo(1, (64, 48))).save(photo)
    with pytest.raises(SystemExit) as stop:
        main(["colorize", str(photo), "--variations", "2", "--seed", "-1"])
    assert stop.value.code == 2
    assert "--seed" in capsys.readouterr().err


def test_a_start_past_the_clips_end_says_so(tmp_path, capsys, no_model):
    source = write_frames(tmp_path / "in", 3)
    assert main(["video", str(source), "-o", str(tmp_path / "out.mp4"), "--start", "1000"]) == 1
    err = capsys.readouterr().err
    assert "past the end" in err and "3 frames" in err
    assert not (tmp_path / "out.mp4.frames").exists(), "no work folder is promised or left"


def test_an_output_that_cannot_be_written_is_refused_before_the_model_loads(tmp_path, capsys, no_model):
    source = write_frames(tmp_path / "in")
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    for output in (blocker / "frames", blocker / "out.mp4"):
        assert main(["video", str(source), "-o", str(output)]) == 1
        assert "cannot write frames into" in capsys.readouterr().err


def test_a_second_run_on_the_same_output_is_refused_while_the_first_holds_it(tmp_path):
    frames = FrameFolder(tmp_path / "out.mp4.frames")
    second = FrameFolder(tmp_path / "out.mp4.frames")
    with frames.lock(), pytest.raises(VideoError, match="another 'ideepcolor video' run"), second.lock():
        pass
    with frames.lock():  # released when the first run ends
        pass
    assert not (tmp_path / "out.mp4.frames" / ".lock").exists()


def test_a_clip_session_given_to_colorize_uses_its_first_keyframe_and_says_so(tmp_path, capsys, monkeypatch):
    from ideepcolor_app.inference import export

    photo = tmp_path / "still.png"
    Image.fromarray(colour_photo(2, (96, 64))).save(photo)
    session = tmp_path / "clip.hints.json"
    hints = [Hint(10.0, 10.0, (30.0, 30.0)), Hint(50.0, 30.0, (-20.0, 40.0))]
    Session("clip.mp4", "0" * 64, (96, 64), hints=[], keyframes={4: hints, 9: hints[:1]}).save(session)
    used = []
    real = export.colorize_to_file
    monkeypatch.setattr(
        "ideepcolor_app.commands.colorize.colorize_to_file",
        lambda engine, photo, hints, *a, **k: used.append(list(hints)) or real(engine, photo, hints, *a, **k),
    )
    assert main(["colorize", str(photo), "--hints", str(session), "-o", str(tmp_path / "out")]) == 0
    out = capsys.readouterr().out
    assert "film clip's hints (on frames 4, 9)" in out and "those of frame 4" in out
    assert used == [hints]


def test_help_and_version_load_no_command_and_no_torch():
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from ideepcolor_app.cli import main\n"
        "for argv in (['--version'], ['--help']):\n"
        "    try:\n"
        "        main(argv)\n"
        "    except SystemExit:\n"
        "        pass\n"
        "assert 'torch' not in sys.modules, 'torch was imported'\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "ideepcolor " in done.stdout and "colorize" in done.stdout


def test_the_help_lists_each_commands_own_summary():
    from ideepcolor_app.cli import SUMMARIES, build_parser

    parser = build_parser()
    registered = {
        action.dest: action.help
        for group in parser._subparsers._group_actions  # type: ignore[union-attr]
        for action in group._choices_actions
    }
    assert registered == SUMMARIES


def test_a_mistyped_command_is_not_reported_as_a_missing_display(capsys):
    assert main(["frobnicate"]) == 2
    err = capsys.readouterr().err
    assert "unknown command 'frobnicate'" in err and "display" not in err


@pytest.mark.parametrize(
    "values",
    [[1e308] * 529, [0.0] * 528 + [1e39], [1e-50] * 529, [1e-320] + [0.0] * 528],
    ids=["all-huge", "one-huge", "all-tiny", "one-subnormal"],
)
def test_a_session_histogram_of_extreme_values_becomes_shares_that_colourise(values, tmp_path, global_weights):
    import json

    import torch

    from ideepcolor_app.inference.engine import ColorizationEngine
    from ideepcolor_app.photos.images import load_photo

    path = tmp_path / "s.hints.json"
    Session("p.png", "0" * 64, (64, 48)).save(path)
    data = json.loads(path.read_text())
    data["version"] = 2
    data["global_hints"] = {"histogram": values, "reference": "r.jpg", "reference_on": True, "saturation": None}
    path.write_text(json.dumps(data))
    hints = Session.load(path).global_hints
    shares = np.asarray(hints.histogram)
    assert np.isfinite(shares).all() and abs(shares.sum() - 1) < 1e-9
    photo_path = tmp_path / "p.png"
    Image.fromarray(colour_photo(5, (64, 48))).save(photo_path)
    engine = ColorizationEngine.from_weights(str(global_weights), "cpu")
    engine.set_photo(load_photo(photo_path))
    result = engine.colorize([], global_hints=hints)
    assert torch.isfinite(result.ab).all()
    assert result.full_resolution_rgb().shape == (48, 64, 3)


def test_a_picture_format_as_video_output_is_refused(tmp_path, capsys, no_model):
    source = write_frames(tmp_path / "in")
    assert main(["video", str(source), "-o", str(tmp_path / "out.gif")]) == 1
    err = capsys.readouterr().err
    assert "'.gif' is not a video format" in err and ".mp4" in err
    assert not (tmp_path / "out.gif").exists()


def test_a_frame_of_another_size_in_a_folder_is_refused_not_stretched(tmp_path, capsys):
    source = write_frames(tmp_path / "in", 3)
    Image.fromarray(colour_photo(9, (80, 64))).save(source / "f001.png")  # the middle frame is narrower
    assert main(["video", str(source), "-o", str(tmp_path / "out"), "--weights", str(BUNDLED)]) == 1
    err = capsys.readouterr().err
    assert "f001.png: is 80x64, but the clip's frames are" in err and "one size" in err


def test_an_odd_sized_clip_into_a_video_file_says_what_is_left_out(tmp_path, capsys, monkeypatch):
    source = tmp_path / "in"
    source.mkdir()
    for i in range(2):
        Image.fromarray(colour_photo(i, (97, 65))).save(source / f"f{i}.png")
    monkeypatch.setattr(video_command, "render", lambda *a, **k: 0)  # the note comes before any frame
    assert main(["video", str(source), "-o", str(tmp_path / "out.mp4"), "--weights", str(BUNDLED)]) == 0
    assert "written as 96x64" in capsys.readouterr().out


def test_a_clip_with_fewer_frames_than_it_says_fails_unless_accepted(tmp_path, capsys, monkeypatch):
    from ideepcolor_app.video import render as render_module

    source = write_frames(tmp_path / "in", 6)
    real = render_module.read_frames

    def truncated(info, first=0, last=None):  # what a cut file whose index survived gives
        for index, frame in real(info, first, last):
            if index >= 3:
                return
            yield index, frame

    monkeypatch.setattr(render_module, "read_frames", truncated)
    out = tmp_path / "out.mp4"
    args = ["video", str(source), "-o", str(out), "--weights", str(BUNDLED)]
    assert main(args) == 1
    err = capsys.readouterr().err
    assert "says it has 6 frames" in err and "only 3 could be read" in err and "--allow-short" in err
    assert not out.exists()
    assert main([*args, "--allow-short"]) == 0
    assert out.exists()


def test_a_resumed_video_run_gives_exactly_the_frames_of_an_unbroken_one(tmp_path, monkeypatch):
    from ideepcolor_app.video import render as render_module

    source = write_frames(tmp_path / "in", 7)
    session = tmp_path / "clip.hints.json"
    Session("in", "0" * 64, (92, 64), hints=[], keyframes={0: [Hint(30.0, 30.0, (40.0, 50.0))]}).save(session)
    base = ["video", str(source), "--hints", str(session), "--weights", str(BUNDLED)]
    assert main([*base, "-o", str(tmp_path / "whole")]) == 0
    real_write = render_module.FrameFolder.write

    def stop_at_four(self, index, rgb):
        if index == 4:
            raise KeyboardInterrupt
        real_write(self, index, rgb)

    monkeypatch.setattr(render_module.FrameFolder, "write", stop_at_four)
    assert main([*base, "-o", str(tmp_path / "resumed")]) == 130
    monkeypatch.setattr(render_module.FrameFolder, "write", real_write)
    assert main([*base, "-o", str(tmp_path / "resumed")]) == 0
    for i in range(7):
        name = f"frame_{i:06d}.png"
        whole = np.asarray(Image.open(tmp_path / "whole" / name))
        resumed = np.asarray(Image.open(tmp_path / "resumed" / name))
        assert np.array_equal(whole, resumed), f"frame {i} differs by up to {np.abs(whole.astype(int) - resumed).max()}"
    assert not list((tmp_path / "resumed").glob(".carry-*")), "no carried colours are left once the clip is done"


def test_the_saturation_sliders_grey_end_makes_the_photo_nearly_grey():
    import torch

    from ideepcolor_app.base.resources import sample_photo
    from ideepcolor_app.hints.global_hints import GlobalHints
    from ideepcolor_app.inference.engine import ColorizationEngine
    from ideepcolor_app.photos.images import load_photo

    engine = ColorizationEngine.from_weights(str(BUNDLED), "cpu")
    engine.set_photo(load_photo(sample_photo("chelsea.jpg")))

    def chroma(saturation):
        hints = None if saturation is None else GlobalHints(saturation=saturation)
        return float(torch.linalg.norm(engine.colorize([], global_hints=hints).ab[0], dim=0).mean())

    automatic, grey_end, vivid_end = chroma(None), chroma(0.02), chroma(1.0)
    assert grey_end < 0.25 * automatic < vivid_end, (grey_end, automatic, vivid_end)
