"""How images and hints are encoded for the SIGGRAPH17 network.

This module is the one owner of the normalisation constants, the network
resolution and the mask convention; everything else imports them from here.
"""

from __future__ import annotations

from enum import Enum

import torch

from .fill import inverse_distance_fill

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
    boxes: torch.Tensor,
    colors: torch.Tensor,
    valid: torch.Tensor,
    convention: MaskConvention,
    encoding: HintEncoding = HintEncoding.SPARSE,
    prior_weight: float = 0.0,
) -> torch.Tensor:
    """The network input for a batch of images and their hints, in any encoding.

    Args:
        l: (B, 1, H, W) lightness in [0, 100].
        boxes: (B, K, 3) hint patches (top, left, side) at the input's resolution.
        colors: (B, K, 2) hint ab, already in gamut.
        valid: (B, K) bool, which slots hold a hint.
        prior_weight: the fill encodings' weight of grey beside the hints (see :mod:`.fill`); the
            weights file says which it was trained with.
    """
    height, width = l.shape[2:]
    hint_ab, mask = rasterize_hint_batch(boxes, colors, valid, height, width)
    encoding = HintEncoding(encoding)
    if encoding.is_fill:
        ab_channels = hint_fill(l, boxes, colors, valid, encoding, prior_weight)
        return torch.cat((normalize_l(l), normalize_ab(ab_channels), mask + MaskConvention(convention).offset), dim=1)
    return network_input(l, hint_ab, mask, convention)


def hint_fill(
    l: torch.Tensor,
    boxes: torch.Tensor,
    colors: torch.Tensor,
    valid: torch.Tensor,
    encoding: HintEncoding,
    prior_weight: float = 0.0,
) -> torch.Tensor:
    """(B, 2, H, W) the fill a fill encoding hands the network (see :mod:`.fill`).

    Args:
        l: (B, 1, H, W) lightness; the lightness fill compares it with each hint patch's mean L.
        boxes, colors, valid: the hints, as :func:`encode_hints` takes them.
        encoding: :attr:`HintEncoding.FILL` or :attr:`HintEncoding.LIGHTNESS_FILL`.
    """
    height, width = l.shape[2:]
    if HintEncoding(encoding) is HintEncoding.LIGHTNESS_FILL:
        hint_l = patch_means(l, boxes[..., 0], boxes[..., 1], boxes[..., 2])[..., 0]
        return inverse_distance_fill(
            boxes, colors, valid, height, width, lightness=l, hint_lightness=hint_l, prior_weight=prior_weight
        )
    return inverse_distance_fill(boxes, colors, valid, height, width, prior_weight=prior_weight)


def patch_means(image: torch.Tensor, top: torch.Tensor, left: torch.Tensor, sides: torch.Tensor) -> torch.Tensor:
    """Mean of (B, C, H, W) ``image`` over square patches given as (B, K) tensors: (B, K, C).

    A patch that crosses the image's border covers only its in-image part; one wholly outside
    the image (it cannot come from a hint, whose centre cell is always inside) gives 0.
    A summed-area table makes every patch cost the same, whatever its side; it is built for
    :data:`_IMAGES_PER_TABLE` images at a time, so memory does not grow with the batch.
    """
    if image.shape[0] > _IMAGES_PER_TABLE:
        parts = [
            patch_means(image[i : i + _IMAGES_PER_TABLE], *(t[i : i + _IMAGES_PER_TABLE] for t in (top, left, sides)))
            for i in range(0, image.shape[0], _IMAGES_PER_TABLE)
        ]
        return torch.cat(parts)
    batch, _, height, width = image.shape
    top, left, sides = (t.to(device=image.device, dtype=torch.long) for t in (top, left, sides))
    table = torch.nn.functional.pad(image.double().cumsum(2).cumsum(3), (1, 0, 1, 0))  # (B, C, H+1, W+1)
    b = torch.arange(batch, device=image.device)[:, None]
    bottom, right = (top + sides).clamp(0, height), (left + sides).clamp(0, width)
    top, left = top.clamp(0, height), left.clamp(0, width)

    def at(rows: torch.Tensor, cols: torch.Tensor) -> torch.Tensor:
        return table[b, :, rows, cols]  # (B, K, C)

    total = at(bottom, right) - at(top, right) - at(bottom, left) + at(top, left)
    area = ((bottom - top) * (right - left)).clamp(min=1)
    return (total / area[..., None]).float()


_IMAGES_PER_TABLE = 128
_PATCHES_PER_CHUNK = 64
"""Hint patches are painted in chunks, so memory stays at (64, H, W) whatever the hint count."""


def rasterize_hint_batch(
    boxes: torch.Tensor, colors: torch.Tensor, valid: torch.Tensor, height: int, width: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """Paint square hint patches into ab maps and masks, on the tensors' device.

    Args:
        boxes: (B, K, 3) integer (top, left, side) at network resolution.
        colors: (B, K, 2) ab of each patch; a later slot paints over an earlier one.
        valid: (B, K) bool; invalid slots paint nothing.
        height, width: size of the maps.

    Returns:
        ab (B, 2, H, W) and mask (B, 1, H, W), both float32.
    """
    device = colors.device
    batch = valid.shape[0]
    image, slot = torch.nonzero(valid.to(device), as_tuple=True)  # valid pairs, in slot order per image
    pair_boxes = boxes.to(device=device, dtype=torch.long)[image, slot]
    ys = torch.arange(height, device=device)
    xs = torch.arange(width, device=device)
    # 0: no hint; else the 1-based pair of the last patch painted there (pairs are in painting order)
    winner = torch.zeros(batch, height, width, dtype=torch.long, device=device)
    for start in range(0, len(image), _PATCHES_PER_CHUNK):
        part = slice(start, start + _PATCHES_PER_CHUNK)
        top, left, side = pair_boxes[part, 0:1], pair_boxes[part, 1:2], pair_boxes[part, 2:3]  # (n, 1)
        inside = ((ys >= top) & (ys < top + side))[:, :, None] & ((xs >= left) & (xs < left + side))[:, None, :]
        order = torch.arange(start + 1, start + len(top) + 1, device=device).view(-1, 1, 1)
        winner.scatter_reduce_(0, image[part].view(-1, 1, 1).expand_as(inside), inside * order, "amax")
    covered = winner > 0
    flat_colors = torch.cat((torch.zeros(1, 2, device=device), colors.to(torch.float32)[image, slot]))
    ab = flat_colors[winner].permute(0, 3, 1, 2).contiguous()  # (B, 2, H, W); row 0 is grey
    return ab, covered[:, None].to(torch.float32)


def pin_hint_patches(ab: torch.Tensor, boxes: torch.Tensor, colors: torch.Tensor, valid: torch.Tensor) -> torch.Tensor:
    """(B, 2, H, W) ``ab`` with every hint's patch set to that hint's colour: where a hint is, the
    result is what the user picked, whatever else (global hints) pulls the rest of the photo towards.

    Args:
        ab: (B, 2, H, W) the network's ab.
        boxes, colors, valid: the hints at ``ab``'s resolution, as :func:`encode_hints` takes them.
    """
    hint_ab, mask = rasterize_hint_batch(boxes, colors, valid, ab.shape[2], ab.shape[3])
    return torch.where(mask.to(ab.device) > 0, hint_ab.to(ab.device, ab.dtype), ab)
