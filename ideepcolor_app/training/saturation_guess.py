"""Guessing a photo's saturation from its grey, so that its automatic result can be shown at it.

The network's global-hints branch, told a photo's mean saturation, colours it far better than the
network alone: on 120 held-out BSDS500 photos at 0 hints, the truth's saturation took the result from
22.90 to 24.25 dB and its hue hit from 0.51 to 0.61 (docs/training.md). A photo being coloured has no
truth to read, but a linear guess from the grey's conv4 features (see
:meth:`~ideepcolor_app.network.architecture.ColorizationNet.trunk_summary`) gets part of the way.
It is fitted here by ridge regression on colour photos, in closed form: no training run, no
randomness, a few minutes for 31,000 photos on a CPU (the features dominate).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import cv2
import numpy as np
import torch

from ..colour.color import rgb_to_lab
from ..colour.encoding import NETWORK_SIZE
from ..hints.global_hints import mean_saturation
from ..inference.network import Network

RIDGE = 100.0
"""Penalty on the standardised features' weights; 1 to 10,000 gave the same held-out error."""
SHRINK = 0.96
"""The guess is scaled by this. A wrong guess costs more above the truth than below it (a dull photo
made colourful); on the 232 held-out BSDS500 photos at 0 hints, 1.0 gave 22.85 dB (hue hit 0.56), 0.96
22.95 dB (0.55) and 0.93 23.01 dB (0.54), against 22.89 (0.48) without a guess: 0.96 is the most
colourful that costs no PSNR there."""
BATCH = 32


@dataclass
class SaturationFit:
    """A fitted guess, (1, F) ``weight`` and (1,) ``bias`` on the raw summary, and how well it fits."""

    weight: torch.Tensor
    bias: torch.Tensor
    photos: int
    mean_error: float
    """Mean absolute error of the guess on the photos it was fitted on."""
    constant_error: float
    """The same for the photos' mean saturation guessed for every photo: what the guess must beat."""


def photo_summaries(
    network: Network, photos: Iterable[np.ndarray], progress: Callable[[int], None] | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """(N, F) trunk summaries and (N,) mean saturations of RGB uint8 ``photos``, each stretched to
    the network's square as the evaluation protocol does, in float64."""
    summaries: list[torch.Tensor] = []
    saturations: list[torch.Tensor] = []
    for batch in _batches(photos, BATCH):
        squares = np.stack([cv2.resize(p, (NETWORK_SIZE, NETWORK_SIZE), interpolation=cv2.INTER_AREA) for p in batch])
        rgb = torch.from_numpy(squares).to(network.device).permute(0, 3, 1, 2).float() / 255
        summaries.append(network.trunk_summary(rgb_to_lab(rgb)[:, :1]).double().cpu())
        saturations.append(mean_saturation(rgb).double().cpu())
        if progress:
            progress(sum(len(s) for s in saturations))
    if not summaries:
        raise ValueError("no readable photos to fit a saturation guess on")
    return torch.cat(summaries), torch.cat(saturations)


def fit_saturation_guess(
    summaries: torch.Tensor, saturations: torch.Tensor, ridge: float = RIDGE, shrink: float = SHRINK
) -> SaturationFit:
    """Ridge regression of ``saturations`` (N,) on ``summaries`` (N, F), standardised per feature,
    scaled by ``shrink``; the standardisation and the scale are folded into the returned weight and
    bias. The errors are those of the guess before the scale."""
    if len(saturations) < 2:
        raise ValueError("a saturation guess needs at least 2 photos")
    x = summaries.double()
    y = saturations.double()
    centre, spread = x.mean(dim=0), x.std(dim=0) + 1e-4  # dead channels have no spread
    standard = (x - centre) / spread
    gram = standard.T @ standard + ridge * torch.eye(x.shape[1], dtype=torch.float64)
    coefficients = torch.linalg.solve(gram, standard.T @ (y - y.mean()))
    weight = coefficients / spread
    bias = y.mean() - centre @ weight
    guess = (x @ weight + bias).clamp(0, 1)
    return SaturationFit(
        weight=(shrink * weight)[None].float(),
        bias=(shrink * bias).reshape(1).float(),
        photos=len(y),
        mean_error=float((guess - y).abs().mean()),
        constant_error=float((y - y.mean()).abs().mean()),
    )


def add_fitted_guess(network: Network, fit: SaturationFit) -> None:
    """Give ``network``'s model the fitted guess (replacing any it had)."""
    model = network.model
    if not model.guesses_saturation:
        model.add_saturation_guess()
        model.saturation_guess.to(network.device)
    layer = model.saturation_guess
    if tuple(layer.weight.shape) != tuple(fit.weight.shape):
        raise ValueError(f"the fit has {fit.weight.shape[1]} features, the network's summary {layer.weight.shape[1]}")
    with torch.no_grad():
        layer.weight.copy_(fit.weight)
        layer.bias.copy_(fit.bias)
    network.info.saturation_guess = True


def _batches(items: Iterable[np.ndarray], size: int) -> Iterator[list[np.ndarray]]:
    batch: list[np.ndarray] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
