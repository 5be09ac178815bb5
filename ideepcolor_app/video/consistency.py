"""Colour distribution consistency (CDC) of a clip: how much its colours jump from frame to frame.

As Liu et al. define it for TCVC (2021) and the NTIRE 2023 video colourisation challenge scores
it: the Jensen-Shannon divergence between each RGB channel's 256-bin histogram of frame i and of
frame i + t, averaged over the frames and the three channels, then over the intervals t = 1, 2
and 4. It needs no colour truth, so it works on archive film. Lower is steadier; 0 for a still.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

INTERVALS = (1, 2, 4)


def colour_distribution_consistency(frames: Iterable[np.ndarray], intervals: tuple[int, ...] = INTERVALS) -> float:
    """CDC of RGB uint8 frames (H, W, 3) in order; NaN for a clip shorter than two frames."""
    listed = [_histograms(frame) for frame in frames]
    histograms = np.stack(listed) if listed else np.empty((0, 3, 256))
    scores = [float(_js(histograms[:-t], histograms[t:]).mean()) for t in intervals if len(histograms) > t]
    return float(np.mean(scores)) if scores else float("nan")


def _histograms(frame: np.ndarray) -> np.ndarray:
    counts = np.stack([np.bincount(frame[..., c].ravel(), minlength=256)[:256] for c in range(3)]).astype(np.float64)
    normalised: np.ndarray = counts / counts.sum(axis=1, keepdims=True)
    return normalised


def _js(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Jensen-Shannon divergence (natural log) of the distributions along the last axis."""
    m = (p + q) / 2

    def kl(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        ratio = np.where(a > 0, a / np.where(b > 0, b, 1), 1)
        divergence: np.ndarray = np.sum(np.where(a > 0, a * np.log(ratio), 0), axis=-1)
        return divergence

    both: np.ndarray = (kl(p, m) + kl(q, m)) / 2
    return both
