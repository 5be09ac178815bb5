"""The editing state of the app, Qt-free: widgets render it and forward input to it.

An :class:`Editor` owns the open :class:`~ideepcolor_app.editing.document.Document`, the colour and patch
size for new hints, the recent colours, the latest result and the probe (the pixel whose suggested
colours the palette shows). It emits :class:`~ideepcolor_app.base.events.Signal` events; the window
subscribes, as napari's Qt viewer subscribes to a layer's evented tool state.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Concatenate, ParamSpec, TypeVar

import numpy as np

from ..base.events import Signal
from ..colour.color import rgb_to_lab_np
from ..colour.encoding import DEFAULT_PATCH_SIZE, NETWORK_SIZE, PATCH_SIZES
from ..hints.global_hints import GlobalHints
from ..hints.local_hints import Hint, HintLimitError
from ..inference.variations import Variation
from ..inference.worker import UpdateResult
from ..photos.images import Photo
from .document import Document

MAX_RECENT_COLORS = 10
NEUTRAL_LIGHTNESS = 60.0
"""With no hint selected, colours are shown at this mid-tone."""
_P = ParamSpec("_P")
_R = TypeVar("_R")


@dataclass(frozen=True)
class CurrentColor:
    """What the colour panel shows as the current colour."""

    ab: tuple[float, float]
    lightness: float
    rgb: tuple[int, int, int]
    caption: str
    detail: str
    recent: tuple[tuple[tuple[float, float], tuple[int, int, int]], ...] = ()
    """The recent colours, each as (ab, how it looks at this lightness)."""


def _one_gesture(method: Callable[Concatenate[Editor, _P], _R]) -> Callable[Concatenate[Editor, _P], _R]:
    """``current_changed`` fires at most once per call, after it: an add changes the hints and the
    selection, and the panel redraws once for it."""

    @functools.wraps(method)
    def gesture(editor: Editor, /, *args: _P.args, **kwargs: _P.kwargs) -> _R:
        editor._gestures += 1
        try:
            return method(editor, *args, **kwargs)
        finally:
            editor._gestures -= 1
            if not editor._gestures and editor._current_pending:
                editor._current_pending = False
                editor.current_changed.emit()

    return gesture


class Editor:
    """Editing state and the rules that connect it.

    Events (each a :class:`~ideepcolor_app.base.events.Signal`):
        document_changed(document): a photo was opened.
        hints_changed(): the hints were edited (add, move, recolour, delete, undo...).
        current_changed(): the current colour, patch size or selection changed (once per edit).
        recent_changed(): the recent colours changed.
        result_changed(result): a result for the open photo arrived.
        palette_changed(palette | None): the suggested colours at the probe, or none.
        update_requested(hints, probe, photo | None, global_hints): the network must run; ``photo``
            is set when a newly opened photo must be uploaded first.
        notice(text): an edit was refused; the text says why and what to do.
    """

    def __init__(
        self, patch_size: int = DEFAULT_PATCH_SIZE, recent_colors: list[tuple[float, float]] | None = None
    ) -> None:
        self.document: Document | None = None
        self.patch_size = patch_size if patch_size in PATCH_SIZES else DEFAULT_PATCH_SIZE
        self._new_hint_ab: tuple[float, float] | None = None
        """The colour new hints take while no hint is selected; None: the network's prediction there."""
        self._followed: Hint | None = None
        """The selected hint as last seen: when it stops being selected, its colour is handed to new hints."""
        self.recent_colors = list(recent_colors or [])[:MAX_RECENT_COLORS]
        self.latest: UpdateResult | None = None
        self.document_changed = Signal()
        self.hints_changed = Signal()
        self.current_changed = Signal()
        self.recent_changed = Signal()
        self.result_changed = Signal()
        self.palette_changed = Signal()
        self.update_requested = Signal()
        self.notice = Signal()
        self._last_request: tuple[tuple[Hint, ...], tuple[float, float] | None, GlobalHints] | None = None
        self._gestures = 0
        self._current_pending = False
        self._drag: object | None = None
        """While a hint follows the pointer: the key that makes the drag one undo step."""

    # ----- the document ----------------------------------------------------------------------------
    def open(self, photo: Photo, hints: tuple[Hint, ...] = ()) -> Document:
        """Start editing ``photo`` (with ``hints``, e.g. from a session); the old document is dropped."""
        return self.open_document(Document(photo, hints))

    @_one_gesture
    def open_document(self, document: Document) -> Document:
        """Start editing ``document`` (e.g. one :meth:`Document.load` prepared on a worker thread)."""
        self.document = document
        self.latest = None
        self._drag = None
        # a new photo's first hints take the network's colour there, never the last photo's pick
        # (which stays among the recent colours, one click away)
        self._new_hint_ab, self._followed = None, None
        self._last_request = (document.hints.hints, None, document.hints.global_hints)
        document.hints.changed.connect(self._hints_changed)
        document.hints.selection_changed.connect(lambda _: self._selection_changed())
        self.document_changed.emit(document)
        self.update_requested.emit(document.hints.hints, None, document.photo, document.hints.global_hints)
        self._follow_selected_hint()
        self._current_changed()
        self.palette_changed.emit(None)
        return document

    @property
    def probe(self) -> tuple[float, float] | None:
        """The selected hint's position: where the palette's suggested colours are computed."""
        hints = self.document.hints if self.document else None
        if hints is None or hints.selected is None:
            return None
        return hints[hints.selected].x, hints[hints.selected].y

    @_one_gesture
    def request_update(self) -> None:
        """Ask for a new result of the current hints (e.g. after the weights changed)."""
        if self.document is not None:
            hints = self.document.hints
            self._last_request = (hints.hints, self.probe, hints.global_hints)
            self.update_requested.emit(hints.hints, self.probe, None, hints.global_hints)

    # ----- edits -----------------------------------------------------------------------------------
    @_one_gesture
    def add_hint(self, x: float, y: float) -> None:
        """A new hint at (x, y): the current colour, or the network's prediction there if none."""
        if self.document is None:
            return
        ab = self.current_ab
        if ab is None:
            ab = self.latest.colorization.predicted_ab_at(x, y) if self.latest else (0.0, 0.0)
        try:
            self.document.hints.add(Hint(x, y, (float(ab[0]), float(ab[1])), self.patch_size))
        except HintLimitError as exc:
            self.notice.emit(str(exc))

    @property
    def current_ab(self) -> tuple[float, float] | None:
        """The current colour, with one owner at a time: the selected hint's colour while a hint is
        selected, else the colour for new hints (None: new hints take the network's prediction)."""
        hints = self.document.hints if self.document else None
        if hints is not None and hints.selected is not None:
            return hints[hints.selected].ab
        return self._new_hint_ab

    @current_ab.setter
    def current_ab(self, ab: tuple[float, float] | None) -> None:
        """Set the colour for new hints (a selected hint keeps its own)."""
        self._new_hint_ab = ab

    # ----- pointer gestures (the canvas finds what is under the pointer; the editor decides) -------
    @_one_gesture
    def press(self, index: int | None, x: float, y: float, inside: bool) -> bool:
        """A left press: on hint ``index`` it selects it; elsewhere on the photo (``inside``) it adds
        a hint at (x, y); outside the photo it deselects. True when a drag starts: the pressed or
        new hint then follows :meth:`drag_to` until :meth:`release`, as one undo step."""
        if self.document is None:
            return False
        hints = self.document.hints
        if index is not None:
            hints.select(index)
        elif inside:
            count = len(hints)
            self.add_hint(x, y)
            if len(hints) == count:  # refused (the hint limit): nothing to drag
                return False
        else:
            hints.select(None)
            return False
        self._drag = object()
        hints.end_coalescing()
        return True

    @_one_gesture
    def drag_to(self, x: float, y: float) -> None:
        """Move the dragged hint to image point (x, y), kept inside the photo."""
        hints = self.document.hints if self.document else None
        if self._drag is None or hints is None or hints.selected is None or self.document is None:
            return
        width, height = self.document.size
        x, y = min(max(x, 0.0), width - 1e-3), min(max(y, 0.0), height - 1e-3)
        hints.update(hints.selected, coalesce=self._drag, x=x, y=y)

    @_one_gesture
    def release(self) -> None:
        """End a drag; the next edit is a new undo step."""
        if self._drag is not None:
            self._drag = None
            if self.document:
                self.document.hints.end_coalescing()

    @property
    def dragging(self) -> bool:
        """A hint follows the pointer."""
        return self._drag is not None

    @_one_gesture
    def remove_hint(self, index: int) -> None:
        """Delete hint ``index`` (undoable)."""
        if self.document and 0 <= index < len(self.document.hints):
            self.document.hints.remove(index)

    @_one_gesture
    def choose_color(self, a: float, b: float, final: bool = True) -> None:
        """Make (a, b) the current colour, and the selected hint's. ``final=False`` while a picker
        is dragged: the steps coalesce into one undo step, and recent colours wait for the end."""
        ab = (float(a), float(b))
        hints = self.document.hints if self.document else None
        if hints is not None and hints.selected is not None:
            hints.update(hints.selected, coalesce=("colour", id(self)), ab=ab)
        else:
            self._new_hint_ab = ab
        if final:
            if hints is not None:
                hints.end_coalescing()
            self.recent_colors = [ab] + [c for c in self.recent_colors if c != ab][: MAX_RECENT_COLORS - 1]
            self.recent_changed.emit()
        self._current_changed()

    @_one_gesture
    def step_patch_size(self, step: int) -> None:
        """The next smaller (step < 0) or bigger patch size, for new hints and the selected one."""
        i = PATCH_SIZES.index(self.patch_size)
        self.patch_size = PATCH_SIZES[min(max(i + step, 0), len(PATCH_SIZES) - 1)]
        hints = self.document.hints if self.document else None
        if hints is not None and hints.selected is not None:
            hints.update(hints.selected, size=self.patch_size)
        self._current_changed()

    @_one_gesture
    def delete_selected(self) -> None:
        """Delete the selected hint (undoable)."""
        if self.document and self.document.hints.selected is not None:
            self.document.hints.remove(self.document.hints.selected)

    @_one_gesture
    def deselect(self) -> None:
        """Select no hint; the current colour stays for new hints."""
        if self.document:
            self.document.hints.select(None)

    @_one_gesture
    def undo(self) -> None:
        """Undo the last edit of the hints."""
        if self.document:
            self.document.hints.undo()

    @_one_gesture
    def redo(self) -> None:
        """Redo the last undone edit."""
        if self.document:
            self.document.hints.redo()

    @_one_gesture
    def restore(self, hints: Sequence[Hint], global_hints: GlobalHints | None = None) -> None:
        """Put back hints (and global hints) recovered after a crash, as one undo step."""
        if self.document:
            self.document.hints.replace_all(hints, global_hints=global_hints)

    @_one_gesture
    def clear_hints(self) -> None:
        """Remove every hint (one undo step)."""
        if self.document:
            self.document.hints.clear()

    @_one_gesture
    def reset(self) -> None:
        """Clear the hints (undoably) and forget the current colour."""
        self.clear_hints()
        self.current_ab = None
        self._current_changed()

    @_one_gesture
    def adopt_variation(self, variation: Variation) -> bool:
        """Make a variation's generated hints ordinary hints, added to the photo's own: one undo step.

        Refused (False, with a notice) when the hints or global hints changed since the variation
        was made (it would no longer be what the thumbnail shows) or the hint limit would be passed.
        """
        document = self.document
        if document is None or variation.colorization.photo is not document.photo:
            return False
        hints = document.hints
        made_from = variation.colorization
        if made_from.hints[: len(made_from.hints) - len(variation.added)] != hints.hints or (
            made_from.global_hints != hints.global_hints
        ):
            self.notice.emit("The hints changed since these variations were made; new ones are on their way.")
            return False
        try:
            hints.replace_all(hints.hints + variation.added, global_hints=hints.global_hints)
        except HintLimitError as exc:
            self.notice.emit(str(exc))
            return False
        return True

    # ----- global hints ----------------------------------------------------------------------------
    @property
    def global_hints(self) -> GlobalHints:
        """The open document's global hints (none without a document)."""
        return self.document.hints.global_hints if self.document else GlobalHints()

    @_one_gesture
    def use_reference(self, histogram: tuple[float, ...], name: str) -> None:
        """Colour the photo like a reference photo: its colour histogram (from
        :func:`~ideepcolor_app.hints.global_hints.histogram_of_photo`), switched on; one undo step."""
        if self.document:
            g = replace(self.global_hints, histogram=histogram, reference=name, reference_on=True)
            self.document.hints.set_global_hints(g)

    @_one_gesture
    def set_reference_on(self, on: bool) -> None:
        """Use the reference's colours (True) or keep them aside unused (False); one undo step."""
        if self.document and self.global_hints.histogram is not None:
            self.document.hints.set_global_hints(replace(self.global_hints, reference_on=bool(on)))

    @_one_gesture
    def clear_reference(self) -> None:
        """Forget the reference photo's colours; one undo step."""
        if self.document and self.global_hints.histogram is not None:
            g = replace(self.global_hints, histogram=None, reference=None, reference_on=True)
            self.document.hints.set_global_hints(g)

    @_one_gesture
    def set_saturation(self, saturation: float | None, final: bool = True) -> None:
        """The saturation for the whole photo (0 grey .. 1 vivid), or None for automatic.
        ``final=False`` while a slider is dragged: the steps make one undo step."""
        if self.document is None:
            return
        hints = self.document.hints
        value = None if saturation is None else min(max(float(saturation), 0.0), 1.0)
        hints.set_global_hints(replace(self.global_hints, saturation=value), coalesce=("saturation", id(self)))
        if final:
            hints.end_coalescing()

    # ----- results ---------------------------------------------------------------------------------
    def accept(self, result: UpdateResult) -> bool:
        """Take a result from the engine; False (and nothing changes) if it is for another photo."""
        if self.document is None or result.photo is not self.document.photo:
            return False
        self.latest = result
        self.result_changed.emit(result)
        palette = result.palette
        current = result.hints == self.document.hints.hints and result.global_hints == self.document.hints.global_hints
        if current and palette is not None and (palette.x, palette.y) == self.probe:
            self.palette_changed.emit(palette)
        return True

    def result_color_at(self, x: float, y: float) -> tuple[float, float] | None:
        """The ab of the latest result at image point (x, y) (the eyedropper), or None."""
        if self.latest is None or self.document is None:
            return None
        preview = self.latest.preview
        width, height = self.document.size
        row = min(max(int(y * preview.shape[0] / height), 0), preview.shape[0] - 1)
        col = min(max(int(x * preview.shape[1] / width), 0), preview.shape[1] - 1)
        lab = rgb_to_lab_np(preview[row, col].astype(np.float64) / 255)
        return float(lab[1]), float(lab[2])

    def current_color(self) -> CurrentColor:
        """The current colour as the panel shows it: at the selected hint's lightness, else a mid-tone."""
        document = self.document
        ab = self.current_ab or (0.0, 0.0)
        hint = document.hints[document.hints.selected] if document and document.hints.selected is not None else None
        if document is not None and hint is not None:
            lightness = document.lightness_at(hint.x, hint.y)
            caption, detail = "Colour of the selected hint", f"Lightness here: {lightness:.0f}"
        else:
            lightness = NEUTRAL_LIGHTNESS
            caption = "Colour for new hints" if self.current_ab else "New hints take the network's colour"
            detail = (
                f"Shown at lightness {lightness:.0f}" if self.current_ab else "Pick a colour to use it for new hints"
            )
        colors = [ab, *self.recent_colors]
        rgbs = document.rgbs_at_lightness(colors, lightness) if document else [(128, 128, 128)] * len(colors)
        return CurrentColor(
            ab,
            lightness,
            rgbs[0],
            caption,
            f"{detail}   (a = {ab[0]:.0f}, b = {ab[1]:.0f})",
            tuple(zip(colors[1:], rgbs[1:], strict=True)),
        )

    # ----- rules -----------------------------------------------------------------------------------
    def _current_changed(self) -> None:
        if self._gestures:
            self._current_pending = True
        else:
            self.current_changed.emit()

    def _hints_changed(self) -> None:
        if not self._follow_selected_hint():
            self.palette_changed.emit(None)
        self._request_if_new()
        self.hints_changed.emit()
        self._current_changed()

    def _selection_changed(self) -> None:
        if self._follow_selected_hint():
            self._request_if_new()
        else:
            self.palette_changed.emit(None)
        self._current_changed()

    def _request_if_new(self) -> None:
        """One update request per state: an edit that changes the hints and the selection at once
        (adding a hint selects it) is one request, not two."""
        if self.document is None:
            return
        hints = self.document.hints
        state = (hints.hints, self.probe, hints.global_hints)
        if state != self._last_request:
            self._last_request = state
            self.update_requested.emit(hints.hints, self.probe, None, hints.global_hints)

    def _follow_selected_hint(self) -> bool:
        """While a hint is selected, the patch size is that hint's (after an undo too); when it stops
        being selected, new hints take the colour it had, as the panel showed it."""
        hints = self.document.hints if self.document else None
        if hints is None or hints.selected is None:
            if self._followed is not None:
                self._new_hint_ab, self._followed = self._followed.ab, None
            return False
        self._followed = hints[hints.selected]
        self.patch_size = self._followed.size
        return True


def result_kind(result: UpdateResult, refines: bool) -> str:
    """What the status bar calls a result: a low-resolution preview, the fast network's (refined
    next), the one network's update, or the full-size network's refinement."""
    if result.colorization.size < NETWORK_SIZE:
        return "Preview"
    if result.preliminary:
        return "Fast"
    return "Refined" if refines else "Update"
