"""The colours a result shows: the network's answer, made vivid away from hints, kept local, and
its colour edges fitted to the photo's.

One door for the app, the command line and ``evaluate``, so what is measured is what is shown.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch

from .edge_fit import fit_to_lightness
from .encoding import pin_hints
from .hint_shapes import HintShapes
from .locality import HintLocality, bin_probabilities, hint_coverage, local_ab
from .vivid import VividColours, vivid_ab


@dataclass(eq=False)
class Automatic:
    """The network's answer for a photo without local hints, and what is derived from it, each
    computed once (softmaxes over 529 bins cost more than the rest of an update)."""

    ab: torch.Tensor  # (1, 2, S, S)
    logits: torch.Tensor  # (1, 529, S/4, S/4)
    from_global_hints: bool = False
    """It answered global hints (the user's or a guessed saturation): shown as the ab output, which
    their branch was trained on, never vivid."""
    _shown: dict[tuple[VividColours | None, bool], torch.Tensor] = field(default_factory=dict, repr=False)
    _probabilities: torch.Tensor | None = field(default=None, repr=False)

    def shown(self, vivid: VividColours | None, pinned: bool) -> torch.Tensor:
        """(1, 2, S, S) the ab shown for the photo without local hints (see :func:`shown_ab`)."""
        pinned = pinned or self.from_global_hints
        key = (vivid, pinned)
        if key not in self._shown:
            self._shown[key] = _before_locality(self.ab, self.logits, None, vivid, pinned).float()
        return self._shown[key]

    def probabilities(self) -> torch.Tensor:
        """(1, 529, S/4, S/4) its :func:`~.locality.bin_probabilities`."""
        if self._probabilities is None:
            self._probabilities = bin_probabilities(self.logits)
        return self._probabilities


def shown_ab(
    ab: torch.Tensor,
    logits: torch.Tensor,
    lightness: torch.Tensor,
    hints: HintShapes,
    automatic: Automatic | None,
    vivid: VividColours | None,
    locality: HintLocality | None,
    pinned: bool = False,
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """The ab shown for B hint states of one photo, (B, 2, S, S), and how much of each hinted
    result it shows, (B, 1, S, S) (see :func:`.locality.hint_coverage`; None without locality).

    Args:
        ab, logits: the network's outputs with the hints, (B, 2, S, S) and (B, 529, S/4, S/4).
        lightness: (1 or B, 1, S, S) L at network resolution.
        hints: the B hint states at resolution S.
        automatic: the network's answer for the photo without local hints; needed only with
            ``locality``.
        vivid: how vivid colours are chosen (see :mod:`.vivid`); None keeps the ab output.
        locality: how far hints reach (see :mod:`.locality`); None lets them reach everywhere.
        pinned: hint patches take their hint's colour exactly, and no vivid colours (the results
            with global hints, whose branch was trained on the ab output).
    """
    hinted = _before_locality(ab, logits, hints, vivid, pinned)
    if locality is None or automatic is None or not bool(hints.valid.any()):
        return _fitted(hinted.float(), lightness, hints), None
    batch = ab.shape[0]
    probabilities = automatic.probabilities().expand(batch, -1, -1, -1)
    coverage = hint_coverage(lightness.expand(batch, -1, -1, -1), hints, probabilities, locality)
    return _fitted(local_ab(hinted, automatic.shown(vivid, pinned), coverage), lightness, hints), coverage


def _fitted(ab: torch.Tensor, lightness: torch.Tensor, hints: HintShapes) -> torch.Tensor:
    """``ab`` with its colour edges on the photo's (:func:`.edge_fit.fit_to_lightness`); the hints'
    own pixels keep what they showed (pinned: their colour exactly)."""
    fitted = fit_to_lightness(ab, lightness)
    _, mask = hints.paint(ab.shape[2], ab.shape[3])
    return torch.where(mask.to(ab.device) > 0, ab, fitted)


def _before_locality(
    ab: torch.Tensor,
    logits: torch.Tensor,
    hints: HintShapes | None,
    vivid: VividColours | None,
    pinned: bool,
) -> torch.Tensor:
    """``hints`` None: the photo without local hints."""
    if pinned:
        return ab if hints is None else pin_hints(ab, hints)  # hints win where they are
    if vivid is not None:
        return vivid_ab(ab, logits, hints, vivid)
    return ab
