"""sRGB (D65) <-> CIE Lab on torch tensors of any device, with numpy wrappers.

Conversions follow scikit-image's definitions (same matrix, white point and
piecewise functions) so results agree with ``skimage.color`` to ~1e-4.
Channels are on dim -3 for tensors ((..., 3, H, W)) and on the last axis for
numpy arrays ((..., 3)), matching each library's habits.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
import torch.nn.functional as F

_XYZ_FROM_RGB = torch.tensor(
    [[0.412453, 0.357580, 0.180423], [0.212671, 0.715160, 0.072169], [0.019334, 0.119193, 0.950227]],
    dtype=torch.float64,
)
_RGB_FROM_XYZ = torch.linalg.inv(_XYZ_FROM_RGB)
_WHITE_D65 = (0.95047, 1.0, 1.08883)


def _apply_matrix(matrix: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    m = matrix.to(device=x.device, dtype=x.dtype)
    return torch.einsum("ij,...jhw->...ihw", m, x)


def srgb_to_linear(srgb: torch.Tensor) -> torch.Tensor:
    """The sRGB transfer curve, decoded: sRGB in [0, 1] -> linear light."""
    return torch.where(srgb > 0.04045, ((srgb + 0.055) / 1.055).clamp(min=0) ** 2.4, srgb / 12.92)


def linear_to_srgb(linear: torch.Tensor) -> torch.Tensor:
    """The sRGB transfer curve: linear light -> sRGB (not clipped)."""
    return torch.where(linear > 0.0031308, 1.055 * linear.clamp(min=1e-12) ** (1 / 2.4) - 0.055, 12.92 * linear)


def _lab_f(t: torch.Tensor) -> torch.Tensor:
    """CIE Lab's companding function of XYZ / white."""
    return torch.where(t > 0.008856, t.clamp(min=1e-12) ** (1.0 / 3.0), 7.787 * t + 16.0 / 116.0)


def _lab_f_inverse(f: torch.Tensor) -> torch.Tensor:
    return torch.where(f > 0.2068966, f * f * f, (f - 16.0 / 116.0) / 7.787)


def _check_channels(x: torch.Tensor, name: str) -> None:
    if x.dim() < 3 or x.shape[-3] != 3:
        raise ValueError(f"{name} must have shape (..., 3, H, W), got {tuple(x.shape)}")
    if not x.is_floating_point():
        raise TypeError(f"{name} must be a floating-point tensor, got {x.dtype}")


def rgb_to_lab(rgb: torch.Tensor) -> torch.Tensor:
    """Convert sRGB to CIE Lab (D65).

    Args:
        rgb: (..., 3, H, W) floating-point sRGB in [0, 1], on any device.

    Returns:
        (..., 3, H, W) Lab of the same dtype and device: L in [0, 100], a and b about [-110, 110].

    Raises:
        ValueError: the channel dimension is not 3. TypeError: the tensor is not floating point.
    """
    _check_channels(rgb, "rgb")
    xyz = _apply_matrix(_XYZ_FROM_RGB, srgb_to_linear(rgb))
    white = torch.tensor(_WHITE_D65, device=rgb.device, dtype=rgb.dtype).view(3, 1, 1)
    fx, fy, fz = _lab_f(xyz / white).unbind(dim=-3)
    return torch.stack((116.0 * fy - 16.0, 500.0 * (fx - fy), 200.0 * (fy - fz)), dim=-3)


def lab_to_rgb(lab: torch.Tensor, clip: bool = True) -> torch.Tensor:
    """Convert CIE Lab (D65) to sRGB.

    Args:
        lab: (..., 3, H, W) floating-point Lab.
        clip: clip to [0, 1] (colours outside the sRGB gamut land on its edge).

    Returns:
        (..., 3, H, W) sRGB of the same dtype and device.
    """
    _check_channels(lab, "lab")
    lightness, a, b = lab.unbind(dim=-3)
    fy = (lightness + 16.0) / 116.0
    f = torch.stack((a / 500.0 + fy, fy, (fy - b / 200.0).clamp(min=0)), dim=-3)
    white = torch.tensor(_WHITE_D65, device=lab.device, dtype=lab.dtype).view(3, 1, 1)
    srgb = linear_to_srgb(_apply_matrix(_RGB_FROM_XYZ, _lab_f_inverse(f) * white))
    return srgb.clamp(0.0, 1.0) if clip else srgb


_LUT_SIZE = 65536
_srgb8_luts: dict[torch.device, torch.Tensor] = {}


def _srgb8_lut(device: torch.device) -> torch.Tensor:
    """8-bit sRGB of 65536 evenly spaced linear values (fine enough that rounding rarely moves)."""
    if device not in _srgb8_luts:
        srgb = linear_to_srgb(torch.linspace(0, 1, _LUT_SIZE, dtype=torch.float64))
        _srgb8_luts[device] = (srgb * 255 + 0.5).to(torch.uint8).to(device)
    return _srgb8_luts[device]


def lab_to_srgb8(lab: torch.Tensor, out: torch.Tensor | None = None) -> torch.Tensor:
    """Lab (3, H, W) float -> 8-bit sRGB (H, W, 3), channels last: the fast path for results.

    Same maths as :func:`lab_to_rgb` followed by rounding, but without the
    large temporaries and with the gamma curve read from a lookup table; it
    agrees with the plain path to within one level (tested). Call it on bands
    of about half a megapixel: it is memory-bound, and small bands stay in cache.
    """
    lightness, a, b = lab[0], lab[1], lab[2]
    fy = (lightness + 16.0) / 116.0
    x = _lab_f_inverse(fy + a / 500.0) * _WHITE_D65[0]
    y = _lab_f_inverse(fy)
    z = _lab_f_inverse((fy - b / 200.0).clamp_(min=0)) * _WHITE_D65[2]
    if out is None:
        out = torch.empty(*lab.shape[1:], 3, dtype=torch.uint8, device=lab.device)
    lut = _srgb8_lut(lab.device)
    for channel, (mx, my, mz) in enumerate(_RGB_FROM_XYZ.tolist()):
        linear = (x * mx).add_(y, alpha=my).add_(z, alpha=mz)
        out[..., channel] = lut[linear.clamp_(0, 1).mul_(_LUT_SIZE - 1).add_(0.5).to(torch.int32)]
    return out


def neutral_srgb8(rgb8: np.ndarray) -> np.ndarray:
    """Each pixel with a and b set to 0 and its L kept: the photo in grey, as the network sees it.

    With a = b = 0, Lab -> sRGB gives linear R = G = B = Y, the pixel's luminance, so this is
    three table lookups and one more, instead of two whole conversions (820 ms for the 3-megapixel
    picture the window shows of a 12 MP photo). It agrees with them to within one level (tested).

    Args:
        rgb8: (H, W, 3) uint8 sRGB.

    Returns:
        (H, W, 3) uint8 grey.
    """
    decode = srgb_to_linear(torch.arange(256, dtype=torch.float64) / 255)
    weighted = (decode[:, None] * _XYZ_FROM_RGB[1][None, :]).to(torch.float32).numpy()  # (256, 3)
    luminance = weighted[rgb8[..., 0], 0] + weighted[rgb8[..., 1], 1] + weighted[rgb8[..., 2], 2]
    index = (np.clip(luminance, 0, 1) * (_LUT_SIZE - 1) + 0.5).astype(np.int32)
    grey = _srgb8_lut(torch.device("cpu")).numpy()[index]
    return np.repeat(grey[..., None], 3, axis=2)


def rgb_to_lab_np(rgb: np.ndarray) -> np.ndarray:
    """numpy sRGB (..., 3) in [0, 1] -> Lab (..., 3), float64 like scikit-image."""
    return _numpy_channels_last(rgb_to_lab, rgb)


def lab_to_rgb_np(lab: np.ndarray, clip: bool = True) -> np.ndarray:
    """numpy Lab (..., 3) -> sRGB (..., 3), float64."""
    return _numpy_channels_last(lambda t: lab_to_rgb(t, clip=clip), lab)


def _numpy_channels_last(convert: Callable[[torch.Tensor], torch.Tensor], values: np.ndarray) -> np.ndarray:
    array = np.asarray(values, dtype=np.float64)
    flat = torch.from_numpy(np.ascontiguousarray(array.reshape(-1, 3).T))[:, :, None]  # (3, N, 1)
    result: np.ndarray = convert(flat)[:, :, 0].T.numpy().reshape(array.shape)
    return result


def snap_ab_to_gamut(
    lightness: torch.Tensor, ab: torch.Tensor, max_iterations: int = 20, tolerance: float = 1.0
) -> torch.Tensor:
    """Move colours into the displayable sRGB gamut at a fixed lightness.

    Repeats Lab -> RGB, clip, RGB -> Lab with L reset each time, until the
    colour moves less than ``tolerance`` (sum of |dLab|), as the reference GUI does.

    Args:
        lightness: (N,) L of each colour.
        ab: (N, 2) requested ab.

    Returns:
        (N, 2) ab that displays at ``lightness`` without clipping (to the tolerance).
    """
    current = ab.to(torch.float64)
    l64 = lightness.to(torch.float64).reshape(-1)
    for _ in range(max_iterations):
        lab = torch.cat((l64[:, None], current), dim=1)
        rgb = lab_to_rgb(lab[:, :, None, None], clip=True)
        new = rgb_to_lab(rgb)[:, :, 0, 0]
        moved = (new[:, 0] - l64).abs() + (new[:, 1:] - current).abs().sum(dim=1)
        current = new[:, 1:]
        if bool((moved < tolerance).all()):
            break
    return current.to(ab.dtype)


def gamut_map(lightness: float, size: int = 256, ab_range: float = 110.0) -> tuple[np.ndarray, np.ndarray]:
    """The ab plane at one lightness, for a colour picker.

    Returns:
        rgb: (size, size, 3) uint8 image; row 0 is b = +ab_range (b grows upward),
            column 0 is a = -ab_range.
        in_gamut: (size, size) bool, True where the colour displays without clipping.
    """
    axis = torch.linspace(-ab_range, ab_range, size, dtype=torch.float64)
    b, a = torch.meshgrid(axis.flip(0), axis, indexing="ij")
    lab = torch.stack((torch.full_like(a, float(lightness)), a, b), dim=0)
    raw = lab_to_rgb(lab, clip=False)
    in_gamut = ((raw >= -1e-3) & (raw <= 1 + 1e-3)).all(dim=0)
    rgb = (raw.clamp(0, 1) * 255 + 0.5).to(torch.uint8).permute(1, 2, 0)
    return rgb.numpy(), in_gamut.numpy()


def ab_to_position(ab: tuple[float, float], size: int = 256, ab_range: float = 110.0) -> tuple[float, float]:
    """Pixel (x, y) of an ab value in a :func:`gamut_map` image."""
    scale = (size - 1) / (2 * ab_range)
    return (ab[0] + ab_range) * scale, (ab_range - ab[1]) * scale


def position_to_ab(x: float, y: float, size: int = 256, ab_range: float = 110.0) -> tuple[float, float]:
    """Inverse of :func:`ab_to_position`."""
    scale = (2 * ab_range) / (size - 1)
    return x * scale - ab_range, ab_range - y * scale


def lightness_at_size(pixels: torch.Tensor, max_value: int, size: tuple[int, int]) -> torch.Tensor:
    """L of a photo resampled to ``size``: its RGB, antialiased bilinear, then converted to Lab.

    Args:
        pixels: (H, W, 3) uint8 or uint16 RGB, on any device.
        max_value: 255 or 65535, the value of white.
        size: (width, height) wanted.

    Returns:
        (1, 1, height, width) float32 L in [0, 100], on ``pixels``' device. 8-bit photos are
        resampled at 8 bits on every device, so a CPU and a GPU give the same values.
    """
    rgb = pixels.permute(2, 0, 1)[None]
    target = (size[1], size[0])
    if rgb.dtype == torch.uint8 and rgb.device.type == "cpu":  # a fast integer path exists only here
        small = F.interpolate(rgb, size=target, mode="bilinear", antialias=True, align_corners=False).float()
    else:
        small = F.interpolate(rgb.float(), size=target, mode="bilinear", antialias=True, align_corners=False)
        if rgb.dtype == torch.uint8:
            small = small.round().clamp(0, 255)
    return rgb_to_lab(small[0] / max_value)[0:1][None]
