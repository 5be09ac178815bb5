"""What a colorization model is to the rest of the app: a module base class and an entry.

Every room above ``network`` sees a model as a :class:`ColorizationNet` and asks its
:class:`Architecture` entry (found by the name a weights file stores, see :mod:`.architectures`)
how to build one, how its input is encoded and what it can do, as timm's model registry and
``PretrainedCfg`` do. A second model is one file that subclasses :class:`ColorizationNet` and
defines its entry, and one line in :mod:`.architectures`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple, Protocol

import torch
from torch import nn

from ..colour.encoding import HintEncoding, MaskConvention
from ..colour.hint_shapes import HintShapes


class Cancelled(Exception):
    """A forward pass was abandoned because its result is no longer wanted."""


class NetworkOutput(NamedTuple):
    """A forward pass's answer."""

    ab: torch.Tensor
    """(B, 2, H, W) ab in Lab units."""
    logits: torch.Tensor
    """(B, Q, H/4, W/4) the distribution head's logits over the ab bins (Q = 529); (B, 0, ...) for a
    model without the head."""


class ColorizationNet(nn.Module):
    """A network that colours a batch of encoded photos (see :attr:`Architecture.encode`).

    Subclasses set :attr:`width`, :attr:`residual`, :attr:`residual_scales` and
    :attr:`takes_global_hints` and implement :meth:`forward`.
    """

    width: float
    """Channel-count scale against the published network (1.0)."""
    residual: bool
    """The ab output is added to the hint fill it is given (fill encodings)."""
    residual_scales: dict[int, float] | None
    """Hint count -> share of the correction added (see :mod:`~ideepcolor_app.evaluation.calibrate`)."""
    takes_global_hints: bool
    """The global-hints branch is present."""
    guesses_saturation: bool = False
    """A saturation guess is present: a photo's likely mean saturation, read from its grey (see
    :meth:`guess_saturation`)."""

    def forward(
        self,
        x: torch.Tensor,
        should_stop: Callable[[], bool] | None = None,
        hint_counts: torch.Tensor | None = None,
        global_hints: torch.Tensor | None = None,
    ) -> NetworkOutput:
        """Colour a batch.

        Args:
            x: (B, C, H, W) the encoded input.
            should_stop: polled between blocks; True raises :class:`Cancelled`.
            hint_counts: (B,) hints per image, for calibrated ``residual_scales``.
            global_hints: (B, GLOBAL_INPUTS) global-hint vectors, or None.
        """
        raise NotImplementedError

    def trunk_parameters(self) -> list[nn.Parameter]:
        """Every parameter outside the global-hints branch."""
        return [p for name, p in self.named_parameters() if not name.startswith("global_")]

    def add_global_branch(self) -> None:
        """Add the global-hints branch, its outputs at zero (the answer does not change)."""
        raise NotImplementedError(f"{type(self).__name__} has no global-hints branch")

    def add_saturation_guess(self) -> None:
        """Add an untrained saturation guess (see :meth:`guess_saturation`)."""
        raise NotImplementedError(f"{type(self).__name__} cannot guess a saturation")

    def remove_saturation_guess(self) -> None:
        """Drop the saturation guess (it reads features that training is about to change)."""
        raise NotImplementedError(f"{type(self).__name__} cannot guess a saturation")

    def trunk_summary(self, x: torch.Tensor) -> torch.Tensor:
        """(B, F) a summary of the features that the global hints join, for encoded ``x`` without
        global hints: what the saturation guess reads."""
        raise NotImplementedError(f"{type(self).__name__} cannot guess a saturation")

    def guess_saturation(self, x: torch.Tensor) -> torch.Tensor:
        """(B,) each photo's likely mean HSV saturation in [0, 1], from encoded ``x``."""
        raise NotImplementedError(f"{type(self).__name__} cannot guess a saturation")


class Builder(Protocol):
    """Makes an untrained network of an architecture."""

    def __call__(
        self,
        width: float = 1.0,
        residual: bool = False,
        residual_scales: dict[int, float] | None = None,
        global_hints: bool = False,
    ) -> ColorizationNet:
        """An untrained network (see :class:`ColorizationNet` for what the arguments set)."""
        ...


class Encoder(Protocol):
    """Turns lightness and hints into a network's input."""

    def __call__(
        self,
        l: torch.Tensor,
        hints: HintShapes,
        convention: MaskConvention,
        encoding: HintEncoding = HintEncoding.SPARSE,
        prior_weight: float = 0.0,
    ) -> torch.Tensor:
        """(B, C, H, W) the input for (B, 1, H, W) ``l`` in [0, 100] and the images' ``hints``."""
        ...


@dataclass(frozen=True)
class Capabilities:
    """What a model can do; features ask these instead of assuming one model."""

    distribution_head: bool
    """It predicts a distribution over the ab bins: vivid colours, locality, suggested palettes
    and variations read it."""
    global_hints: bool
    """It can take a reference photo's colours and a saturation (a global-hints branch)."""
    input_multiple: int
    """The input's height and width must be multiples of this."""
    input_size: int
    """The square side it was trained and measured at."""


@dataclass(frozen=True)
class Architecture:
    """One model family: how to build it, encode its input, read its files, and what it can do."""

    name: str
    """Stored in weights files (``architecture`` in their metadata)."""
    title: str
    """How messages name it."""
    build: Builder
    encode: Encoder
    width_of: Callable[[dict[str, torch.Tensor]], float]
    """The width a state dict was trained at, read from its tensors."""
    capabilities: Capabilities
