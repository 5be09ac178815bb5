"""Suggested colours from the network's ab distribution at one pixel."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from .ab_bins import bin_centers
from .color import lab_to_rgb, snap_ab_to_gamut


@dataclass(frozen=True)
class Suggestion:
    """A suggested colour: its ab, how it displays at the pixel's lightness, and its share."""

    ab: tuple[float, float]
    rgb: tuple[int, int, int]
    probability: float
    """Share of the distribution's mass behind this colour (0..1)."""


SUGGESTIONS = 9
"""How many suggested colours the palette offers at most."""


def suggest_colors(
    probabilities: torch.Tensor,
    lightness: float,
    k: int = SUGGESTIONS,
    merge_distance: float = 25.0,
    min_separation: float = 8.0,
) -> list[Suggestion]:
    """Up to ``k`` distinct colours ranked by probability mass.

    Bins are visited from the most to the least probable; a bin within
    ``merge_distance`` ab units of an existing cluster joins it (moving its
    mass-weighted centre), otherwise it starts a new cluster while fewer than
    ``k`` exist. Cluster colours are snapped into gamut at ``lightness``; a
    colour that lands within ``min_separation`` of a better-ranked one is dropped.

    Args:
        probabilities: (529,) distribution over the a-major ab bins.
        lightness: L of the pixel, used for the gamut and the displayed RGB.
    """
    probs = probabilities.detach().float().cpu().numpy().astype(np.float64)
    centers = bin_centers().numpy().astype(np.float64)
    sums = np.zeros((k, 2))
    masses = np.zeros(k)
    count = 0
    for idx in np.argsort(-probs, kind="stable"):
        p = probs[idx]
        if p <= 0:
            break
        if count:
            distances = np.hypot(*(sums[:count] / masses[:count, None] - centers[idx]).T)
            nearest = int(distances.argmin())
            if distances[nearest] <= merge_distance:
                sums[nearest] += p * centers[idx]
                masses[nearest] += p
                continue
        if count < k:
            sums[count], masses[count] = p * centers[idx], p
            count += 1
    if not count:
        return []
    ranked = np.argsort(-masses[:count], kind="stable")
    means = torch.from_numpy(sums[ranked] / masses[ranked, None]).float()
    l_column = torch.full((count,), float(lightness))
    snapped = snap_ab_to_gamut(l_column, means)
    rgbs = ab_to_display_rgb(l_column, snapped)
    total = masses[:count].sum()
    out: list[Suggestion] = []
    for row, ab in enumerate(snapped.tolist()):
        if any(np.hypot(ab[0] - s.ab[0], ab[1] - s.ab[1]) < min_separation for s in out):
            continue
        out.append(Suggestion((ab[0], ab[1]), rgbs[row], float(masses[ranked[row]] / total)))
    return out


def ab_to_display_rgb(lightness: torch.Tensor, ab: torch.Tensor) -> list[tuple[int, int, int]]:
    """How colours look on screen.

    Args:
        lightness: (N,) L of each colour.
        ab: (N, 2) its ab.

    Returns:
        N 8-bit (r, g, b) tuples (clipped to the sRGB gamut).
    """
    lab = torch.cat((lightness.reshape(-1, 1).to(ab.dtype), ab), dim=1)[:, :, None, None]
    rgb = (lab_to_rgb(lab)[:, :, 0, 0] * 255 + 0.5).to(torch.uint8).tolist()
    return [(r, g, b) for r, g, b in rgb]


@dataclass(frozen=True)
class Palette:
    """Colours for one pixel: where, at what lightness, the prediction and the suggestions."""

    x: float
    y: float
    lightness: float
    predicted: Suggestion
    suggestions: list[Suggestion]
