"""Which mask convention a weights file expects, found from how its network behaves.

A network trained with one convention colours a hint's patch with the hint's colour when its
mask is fed that way, and much less so the other way. So one saturated hint is placed on a flat
grey image and both conventions are run; the one whose output reproduces the hint colour inside
the patch wins. A network that answers the same under both gets a note saying so.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from ..colour.encoding import HintEncoding, MaskConvention, encode_hints
from ..hints.hint_batch import HintBatch
from .architecture import ColorizationNet

PROBE_SIZE = 64
PROBE_HINT_AB = (40.0, 45.0)
"""A saturated orange-red, in gamut at the probe's lightness."""
PROBE_PATCH = 9
PROBE_MARGIN = 2
SAME_ANSWER_AB = 3.0
"""Mean ab difference (Lab units) inside the patch under which both conventions count as equally good."""


@dataclass(frozen=True)
class ConventionChoice:
    """The convention chosen for a weights file, and why, in words a user can read."""

    convention: MaskConvention
    reason: str
    errors: dict[MaskConvention, float]
    """Mean |output - hint| (ab units) in the inner 5x5 of the hint's 9x9 patch under each convention."""


def detect_mask_convention(model: ColorizationNet, encoding: HintEncoding = HintEncoding.SPARSE) -> ConventionChoice:
    """Run ``model`` under both conventions on one hint and keep the one that reproduces it.

    Args:
        model: the loaded network, in eval mode.
        encoding: the hint encoding its weights expect.

    Returns:
        The convention, the reason, and the error under each convention.
    """
    model = model.eval()
    device = next(model.parameters()).device
    top = left = (PROBE_SIZE - PROBE_PATCH) // 2
    hint = torch.tensor(PROBE_HINT_AB, device=device)
    l = torch.full((1, 1, PROBE_SIZE, PROBE_SIZE), 55.0, device=device)
    hints = HintBatch.of_squares(torch.tensor([[[top, left, PROBE_PATCH]]], device=device), hint.view(1, 1, 2))
    errors: dict[MaskConvention, float] = {}
    for convention in MaskConvention:
        x = encode_hints(l, hints, convention, encoding)
        with torch.inference_mode():
            inner = slice(top + PROBE_MARGIN, top + PROBE_PATCH - PROBE_MARGIN)  # patch edges blur into grey
            ab = model(x).ab.float()[0, :, inner, inner]
        errors[convention] = float((ab - hint.view(2, 1, 1)).abs().mean())
    zero_one, centered = errors[MaskConvention.ZERO_ONE], errors[MaskConvention.CENTERED]
    if abs(zero_one - centered) < SAME_ANSWER_AB:
        return ConventionChoice(
            MaskConvention.ZERO_ONE,
            f"the network answers a test hint the same under both conventions "
            f"(error {zero_one:.1f} with {{0, 1}}, {centered:.1f} with {{-0.5, 0.5}}); using {{0, 1}}",
            errors,
        )
    best = min(errors, key=errors.__getitem__)
    return ConventionChoice(
        best,
        f"detected: a test hint is reproduced with error {errors[best]:.1f} under "
        f"{_label(best)} against {errors[_other(best)]:.1f} under {_label(_other(best))}",
        errors,
    )


def _other(convention: MaskConvention) -> MaskConvention:
    return MaskConvention.CENTERED if convention is MaskConvention.ZERO_ONE else MaskConvention.ZERO_ONE


def _label(convention: MaskConvention) -> str:
    return "{0, 1}" if convention is MaskConvention.ZERO_ONE else "{-0.5, 0.5}"
