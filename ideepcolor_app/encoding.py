"""How images and hints are encoded for the SIGGRAPH17 network.

This module is the one owner of the normalisation constants, the network
resolution and the mask convention; everything else imports them from here.
"""
from __future__ import annotations

from enum import Enum

import torch

NETWORK_SIZE = 256
"""Side of the square the photo is resized to (without keeping aspect)."""

L_CENTER = 50.0
L_SCALE = 100.0
AB_SCALE = 110.0
"""Network input L = (L - 50) / 100; hint ab = ab / 110; output ab = tanh * 110."""

PATCH_SIZES = (1, 3, 5, 7, 9)
DEFAULT_PATCH_SIZE = 5


class MaskConvention(str, Enum):
    """Values fed in the mask channel; the weights decide which one they expect."""

    ZERO_ONE = "zero_one"  # caffe-converted and richzhang/colorization weights: {0, 1}
    CENTERED = "centered"  # colorization-pytorch default training: {-0.5, +0.5}

    @property
    def offset(self) -> float:
        return -0.5 if self is MaskConvention.CENTERED else 0.0


def network_cell(x: float, y: float, image_size: tuple[int, int], size: int = NETWORK_SIZE) -> tuple[int, int]:
    """(row, col) at ``size`` x ``size`` network resolution of image point (x, y).

    The photo is stretched to the square without keeping aspect, so each axis scales alone.
    ``image_size`` is (width, height); points outside the photo are clamped to its edge cells.
    """
    width, height = image_size
    return (min(max(int(y * size / height), 0), size - 1), min(max(int(x * size / width), 0), size - 1))


def normalize_l(l: torch.Tensor) -> torch.Tensor:
    return (l - L_CENTER) / L_SCALE


def normalize_ab(ab: torch.Tensor) -> torch.Tensor:
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


def rasterize_hints(
    boxes: torch.Tensor, colors: torch.Tensor, height: int, width: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """Paint square hint patches into an ab map and a mask, on the tensors' device.

    Args:
        boxes: (N, 3) integer rows (top, left, side) at network resolution.
        colors: (N, 2) ab of each patch. Later rows paint over earlier ones.
        height, width: size of the maps.

    Returns:
        ab (1, 2, H, W) and mask (1, 1, H, W), both float32.
    """
    valid = torch.ones(1, boxes.shape[0], dtype=torch.bool, device=colors.device)
    return rasterize_hint_batch(boxes[None], colors[None], valid, height, width)


def rasterize_hint_batch(
    boxes: torch.Tensor, colors: torch.Tensor, valid: torch.Tensor, height: int, width: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """Batched :func:`rasterize_hints`: boxes (B, K, 3), colors (B, K, 2), valid (B, K) bool.

    Returns ab (B, 2, H, W) and mask (B, 1, H, W); invalid slots paint nothing.
    """
    device = colors.device
    batch, slots = valid.shape
    if slots == 0:
        return torch.zeros(batch, 2, height, width, device=device), torch.zeros(batch, 1, height, width, device=device)
    boxes = boxes.to(device=device, dtype=torch.long)
    top, left, side = boxes[..., 0:1], boxes[..., 1:2], boxes[..., 2:3]  # (B, K, 1)
    ys = torch.arange(height, device=device)
    xs = torch.arange(width, device=device)
    in_rows = (ys >= top) & (ys < top + side) & valid[..., None]  # (B, K, H)
    in_cols = (xs >= left) & (xs < left + side)  # (B, K, W)
    inside = in_rows[..., :, None] & in_cols[..., None, :]  # (B, K, H, W)
    order = torch.arange(1, slots + 1, device=device).view(1, slots, 1, 1)
    winner = (inside * order).amax(dim=1)  # (B, H, W): 0 = no hint, else 1-based slot of the last patch
    covered = winner > 0
    index = (winner - 1).clamp(min=0).view(batch, -1, 1).expand(-1, -1, 2)
    chosen = torch.gather(colors.to(torch.float32), 1, index).view(batch, height, width, 2)
    ab = (chosen * covered[..., None]).permute(0, 3, 1, 2).contiguous()
    return ab, covered[:, None].to(torch.float32)
