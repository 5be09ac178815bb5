"""Reach: how far one hint's colour spreads beyond its object.

The PSNR protocol gives every hint its patch's true colour, so a hint that tints the whole photo
scores well. Reach asks the other question: give a hint a colour far from the truth, and compare
how much the result changes far from it (beyond :data:`FAR` of the diagonal) with how much it
changes at it (within :data:`NEAR`). About 1: the hint colours the whole photo; near 0: only its
surroundings. With two hints (left and right of the centre, different colours), "far" is far from both.
"""

from __future__ import annotations

import math

import torch

from ..hints.hint_batch import HintBatch

NEAR = 0.05
FAR = 0.30
"""Shares of the image diagonal: within NEAR of a hint is its spot, beyond FAR is elsewhere."""
OFF_COLOURS = ((50.0, -50.0), (-50.0, 50.0), (50.0, 50.0), (-50.0, -50.0))
"""Candidate hint colours (ab); each hint takes the one farthest from the truth at its patch."""
POSITIONS = {"one": ((0.5, 0.5),), "two": ((0.5, 0.3), (0.5, 0.7))}
"""Hint centres as (row, column) shares of the frame, per reach case."""


def reach_hints(ab: torch.Tensor, patch: int) -> dict[str, HintBatch]:
    """Per case ('one', 'two'): one image's hints in off colours, for the true ab (2, S, S).

    With two hints, the second never takes the first one's colour.
    """
    size = ab.shape[-1]
    cases = {}
    for name, positions in POSITIONS.items():
        squares, colours = [], []
        for row, col in positions:
            top = min(max(round(row * size - patch / 2), 0), size - patch)
            left = min(max(round(col * size - patch / 2), 0), size - patch)
            truth = ab[:, top : top + patch, left : left + patch].mean(dim=(1, 2))
            options = [c for c in OFF_COLOURS if c not in colours]
            colours.append(
                max(options, key=lambda c: float(torch.linalg.norm(torch.tensor(c, device=ab.device) - truth)))
            )
            squares.append((top, left, patch))
        cases[name] = HintBatch.of_squares(
            torch.tensor([squares], dtype=torch.long, device=ab.device),
            torch.tensor([colours], dtype=torch.float32, device=ab.device),
        )
    return cases


def reach_ratio(with_hints: torch.Tensor, without: torch.Tensor, hints: HintBatch) -> float:
    """Mean ab change beyond :data:`FAR` of the diagonal from every hint over the mean change within
    :data:`NEAR` of any hint, for one image's (2, S, S) results with and without its ``hints``."""
    size = with_hints.shape[-1]
    change = torch.linalg.norm(with_hints.float() - without.float(), dim=0)
    ys = torch.arange(size, device=change.device, dtype=torch.float32)[:, None]
    xs = torch.arange(size, device=change.device, dtype=torch.float32)[None, :]
    diagonal = math.sqrt(2) * size
    distance = torch.full_like(change, float("inf"))
    for cy, cx in hints.centres()[0][hints.valid[0]].tolist():
        distance = torch.minimum(distance, torch.sqrt((ys - cy) ** 2 + (xs - cx) ** 2))
    near = change[distance <= NEAR * diagonal].mean()
    far = change[distance >= FAR * diagonal].mean()
    return float(far / near.clamp(min=1e-6))
