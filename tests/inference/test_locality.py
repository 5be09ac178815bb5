"""Hints colour their objects: coverage, the bundled model's reach, suggestions, evaluation, metadata."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from ideepcolor_app.base.errors import WeightsError
from ideepcolor_app.base.resources import bundled_weights_dir
from ideepcolor_app.colour.ab_bins import NUM_BINS, ab_to_bin
from ideepcolor_app.colour.encoding import HintEncoding
from ideepcolor_app.colour.locality import HintLocality, bin_probabilities, colour_plausibility, hint_coverage
from ideepcolor_app.colour.look import Look
from ideepcolor_app.evaluation.evaluate import evaluate
from ideepcolor_app.evaluation.reach import reach_ratio
from ideepcolor_app.hints.hint_batch import HintBatch
from ideepcolor_app.hints.local_hints import Hint
from ideepcolor_app.inference.engine import ColorizationEngine
from ideepcolor_app.network.model import SIGGRAPHGenerator
from ideepcolor_app.network.weights import load_model, load_state_dict, save_weights
from ideepcolor_app.photos.images import Photo
from weights_factory import network_of

RED, GREEN = (60.0, 40.0), (-50.0, 50.0)
LOCALITY = HintLocality(prior_weight=6e-10, sigma=14.0, floor=0.003)  # the bundled model's


def sure_of(colour: tuple[float, float], size: int = 16) -> torch.Tensor:
    """Logits of a distribution sure of one colour at every cell."""
    logits = torch.zeros(1, NUM_BINS, size, size)
    logits[0, int(ab_to_bin(torch.tensor([colour]))[0])] = 30.0
    return logits


def one_hint(colour: tuple[float, float], row: int = 62, col: int = 62) -> HintBatch:
    return HintBatch.of_squares(torch.tensor([[[row, col, 4]]]), torch.tensor([[colour]]))


def test_plausibility_is_the_mass_near_a_colour():
    probabilities = bin_probabilities(sure_of(RED))
    near = colour_plausibility(probabilities, torch.tensor([[RED, GREEN]]), sigma=20.0)
    assert near.shape == (1, 2, 16, 16)
    assert float(near[0, 0].min()) > 0.9 and float(near[0, 1].max()) < 1e-3


def test_a_colour_the_picture_makes_likely_reaches_further_than_one_it_does_not():
    lightness = torch.full((1, 1, 128, 128), 40.0)
    lightness[..., 100:, 100:] = 65.0  # a lighter corner, about 60 px from the hint
    likely = hint_coverage(lightness, one_hint(RED), bin_probabilities(sure_of(RED)), LOCALITY)
    unlikely = hint_coverage(lightness, one_hint(GREEN), bin_probabilities(sure_of(RED)), LOCALITY)
    assert float(likely[0, 0, 63, 63]) > 0.99 and float(unlikely[0, 0, 63, 63]) > 0.99  # the hint always wins
    far = (slice(None), 0, slice(100, 128), slice(100, 128))
    assert float(likely[far].mean()) > 0.9 > 0.3 > float(unlikely[far].mean())


def test_a_hint_reaches_along_its_lightness_not_across_an_edge():
    lightness = torch.full((1, 1, 128, 128), 30.0)
    lightness[..., 64:] = 70.0  # an edge down the middle; the hint is left of it
    coverage = hint_coverage(lightness, one_hint(RED, 62, 30), bin_probabilities(sure_of(RED)), LOCALITY)
    same_side, other_side = float(coverage[0, 0, 62, 10]), float(coverage[0, 0, 62, 90])  # both 20 px away
    assert same_side > 0.9 and other_side < 0.1


def test_locality_travels_with_the_weights_and_a_damaged_value_is_refused(tmp_path, random_weights):
    state, _ = load_state_dict(random_weights)
    path = save_weights(state, tmp_path / "w.safetensors", mask_convention="centered", hint_locality=LOCALITY)
    assert load_model(path)[1].hint_locality == LOCALITY
    with pytest.raises(ValueError, match="out of range"):
        HintLocality(prior_weight=2.0, sigma=20.0)
    with pytest.raises(ValueError, match="3 numbers"):
        HintLocality.from_text("1e-9 20")
    from safetensors import safe_open
    from safetensors.torch import load_file, save_file

    from ideepcolor_app.network.weights import content_digest

    with safe_open(str(path), "pt") as f:
        metadata = dict(f.metadata())
    tensors = load_file(str(path))
    metadata["hint_locality"] = "1e-9 twenty 0"
    metadata.pop("content_sha256")
    metadata["content_sha256"] = content_digest(tensors, metadata)  # damaged before it was signed
    broken = tmp_path / "broken.safetensors"
    save_file(tensors, str(broken), metadata=metadata)
    with pytest.raises(WeightsError, match="hint locality"):
        load_model(broken)


# ----- the bundled model ---------------------------------------------------------------------------------
def shapes_photo() -> Photo:
    """A photo with a dark disc, a bright band and a mid-grey ground (no colour: it is the input)."""
    height, width = 192, 256
    yy, xx = np.mgrid[0:height, 0:width]
    grey = np.full((height, width), 120, np.uint8)
    grey[(yy - 96) ** 2 + (xx - 128) ** 2 < 40**2] = 60
    grey[:30] = 220
    grey[:, :20] = 180
    return Photo(Path("shapes.png"), np.repeat(grey[..., None], 3, axis=2), "shapes", False)


@pytest.fixture(scope="module")
def bundled() -> ColorizationEngine:
    engine = ColorizationEngine.from_weights(str(bundled_weights_dir() / "ideepcolor-fast.safetensors"), "cpu")
    engine.set_photo(shapes_photo())
    return engine


def test_the_bundled_model_keeps_an_off_colour_hint_on_its_object(bundled):
    assert bundled.info.hint_locality is not None, "the bundled file carries its measured locality"
    hint = Hint(128, 96, (50.0, -50.0), 5)  # purple, at the disc's centre
    automatic = bundled.colorize([]).ab[0]
    local = bundled.colorize([hint])
    at_disc = HintBatch.of_squares(torch.tensor([[[125, 125, 6]]]), torch.zeros(1, 1, 2))
    reach_local = reach_ratio(local.ab[0], automatic, at_disc)
    everywhere = bundled.colorize([hint], look=Look(local_hints=False)).ab[0]
    reach_everywhere = reach_ratio(everywhere, automatic, at_disc)
    assert reach_local < 0.25 and reach_local < reach_everywhere / 2, (reach_local, reach_everywhere)
    a, b = local.ab[0, :, 128, 128].tolist()
    assert a > 30 and b < -30, "the hint's own spot takes its colour"


def test_suggestions_far_from_a_hint_are_the_photos_own(bundled):
    hint = Hint(128, 96, (50.0, -50.0), 5)
    automatic = bundled.colorize([])
    local = bundled.colorize([hint])

    def top(result, x, y):
        return [tuple(round(v) for v in s.ab) for s in result.suggestions(x, y).suggestions[:2]]

    # the ground, far from the hint: its leading suggestion is the photo's own (version 2's flatter,
    # rebalanced distribution lets a plausible hint colour in among the lower ones)
    assert top(local, 240, 180)[0] == top(automatic, 240, 180)[0]
    far_prediction = np.subtract(local.suggestions(240, 180).predicted.ab, automatic.suggestions(240, 180).predicted.ab)
    assert np.abs(far_prediction).max() < 2
    a, b = local.suggestions(128, 96).suggestions[0].ab  # at the hint: its colour's neighbourhood
    assert a > 20 and b < -20 and top(local, 128, 96) != top(automatic, 128, 96)
    one_cell = local.distribution_at(150, 120)  # the palette's path: one cell
    local.shown_logits()  # the variations' path: the whole map, then read from it
    assert torch.allclose(local.distribution_at(150, 120), one_cell, atol=1e-6)


def test_the_automatic_result_is_computed_once_per_photo_and_size(bundled, monkeypatch):
    network = bundled.best
    calls = []
    forward = network.forward
    monkeypatch.setattr(network, "forward", lambda *a, **k: calls.append(1) or forward(*a, **k))
    bundled.set_photo(shapes_photo())
    bundled.colorize([])  # what the window shows when a photo opens
    bundled.colorize([Hint(100, 90, RED, 5)])
    bundled.colorize([Hint(100, 90, RED, 5), Hint(30, 150, GREEN, 5)])
    assert len(calls) == 3  # one pass per update: the automatic result is kept
    bundled.colorize([Hint(100, 90, RED, 5)], size=192)
    assert len(calls) == 5  # another size needs its own
    bundled.set_photo(shapes_photo())
    bundled.colorize([Hint(100, 90, RED, 5)])
    assert len(calls) == 7  # a newly opened photo too


# ----- evaluation ----------------------------------------------------------------------------------------------
def test_evaluate_measures_reach_on_what_the_app_shows(photo_files):
    torch.manual_seed(0)
    model = SIGGRAPHGenerator(0.125, residual=True)  # zero correction: the network is its fill, reach about 1
    network = network_of(model, encoding=HintEncoding.LIGHTNESS_FILL)
    everywhere = evaluate(network, photo_files[:1], (0, 1), size=128)
    local = evaluate(network, photo_files[:1], (0, 1), size=128, locality=HintLocality(1e-5, 20.0, 1.0))
    assert local.reach["one"] < 0.3 < everywhere.reach["one"]
    assert local.reach_network == everywhere.reach_network  # the network alone is the same
    assert set(local.vivid) == {0, 1} and "local hints" in local.table()
    assert local.to_json()["vivid"]["hint_locality"] == "1e-05 20.0 1.0"


def test_colorize_keeps_hints_local_unless_asked_not_to(tmp_path):
    from PIL import Image

    from ideepcolor_app.cli import main
    from ideepcolor_app.editing.session import Session
    from ideepcolor_app.photos.images import load_photo

    folder = tmp_path / "in"
    folder.mkdir()
    Image.fromarray(shapes_photo().pixels).save(folder / "shapes.png")
    photo = load_photo(folder / "shapes.png")
    Session("shapes.png", photo.sha256, photo.size, [Hint(128, 96, (50.0, -50.0), 5)]).save(tmp_path / "s.json")
    weights = str(bundled_weights_dir() / "ideepcolor-fast.safetensors")
    outputs = {}
    for reach in ("local", "photo"):
        out = tmp_path / reach
        common = ["colorize", str(folder), "-o", str(out), "--weights", weights, "--device", "cpu"]
        assert main([*common, "--hints", str(tmp_path / "s.json"), "--hint-reach", reach]) == 0
        outputs[reach] = load_photo(out / "shapes_colorized.png").pixels.astype(int)
    assert main(["colorize", str(folder), "-o", str(tmp_path / "auto"), "--weights", weights, "--device", "cpu"]) == 0
    automatic = load_photo(tmp_path / "auto" / "shapes_colorized.png").pixels.astype(int)
    corner = (slice(150, 192), slice(200, 256))  # the grey ground far from the hint
    local_change = np.abs(outputs["local"][corner] - automatic[corner]).mean()
    photo_change = np.abs(outputs["photo"][corner] - automatic[corner]).mean()
    assert local_change < photo_change / 2, (local_change, photo_change)
    red, _, blue = outputs["local"][96, 128]
    assert blue > red > 0 and blue - outputs["local"][96, 128, 1] > 20, "purple at the hint"
