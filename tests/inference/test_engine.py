import threading
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from builders import grey_photo

from ideepcolor_app.colour.color import lab_to_rgb
from ideepcolor_app.hints.local_hints import Hint
from ideepcolor_app.inference.engine import ColorizationEngine
from ideepcolor_app.inference.worker import AsyncColorizer, UpdateRequest
from ideepcolor_app.network.precision import Precision
from ideepcolor_app.photos.images import Photo


def grey_engine(weights, device) -> ColorizationEngine:
    """An engine of ``weights`` on ``device`` with a flat grey photo open."""
    engine = ColorizationEngine.from_weights(str(weights), str(device))
    engine.set_photo(grey_photo())
    return engine


@pytest.fixture
def engine(echo_weights, device):
    """The echo engine on each device."""
    return grey_engine(echo_weights, device)


def test_full_resolution_result_keeps_the_photo_size_and_lightness(engine):
    rgb = engine.colorize([]).full_resolution_rgb()
    assert rgb.shape == (200, 300, 3) and rgb.dtype == np.uint8
    assert np.abs(rgb.astype(int) - 128).max() <= 1  # no hints: grey stays grey


def test_a_hint_colours_its_neighbourhood_only(engine):
    hint = Hint(150.0, 100.0, (-40.0, 50.0), 7)  # a green-yellow
    result = engine.colorize([hint])
    rgb = result.full_resolution_rgb().astype(int)
    at_hint, far = rgb[100, 150], rgb[20, 20]
    assert at_hint[1] > at_hint[0] + 20 and at_hint[1] > at_hint[2] + 20
    assert np.abs(far - 128).max() <= 1
    a, b = result.predicted_ab_at(150, 100)
    assert a < -25 and b > 30


def test_results_are_composed_on_the_photo_l_at_full_resolution(echo_weights, device):
    engine = ColorizationEngine.from_weights(str(echo_weights), str(device))
    pixels = np.zeros((64, 512, 3), np.uint8)
    pixels[:, ::2] = 255  # detail finer than the 256 network grid must survive
    engine.set_photo(Photo(None, pixels, "0" * 64, False))  # type: ignore[arg-type]
    rgb = engine.colorize([]).full_resolution_rgb()
    assert rgb[:, ::2].min() >= 254 and rgb[:, 1::2].max() <= 1


def test_distribution_and_suggestions_follow_the_current_hints(engine):
    palette = engine.colorize([]).suggestions(150, 100, k=6)
    assert 1 <= len(palette.suggestions) <= 6
    masses = [s.probability for s in palette.suggestions]
    assert masses == sorted(masses, reverse=True)
    dist = engine.colorize([]).distribution_at(10, 10)
    assert dist.shape == (529,) and abs(float(dist.sum()) - 1) < 1e-5
    with_hint = engine.colorize([Hint(150.0, 100.0, (60.0, 40.0), 9)]).suggestions(150, 100)
    assert with_hint.predicted.ab[0] > 20, "the prediction at the hint reflects the hint"
    for s in palette.suggestions:  # every suggestion displays at the pixel's L
        lab = torch.tensor([palette.lightness, *s.ab], dtype=torch.float64)[:, None, None]
        raw = lab_to_rgb(lab, clip=False)
        assert ((raw > -0.03) & (raw < 1.03)).all()
    abs_ = [np.array(s.ab) for s in palette.suggestions]
    assert all(np.linalg.norm(x - y) >= 8 for i, x in enumerate(abs_) for y in abs_[i + 1 :])


def test_out_of_gamut_hint_colours_are_snapped_at_the_pixel_lightness(echo_weights, device):
    engine = ColorizationEngine.from_weights(str(echo_weights), str(device))
    engine.set_photo(grey_photo(ramp=(250, 250)))  # very light: saturated colours do not exist here
    from ideepcolor_app.hints.hint_batch import HintBatch

    source = engine.current
    placed = HintBatch.place([Hint(150.0, 100.0, (100.0, -100.0), 5)], source.size, source.network_lightness())
    ab, mask = placed.paint(256, 256)
    assert mask.sum() == 25
    a, b = ab[0, :, 128, 128].tolist()
    assert abs(a) < 40 and abs(b) < 40


def test_preview_is_smaller_but_same_picture(engine):
    result = engine.colorize([Hint(150.0, 100.0, (-40.0, 50.0), 7)])
    preview = result.preview_rgb(150)
    assert preview.shape == (100, 150, 3)
    assert np.abs(preview[50, 75].astype(int) - result.full_resolution_rgb()[100, 150]).max() < 12


class SlowEngine:
    """Stands in for the engine to observe scheduling: records which hint states ran."""

    interactive = best = SimpleNamespace(is_fast=False)  # a slow network: its passes may be abandoned
    refines = False
    preview_size = drag_size = drag_plan = None
    size = 256
    photo = None

    def __init__(self):
        self.ran = []
        self.gate = threading.Event()
        self.started = threading.Event()

    def require_photo(self):
        return None

    def colorize(
        self, hints, size=256, should_stop=None, network=None, source=None, global_hints=None, look=None, **shapes
    ):
        self.started.set()
        self.gate.wait(5)
        self.ran.append(hints)
        return self

    def preview_rgb(self, max_side):
        return np.zeros((1, 1, 3), np.uint8)


def test_async_drops_superseded_requests():
    slow = SlowEngine()
    results = []
    done = threading.Event()

    def on_result(r):
        results.append(r)
        if r.hints == (Hint(9, 9, (0, 0)),):
            done.set()

    worker = AsyncColorizer(slow, on_result)  # type: ignore[arg-type]
    worker.submit(UpdateRequest((Hint(0, 0, (0, 0)),)))
    assert slow.started.wait(5)  # the first one is now running and blocked on the gate
    for i in range(1, 10):
        worker.submit(UpdateRequest((Hint(i, i, (0, 0)),)))
    slow.gate.set()
    assert done.wait(5)
    worker.close()
    assert [h[0].x for h in slow.ran] == [0, 9]
    assert worker.dropped == 8


def test_async_reports_errors_and_keeps_running(engine):
    errors, results = [], []
    got = threading.Event()
    worker = AsyncColorizer(
        engine, lambda r: (results.append(r), r.preliminary or got.set()), lambda i, e: (errors.append(e), got.set())
    )
    engine.current, saved = None, engine.current
    worker.submit(UpdateRequest(()))
    assert got.wait(10) and errors and "No photo" in str(errors[0])
    got.clear()
    engine.current = saved
    worker.submit(UpdateRequest((Hint(1, 1, (0, 0)),), probe=(1.0, 1.0)))
    assert got.wait(20) and results[-1].palette is not None and not results[-1].preliminary
    worker.close()


@pytest.fixture
def full_engine(full_echo_weights, device):
    """The full-width echo engine on each device: slow enough on a CPU for a cheaper first pass."""
    return grey_engine(full_echo_weights, device)


def test_preview_pass_is_cheaper_but_shows_the_hint(full_engine):
    engine = full_engine
    if engine.device.type != "cpu":
        pytest.skip("the low-resolution first pass is for the CPU")
    hint = Hint(150.0, 100.0, (-40.0, 50.0), 9)
    size = engine.preview_size
    preview = engine.colorize([hint], size)
    assert (
        size < 256 and preview.ab.shape == (1, 2, size, size) and preview.logits.shape == (1, 529, size // 4, size // 4)
    )
    a, b = preview.predicted_ab_at(150, 100)
    assert a < -10 and b > 10
    assert preview.full_resolution_rgb().shape == (200, 300, 3)
    assert preview.distribution_at(150, 100).shape == (529,)


def test_async_shows_a_preview_then_the_full_result(full_engine):
    engine = full_engine
    if engine.device.type != "cpu":
        pytest.skip("the low-resolution first pass is for the CPU")
    results = []
    done = threading.Event()

    def on_result(r):
        results.append(r)
        if not r.preliminary:
            done.set()

    worker = AsyncColorizer(engine, on_result)
    worker.submit(UpdateRequest((Hint(150.0, 100.0, (20.0, 20.0), 5),), probe=(150.0, 100.0)))
    assert done.wait(30)
    worker.close()
    assert [r.preliminary for r in results] == [True, False]
    assert results[0].palette is None and results[1].palette is not None
    assert results[0].colorization.size == engine.preview_size and results[1].colorization.size == 256


def test_optimised_forward_matches_the_plain_model(random_weights):
    from ideepcolor_app.network.weights import load_model

    plain, _ = load_model(random_weights)
    engine = ColorizationEngine.from_weights(str(random_weights), "cpu", precision="fp32")  # layout only
    x = torch.randn(2, 4, 64, 64)
    with torch.inference_mode():
        fast_ab, fast_logits = engine.best.forward(x)
        reference = plain(x)
    assert (fast_ab - reference.ab).abs().max() < 1e-2  # ab units
    assert (fast_logits - reference.logits).abs().max() < 1e-3


def test_a_newer_request_cancels_a_running_full_pass(engine):
    from ideepcolor_app.network.architecture import Cancelled

    polls = []

    def stop_after_two_checks():
        polls.append(1)
        return len(polls) >= 2

    with pytest.raises(Cancelled):
        engine.colorize([Hint(10.0, 10.0, (5.0, 5.0))], should_stop=stop_after_two_checks)
    assert len(polls) == 2, "the pass stopped at the second check, not at the end"
    assert engine.colorize([], should_stop=lambda: False).ab.shape == (1, 2, 256, 256)


def test_cpu_upsampling_matches_torch_bilinear():
    import torch.nn.functional as F

    from ideepcolor_app.inference.engine import upsample_ab

    ab = torch.randn(1, 2, 32, 32) * 40
    fast = upsample_ab(ab, 300, 410)
    plain = F.interpolate(ab, size=(300, 410), mode="bilinear", align_corners=False)[0]
    assert fast.shape == plain.shape and (fast - plain).abs().max() < 0.05  # ab units


@pytest.fixture
def two_network_engine(full_echo_weights, tmp_path):
    """The echo network as the full-size one, and an untrained fast one that shows its lightness fill."""
    from ideepcolor_app.colour.encoding import HintEncoding
    from ideepcolor_app.network.model import SIGGRAPHGenerator
    from ideepcolor_app.network.weights import save_weights

    fast = save_weights(
        SIGGRAPHGenerator(0.25, residual=True).state_dict(),
        tmp_path / "fast.safetensors",
        mask_convention="centered",
        hint_encoding=HintEncoding.LIGHTNESS_FILL,
    )
    from ideepcolor_app.inference.network import Network

    engine = ColorizationEngine(
        [Network.from_file(full_echo_weights, torch.device("cpu")), Network.from_file(fast, torch.device("cpu"))],
        torch.device("cpu"),
    )
    engine.set_photo(grey_photo())
    return engine


def test_the_fast_network_answers_first_and_the_full_one_refines(two_network_engine):
    engine = two_network_engine
    assert engine.refines and engine.interactive.is_fast and not engine.best.is_fast and engine.preview_size is None
    results, done = [], threading.Event()

    def on_result(r):
        results.append(r)
        if not r.preliminary:
            done.set()

    worker = AsyncColorizer(engine, on_result, refine_delay=0.2)
    worker.submit(UpdateRequest((Hint(150.0, 100.0, (-40.0, 50.0), 7),), probe=(150.0, 100.0)))
    assert done.wait(30)
    worker.close()
    fast, full = results
    assert fast.preliminary and fast.colorization.weights.is_fast and fast.palette is not None
    assert not full.preliminary and not full.colorization.weights.is_fast
    # the fast (fill) result colours the whole photo, the full (echo) one only near the hint
    assert abs(int(fast.preview[10, 10, 1]) - int(fast.preview[10, 10, 0])) > 10
    assert np.abs(full.preview[10, 10].astype(int) - 128).max() <= 1


def test_refinement_waits_until_the_hints_stop_changing(two_network_engine, fake_time):
    passes = []
    arrived = threading.Semaphore(0)

    def on_result(result):
        passes.append(result.preliminary)
        arrived.release()

    worker = AsyncColorizer(
        two_network_engine, on_result, refine_delay=0.5, clock=fake_time.clock, wait_for=fake_time.wait_for
    )
    for i in range(8):  # a drag: a new state every 0.1 s of fake time, faster than the refine delay
        worker.submit(UpdateRequest((Hint(20.0 + 20 * i, 100.0, (30.0, 30.0), 5),)))
        assert arrived.acquire(timeout=60)
        fake_time.wait_until_resting(i + 1)
        fake_time.advance(0.1)
    assert False not in passes, "no full-size pass while the hints change"
    fake_time.advance(0.5)  # the hints rest
    assert arrived.acquire(timeout=60)
    worker.close()
    assert passes.count(False) == 1, "one full-size pass, after the drag ended"
    assert passes[-1] is False and passes.count(True) == 8


def test_a_drag_with_only_the_fast_network_shows_results_while_it_lasts(two_network_engine):
    """A pass of the fast network is never abandoned: a new state every 20 ms used to cancel
    every pass, so an offline user saw nothing until the mouse stopped. Here each pass is held
    until the next state has been submitted, so a newer state is always waiting when it ends."""
    engine = ColorizationEngine([two_network_engine.interactive], torch.device("cpu"))
    engine.set_photo(grey_photo())
    entered, gate = threading.Semaphore(0), threading.Semaphore(0)
    colorize = engine.colorize

    def held(*args, **kwargs):
        entered.release()
        assert gate.acquire(timeout=60)
        return colorize(*args, **kwargs)

    engine.colorize = held  # type: ignore[method-assign]
    shown = []
    worker = AsyncColorizer(engine, lambda r: shown.append(r.hints[0].x))
    worker.submit(UpdateRequest((Hint(20.0, 100.0, (30.0, 30.0), 5),)))
    for i in range(1, 6):
        assert entered.acquire(timeout=60)  # a pass for the previous state is running
        worker.submit(UpdateRequest((Hint(20.0 + 5 * i, 100.0, (30.0, 30.0), 5),)))
        gate.release()  # it ends with a newer state pending
    assert entered.acquire(timeout=60)
    gate.release()
    for _ in range(4):  # the resting state's own passes, if any
        gate.release()
    worker.close(timeout=60)
    assert [20.0 + 5 * i for i in range(5)] == shown[:5], "every state of the drag was shown"


def test_a_drag_on_a_cpu_runs_the_fast_network_smaller_until_the_hints_rest(two_network_engine, fake_time):
    """More than 10 updates a second during a drag on a CPU: passes at DRAG_SIZE while hints change
    quickly, then the full resolution once they rest. The drag's timing comes from a fake clock, and
    each state is submitted once the previous one is shown, so no outcome depends on this machine's speed."""
    from ideepcolor_app.inference.engine import DRAG_SIZE

    engine = ColorizationEngine([two_network_engine.interactive], torch.device("cpu"))
    engine.interactive.precision = Precision.FP32  # the fp32 path; in bf16 drags run at 256 (test below)
    engine.set_photo(grey_photo())
    assert engine.drag_size == DRAG_SIZE
    arrived = threading.Semaphore(0)
    results = []

    def on_result(result):
        results.append(result)
        arrived.release()

    worker = AsyncColorizer(engine, on_result, refine_delay=0.3, clock=fake_time.clock, wait_for=fake_time.wait_for)
    worker.submit(UpdateRequest((Hint(20.0, 100.0, (30.0, 30.0), 5),)))  # a single click
    assert arrived.acquire(timeout=30)
    assert results[0].colorization.size == 256 and not results[0].preliminary, "a click is answered at 256"
    for i in range(1, 6):  # a drag: a new state 20 ms (of the fake clock) after the last
        fake_time.advance(0.02)
        worker.submit(UpdateRequest((Hint(20.0 + 5 * i, 100.0, (30.0, 30.0), 5),)))
        assert arrived.acquire(timeout=30)
        assert results[-1].preliminary and results[-1].colorization.size == DRAG_SIZE, f"drag step {i}"
        fake_time.wait_until_resting(i)
    fake_time.advance(0.3)  # the hints rest
    assert arrived.acquire(timeout=30), "the resting state follows"
    worker.close()
    last = results[-1]
    assert not last.preliminary and last.colorization.size == 256 and last.hints[0].x == 20.0 + 5 * 5
    assert last.preview.shape == results[-2].preview.shape, "shown at the same display size"
    assert len(results) == 7


def test_in_bf16_a_drag_runs_the_fast_network_at_full_size(two_network_engine):
    engine = ColorizationEngine([two_network_engine.interactive], torch.device("cpu"))
    engine.interactive.precision = Precision.BF16
    assert engine.drag_size == 256
    engine.interactive.precision = Precision.FP32
    assert engine.drag_size == 192


@pytest.mark.slow  # a 4-megapixel photo through every pass
def test_drag_passes_on_a_large_photo_are_shown_smaller_and_the_rest_in_full(two_network_engine, fake_time):
    from ideepcolor_app.inference.worker import PRELIMINARY_MAX_SIDE

    engine = ColorizationEngine([two_network_engine.interactive], torch.device("cpu"))
    engine.set_photo(grey_photo(2400, 1600))
    results = []
    arrived = threading.Semaphore(0)

    def on_result(result):
        results.append(result)
        arrived.release()

    worker = AsyncColorizer(
        engine, on_result, preview_max_side=2048, refine_delay=0.3, clock=fake_time.clock, wait_for=fake_time.wait_for
    )
    for i in range(25):  # a drag: a new state every 20 ms of fake time
        worker.submit(UpdateRequest((Hint(400.0 + 40 * i, 800.0, (30.0, 30.0), 5),)))
        assert arrived.acquire(timeout=60)
        if i:  # the first state is a click, answered in full at once; drag steps then rest
            fake_time.wait_until_resting(i)
        fake_time.advance(0.02)
    fake_time.advance(0.3)  # the hints rest
    assert arrived.acquire(timeout=60)
    worker.close()
    assert not results[-1].preliminary and results[-1].hints[0].x == 400.0 + 40 * 24
    during = [r for r in results if r.preliminary]
    assert during and all(r.preview.shape[:2] == (PRELIMINARY_MAX_SIDE * 2 // 3, PRELIMINARY_MAX_SIDE) for r in during)
    assert results[-1].preview.shape[:2] == (1365, 2048), "the state the drag ends on, at display size"
