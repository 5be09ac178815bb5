"""Hint colours spread over the whole image without a network.

Two fills: the inverse-distance fill (each pixel takes the hint colours weighted by
``1 / (d^2 + 1)^1.5`` of its distance ``d`` to each hint's centre) and the lightness fill (the
same weights times ``exp(-dL^2 / (2 * 8^2))`` of the lightness difference to each hint's patch).
They are the yardsticks every evaluation prints, and the fill encodings hand them to the network.
"""

from __future__ import annotations

import torch

DISTANCE_POWER = 1.5
"""The distance weight is ``1 / (d^2 + 1)^DISTANCE_POWER``; computed as ``rsqrt(...)^3`` below, which
is what 1.5 allows without a ``pow``."""
LIGHTNESS_SIGMA = 8.0
_MIN_LOG_LIGHTNESS_WEIGHT = -60.0
"""The lightness factor stops at exp(-60): times the smallest distance factor it stays a normal
float32, so a pixel unlike every hint still gets a weighted mean instead of 0 / 0."""
_PAIRS_PER_CHUNK = 64
"""(image, hint) pairs are summed in chunks, so memory stays at (64, H, W) whatever the count."""


def hint_centers(boxes: torch.Tensor) -> torch.Tensor:
    """(..., 2) float (row, col) centres of (..., 3) (top, left, side) boxes."""
    boxes = boxes.to(torch.float32)
    return boxes[..., :2] + (boxes[..., 2:3] - 1) / 2


def inverse_distance_fill(
    boxes: torch.Tensor,
    colors: torch.Tensor,
    valid: torch.Tensor,
    height: int,
    width: int,
    lightness: torch.Tensor | None = None,
    hint_lightness: torch.Tensor | None = None,
    prior_weight: float = 0.0,
) -> torch.Tensor:
    """Spread hint colours over (height, width) maps, one per batch item.

    Args:
        boxes: (B, K, 3) hint patches (top, left, side) in map pixels.
        colors: (B, K, 2) hint ab.
        valid: (B, K) bool; invalid slots take no part.
        lightness: (B, 1, H, W) L of the image. Given together with ``hint_lightness`` ((B, K),
            the mean L of each hint's patch), the weights also fall off with lightness difference.
        prior_weight: a weight W0 that grey (ab 0) gets everywhere beside the hints:
            ``sum w_i c_i / (sum w_i + W0)``. 0 (the normalised mean) gives every pixel the hints'
            colours however far they are, so one hint colours the whole photo; W0 > 0 lets the
            colour fade with distance and lightness difference (see :mod:`.reach`).

    Returns:
        (B, 2, H, W) float32 ab; 0 (grey) where an image has no valid hint.
    """
    device = colors.device
    batch = valid.shape[0]
    numerator = torch.zeros(batch, 2, height, width, device=device)
    denominator = torch.zeros(batch, 1, height, width, device=device)
    image, slot = torch.nonzero(valid.to(device), as_tuple=True)
    centers = hint_centers(boxes.to(device)[image, slot])  # (N, 2)
    pair_colors = colors[image, slot].to(torch.float32)
    pair_l = hint_lightness.to(device)[image, slot] if lightness is not None and hint_lightness is not None else None
    ys = torch.arange(height, device=device, dtype=torch.float32).view(1, height, 1)
    xs = torch.arange(width, device=device, dtype=torch.float32).view(1, 1, width)
    for start in range(0, len(image), _PAIRS_PER_CHUNK):
        part = slice(start, start + _PAIRS_PER_CHUNK)
        cy, cx = centers[part, 0, None, None], centers[part, 1, None, None]
        t = torch.rsqrt((ys - cy) ** 2 + (xs - cx) ** 2 + 1)
        w = t * t * t if DISTANCE_POWER == 1.5 else t ** (2 * DISTANCE_POWER)  # (n, H, W): 1 / (d^2 + 1)^power
        if pair_l is not None:
            difference = lightness[image[part], 0] - pair_l[part, None, None]  # type: ignore[index]
            w = w * torch.exp((difference**2 / (-2 * LIGHTNESS_SIGMA**2)).clamp(min=_MIN_LOG_LIGHTNESS_WEIGHT))
        numerator.index_add_(0, image[part], w[:, None] * pair_colors[part, :, None, None])
        denominator.index_add_(0, image[part], w[:, None])
    if prior_weight > 0:
        return numerator / (denominator + prior_weight)
    return torch.where(denominator > 0, numerator / denominator.clamp(min=1e-30), numerator)
