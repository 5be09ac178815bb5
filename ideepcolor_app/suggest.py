"""Suggested colours from the network's ab distribution at one pixel."""
from __future__ import annotations

from dataclasses import dataclass

import torch

from .ab_bins import bin_centers
from .color import lab_to_rgb, snap_ab_to_gamut


@dataclass(frozen=True)
class Suggestion:
    ab: tuple[float, float]
    rgb: tuple[int, int, int]
    probability: float
    """Share of the distribution's mass behind this colour (0..1)."""


def suggest_colors(
    probabilities: torch.Tensor, lightness: float, k: int = 9, merge_distance: float = 25.0,
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
    probs = probabilities.detach().float().cpu()
    centers = bin_centers()
    order = torch.argsort(probs, descending=True)
    cluster_sum: list[torch.Tensor] = []
    cluster_mass: list[float] = []
    for idx in order.tolist():
        p = float(probs[idx])
        if p <= 0:
            break
        c = centers[idx]
        means = [s / m for s, m in zip(cluster_sum, cluster_mass)]
        distances = [float(torch.linalg.norm(mu - c)) for mu in means]
        nearest = min(range(len(means)), key=distances.__getitem__, default=None)
        if nearest is not None and distances[nearest] <= merge_distance:
            cluster_sum[nearest] = cluster_sum[nearest] + p * c
            cluster_mass[nearest] += p
        elif len(cluster_sum) < k:
            cluster_sum.append(p * c)
            cluster_mass.append(p)
    if not cluster_mass:
        return []
    means = torch.stack([s / m for s, m in zip(cluster_sum, cluster_mass)])
    ranked = sorted(range(len(cluster_mass)), key=lambda i: -cluster_mass[i])
    snapped = snap_ab_to_gamut(torch.full((len(ranked),), float(lightness)), means[ranked])
    rgbs = ab_to_display_rgb(torch.full((len(ranked),), float(lightness)), snapped)
    out: list[Suggestion] = []
    total = float(sum(cluster_mass))
    for row, i in enumerate(ranked):
        ab = snapped[row]
        if any(float(torch.linalg.norm(ab - torch.tensor(s.ab))) < min_separation for s in out):
            continue
        out.append(Suggestion((float(ab[0]), float(ab[1])), rgbs[row], cluster_mass[i] / total))
    return out


def ab_to_display_rgb(lightness: torch.Tensor, ab: torch.Tensor) -> list[tuple[int, int, int]]:
    """8-bit sRGB of (N,) L and (N, 2) ab."""
    lab = torch.cat((lightness.reshape(-1, 1).to(ab.dtype), ab), dim=1)[:, :, None, None]
    rgb = (lab_to_rgb(lab)[:, :, 0, 0] * 255 + 0.5).to(torch.uint8).tolist()
    return [tuple(c) for c in rgb]  # type: ignore[misc]
