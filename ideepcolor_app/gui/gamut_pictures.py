"""The gamut picker's pictures, one per whole lightness, computed once in the background.

Each picture is one :mod:`.background` job, those asked for first: the picker asks for a lightness
and is told when its picture is ready. Only the GUI thread touches the pictures and the queue; a
job computes one picture from its lightness alone.
"""

from __future__ import annotations

import atexit
import threading

import numpy as np
import qimage2ndarray
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QImage

from ..colour.color import gamut_map
from ..editing.document import ALL_LIGHTNESSES
from .background import BackgroundJobs

PICKER_SIZE = 221
"""Side of the gamut picker, in pixels."""


def _gamut_image(lightness: float) -> QImage:
    rgb, inside = gamut_map(lightness, PICKER_SIZE)
    shown = np.where(inside[..., None], rgb, (rgb * 0.25 + 30).astype(np.uint8))
    return qimage2ndarray.array2qimage(shown)


class GamutPictures(QObject):
    """The picker's picture at every whole lightness, computed in the background.

    Computing one on the GUI thread took 8 ms alone and over 30 ms beside a running network, and
    a hint drag crosses a new lightness at almost every step. Each whole lightness is computed
    once, those asked for first; ``ready(lightness)`` tells when one is done.
    """

    ready = Signal(float)

    def __init__(self) -> None:
        super().__init__()
        self._images: dict[float, QImage] = {}
        self._wanted: list[float] = []
        self._jobs = BackgroundJobs(self)
        self._computing: float | None = None
        self._idle = threading.Event()
        self._idle.set()
        self._stopping = False
        atexit.register(self.stop)

    def get(self, lightness: float) -> QImage | None:
        """The picture at this whole lightness, or None after asking for it first."""
        image = self._images.get(lightness)
        if image is None:
            if not self._wanted or self._wanted[-1] != lightness:  # asked again at each drag step
                self._wanted.append(lightness)
            self._next_job()
        return image

    def nearest(self, lightness: float) -> QImage | None:
        """The computed picture closest in lightness, if any."""
        done = min(self._images, key=lambda value: abs(value - lightness), default=None)
        return None if done is None else self._images[done]

    @property
    def complete(self) -> bool:
        """True once every lightness's picture is computed."""
        return len(self._images) == len(ALL_LIGHTNESSES)

    def start(self) -> None:
        """Begin computing all of them (the window does so at start-up)."""
        self._next_job()

    def stop(self) -> None:
        """Finish the picture being computed and compute no more. Run at exit: a thread still inside
        torch while the interpreter shuts down aborts the process."""
        self._stopping = True
        self._idle.wait()

    def _next_job(self) -> None:
        if self._computing is not None or self._stopping:
            return
        lightness = self._next()
        if lightness is None:
            return
        self._computing = lightness
        self._idle.clear()
        self._jobs.run(lambda: self._compute(lightness), self._done, self._failed, name="gamut-picture")

    def _compute(self, lightness: float) -> tuple[float, QImage]:
        try:
            return lightness, _gamut_image(lightness)
        finally:
            self._idle.set()

    def _done(self, done: tuple[float, QImage]) -> None:
        lightness, image = done
        self._images[lightness] = image
        self._computing = None
        self.ready.emit(lightness)
        self._next_job()

    def _failed(self, error: BaseException) -> None:
        self._stopping = True  # logged by the runner; the picker keeps the nearest picture it has
        self._computing = None

    def _next(self) -> float | None:
        """The newest lightness asked for that is missing, else the lowest missing one."""
        while self._wanted and self._wanted[-1] in self._images:
            self._wanted.pop()
        if self._wanted:
            return self._wanted.pop()
        return next((v for v in ALL_LIGHTNESSES if v not in self._images), None)


_pictures: GamutPictures | None = None


def gamut_pictures() -> GamutPictures:
    """The one :class:`GamutPictures` of this process (made on the GUI thread by the first picker)."""
    global _pictures
    if _pictures is None:
        _pictures = GamutPictures()
    return _pictures
