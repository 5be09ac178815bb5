"""The look: how a result's colours are chosen from the network's answer, as a value.

A :class:`Look` travels with each request (the window's View menu, the command line's
``--colours`` and ``--hint-reach``), so that a result always says how it was made and no thread
reads a setting that another changes. :func:`shown_colour` states, once, each rule that turns a
look and what the weights measured into what :func:`~.shown.shown_ab` does.
"""

from __future__ import annotations

from dataclasses import dataclass

from .locality import HintLocality
from .vivid import VividColours


@dataclass(frozen=True)
class Look:
    """The user's choices about how results look (each needs the weights to carry a measurement)."""

    vivid: bool = True
    """Away from hints, colours come from the predicted distribution (see :mod:`.vivid`); False:
    the network's plain, muted output."""
    local_hints: bool = True
    """Hints colour their objects, not the whole photo (see :mod:`.locality`); False: they reach
    as far as the network carries them."""


DEFAULT_LOOK = Look()
"""Vivid colours and local hints, where the weights measured them: what a user gets."""
MUTED_EVERYWHERE = Look(vivid=False, local_hints=False)
"""The network's own answer: no vivid colours, hints reach where the network carries them."""


@dataclass(frozen=True)
class ShownColour:
    """What :func:`~.shown.shown_ab` is given for one result."""

    vivid: VividColours | None
    locality: HintLocality | None
    pinned: bool
    guessed_saturation: bool = False
    """The result without local hints answers the network's guess of the photo's saturation."""


def shown_colour(
    look: Look,
    vivid: VividColours | None,
    locality: HintLocality | None,
    global_hints_given: bool,
    has_hints: bool,
    guesses_saturation: bool = False,
) -> ShownColour:
    """How one result's colours are chosen.

    Args:
        look: the user's choices.
        vivid, locality: what the answering weights measured (None: not measured, so not offered).
        global_hints_given: a reference's colours or a saturation reach the network.
        has_hints: the result has local hints.
        guesses_saturation: the answering weights guess a photo's saturation.

    The rules, each stated here only: global hints pin each hint's patch to its colour and show the
    ab output, which their branch was trained on, so never vivid colours; vivid colours need the look
    and a measured temperature; keeping hints local needs the look, a measured locality and hints;
    the guessed saturation needs the vivid look and no global hints from the user, and colours the
    result without local hints (then shown as the ab output), which hints kept local leave away
    from themselves.
    """
    return ShownColour(
        vivid=vivid if look.vivid and not global_hints_given else None,
        locality=locality if look.local_hints and has_hints else None,
        pinned=global_hints_given,
        guessed_saturation=guesses_saturation and look.vivid and not global_hints_given,
    )
