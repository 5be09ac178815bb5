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
from ..hints.regions import Region
from ..hints.strokes import Stroke, brush_width
from ..inference.variations import Variation
from ..inference.worker import UpdateResult
from ..photos.images import Photo
from .document import Document
from .drawing import (
    closed_outline,
    eraser_path,
    extended_outline,
    extended_stroke,
    moved_on_photo,
    point_on,
    strokes_touched,
    wand_outline,
)
from .hint_set import ShapeKind
from .tools import BRUSH_SIZES, DEFAULT_BRUSH_SIZE, ERASER_REACH, Tool

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
        photo_completed(document): the full pixels of a photo opened as a draft took its place.
        hints_changed(): the hints were edited (add, move, recolour, delete, undo...).
        current_changed(): the current colour, patch size or selection changed (once per edit).
        recent_changed(): the recent colours changed.
        result_changed(result): a result for the open photo arrived.
        palette_changed(palette | None): the suggested colours at the probe, or none.
        update_requested(hints, probe, photo | None, global_hints, strokes, regions, probe_area): the
            network must run; ``photo`` is set when a newly opened photo must be uploaded first,
            ``probe_area`` (the selected stroke or lasso, or None) is where suggestions are read.
        notice(text): an edit was refused; the text says why and what to do.
        tool_changed(tool): another tool was chosen.
        outline_changed(): the lasso outline being drawn (:attr:`outline`) changed.
    """

    def __init__(
        self, patch_size: int = DEFAULT_PATCH_SIZE, recent_colors: list[tuple[float, float]] | None = None
    ) -> None:
        self.document: Document | None = None
        self.patch_size = patch_size if patch_size in PATCH_SIZES else DEFAULT_PATCH_SIZE
        self._new_hint_ab: tuple[float, float] | None = None
        """The colour new hints take while no hint is selected; None: the network's prediction there."""
        self._followed: tuple[float, float] | None = None
        """The selected hint's or shape's colour as last seen: when it stops being selected, it is
        handed to new hints."""
        self.tool = Tool.POINT
        self.brush_size = DEFAULT_BRUSH_SIZE
        """The brush's (and eraser's) width in pixels at network resolution (one of :data:`BRUSH_SIZES`)."""
        self.outline: tuple[tuple[float, float], ...] = ()
        """The lasso outline being drawn, in photo pixels (empty when none)."""
        self._moving: tuple[float, float, Stroke | Region] | None = None
        """While a stroke or lasso is dragged: where the drag started and the shape as it was then."""
        self._erased_to: tuple[float, float] | None = None
        """Where the eraser was last."""
        self.recent_colors = list(recent_colors or [])[:MAX_RECENT_COLORS]
        self.latest: UpdateResult | None = None
        self.document_changed = Signal()
        self.photo_completed = Signal()
        self.hints_changed = Signal()
        self.current_changed = Signal()
        self.recent_changed = Signal()
        self.result_changed = Signal()
        self.palette_changed = Signal()
        self.update_requested = Signal()
        self.notice = Signal()
        self.tool_changed = Signal()
        self.outline_changed = Signal()
        self._last_request: tuple[object, tuple[float, float] | None] | None = None
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
        self._moving, self.outline = None, ()
        hints = document.hints
        self._last_request = (hints.snapshot, None)
        hints.changed.connect(self._hints_changed)
        hints.selection_changed.connect(lambda _: self._selection_changed())
        self.document_changed.emit(document)
        self._emit_request(document.photo)
        self._follow_selected_hint()
        self._current_changed()
        self.palette_changed.emit(None)
        return document

    def complete_photo(self, document: Document, full: Document) -> bool:
        """The full photo of ``document``, opened as a draft, has loaded (as ``full``): it takes the
        draft's place (hints and history stay) and the network runs on it. False, and nothing
        changes, if ``document`` is no longer open or ``full`` is not its photo in full."""
        if document is not self.document or not document.complete(full):
            return False
        self.photo_completed.emit(document)
        self.request_update(upload=True)
        return True

    @property
    def probe(self) -> tuple[float, float] | None:
        """Where the palette's suggested colours are computed: the selected hint's position, or a
        point on the selected stroke or inside the selected lasso."""
        hints = self.document.hints if self.document else None
        if hints is None:
            return None
        if hints.selected is not None:
            return hints[hints.selected].x, hints[hints.selected].y
        if hints.selected_shape is not None:
            return point_on(hints.shape(*hints.selected_shape))
        return None

    @_one_gesture
    def request_update(self, upload: bool = False) -> None:
        """Ask for a new result of the current hints (e.g. after the weights changed); ``upload``:
        the photo goes with the request (another engine took over and has not got it)."""
        if self.document is not None:
            self._last_request = (self.document.hints.snapshot, self.probe)
            self._emit_request(self.document.photo if upload else None)

    def _emit_request(self, photo: Photo | None) -> None:
        hints = self.document.hints  # type: ignore[union-attr]
        area = hints.shape(*hints.selected_shape) if hints.selected_shape is not None else None
        self.update_requested.emit(
            hints.hints, self.probe, photo, hints.global_hints, hints.strokes, hints.regions, area
        )

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
        """The current colour, with one owner at a time: the selected hint's (or stroke's or lasso's)
        colour while one is selected, else the colour for new hints (None: new hints take the
        network's prediction; a protected lasso has no colour)."""
        hints = self.document.hints if self.document else None
        if hints is not None and hints.selected is not None:
            return hints[hints.selected].ab
        if hints is not None and hints.selected_shape is not None:
            return hints.shape(*hints.selected_shape).ab
        return self._new_hint_ab

    @current_ab.setter
    def current_ab(self, ab: tuple[float, float] | None) -> None:
        """Set the colour for new hints (a selected hint keeps its own)."""
        self._new_hint_ab = ab

    # ----- pointer gestures (the canvas finds what is under the pointer; the editor decides) -------
    @_one_gesture
    def press(
        self,
        index: int | None,
        x: float,
        y: float,
        inside: bool,
        shape: tuple[ShapeKind, int] | None = None,
        extend: bool = False,
    ) -> bool:
        """A left press at image point (x, y); ``index`` and ``shape`` are the hint and the stroke or
        lasso under the pointer, ``inside`` whether (x, y) is on the photo, ``extend`` Shift held.

        With the point tool, a press on a hint or shape selects it; elsewhere on the photo it adds a
        hint; outside the photo it deselects. The brush starts a stroke, the lasso and protect tools
        an outline, the eraser erases, the wand selects the segment under the click (``extend``:
        adds it to the selected lasso). True when a drag starts: it follows :meth:`drag_to` until
        :meth:`release`, as one undo step."""
        if self.document is None:
            return False
        hints = self.document.hints
        if self.tool is not Tool.POINT:
            return self._press_tool(x, y, inside, extend)
        if index is None and shape is not None:
            hints.select_shape(*shape)
            self._drag, self._moving = object(), (x, y, hints.shape(*shape))
            hints.end_coalescing()
            return True
        if index is not None:
            hints.select(index)
        elif inside:
            count = len(hints)
            self.add_hint(x, y)
            if len(hints) == count:  # refused (the hint limit): nothing to drag
                return False
        else:
            self.deselect()
            return False
        self._drag = object()
        hints.end_coalescing()
        return True

    def _press_tool(self, x: float, y: float, inside: bool, extend: bool) -> bool:
        if not inside:
            self.deselect()
            return False
        hints = self.document.hints  # type: ignore[union-attr]
        self._drag = object()
        hints.end_coalescing()
        if self.tool is Tool.BRUSH:
            stroke = Stroke(((x, y),), brush_width(self.brush_size, self.document.size), self._colour_for_new(x, y))  # type: ignore[union-attr]
            if not self._add_shape(stroke):
                self._drag = None
                return False
        elif self.tool in (Tool.LASSO, Tool.PROTECT):
            self.outline = ((x, y),)
            self.outline_changed.emit()
        elif self.tool is Tool.ERASER:
            self._erased_to = None
            self._erase_at(x, y)
        else:
            self._drag = None
            self._select_segment(x, y, extend)
            return False
        return True

    @_one_gesture
    def drag_to(self, x: float, y: float) -> None:
        """Follow the pointer to image point (x, y), kept inside the photo: the dragged hint or
        shape moves, the stroke or outline grows, the eraser erases."""
        document = self.document
        if self._drag is None or document is None:
            return
        hints = document.hints
        width, height = document.size
        x, y = min(max(x, 0.0), width - 1e-3), min(max(y, 0.0), height - 1e-3)
        if self.tool is Tool.BRUSH and hints.selected_shape is not None:
            kind, index = hints.selected_shape
            grown = extended_stroke(hints.strokes[index], x, y) if kind == "stroke" else None
            if grown is not None:
                hints.update_shape(kind, index, grown, self._drag)
        elif self.tool in (Tool.LASSO, Tool.PROTECT) and self.outline:
            if (outline := extended_outline(self.outline, x, y, document.size)) is not None:
                self.outline = outline
                self.outline_changed.emit()
        elif self.tool is Tool.ERASER:
            self._erase_at(x, y)
        elif self._moving is not None and hints.selected_shape is not None:
            x0, y0, shape = self._moving
            hints.update_shape(*hints.selected_shape, moved_on_photo(shape, x - x0, y - y0, document.size), self._drag)
        elif hints.selected is not None and self._moving is None:
            hints.update(hints.selected, coalesce=self._drag, x=x, y=y)

    @_one_gesture
    def release(self) -> None:
        """End a drag (a lasso's outline closes into a region); the next edit is a new undo step."""
        if self._drag is None:
            return
        self._drag, self._moving = None, None
        if self.outline:
            outline, self.outline = self.outline, ()
            self.outline_changed.emit()
            self._close_outline(outline)
        if self.document:
            self.document.hints.end_coalescing()

    # ----- strokes and lassos ----------------------------------------------------------------------
    @_one_gesture
    def set_tool(self, tool: Tool) -> None:
        """Choose what the left button does on the photo; the selection is dropped."""
        tool = Tool(tool)
        if tool is not self.tool:
            self.release()
            # a colour picked next is for what the new tool makes, never a recolouring of what was
            # selected before (which hands its colour on, as a deselected hint does)
            self.deselect()
            self.tool = tool
            self.tool_changed.emit(tool)
            self._current_changed()

    @_one_gesture
    def remove_shape(self, kind: ShapeKind, index: int) -> None:
        """Delete stroke or lasso ``index`` (undoable)."""
        if self.document and 0 <= index < len(
            self.document.hints.strokes if kind == "stroke" else self.document.hints.regions
        ):
            self.document.hints.remove_shape(kind, index)

    def _colour_for_new(self, x: float, y: float) -> tuple[float, float]:
        ab = self.current_ab
        if ab is None:
            ab = self.latest.colorization.predicted_ab_at(x, y) if self.latest else (0.0, 0.0)
        return float(ab[0]), float(ab[1])

    def _add_shape(self, shape: Stroke | Region) -> bool:
        try:
            self.document.hints.add_shape(shape, self._drag)  # type: ignore[union-attr]
        except HintLimitError as exc:
            self.notice.emit(str(exc))
            return False
        return True

    def _close_outline(self, outline: tuple[tuple[float, float], ...]) -> None:
        document = self.document
        if document is None:
            return
        region = closed_outline(outline, document.size)
        if region is None:
            self.notice.emit("Draw around the area: hold the button down and go round it.")
            return
        if self.tool is Tool.LASSO:
            region = Region(outline, self._colour_for_new(*point_on(region)))
        if self._add_shape(region) and region.protects:
            self.deselect()  # it has no colour to pick: the next pick is for what comes next

    def _erase_at(self, x: float, y: float) -> None:
        """Delete the strokes within the eraser's reach of the path from its last position to (x, y)
        (a fast move jumps: what lies between is erased too)."""
        hints = self.document.hints  # type: ignore[union-attr]
        reach = brush_width(self.brush_size, self.document.size) / 2 + ERASER_REACH  # type: ignore[union-attr]
        path = eraser_path(self._erased_to or (x, y), (x, y), reach)
        self._erased_to = (x, y)
        for index in strokes_touched(hints.strokes, path, reach):
            hints.remove_shape("stroke", index, self._drag)

    def _select_segment(self, x: float, y: float, extend: bool) -> None:
        """The wand: the segment under (x, y) of the latest result (the grey photo before one) as
        a lasso; with ``extend``, added to the selected lasso (a segment apart from it becomes a
        lasso of its own in the same colour)."""
        document = self.document
        if document is None:
            return
        hints = document.hints
        picture = self.latest.preview if self.latest is not None else document.grey_preview()
        selected = hints.selected_shape
        joining = hints.regions[selected[1]] if extend and selected is not None and selected[0] == "region" else None
        outline, joined = wand_outline(picture, document.size, x, y, joining)
        if outline is None:
            return
        if joining is not None and selected is not None and joined:
            hints.update_shape("region", selected[1], Region(outline, joining.ab))
        else:
            self._add_shape(Region(outline, joining.ab if joining is not None else self._colour_for_new(x, y)))

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
        elif hints is not None and hints.selected_shape is not None and hints.shape(*hints.selected_shape).ab is None:
            hints.select_shape("region", None)  # a protected area takes no colour: the pick is for new hints
            self._new_hint_ab = ab
        elif hints is not None and hints.selected_shape is not None:
            kind, index = hints.selected_shape
            shape = hints.shape(kind, index)
            recoloured = (
                Stroke(shape.points, shape.width, ab) if isinstance(shape, Stroke) else Region(shape.polygon, ab)
            )
            hints.update_shape(kind, index, recoloured, coalesce=("colour", id(self)))
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
        """The next smaller (step < 0) or bigger patch size, for new hints and the selected one; with
        the brush or eraser, the next brush size."""
        if self.tool in (Tool.BRUSH, Tool.ERASER):
            i = BRUSH_SIZES.index(self.brush_size)
            self.brush_size = BRUSH_SIZES[min(max(i + step, 0), len(BRUSH_SIZES) - 1)]
            self._current_changed()
            return
        i = PATCH_SIZES.index(self.patch_size)
        self.patch_size = PATCH_SIZES[min(max(i + step, 0), len(PATCH_SIZES) - 1)]
        hints = self.document.hints if self.document else None
        if hints is not None and hints.selected is not None:
            hints.update(hints.selected, size=self.patch_size)
        self._current_changed()

    @_one_gesture
    def delete_selected(self) -> None:
        """Delete the selected hint, stroke or lasso (undoable)."""
        hints = self.document.hints if self.document else None
        if hints is not None and hints.selected is not None:
            hints.remove(hints.selected)
        elif hints is not None and hints.selected_shape is not None:
            hints.remove_shape(*hints.selected_shape)

    @_one_gesture
    def deselect(self) -> None:
        """Select no hint, stroke or lasso; the current colour stays for new hints."""
        if self.document:
            self.document.hints.select(None)
            self.document.hints.select_shape("stroke", None)

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
    def restore(
        self,
        hints: Sequence[Hint],
        global_hints: GlobalHints | None = None,
        strokes: Sequence[Stroke] = (),
        regions: Sequence[Region] = (),
    ) -> None:
        """Put back hints (and global hints, strokes, lassos) recovered after a crash, as one undo step."""
        if self.document:
            self.document.hints.replace_all(hints, global_hints=global_hints, strokes=strokes, regions=regions)

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
        """Make a variation's lassos ordinary lassos, added to the photo's own: one undo step.

        Refused (False, with a notice) when the hints, strokes, lassos or global hints changed since
        the variation was made (it would no longer be what the thumbnail shows) or the lasso limit
        would be passed.
        """
        document = self.document
        if document is None or not variation.colorization.photo.same_photo(document.photo):
            return False
        hints = document.hints
        made_from = variation.colorization
        own_regions = made_from.regions[: len(made_from.regions) - len(variation.added)]
        if (made_from.hints, made_from.strokes, own_regions, made_from.global_hints) != (
            hints.hints,
            hints.strokes,
            hints.regions,
            hints.global_hints,
        ):
            self.notice.emit("The hints changed since these variations were made; new ones are on their way.")
            return False
        try:
            hints.replace_all(hints.hints, global_hints=hints.global_hints, regions=hints.regions + variation.added)
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
        hints = self.document.hints
        made = result.colorization
        current = (result.hints, result.global_hints, made.strokes, made.regions) == hints.snapshot
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
        probe = self.probe
        if document is not None and probe is not None:
            lightness = document.lightness_at(*probe)
            shape = document.hints.selected_shape
            what = "hint" if shape is None else "stroke" if shape[0] == "stroke" else "lasso"
            caption, detail = f"Colour of the selected {what}", f"Lightness here: {lightness:.0f}"
            if shape is not None and self.current_ab is None:
                caption = "Protected area: colours painted elsewhere stay out"
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
        state = (self.document.hints.snapshot, self.probe)
        if state != self._last_request:
            self._last_request = state
            self._emit_request(None)

    def _follow_selected_hint(self) -> bool:
        """While a hint is selected, the patch size is that hint's (after an undo too); when it (or a
        stroke or lasso) stops being selected, new hints take the colour it had, as the panel showed
        it. True while something is selected."""
        hints = self.document.hints if self.document else None
        if hints is None or (hints.selected is None and hints.selected_shape is None):
            if self._followed is not None:
                self._new_hint_ab, self._followed = self._followed, None
            return False
        if hints.selected is not None:
            self._followed = hints[hints.selected].ab
            self.patch_size = hints[hints.selected].size
        else:
            self._followed = hints.shape(*hints.selected_shape).ab or self._followed  # type: ignore[misc]
        return True


def result_kind(result: UpdateResult, refines: bool) -> str:
    """What the status bar calls a result: a low-resolution preview, the fast network's (refined
    next), the one network's update, or the full-size network's refinement."""
    if result.colorization.size < NETWORK_SIZE:
        return "Preview"
    if result.preliminary:
        return "Fast"
    return "Refined" if refines else "Update"
