"""Opens photos on a worker thread, so that decoding a large one never freezes the window."""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from ..document import Document
from ..errors import ImageError
from ..global_hints import GlobalHints
from ..hints import Hint

log = logging.getLogger(__name__)

Opened = Callable[[Document], None]
Failed = Callable[[str], None]


class PhotoOpener(QObject):
    """Runs :meth:`Document.load` off the GUI thread and hands the document back on it.

    Only the newest request counts: a photo asked for while another is still loading replaces
    it, and the older one is dropped when it arrives. ``busy_changed`` tells the window when to
    show progress and hold edits.
    """

    busy_changed = Signal(bool)

    _finished = Signal(int, object, str)  # (request, Document or None, error) from the loading thread

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._request = 0
        self._waiting: tuple[Path, Opened, Failed] | None = None
        self._closed = False
        self._finished.connect(self._deliver)

    @property
    def busy(self) -> bool:
        """A photo is being loaded."""
        return self._waiting is not None

    @property
    def loading(self) -> Path | None:
        """The photo being loaded, if any."""
        return self._waiting[0] if self._waiting is not None else None

    def open(
        self,
        path: Path,
        hints: tuple[Hint, ...],
        opened: Opened,
        failed: Failed,
        global_hints: GlobalHints | None = None,
    ) -> None:
        """Load ``path`` with ``hints`` (and ``global_hints``); ``opened(document)`` or ``failed(message)``
        runs on the GUI thread when it is done, unless another request or :meth:`cancel` came first."""
        was_busy = self.busy
        self._request += 1
        self._waiting = (path, opened, failed)
        threading.Thread(
            target=self._load, args=(self._request, path, hints, global_hints), name="ideepcolor-open", daemon=True
        ).start()
        if not was_busy:
            self.busy_changed.emit(True)

    def cancel(self) -> None:
        """Forget the photo being loaded (it is dropped when it arrives)."""
        if self._waiting is not None:
            self._request += 1
            self._waiting = None
            self.busy_changed.emit(False)

    def close(self) -> None:
        """Drop whatever is still loading; nothing is delivered after this."""
        self._closed = True
        self._waiting = None

    def _load(self, request: int, path: Path, hints: tuple[Hint, ...], global_hints: GlobalHints | None) -> None:
        document, error = None, ""
        try:
            document = Document.load(path, hints, global_hints)
        except ImageError as exc:
            error = str(exc)
        except MemoryError:
            error = f"{path}: not enough memory to open this photo. Close other programs or downscale it first."
        except Exception as exc:  # reported to the user, never a crash of the window
            log.exception("opening %s failed", path)
            error = f"{path}: could not be opened ({type(exc).__name__}: {exc})."
        with contextlib.suppress(RuntimeError):  # the window, and this object, were deleted meanwhile
            self._finished.emit(request, document, error)

    def _deliver(self, request: int, document: Document | None, error: str) -> None:
        if self._closed or request != self._request or self._waiting is None:
            return  # replaced by a newer request, cancelled, or the window closed
        _, opened, failed = self._waiting
        self._waiting = None
        self.busy_changed.emit(False)
        if document is not None:
            opened(document)
        else:
            failed(error)
