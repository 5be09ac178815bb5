"""Global hints on the command line: ``colorize --reference/--saturation``, ``evaluate --global-hints``."""

from __future__ import annotations

import json

import numpy as np
from PIL import Image

from ideepcolor_app.cli import main
from ideepcolor_app.editing.session import Session
from ideepcolor_app.hints.global_hints import GlobalHints, histogram_of_photo
from ideepcolor_app.photos.images import load_photo


def _grey_copy(photo, folder):
    path = folder / f"{photo.stem}_grey.png"
    Image.open(photo).convert("L").save(path)
    return path


def test_colorize_takes_a_reference_and_a_saturation(tmp_path, global_weights, photo_files, capsys):
    photo = _grey_copy(photo_files[0], tmp_path)
    weights = ["--weights", str(global_weights)]
    assert main(["colorize", str(photo), "-o", str(tmp_path / "plain"), *weights]) == 0
    assert (
        main(["colorize", str(photo), "-o", str(tmp_path / "ref"), "--reference", str(photo_files[1]), *weights]) == 0
    )
    assert main(["colorize", str(photo), "-o", str(tmp_path / "sat"), "--saturation", "0.9", *weights]) == 0
    out = capsys.readouterr().out
    assert f"colours of {photo_files[1].name}" in out and "saturation 0.90" in out
    name = f"{photo.stem}_colorized.png"
    plain, ref, sat = (np.asarray(Image.open(tmp_path / d / name), np.float32) for d in ("plain", "ref", "sat"))
    assert plain.shape == ref.shape == (321, 481, 3)
    assert np.abs(ref - plain).mean() > 1.0 and np.abs(sat - plain).mean() > 1.0


def test_a_sessions_global_hints_are_used_and_the_command_line_wins(tmp_path, global_weights, photo_files, capsys):
    photo = _grey_copy(photo_files[0], tmp_path)
    loaded = load_photo(photo)
    reference = GlobalHints(histogram_of_photo(photo_files[2]), 0.2, str(photo_files[2]))
    Session(str(photo), loaded.sha256, loaded.size, [], None, reference).save(tmp_path / "s.json")
    weights = ["--weights", str(global_weights), "--hints", str(tmp_path / "s.json")]
    assert main(["colorize", str(photo), "-o", str(tmp_path / "a"), *weights]) == 0
    assert f"colours of {photo_files[2].name}, saturation 0.20" in capsys.readouterr().out
    assert main(["colorize", str(photo), "-o", str(tmp_path / "b"), "--saturation", "0.7", *weights]) == 0
    assert f"colours of {photo_files[2].name}, saturation 0.70" in capsys.readouterr().out


def test_bad_global_hint_options_fail_clearly_before_any_work(
    tmp_path, global_weights, echo_weights, photo_files, capsys
):
    photo = photo_files[0]
    grey = tmp_path / "grey.png"
    Image.fromarray(np.full((40, 40, 3), 120, np.uint8)).save(grey)
    cases = [
        (["--reference", str(grey)], "grey"),
        (["--reference", str(tmp_path / "missing.jpg")], "--reference"),
        (["--saturation", "1.5"], "from 0 (grey) to 1 (vivid)"),
        (["--saturation", "lots"], "a number from 0 to 1 or 'auto'"),
    ]
    for options, message in cases:
        assert (
            main(["colorize", str(photo), "-o", str(tmp_path / "out"), "--weights", str(global_weights), *options]) == 1
        )
        assert message in capsys.readouterr().err
    assert (
        main(
            ["colorize", str(photo), "-o", str(tmp_path / "out"), "--weights", str(echo_weights), "--saturation", "0.5"]
        )
        == 1
    )
    assert "need weights that take global hints" in capsys.readouterr().err
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_evaluate_scores_global_hints_beside_histogram_matching(
    tmp_path, global_weights, echo_weights, photo_files, capsys
):
    folder = photo_files[0].parent
    args = ["evaluate", str(folder), "--hints", "0,5", "--limit", "2", "--weights", str(global_weights)]
    assert main([*args, "--global-hints", "saturation,both", "--json", str(tmp_path / "g.json")]) == 0
    out = capsys.readouterr().out
    assert "histogram matching to own" in out and "right half's both" in out
    data = json.loads((tmp_path / "g.json").read_text())
    whole = data["global_hints"]["whole_photo_own_global_hints"]
    assert set(whole) == {"no global hints", "own saturation", "own both", "histogram matching to own"}
    assert whole["no global hints"]["psnr_db"] == data["psnr_db"], "the plain row is the main table's"
    assert set(whole["own both"]["chroma_ratio"]) == {"0", "5"}
    halves = data["global_hints"]["left_half_reference_right_half"]
    assert "right half's saturation" in halves and "histogram matching to right half" in halves
    assert main([*args, "--global-hints", "colours"]) == 1
    assert "unknown colours" in capsys.readouterr().err
    plain = ["evaluate", str(folder), "--limit", "1", "--weights", str(echo_weights), "--global-hints", "both"]
    assert main(plain) == 1
    assert "has no global-hints branch" in capsys.readouterr().err
