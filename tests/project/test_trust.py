"""Bad or hostile input gets one clear message: no hang, no memory blow-up, no lost file."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from ideepcolor_app.base.atomic import atomic_path
from ideepcolor_app.base.errors import ImageError, SessionError
from ideepcolor_app.cli import main
from ideepcolor_app.editing.editor import Editor
from ideepcolor_app.editing.hint_set import HintSet
from ideepcolor_app.editing.session import Session
from ideepcolor_app.hints.local_hints import MAX_HINTS, Hint, HintLimitError
from ideepcolor_app.photos.images import Photo, list_images, load_photo, save_image


def _session_json(hints: int = 1) -> dict:
    return {
        "format": "ideepcolor-session",
        "version": 1,
        "image": {"path": "a.png", "sha256": "0" * 64, "width": 100, "height": 100},
        "hints": [{"x": 1.0, "y": 1.0, "ab": [10, 10], "size": 5}] * hints,
    }


# ----- sessions ---------------------------------------------------------------------------------
def test_a_deeply_nested_session_is_refused_with_a_message(tmp_path):
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(SessionError, match="nested too deeply"):
        Session.load(path)


def test_a_session_with_a_5000_digit_number_is_refused_with_a_message(tmp_path):
    path = tmp_path / "big.json"
    data = _session_json()
    path.write_text(json.dumps(data).replace('"version": 1', '"version": ' + "9" * 5000))
    with pytest.raises(SessionError, match="holds a value"):
        Session.load(path)


def test_a_session_with_more_hints_than_a_photo_can_have_is_refused(tmp_path):
    path = tmp_path / "many.json"
    path.write_text(json.dumps(_session_json(MAX_HINTS + 1)))
    with pytest.raises(SessionError, match="more than the 1,000"):
        Session.load(path)
    path.write_text(json.dumps(_session_json(MAX_HINTS)))
    assert len(Session.load(path).hints) == MAX_HINTS


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_as_a_session_or_photo_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    with pytest.raises(SessionError, match="not a regular file"):
        Session.load(fifo)
    photo = tmp_path / "pipe.jpg"
    os.mkfifo(photo)
    with pytest.raises(ImageError, match="not a regular file"):
        load_photo(photo)


def test_a_folder_with_a_fifo_and_earlier_results_lists_only_photos(tmp_path):
    Image.new("RGB", (8, 8)).save(tmp_path / "a.png")
    Image.new("RGB", (8, 8)).save(tmp_path / "a_colorized.png")
    if hasattr(os, "mkfifo"):
        os.mkfifo(tmp_path / "b.jpg")
    assert list_images([tmp_path], skip_suffix="_colorized") == [tmp_path / "a.png"]


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero")
def test_a_device_as_a_photo_is_refused_before_reading():
    with pytest.raises(ImageError, match="not a regular file"):
        load_photo("/dev/zero")


def test_a_huge_file_as_a_photo_is_refused_before_reading(tmp_path):
    huge = tmp_path / "huge.jpg"
    with open(huge, "wb") as handle:  # sparse: takes no disk
        handle.truncate(3_000_000_000)
    with pytest.raises(ImageError, match="over the 800 MB limit"):
        load_photo(huge)


# ----- hint count -------------------------------------------------------------------------------
def test_a_photo_takes_at_most_max_hints_and_the_editor_says_why():
    hints = HintSet([Hint(1.0, 1.0, (0.0, 0.0))] * (MAX_HINTS - 1))
    hints.add(Hint(2.0, 2.0, (0.0, 0.0)))
    with pytest.raises(HintLimitError):
        hints.add(Hint(3.0, 3.0, (0.0, 0.0)))
    editor = Editor()
    pixels = np.zeros((10, 10, 3), np.uint8)
    editor.open(Photo(None, pixels, "0" * 64, False), tuple(hints.hints))  # type: ignore[arg-type]
    notices: list[str] = []
    editor.notice.connect(notices.append)
    editor.add_hint(5.0, 5.0)
    assert len(editor.document.hints) == MAX_HINTS  # type: ignore[union-attr]
    assert notices and "at most 1,000 hints" in notices[0]


@pytest.mark.slow  # paints the most hints a photo may have, and measures memory
def test_painting_the_most_hints_takes_little_memory():
    """The patch masks were (hints, H, W) at once: 1.1 MB a hint, 1.1 GB for 1,000."""
    script = """
import resource, sys, torch
from ideepcolor_app.hints.hint_batch import HintBatch
count = int(sys.argv[1])
squares = torch.randint(0, 250, (1, count, 3)); squares[..., 2] = 5
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
HintBatch.of_squares(squares, torch.rand(1, count, 2)).paint(256, 256)
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before)
"""
    grown = {
        count: int(
            subprocess.run(
                [sys.executable, "-c", script, str(count)], capture_output=True, text=True, check=True
            ).stdout
        )
        for count in (10, MAX_HINTS)
    }
    assert grown[MAX_HINTS] - grown[10] < 100_000, grown  # KiB: well under 100 MB for 990 more hints


# ----- results never replace a photo or each other ------------------------------------------------
def _photos(folder: Path, names: list[str]) -> None:
    folder.mkdir(exist_ok=True)
    rng = np.random.default_rng(0)
    for name in names:
        Image.fromarray(rng.integers(0, 255, (24, 32, 3), dtype=np.uint8)).save(folder / name)


def test_a_batch_whose_result_would_replace_an_input_is_refused_before_any_work(tmp_path, echo_weights, capsys):
    _photos(tmp_path / "in", ["a.jpg", "a.png"])
    original = (tmp_path / "in" / "a.jpg").read_bytes()
    args = ["colorize", str(tmp_path / "in"), "--suffix", "", "--format", "jpg", "--force"]
    assert main([*args, "--weights", str(echo_weights)]) != 0
    err = capsys.readouterr().err
    assert "a.jpg" in err and "a.png" in err
    assert (tmp_path / "in" / "a.jpg").read_bytes() == original


def test_two_inputs_with_one_result_name_are_refused_naming_both(tmp_path, echo_weights, capsys):
    _photos(tmp_path / "in", ["a.jpg", "a.png"])
    assert main(["colorize", str(tmp_path / "in"), "--force", "--weights", str(echo_weights)]) != 0
    err = capsys.readouterr().err
    assert "a.jpg and" in err and "a.png" in err and "both" in err
    assert not (tmp_path / "in" / "a_colorized.png").exists()


def test_a_second_run_on_a_folder_does_not_colorize_the_first_runs_results(tmp_path, echo_weights):
    _photos(tmp_path / "in", ["a.png"])
    assert main(["colorize", str(tmp_path / "in"), "--weights", str(echo_weights)]) == 0
    assert main(["colorize", str(tmp_path / "in"), "--weights", str(echo_weights), "--force"]) == 0
    assert sorted(p.name for p in (tmp_path / "in").iterdir()) == ["a.png", "a_colorized.png"]


def test_a_result_created_by_another_run_meanwhile_is_not_replaced(tmp_path):
    target = tmp_path / "r.png"
    with pytest.raises(FileExistsError), atomic_path(target, exclusive=True) as temporary:
        temporary.write_bytes(b"ours")
        target.write_bytes(b"theirs")  # the other run finishes first
    assert target.read_bytes() == b"theirs"
    assert list(tmp_path.iterdir()) == [target]
    with pytest.raises(ImageError, match="already exists"):
        save_image(np.zeros((4, 4, 3), np.uint8), target)


def test_a_result_too_large_for_its_format_is_refused_before_the_work(tmp_path, echo_weights, capsys, monkeypatch):
    import ideepcolor_app.photos.images as images

    monkeypatch.setitem(images.FORMAT_MAX_SIDE, ".webp", 16)
    _photos(tmp_path / "in", ["a.png"])
    colorized = []
    from ideepcolor_app.inference.engine import ColorizationEngine

    original = ColorizationEngine.colorize
    monkeypatch.setattr(ColorizationEngine, "colorize", lambda *a, **k: colorized.append(1) or original(*a, **k))
    assert main(["colorize", str(tmp_path / "in"), "--format", "webp", "--weights", str(echo_weights)]) == 1
    assert "too large for .webp" in capsys.readouterr().err
    assert not colorized


def test_hints_for_a_photo_not_in_the_batch_are_reported(tmp_path, echo_weights, capsys):
    _photos(tmp_path / "in", ["a.png", "b.png"])
    session = tmp_path / "s.json"
    session.write_text(json.dumps(_session_json()))
    assert main(["colorize", str(tmp_path / "in"), "--hints", str(session), "--weights", str(echo_weights)]) == 0
    assert "not among these photos" in capsys.readouterr().err


def test_training_skips_a_photo_over_the_pixel_limit_without_decoding_it(monkeypatch):
    """A 900 MP PNG of one colour compresses to a few MB; its header is enough to refuse it (shown
    here with a 2 MP photo against a 1 MP limit, to keep the test small)."""
    import io

    import cv2

    from ideepcolor_app.training.data import decode_rgb

    buffer = io.BytesIO()
    Image.new("RGB", (2000, 1000), (200, 100, 50)).save(buffer, format="PNG")
    decoded = []
    real = cv2.imdecode
    monkeypatch.setattr(cv2, "imdecode", lambda *a: decoded.append(1) or real(*a))
    assert decode_rgb(buffer.getvalue(), 144, max_pixels=1_000_000) is None
    assert not decoded, "refused from the header, before decoding"
    small = io.BytesIO()
    Image.new("RGB", (300, 200), (200, 100, 50)).save(small, format="PNG")
    assert decode_rgb(small.getvalue(), 144).shape == (96, 144, 3)
