"""The 529-bin ab grid of the distribution head (23 x 23 bins, a-major)."""

from __future__ import annotations

from collections.abc import Sequence

import torch

BIN_STEP = 10.0
BIN_EDGE = 110.0
BINS_PER_AXIS = 23
NUM_BINS = BINS_PER_AXIS * BINS_PER_AXIS  # 529
DISTRIBUTION_TEMPERATURE = 0.2
"""Suggestions from weights without recorded loss weights use softmax(0.2 * logits), as the
reference GUI does (see :func:`plausibility`)."""


def ab_to_bin(ab: torch.Tensor) -> torch.Tensor:
    """Bin index k = a_idx * 23 + b_idx of ab values shaped (..., 2, ...) on dim -3 or last.

    Accepts (B, 2, H, W) -> (B, H, W), or (N, 2) -> (N,).
    """
    if ab.dim() == 4:
        a, b = ab[:, 0], ab[:, 1]
    else:
        a, b = ab[..., 0], ab[..., 1]
    a_idx = torch.round((a.clamp(-BIN_EDGE, BIN_EDGE) + BIN_EDGE) / BIN_STEP).long()
    b_idx = torch.round((b.clamp(-BIN_EDGE, BIN_EDGE) + BIN_EDGE) / BIN_STEP).long()
    return a_idx * BINS_PER_AXIS + b_idx


def bin_centers(device: torch.device | str | None = None) -> torch.Tensor:
    """(529, 2) ab centre of each bin, in index order."""
    axis = torch.arange(BINS_PER_AXIS, device=device, dtype=torch.float32) * BIN_STEP - BIN_EDGE
    a, b = torch.meshgrid(axis, axis, indexing="ij")
    return torch.stack((a.reshape(-1), b.reshape(-1)), dim=1)


def distribution(logits: torch.Tensor) -> torch.Tensor:
    """Probabilities over the bins along dim 1 from the head's logits."""
    return torch.softmax(DISTRIBUTION_TEMPERATURE * logits.float(), dim=1)


def unweighted(probabilities: torch.Tensor, bin_weights: Sequence[float] | None, dim: int = 1) -> torch.Tensor:
    """``probabilities`` over the bins (along ``dim``) of a head trained with per-bin loss weights
    (class rebalancing), divided by those weights and renormalised: the colours' plausibility as
    the training photos had them. A rebalanced head overstates each colour by its weight (rare,
    saturated colours most). Unchanged when ``bin_weights`` is None."""
    if bin_weights is None:
        return probabilities
    shape = [1] * probabilities.dim()
    shape[dim] = -1
    weights = torch.tensor(bin_weights, device=probabilities.device, dtype=torch.float32).view(shape)
    plausible = probabilities.float() / weights
    return plausible / plausible.sum(dim=dim, keepdim=True)


def plausibility(logits: torch.Tensor, bin_weights: Sequence[float] | None = None) -> torch.Tensor:
    """Probabilities over the bins along dim 1 as suggestions rank colours: with the head's loss
    weights known, its distribution without the rebalancing (:func:`unweighted`); otherwise the
    reference GUI's :func:`distribution`."""
    if bin_weights is None:
        return distribution(logits)
    return unweighted(torch.softmax(logits.float(), dim=1), bin_weights)


def annealed_mean(logits: torch.Tensor, temperature: float) -> torch.Tensor:
    """(B, 2, h, w) ab of the head's distribution re-sharpened at ``temperature`` (Zhang et al. 2016):
    softmax(logits / T) weighted mean of the bin centres. T = 1 is the distribution's mean (dull
    where the modes disagree), T -> 0 its mode (vivid, but noisy); the 2016 paper used 0.38.

    Args:
        logits: (B, 529, h, w) the head's logits, whose softmax is the predicted distribution.
        temperature: > 0.
    """
    if temperature <= 0:
        raise ValueError(f"the temperature must be positive, got {temperature}")
    weights = torch.softmax(logits.float() / temperature, dim=1)
    return torch.einsum("bkhw,kc->bchw", weights, bin_centers(logits.device))
