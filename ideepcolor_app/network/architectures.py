"""The models this app knows, by the name weights files store: one line per model."""

from __future__ import annotations

from ..base.errors import WeightsError
from .architecture import Architecture
from .model import SIGGRAPH17

ARCHITECTURES: dict[str, Architecture] = {entry.name: entry for entry in (SIGGRAPH17,)}
DEFAULT_ARCHITECTURE = SIGGRAPH17
"""What published ``.pth`` files, which name none, hold."""


def architecture_named(name: str) -> Architecture:
    """The entry for ``name``.

    Raises:
        WeightsError: no model of that name is known to this version of the app.
    """
    try:
        return ARCHITECTURES[name]
    except KeyError:
        known = ", ".join(sorted(ARCHITECTURES))
        raise WeightsError(f"it holds a '{name}' network, which this app does not know (it knows: {known}).") from None
