"""Delivers the engine's worker-thread results to the GUI thread as Qt signals."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal

from ..colour.look import DEFAULT_LOOK, Look
from ..hints.global_hints import GlobalHints
from ..hints.local_hints import Hint
from ..hints.regions import Region
from ..hints.strokes import Stroke
from ..inference.drag_plan import DragPlan
from ..inference.engine import ColorizationEngine
from ..inference.export import colorize_to_file
from ..inference.worker import AsyncColorizer, UpdateRequest, UpdateResult
from ..photos.images import Photo
from .background import BackgroundJobs


class EngineBridge(QObject):
    result_ready = Signal(object)  # UpdateResult
    failed = Signal(str)
    saved = Signal(str)
    save_failed = Signal(str)
    drag_planned = Signal(object)  # DragPlan: what a drag computes on this machine, once measured

    _result_from_worker = Signal(object)
    _failure_from_worker = Signal(str)
    _plan_from_worker = Signal(object)

    def __init__(self, engine: ColorizationEngine, preview_max_side: int, look: Look = DEFAULT_LOOK) -> None:
        super().__init__()
        self.engine = engine
        self.look = look
        """How results look (View > Vivid Colours, Keep Hints Local): a value each request and save
        takes with it, replaced when the user changes it."""
        self._closed = False
        self._jobs = BackgroundJobs(self)
        # The worker emits these on its thread; Qt runs the handlers on the GUI thread, where a
        # bridge closed meanwhile (another engine took over) drops what was still on its way.
        self._result_from_worker.connect(self._deliver_result)
        self._failure_from_worker.connect(self._deliver_failure)
        self._plan_from_worker.connect(self._deliver_plan)  # a method: a lambda holding self would keep it alive
        self._worker = AsyncColorizer(
            engine,
            self._result_from_worker.emit,
            lambda _, exc: self._failure_from_worker.emit(str(exc)),
            preview_max_side,
            on_drag_plan=self._plan_from_worker.emit,
        )

    def _deliver_result(self, result: UpdateResult) -> None:
        if not self._closed:
            self.result_ready.emit(result)

    def _deliver_plan(self, plan: DragPlan) -> None:
        if not self._closed:
            self.drag_planned.emit(plan)

    def _deliver_failure(self, message: str) -> None:
        if not self._closed:
            self.failed.emit(message)

    @property
    def preview_side(self) -> int:
        """The long side results are composed at for the window."""
        return self._worker.preview_max_side

    def set_preview_side(self, side: int) -> None:
        """Compose the results that follow at ``side`` (the view's size: see
        :func:`~ideepcolor_app.editing.document.view_side`)."""
        self._worker.preview_max_side = side

    @property
    def dropped(self) -> int:
        """Requests replaced by a newer one before they started (a drag supersedes most)."""
        return self._worker.dropped

    def submit(
        self,
        hints: tuple[Hint, ...],
        probe: tuple[float, float] | None,
        photo: Photo | None = None,
        global_hints: GlobalHints | None = None,
        strokes: tuple[Stroke, ...] = (),
        regions: tuple[Region, ...] = (),
        probe_area: Stroke | Region | None = None,
    ) -> int:
        g = global_hints or GlobalHints()
        request = UpdateRequest(hints, probe, photo, g, self.look, strokes, regions, probe_area)
        return self._worker.submit(request)

    def save_async(
        self,
        photo: Photo,
        hints: tuple[Hint, ...],
        target: Path,
        overwrite: bool = False,
        global_hints: GlobalHints | None = None,
        strokes: tuple[Stroke, ...] = (),
        regions: tuple[Region, ...] = (),
    ) -> None:
        """Compute the full-resolution result of ``hints`` on ``photo`` with the best network and
        write it (:func:`~ideepcolor_app.inference.export.colorize_to_file`), off the GUI thread. Everything
        it uses is fixed now: opening another photo while it runs changes nothing in what is saved.
        The photo itself is never overwritten."""
        engine, look = self.engine, self.look
        uploaded = engine.current if engine.current is not None and engine.current.photo is photo else None
        protect = (photo.path,) if photo.path is not None else ()

        self._jobs.run(
            lambda: colorize_to_file(
                engine,
                photo,
                hints,
                target,
                overwrite=overwrite,
                protect=protect,
                source=uploaded,
                global_hints=global_hints,
                look=look,
                strokes=strokes,
                regions=regions,
            ),
            lambda _: self.saved.emit(str(target)),
            lambda error: self.save_failed.emit(str(error) or type(error).__name__),
            name="save",
        )

    def close(self) -> None:
        """Stop the worker; results not yet shown are dropped."""
        self._closed = True
        self._worker.close()
