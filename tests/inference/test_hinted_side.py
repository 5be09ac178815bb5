"""Weights that take photos with hints at a smaller side: hints keep their place, results come back
at the side asked for, photos without hints stay at it, and the side is stored with the weights."""

import pytest
import torch
import torch.nn.functional as F
from builders import grey_photo
from safetensors import safe_open
from safetensors.torch import load_file, save_file

from ideepcolor_app.colour.encoding import MaskConvention
from ideepcolor_app.hints.hint_batch import HintBatch
from ideepcolor_app.hints.local_hints import Hint, hint_box
from ideepcolor_app.inference.engine import ColorizationEngine
from ideepcolor_app.inference.network import Network
from ideepcolor_app.network.weights import (
    WeightsError,
    content_digest,
    load_model,
    load_state_dict,
    save_copy,
    save_weights,
)
from weights_factory import echo_state_dict, make_noisy_fill_weights, make_untrained_fast_weights

HINT = Hint(70.0, 150.0, (40.0, -30.0), 7)
PHOTO_SIZE = (300, 200)


def echo_weights(path, hinted_side):
    return save_weights(echo_state_dict(), path, mask_convention=MaskConvention.ZERO_ONE, hinted_side=hinted_side)


def test_resized_hints_cover_the_cells_their_squares_cover():
    """A thin stroke's squares (1 or 3 pixels at 256) keep their whole path at 160: a square becomes
    the cells that cover it, no more than one cell beyond."""
    l256 = torch.full((1, 1, 256, 256), 50.0)
    points = ((0.0, 0.0), (70.0, 150.0), (299.0, 199.0), (150.0, 3.0), (200.0, 100.0))
    hints = [Hint(x, y, (10.0, 10.0), size) for (x, y), size in zip(points, (7, 5, 3, 1, 9), strict=True)]
    placed = HintBatch.place(hints, PHOTO_SIZE, l256)
    resized = placed.resized(256, 160)
    assert resized.counts().tolist() == [5] and torch.equal(resized.colours, placed.colours)
    for k in range(len(hints)):
        _, before = HintBatch.of_squares(placed.squares[:, k : k + 1], placed.colours[:, k : k + 1]).paint(256, 256)
        _, after = HintBatch.of_squares(resized.squares[:, k : k + 1], resized.colours[:, k : k + 1]).paint(160, 160)
        rows, cols = torch.nonzero(before[0, 0] > 0, as_tuple=True)
        cells = torch.zeros(160, 160, dtype=torch.bool)
        cells[rows * 160 // 256, cols * 160 // 256] = True
        got = after[0, 0] > 0
        assert bool(got[cells].all()), f"hint {k}: every cell under its square is covered"
        near = F.max_pool2d(cells[None, None].float(), 3, stride=1, padding=1)[0, 0] > 0
        assert not bool((got & ~near).any()), f"hint {k}: nothing more than a cell beyond"
    assert hint_box(HINT, PHOTO_SIZE, 128)[2] == 3


def test_a_network_with_a_hinted_side_runs_there_and_answers_at_the_side_asked(tmp_path):
    small = Network.from_file(echo_weights(tmp_path / "small.safetensors", 128), torch.device("cpu"), precision="fp32")
    l = torch.full((1, 1, 256, 256), 50.0)
    hints = HintBatch.place([HINT], PHOTO_SIZE, l)
    out = small.colour(l, hints)
    assert out.ab.shape == (1, 2, 256, 256) and out.logits.shape[-2:] == (64, 64)
    # the same as placing the hint at 128 and resampling the answer
    l128 = F.interpolate(l, size=(128, 128), mode="area")
    at128 = small.forward(small.encode(l128, hints.resized(256, 128)), hint_counts=hints.counts()).ab
    assert torch.allclose(out.ab, F.interpolate(at128, size=(256, 256), mode="bilinear", align_corners=False))
    # the hint's colour is where the hint is, and the far corner stays grey
    chroma = torch.linalg.norm(out.ab[0], dim=0)
    row, col = divmod(int(chroma.argmax()), 256)
    top, left, side = hint_box(HINT, PHOTO_SIZE)
    assert abs(row - (top + side // 2)) <= 2 and abs(col - (left + side // 2)) <= 2
    assert float(out.ab[0, 0, row, col]) > 10 and float(out.ab[0, 1, row, col]) < -7
    assert float(chroma[240:, 240:].max()) < 0.5
    # asked for less than its side, it runs at the side asked
    assert small.hinted_side(96) == 96 and small.hinted_side(256) == 128


def test_the_engine_gives_results_at_its_side_from_a_network_with_a_smaller_hinted_side(tmp_path):
    engine = ColorizationEngine.from_weights(str(echo_weights(tmp_path / "small.safetensors", 128)), "cpu")
    engine.set_photo(grey_photo())
    result = engine.colorize([HINT])
    assert result.size == 256
    rgb = result.full_resolution_rgb().astype(int)
    assert rgb.shape == (200, 300, 3)
    assert rgb[150, 70, 0] > rgb[150, 70, 1] + 20, "a pink-red hint shows red at its place on the full photo"
    assert abs(rgb[10, 290] - 128).max() <= 1, "far from it the photo stays grey"


def test_the_hinted_side_is_stored_and_a_damaged_one_refused(tmp_path):
    path = echo_weights(tmp_path / "w.safetensors", 160)
    assert load_state_dict(path)[1].hinted_side == 160
    assert load_state_dict(echo_weights(tmp_path / "plain.safetensors", None))[1].hinted_side is None
    with pytest.raises(ValueError, match="multiple of 8"):
        echo_weights(tmp_path / "bad.safetensors", 100)
    tensors = load_file(str(path))
    with safe_open(str(path), "pt") as f:
        metadata = dict(f.metadata())
    metadata.pop("content_sha256")
    metadata["hinted_side"] = "2000"
    metadata["content_sha256"] = content_digest(tensors, metadata)  # damaged where it was written, not after
    save_file(tensors, str(tmp_path / "damaged.safetensors"), metadata=metadata)
    with pytest.raises(WeightsError, match="hinted side 2000"):
        load_state_dict(tmp_path / "damaged.safetensors")


def test_calibration_sees_the_fill_and_correction_the_network_adds_at_its_hinted_side(tmp_path):
    path = make_noisy_fill_weights(tmp_path / "fill.safetensors", residual_scales={3: 0.25}, hinted_side=128)
    network = Network.from_file(path, torch.device("cpu"), precision="fp32")
    l = torch.linspace(20, 80, 256 * 256).reshape(1, 1, 256, 256)
    three = [HINT, Hint(200.0, 40.0, (-20.0, 30.0), 5), Hint(280.0, 190.0, (5.0, 5.0), 5)]
    hints = HintBatch.place(three, PHOTO_SIZE, l)
    fill = network.fill(l, hints)
    whole = network.colour(l, hints, calibrated=False).ab
    assert float((whole - fill).abs().mean()) > 1, "the correction is not nothing"
    assert torch.allclose(network.colour(l, hints).ab, fill + 0.25 * (whole - fill), atol=1e-3)


def test_a_drag_runs_at_the_full_side_where_a_smaller_one_would_cost_the_same(tmp_path):
    plain = make_untrained_fast_weights(tmp_path / "fast.safetensors")
    model, info = load_model(plain)
    info.hinted_side = 160
    small = save_copy(model, info, tmp_path / "fast160.safetensors", provenance={})
    drag_sides = [ColorizationEngine.from_weights(str(w), "cpu", precision="fp32").drag_size for w in (plain, small)]
    assert drag_sides == [192, 256]


def test_images_without_hints_run_at_the_side_asked_beside_those_with_hints(tmp_path):
    small = Network.from_file(echo_weights(tmp_path / "small.safetensors", 128), torch.device("cpu"), precision="fp32")
    whole = Network.from_file(echo_weights(tmp_path / "whole.safetensors", None), torch.device("cpu"), precision="fp32")
    l = torch.linspace(20, 80, 256 * 256).reshape(1, 1, 256, 256).expand(2, -1, -1, -1)
    hinted = HintBatch.place([HINT], PHOTO_SIZE, l[:1])
    both = HintBatch.cat([HintBatch.empty(), hinted])
    out = small.colour(l, both)
    assert torch.equal(out.ab[0], whole.colour(l[:1], HintBatch.empty()).ab[0]), "without hints: as at 256"
    assert torch.allclose(out.ab[1], small.colour(l[:1], hinted).ab[0]), "with hints: as alone, at 128"
    assert not torch.allclose(out.ab[1], whole.colour(l[:1], hinted).ab[0], atol=0.5)
    assert out.logits.shape == (2, 529, 64, 64)
