"""The fast model: reduced width, fill encodings, yardsticks and the eval-matched hint recipe."""

import numpy as np
import pytest
import torch

from ideepcolor_app.colour.encoding import HintEncoding, MaskConvention, encode_hints
from ideepcolor_app.colour.fill import inverse_distance_fill
from ideepcolor_app.evaluation.evaluate import evaluate
from ideepcolor_app.hints.hint_batch import HintBatch
from ideepcolor_app.network.model import SIGGRAPHGenerator, width_of_state_dict
from ideepcolor_app.network.weights import load_model, save_weights
from ideepcolor_app.training.simulate import sample_hints
from weights_factory import network_of


def test_reduced_width_keeps_the_module_tree_and_keys():
    full, fast = SIGGRAPHGenerator().state_dict(), SIGGRAPHGenerator(0.25).state_dict()
    assert list(full) == list(fast)
    assert sum(v.numel() for k, v in fast.items() if "running" not in k and "num_batches" not in k) == 2_165_843
    assert fast["model1.0.weight"].shape == (16, 4, 3, 3) and fast["model_class.0.weight"].shape == (529, 64, 1, 1)
    assert width_of_state_dict(fast) == 0.25 and width_of_state_dict(full) == 1.0


def test_width_and_encoding_survive_saving_and_are_read_from_shapes(tmp_path):
    torch.manual_seed(0)
    model = SIGGRAPHGenerator(0.25, residual=True)
    torch.nn.init.normal_(model.model_out[0].weight, std=0.1)
    path = save_weights(
        model.state_dict(),
        tmp_path / "fast.safetensors",
        mask_convention="centered",
        hint_encoding=HintEncoding.LIGHTNESS_FILL,
        half=True,
    )
    assert path.stat().st_size < 5e6, "fp16 keeps the fast model at a few MB"
    loaded, info = load_model(path)
    assert info.width == 0.25 and info.is_fast and info.hint_encoding is HintEncoding.LIGHTNESS_FILL
    assert loaded.residual and info.metadata["quantization"] == "fp16"
    x = torch.randn(1, 4, 32, 32)
    with torch.no_grad():
        assert (loaded.eval()(x).ab - model.eval()(x).ab).abs().max() < 0.2


def direct_fill(squares, colors, height, width, lightness=None):
    """The yardstick's definition written out with numpy, pixel by pixel in vectorised form."""
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float64)
    num, den = np.zeros((2, height, width)), np.zeros((height, width))
    for (top, left, side), color in zip(squares, colors, strict=True):
        cy, cx = top + (side - 1) / 2, left + (side - 1) / 2
        w = 1 / ((ys - cy) ** 2 + (xs - cx) ** 2 + 1) ** 1.5
        if lightness is not None:
            hint_l = lightness[top : top + side, left : left + side].mean()
            w = w * np.exp(-((lightness - hint_l) ** 2) / (2 * 8.0**2))
        num += w * np.asarray(color, np.float64)[:, None, None]
        den += w
    return num / den


def test_fills_follow_their_definitions():
    squares = [(5, 7, 6), (30, 40, 6), (50, 10, 3)]
    colors = [(40.0, -20.0), (-30.0, 60.0), (5.0, 5.0)]
    hints = HintBatch.of_squares(torch.tensor([squares]), torch.tensor([colors]))
    fill = inverse_distance_fill(hints, 64, 72)[0].numpy()
    assert np.abs(fill - direct_fill(squares, colors, 64, 72)).max() < 1e-3
    lightness = np.add.outer(np.linspace(20, 80, 64), np.zeros(72))
    l_t = torch.tensor(lightness, dtype=torch.float32)[None, None]
    lfill = inverse_distance_fill(hints, 64, 72, lightness=l_t)[0].numpy()
    assert np.abs(lfill - direct_fill(squares, colors, 64, 72, lightness)).max() < 1e-2


def test_a_single_hint_colours_everything_and_none_leaves_grey():
    squares, colors = torch.tensor([[[10, 10, 5], [0, 0, 1]]]), torch.tensor([[[30.0, -10.0], [99.0, 99.0]]])
    fill = inverse_distance_fill(HintBatch.of_squares(squares, colors, torch.tensor([[True, False]])), 40, 40)
    assert torch.allclose(fill[0, 0], torch.full((40, 40), 30.0)) and torch.allclose(
        fill[0, 1], torch.full((40, 40), -10.0)
    )
    none = HintBatch.of_squares(squares, colors, torch.zeros(1, 2, dtype=torch.bool))
    assert inverse_distance_fill(none, 40, 40).abs().max() == 0


def test_fill_encoding_hands_the_fill_to_the_network_and_marks_hints():
    l = torch.full((1, 1, 32, 32), 50.0)
    hints = HintBatch.of_squares(torch.tensor([[[4, 4, 3]]]), torch.tensor([[[55.0, 22.0]]]))
    sparse = encode_hints(l, hints, MaskConvention.ZERO_ONE, HintEncoding.SPARSE)
    filled = encode_hints(l, hints, MaskConvention.ZERO_ONE, HintEncoding.FILL)
    assert sparse[0, 1, 20, 20] == 0 and filled[0, 1, 20, 20] == pytest.approx(55 / 110)
    assert torch.equal(sparse[:, 3], filled[:, 3]) and filled[0, 3].sum() == 9


def test_an_untrained_residual_network_is_exactly_its_input_fill(tmp_path):
    """So the table's network row starts level with the fill it is handed, and training moves it."""
    rng = np.random.default_rng(0)
    photos = []
    for i in range(2):
        rgb = np.clip(rng.normal(128, 60, (8, 8, 3)), 0, 255).astype(np.uint8).repeat(24, 0).repeat(32, 1)
        from PIL import Image

        Image.fromarray(rgb).save(tmp_path / f"p{i}.png")
        photos.append(tmp_path / f"p{i}.png")
    model = SIGGRAPHGenerator(0.25, residual=True)
    result = evaluate(network_of(model, encoding=HintEncoding.LIGHTNESS_FILL), photos, (0, 3, 20))
    assert result.psnr == pytest.approx(result.yardsticks["lightness-fill"], abs=1e-4)
    assert result.yardsticks["grey"][0] == result.yardsticks["fill"][0] == result.psnr[0]
    assert result.yardsticks["fill"][20] > result.yardsticks["grey"][20]
    table = result.table()
    for row in ("grey (ab = 0)", "inverse-distance fill", "lightness fill (the network's input)", "paper"):
        assert row in table
    assert result.beats_yardsticks()["lightness-fill"] == [3, 20], "level is not beating"


def test_density_recipe_matches_the_evaluation_spacing():
    ab = torch.zeros(4000, 2, 128, 128)
    counts = sample_hints(ab, torch.Generator().manual_seed(0), recipe="density", upscale=1.0).counts()
    quarter = sample_hints(ab, torch.Generator().manual_seed(0), recipe="density", upscale=2.0)
    counts2 = quarter.counts()
    zero = float((counts == 0).float().mean())
    assert 1 / 8 - 0.02 < zero < 0.25, "one image in eight has no hints, plus the few whose draw came out 0"
    # a crop that is a quarter of a frame gets a quarter of its hints
    assert abs(counts2.float().mean() / counts.float().mean() - 0.25) < 0.03
    sides = quarter.squares[..., 2][quarter.valid]
    assert sides.min() == 1 and sides.max() == 9, "patch sides 1..9 at the frame's scale"
    assert counts.max() > 100, "counts reach the evaluation's 100 hints"
