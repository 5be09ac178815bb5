"""The gamut picker's pictures, one per whole lightness, computed once on a background thread.

A producer that runs for the life of the process (at most 101 pictures, those asked for first),
not a one-off job, so it is not a :mod:`.background` job: the picker asks for a lightness and is
told when its picture is ready.
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

PICKER_SIZE = 221
"""Side of the gamut picker, in pixels."""


def _gamut_image(lightness: float) -> QImage:
    rgb, inside = gamut_map(lightness, PICKER_SIZE)
    shown = np.where(inside[..., None], rgb, (rgb * 0.25 + 30).astype(np.uint8))
    return qimage2ndarray.array2qimage(shown)


class GamutPictures(QObject):
    """The picker's picture at every whole lightness, computed on a background thread.

    Computing one on the GUI thread took 8 ms alone and over 30 ms beside a running network, and
    a hint drag crosses a new lightness at almost every step. The thread computes each whole lightness once,
    those asked for first; ``ready(lightness)`` tells when one is done.
    """

    ready = Signal(float)

    def __init__(self) -> None:
        super().__init__()
        self._images: dict[float, QImage] = {}
        self._wanted: list[float] = []
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stopping = False
        atexit.register(self.stop)

    def get(self, lightness: float) -> QImage | None:
        """The picture at this whole lightness, or None after asking for it first."""
        with self._lock:
            image = self._images.get(lightness)
            if image is None:
                if not self._wanted or self._wanted[-1] != lightness:  # asked again at each drag step
                    self._wanted.append(lightness)
                self._start()
            return image

    def nearest(self, lightness: float) -> QImage | None:
        """The computed picture closest in lightness, if any."""
        with self._lock:
            done = min(self._images, key=lambda value: abs(value - lightness), default=None)
            return None if done is None else self._images[done]

    @property
    def complete(self) -> bool:
        """True once every lightness's picture is computed."""
        with self._lock:
            return len(self._images) == len(ALL_LIGHTNESSES)

    def start(self) -> None:
        """Begin computing all of them (the window does so at start-up)."""
        with self._lock:
            self._start()

    def stop(self) -> None:
        """Finish the picture being computed and compute no more. Run at exit: a thread still inside
        torch while the interpreter shuts down aborts the process."""
        with self._lock:
            self._stopping = True
            thread = self._thread
        if thread is not None:
            thread.join()

    def _start(self) -> None:
        if self._thread is None and not self._stopping and len(self._images) < len(ALL_LIGHTNESSES):
            self._thread = threading.Thread(target=self._run, name="gamut-pictures", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        try:
            while (lightness := self._next()) is not None:
                image = _gamut_image(lightness)
                with self._lock:
                    self._images[lightness] = image
                self.ready.emit(lightness)
        finally:
            with self._lock:
                self._thread = None

    def _next(self) -> float | None:
        """The newest lightness asked for that is missing, else the lowest missing one."""
        with self._lock:
            while self._wanted and self._wanted[-1] in self._images:
                self._wanted.pop()
            if self._stopping:
                return None
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
