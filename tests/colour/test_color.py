import numpy as np
import pytest
import skimage.color
import torch

from ideepcolor_app.colour.color import (
    ab_to_position,
    gamut_map,
    lab_to_rgb,
    lab_to_rgb_np,
    lab_to_srgb8,
    position_to_ab,
    rgb_to_lab,
    rgb_to_lab_np,
    snap_ab_to_gamut,
)


def test_rgb_to_lab_matches_scikit_image_on_random_colours():
    rgb = np.random.default_rng(1).random((5000, 3))
    assert np.abs(rgb_to_lab_np(rgb) - skimage.color.rgb2lab(rgb)).max() < 0.01


def test_lab_to_rgb_matches_scikit_image_in_lab_units():
    lab = skimage.color.rgb2lab(np.random.default_rng(2).random((5000, 3)))
    ours = rgb_to_lab_np(lab_to_rgb_np(lab))
    theirs = skimage.color.rgb2lab(skimage.color.lab2rgb(lab))
    assert np.abs(ours - theirs).max() < 0.01


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_tensor_conversion_on_images_round_trips(dtype, device):
    if device.type == "mps" and dtype == torch.float64:
        pytest.skip("MPS has no float64")
    rgb = torch.rand(2, 3, 16, 16, dtype=dtype).to(device)
    lab = rgb_to_lab(rgb)
    assert lab.device.type == device.type, "the maths stays on the device"
    expected = skimage.color.rgb2lab(rgb.double().cpu().permute(0, 2, 3, 1).numpy())
    assert np.abs(lab.double().cpu().permute(0, 2, 3, 1).numpy() - expected).max() < 0.01
    assert torch.allclose(lab_to_rgb(lab), rgb, atol=1e-3)


def test_snapping_keeps_lightness_and_lands_in_gamut():
    lightness = torch.tensor([20.0, 50.0, 90.0, 50.0])
    ab = torch.tensor([[100.0, 100.0], [-100.0, 90.0], [80.0, -100.0], [10.0, 10.0]])
    snapped = snap_ab_to_gamut(lightness, ab)
    lab = torch.cat((lightness[:, None], snapped), 1)[:, :, None, None]
    raw = lab_to_rgb(lab, clip=False)
    assert raw.min() > -0.02 and raw.max() < 1.02  # displayable without clipping
    back = rgb_to_lab(lab_to_rgb(lab))[:, 0, 0, 0]
    assert torch.allclose(back, lightness, atol=1.5)
    assert torch.allclose(snapped[3], ab[3], atol=0.5), "an in-gamut colour must not move"


def test_gamut_map_marks_only_displayable_colours():
    rgb, inside = gamut_map(50.0, size=64)
    assert rgb.shape == (64, 64, 3) and inside.dtype == bool
    centre = 32
    assert inside[centre, centre]  # neutral grey is displayable at L=50
    assert not inside[0, 0] and not inside[63, 63]  # extreme corners are not
    assert inside.sum() < 64 * 64 * 0.8
    bright = gamut_map(97.0, size=64)[1]
    assert bright.sum() < inside.sum()  # the gamut shrinks near white


def test_picker_positions_invert():
    for ab in [(-110, 110), (0, 0), (37.5, -80.0)]:
        assert np.allclose(position_to_ab(*ab_to_position(ab, 200), 200), ab)
    x, y = ab_to_position((0.0, 100.0), 221)
    assert y < 221 / 2, "positive b is drawn upward"


def test_fast_8bit_path_matches_the_plain_conversion(device):
    torch.manual_seed(0)
    lab = torch.cat((torch.rand(1, 64, 80) * 100, torch.randn(2, 64, 80) * 50)).to(device)  # many out of gamut
    plain = (lab_to_rgb(lab) * 255 + 0.5).to(torch.uint8).permute(1, 2, 0)
    fast = lab_to_srgb8(lab.clone())
    assert fast.device.type == device.type
    assert fast.shape == (64, 80, 3)
    diff = (fast.int() - plain.int()).abs()
    assert diff.max() <= 1 and (diff > 0).float().mean() < 0.01


def test_public_conversions_check_shape_and_dtype():
    with pytest.raises(ValueError, match=r"\(\.\.\., 3, H, W\)"):
        rgb_to_lab(torch.rand(4, 4, 3))  # channels last by mistake
    with pytest.raises(TypeError, match="floating-point"):
        lab_to_rgb(torch.zeros(3, 2, 2, dtype=torch.uint8))


def test_the_neutral_grey_keeps_each_pixels_lightness():
    from ideepcolor_app.colour.color import neutral_srgb8

    rgb8 = np.random.default_rng(3).integers(0, 256, (64, 80, 3), dtype=np.uint8)
    rgb8[0, :3] = [[0, 0, 0], [255, 255, 255], [0, 0, 255]]
    grey = torch.from_numpy(neutral_srgb8(rgb8))
    lab = rgb_to_lab(torch.from_numpy(rgb8).permute(2, 0, 1).double() / 255)
    lab[1:] = 0  # the same L, no colour: what the two whole conversions gave
    expected = (lab_to_rgb(lab) * 255 + 0.5).floor().to(torch.int64).permute(1, 2, 0)
    assert grey.shape == (64, 80, 3) and grey.dtype == torch.uint8
    assert (grey[..., 0] == grey[..., 1]).all() and (grey[..., 1] == grey[..., 2]).all(), "neutral"
    assert (grey.to(torch.int64) - expected).abs().max() <= 1
    assert grey[0, :2, 0].tolist() == [0, 255], "black and white stay black and white"
