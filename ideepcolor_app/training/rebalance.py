"""Class rebalancing and soft targets for the colour-distribution head (Zhang et al., ECCV 2016, §3.2).

Plain cross-entropy over the 529 ab bins is dominated by the common, desaturated bins, so the head
learns to put its mass near grey and the colours it shows turn sepia. Rebalancing weights each pixel
by how rare its colour is in the training photos:

    w(q) ∝ ((1 - λ) p̃(q) + λ / Q)^-1,   normalised so that E_p̃[w] = 1,

with p̃ the photos' bin distribution smoothed by a Gaussian (σ = 5 ab units) and Q the number of bins
that occur. Targets are soft: each pixel's mass is spread over its 5 nearest bin centres with a
Gaussian of σ = 5 ab units, as in the 2016 paper.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from ..colour.ab_bins import BIN_STEP, BINS_PER_AXIS, NUM_BINS, ab_to_bin, bin_centers

SMOOTHING_SIGMA = 5.0
"""ab units: the Gaussian that smooths the empirical bin distribution, and that of the soft targets."""
SOFT_NEIGHBOURS = 5
"""Bins that share each pixel's target mass."""


def empirical_prior(ab_batches: list[torch.Tensor], sigma: float = SMOOTHING_SIGMA) -> torch.Tensor:
    """(529,) the share of pixels in each ab bin over ``ab_batches`` ((B, 2, H, W) each), smoothed in the
    ab plane by a Gaussian of ``sigma`` ab units and normalised to sum to 1."""
    counts = torch.zeros(NUM_BINS, dtype=torch.float64, device=ab_batches[0].device if ab_batches else None)
    for ab in ab_batches:
        counts += torch.bincount(ab_to_bin(ab).reshape(-1), minlength=NUM_BINS).to(counts)
    if counts.sum() == 0:
        raise ValueError("no pixels to measure the colour distribution on")
    return smooth_on_grid(counts / counts.sum(), sigma)


def smooth_on_grid(values: torch.Tensor, sigma: float) -> torch.Tensor:
    """(529,) ``values`` on the 23 x 23 ab grid blurred by a Gaussian of ``sigma`` ab units, renormalised
    (mass that would leave the grid stays on it)."""
    step = sigma / BIN_STEP
    radius = max(1, math.ceil(3 * step))
    offsets = torch.arange(-radius, radius + 1, dtype=torch.float64, device=values.device)
    kernel = torch.exp(-0.5 * (offsets / step) ** 2)
    kernel = (kernel / kernel.sum()).to(values.dtype)
    grid = values.reshape(1, 1, BINS_PER_AXIS, BINS_PER_AXIS)
    grid = F.conv2d(F.pad(grid, (radius, radius, 0, 0), mode="replicate"), kernel.reshape(1, 1, 1, -1))
    grid = F.conv2d(F.pad(grid, (0, 0, radius, radius), mode="replicate"), kernel.reshape(1, 1, -1, 1))
    smoothed = grid.reshape(-1)
    return smoothed / smoothed.sum()


def rebalancing_weights(prior: torch.Tensor, mix: float = 0.5) -> torch.Tensor:
    """(529,) per-bin loss weights ((1 - mix) p̃ + mix / Q)^-1 scaled so that their mean under ``prior``
    is 1. ``mix`` = 1 gives every bin weight 1 (no rebalancing); ``mix`` near 0 inverts the prior."""
    if not 0.0 < mix <= 1.0:
        raise ValueError(f"the rebalancing mix must be in (0, 1], got {mix}")
    prior = prior.double()
    occurring = int((prior > 1e-12).sum())
    weights = 1.0 / ((1.0 - mix) * prior + mix / max(1, occurring))
    return (weights / (prior * weights).sum()).float()


def soft_targets(
    ab: torch.Tensor, neighbours: int = SOFT_NEIGHBOURS, sigma: float = SMOOTHING_SIGMA
) -> tuple[torch.Tensor, torch.Tensor]:
    """The ``neighbours`` nearest bins of each pixel of (B, 2, H, W) ``ab`` and their Gaussian shares:
    ((B, K, H, W) long bin indices, (B, K, H, W) float weights summing to 1 over K)."""
    centres = bin_centers(ab.device)  # (529, 2)
    # distances to all bins: (B, 529, H, W); a pixel's nearest bins are within one grid step or two
    distance2 = ((ab.float().unsqueeze(1) - centres.reshape(1, NUM_BINS, 2, 1, 1)) ** 2).sum(dim=2)
    nearest, index = torch.topk(distance2, neighbours, dim=1, largest=False)
    shares = torch.softmax(-nearest / (2 * sigma**2), dim=1)
    return index, shares


def rebalanced_cross_entropy(
    logits: torch.Tensor, ab: torch.Tensor, weights: torch.Tensor | None, soft: bool = True
) -> torch.Tensor:
    """Mean over pixels of w(q*) · H(target, softmax(logits)).

    Args:
        logits: (B, 529, h, w) the head's output.
        ab: (B, 2, h, w) true ab at the head's resolution.
        weights: (529,) from :func:`rebalancing_weights`, or None for plain (unweighted) cross-entropy.
        soft: spread each target over its nearest bins (else the one nearest bin).
    """
    log_probabilities = torch.log_softmax(logits.float(), dim=1)
    nearest = ab_to_bin(ab)  # (B, h, w)
    if soft:
        index, shares = soft_targets(ab)
        per_pixel = -(log_probabilities.gather(1, index) * shares).sum(dim=1)
    else:
        per_pixel = -log_probabilities.gather(1, nearest.unsqueeze(1)).squeeze(1)
    if weights is None:
        return per_pixel.mean()
    return (per_pixel * weights[nearest]).mean()
