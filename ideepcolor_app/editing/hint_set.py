"""The editable, undoable set of one photo's hints: points, brush strokes, lasso regions and global hints."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal

from ..base.events import Signal
from ..hints.global_hints import GlobalHints
from ..hints.local_hints import Hint, HintLimitError, check_hint_count
from ..hints.regions import MAX_REGIONS, Region
from ..hints.strokes import MAX_STROKES, Stroke

_KEEP = object()

ShapeKind = Literal["stroke", "region"]
"""A drawn shape's kind: a brush stroke or a lasso region."""


@dataclass(frozen=True)
class _State:
    hints: tuple[Hint, ...]
    global_hints: GlobalHints
    strokes: tuple[Stroke, ...]
    regions: tuple[Region, ...]


class HintSet:
    """The hints of one photo, with selection, undo/redo and change events.

    Point hints, brush strokes, lasso regions and the global hints (a reference's colours, a
    saturation) share one undo history: Ctrl+Z undoes whichever was edited last.

    One thing is selected at a time: a point hint (:attr:`selected`) or a drawn shape
    (:attr:`selected_shape`); selecting one deselects the other.

    Events: ``changed()`` after any edit (including undo/redo), ``selection_changed(index or
    None)`` when the selected hint or shape changes (the index is the selected point hint's).
    """

    def __init__(
        self,
        hints: Sequence[Hint] = (),
        global_hints: GlobalHints | None = None,
        strokes: Sequence[Stroke] = (),
        regions: Sequence[Region] = (),
    ) -> None:
        check_hint_count(len(hints))
        _check_shapes(len(strokes), len(regions))
        self._state = _State(tuple(hints), global_hints or GlobalHints(), tuple(strokes), tuple(regions))
        self._undo: list[_State] = []
        self._redo: list[_State] = []
        self._coalesce_key: object = None
        self._selected: int | None = None
        self._selected_shape: tuple[ShapeKind, int] | None = None
        self.changed = Signal()
        self.selection_changed = Signal()

    def __len__(self) -> int:
        return len(self._state.hints)

    def __getitem__(self, index: int) -> Hint:
        return self._state.hints[index]

    @property
    def hints(self) -> tuple[Hint, ...]:
        """The current point hints, an immutable snapshot safe to hand to another thread."""
        return self._state.hints

    @property
    def global_hints(self) -> GlobalHints:
        """The global hints (an immutable value, safe to hand to another thread)."""
        return self._state.global_hints

    @property
    def strokes(self) -> tuple[Stroke, ...]:
        """The brush strokes, in painting order (immutable)."""
        return self._state.strokes

    @property
    def regions(self) -> tuple[Region, ...]:
        """The lasso regions, coloured or protected (immutable)."""
        return self._state.regions

    @property
    def snapshot(self) -> tuple[tuple[Hint, ...], GlobalHints, tuple[Stroke, ...], tuple[Region, ...]]:
        """Everything the user made, as one comparable value (what a saved session holds)."""
        state = self._state
        return state.hints, state.global_hints, state.strokes, state.regions

    @property
    def selected(self) -> int | None:
        """Index of the selected point hint, or None."""
        return self._selected

    @property
    def selected_shape(self) -> tuple[ShapeKind, int] | None:
        """The selected stroke or region as (kind, index), or None."""
        return self._selected_shape

    def shape(self, kind: ShapeKind, index: int) -> Stroke | Region:
        """The stroke or region ``index``."""
        return self._state.strokes[index] if kind == "stroke" else self._state.regions[index]

    @property
    def can_undo(self) -> bool:
        """There is an edit to undo."""
        return bool(self._undo)

    @property
    def can_redo(self) -> bool:
        """There is an undone edit to redo."""
        return bool(self._redo)

    def select(self, index: int | None) -> None:
        """Select hint ``index`` (None or an index out of range deselects); not an undo step."""
        if index is not None and not 0 <= index < len(self):
            index = None
        self._set_selection(index, None if index is not None else self._selected_shape)

    def select_shape(self, kind: ShapeKind, index: int | None) -> None:
        """Select stroke or region ``index`` (None deselects it); the selected hint is deselected."""
        count = len(self._state.strokes if kind == "stroke" else self._state.regions)
        shape = (kind, index) if index is not None and 0 <= index < count else None
        self._set_selection(None if shape is not None else self._selected, shape)

    def add(self, hint: Hint) -> int:
        """Append ``hint`` as one undo step and select it; returns its index.

        Raises:
            HintLimitError: the photo has :data:`MAX_HINTS` hints already.
        """
        check_hint_count(len(self) + 1)
        hints = self._state.hints
        self._commit(replace(self._state, hints=hints + (hint,)), selected=len(hints), shape=None)
        return len(hints)

    def update(self, index: int, coalesce: object = None, **changes: object) -> None:
        """Change fields of one hint.

        Args:
            index: which hint.
            coalesce: edits sharing this key (a drag, say) make one undo step; None for a step each.
            **changes: new values of ``x``, ``y``, ``ab`` or ``size``.

        Raises:
            ValueError: a new value is invalid (see :class:`Hint`); nothing is changed then.
        """
        hints = self._state.hints
        new = replace(hints[index], **changes)  # type: ignore[arg-type]
        if new != hints[index]:
            self._commit(replace(self._state, hints=hints[:index] + (new,) + hints[index + 1 :]), coalesce)

    def remove(self, index: int) -> None:
        """Delete hint ``index`` as one undo step; the selection follows the hints that move up."""
        selected = self._selected
        if selected is not None and selected >= index:
            selected = None if selected == index else selected - 1
        hints = self._state.hints
        self._commit(replace(self._state, hints=hints[:index] + hints[index + 1 :]), selected=selected)

    def add_shape(self, shape: Stroke | Region, coalesce: object = None) -> int:
        """Append a stroke or region as one undo step and select it; returns its index.

        Raises:
            HintLimitError: the photo has as many strokes or regions as it can hold.
        """
        kind: ShapeKind = "stroke" if isinstance(shape, Stroke) else "region"
        shapes = self._shapes(kind)
        _check_shapes(len(self.strokes) + (kind == "stroke"), len(self.regions) + (kind == "region"))
        self._commit(self._with_shapes(kind, shapes + (shape,)), coalesce, selected=None, shape=(kind, len(shapes)))
        return len(shapes)

    def update_shape(self, kind: ShapeKind, index: int, shape: Stroke | Region, coalesce: object = None) -> None:
        """Replace stroke or region ``index`` (edits sharing ``coalesce`` make one undo step)."""
        shapes = self._shapes(kind)
        if shape != shapes[index]:
            self._commit(self._with_shapes(kind, shapes[:index] + (shape,) + shapes[index + 1 :]), coalesce)

    def remove_shape(self, kind: ShapeKind, index: int, coalesce: object = None) -> None:
        """Delete stroke or region ``index`` as one undo step (deletions sharing ``coalesce``, an
        eraser's drag, make one)."""
        shapes = self._shapes(kind)
        shape = self._selected_shape
        if shape is not None and shape[0] == kind and shape[1] >= index:
            shape = None if shape[1] == index else (kind, shape[1] - 1)
        self._commit(self._with_shapes(kind, shapes[:index] + shapes[index + 1 :]), coalesce, shape=shape)

    def clear(self) -> None:
        """Delete every point hint, stroke and region as one undo step (the global hints stay)."""
        if self.hints or self.strokes or self.regions:
            self._commit(replace(self._state, hints=(), strokes=(), regions=()), selected=None, shape=None)

    def set_global_hints(self, global_hints: GlobalHints, coalesce: object = None) -> None:
        """Change the global hints as one undo step (edits sharing ``coalesce`` make one step)."""
        if global_hints != self._state.global_hints:
            self._commit(replace(self._state, global_hints=global_hints), coalesce)

    def replace_all(
        self,
        hints: Sequence[Hint],
        undoable: bool = True,
        global_hints: GlobalHints | None = None,
        strokes: Sequence[Stroke] | None = None,
        regions: Sequence[Region] | None = None,
    ) -> None:
        """Swap in another set of hints (loading a session).

        Args:
            hints: the new hints.
            undoable: one undo step (True), or a fresh history that cannot go back (False).
            global_hints: the new global hints (None: none).
            strokes, regions: the new strokes and regions (None: keep today's).
        """
        check_hint_count(len(hints))
        state = _State(
            tuple(hints),
            global_hints or GlobalHints(),
            self.strokes if strokes is None else tuple(strokes),
            self.regions if regions is None else tuple(regions),
        )
        _check_shapes(len(state.strokes), len(state.regions))
        if undoable:
            self._commit(state, selected=None, shape=None)
        else:
            self._undo, self._redo = [], []
            self._set(state, None, None)

    def undo(self) -> bool:
        """Go back one step; False when there is none."""
        return self._step(self._undo, self._redo)

    def redo(self) -> bool:
        """Go forward one undone step; False when there is none."""
        return self._step(self._redo, self._undo)

    def end_coalescing(self) -> None:
        """Make the next edit a new undo step even if it shares the last edit's coalesce key."""
        self._coalesce_key = None

    def _shapes(self, kind: ShapeKind) -> tuple[Stroke | Region, ...]:
        return self._state.strokes if kind == "stroke" else self._state.regions

    def _with_shapes(self, kind: ShapeKind, shapes: tuple[Stroke | Region, ...]) -> _State:
        if kind == "stroke":
            return replace(self._state, strokes=tuple(s for s in shapes if isinstance(s, Stroke)))
        return replace(self._state, regions=tuple(s for s in shapes if isinstance(s, Region)))

    def _commit(self, state: _State, coalesce: object = None, selected: object = _KEEP, shape: object = _KEEP) -> None:
        if coalesce is None or coalesce != self._coalesce_key:
            self._undo.append(self._state)
        self._coalesce_key = coalesce
        self._redo.clear()
        self._set(
            state,
            self._selected if selected is _KEEP else selected,  # type: ignore[arg-type]
            self._selected_shape if shape is _KEEP else shape,  # type: ignore[arg-type]
        )

    def _step(self, source: list[_State], target: list[_State]) -> bool:
        if not source:
            return False
        target.append(self._state)
        self._coalesce_key = None
        self._set(source.pop(), self._selected, self._selected_shape)
        return True

    def _set(self, state: _State, selected: int | None, shape: tuple[ShapeKind, int] | None) -> None:
        """Replace the state; the selection is made valid before anyone hears of the change."""
        self._state = state
        if selected is not None and selected >= len(state.hints):
            selected = None
        if shape is not None and shape[1] >= len(self._shapes(shape[0])):
            shape = None
        selection_moved = (selected, shape) != (self._selected, self._selected_shape)
        self._selected, self._selected_shape = selected, shape
        self.changed.emit()
        if selection_moved:
            self.selection_changed.emit(selected)

    def _set_selection(self, selected: int | None, shape: tuple[ShapeKind, int] | None) -> None:
        if (selected, shape) != (self._selected, self._selected_shape):
            self._selected, self._selected_shape = selected, shape
            self.selection_changed.emit(selected)


def _check_shapes(strokes: int, regions: int) -> None:
    if strokes > MAX_STROKES:
        raise HintLimitError(f"A photo can have at most {MAX_STROKES} strokes. Delete or undo some to paint more.")
    if regions > MAX_REGIONS:
        raise HintLimitError(f"A photo can have at most {MAX_REGIONS} lasso regions. Delete some to draw more.")
