"""The inference engine: model, photo and hints resident on one device.

``ColorizationEngine.colorize(hints)`` runs one forward per hint state and
returns a :class:`Colorization` from which the 256x256 ab, the
full-resolution RGB (composed on the device) and the colour distribution at
any pixel are read. :class:`AsyncColorizer` drives it from a worker thread
for the GUI, dropping superseded requests.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Sequence

import cv2
import numpy as np
import torch
import torch.nn.functional as F

from .ab_bins import distribution
from .color import lab_to_srgb8, rgb_to_lab, snap_ab_to_gamut
from .encoding import NETWORK_SIZE, MaskConvention, network_cell, network_input, rasterize_hints
from .hints import Hint, hint_boxes, hint_colors
from .images import Photo
from .model import Cancelled, SIGGRAPHGenerator
from .suggest import Suggestion, ab_to_display_rgb, suggest_colors
from .weights import WeightsInfo, find_weights, load_model

PREVIEW_SIZE = 112
"""Side of the cheaper first pass shown while the full 256x256 pass runs (CPU only)."""
PRELIMINARY_MAX_SIDE = 1024
"""The preview pass is a quick look: its picture is composed at most this large."""
HALF_PRECISION_TOLERANCE = 0.5
"""Mean |ab| difference (Lab units) under which fp16 is used on a GPU."""
_CHUNK_PIXELS = 1 << 19
"""Full-resolution work runs in bands of ~0.5 MP: it bounds memory, and the colour maths is
memory-bound, so bands that stay in cache were measured 4x faster than one 12 MP call."""


def pick_device(requested: str | None = None) -> torch.device:
    """``requested`` if given ('cuda', 'cuda:1', 'mps', 'cpu'), else CUDA, then MPS, then CPU."""
    if requested and requested != "auto":
        device = torch.device(requested)
        if device.type == "cuda" and not torch.cuda.is_available():
            raise RuntimeError(f"Device '{requested}' was requested but CUDA is not available here.")
        if device.type == "mps" and not torch.backends.mps.is_available():
            raise RuntimeError(f"Device '{requested}' was requested but MPS is not available here.")
        return device
    if torch.cuda.is_available():
        return torch.device("cuda")
    if torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


class ColorizationEngine:
    """Holds the network, the photo's L (network and full resolution) on one device."""

    def __init__(self, model: SIGGRAPHGenerator, info: WeightsInfo, device: str | torch.device | None = None,
                 half_precision: bool | None = None) -> None:
        self.device = pick_device(str(device) if device is not None else None)
        self.info = info
        self.mask_convention = MaskConvention(info.mask_convention)
        # channels_last measured faster on CUDA and on this project's CPU (oneDNN): 1.15 s vs 1.37 s.
        self.model = model.eval().to(self.device, memory_format=torch.channels_last)
        self.half_precision_error: float | None = None
        if half_precision is None:
            half_precision = self._half_precision_is_safe()
        self.half_precision = bool(half_precision) and self.device.type != "cpu"
        self.preview_size: int | None = PREVIEW_SIZE if self.device.type == "cpu" else None
        self._lock = threading.RLock()
        self.photo: Photo | None = None
        self.l_full: torch.Tensor | None = None  # (1, 1, H, W) float32
        self.l_net: torch.Tensor | None = None  # (1, 1, 256, 256) float32
        self._l_by_size: dict[int, torch.Tensor] = {}
        self._l_by_display_size: dict[tuple[int, int], torch.Tensor] = {}

    @classmethod
    def from_weights(cls, weights: str | Path | None = None, device: str | None = None,
                     mask_convention: str | None = None) -> "ColorizationEngine":
        model, info = load_model(find_weights(weights), mask_convention)
        return cls(model, info, device)

    @property
    def device_label(self) -> str:
        if self.device.type == "cuda":
            name = torch.cuda.get_device_name(self.device)
            return f"{name} ({'fp16' if self.half_precision else 'fp32'})"
        return self.device.type.upper()

    def set_photo(self, photo: Photo) -> None:
        """Upload the photo once and keep only its lightness on the device."""
        with self._lock:
            pixels = torch.from_numpy(np.ascontiguousarray(photo.pixels)).to(self.device)
            height, width = pixels.shape[:2]
            l_full = torch.empty(1, 1, height, width, device=self.device)
            for top, bottom in _bands(height, width):
                band = pixels[top:bottom].permute(2, 0, 1).float() / photo.max_value
                l_full[0, :, top:bottom] = rgb_to_lab(band)[0:1]
            del pixels
            self.l_full = l_full
            self._l_by_size = {
                size: F.interpolate(l_full, size=(size, size), mode="bilinear", antialias=True, align_corners=False)
                for size in {NETWORK_SIZE, self.preview_size or NETWORK_SIZE}
            }
            self.l_net = self._l_by_size[NETWORK_SIZE]
            self._l_by_display_size = {}
            self.photo = photo

    def lightness_at(self, x: float, y: float) -> float:
        """L at image coordinates (x, y), read at network resolution as the hints are."""
        row, col = self._net_index(x, y)
        return float(self._require_photo()[0, 0, row, col])

    def colorize(self, hints: Sequence[Hint], size: int = NETWORK_SIZE,
                 should_stop: Callable[[], bool] | None = None) -> "Colorization":
        """One forward of the network for this hint state, at ``size`` (256, or the preview size).

        Raises :class:`~ideepcolor_app.model.Cancelled` if ``should_stop`` returns True mid-pass.
        """
        with self._lock, torch.inference_mode():
            l_net = self._require_photo(size)
            ab, mask = self.hint_tensors(hints, size)
            x = network_input(l_net, ab, mask, self.mask_convention)
            out = self._forward(x, should_stop)
            return Colorization(self, tuple(hints), out[0].float(), out[1].float())

    def hint_tensors(self, hints: Sequence[Hint], size: int = NETWORK_SIZE) -> tuple[torch.Tensor, torch.Tensor]:
        """(1, 2, size, size) ab and (1, 1, size, size) mask, colours snapped into gamut at each hint's L.

        Below 256, patch sides shrink in proportion (kept odd, at least 1).
        """
        assert self.photo is not None
        l_net = self._require_photo(size)
        boxes = hint_boxes(hints, self.photo.size, size).to(self.device)
        if size != NETWORK_SIZE and len(hints):
            scaled = (boxes[:, 2] * size // NETWORK_SIZE) | 1
            boxes[:, :2] += (boxes[:, 2:3] - scaled[:, None]) // 2
            boxes[:, 2] = scaled
        colors = hint_colors(hints).to(self.device)
        if len(hints):
            radius = boxes[:, 2] // 2
            rows = (boxes[:, 0] + radius).clamp(0, size - 1)
            cols = (boxes[:, 1] + radius).clamp(0, size - 1)
            colors = snap_ab_to_gamut(l_net[0, 0, rows, cols], colors)
        return rasterize_hints(boxes, colors, size, size)

    def _forward(self, x: torch.Tensor, should_stop: Callable[[], bool] | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        x = x.contiguous(memory_format=torch.channels_last)
        with torch.autocast(self.device.type, dtype=torch.float16, enabled=self.half_precision):
            return tuple(self.model(x, should_stop))  # type: ignore[return-value]

    def _half_precision_is_safe(self) -> bool:
        """Measure fp16 against fp32 on a synthetic photo with hints; use it only if close."""
        if self.device.type == "cpu":
            return False
        g = torch.Generator().manual_seed(0)
        l = torch.rand(1, 1, NETWORK_SIZE, NETWORK_SIZE, generator=g) * 100
        boxes = torch.randint(0, NETWORK_SIZE - 5, (10, 3), generator=g)
        boxes[:, 2] = 5
        ab, mask = rasterize_hints(boxes, torch.rand(10, 2, generator=g) * 120 - 60, NETWORK_SIZE, NETWORK_SIZE)
        x = network_input(l, ab, mask, self.mask_convention).to(self.device)
        with torch.inference_mode():
            full = self.model(x).ab.float()
            with torch.autocast(self.device.type, dtype=torch.float16):
                half = self.model(x).ab.float()
        self.half_precision_error = float((full - half).abs().mean())
        return self.half_precision_error < HALF_PRECISION_TOLERANCE

    def lightness_for_display(self, size: tuple[int, int]) -> torch.Tensor:
        """(1, 1, H, W) L resampled to ``size`` (width, height); cached, as every preview reuses it."""
        assert self.l_full is not None
        if size == (self.l_full.shape[3], self.l_full.shape[2]):
            return self.l_full
        if size not in self._l_by_display_size:
            self._l_by_display_size[size] = F.interpolate(self.l_full, size=(size[1], size[0]), mode="bilinear",
                                                          antialias=True, align_corners=False)
        return self._l_by_display_size[size]

    def _require_photo(self, size: int = NETWORK_SIZE) -> torch.Tensor:
        if self.l_net is None:
            raise RuntimeError("No photo loaded: call set_photo() first.")
        return self._l_by_size[size]

    def _net_index(self, x: float, y: float, size: int = NETWORK_SIZE) -> tuple[int, int]:
        assert self.photo is not None
        return network_cell(x, y, self.photo.size, size)


@dataclass
class Colorization:
    """The network's answer for one hint state; full-resolution work is done on demand."""

    engine: ColorizationEngine
    hints: tuple[Hint, ...]
    ab: torch.Tensor  # (1, 2, 256, 256), Lab units, on the device
    logits: torch.Tensor  # (1, 529, 64, 64), on the device
    _full_rgb: np.ndarray | None = field(default=None, repr=False)

    def rgb_tensor(self, size: tuple[int, int] | None = None) -> torch.Tensor:
        """(H, W, 3) uint8 on the device: ab upsampled bilinearly onto the photo's L.

        ``size`` (width, height) gives a smaller preview (L resampled too); default full resolution.
        """
        l_full = self.engine.l_full
        assert l_full is not None
        with torch.inference_mode():
            if size is not None:
                l_full = self.engine.lightness_for_display(size)
            height, width = l_full.shape[2:]
            ab = upsample_ab(self.ab, height, width)
            out = torch.empty(height, width, 3, dtype=torch.uint8, device=l_full.device)
            for top, bottom in _bands(height, width):
                lab = torch.cat((l_full[0, :, top:bottom], ab[:, top:bottom]), dim=0)
                lab_to_srgb8(lab, out[top:bottom])
            return out

    def full_resolution_rgb(self) -> np.ndarray:
        """(H, W, 3) uint8 result at the photo's full resolution (cached)."""
        if self._full_rgb is None:
            self._full_rgb = self.rgb_tensor().cpu().numpy()
        return self._full_rgb

    def preview_rgb(self, max_side: int) -> np.ndarray:
        """Result scaled so that its longer side is at most ``max_side``."""
        assert self.engine.photo is not None
        width, height = self.engine.photo.size
        scale = min(1.0, max_side / max(width, height))
        if scale >= 1.0:
            return self.full_resolution_rgb()
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        return self.rgb_tensor(size).cpu().numpy()

    @property
    def size(self) -> int:
        """Network resolution this result was computed at."""
        return self.ab.shape[2]

    def distribution_at(self, x: float, y: float) -> torch.Tensor:
        """(529,) probabilities of the ab bins at image coordinates (x, y)."""
        row, col = self.engine._net_index(x, y, self.logits.shape[2])
        return distribution(self.logits[:, :, row, col])[0]

    def predicted_ab_at(self, x: float, y: float) -> tuple[float, float]:
        row, col = self.engine._net_index(x, y, self.size)
        a, b = self.ab[0, :, row, col].tolist()
        return a, b

    def suggestions(self, x: float, y: float, k: int = 9) -> "Palette":
        """Suggested colours at (x, y) under this hint state, plus the current prediction."""
        lightness = self.engine.lightness_at(x, y)
        ranked = suggest_colors(self.distribution_at(x, y), lightness, k=k)
        l_tensor = torch.tensor([lightness])
        predicted_ab = snap_ab_to_gamut(l_tensor, torch.tensor([self.predicted_ab_at(x, y)]))
        predicted = Suggestion(tuple(predicted_ab[0].tolist()), ab_to_display_rgb(l_tensor, predicted_ab)[0], 1.0)
        return Palette(x, y, lightness, predicted, ranked)


@dataclass(frozen=True)
class Palette:
    x: float
    y: float
    lightness: float
    predicted: Suggestion
    suggestions: list[Suggestion]


def upsample_ab(ab: torch.Tensor, height: int, width: int) -> torch.Tensor:
    """(1, 2, h, w) ab -> (2, height, width), bilinear with pixel centres aligned (align_corners=False).

    On the CPU OpenCV does the same interpolation on the same memory about 6x faster than torch.
    """
    if ab.device.type == "cpu":
        hwc = ab[0].permute(1, 2, 0).float().contiguous().numpy()
        return torch.from_numpy(cv2.resize(hwc, (width, height), interpolation=cv2.INTER_LINEAR)).permute(2, 0, 1)
    return F.interpolate(ab.float(), size=(height, width), mode="bilinear", align_corners=False)[0]


def _bands(height: int, width: int) -> list[tuple[int, int]]:
    rows = max(1, _CHUNK_PIXELS // max(width, 1))
    return [(top, min(top + rows, height)) for top in range(0, height, rows)]


@dataclass(frozen=True)
class UpdateRequest:
    hints: tuple[Hint, ...]
    probe: tuple[float, float] | None = None
    """Pixel whose suggested colours to compute with this update (the selected hint)."""
    photo: Photo | None = None
    """A newly opened photo to upload before running (never dropped by a later request)."""


@dataclass
class UpdateResult:
    request_id: int
    hints: tuple[Hint, ...]
    preview: np.ndarray
    palette: Palette | None
    seconds: float
    colorization: Colorization
    photo: Photo
    preliminary: bool = False
    """True for the cheaper preview pass; the full pass follows unless a newer request came."""


class AsyncColorizer:
    """Runs updates on one worker thread; only the newest pending request is computed.

    ``on_result`` and ``on_error`` are called from the worker thread; a GUI
    forwards them to its own thread (for Qt, through a queued signal).
    """

    def __init__(self, engine: ColorizationEngine, on_result: Callable[[UpdateResult], None],
                 on_error: Callable[[int, Exception], None] | None = None, preview_max_side: int = 2048) -> None:
        self.engine = engine
        self.preview_max_side = preview_max_side
        self._on_result = on_result
        self._on_error = on_error
        self._pending: tuple[int, UpdateRequest] | None = None
        self._next_id = 0
        self._cond = threading.Condition()
        self._closed = False
        self.dropped = 0
        self._thread = threading.Thread(target=self._run, name="ideepcolor-engine", daemon=True)
        self._thread.start()

    def submit(self, request: UpdateRequest) -> int:
        """Queue ``request``, replacing any not yet started; returns its id."""
        with self._cond:
            self._next_id += 1
            if self._pending is not None:
                self.dropped += 1
                if request.photo is None and self._pending[1].photo is not None:
                    request = replace(request, photo=self._pending[1].photo)
            self._pending = (self._next_id, request)
            self._cond.notify()
            return self._next_id

    def close(self, timeout: float = 5.0) -> None:
        with self._cond:
            self._closed = True
            self._pending = None
            self._cond.notify()
        self._thread.join(timeout)

    def _run(self) -> None:
        while True:
            with self._cond:
                while self._pending is None and not self._closed:
                    self._cond.wait()
                if self._closed:
                    return
                request_id, request = self._pending  # type: ignore[misc]
                self._pending = None
            started = time.perf_counter()
            try:
                if request.photo is not None:
                    self.engine.set_photo(request.photo)
                preview_size = getattr(self.engine, "preview_size", None)
                if preview_size:  # a cheap first pass, so the user sees something at once
                    self._deliver(request_id, request, started, self.engine.colorize(request.hints, preview_size), True)
                    if self._superseded():
                        continue
                full = self.engine.colorize(request.hints, should_stop=self._superseded)
                self._deliver(request_id, request, started, full, False)
            except Cancelled:
                continue  # a newer request arrived mid-pass; it is picked up next
            except Exception as exc:  # reported to the GUI, never kills the worker
                if self._on_error:
                    self._on_error(request_id, exc)

    def _superseded(self) -> bool:
        with self._cond:
            return self._pending is not None or self._closed

    def _deliver(self, request_id: int, request: UpdateRequest, started: float, result: "Colorization",
                 preliminary: bool) -> None:
        preview = result.preview_rgb(min(self.preview_max_side, PRELIMINARY_MAX_SIDE) if preliminary
                                     else self.preview_max_side)
        palette = result.suggestions(*request.probe) if request.probe and not preliminary else None
        self._on_result(UpdateResult(request_id, request.hints, preview, palette, time.perf_counter() - started,
                                     result, self.engine.photo, preliminary))
