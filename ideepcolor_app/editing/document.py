"""One photo being colorized: its hints, files and display helpers. Qt-free."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np
import torch

from ..colour.color import lightness_at_size, neutral_srgb8, snap_ab_to_gamut
from ..colour.encoding import NETWORK_SIZE, network_cell
from ..colour.suggest import ab_to_display_rgb
from ..hints.global_hints import GlobalHints
from ..hints.local_hints import Hint
from ..hints.regions import Region
from ..hints.strokes import Stroke
from ..photos.images import Photo, fit_inside, load_photo
from .hint_set import HintSet
from .session import Session

ALL_LIGHTNESSES = tuple(float(level) for level in range(101))
"""Every whole L unit, the steps in which hint colours are shown."""

DISPLAY_MAX_SIDE = 2048
"""Longest side of the images the GUI shows; results are saved at full resolution."""
VIEW_SIDE_STEP = 256
"""Results are composed at a multiple of this, so that small zooms and resizes reuse them."""


def view_side(screen_side: float, photo_side: int) -> int:
    """The long side to compose a result at while the view shows the photo's long side over
    ``screen_side`` device pixels: that, rounded up to a step, within 512 px and
    :data:`DISPLAY_MAX_SIDE`, and never over the photo's own ``photo_side``. A 12 MP photo fitted
    in a 1000-px view is composed at 1024 px instead of 2048 (a quarter of the pixels)."""
    steps = -(-int(max(screen_side, 1)) // VIEW_SIDE_STEP)
    return min(max(steps * VIEW_SIDE_STEP, 2 * VIEW_SIDE_STEP), DISPLAY_MAX_SIDE, photo_side)


class Document:
    """One photo being colorized: its hints, the files it was loaded from and saved to, and display helpers."""

    def __init__(
        self,
        photo: Photo,
        hints: tuple[Hint, ...] = (),
        global_hints: GlobalHints | None = None,
        strokes: tuple[Stroke, ...] = (),
        regions: tuple[Region, ...] = (),
    ) -> None:
        self.photo = photo
        self.hints = HintSet(hints, global_hints, strokes, regions)
        self.session_path: Path | None = None
        self.result_path: Path | None = None
        self.saved_hints = self.hints.snapshot
        """What the last saved or loaded session held (see :attr:`HintSet.snapshot`)."""
        self.lightness = _lightness_map(photo)
        self._display_colors: dict[tuple[tuple[float, float], float], tuple[int, int, int]] = {}
        self._colors_seen: set[tuple[float, float]] = set()
        self._previews: dict[tuple[str, int], np.ndarray] = {}

    @classmethod
    def load(
        cls,
        path: str | Path,
        hints: tuple[Hint, ...] = (),
        global_hints: GlobalHints | None = None,
        strokes: tuple[Stroke, ...] = (),
        regions: tuple[Region, ...] = (),
        draft_side: int | None = None,
    ) -> Document:
        """Decode the photo at ``path`` and prepare what a window shows first (its grey picture).

        This is the slow part of opening a large photo; it touches no GUI state, so a window runs it
        on a worker thread and stays responsive. With ``draft_side`` a large JPEG is opened as a
        draft (see :func:`~ideepcolor_app.photos.images.load_photo`), to be completed by
        :meth:`complete`.

        Raises:
            ImageError: the photo cannot be read (see :func:`~ideepcolor_app.photos.images.load_photo`).
        """
        document = cls(load_photo(path, draft_side=draft_side), hints, global_hints, strokes, regions)
        document.grey_preview()
        return document

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) of the photo."""
        return self.photo.size

    @property
    def strokes(self) -> tuple[Stroke, ...]:
        """The brush strokes (see :attr:`HintSet.strokes`)."""
        return self.hints.strokes

    @property
    def regions(self) -> tuple[Region, ...]:
        """The lasso regions (see :attr:`HintSet.regions`)."""
        return self.hints.regions

    @property
    def modified(self) -> bool:
        """Hints, strokes, regions or global hints differ from the last saved or loaded session."""
        return self.hints.snapshot != self.saved_hints

    def mark_saved(self) -> None:
        """The current hints are now the saved ones (the title loses its mark)."""
        self.saved_hints = self.hints.snapshot

    def lightness_at(self, x: float, y: float) -> float:
        """L at image point (x, y), read at network resolution as the network reads it."""
        return float(self.lightness[network_cell(x, y, self.size)])

    def display_rgb(self, ab: tuple[float, float], x: float, y: float) -> tuple[int, int, int]:
        """How a hint colour looks at (x, y): snapped into gamut at that pixel's L."""
        return self.rgb_at_lightness(ab, self.lightness_at(x, y))

    def rgb_at_lightness(self, ab: tuple[float, float], lightness: float) -> tuple[int, int, int]:
        """How ``ab`` looks at ``lightness``, snapped into the sRGB gamut (cached per whole L unit)."""
        return self.rgbs_at_lightness([ab], lightness)[0]

    def rgbs_at_lightness(self, colors: Sequence[tuple[float, float]], lightness: float) -> list[tuple[int, int, int]]:
        """:meth:`rgb_at_lightness` of several colours, with one gamut snap for those not cached yet.

        During a drag the lightness under the hint changes at almost every step. Snapping the
        current and recent colours one by one there stalled the window (tens of tiny tensor
        operations each), and so did one batch per new lightness beside a running network (8 ms
        alone, 65 ms measured). So a colour asked for at a second lightness is snapped at every
        whole L at once: 101 lightnesses cost about twice one.
        """
        lightness = float(min(max(round(lightness), 0), 100))  # whole L units, as the picker
        missing = list(dict.fromkeys(ab for ab in colors if (ab, lightness) not in self._display_colors))
        if missing:
            if len(self._display_colors) > 20_000:  # a picker drag adds a colour per step: stay small
                self._display_colors.clear()
                self._colors_seen.clear()
            pairs = [
                (ab, level)
                for ab in missing
                for level in (ALL_LIGHTNESSES if ab in self._colors_seen else (lightness,))
                if (ab, level) not in self._display_colors
            ]
            self._colors_seen.update(missing)
            l_t = torch.tensor([level for _, level in pairs])
            snapped = snap_ab_to_gamut(l_t, torch.tensor([ab for ab, _ in pairs], dtype=torch.float32))
            for pair, rgb in zip(pairs, ab_to_display_rgb(l_t, snapped), strict=True):
                self._display_colors[pair] = rgb
        return [self._display_colors[(ab, lightness)] for ab in colors]

    def preview_size(self, max_side: int = DISPLAY_MAX_SIDE) -> tuple[int, int]:
        """(width, height) of the previews the window shows (a draft's: never over its pixels)."""
        return fit_inside(self.size, min(max_side, self.photo.detail_side))

    def complete(self, full: Document) -> bool:
        """Take the photo of ``full`` (loaded in full, with its previews made off the GUI thread) in
        place of the draft this document was opened as; hints, history and files stay (their
        coordinates are the full photo's already). False if ``full`` is not this photo in full
        (another file, another size, or this document is not a draft)."""
        draft, photo = self.photo, full.photo
        if not draft.is_draft or photo.is_draft or not draft.same_photo(photo):
            return False
        self.photo, self.lightness, self._previews = photo, full.lightness, dict(full._previews)
        return True

    def original_preview(self, max_side: int = DISPLAY_MAX_SIDE) -> np.ndarray:
        """The photo as opened, at display size (computed once)."""
        key = ("original", max_side)
        if key not in self._previews:
            rgb = self.photo.rgb8()
            size = self.preview_size(max_side)
            self._previews[key] = rgb if size == self.size else cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)
        return self._previews[key]

    def grey_preview(self, max_side: int = DISPLAY_MAX_SIDE) -> np.ndarray:
        """The photo's lightness as a neutral grey image, what the network sees (computed once)."""
        key = ("grey", max_side)
        if key not in self._previews:
            self._previews[key] = neutral_srgb8(self.original_preview(max_side))
        return self._previews[key]

    def default_result_path(self) -> Path:
        """``<photo>_colorized.png`` beside the photo."""
        return self.photo.path.with_name(f"{self.photo.path.stem}_colorized.png")

    def default_session_path(self) -> Path:
        """``<photo>.hints.json`` beside the photo."""
        return self.photo.path.with_name(f"{self.photo.path.stem}.hints.json")

    def to_session(self, model: str | None, relative_to: Path | None = None) -> Session:
        """The hints as a :class:`Session`; the photo path is relative to ``relative_to`` when inside it."""
        path = self.photo.path.resolve()
        if relative_to is not None:
            with contextlib.suppress(ValueError):  # elsewhere: keep the absolute path
                path = path.relative_to(relative_to.resolve())
        return Session(
            str(path),
            self.photo.sha256,
            self.size,
            list(self.hints.hints),
            model,
            self.hints.global_hints,
            strokes=list(self.strokes),
            regions=list(self.regions),
        )


def _lightness_map(photo: Photo) -> np.ndarray:
    """L at network resolution on the CPU, as the engine computes it on its device."""
    pixels = torch.from_numpy(np.ascontiguousarray(photo.pixels))
    return lightness_at_size(pixels, photo.max_value, (NETWORK_SIZE, NETWORK_SIZE))[0, 0].numpy()
