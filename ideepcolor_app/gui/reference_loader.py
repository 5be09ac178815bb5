"""Reads a reference photo's colours off the GUI thread (a large photo takes about a second)."""

from __future__ import annotations

import contextlib
import logging
import threading
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from ..errors import ImageError
from ..global_hints import reference_of_photo

log = logging.getLogger(__name__)


class ReferenceLoader(QObject):
    """``load(path)``; then ``loaded(path, histogram, thumbnail)`` or ``failed(path, message)`` on the
    GUI thread. Only the latest request is delivered."""

    loaded = Signal(str, object, object)
    failed = Signal(str, str)
    _finished = Signal(int, str, object, object, str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._request = 0
        self._finished.connect(self._deliver)

    def load(self, path: str | Path) -> None:
        self._request += 1
        threading.Thread(
            target=self._read, args=(self._request, str(path)), name="ideepcolor-reference", daemon=True
        ).start()

    def _read(self, request: int, path: str) -> None:
        histogram, thumbnail, error = None, None, ""
        try:
            histogram, thumbnail = reference_of_photo(path)
        except ImageError as exc:
            error = str(exc)
        except ValueError as exc:  # a grey photo
            error = f"{Path(path).name}: {exc}."
        except MemoryError:
            error = f"{path}: not enough memory to read this photo. Choose a smaller one."
        except Exception as exc:  # shown to the user, never a crash of the window
            log.exception("reading the reference %s failed", path)
            error = f"{path}: could not be read ({type(exc).__name__}: {exc})."
        with contextlib.suppress(RuntimeError):  # the window was closed meanwhile
            self._finished.emit(request, path, histogram, thumbnail, error)

    def _deliver(self, request: int, path: str, histogram: object, thumbnail: object, error: str) -> None:
        if request != self._request:
            return
        if histogram is None:
            self.failed.emit(path, error)
        else:
            self.loaded.emit(path, histogram, thumbnail)
