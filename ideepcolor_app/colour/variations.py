"""Where a colouring is most uncertain, and which plausible colours each variation gives there.

The network predicts, for every 4x4 cell, a distribution over the 529 ab bins. Where it spreads
over colours far apart (a shirt that may be red or blue), several colourings are plausible. A
variation picks one of the distribution's modes at each of a few such spots; the spots' choices
become ordinary hints that the network then propagates.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from .ab_bins import bin_centers
from .suggest import suggest_colors

VARIATIONS = 6
"""Variations offered at a time."""
MAX_VARIATIONS = 24
"""The most variations asked for at once (commands refuse more)."""
MAX_SPOTS = 2
"""The most places a variation makes a choice at. On 40 dev-eval photos at 0 hints, best-of-6 was
highest with 2 (24.81 dB; 1: 24.70, 3: 24.67, 4: 24.14): with more, each variation's mix of
choices is less often right everywhere at once."""
SPOT_SPACING = 0.2
"""Spots lie at least this share of the photo's side apart, so each stands for its own region."""
SPOT_WINDOW = 5
"""Side, in 4x4 cells, of the neighbourhood whose pooled distribution gives a spot's modes."""
SPOT_MARGIN = 0.0625
"""No spot lies closer than this share of the side to the photo's border, where a generated hint
would sit on the frame's edge rather than on something in the photo."""
MIN_MODE_SHARE = 0.05
"""A mode with less of the pooled distribution's mass is not offered (0.08 found fewer than 6
variations for some photos and best-of-6 0.07 dB lower on 40 dev-eval photos)."""
MIN_SPOT_SCORE = 0.35
"""A spot whose uncertainty is below this share of the most uncertain one's is not used."""
MAX_MODES = 3
"""The most modes one spot offers."""


@dataclass(frozen=True)
class Spot:
    """An uncertain place and the colours plausible there, most probable first.

    ``row`` and ``col`` are fractions (0..1) of the photo's height and width; ``modes`` are ab
    pairs with their shares of the pooled distribution (``shares``)."""

    row: float
    col: float
    modes: tuple[tuple[float, float], ...]
    shares: tuple[float, ...]


def colour_spread(probabilities: torch.Tensor) -> torch.Tensor:
    """(h, w) root-mean-square ab distance of each cell's distribution from its mean.

    Args:
        probabilities: (529, h, w) distribution over the ab bins at each cell.
    """
    centres = bin_centers(probabilities.device)
    mean = torch.einsum("khw,kc->chw", probabilities, centres)
    second = torch.einsum("khw,k->hw", probabilities, (centres**2).sum(dim=1))
    return (second - (mean**2).sum(dim=0)).clamp(min=0).sqrt()


def find_spots(logits: torch.Tensor, lightness: torch.Tensor, max_spots: int = MAX_SPOTS) -> list[Spot]:
    """The most uncertain places of a colouring, each with at least two plausible colours.

    Uncertainty is the distribution's spread pooled over a region, so large uncertain regions win
    over single cells; spots are at least :data:`SPOT_SPACING` apart.

    Args:
        logits: (1, 529, h, w) the distribution head's logits (its softmax is the distribution).
        lightness: (1, 1, H, W) L at network resolution, for each mode's gamut.
        max_spots: at most this many spots.
    """
    probabilities = torch.softmax(logits[0].float(), dim=0)
    _, height, width = probabilities.shape
    window = max(3, (min(height, width) // 8) | 1)
    score = F.avg_pool2d(colour_spread(probabilities)[None, None], window, 1, window // 2, count_include_pad=False)[
        0, 0
    ]
    pooled = F.avg_pool2d(probabilities[None], SPOT_WINDOW, 1, SPOT_WINDOW // 2, count_include_pad=False)[0]
    rows = torch.arange(height, device=score.device, dtype=torch.float32)[:, None]
    cols = torch.arange(width, device=score.device, dtype=torch.float32)[None, :]
    spacing = SPOT_SPACING * max(height, width)
    spots: list[Spot] = []
    score = score.clone()
    margin_rows, margin_cols = round(SPOT_MARGIN * height), round(SPOT_MARGIN * width)
    inside = torch.zeros_like(score, dtype=torch.bool)
    inside[margin_rows : height - margin_rows, margin_cols : width - margin_cols] = True
    score[~inside] = -1.0
    best = float(score.max())
    while len(spots) < max_spots and best > 0:
        flat = int(score.argmax())
        row, col = divmod(flat, width)
        value = float(score[row, col])
        if value < MIN_SPOT_SCORE * best or value <= 0:
            break
        score[((rows - row) ** 2 + (cols - col) ** 2) < spacing**2] = -1.0
        l_here = float(_lightness_at_cell(lightness, row, col, height, width))
        suggestions = [s for s in suggest_colors(pooled[:, row, col], l_here) if s.probability >= MIN_MODE_SHARE]
        if len(suggestions) < 2:
            continue
        suggestions = suggestions[:MAX_MODES]
        spots.append(
            Spot(
                (row + 0.5) / height,
                (col + 0.5) / width,
                tuple(s.ab for s in suggestions),
                tuple(s.probability for s in suggestions),
            )
        )
    return spots


def _lightness_at_cell(lightness: torch.Tensor, row: int, col: int, height: int, width: int) -> float:
    size_y, size_x = lightness.shape[2:]
    y = min(int((row + 0.5) * size_y / height), size_y - 1)
    x = min(int((col + 0.5) * size_x / width), size_x - 1)
    return float(lightness[0, 0, y, x])


def choose_combinations(spots: list[Spot], count: int, seed: int) -> list[tuple[int, ...]]:
    """``count`` different choices of one mode per spot, drawn without replacement in proportion
    to their joint probability (Gumbel top-k); the same seed gives the same choices.

    Fewer come back when the spots allow fewer combinations.
    """
    if not spots:
        return []
    combos = list(itertools.product(*(range(len(s.modes)) for s in spots)))
    log_p = np.array([sum(math.log(s.shares[i]) for s, i in zip(spots, combo, strict=True)) for combo in combos])
    rng = np.random.default_rng(seed)
    keys = log_p + rng.gumbel(size=len(combos))
    ranked = [combos[i] for i in np.argsort(-keys, kind="stable")]
    chosen: list[tuple[int, ...]] = []
    seen: set[tuple[int, int]] = set()
    for combo in ranked:  # first the draws that show a colour no earlier one showed
        pairs = set(enumerate(combo))
        if len(chosen) < count and not pairs <= seen:
            chosen.append(combo)
            seen |= pairs
    chosen += [c for c in ranked if c not in chosen][: count - len(chosen)]
    return chosen


@dataclass(frozen=True)
class Choice:
    """One colour a variation puts at one spot (a generated hint): where, as fractions of the
    photo's height and width, and which ab."""

    row: float
    col: float
    ab: tuple[float, float]


def variation_choices(
    logits: torch.Tensor, lightness: torch.Tensor, count: int = VARIATIONS, seed: int = 0
) -> list[tuple[Choice, ...]]:
    """Up to ``count`` different sets of generated hints, one per variation (see :func:`find_spots`
    and :func:`choose_combinations`): at the :data:`MAX_SPOTS` most uncertain spots, and at more
    when they offer fewer than ``count`` combinations. Empty when the colouring has no uncertain spot."""
    candidates = find_spots(logits, lightness, MAX_SPOTS + 2)
    spots = candidates[:MAX_SPOTS]
    while math.prod(len(s.modes) for s in spots) < count and len(spots) < len(candidates):
        spots.append(candidates[len(spots)])  # too few combinations: one more spot
    return [
        tuple(Choice(spot.row, spot.col, spot.modes[mode]) for spot, mode in zip(spots, combo, strict=True))
        for combo in choose_combinations(spots, count, seed)
    ]
