"""The inference engine: networks, photo and hints resident on one device.

A :class:`Network` is one weights file on the device. :class:`PhotoOnDevice` is a photo's
lightness uploaded once and never changed afterwards, so every :class:`Colorization` keeps the
one it was computed from: a result handed to another thread is a snapshot, whatever photo is
opened meanwhile. :class:`ColorizationEngine` holds up to two networks: a fast reduced-width one
for interactive updates and the full-size one for refinement and saving.
"""

from __future__ import annotations

import functools
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import cv2
import numpy as np
import torch
import torch.nn.functional as F

from ..base.errors import WeightsError
from ..colour.ab_bins import plausibility, unweighted
from ..colour.color import lab_to_srgb8, snap_ab_to_gamut
from ..colour.encoding import NETWORK_SIZE, network_cell
from ..colour.look import DEFAULT_LOOK, Look, ShownColour, shown_colour
from ..colour.shown import Automatic, shown_ab
from ..colour.suggest import SUGGESTIONS, Palette, Suggestion, ab_to_display_rgb, suggest_colors
from ..hints.global_hints import GlobalHints
from ..hints.hint_batch import HintBatch
from ..hints.local_hints import Hint
from ..hints.regions import Region, region_masks
from ..hints.strokes import Stroke, stroke_mask
from ..network.architecture import NetworkOutput
from ..network.device import pick_device
from ..network.precision import Precision
from ..network.registry import find_weight_set
from ..network.weights import WeightsInfo
from ..photos.images import Photo, fit_inside
from .drag_plan import DragPlan
from .network import Network
from .photo_on_device import PhotoOnDevice, bands

PREVIEW_SIZE = 112
"""Side of the cheaper first pass of the full network on a CPU when no fast network is present."""
DRAG_SIZE = 192
"""Side the fast network runs at on a CPU while hints change in quick succession (a drag): 0.56 of
the work of 256, so that more than 10 updates a second reach the screen; 256 follows once they stop."""
_GUESSES_KEPT = 8
"""Guessed saturations kept (one per photo and network): a clip's frames each have one."""
_AUTOMATIC_RESULTS_KEPT = 4
"""Automatic results (one per photo, size and global hints) kept for locality: the sizes of a drag
and of a resting result for the photo open now and the one before."""


class ColorizationEngine:
    """Networks and the current photo on one device.

    ``interactive`` is the network for updates while the user edits (the fast one on a CPU when
    present), ``best`` the one for refinement and saving (the full-size one when present).
    """

    def __init__(self, networks: Sequence[Network], device: torch.device) -> None:
        if not networks:
            raise WeightsError("No colorization weights were given.")
        self.device = device
        self.networks = list(networks)
        full = [n for n in networks if not n.is_fast]
        fast = [n for n in networks if n.is_fast]
        self.best = full[0] if full else fast[0]
        self.interactive = fast[0] if fast and device.type == "cpu" else self.best
        self._lock = threading.RLock()
        self.current: PhotoOnDevice | None = None
        self.problems: list[str] = []
        """Weights files that were found but could not be used, each with what is used instead."""
        self._automatic: OrderedDict[tuple[object, ...], Automatic] = OrderedDict()
        self._guesses: OrderedDict[tuple[object, ...], _Guess] = OrderedDict()
        self.drag_plan: DragPlan | None = None
        """The drag side measured on this machine (:mod:`.drag_plan`), once a worker has timed it."""

    @classmethod
    def from_weights(
        cls,
        weights: str | Path | None = None,
        device: str | None = None,
        mask_convention: str | None = None,
        precision: str | None = None,
    ) -> ColorizationEngine:
        """Load the weights to use.

        Args:
            weights: a file or registry name to use alone; None finds the full-size and the fast
                weights (:func:`~ideepcolor_app.network.registry.find_weight_set`).
            device: 'cuda', 'mps', 'cpu' or None for the best available.
            mask_convention: overrides every file's convention.
            precision: 'auto' (default, or ``$IDEEPCOLOR_PRECISION``), 'fp32' or 'bf16'.

        Raises:
            WeightsError: none found, or a file is unreadable or of another architecture.
            DeviceError: the device is not available here.
        """
        target = pick_device(device)
        paths = find_weight_set(weights)
        networks, problems = [], []
        for path in paths:
            try:
                networks.append(Network.from_file(path, target, mask_convention, precision))
            except WeightsError as exc:  # a damaged cache file must not hide the bundled model
                problems.append(str(exc))
        if not networks:
            raise WeightsError("\n".join(problems))
        engine = cls(networks, target)
        engine.problems = [f"{problem}\nUsing {engine.weights_label} instead." for problem in problems]
        return engine

    # ----- what the engine is ------------------------------------------------------------------
    @property
    def info(self) -> WeightsInfo:
        """The weights used for final results."""
        return self.best.info

    @property
    def takes_global_hints(self) -> bool:
        """A network here takes global hints (a reference's colours, a saturation)."""
        return any(n.takes_global_hints for n in self.networks)

    @property
    def offers_suggestions(self) -> bool:
        """The networks predict a colour distribution, so the palette can suggest colours and
        variations can be drawn from it."""
        return all(n.capabilities.distribution_head for n in self.networks)

    @property
    def offers_variations(self) -> bool:
        """Variations can be drawn (from the predicted distribution)."""
        return self.offers_suggestions

    @property
    def offers_vivid(self) -> bool:
        """A network here has a distribution head and a measured temperature for vivid automatic colours."""
        return self.offers_suggestions and any(n.info.vivid_temperature is not None for n in self.networks)

    @property
    def offers_local_hints(self) -> bool:
        """A network here has a distribution head and a measured hint locality (see
        :class:`~ideepcolor_app.colour.look.Look`)."""
        return self.offers_suggestions and any(n.info.hint_locality is not None for n in self.networks)

    @property
    def refines(self) -> bool:
        """Interactive updates come from another (faster) network than the final result."""
        return self.interactive is not self.best

    @property
    def preview_size(self) -> int | None:
        """Side of a cheaper first pass, when the interactive network is too slow without one."""
        return PREVIEW_SIZE if self.device.type == "cpu" and not self.interactive.is_fast else None

    @property
    def drag_size(self) -> int | None:
        """Side of the fast network's passes during a drag on a CPU (shown at once, on a smaller
        picture; the resting state follows in full). Measured on this machine once a worker has
        timed it (:attr:`drag_plan`); until then 192 in fp32 and 256 in bf16, or 256 where the
        network's hinted side is 192 or less (a drag at 192 would cost what the result at rest does)."""
        interactive = self.interactive
        if self.device.type != "cpu" or not interactive.is_fast:
            return None
        if self.drag_plan is not None:
            return self.drag_plan.side
        if interactive.precision is Precision.FP32 and interactive.hinted_side(NETWORK_SIZE) > DRAG_SIZE:
            return DRAG_SIZE
        return NETWORK_SIZE

    @property
    def precision_label(self) -> str:
        """The number format of the passes, e.g. 'bf16', or 'bf16 / fp32' when the networks differ."""
        names = dict.fromkeys(n.precision.value for n in (self.interactive, self.best))
        return " / ".join(names)

    @property
    def device_label(self) -> str:
        """The device as the status bar names it, with the precision the network runs in."""
        name = torch.cuda.get_device_name(self.device) if self.device.type == "cuda" else self.device.type.upper()
        return f"{name} ({self.precision_label})"

    @property
    def weights_label(self) -> str:
        """Which weights answer edits and which make the final result."""
        if self.refines:
            return f"{self.interactive.info.label} while editing, {self.best.info.label} for the result"
        return self.best.info.label

    # ----- work ----------------------------------------------------------------------------------
    def set_photo(self, photo: Photo) -> PhotoOnDevice:
        """Upload ``photo``; results computed before keep the photo they were computed from."""
        uploaded = PhotoOnDevice.upload(photo, self.device)
        with self._lock:
            self.current = uploaded
            self._automatic.clear()
        return uploaded

    def require_photo(self) -> PhotoOnDevice:
        """The current photo. Raises RuntimeError when none was set."""
        current = self.current
        if current is None:
            raise RuntimeError("No photo loaded: call set_photo() first.")
        return current

    def colorize(
        self,
        hints: Sequence[Hint],
        size: int = NETWORK_SIZE,
        should_stop: Callable[[], bool] | None = None,
        network: Network | None = None,
        source: PhotoOnDevice | None = None,
        global_hints: GlobalHints | None = None,
        look: Look = DEFAULT_LOOK,
        strokes: Sequence[Stroke] = (),
        regions: Sequence[Region] = (),
    ) -> Colorization:
        """Colorize one hint state.

        Args:
            hints: the hints, in painting order.
            size: network resolution (256; smaller for a quick first pass).
            should_stop: polled between blocks; True abandons the pass.
            network: which network (default: the best one).
            source: which uploaded photo (default: the current one). Passing it makes the result
                independent of any photo set meanwhile.
            global_hints: a reference's colours and a saturation; when given, a network that
                takes them answers even if ``network`` does not (so no result ignores them).
            look: vivid colours and local hints, where the weights measured them (see
                :func:`~ideepcolor_app.colour.look.shown_colour`).
            strokes: brush strokes, painted under the point hints.
            regions: lasso regions: a coloured one holds its colour to its inside and changes
                nothing outside it; a protected one (no colour) keeps out what is painted elsewhere.

        Returns:
            A :class:`Colorization` that keeps ``source``.

        Raises:
            Cancelled: ``should_stop`` returned True.
            RuntimeError: no photo was set.
        """
        network = network or self.best
        source = source or self.require_photo()
        global_hints = global_hints or GlobalHints()
        vector = None
        if not global_hints.is_empty:
            if not network.takes_global_hints:
                network = next((n for n in self.networks if n.takes_global_hints), network)
            vector = global_hints.vector(self.device)[None] if network.takes_global_hints else None
        measured = network.info if network.capabilities.distribution_head else None  # both read the distribution
        shown = shown_colour(
            look,
            measured.vivid if measured else None,
            measured.hint_locality if measured else None,
            vector is not None,
            bool(hints) or bool(strokes) or any(not r.protects for r in regions),
            network.guesses_saturation,
        )
        guess = self._guess(source, network) if shown.guessed_saturation else None
        run = functools.partial(self._shown_pass, network, source, size, vector, guess, should_stop)
        out, ab, coverage, automatic = run(shown, hints, strokes, ())
        if regions:
            masks = region_masks(regions, source.size, size, self.device)
            coloured = [(r, m) for r, m in zip(regions, masks, strict=True) if not r.protects]
            hinted = [_holds_any(r, hints, strokes) for r, _ in coloured]
            if any(hinted):  # hints inside an outline add their colours: the network fills it, given it as hints
                # the outline confines the colour, so locality has nothing to do inside it
                given = [r for (r, _), own in zip(coloured, hinted, strict=True) if own]
                inside_ab = run(replace(shown, locality=None), hints, strokes, given)[1]
            for (region, mask), own in zip(coloured, hinted, strict=True):  # inside its fill, outside as without
                if own:
                    fill = inside_ab
                else:  # one colour, evenly: closer to the truth than the network's fill (docs/user-guide.md)
                    fill = torch.tensor(region.ab, device=ab.device, dtype=ab.dtype)[None, :, None, None]
                ab = torch.lerp(ab, fill.expand_as(ab), mask[None])
            protected = [(r, m) for r, m in zip(regions, masks, strict=True) if r.protects]
            if protected:  # inside a protected region only what is painted inside it counts
                inside = [r for r, _ in protected]
                own_hints = [h for h in hints if any(r.contains(h.x, h.y) for r in inside)]
                own_strokes = [s for s in strokes if any(all(r.contains(*p) for p in s.points) for r in inside)]
                protected_ab = run(shown, own_hints, own_strokes, ())[1]
                for _, mask in protected:
                    ab = torch.lerp(ab, protected_ab, mask[None])
        return Colorization(
            source,
            tuple(hints),
            ab,
            out.logits,
            network.info,
            global_hints,
            shown.vivid is not None,
            automatic_logits=automatic.logits if automatic is not None else None,
            coverage=coverage,
            look=look,
            strokes=tuple(strokes),
            regions=tuple(regions),
            guessed_saturation=guess.saturation if guess is not None else None,
        )

    def _shown_pass(
        self,
        network: Network,
        source: PhotoOnDevice,
        size: int,
        vector: torch.Tensor | None,
        guess: _Guess | None,
        should_stop: Callable[[], bool] | None,
        shown: ShownColour,
        hints: Sequence[Hint],
        strokes: Sequence[Stroke],
        regions: Sequence[Region],
    ) -> tuple[NetworkOutput, torch.Tensor, torch.Tensor | None, Automatic | None]:
        """One network pass and the ab it shows: (output, shown ab, coverage, automatic output).

        A ``guess`` of the saturation reaches the network only without local hints: told a saturation,
        the network follows it rather than the hints (one hint on a held-out photo: 31.4 dB
        without, 20.8 with a saturation 0.18 under the truth's). Hints kept local show the
        automatic colours away from them, so the guess still colours the rest of the photo.
        """
        with self._lock:
            lightness = source.network_lightness(size)
            placed = HintBatch.place(hints, source.size, lightness, strokes, regions)
            vector_key: tuple[object, ...] | None = _vector_key(vector)
            automatic_vector = vector
            if guess is not None and vector is None:  # no per-pass transfer: the guess's vector is kept
                automatic_vector, vector_key = guess.vector, ("saturation guess", guess.saturation)
            bare = not placed.any()
            out = network.colour(lightness, placed, should_stop, automatic_vector if bare else vector)
            key = (source, id(network), size, vector_key)
            if bare:  # the automatic result: kept for the hints that follow
                answered = Automatic(out.ab, out.logits, from_global_hints=automatic_vector is not None)
                self._remember_automatic(key, answered)
            automatic = (
                self._automatic_output(key, network, source, size, automatic_vector, should_stop)
                if shown.locality
                else None
            )
        pinned = shown.pinned or (bare and automatic_vector is not None)
        ab, coverage = shown_ab(out.ab, out.logits, lightness, placed, automatic, shown.vivid, shown.locality, pinned)
        return out, ab, coverage, automatic

    def guessed_saturation(self, source: PhotoOnDevice, network: Network) -> float:
        """``network``'s guess of ``source``'s mean saturation (computed once per photo and network,
        at the network's square size whatever size the passes run at).

        Raises:
            NotImplementedError: the network has no saturation guess.
        """
        return self._guess(source, network).saturation

    def _guess(self, source: PhotoOnDevice, network: Network) -> _Guess:
        key = (source, id(network))
        with self._lock:
            guess = self._guesses.get(key)
            if guess is None:
                saturation = float(network.guess_saturation(source.network_lightness(NETWORK_SIZE))[0])
                guess = _Guess(saturation, GlobalHints(saturation=saturation).vector(self.device)[None])
                self._guesses[key] = guess
                while len(self._guesses) > _GUESSES_KEPT:
                    self._guesses.popitem(last=False)
            return guess

    def _automatic_output(
        self,
        key: tuple[object, ...],
        network: Network,
        source: PhotoOnDevice,
        size: int,
        vector: torch.Tensor | None,
        should_stop: Callable[[], bool] | None,
    ) -> Automatic:
        """The network's answer for ``source`` without local hints (with the same global hints):
        what the photo keeps away from the hints. Computed once per photo, size and global hints
        (the result shown before the first hint usually provides it). ``key`` names all four."""
        cached = self._automatic.get(key)
        if cached is not None:
            self._automatic.move_to_end(key)
            return cached
        lightness = source.network_lightness(size)
        output = network.colour(lightness, HintBatch.empty(device=lightness.device), should_stop, vector)
        automatic = Automatic(output.ab, output.logits, from_global_hints=vector is not None)
        self._remember_automatic(key, automatic)
        return automatic

    def _remember_automatic(self, key: tuple[object, ...], output: Automatic) -> None:
        self._automatic[key] = output
        self._automatic.move_to_end(key)
        while len(self._automatic) > _AUTOMATIC_RESULTS_KEPT:
            self._automatic.popitem(last=False)


def _holds_any(region: Region, hints: Sequence[Hint], strokes: Sequence[Stroke]) -> bool:
    """Some hint, or some point of a stroke, lies inside ``region``."""
    return any(region.contains(h.x, h.y) for h in hints) or any(region.contains(*p) for s in strokes for p in s.points)


@dataclass(frozen=True)
class _Guess:
    """A network's guessed saturation for one photo, and the global-hint vector that says it (on the device)."""

    saturation: float
    vector: torch.Tensor


def _vector_key(vector: torch.Tensor | None) -> tuple[float, ...] | None:
    return None if vector is None else tuple(vector.flatten().tolist())


@dataclass
class Colorization:
    """The network's answer for one hint state, with the photo it was computed from."""

    source: PhotoOnDevice
    hints: tuple[Hint, ...]
    ab: torch.Tensor  # (1, 2, S, S), Lab units, on the device
    logits: torch.Tensor  # (1, 529, S/4, S/4), on the device
    weights: WeightsInfo
    global_hints: GlobalHints = field(default_factory=GlobalHints)
    vivid: bool = False
    """The ab comes from the distribution away from hints (see :class:`~ideepcolor_app.colour.look.Look`)."""
    look: Look = DEFAULT_LOOK
    """The look it was asked for (what the weights offered of it decides ``vivid`` and ``coverage``)."""
    strokes: tuple[Stroke, ...] = ()
    """The brush strokes it was computed with, under ``hints``."""
    regions: tuple[Region, ...] = ()
    """The lasso regions it was computed with."""
    guessed_saturation: float | None = None
    """The saturation its automatic colours answer, guessed by the network from the photo's grey;
    None: no guess was used (global hints given, a muted look, or weights without one)."""
    automatic_logits: torch.Tensor | None = None
    """(1, 529, S/4, S/4) the logits without local hints, when hints are kept local (see
    :class:`~ideepcolor_app.colour.look.Look`); None otherwise."""
    coverage: torch.Tensor | None = None
    """(1, 1, S, S) how much of the hinted result each pixel shows (1 at the hints, 0 where the
    automatic colours stay); None when hints are not kept local."""
    _full_rgb: np.ndarray | None = field(default=None, repr=False)
    _shown_logits: torch.Tensor | None = field(default=None, repr=False)

    @property
    def photo(self) -> Photo:
        """The photo this result was computed from."""
        return self.source.photo

    @property
    def size(self) -> int:
        """Network resolution this result was computed at."""
        return self.ab.shape[2]

    def rgb_tensor(self, size: tuple[int, int] | None = None) -> torch.Tensor:
        """(H, W, 3) uint8 on the device: ab upsampled bilinearly onto the photo's L.

        ``size`` (width, height) gives a smaller picture (L resampled too); default full resolution.
        """
        lightness = self.source.lightness(size or self.source.size)
        with torch.inference_mode():
            height, width = lightness.shape[2:]
            ab = upsample_ab(self.ab, height, width)
            out = torch.empty(height, width, 3, dtype=torch.uint8, device=lightness.device)
            for top, bottom in bands(height, width):
                lab = torch.cat((lightness[0, :, top:bottom], ab[:, top:bottom]), dim=0)
                lab_to_srgb8(lab, out[top:bottom])
            return out

    def full_resolution_rgb(self) -> np.ndarray:
        """(H, W, 3) uint8 result at the photo's full resolution (cached)."""
        if self._full_rgb is None:
            self._full_rgb = self.rgb_tensor().cpu().numpy()
        return self._full_rgb

    def preview_rgb(self, max_side: int) -> np.ndarray:
        """Result scaled so that its longer side is at most ``max_side`` (a draft's: at most its own
        pixels', which hold no more detail)."""
        size = fit_inside(self.source.size, min(max_side, self.source.photo.detail_side))
        return self.full_resolution_rgb() if size == self.source.size else self.rgb_tensor(size).cpu().numpy()

    def distribution_at(self, x: float, y: float) -> torch.Tensor:
        """(529,) plausibility of the ab bins at image coordinates (x, y), as suggestions rank
        colours (:func:`~ideepcolor_app.colour.ab_bins.plausibility`)."""
        row, col = network_cell(x, y, self.source.size, self.logits.shape[2])
        bin_weights = self.weights.bin_weights
        if self.automatic_logits is None or self.coverage is None:
            return plausibility(self.logits[:, :, row, col], bin_weights)[0]
        scale = self.coverage.shape[2] // self.logits.shape[2]  # one cell only: the palette asks often
        share = self.coverage[0, 0, row * scale : (row + 1) * scale, col * scale : (col + 1) * scale].float().mean()
        mixed = _mixed_logits(self.logits[:, :, row, col], self.automatic_logits[:, :, row, col], share)
        return plausibility(mixed, bin_weights)[0]

    def distribution_over(self, area: Stroke | Region) -> torch.Tensor:
        """(529,) plausibility of the ab bins over the pixels a stroke paints or a lasso holds
        (the mean of their distributions, as this result shows them)."""
        logits = self.shown_logits()
        cells = int(logits.shape[2])
        if isinstance(area, Stroke):
            mask = torch.from_numpy(stroke_mask(area, self.source.size, cells)).to(logits.device)
        else:
            mask = region_masks([area], self.source.size, cells, logits.device)[0, 0] > 0
        if not bool(mask.any()):
            return plausibility(logits.mean(dim=(2, 3)), self.weights.bin_weights)[0]
        mean = torch.softmax(logits[0][:, mask].float(), dim=0).mean(dim=1)
        return unweighted(mean, self.weights.bin_weights, dim=0)

    def shown_logits(self) -> torch.Tensor:
        """(1, 529, S/4, S/4) logits of the distribution behind what this result shows: with hints
        kept local, the hinted one where they reach and the automatic one elsewhere (mixed by
        coverage), so suggestions and variations far from the hints are the photo's own."""
        if self.automatic_logits is None or self.coverage is None:
            return self.logits
        if self._shown_logits is None:
            cells = (int(self.logits.shape[2]), int(self.logits.shape[3]))
            share = F.adaptive_avg_pool2d(self.coverage.float(), cells)
            self._shown_logits = _mixed_logits(self.logits, self.automatic_logits, share)
        return self._shown_logits

    def predicted_ab_at(self, x: float, y: float) -> tuple[float, float]:
        """The ab this result has at image point (x, y)."""
        row, col = network_cell(x, y, self.source.size, self.size)
        a, b = self.ab[0, :, row, col].tolist()
        return a, b

    @property
    def offers_suggestions(self) -> bool:
        """The answering network predicts a colour distribution to suggest colours from."""
        return self.weights.architecture.capabilities.distribution_head

    def suggestions(self, x: float, y: float, k: int = SUGGESTIONS, area: Stroke | Region | None = None) -> Palette:
        """Suggested colours at image point (x, y) under this hint state.

        Args:
            x, y: image coordinates. k: at most this many suggestions.
            area: a stroke or lasso whose colours are suggested: the distribution over all its
                pixels, not at (x, y) alone (which still gives the lightness they are shown at).

        Returns:
            A :class:`Palette`: suggestions ranked by probability mass, and the current prediction.
        """
        lightness = self.source.lightness_at(x, y)
        probabilities = self.distribution_at(x, y) if area is None else self.distribution_over(area)
        ranked = suggest_colors(probabilities, lightness, k=k)
        l_tensor = torch.tensor([lightness])
        predicted_ab = snap_ab_to_gamut(l_tensor, torch.tensor([self.predicted_ab_at(x, y)]))
        predicted = Suggestion(tuple(predicted_ab[0].tolist()), ab_to_display_rgb(l_tensor, predicted_ab)[0], 1.0)
        return Palette(x, y, lightness, predicted, ranked)


def _mixed_logits(hinted: torch.Tensor, automatic: torch.Tensor, share: torch.Tensor) -> torch.Tensor:
    """Logits (log-probabilities) of ``share`` of the hinted distribution and the rest of the
    automatic one, over dim 1."""
    mix = share * torch.softmax(hinted.float(), dim=1) + (1 - share) * torch.softmax(automatic.float(), dim=1)
    return torch.log(mix.clamp(min=1e-30))


def upsample_ab(ab: torch.Tensor, height: int, width: int) -> torch.Tensor:
    """(1, 2, h, w) ab -> (2, height, width), bilinear with pixel centres aligned (align_corners=False).

    On the CPU OpenCV does the same interpolation on the same memory about 6x faster than torch.
    """
    if ab.device.type == "cpu":
        hwc = ab[0].permute(1, 2, 0).float().contiguous().numpy()
        return torch.from_numpy(cv2.resize(hwc, (width, height), interpolation=cv2.INTER_LINEAR)).permute(2, 0, 1)
    return F.interpolate(ab.float(), size=(height, width), mode="bilinear", align_corners=False)[0]
