"""Calibrating the residual scales of a fill-encoded network, and using them."""

import math

import pytest
import torch

from ideepcolor_app.cli import main
from ideepcolor_app.colour.encoding import HintEncoding, encode_hints
from ideepcolor_app.evaluation.calibrate import calibrate_residual_scales
from ideepcolor_app.hints.hint_batch import HintBatch
from ideepcolor_app.network.model import SIGGRAPHGenerator
from ideepcolor_app.network.weights import load_model, save_weights
from weights_factory import make_noisy_fill_weights, network_of, noisy_corrections_model


@pytest.fixture
def noisy_weights(tmp_path):
    return make_noisy_fill_weights(tmp_path / "noisy.safetensors", half=True)


def test_noise_added_to_the_fill_is_scaled_down(photo_files):
    result = calibrate_residual_scales(
        network_of(noisy_corrections_model(), encoding=HintEncoding.LIGHTNESS_FILL),
        photo_files[:2],
        scales=(0.2, 0.6, 1.0),
        hint_counts=(1, 10),
        size=64,
    )
    assert result.best_scales == {1: 0.2, 10: 0.2}
    assert result.psnr[0.2][10] > result.psnr[1.0][10] + 0.5
    assert result.table().splitlines()[1].count("*") == 2, "the best of each count is starred"


def test_calibrate_writes_a_copy_that_adds_that_share_of_its_correction(noisy_weights, photo_files, tmp_path, capsys):
    target = tmp_path / "calibrated.safetensors"
    photos = [str(p) for p in photo_files[:2]]
    assert (
        main(["weights", "calibrate", str(noisy_weights), str(target), *photos, "--size", "64", "--hints", "5,10"]) == 0
    )
    assert "with residual scales 5: 0.2, 10: 0.2" in capsys.readouterr().out
    raw, _ = load_model(noisy_weights)
    calibrated, info = load_model(target)
    assert info.residual_scales == {5: 0.2, 10: 0.2} and info.metadata["quantization"] == "fp16"
    assert info.metadata["provenance"]["calibration"]["photos"] == 2
    l = torch.linspace(20, 80, 64 * 64).reshape(1, 1, 64, 64)
    squares, colours = torch.tensor([[[10, 10, 5], [40, 30, 5]]]), torch.tensor([[[30.0, 20.0], [-20.0, 10.0]]])
    hints = HintBatch.of_squares(squares, colours)
    x = encode_hints(l, hints, info.mask_convention, info.hint_encoding)
    with torch.no_grad():
        fill = x[:, 1:3] * 110
        expected = (fill + 0.2 * (raw(x).ab - fill)).clamp(-110, 110)
        assert torch.allclose(calibrated(x, hint_counts=torch.tensor([2])).ab, expected, atol=1e-4)
    assert main(["weights", "verify", str(target)]) == 0
    assert "residual scales {5: 0.2, 10: 0.2}" in capsys.readouterr().out


def test_scales_are_interpolated_between_calibrated_counts_in_log_count():
    model = SIGGRAPHGenerator(0.25, residual=True, residual_scales={0: 1.0, 9: 0.5, 99: 0.5})
    scales = model.scale_for(torch.tensor([0, 2, 9, 30, 99, 1000]), torch.zeros(1)).flatten()
    halfway = 1.0 - 0.5 * math.log(3) / math.log(10)  # count 2 lies at log(3) of log(10)
    assert scales.tolist() == pytest.approx([1.0, halfway, 0.5, 0.5, 0.5, 0.5])
    assert model.scale_for(None, torch.zeros(1)) == 1.0, "no counts: the whole correction"


def test_the_engine_applies_the_scale_for_the_hints_on_the_photo(noisy_weights, photo_files, tmp_path):
    from ideepcolor_app.hints.local_hints import Hint
    from ideepcolor_app.inference.engine import ColorizationEngine
    from ideepcolor_app.photos.images import load_photo

    model, info = load_model(noisy_weights)
    halved = save_weights(
        model.state_dict(),
        tmp_path / "halved.safetensors",
        mask_convention=info.mask_convention,
        hint_encoding=info.hint_encoding,
        residual_scales={0: 0.5},
    )
    photo = load_photo(photo_files[0])
    hints = [Hint(100, 100, (30.0, 20.0), 5)]
    results = []
    for path in (noisy_weights, halved):
        engine = ColorizationEngine.from_weights(str(path), "cpu")
        results.append(engine.colorize(hints, source=engine.set_photo(photo)).ab)
    source = ColorizationEngine.from_weights(str(halved), "cpu").set_photo(photo)
    placed = HintBatch.place(hints, source.size, source.network_lightness())
    fill = encode_hints(source.network_lightness(), placed, info.mask_convention, info.hint_encoding)
    fill = fill[:, 1:3] * 110
    assert torch.allclose(results[1], (fill + 0.5 * (results[0] - fill)).clamp(-110, 110), atol=0.05)


def test_weights_with_the_papers_sparse_hints_have_nothing_to_calibrate(random_weights, photo_files, tmp_path, capsys):
    assert (
        main(["weights", "calibrate", str(random_weights), str(tmp_path / "x.safetensors"), str(photo_files[0])]) == 1
    )
    assert "sparse hints" in capsys.readouterr().err
    assert not (tmp_path / "x.safetensors").exists()
