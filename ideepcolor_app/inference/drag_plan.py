"""What a drag computes on this machine: the largest network side whose whole update fits a budget.

A drag shows a new picture for every few pixels the mouse moves. On a CPU the fast network at 256
takes 16-30 ms with bf16 units but 250-300 ms on an older AVX2-only processor, where a drag turned
into a slide show. So the drag step (network pass, locality, preview compose) is timed once on the
user's own photo and hints, at falling sides, and the first side whose time fits
:data:`DRAG_BUDGET` is used while hints change. Results at rest are always the full 256 pass.

A step's time is the quickest of its repeats, and the worker measures twice (at its first two quiet
moments) and keeps the larger side: right after a photo opens, the Variations panel and the palette
compute beside the measurement and made 256 look three times slower than it is.

In the window a drag step costs more than alone (the window redraws, the event loop shares the
cores and the interpreter: 219 ms against 85 ms at 256 on a 2-core AMD EPYC), so the worker also
times the drag steps themselves and moves to the side they say fits (:func:`adjusted_side`).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

DRAG_BUDGET = 0.06
"""Seconds one drag update may take: about 15 updates a second, what feels like the colour follows."""
DRAG_SIDES = (256, 224, 192, 160, 128, 96)
"""Network sides tried, largest first (multiples of 32, as the network's strides need)."""
DRAG_STEPS_JUDGED = 5
"""Drag steps timed before the side is judged again."""
TIMED_STEPS = 3
"""Timed steps per side, after one untimed (warm-up) step."""
MEASUREMENTS = 2
"""Times a worker measures the drag (see the module)."""


@dataclass(frozen=True)
class DragPlan:
    """The side a drag's passes run at, and what was measured to choose it."""

    side: int
    seconds: float
    """Seconds of one drag update at ``side`` (the quickest of its repeats)."""
    measured: tuple[tuple[int, float], ...] = ()
    """(side, seconds) of every side timed, in the order timed."""

    @property
    def updates_per_second(self) -> float:
        """Drag updates a second at ``side``."""
        return 1.0 / max(self.seconds, 1e-9)

    def describe(self) -> str:
        """What the status bar says, e.g. 'Drag preview at 160 px, 12 updates/s'."""
        return f"Drag preview at {self.side} px, {self.updates_per_second:.0f} updates/s"

    def as_json(self) -> dict[str, object]:
        """The plan as ``bench`` writes it."""
        return {
            "side": self.side,
            "step_ms": self.seconds * 1000,
            "updates_per_second": self.updates_per_second,
            "measured_ms": {str(side): seconds * 1000 for side, seconds in self.measured},
        }


def plan_drag(
    step: Callable[[int], object],
    budget: float = DRAG_BUDGET,
    sides: Sequence[int] = DRAG_SIDES,
    should_stop: Callable[[], bool] | None = None,
    clock: Callable[[], float] = time.perf_counter,
    timed_steps: int = TIMED_STEPS,
) -> DragPlan | None:
    """Time ``step(side)`` (one whole drag update) at each of ``sides`` in turn and choose the first
    whose quickest repeat fits ``budget``, else the quickest side. None if ``should_stop`` says so between steps
    (the user went on editing: the measurement would be disturbed, and waits for a quiet moment)."""
    measured: list[tuple[int, float]] = []
    for side in sides:
        times = []
        for attempt in range(timed_steps + 1):
            if should_stop is not None and should_stop():
                return None
            start = clock()
            step(side)
            if attempt:
                times.append(clock() - start)
        seconds = min(times)
        measured.append((side, seconds))
        if seconds <= budget:
            return DragPlan(side, seconds, tuple(measured))
    side, seconds = min(measured, key=lambda m: m[1])
    return DragPlan(side, seconds, tuple(measured))


def better(plan: DragPlan | None, other: DragPlan) -> DragPlan:
    """Of two measurements of the same machine, the one that a disturbance slowed less: the larger
    side, or at the same side the quicker."""
    if plan is None:
        return other
    return max(plan, other, key=lambda p: (p.side, -p.seconds))


def adjusted_side(
    side: int, step_seconds: Sequence[float], budget: float = DRAG_BUDGET, sides: Sequence[int] = DRAG_SIDES
) -> int:
    """The side the next drag steps run at, judged from the last ones' times at ``side`` (a step's
    cost taken as growing with its pixels): over ``budget``, the largest smaller side expected to
    fit (else the smallest); well under it, one size larger if that is expected to fit with a fifth
    to spare; else ``side``."""
    if side not in sides or not step_seconds:
        return side
    seconds = statistics.median(step_seconds)
    position = list(sides).index(side)  # largest first
    if seconds > budget:
        smaller = sides[position + 1 :]
        return next((s for s in smaller if seconds * (s / side) ** 2 <= budget), smaller[-1] if smaller else side)
    if position > 0 and seconds * (sides[position - 1] / side) ** 2 < 0.8 * budget:
        return sides[position - 1]
    return side
