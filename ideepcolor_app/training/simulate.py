"""Simulated user hints for training, following the paper's recipe, batched on the device.

Per image: a geometric number of hints (continue while rand < 1 - p; p = 1/8
gives mean 7 and no hints for 1 in 8 images), patch side uniform in 1..9,
position normal around the centre (std = a quarter of the free range),
colour = the patch's mean true ab.
"""
from __future__ import annotations

import torch

from ..encoding import rasterize_hint_batch

STOP_PROBABILITY = 1 / 8
MAX_HINTS = 64  # P(more than 64 hints) = (7/8)^65, about 2e-4: those are capped
PATCH_SIDES = (1, 9)


def sample_hints(
    ab: torch.Tensor, generator: torch.Generator, stop_probability: float = STOP_PROBABILITY,
    max_hints: int = MAX_HINTS,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Draw hints for a batch of true ab maps (B, 2, H, W).

    Returns:
        boxes (B, K, 3) top/left/side, colors (B, K, 2), valid (B, K) bool, counts (B,).
    """
    batch, _, height, width = ab.shape
    device = ab.device
    # Geometric count: number of successes (prob 1 - p) before the first stop.
    u = torch.rand(batch, generator=generator, device=device).clamp(min=1e-12)
    counts = torch.floor(torch.log(u) / torch.log(torch.tensor(1.0 - stop_probability))).long().clamp(max=max_hints)
    if stop_probability >= 1.0:
        counts = torch.zeros_like(counts)
    slots = max(int(counts.max()), 0) if batch else 0
    valid = torch.arange(slots, device=device)[None, :] < counts[:, None]
    sides = torch.randint(PATCH_SIDES[0], PATCH_SIDES[1] + 1, (batch, slots), generator=generator, device=device)
    normal = torch.randn(batch, slots, 2, generator=generator, device=device)
    span_h = (height - sides + 1).float()
    span_w = (width - sides + 1).float()
    top = (span_h / 2 + normal[..., 0] * span_h / 4).round().long().clamp(min=0)
    left = (span_w / 2 + normal[..., 1] * span_w / 4).round().long().clamp(min=0)
    top = torch.minimum(top, height - sides)
    left = torch.minimum(left, width - sides)
    colors = patch_means(ab, top, left, sides)
    boxes = torch.stack((top, left, sides), dim=-1)
    return boxes, colors, valid, counts


def patch_means(ab: torch.Tensor, top: torch.Tensor, left: torch.Tensor, sides: torch.Tensor) -> torch.Tensor:
    """Mean ab over square patches (B, K) via a summed-area table: (B, K, 2)."""
    batch = ab.shape[0]
    table = torch.nn.functional.pad(ab.double().cumsum(2).cumsum(3), (1, 0, 1, 0))  # (B, 2, H+1, W+1)
    b = torch.arange(batch, device=ab.device)[:, None]
    bottom, right = top + sides, left + sides

    def at(rows: torch.Tensor, cols: torch.Tensor) -> torch.Tensor:
        return table[b, :, rows, cols]  # (B, K, 2)

    total = at(bottom, right) - at(top, right) - at(bottom, left) + at(top, left)
    return (total / (sides * sides)[..., None]).float()


def hint_maps(ab: torch.Tensor, generator: torch.Generator, stop_probability: float = STOP_PROBABILITY
              ) -> tuple[torch.Tensor, torch.Tensor]:
    """Simulated hint ab (B, 2, H, W) and mask (B, 1, H, W) for a batch of true ab maps."""
    boxes, colors, valid, _ = sample_hints(ab, generator, stop_probability)
    return rasterize_hint_batch(boxes, colors, valid, ab.shape[2], ab.shape[3])
