"""One weights file's network on a device: the door through which every room runs a model.

The engine, evaluation, calibration and the trainer's dev check all encode and run through a
:class:`Network`, so a model's input encoding, precision and post-processing are written once (its
:class:`~ideepcolor_app.network.architecture.Architecture` entry says how to encode and what it can do).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

import torch
import torch.nn.functional as F

from ..colour.encoding import AB_SCALE, NETWORK_SIZE
from ..hints.hint_batch import HintBatch
from ..network.architecture import Capabilities, ColorizationNet, NetworkOutput
from ..network.model import without_ripple
from ..network.precision import Precision, autocast, cpu_precision, requested_precision
from ..network.weights import WeightsInfo, load_model

HALF_PRECISION_TOLERANCE = 0.5
"""Mean |ab| difference (Lab units) under which bf16 or fp16 is used on a GPU."""


class Network:
    """One weights file's network on a device, with the conventions its weights expect.

    ``precision`` is what its passes run in: bf16 on a CPU with bf16 units, bf16 (or fp16) on a
    GPU where measured close to fp32, else fp32 (see :mod:`.precision`); 'fp32' or 'bf16' force it.
    """

    def __init__(
        self,
        model: ColorizationNet,
        info: WeightsInfo,
        device: torch.device,
        half_precision: bool | None = None,
        precision: str | None = None,
    ) -> None:
        self.info = info
        self.device = device
        # channels_last measured faster on CUDA and on this project's CPU (oneDNN): 1.15 s vs 1.37 s.
        self.model = model.eval().to(device, memory_format=torch.channels_last)  # type: ignore[call-overload]
        self.half_precision_error: float | None = None
        self.precision = self._choose_precision(half_precision, precision)

    def _choose_precision(self, half_precision: bool | None, precision: str | None) -> Precision:
        requested = requested_precision(precision)
        if self.device.type == "cpu":
            return cpu_precision(requested)
        if self.device.type != "cuda" or requested == "fp32" or half_precision is False:
            return Precision.FP32
        if requested == "bf16":
            return Precision.BF16
        candidate = Precision.BF16 if torch.cuda.is_bf16_supported() else Precision.FP16
        if half_precision:
            return candidate
        return candidate if self._low_precision_is_safe(candidate) else Precision.FP32

    @classmethod
    def around(
        cls, model: ColorizationNet, info: WeightsInfo, device: torch.device | str, precision: Precision
    ) -> Network:
        """A view of a model that stays as it is (a network in training): neither moved, nor put
        in eval mode, nor converted; the caller chooses its mode and ``precision``."""
        network = cls.__new__(cls)
        network.info, network.device, network.model = info, torch.device(device), model
        network.half_precision_error, network.precision = None, precision
        return network

    def with_info(self, **changes: object) -> Network:
        """The same model under changed settings (an experiment's fill prior weight, say); this
        network and its weights' metadata stay as they are."""
        info = dataclasses.replace(self.info, **changes)  # type: ignore[arg-type]
        return Network.around(self.model, info, self.device, self.precision)

    @property
    def half_precision(self) -> bool:
        """Passes run in a 16-bit format (bf16 or fp16)."""
        return self.precision is not Precision.FP32

    @classmethod
    def from_file(
        cls, path: Path, device: torch.device, mask_convention: str | None = None, precision: str | None = None
    ) -> Network:
        """Load ``path`` (see :func:`~ideepcolor_app.network.weights.load_model`) onto ``device``."""
        model, info = load_model(path, mask_convention)
        return cls(model, info, device, precision=precision)

    @property
    def is_fast(self) -> bool:
        """A reduced-width network, cheap enough for every interactive update on a CPU."""
        return self.info.is_fast

    @property
    def capabilities(self) -> Capabilities:
        """What this network's architecture can do."""
        return self.info.architecture.capabilities

    @property
    def takes_global_hints(self) -> bool:
        """The weights have the global-hints branch (their metadata says so)."""
        return self.info.global_hints and self.capabilities.global_hints

    @property
    def guesses_saturation(self) -> bool:
        """The weights guess a photo's saturation (their metadata says so), shown through the global
        hints they take."""
        return self.info.saturation_guess and self.takes_global_hints

    def trunk_summary(self, l: torch.Tensor) -> torch.Tensor:
        """(B, F) float32 what the saturation guess reads (see
        :meth:`~ideepcolor_app.network.architecture.ColorizationNet.trunk_summary`) for (B, 1, S, S)
        lightness without hints, in :attr:`precision`."""
        with torch.inference_mode(), autocast(self.device, self.precision):
            summary: torch.Tensor = self.model.trunk_summary(self._without_hints(l))
        return summary.float()

    def guess_saturation(self, l: torch.Tensor) -> torch.Tensor:
        """(B,) each photo's likely mean saturation in [0, 1], from (B, 1, S, S) lightness.

        Raises:
            NotImplementedError: the weights have no saturation guess (see :attr:`guesses_saturation`).
        """
        if not self.guesses_saturation:
            raise NotImplementedError(f"{self.info.label} has no saturation guess")
        with torch.inference_mode(), autocast(self.device, self.precision):
            guess: torch.Tensor = self.model.guess_saturation(self._without_hints(l))
        return guess.float()

    def _without_hints(self, l: torch.Tensor) -> torch.Tensor:
        x = self.encode(l, HintBatch.empty(l.shape[0], l.device))
        return x.contiguous(memory_format=torch.channels_last)

    def encode(self, l: torch.Tensor, hints: HintBatch) -> torch.Tensor:
        """The 4-channel input in this network's mask convention and hint encoding.

        Args:
            l: (B, 1, S, S) lightness at network resolution.
            hints: the B images' hints at resolution S, colours in gamut.
        """
        info = self.info
        return info.architecture.encode(l, hints, info.mask_convention, info.hint_encoding, info.fill_prior_weight)

    def hinted_side(self, side: int) -> int:
        """The side a pass with local hints asked for at ``side`` runs at: the weights' measured hinted
        side when smaller (see :attr:`~ideepcolor_app.network.weights.WeightsInfo.hinted_side`), else
        ``side``. A pass without local hints runs at ``side``."""
        measured = self.info.hinted_side
        return side if measured is None else min(side, measured)

    def colour(
        self,
        l: torch.Tensor,
        hints: HintBatch,
        should_stop: Callable[[], bool] | None = None,
        global_hints: torch.Tensor | None = None,
        calibrated: bool = True,
    ) -> NetworkOutput:
        """Encode and run (B, 1, S, S) lightness ``l`` with B images' hints at side S; the images with hints
        at :meth:`hinted_side`, their outputs resampled to S (ab bilinearly, logits to S/4), so that
        what follows sees side S whatever the network ran at.

        ``calibrated`` False adds a fill encoding's whole correction (what calibration measures);
        the rest is as :meth:`forward`.
        """

        def run(rows: slice | torch.Tensor, runs_at: int) -> tuple[torch.Tensor, ...]:
            x = self._encode_at(l[rows], hints[rows], runs_at)
            counts = hints[rows].counts() if calibrated else None
            out = self.forward(x, should_stop, counts, None if global_hints is None else global_hints[rows])
            return out.ab, out.logits

        ab, logits = self._by_side(l, hints, run)
        return NetworkOutput(ab, logits)

    def fill(self, l: torch.Tensor, hints: HintBatch) -> torch.Tensor:
        """(B, 2, S, S) a fill encoding's hint fill as :meth:`colour` gives it to the network, on
        which its correction is added (see :mod:`~ideepcolor_app.evaluation.calibrate`)."""

        def run(rows: slice | torch.Tensor, runs_at: int) -> tuple[torch.Tensor, ...]:
            return (self._encode_at(l[rows], hints[rows], runs_at)[:, 1:3].float() * AB_SCALE,)

        return self._by_side(l, hints, run)[0]

    def _encode_at(self, l: torch.Tensor, hints: HintBatch, runs_at: int) -> torch.Tensor:
        side = l.shape[-1]
        if runs_at == side:
            return self.encode(l, hints)
        return self.encode(F.interpolate(l, size=(runs_at, runs_at), mode="area"), hints.resized(side, runs_at))

    def _by_side(
        self,
        l: torch.Tensor,
        hints: HintBatch,
        run: Callable[[slice | torch.Tensor, int], tuple[torch.Tensor, ...]],
    ) -> tuple[torch.Tensor, ...]:
        """``run(rows, side)`` for the images with hints at the hinted side and those without at S,
        each output (B, C, h, w) resampled to the size it has at S and put back in image order."""
        side = l.shape[-1]
        runs_at = self.hinted_side(side)
        if runs_at == side:
            return run(slice(None), side)
        hinted = hints.valid.any(dim=1)
        groups = [(rows, at) for rows, at in ((hinted, runs_at), (~hinted, side)) if bool(rows.any())]
        if len(groups) == 1:
            return tuple(_at_side(t, groups[0][1], side) for t in run(slice(None), groups[0][1]))
        parts = [(rows, [_at_side(t, at, side) for t in run(torch.nonzero(rows)[:, 0], at)]) for rows, at in groups]
        stitched = []
        for k, first in enumerate(parts[0][1]):
            whole = first.new_empty((len(hints), *first.shape[1:]))
            for rows, outputs in parts:
                whole[rows] = outputs[k]
            stitched.append(whole)
        return tuple(stitched)

    def forward(
        self,
        x: torch.Tensor,
        should_stop: Callable[[], bool] | None = None,
        hint_counts: torch.Tensor | None = None,
        global_hints: torch.Tensor | None = None,
    ) -> NetworkOutput:
        """Run the network on ``x`` in :attr:`precision`; outputs are float32.

        ``hint_counts`` (B,) select the calibrated share of a fill encoding's correction;
        ``global_hints`` (B, GLOBAL_INPUTS) are ignored by weights without the branch; with them the
        ab loses the ripple the branch brings out (:func:`~ideepcolor_app.network.model.without_ripple`).

        Raises:
            Cancelled: ``should_stop`` returned True between blocks.
        """
        x = x.contiguous(memory_format=torch.channels_last)
        with torch.inference_mode(), autocast(self.device, self.precision):
            out = self.model(x, should_stop, hint_counts, global_hints)
        ab = out.ab.float()
        if global_hints is not None and self.takes_global_hints:
            ab = without_ripple(ab)
        return NetworkOutput(ab, out.logits.float())

    def _low_precision_is_safe(self, precision: Precision) -> bool:
        """Measure ``precision`` against fp32 on a synthetic photo with hints; use it only if close."""
        g = torch.Generator().manual_seed(0)
        l = torch.rand(1, 1, NETWORK_SIZE, NETWORK_SIZE, generator=g) * 100
        squares = torch.randint(0, NETWORK_SIZE - 5, (1, 10, 3), generator=g)
        squares[..., 2] = 5
        colours = torch.rand(1, 10, 2, generator=g) * 120 - 60
        x = self.encode(l, HintBatch.of_squares(squares, colours)).to(self.device)
        with torch.inference_mode():
            full = self.model(x).ab.float()
            with autocast(self.device, precision):
                half = self.model(x).ab.float()
        self.half_precision_error = float((full - half).abs().mean())
        return self.half_precision_error < HALF_PRECISION_TOLERANCE


def _at_side(image: torch.Tensor, ran_at: int, side: int) -> torch.Tensor:
    """(B, C, h, w) an output of a pass at side ``ran_at`` (ab at that side, logits at a quarter of
    it) resampled to the size it has at ``side``."""
    size = image.shape[-1] * side // ran_at
    if size == image.shape[-1]:
        return image
    if not image.shape[1]:  # a model without the distribution head has no logits
        return image.new_zeros((*image.shape[:2], size, size))
    return F.interpolate(image, size=(size, size), mode="bilinear", align_corners=False)
