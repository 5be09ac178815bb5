import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import contextlib
import ctypes
import ctypes.util
import gc
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

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
    """Weights whose output is each hint's colour spread over a few pixels, grey elsewhere."""
    return make_echo_weights(tmp_path_factory.mktemp("weights") / "echo.safetensors")


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


@pytest.fixture(autouse=True)
def release_memory():
    """Free what each test left in reference cycles (a trainer and its scheduler hold each other,
    with a model and optimiser state of over 1 GB), and hand freed memory back to the system, so
    the suite's peak stays that of its largest test instead of the sum of its training tests.
    Windows closed by a test are deleted now, not by an event loop that never runs again: each
    held its engine and photos, and the suite's process grew past 8 GiB through the window tests."""
    yield
    if "PySide6.QtCore" in sys.modules:
        from PySide6.QtCore import QCoreApplication, QEvent

        if QCoreApplication.instance() is not None:
            QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim(0)


@pytest.fixture(autouse=True)
def isolated_user_dirs(tmp_path, monkeypatch):
    """Keep tests away from the real user cache, settings and $IDEEPCOLOR_WEIGHTS."""
    monkeypatch.setenv("IDEEPCOLOR_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.delenv("IDEEPCOLOR_WEIGHTS", raising=False)


def colour_photo(seed: int, size: tuple[int, int] = (481, 321)) -> np.ndarray:
    """A photo-like RGB image: smooth colour regions, a lightness gradient and a little grain.

    Sized like the dev-eval photos (481x321) by default, so tests need no data set.
    """
    rng = np.random.default_rng(seed)
    width, height = size
    import cv2

    grey = cv2.resize(rng.uniform(50, 200, (4, 6)).astype(np.float32), (width, height), interpolation=cv2.INTER_CUBIC)
    tint = cv2.resize(rng.normal(0, 45, (4, 6, 3)).astype(np.float32), (width, height), interpolation=cv2.INTER_CUBIC)
    ys, xs = np.mgrid[0:height, 0:width]
    subject = np.exp(-(((ys / height - 0.5) ** 2 + (xs / width - 0.5) ** 2) / (2 * 0.2**2)))  # colour in the middle
    rgb = grey[..., None] + tint * (0.3 + 0.7 * subject[..., None]).astype(np.float32)
    rgb *= np.linspace(0.6, 1.1, height, dtype=np.float32)[:, None, None]
    rgb += rng.normal(0, 4, rgb.shape).astype(np.float32)
    return np.clip(rgb, 0, 255).astype(np.uint8)


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


class FakeTime:
    """A clock and a ``wait_for`` for :class:`~ideepcolor_app.inference.worker.AsyncColorizer` that move only
    when a test calls :meth:`advance`: drags and rests happen in fake seconds, whatever this
    machine's speed. ``waits`` counts how often the worker has started resting."""

    def __init__(self, start: float = 100.0) -> None:
        import threading

        self.now = start
        self.waits = 0
        self._changed = threading.Condition()

    def clock(self) -> float:
        return self.now

    def wait_for(self, cond, predicate, seconds: float) -> bool:
        """Called by the worker with ``cond`` held: rest until ``predicate()`` or ``seconds`` of fake time."""
        deadline = self.now + seconds
        with self._changed:
            self.waits += 1
            self._changed.notify_all()
        while not predicate() and self.now < deadline:
            cond.wait(0.005)  # lets submit() in; only fake time or a new request ends the rest
        return predicate()

    def advance(self, seconds: float) -> None:
        self.now += seconds

    def wait_until_resting(self, count: int, timeout: float = 60.0) -> None:
        """Block until the worker has started its ``count``-th rest (a hang guard, not a speed test)."""
        with self._changed:
            assert self._changed.wait_for(lambda: self.waits >= count, timeout), f"the worker rests ({count})"


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()
