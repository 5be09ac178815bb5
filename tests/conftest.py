import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import ideepcolor_app  # noqa: F401  first: it sets how OpenMP threads wait, which torch reads when it loads

# isort: split

import contextlib
import ctypes
import ctypes.util
import gc
import sys
from pathlib import Path

import pytest
import torch
from builders import BUNDLED, FakeTime, colour_photo, grey_photo
from PIL import Image

from ideepcolor_app.inference.engine import ColorizationEngine
from ideepcolor_app.network.device import available_devices
from weights_factory import (
    make_echo_weights,
    make_global_hints_weights,
    make_random_weights,
    make_untrained_fast_weights,
)

DEVICES = available_devices()
"""Colour and engine tests run on each: the CPU always, CUDA or MPS where present."""


@pytest.fixture(scope="session")
def echo_weights(tmp_path_factory) -> Path:
    """Weights whose output is each hint's colour spread over a few pixels, grey elsewhere: an
    eighth-width network (a pass at 256 px takes 20 ms instead of 600 ms at full width)."""
    return make_echo_weights(tmp_path_factory.mktemp("weights") / "echo.safetensors", width=0.125)


@pytest.fixture(scope="session")
def full_echo_weights(tmp_path_factory) -> Path:
    """The echo network at full width: the engine treats it as the full-size network (slow on a
    CPU: cheaper first passes, refinement after a fast network). Only for tests of those roles."""
    return make_echo_weights(tmp_path_factory.mktemp("weights") / "echo-full.safetensors")


@pytest.fixture(scope="session")
def global_weights(tmp_path_factory) -> Path:
    """A small network with the global-hints branch, random (so global hints change its answer)."""
    return make_global_hints_weights(tmp_path_factory.mktemp("weights") / "global.safetensors")


@pytest.fixture(scope="session")
def untrained_fast_weights(tmp_path_factory) -> Path:
    """The fast model's size and form, untrained: for timing and scheduling, not for colours."""
    return make_untrained_fast_weights(tmp_path_factory.mktemp("weights") / "fast.safetensors")


@pytest.fixture(scope="session")
def random_weights(tmp_path_factory) -> Path:
    return make_random_weights(tmp_path_factory.mktemp("weights") / "random.safetensors")


_collected_at_mib = 0.0
"""Resident memory after the last full collection."""
COLLECT_AFTER_GROWTH_MIB = 256
"""A full collection takes about 0.1 s: after every test it was a fifth of the suite's time."""


def _resident_mib() -> float:
    try:
        return int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError):
        return float("inf")  # not Linux: always collect


@pytest.fixture(autouse=True)
def release_memory(request):
    """Free what tests left in reference cycles (a trainer and its scheduler hold each other, with
    a model and optimiser state of over 1 GB), and hand freed memory back to the system, so the
    suite's peak stays that of its largest test instead of the sum of its training tests: whenever
    resident memory grew by 256 MiB since the last time. Windows closed by a test are deleted at
    once, not by an event loop that never runs again (each holds its engine and photos: the suite's
    process once grew past 8 GiB through the window tests)."""
    global _collected_at_mib
    yield
    window_test = "qtbot" in request.fixturenames
    if window_test and "PySide6.QtCore" in sys.modules:
        from PySide6.QtCore import QCoreApplication, QEvent

        if QCoreApplication.instance() is not None:
            QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    if _resident_mib() - _collected_at_mib > COLLECT_AFTER_GROWTH_MIB:
        gc.collect()
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim(0)
        _collected_at_mib = _resident_mib()


@pytest.fixture(autouse=True)
def isolated_user_dirs(tmp_path, monkeypatch):
    """Keep tests away from the real user cache, settings and $IDEEPCOLOR_WEIGHTS."""
    monkeypatch.setenv("IDEEPCOLOR_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.delenv("IDEEPCOLOR_WEIGHTS", raising=False)


@pytest.fixture(scope="session")
def photo_files(tmp_path_factory) -> list[Path]:
    """Four colour JPEGs made for the tests (the shared data sets are never needed)."""
    folder = tmp_path_factory.mktemp("photos")
    paths = []
    for seed in range(4):
        path = folder / f"photo{seed}.jpg"
        Image.fromarray(colour_photo(seed)).save(path, quality=92)
        paths.append(path)
    return paths


@pytest.fixture(params=DEVICES)
def device(request) -> torch.device:
    return torch.device(request.param)


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture
def echo_engine(echo_weights) -> ColorizationEngine:
    """The echo network on the CPU with a flat grey 300x200 photo open: for wiring and counting."""
    engine = ColorizationEngine.from_weights(str(echo_weights), "cpu")
    engine.set_photo(grey_photo())
    return engine


@pytest.fixture(scope="module")
def bundled_engine() -> ColorizationEngine:
    """The trained fast network the app ships, on the CPU: for what it knows about colour."""
    return ColorizationEngine.from_weights(str(BUNDLED), "cpu")
