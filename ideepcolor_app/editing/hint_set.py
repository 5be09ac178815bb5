"""The editable, undoable set of one photo's hints, local and global."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from ..base.events import Signal
from ..hints.global_hints import GlobalHints
from ..hints.local_hints import Hint, check_hint_count

_KEEP = object()


_State = tuple[tuple[Hint, ...], GlobalHints]


class HintSet:
    """The hints of one photo, local and global, with selection, undo/redo and change events.

    The local hints and the global hints (a reference's colours, a saturation) share one undo
    history: Ctrl+Z undoes whichever was edited last.

    Events: ``changed()`` after any edit of the hints (including undo/redo),
    ``selection_changed(index or None)``.
    """

    def __init__(self, hints: Sequence[Hint] = (), global_hints: GlobalHints | None = None) -> None:
        check_hint_count(len(hints))
        self._hints: tuple[Hint, ...] = tuple(hints)
        self._global = global_hints or GlobalHints()
        self._undo: list[_State] = []
        self._redo: list[_State] = []
        self._coalesce_key: object = None
        self._selected: int | None = None
        self.changed = Signal()
        self.selection_changed = Signal()

    def __len__(self) -> int:
        return len(self._hints)

    def __getitem__(self, index: int) -> Hint:
        return self._hints[index]

    @property
    def hints(self) -> tuple[Hint, ...]:
        """The current hints, an immutable snapshot safe to hand to another thread."""
        return self._hints

    @property
    def global_hints(self) -> GlobalHints:
        """The global hints (an immutable value, safe to hand to another thread)."""
        return self._global

    @property
    def selected(self) -> int | None:
        """Index of the selected hint, or None."""
        return self._selected

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
        if index is not None and not 0 <= index < len(self._hints):
            index = None
        if index != self._selected:
            self._selected = index
            self.selection_changed.emit(index)

    def add(self, hint: Hint) -> int:
        """Append ``hint`` as one undo step and select it; returns its index.

        Raises:
            HintLimitError: the photo has :data:`MAX_HINTS` hints already.
        """
        check_hint_count(len(self._hints) + 1)
        self._commit(self._hints + (hint,), selected=len(self._hints))  # selected before anyone hears
        return len(self._hints) - 1

    def update(self, index: int, coalesce: object = None, **changes: object) -> None:
        """Change fields of one hint.

        Args:
            index: which hint.
            coalesce: edits sharing this key (a drag, say) make one undo step; None for a step each.
            **changes: new values of ``x``, ``y``, ``ab`` or ``size``.

        Raises:
            ValueError: a new value is invalid (see :class:`Hint`); nothing is changed then.
        """
        new = replace(self._hints[index], **changes)  # type: ignore[arg-type]
        if new != self._hints[index]:
            self._commit(self._hints[:index] + (new,) + self._hints[index + 1 :], coalesce)

    def remove(self, index: int) -> None:
        """Delete hint ``index`` as one undo step; the selection follows the hints that move up."""
        selected = self._selected
        if selected is not None and selected >= index:
            selected = None if selected == index else selected - 1
        self._commit(self._hints[:index] + self._hints[index + 1 :], selected=selected)

    def clear(self) -> None:
        """Delete every hint as one undo step."""
        if self._hints:
            self._commit((), selected=None)

    def set_global_hints(self, global_hints: GlobalHints, coalesce: object = None) -> None:
        """Change the global hints as one undo step (edits sharing ``coalesce`` make one step)."""
        if global_hints != self._global:
            self._commit(self._hints, coalesce, global_hints=global_hints)

    def replace_all(
        self, hints: Sequence[Hint], undoable: bool = True, global_hints: GlobalHints | None = None
    ) -> None:
        """Swap in another set of hints (loading a session).

        Args:
            hints: the new hints.
            undoable: one undo step (True), or a fresh history that cannot go back (False).
            global_hints: the new global hints (None: none).
        """
        check_hint_count(len(hints))
        global_hints = global_hints or GlobalHints()
        if undoable:
            self._commit(tuple(hints), selected=None, global_hints=global_hints)
        else:
            self._undo, self._redo = [], []
            self._set(tuple(hints), None, global_hints)

    def undo(self) -> bool:
        """Go back one step; False when there is none."""
        return self._step(self._undo, self._redo)

    def redo(self) -> bool:
        """Go forward one undone step; False when there is none."""
        return self._step(self._redo, self._undo)

    def end_coalescing(self) -> None:
        """Make the next edit a new undo step even if it shares the last edit's coalesce key."""
        self._coalesce_key = None

    def _commit(
        self,
        hints: tuple[Hint, ...],
        coalesce: object = None,
        selected: object = _KEEP,
        global_hints: GlobalHints | None = None,
    ) -> None:
        if coalesce is None or coalesce != self._coalesce_key:
            self._undo.append((self._hints, self._global))
        self._coalesce_key = coalesce
        self._redo.clear()
        self._set(hints, self._selected if selected is _KEEP else selected, global_hints)  # type: ignore[arg-type]

    def _step(self, source: list[_State], target: list[_State]) -> bool:
        if not source:
            return False
        target.append((self._hints, self._global))
        self._coalesce_key = None
        hints, global_hints = source.pop()
        self._set(hints, self._selected, global_hints)
        return True

    def _set(self, hints: tuple[Hint, ...], selected: int | None, global_hints: GlobalHints | None = None) -> None:
        """Replace the hints (and the global hints if given); the selection is made valid before
        anyone hears of the change."""
        if selected is not None and selected >= len(hints):
            selected = None
        selection_moved = selected != self._selected
        self._hints, self._selected = hints, selected
        if global_hints is not None:
            self._global = global_hints
        self.changed.emit()
        if selection_moved:
            self.selection_changed.emit(selected)
