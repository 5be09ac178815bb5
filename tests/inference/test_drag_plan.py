"""A drag adapts to the machine: the side whose update fits the budget is measured, shown and used,
and results at rest are the full 256 pass whatever was chosen."""

import threading

import numpy as np
import pytest
import torch

from ideepcolor_app.hints.local_hints import Hint
from ideepcolor_app.inference.drag_plan import DRAG_BUDGET, DragPlan, plan_drag
from ideepcolor_app.inference.engine import ColorizationEngine
from ideepcolor_app.inference.network import Network
from ideepcolor_app.inference.worker import AsyncColorizer, UpdateRequest
from ideepcolor_app.network.precision import Precision
from ideepcolor_app.photos.images import Photo


class CostedSteps:
    """A drag step whose cost grows with the pixels of its side, on a clock that only it moves."""

    def __init__(self, seconds_at_256: float) -> None:
        self.seconds_at_256 = seconds_at_256
        self.now = 0.0
        self.sides: list[int] = []

    def clock(self) -> float:
        return self.now

    def step(self, side: int) -> None:
        self.sides.append(side)
        self.now += self.seconds_at_256 * (side / 256) ** 2


def test_a_machine_with_room_to_spare_drags_at_full_size_after_timing_only_that():
    steps = CostedSteps(0.025)  # a bf16 machine
    plan = plan_drag(steps.step, clock=steps.clock)
    assert plan is not None and plan.side == 256
    assert set(steps.sides) == {256}, "no smaller side is tried once one fits"
    assert plan.describe() == "Drag preview at 256 px, 40 updates/s"


def test_a_slow_machine_gets_the_largest_side_that_fits_the_budget():
    steps = CostedSteps(0.2)  # 256 takes 200 ms: 160 takes 78 ms, 128 takes 50 ms
    plan = plan_drag(steps.step, clock=steps.clock)
    assert plan is not None and plan.side == 128 and plan.seconds <= DRAG_BUDGET
    assert [side for side, _ in plan.measured] == [256, 224, 192, 160, 128]  # 96 not needed
    assert plan.updates_per_second == pytest.approx(20)


def test_where_nothing_fits_the_quickest_side_is_used():
    steps = CostedSteps(0.6)
    plan = plan_drag(steps.step, clock=steps.clock)
    assert plan is not None and plan.side == 96 and plan.seconds > DRAG_BUDGET


def test_of_two_measurements_the_less_disturbed_one_is_kept():
    from ideepcolor_app.inference.drag_plan import better

    disturbed, quiet = DragPlan(160, 0.055), DragPlan(256, 0.05)
    assert better(disturbed, quiet) is quiet and better(quiet, disturbed) is quiet
    assert better(None, disturbed) is disturbed
    assert better(DragPlan(192, 0.05), DragPlan(192, 0.04)).seconds == 0.04


def test_editing_during_the_measurement_abandons_it():
    steps = CostedSteps(0.2)
    plan = plan_drag(steps.step, clock=steps.clock, should_stop=lambda: len(steps.sides) >= 5)
    assert plan is None and len(steps.sides) == 5


@pytest.fixture
def fast_engine(untrained_fast_weights):
    engine = ColorizationEngine([Network.from_file(untrained_fast_weights, torch.device("cpu"))], torch.device("cpu"))
    engine.interactive.precision = Precision.FP32
    pixels = np.tile(np.linspace(0, 255, 300, dtype=np.uint8)[None, :, None], (200, 1, 3))
    engine.set_photo(Photo(path=None, pixels=pixels, sha256="1" * 64, is_color=False))  # type: ignore[arg-type]
    return engine


class Collected:
    """Results and plans as the worker reports them, with a wait for what a test expects next."""

    def __init__(self) -> None:
        self.results: list = []
        self.plans: list = []
        self._arrived = threading.Condition()

    def result(self, result) -> None:
        with self._arrived:
            self.results.append(result)
            self._arrived.notify_all()

    def plan(self, plan) -> None:
        with self._arrived:
            self.plans.append(plan)
            self._arrived.notify_all()

    def wait(self, predicate, what: str, timeout: float = 120.0) -> None:
        """Block until ``predicate()`` (a hang guard, not a speed test)."""
        with self._arrived:
            assert self._arrived.wait_for(predicate, timeout), what

    def rested(self, count: int) -> bool:
        return sum(not r.preliminary for r in self.results) >= count


def worker_for(engine, got, fake_time, plans=True):
    return AsyncColorizer(
        engine,
        got.result,
        refine_delay=0.3,
        clock=fake_time.clock,
        wait_for=fake_time.wait_for,
        on_drag_plan=got.plan if plans else None,
    )


def test_the_worker_measures_the_drag_twice_and_drags_at_what_it_chose(fast_engine, fake_time):
    engine, got = fast_engine, Collected()
    worker = worker_for(engine, got, fake_time)
    try:
        worker.submit(UpdateRequest((Hint(20.0, 100.0, (30.0, 30.0), 5),)))
        got.wait(lambda: got.plans, "a result, then the plan")
        assert engine.drag_plan is got.plans[0] and engine.drag_size == got.plans[0].side
        assert got.plans[0].measured[0][0] == 256
        fake_time.advance(1.0)
        worker.submit(UpdateRequest((Hint(25.0, 100.0, (30.0, 30.0), 5),)))
        got.wait(lambda: len(got.plans) == 2, "measured once more, at rest")
        assert got.plans[1].side >= got.plans[0].side, "the less disturbed measurement is kept"
        fake_time.advance(1.0)
        worker.submit(UpdateRequest((Hint(27.0, 100.0, (30.0, 30.0), 5),)))
        got.wait(lambda: got.rested(3), "the third click's result")
        fake_time.advance(0.02)  # a drag
        shown = len(got.results)
        worker.submit(UpdateRequest((Hint(30.0, 100.0, (30.0, 30.0), 5),)))
        got.wait(lambda: len(got.results) > shown, "the drag step")
        assert got.results[-1].preliminary and got.results[-1].colorization.size == engine.drag_plan.side
    finally:
        worker.close(timeout=60)
    assert len(got.plans) == 2, "measured twice per engine, then left alone"


@pytest.mark.parametrize("side", [128, 160])
def test_the_result_at_rest_is_the_full_pass_whatever_the_drag_side(fast_engine, fake_time, side):
    engine, got = fast_engine, Collected()
    hints = (Hint(40.0, 100.0, (30.0, -20.0), 5),)
    before = engine.colorize(hints).full_resolution_rgb()
    engine.drag_plan = DragPlan(side, 0.05)
    worker = worker_for(engine, got, fake_time, plans=False)
    try:
        worker.submit(UpdateRequest((Hint(20.0, 100.0, (30.0, -20.0), 5),)))
        got.wait(lambda: got.rested(1), "the click's result")
        fake_time.advance(0.02)
        shown = len(got.results)
        worker.submit(UpdateRequest(hints))
        got.wait(lambda: len(got.results) > shown, "the drag step")
        assert got.results[-1].preliminary and got.results[-1].colorization.size == side
        fake_time.wait_until_resting(1)
        fake_time.advance(0.3)
        got.wait(lambda: got.rested(2), "the resting state follows")
    finally:
        worker.close(timeout=60)
    rest = got.results[-1]
    assert not rest.preliminary and rest.colorization.size == 256
    assert np.array_equal(rest.colorization.full_resolution_rgb(), before), "identical to a plain 256 pass"


@pytest.mark.parametrize("side", [160, 256])
def test_a_click_on_a_slow_machine_shows_a_quick_picture_first(fast_engine, fake_time, side):
    """Where 256 does not fit the budget, a click is answered at the drag's side at once and at 256
    straight after (no rest needed); where it fits, the 256 pass is the first and only picture."""
    engine, got = fast_engine, Collected()
    engine.drag_plan = DragPlan(side, 0.05)
    worker = worker_for(engine, got, fake_time, plans=False)
    try:
        worker.submit(UpdateRequest((Hint(20.0, 100.0, (30.0, -20.0), 5),)))
        got.wait(lambda: got.rested(1), "the click's full result")
    finally:
        worker.close(timeout=60)
    sizes = [(r.colorization.size, r.preliminary) for r in got.results]
    assert sizes == ([(160, True), (256, False)] if side == 160 else [(256, False)])
    assert fake_time.waits == 0, "the full pass follows without waiting for the hints to rest"


def test_drag_steps_that_run_slow_in_the_window_move_the_side_down_and_quick_ones_up():
    from ideepcolor_app.inference.drag_plan import adjusted_side

    assert adjusted_side(256, [0.15, 0.14, 0.16, 0.15, 0.15]) == 160, "the largest expected to fit 60 ms"
    assert adjusted_side(256, [0.9] * 5) == 96, "nothing fits: the smallest"
    assert adjusted_side(192, [0.05] * 5) == 192, "fits, but 224 would not with room to spare"
    assert adjusted_side(160, [0.02] * 5) == 192, "well under: one size up"
    assert adjusted_side(256, [0.02] * 5) == 256 and adjusted_side(96, [0.2] * 5) == 96
    assert adjusted_side(200, [0.5]) == 200, "a side the plan never offers is left alone"


def test_the_window_s_drag_times_move_the_plan_and_are_reported(fast_engine, fake_time):
    """The worker times real drag steps; five slow ones take the side down and the status bar is told."""
    engine, got = fast_engine, Collected()
    engine.drag_plan = DragPlan(256, 0.05)
    readings = iter(range(10**6))  # two readings a step, its start and its end: each step takes 150 ms
    worker = AsyncColorizer(
        engine,
        got.result,
        refine_delay=0.3,
        clock=fake_time.clock,
        wait_for=fake_time.wait_for,
        on_drag_plan=got.plan,
        step_timer=lambda: next(readings) * 0.15,
    )
    worker._drag_measurements = 2  # as after the up-front measurements, which this test leaves out
    try:
        worker.submit(UpdateRequest((Hint(20.0, 100.0, (30.0, -20.0), 5),)))
        got.wait(lambda: got.rested(1), "the click's result")
        for i in range(7):  # the first step at a side also fills its caches: judged from the second on
            fake_time.advance(0.02)
            shown = len(got.results)
            worker.submit(UpdateRequest((Hint(21.0 + i, 100.0, (30.0, -20.0), 5),)))
            got.wait(lambda: len(got.results) > shown, f"drag step {i}")  # noqa: B023
            fake_time.wait_until_resting(i + 1)
    finally:
        worker.close(timeout=60)
    assert [p.side for p in got.plans] == [160] and engine.drag_size == 160
    assert [r.colorization.size for r in got.results[-2:]] == [256, 160], "the seventh step ran at the new side"
