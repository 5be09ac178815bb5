"""What the colour maths needs to know of hints, without knowing what shape a hint is.

The fills (:mod:`.fill`), the network input (:mod:`.encoding`), vivid colours (:mod:`.vivid`) and
locality (:mod:`.locality`) ask a batch of hints where each one lies and what colour it asks for.
:class:`~ideepcolor_app.hints.hint_batch.HintBatch` answers them; this protocol lets ``colour``
sit below ``hints`` in the rooms' order, and a new hint kind changes nothing here.
"""

from __future__ import annotations

from typing import Protocol

import torch


class HintShapes(Protocol):
    """B images' hints in K slots each, at one resolution (that of the maps they are asked for)."""

    @property
    def colours(self) -> torch.Tensor:
        """(B, K, 2) ab of each hint, already in gamut; a later slot paints over an earlier one."""
        ...

    @property
    def valid(self) -> torch.Tensor:
        """(B, K) bool: which slots hold a hint."""
        ...

    def slot_weights(self) -> torch.Tensor:
        """(B, K) float32: the share of one hint each slot is (1 for a point hint; a shape painted
        in several slots shares one hint's weight among them)."""
        ...

    def centres(self) -> torch.Tensor:
        """(B, K, 2) float (row, col) of each hint's centre."""
        ...

    def lightness(self, l: torch.Tensor) -> torch.Tensor:
        """(B, K) mean of (B, 1, H, W) ``l`` over each hint's pixels."""
        ...

    def paint(self, height: int, width: int) -> tuple[torch.Tensor, torch.Tensor]:
        """ab (B, 2, H, W) and mask (B, 1, H, W), float32: each hint's colour over its pixels."""
        ...

    def distance(self, height: int, width: int) -> torch.Tensor:
        """(B, H, W) distance in pixels from each pixel to the nearest hint's pixels (0 on one)."""
        ...
