"""What tests build: photos (never from the shared data sets), engines and a fake clock.

One builder for each: conftest.py turns the engines into fixtures; test modules import the rest.
"""

from __future__ import annotations

import threading
from pathlib import Path

import cv2
import numpy as np

from ideepcolor_app.photos.images import Photo

REPOSITORY = Path(__file__).resolve().parents[1]
BUNDLED = REPOSITORY / "weights" / "ideepcolor-fast.safetensors"
"""The trained fast network shipped with the app: for tests of what it knows, marked slow where
they run it often (wiring and counting use the echo network or a tiny one)."""


def colour_photo(seed: int, size: tuple[int, int] = (481, 321)) -> np.ndarray:
    """A photo-like RGB image: smooth colour regions, a lightness gradient and a little grain.

    Sized like the dev-eval photos (481x321) by default, so tests need no data set.
    """
    rng = np.random.default_rng(seed)
    width, height = size
    grey = cv2.resize(rng.uniform(50, 200, (4, 6)).astype(np.float32), (width, height), interpolation=cv2.INTER_CUBIC)
    tint = cv2.resize(rng.normal(0, 45, (4, 6, 3)).astype(np.float32), (width, height), interpolation=cv2.INTER_CUBIC)
    ys, xs = np.mgrid[0:height, 0:width]
    subject = np.exp(-(((ys / height - 0.5) ** 2 + (xs / width - 0.5) ** 2) / (2 * 0.2**2)))  # colour in the middle
    rgb = grey[..., None] + tint * (0.3 + 0.7 * subject[..., None]).astype(np.float32)
    rgb *= np.linspace(0.6, 1.1, height, dtype=np.float32)[:, None, None]
    rgb += rng.normal(0, 4, rgb.shape).astype(np.float32)
    return np.clip(rgb, 0, 255).astype(np.uint8)


def colour_photo_value(seed: int = 0, size: tuple[int, int] = (320, 240)) -> Photo:
    """:func:`colour_photo` as an opened photo (``photo{seed}.png``)."""
    return Photo(Path(f"photo{seed}.png"), colour_photo(seed, size), f"sha{seed}", True)


def grey_photo(width: int = 300, height: int = 200, ramp: tuple[int, int] = (128, 128)) -> Photo:
    """An opened black-and-white photo: a left-to-right ramp of grey levels (flat by default)."""
    row = np.linspace(ramp[0], ramp[1], width).astype(np.uint8)
    pixels = np.repeat(np.tile(row, (height, 1))[..., None], 3, axis=2)
    return Photo(Path("grey.png"), pixels, f"grey{width}x{height}{ramp}", False)


class FakeTime:
    """A clock and a ``wait_for`` for :class:`~ideepcolor_app.inference.worker.AsyncColorizer` that move only
    when a test calls :meth:`advance`: drags and rests happen in fake seconds, whatever this
    machine's speed. ``waits`` counts how often the worker has started resting."""

    def __init__(self, start: float = 100.0) -> None:
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
