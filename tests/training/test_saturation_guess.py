"""The saturation guess: fitting it, storing it with the weights, and the automatic result it colours."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from builders import colour_photo, colour_photo_value
from PIL import Image

from ideepcolor_app.base.errors import WeightsError
from ideepcolor_app.cli import main
from ideepcolor_app.colour.look import Look
from ideepcolor_app.colour.vivid import VividColours
from ideepcolor_app.evaluation.evaluate import evaluate
from ideepcolor_app.hints.global_hints import GlobalHints
from ideepcolor_app.hints.local_hints import Hint
from ideepcolor_app.inference.engine import ColorizationEngine
from ideepcolor_app.inference.network import Network
from ideepcolor_app.network.model import SIGGRAPHGenerator
from ideepcolor_app.network.weights import load_model, load_state_dict, save_weights
from ideepcolor_app.training.data import manifest_members
from ideepcolor_app.training.saturation_guess import fit_saturation_guess
from weights_factory import GUESS
from weights_factory import make_guessing_weights as guessing_weights


def test_the_fit_finds_a_linear_rule_and_beats_one_saturation_for_all():
    rng = np.random.default_rng(0)
    features = torch.from_numpy(rng.normal(5.0, 3.0, (400, 24)))
    saturation = 0.3 + 0.02 * features[:, 0] - 0.01 * features[:, 5]
    fit = fit_saturation_guess(features[:300], saturation[:300], ridge=1.0, shrink=1.0)
    unseen = (features[300:].float() @ fit.weight.T)[:, 0] + fit.bias
    assert torch.allclose(unseen, saturation[300:].float(), atol=0.01)
    assert fit.mean_error < 0.2 * fit.constant_error


def test_the_guess_travels_with_the_weights_in_full_precision(tmp_path):
    model = SIGGRAPHGenerator(0.125, global_hints=True)
    model.add_saturation_guess()
    with torch.no_grad():
        model.saturation_guess.weight.normal_(0, 1e-3)
        model.saturation_guess.bias.fill_(0.3)
    path = save_weights(model.state_dict(), tmp_path / "g.safetensors", mask_convention="centered", half=True)
    loaded, info = load_model(path)
    assert info.saturation_guess and loaded.guesses_saturation
    assert loaded.saturation_guess.weight.dtype == torch.float32
    assert torch.equal(loaded.saturation_guess.weight, model.saturation_guess.weight)  # not rounded to fp16
    x = torch.randn(2, 4, 64, 64)
    model.eval()
    assert torch.allclose(loaded.guess_saturation(x), model.guess_saturation(x), atol=1e-3)


def test_a_guess_without_the_global_branch_to_reach_is_refused(tmp_path):
    model = SIGGRAPHGenerator(0.125)
    model.add_saturation_guess()
    path = save_weights(model.state_dict(), tmp_path / "g.safetensors", mask_convention="centered")
    with pytest.raises(WeightsError, match="saturation guess needs the global-hints branch"):
        load_state_dict(path)


@pytest.fixture(scope="module")
def engines(tmp_path_factory):
    folder = tmp_path_factory.mktemp("guess")
    guessing = ColorizationEngine.from_weights(str(guessing_weights(folder / "guess.safetensors")), "cpu")
    plain = ColorizationEngine.from_weights(str(guessing_weights(folder / "plain.safetensors", guess=None)), "cpu")
    photo = colour_photo_value(3, (96, 64))
    guessing.set_photo(photo)
    plain.set_photo(photo)
    return guessing, plain


def difference(a: torch.Tensor, b: torch.Tensor) -> float:
    return float((a - b).abs().mean())


def test_the_automatic_result_answers_the_guessed_saturation(engines):
    guessing, plain = engines
    automatic = guessing.colorize([])
    assert automatic.guessed_saturation == pytest.approx(GUESS)
    told = plain.colorize([], global_hints=GlobalHints(saturation=GUESS))
    assert difference(automatic.ab, told.ab) < 1e-4, "as if the user had asked for that saturation"
    assert difference(automatic.ab, plain.colorize([]).ab) > 1.0, "and not what the network gives alone"


def test_the_users_saturation_or_a_muted_look_replace_the_guess(engines):
    guessing, plain = engines
    asked = guessing.colorize([], global_hints=GlobalHints(saturation=0.1))
    assert asked.guessed_saturation is None
    assert difference(asked.ab, plain.colorize([], global_hints=GlobalHints(saturation=0.1)).ab) < 1e-4
    muted = guessing.colorize([], look=Look(vivid=False))
    assert muted.guessed_saturation is None
    assert difference(muted.ab, plain.colorize([], look=Look(vivid=False)).ab) < 1e-4


def test_hints_kept_local_leave_the_guessed_colours_away_from_them(engines):
    guessing, plain = engines
    hint = Hint(x=8.0, y=8.0, ab=(60.0, 50.0))
    hinted = guessing.colorize([hint])
    automatic = guessing.colorize([])
    far = (hinted.coverage < 1e-4).expand_as(hinted.ab)  # where the hint does not reach
    assert far.float().mean() > 0.1
    assert difference(hinted.ab[far], automatic.ab[far]) < 0.5
    assert difference(hinted.ab[far], plain.colorize([hint]).ab[far]) > 1.0
    # the hinted pass itself runs without the guess: told a saturation, the network follows it, not the hints
    unbounded = guessing.colorize([hint], look=Look(local_hints=False))
    assert unbounded.guessed_saturation == pytest.approx(GUESS)
    assert difference(unbounded.ab, plain.colorize([hint], look=Look(local_hints=False)).ab) < 1e-4


def test_the_command_fits_a_guess_on_photos_and_writes_weights_that_use_it(tmp_path, capsys):
    photos = tmp_path / "photos"
    photos.mkdir()
    for seed in range(6):
        Image.fromarray(colour_photo(seed, (64, 48))).save(photos / f"p{seed}.png")
    source = guessing_weights(tmp_path / "source.safetensors", guess=None)
    target = tmp_path / "target.safetensors"
    assert main(["weights", "guess-saturation", str(source), str(target), str(photos)]) == 0
    assert "fitted on 6 photos" in capsys.readouterr().out
    _, info = load_model(target)
    assert info.saturation_guess and info.metadata["provenance"]["saturation_guess"]["photos"] == 6
    engine = ColorizationEngine.from_weights(str(target), "cpu")
    engine.set_photo(colour_photo_value(1, (96, 64)))
    assert 0.0 <= engine.colorize([]).guessed_saturation <= 1.0


def test_the_command_refuses_weights_the_guess_could_not_reach(tmp_path, capsys):
    source = guessing_weights(tmp_path / "source.safetensors", guess=None, global_hints=False)
    assert main(["weights", "guess-saturation", str(source), str(tmp_path / "t.safetensors"), str(tmp_path)]) != 0
    assert "no global-hints branch" in capsys.readouterr().err


def test_training_the_trunk_drops_the_guess_it_would_no_longer_fit(tmp_path):
    photos = tmp_path / "photos"
    photos.mkdir()
    for seed in range(8):
        Image.fromarray(colour_photo(seed, (48, 40))).save(photos / f"p{seed}.png")
    init = guessing_weights(tmp_path / "init.safetensors")
    out = tmp_path / "tuned.safetensors"
    args = ["train", str(photos), "--out", str(out), "--steps", "2", "--batch", "4", "--crop", "32"]
    args += ["--init", str(init)]
    assert main(args) == 0
    assert not load_state_dict(out)[1].saturation_guess
    kept = tmp_path / "branch.safetensors"
    args[3] = str(kept)
    assert main([*args, "--global-only"]) == 0
    assert load_state_dict(kept)[1].saturation_guess, "a frozen trunk keeps the features it reads"


def test_evaluate_measures_the_automatic_result_as_the_app_shows_it(tmp_path, photo_files):
    network = Network.from_file(guessing_weights(tmp_path / "g.safetensors"), torch.device("cpu"))
    vivid = VividColours(0.8, 0.4)
    guessed = evaluate(network, photo_files[:1], (0, 5), vivid=vivid, saturation_guess=True)
    before = evaluate(network, photo_files[:1], (0, 5), vivid=vivid, saturation_guess=False)
    assert guessed.default_label.startswith("guessed saturation") and not before.saturation_guess
    assert guessed.vivid[0] != before.vivid[0], "the result without hints answers the guess"
    assert guessed.vivid[5] == pytest.approx(before.vivid[5], abs=0.5), "hinted results run without it"


def test_photos_held_out_by_their_source_in_the_manifest_are_left_out(tmp_path):
    (tmp_path / "part-00.tar").write_bytes(b"")
    (tmp_path / "MANIFEST.tsv").write_text(
        "part\tmember\tsource\toriginal\npart-00\t000000.jpg\tscenes\ta.jpg\npart-00\t000001.jpg\theld\tb.jpg\n"
    )
    assert manifest_members([tmp_path / "part-00.tar"], {"held"}) == {"part-00.tar:000001.jpg"}
    assert manifest_members([tmp_path], {"held", "scenes"}) == {"part-00.tar:000000.jpg", "part-00.tar:000001.jpg"}
