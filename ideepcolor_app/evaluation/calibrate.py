"""Calibrating how much of its correction a fill-encoded network adds to the fill.

A network handed a hint fill outputs fill + correction. Trained on enlarged 128-pixel photos, its
corrections are too large for sharp photos with many hints: the fill alone is then better. A
residual scale s per hint count makes the output fill + s * correction (interpolated between the
counts calibrated). The scales are fitted here on photos that are not evaluation photos (the
project uses the BSDS500 train/val photos of the training set, the same kind of photo as the
BSDS500 test photos of dev-eval) and stored in the weights' metadata; the tensors do not change.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from ..colour.color import lab_to_rgb
from ..colour.encoding import AB_SCALE, HintEncoding
from ..inference.network import Network
from .evaluate import hints_for_counts, patch_for_size, photo_lab, psnr_8bit

DEFAULT_SCALES = tuple(round(0.05 * i, 2) for i in range(4, 21))
"""0.2 to 1.0 in steps of 0.05."""
DEFAULT_HINT_COUNTS = (0, 1, 2, 5, 10, 20, 50, 100)
DEFAULT_SIZE = 128
"""The calibration photos (short side 128 in the training set) stay sharp at this size."""


@dataclass
class Calibration:
    """Mean PSNR (dB) per residual scale and hint count."""

    psnr: dict[float, dict[int, float]]
    images: int
    size: int

    @property
    def best_scales(self) -> dict[int, float]:
        """Hint count -> the scale with the best mean PSNR at that count."""
        counts = next(iter(self.psnr.values()))
        return {k: max(self.psnr, key=lambda s: self.psnr[s][k]) for k in counts}

    def table(self) -> str:
        """PSNR per scale (rows) and hint count (columns); the best of each column is starred."""
        best = self.best_scales
        lines = [f"{'scale':>6}" + "".join(f"{k:>8}" for k in best)]
        for scale, row in self.psnr.items():
            lines.append(
                f"{scale:>6.2f}" + "".join(f"{row[k]:>7.2f}" + ("*" if best[k] == scale else " ") for k in best)
            )
        return "\n".join(lines)


def calibrate_residual_scales(
    network: Network,
    images: Sequence[Path],
    scales: Sequence[float] = DEFAULT_SCALES,
    hint_counts: Sequence[int] = DEFAULT_HINT_COUNTS,
    size: int = DEFAULT_SIZE,
    seed: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> Calibration:
    """Score fill + s * correction for every scale s on ``images``, with the evaluation's hints.

    Args:
        network: a residual network (its own ``residual_scales`` are ignored: corrections are taken
            raw), best in fp32.
        images: calibration photos, never the evaluation photos.
        seed: hint placement; the default differs from evaluation's seed 0.

    Raises:
        ValueError: the network is not handed a fill, or there are no photos.
    """
    if not (network.model.residual and HintEncoding(network.info.hint_encoding).is_fill):
        raise ValueError("only a network handed a hint fill (a residual network) has a scale to calibrate")
    if not images:
        raise ValueError("no calibration photos")
    device = network.device
    patch = patch_for_size(size)
    scores: dict[float, dict[int, list[float]]] = {s: {k: [] for k in hint_counts} for s in scales}
    for index, path in enumerate(images):
        lab = photo_lab(path, size, device)
        l, ab = lab[0:1], lab[1:]
        hints = hints_for_counts(ab, hint_counts, seed, index, size, patch)
        l_batch = l[None].expand(len(hint_counts), -1, -1, -1)
        predicted = network.colour(l_batch, hints, calibrated=False).ab  # the whole correction
        fill = network.fill(l_batch, hints)
        correction = predicted - fill
        truth = lab_to_rgb(lab)
        for i, k in enumerate(hint_counts):
            for s in scales:
                ab_s = (fill[i] + s * correction[i]).clamp(-AB_SCALE, AB_SCALE)
                scores[s][k].append(psnr_8bit(lab_to_rgb(torch.cat((l, ab_s))), truth))
        if progress:
            progress(index + 1, len(images))
    return Calibration(
        {s: {k: float(np.mean(v)) for k, v in row.items()} for s, row in scores.items()}, len(images), size
    )
