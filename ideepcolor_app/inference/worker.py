"""Colorization on a worker thread: only the newest hint state is computed, results are snapshots.

On a CPU with both networks, each hint state is shown from the fast network at once and
refined by the full-size one once the hints have stopped changing for :data:`REFINE_DELAY`.
With only the full-size network on a CPU, a cheap low-resolution pass comes first. During a drag
on a CPU, the fast network runs at :data:`~ideepcolor_app.inference.engine.DRAG_SIZE` and at 256 once the
hints rest.
"""

from __future__ import annotations

import logging
import statistics
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, Protocol

import numpy as np

from ..colour.encoding import NETWORK_SIZE
from ..colour.look import DEFAULT_LOOK, Look
from ..colour.suggest import Palette
from ..hints.global_hints import GlobalHints
from ..hints.local_hints import Hint
from ..hints.regions import Region
from ..hints.strokes import Stroke
from ..network.architecture import Cancelled
from ..photos.images import Photo
from .drag_plan import DRAG_STEPS_JUDGED, MEASUREMENTS, DragPlan, adjusted_side, better, plan_drag
from .engine import Colorization
from .network import Network
from .photo_on_device import PhotoOnDevice

log = logging.getLogger(__name__)

PRELIMINARY_MAX_SIDE = 768
"""Low-resolution passes (a drag's, the first look) are composed at most this large: about what a
window shows of a whole photo. At 1024, composing took 35 ms of each drag step on a 12 MP photo."""
REFINE_DELAY = 0.35
"""Seconds without a new hint state before the full-size network refines the fast result."""
DRAG_INTERVAL = 0.15
"""A request this soon after the previous one is part of a drag (or another quick succession)."""


WaitFor = Callable[[threading.Condition, Callable[[], bool], float], object]
"""Waits on a held condition until the predicate holds or the seconds pass (Condition.wait_for's shape)."""


class Engine(Protocol):
    """What the worker needs of :class:`~ideepcolor_app.inference.engine.ColorizationEngine`."""

    interactive: Network
    best: Network
    drag_plan: DragPlan | None

    @property
    def refines(self) -> bool:
        """See :attr:`~ideepcolor_app.inference.engine.ColorizationEngine.refines`."""

    @property
    def preview_size(self) -> int | None:
        """See :attr:`~ideepcolor_app.inference.engine.ColorizationEngine.preview_size`."""

    @property
    def drag_size(self) -> int | None:
        """See :attr:`~ideepcolor_app.inference.engine.ColorizationEngine.drag_size`."""

    def set_photo(self, photo: Photo) -> PhotoOnDevice:
        """See :meth:`~ideepcolor_app.inference.engine.ColorizationEngine.set_photo`."""

    def require_photo(self) -> PhotoOnDevice:
        """See :meth:`~ideepcolor_app.inference.engine.ColorizationEngine.require_photo`."""

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
        """See :meth:`~ideepcolor_app.inference.engine.ColorizationEngine.colorize`."""


@dataclass(frozen=True)
class UpdateRequest:
    """One hint state to colorize."""

    hints: tuple[Hint, ...]
    probe: tuple[float, float] | None = None
    """Pixel whose suggested colours to compute with this update (the selected hint)."""
    photo: Photo | None = None
    """A newly opened photo to upload before running (never dropped by a later request)."""
    global_hints: GlobalHints = GlobalHints()
    """The reference's colours and the saturation, for the whole photo."""
    look: Look = DEFAULT_LOOK
    """Vivid colours, local hints: how the result's colours are chosen."""
    strokes: tuple[Stroke, ...] = ()
    """Brush strokes, painted under the point hints."""
    regions: tuple[Region, ...] = ()
    """Lasso regions, coloured or protected."""
    probe_area: Stroke | Region | None = None
    """The selected stroke or lasso: suggested colours are read over its pixels, not at ``probe`` alone."""

    def shapes(self) -> dict[str, Any]:
        """The strokes and regions as :meth:`Engine.colorize` takes them."""
        return {"strokes": self.strokes, "regions": self.regions}


@dataclass
class UpdateResult:
    """A computed update: a snapshot that keeps the hints, photo and picture it was computed from."""

    request_id: int
    hints: tuple[Hint, ...]
    preview: np.ndarray
    palette: Palette | None
    seconds: float
    colorization: Colorization
    preliminary: bool = False
    """True when a better pass for the same hints follows unless a newer request comes first."""

    @property
    def global_hints(self) -> GlobalHints:
        """The global hints this result was computed with."""
        return self.colorization.global_hints

    @property
    def photo(self) -> Photo:
        """The photo this result belongs to."""
        return self.colorization.photo


class AsyncColorizer:
    """Runs updates on one worker thread; only the newest pending request is computed.

    ``on_result`` and ``on_error`` are called from the worker thread; a GUI
    forwards them to its own thread (for Qt, through a queued signal).
    """

    def __init__(
        self,
        engine: Engine,
        on_result: Callable[[UpdateResult], None],
        on_error: Callable[[int, Exception], None] | None = None,
        preview_max_side: int = 2048,
        refine_delay: float = REFINE_DELAY,
        clock: Callable[[], float] = time.monotonic,
        wait_for: WaitFor | None = None,
        on_drag_plan: Callable[[DragPlan], None] | None = None,
        step_timer: Callable[[], float] = time.perf_counter,
    ) -> None:
        """``clock`` (seconds) times the gaps between requests that make a drag, and ``wait_for``
        waits (on the worker's condition, held) until a predicate holds or that many seconds pass:
        the rest before a refinement. Tests give fake ones, so no outcome depends on this machine's
        speed; by default they are the real clock and ``Condition.wait_for``.

        With ``on_drag_plan``, the first quiet moments after results at rest time the drag step on
        this machine (:func:`~ideepcolor_app.inference.drag_plan.plan_drag`), set the engine's
        ``drag_plan`` and report it, and ``step_timer`` (seconds) times each drag step as it runs to
        move the side when the window makes them slower; without it (tests of scheduling) the
        engine's default holds."""
        self.engine = engine
        self._clock = clock
        self._wait_for: WaitFor = wait_for or (lambda cond, predicate, seconds: cond.wait_for(predicate, seconds))
        self.preview_max_side = preview_max_side
        self.refine_delay = refine_delay
        self._on_result = on_result
        self._on_error = on_error
        self._on_drag_plan = on_drag_plan
        self._drag_measurements = 0
        self._drag_steps: list[float] = []
        self._judged_side: int | None = None
        self._step_timer = step_timer
        self._pending: tuple[int, UpdateRequest] | None = None
        self._next_id = 0
        self._cond = threading.Condition()
        self._closed = False
        self.dropped = 0
        self._last_submit = float("-inf")
        self._dragging = False
        self._thread = threading.Thread(target=self._run, name="ideepcolor-engine", daemon=True)
        self._thread.start()

    def submit(self, request: UpdateRequest) -> int:
        """Queue ``request``, replacing any not yet started; returns its id."""
        with self._cond:
            now = self._clock()
            self._dragging, self._last_submit = now - self._last_submit < DRAG_INTERVAL, now
            self._next_id += 1
            if self._pending is not None:
                self.dropped += 1
                if request.photo is None and self._pending[1].photo is not None:
                    request = replace(request, photo=self._pending[1].photo)
            self._pending = (self._next_id, request)
            self._cond.notify_all()
            return self._next_id

    def close(self, timeout: float = 5.0) -> None:
        """Drop any pending request and stop the worker thread."""
        with self._cond:
            self._closed = True
            self._pending = None
            self._cond.notify_all()
        self._thread.join(timeout)

    def _run(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._pending is not None or self._closed)
                if self._closed or self._pending is None:
                    return
                request_id, request = self._pending
                self._pending = None
            try:
                self._compute(request_id, request, time.perf_counter())
            except Cancelled:
                continue  # a newer request arrived mid-pass; it is picked up next
            except Exception as exc:  # reported to the GUI, never kills the worker
                log.exception("colorization update %d failed", request_id)
                if self._on_error:
                    self._on_error(request_id, exc)

    def _compute(self, request_id: int, request: UpdateRequest, started: float) -> None:
        engine = self.engine
        source = engine.set_photo(request.photo) if request.photo is not None else engine.require_photo()
        g, look = request.global_hints, request.look
        with self._cond:
            dragging = self._dragging
        if engine.preview_size:  # a cheap first pass, so the user sees something at once
            quick = engine.colorize(
                request.hints, engine.preview_size, source=source, global_hints=g, look=look, **request.shapes()
            )
            self._deliver(request_id, request, started, quick, preliminary=True, palette=False)
            if self._superseded():
                return
        elif dragging and engine.drag_size:  # smaller passes keep up with the mouse; 256 once it rests
            step_started = self._step_timer()
            self._small_pass(request_id, request, started, source, engine.drag_size)
            self._judge_drag(engine.drag_size, self._step_timer() - step_started)
            if not self._quiet_for(self.refine_delay):
                return
        elif (side := self._quick_side()) is not None:  # a click: a quick picture first, the full pass after
            self._small_pass(request_id, request, started, source, side)
            if self._superseded():
                return
        elif engine.refines:
            fast = engine.colorize(
                request.hints, network=engine.interactive, source=source, global_hints=g, look=look, **request.shapes()
            )
            self._deliver(request_id, request, started, fast, preliminary=True, palette=True)
            if not self._quiet_for(self.refine_delay):
                return
        # Only a slow pass may be abandoned for a newer state: a fast one always finishes, or a drag
        # (a new state every few ms) would show nothing until the mouse stops.
        stop = None if engine.best.is_fast else self._superseded
        full = engine.colorize(
            request.hints,
            should_stop=stop,
            network=engine.best,
            source=source,
            global_hints=g,
            look=look,
            **request.shapes(),
        )
        self._deliver(request_id, request, started, full, preliminary=False, palette=True)
        if self._on_drag_plan is not None and engine.drag_size is not None and self._drag_measurements < MEASUREMENTS:
            self._plan_drag(request, source)

    def _small_pass(
        self, request_id: int, request: UpdateRequest, started: float, source: PhotoOnDevice, side: int
    ) -> None:
        """The interactive network's pass at ``side``, shown at once on a smaller picture."""
        quick = self.engine.colorize(
            request.hints,
            side,
            network=self.engine.interactive,
            source=source,
            global_hints=request.global_hints,
            look=request.look,
            **request.shapes(),
        )
        self._deliver(request_id, request, started, quick, preliminary=True, palette=False, small=True)

    def _judge_drag(self, side: int, seconds: float) -> None:
        """Time the drag steps as they come (in the window they cost more than when measured alone)
        and move the side one size when they say so (:func:`~.drag_plan.adjusted_side`)."""
        engine = self.engine
        if self._on_drag_plan is None or engine.drag_size != side:
            return
        if side != self._judged_side:  # a side's first step also computes its automatic colours: not judged
            self._judged_side, self._drag_steps = side, []
            return
        self._drag_steps.append(seconds)
        if len(self._drag_steps) < DRAG_STEPS_JUDGED:
            return
        steps, self._drag_steps = self._drag_steps, []
        new_side = adjusted_side(side, steps)
        if new_side != side:
            measured = engine.drag_plan.measured if engine.drag_plan is not None else ()
            engine.drag_plan = DragPlan(new_side, statistics.median(steps) * (new_side / side) ** 2, measured)
            self._drag_measurements = MEASUREMENTS  # real drags outrank a measurement made alone
            self._on_drag_plan(engine.drag_plan)

    def _quick_side(self) -> int | None:
        """The drag's side where this machine was measured too slow for full-size drags (a click's
        full pass would keep the user waiting over the budget for its first picture), else None."""
        engine = self.engine
        side = engine.drag_size
        if side is None or side >= NETWORK_SIZE or engine.refines or engine.drag_plan is None:
            return None
        return side

    def _plan_drag(self, request: UpdateRequest, source: PhotoOnDevice) -> None:
        """Time this request's drag step at falling sides; abandoned (and tried after the next
        result) as soon as the user edits again."""
        max_side = min(self.preview_max_side, PRELIMINARY_MAX_SIDE)
        plan = plan_drag(drag_step(self.engine, request, source, max_side), should_stop=self._superseded)
        if plan is not None and self._on_drag_plan is not None:
            self._drag_measurements += 1
            self.engine.drag_plan = better(self.engine.drag_plan if self._drag_measurements > 1 else None, plan)
            self._on_drag_plan(self.engine.drag_plan)

    def _superseded(self) -> bool:
        with self._cond:
            return self._pending is not None or self._closed

    def _quiet_for(self, seconds: float) -> bool:
        """Wait up to ``seconds``; True if no newer request came meanwhile."""
        with self._cond:
            self._wait_for(self._cond, lambda: self._pending is not None or self._closed, seconds)
            return self._pending is None and not self._closed

    def _deliver(
        self,
        request_id: int,
        request: UpdateRequest,
        started: float,
        result: Colorization,
        preliminary: bool,
        palette: bool,
        small: bool = False,
    ) -> None:
        low_resolution = small or result.size < NETWORK_SIZE
        preview = result.preview_rgb(
            min(self.preview_max_side, PRELIMINARY_MAX_SIDE) if low_resolution else self.preview_max_side
        )
        # A palette for a state already superseded would never be shown: skip it (8 ms a drag step).
        probe = request.probe if palette and not self._superseded() else None
        suggestions = (
            result.suggestions(*probe, area=request.probe_area)
            if probe is not None and result.offers_suggestions
            else None
        )
        self._on_result(
            UpdateResult(
                request_id, request.hints, preview, suggestions, time.perf_counter() - started, result, preliminary
            )
        )


def drag_step(
    engine: Engine, request: UpdateRequest, source: PhotoOnDevice, max_side: int = PRELIMINARY_MAX_SIDE
) -> Callable[[int], None]:
    """One drag update of ``request`` at a given network side, as the worker computes it during a
    drag: the fast network's pass (with the look's locality) and the picture composed for the view."""

    def step(side: int) -> None:
        result = engine.colorize(
            request.hints,
            side,
            network=engine.interactive,
            source=source,
            global_hints=request.global_hints,
            look=request.look,
            **request.shapes(),
        )
        result.preview_rgb(max_side)

    return step
