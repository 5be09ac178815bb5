"""Hints colour their objects: away from them the photo keeps its automatic colours.

The fast network refines a normalised mean of the hint colours, so one hint used to colour the
whole photo (reach about 1, see :mod:`~ideepcolor_app.evaluation.reach`). Here the hinted result
is blended into the automatic one (the same network without local hints) by how far each hint
reaches:

    coverage(p) = S(p) / (S(p) + W0),   S(p) = sum_i w_i(p) * plausibility_i(p)

``w_i`` is the lightness fill's weight (falling with distance and lightness difference, see
:mod:`.fill`) and ``plausibility_i(p)`` how much of the automatic prediction's colour
distribution at p lies near hint i's colour, plus a small floor. A hint's colour therefore spreads
over its object (similar lightness, nearby), and further only where the picture makes that colour
likely: a blue hint on a sky reaches the rest of the sky, an orange hint on a suit does not turn the
face and sky orange. At the hint itself ``w_i`` is 1, so the hint always wins there.

W0, the ab width of "near" and the floor are measured for each weights file and stored in it
(``hint_locality``); weights without them keep the hinted result everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from .ab_bins import bin_centers
from .fill import hint_support
from .hint_shapes import HintShapes

_TINY = 1e-8
_TINY_SHARE = 1e-4
"""The least plausibility used: the fill's smallest weights (about 2e-34) times it stay normal floats."""


@dataclass(frozen=True)
class HintLocality:
    """How far hints reach, measured for one weights file (see the module's docstring)."""

    prior_weight: float
    """W0: the automatic result's weight beside the hints' support."""
    sigma: float
    """Width in ab units of the window around a hint's colour whose probability counts."""
    floor: float = 0.0
    """Added to every plausibility, so that any colour spreads a little over its object."""

    def __post_init__(self) -> None:
        if not (0 < self.prior_weight < 1 and 1 <= self.sigma <= 100 and 0 <= self.floor <= 1):
            raise ValueError(
                f"hint locality out of range: prior weight {self.prior_weight} (0-1), sigma {self.sigma} (1-100), "
                f"floor {self.floor} (0-1)"
            )

    def to_text(self) -> str:
        """The metadata form: 'W0 sigma floor'."""
        return f"{self.prior_weight!r} {self.sigma!r} {self.floor!r}"

    @classmethod
    def from_text(cls, text: str) -> HintLocality:
        """Parse :meth:`to_text`'s form. Raises ValueError when damaged."""
        parts = text.split()
        if len(parts) != 3:
            raise ValueError(f"hint locality needs 3 numbers, got {text!r}")
        return cls(*(float(p) for p in parts))


def bin_probabilities(logits: torch.Tensor) -> torch.Tensor:
    """(B, 529, h, w) the distribution head's probabilities as plausibility reads them (tiny ones 0)."""
    return _without_tiny(torch.softmax(logits.float(), dim=1))


def colour_plausibility(probabilities: torch.Tensor, colours: torch.Tensor, sigma: float) -> torch.Tensor:
    """(B, K, h, w) probability mass near each colour, under a per-pixel distribution over the bins.

    Args:
        probabilities: (B, 529, h, w) a distribution over the ab bins at each pixel, as
            :func:`bin_probabilities` gives it.
        colours: (B, K, 2) ab colours.
        sigma: the Gaussian window's width in ab units.
    """
    centres = bin_centers(probabilities.device)  # (529, 2)
    squared = ((centres[None, :, None, :] - colours[:, None, :, :].float()) ** 2).sum(-1)  # (B, 529, K)
    window = _without_tiny(torch.exp(squared / (-2 * sigma**2)))
    return torch.einsum("bqhw,bqk->bkhw", probabilities.float(), window)


def _without_tiny(values: torch.Tensor) -> torch.Tensor:
    """``values`` with those under :data:`_TINY` set to 0: their products would be subnormal
    floats, which made the CPU 3x slower here, and they change no result."""
    return torch.where(values < _TINY, torch.zeros((), device=values.device), values)


def hint_coverage(
    lightness: torch.Tensor,
    hints: HintShapes,
    automatic_probabilities: torch.Tensor,
    locality: HintLocality,
) -> torch.Tensor:
    """(B, 1, S, S) in [0, 1]: how much of the hinted result each pixel takes (1 at the hints).

    Args:
        lightness: (B, 1, S, S) L at network resolution.
        hints: the B results' hints at resolution S.
        automatic_probabilities: (B, 529, h, w) :func:`bin_probabilities` of the distribution head
            without local hints.
        locality: the weights file's measured :class:`HintLocality`.
    """
    size = lightness.shape[-2:]
    plausibility = colour_plausibility(automatic_probabilities, hints.colours, locality.sigma) + locality.floor
    plausibility = plausibility.clamp(min=_TINY_SHARE)
    support = hint_support(hints, size[0], size[1], lightness, plausibility)
    return support / (support + locality.prior_weight)


def local_ab(hinted: torch.Tensor, automatic: torch.Tensor, coverage: torch.Tensor) -> torch.Tensor:
    """(B, 2, S, S) the hinted ab where the hints reach, the automatic ab elsewhere."""
    return automatic.float() + coverage * (hinted.float() - automatic.float())
