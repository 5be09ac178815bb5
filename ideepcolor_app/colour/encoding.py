"""How images and hints are encoded for the SIGGRAPH17 network.

This module is the one owner of the normalisation constants, the network
resolution and the mask convention; everything else imports them from here.
"""

from __future__ import annotations

from enum import Enum

import torch

from .fill import inverse_distance_fill
from .hint_shapes import HintShapes

NETWORK_SIZE = 256
"""Side of the square the photo is resized to (without keeping aspect)."""

L_CENTER = 50.0
L_SCALE = 100.0
AB_SCALE = 110.0
"""Network input L = (L - 50) / 100; hint ab = ab / 110; output ab = tanh * 110."""

PATCH_SIZES = (1, 3, 5, 7, 9)
DEFAULT_PATCH_SIZE = 5


class HintEncoding(str, Enum):
    """What the network's two hint ab channels hold; the weights decide which one they expect."""

    SPARSE = "sparse"  # the paper's: each hint's colour inside its patch, 0 elsewhere (published weights)
    FILL = "fill"  # ours: the inverse-distance fill of the hint colours everywhere (see fill.py)
    LIGHTNESS_FILL = "lightness-fill"  # ours: the fill weighted by lightness similarity too

    @property
    def is_fill(self) -> bool:
        """The channels hold a fill, and the network adds its output to it."""
        return self is not HintEncoding.SPARSE


class MaskConvention(str, Enum):
    """Values fed in the mask channel; the weights decide which one they expect."""

    ZERO_ONE = "zero_one"  # caffe-converted and richzhang/colorization weights: {0, 1}
    CENTERED = "centered"  # colorization-pytorch default training: {-0.5, +0.5}

    @property
    def offset(self) -> float:
        """Added to a {0, 1} mask to get this convention's values."""
        return -0.5 if self is MaskConvention.CENTERED else 0.0


def network_cell(x: float, y: float, image_size: tuple[int, int], size: int = NETWORK_SIZE) -> tuple[int, int]:
    """The network cell of an image point.

    The photo is stretched to the square without keeping aspect, so each axis scales alone.

    Args:
        x, y: image coordinates (full resolution).
        image_size: (width, height) of the photo.
        size: side of the network's square input.

    Returns:
        (row, col); points outside the photo are clamped to its edge cells.
    """
    width, height = image_size
    return (min(max(int(y * size / height), 0), size - 1), min(max(int(x * size / width), 0), size - 1))


def normalize_l(l: torch.Tensor) -> torch.Tensor:
    """Lightness in [0, 100] to the network's input scale, (L - 50) / 100."""
    return (l - L_CENTER) / L_SCALE


def normalize_ab(ab: torch.Tensor) -> torch.Tensor:
    """ab in Lab units to the network's input scale, ab / 110."""
    return ab / AB_SCALE


def network_input(
    l: torch.Tensor, hint_ab: torch.Tensor, hint_mask: torch.Tensor, convention: MaskConvention
) -> torch.Tensor:
    """Stack the 4 input channels (L, a, b, mask) the network expects.

    Args:
        l: (B, 1, H, W) lightness in [0, 100].
        hint_ab: (B, 2, H, W) hint colours in ab units, 0 outside hint patches.
        hint_mask: (B, 1, H, W) 1 inside hint patches, 0 elsewhere.
        convention: which mask values the weights were trained with.
    """
    mask = hint_mask + MaskConvention(convention).offset
    return torch.cat((normalize_l(l), normalize_ab(hint_ab * hint_mask), mask), dim=1)


def encode_hints(
    l: torch.Tensor,
    hints: HintShapes,
    convention: MaskConvention,
    encoding: HintEncoding = HintEncoding.SPARSE,
    prior_weight: float = 0.0,
) -> torch.Tensor:
    """The network input for a batch of images and their hints, in any encoding.

    Args:
        l: (B, 1, H, W) lightness in [0, 100].
        hints: the images' hints at the input's resolution, colours already in gamut.
        prior_weight: the fill encodings' weight of grey beside the hints (see :mod:`.fill`); the
            weights file says which it was trained with.
    """
    height, width = l.shape[2:]
    hint_ab, mask = hints.paint(height, width)
    encoding = HintEncoding(encoding)
    if encoding.is_fill:
        ab_channels = hint_fill(l, hints, encoding, prior_weight)
        return torch.cat((normalize_l(l), normalize_ab(ab_channels), mask + MaskConvention(convention).offset), dim=1)
    return network_input(l, hint_ab, mask, convention)


def hint_fill(l: torch.Tensor, hints: HintShapes, encoding: HintEncoding, prior_weight: float = 0.0) -> torch.Tensor:
    """(B, 2, H, W) the fill a fill encoding hands the network (see :mod:`.fill`).

    Args:
        l: (B, 1, H, W) lightness; the lightness fill compares it with each hint's mean L.
        hints: as :func:`encode_hints` takes them.
        encoding: :attr:`HintEncoding.FILL` or :attr:`HintEncoding.LIGHTNESS_FILL`.
    """
    height, width = l.shape[2:]
    by_lightness = HintEncoding(encoding) is HintEncoding.LIGHTNESS_FILL
    return inverse_distance_fill(hints, height, width, lightness=l if by_lightness else None, prior_weight=prior_weight)


def pin_hints(ab: torch.Tensor, hints: HintShapes) -> torch.Tensor:
    """(B, 2, H, W) ``ab`` with every hint's pixels set to that hint's colour: where a hint is, the
    result is what the user picked, whatever else (global hints) pulls the rest of the photo towards.

    Args:
        ab: (B, 2, H, W) the network's ab.
        hints: the hints at ``ab``'s resolution.
    """
    hint_ab, mask = hints.paint(ab.shape[2], ab.shape[3])
    return torch.where(mask.to(ab.device) > 0, hint_ab.to(ab.device, ab.dtype), ab)
