"""sRGB (D65) <-> CIE Lab on torch tensors of any device, with numpy wrappers.

Conversions follow scikit-image's definitions (same matrix, white point and
piecewise functions) so results agree with ``skimage.color`` to ~1e-4.
Channels are on dim -3 for tensors ((..., 3, H, W)) and on the last axis for
numpy arrays ((..., 3)), matching each library's habits.
"""

from __future__ import annotations

import numpy as np
import torch

_XYZ_FROM_RGB = torch.tensor(
    [[0.412453, 0.357580, 0.180423], [0.212671, 0.715160, 0.072169], [0.019334, 0.119193, 0.950227]],
    dtype=torch.float64,
)
_RGB_FROM_XYZ = torch.linalg.inv(_XYZ_FROM_RGB)
_WHITE_D65 = (0.95047, 1.0, 1.08883)


def _apply_matrix(matrix: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    m = matrix.to(device=x.device, dtype=x.dtype)
    return torch.einsum("ij,...jhw->...ihw", m, x)


def rgb_to_lab(rgb: torch.Tensor) -> torch.Tensor:
    """sRGB in [0, 1], shape (..., 3, H, W) -> Lab (L in [0, 100])."""
    linear = torch.where(rgb > 0.04045, ((rgb + 0.055) / 1.055).clamp(min=0) ** 2.4, rgb / 12.92)
    xyz = _apply_matrix(_XYZ_FROM_RGB, linear)
    white = torch.tensor(_WHITE_D65, device=rgb.device, dtype=rgb.dtype).view(3, 1, 1)
    t = xyz / white
    f = torch.where(t > 0.008856, t.clamp(min=1e-12) ** (1.0 / 3.0), 7.787 * t + 16.0 / 116.0)
    fx, fy, fz = f.unbind(dim=-3)
    lightness = 116.0 * fy - 16.0
    return torch.stack((lightness, 500.0 * (fx - fy), 200.0 * (fy - fz)), dim=-3)


def lab_to_rgb(lab: torch.Tensor, clip: bool = True) -> torch.Tensor:
    """Lab, shape (..., 3, H, W) -> sRGB; clipped to [0, 1] unless ``clip=False``."""
    lightness, a, b = lab.unbind(dim=-3)
    fy = (lightness + 16.0) / 116.0
    fx = a / 500.0 + fy
    fz = (fy - b / 200.0).clamp(min=0)
    f = torch.stack((fx, fy, fz), dim=-3)
    t = torch.where(f > 0.2068966, f**3, (f - 16.0 / 116.0) / 7.787)
    white = torch.tensor(_WHITE_D65, device=lab.device, dtype=lab.dtype).view(3, 1, 1)
    linear = _apply_matrix(_RGB_FROM_XYZ, t * white)
    srgb = torch.where(linear > 0.0031308, 1.055 * linear.clamp(min=1e-12) ** (1 / 2.4) - 0.055, 12.92 * linear)
    return srgb.clamp(0.0, 1.0) if clip else srgb


_LUT_SIZE = 65536
_srgb8_luts: dict[torch.device, torch.Tensor] = {}


def _srgb8_lut(device: torch.device) -> torch.Tensor:
    """8-bit sRGB of 65536 evenly spaced linear values (fine enough that rounding rarely moves)."""
    if device not in _srgb8_luts:
        linear = torch.linspace(0, 1, _LUT_SIZE, dtype=torch.float64)
        srgb = torch.where(linear > 0.0031308, 1.055 * linear ** (1 / 2.4) - 0.055, 12.92 * linear)
        _srgb8_luts[device] = (srgb * 255 + 0.5).to(torch.uint8).to(device)
    return _srgb8_luts[device]


def _f_inverse(f: torch.Tensor) -> torch.Tensor:
    return torch.where(f > 0.2068966, f * f * f, (f - 16.0 / 116.0) / 7.787)


def lab_to_srgb8(lab: torch.Tensor, out: torch.Tensor | None = None) -> torch.Tensor:
    """Lab (3, H, W) float -> 8-bit sRGB (H, W, 3), channels last: the fast path for results.

    Same maths as :func:`lab_to_rgb` followed by rounding, but without the
    large temporaries and with the gamma curve read from a lookup table; it
    agrees with the plain path to within one level (tested). Call it on bands
    of about half a megapixel: it is memory-bound, and small bands stay in cache.
    """
    lightness, a, b = lab[0], lab[1], lab[2]
    fy = (lightness + 16.0) / 116.0
    x = _f_inverse(fy + a / 500.0) * _WHITE_D65[0]
    y = _f_inverse(fy)
    z = _f_inverse((fy - b / 200.0).clamp_(min=0)) * _WHITE_D65[2]
    if out is None:
        out = torch.empty(*lab.shape[1:], 3, dtype=torch.uint8, device=lab.device)
    lut = _srgb8_lut(lab.device)
    for channel, (mx, my, mz) in enumerate(_RGB_FROM_XYZ.tolist()):
        linear = (x * mx).add_(y, alpha=my).add_(z, alpha=mz)
        out[..., channel] = lut[linear.clamp_(0, 1).mul_(_LUT_SIZE - 1).add_(0.5).to(torch.int32)]
    return out


def rgb_to_lab_np(rgb: np.ndarray) -> np.ndarray:
    """numpy sRGB (..., 3) in [0, 1] -> Lab (..., 3), float64 like scikit-image."""
    return _numpy_channels_last(rgb_to_lab, rgb)


def lab_to_rgb_np(lab: np.ndarray, clip: bool = True) -> np.ndarray:
    """numpy Lab (..., 3) -> sRGB (..., 3), float64."""
    return _numpy_channels_last(lambda t: lab_to_rgb(t, clip=clip), lab)


def _numpy_channels_last(convert, values: np.ndarray) -> np.ndarray:
    array = np.asarray(values, dtype=np.float64)
    flat = torch.from_numpy(np.ascontiguousarray(array.reshape(-1, 3).T))[:, :, None]  # (3, N, 1)
    return convert(flat)[:, :, 0].T.numpy().reshape(array.shape)


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
