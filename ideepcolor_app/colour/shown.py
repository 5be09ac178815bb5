"""The colours a result shows: the network's answer, made vivid away from hints and kept local.

One door for the app, the command line and ``evaluate``, so what is measured is what is shown.
"""

from __future__ import annotations

import torch

from .encoding import pin_hint_patches
from .locality import HintLocality, localise
from .vivid import vivid_ab


def shown_ab(
    ab: torch.Tensor,
    logits: torch.Tensor,
    lightness: torch.Tensor,
    boxes: torch.Tensor,
    colours: torch.Tensor,
    valid: torch.Tensor,
    automatic: tuple[torch.Tensor, torch.Tensor] | None,
    temperature: float | None,
    locality: HintLocality | None,
    pinned: bool = False,
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """The ab shown for B hint states of one photo, (B, 2, S, S), and how much of each hinted
    result it shows, (B, 1, S, S) (see :func:`.locality.hint_coverage`; None without locality).

    Args:
        ab, logits: the network's outputs with the hints, (B, 2, S, S) and (B, 529, S/4, S/4).
        lightness: (1 or B, 1, S, S) L at network resolution.
        boxes, colours, valid: the hints at resolution S, (B, K, 3), (B, K, 2), (B, K).
        automatic: the network's (ab, logits) for the photo without local hints, each with a batch
            of 1; needed only with ``locality``.
        temperature: vivid colours' temperature (see :mod:`.vivid`); None keeps the ab output.
        locality: how far hints reach (see :mod:`.locality`); None lets them reach everywhere.
        pinned: hint patches take their hint's colour exactly, and no vivid colours (the results
            with global hints, whose branch was trained on the ab output).
    """
    hinted = _before_locality(ab, logits, boxes, colours, valid, temperature, pinned)
    if locality is None or automatic is None or not bool(valid.any()):
        return hinted.float(), None
    batch = ab.shape[0]
    automatic_ab, automatic_logits = automatic
    nothing = torch.zeros_like(valid[:1])
    automatic_shown = _before_locality(
        automatic_ab, automatic_logits, boxes[:1], colours[:1], nothing, temperature, pinned
    )
    return localise(
        hinted,
        automatic_shown.expand(batch, -1, -1, -1),
        lightness.expand(batch, -1, -1, -1),
        boxes,
        colours,
        valid,
        automatic_logits.expand(batch, -1, -1, -1),
        locality,
    )


def _before_locality(
    ab: torch.Tensor,
    logits: torch.Tensor,
    boxes: torch.Tensor,
    colours: torch.Tensor,
    valid: torch.Tensor,
    temperature: float | None,
    pinned: bool,
) -> torch.Tensor:
    if pinned:
        return pin_hint_patches(ab, boxes, colours, valid)  # hints win where they are
    if temperature is not None:
        return vivid_ab(ab, logits, boxes, valid, temperature)
    return ab
