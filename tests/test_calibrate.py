"""Calibrating the residual scale of a fill-encoded network, and using it."""

import pytest
import torch

from ideepcolor_app.calibrate import calibrate_residual_scale
from ideepcolor_app.cli import main
from ideepcolor_app.encoding import HintEncoding, MaskConvention, encode_hints
from ideepcolor_app.model import SIGGRAPHGenerator
from ideepcolor_app.weights import load_model, save_weights


def noisy_corrections_model() -> SIGGRAPHGenerator:
    """A fast-width residual network whose corrections are noise: the fill alone is better."""
    torch.manual_seed(0)
    model = SIGGRAPHGenerator(0.25, residual=True)
    torch.nn.init.normal_(model.model_out[0].weight, std=0.5)
    return model.eval()


@pytest.fixture
def noisy_weights(tmp_path):
    return save_weights(
        noisy_corrections_model().state_dict(),
        tmp_path / "noisy.safetensors",
        mask_convention=MaskConvention.CENTERED,
        hint_encoding=HintEncoding.LIGHTNESS_FILL,
        half=True,
    )


def test_noise_added_to_the_fill_is_scaled_down(photo_files):
    result = calibrate_residual_scale(
        noisy_corrections_model(),
        MaskConvention.CENTERED,
        HintEncoding.LIGHTNESS_FILL,
        photo_files[:2],
        scales=(0.2, 0.6, 1.0),
        hint_counts=(1, 10),
        size=64,
    )
    assert result.best_scale == 0.2
    assert result.psnr[0.2][10] > result.psnr[1.0][10] + 0.5
    assert "<- best" in result.table().splitlines()[1]


def test_calibrate_writes_a_copy_that_adds_that_share_of_its_correction(noisy_weights, photo_files, tmp_path, capsys):
    target = tmp_path / "calibrated.safetensors"
    assert (
        main(["weights", "calibrate", str(noisy_weights), str(target), *map(str, photo_files[:2]), "--size", "64"]) == 0
    )
    assert "with residual scale 0.2" in capsys.readouterr().out
    raw, _ = load_model(noisy_weights)
    calibrated, info = load_model(target)
    assert info.residual_scale == 0.2 and info.metadata["quantization"] == "fp16"
    assert info.metadata["provenance"]["calibration"]["photos"] == 2
    l = torch.linspace(20, 80, 64 * 64).reshape(1, 1, 64, 64)
    boxes = torch.tensor([[[10, 10, 5], [40, 30, 5]]])
    colors = torch.tensor([[[30.0, 20.0], [-20.0, 10.0]]])
    x = encode_hints(l, boxes, colors, torch.ones(1, 2, dtype=torch.bool), info.mask_convention, info.hint_encoding)
    with torch.no_grad():
        fill = x[:, 1:3] * 110
        expected = (fill + 0.2 * (raw(x).ab - fill)).clamp(-110, 110)
        assert torch.allclose(calibrated(x).ab, expected, atol=1e-4)
    assert main(["weights", "verify", str(target)]) == 0
    assert "residual scale 0.2" in capsys.readouterr().out


def test_weights_with_the_papers_sparse_hints_have_nothing_to_calibrate(random_weights, photo_files, tmp_path, capsys):
    assert (
        main(["weights", "calibrate", str(random_weights), str(tmp_path / "x.safetensors"), str(photo_files[0])]) == 1
    )
    assert "sparse hints" in capsys.readouterr().err
    assert not (tmp_path / "x.safetensors").exists()
