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
    device = colors.device
    ab = torch.zeros(1, 2, height, width, device=device)
    mask = torch.zeros(1, 1, height, width, device=device)
    if boxes.shape[0] == 0:
        return ab, mask
    boxes = boxes.to(device=device, dtype=torch.long)
    ys = torch.arange(height, device=device)
    xs = torch.arange(width, device=device)
    top, left, side = boxes[:, 0:1], boxes[:, 1:2], boxes[:, 2:3]
    in_rows = (ys[None] >= top) & (ys[None] < top + side)  # (N, H)
    in_cols = (xs[None] >= left) & (xs[None] < left + side)  # (N, W)
    inside = in_rows[:, :, None] & in_cols[:, None, :]  # (N, H, W)
    order = torch.arange(1, boxes.shape[0] + 1, device=device)[:, None, None]
    winner = (inside * order).amax(dim=0)  # 0 = no hint, else 1-based index of the last patch
    covered = winner > 0
    chosen = colors.to(torch.float32)[(winner - 1).clamp(min=0)]  # (H, W, 2)
    ab[0] = (chosen * covered[..., None]).permute(2, 0, 1)
    mask[0, 0] = covered.to(torch.float32)
    return ab, mask
