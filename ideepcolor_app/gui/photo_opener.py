"""Opens photos in the background (see :mod:`.background`), so that decoding a large one never
freezes the window."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal

from ..base.errors import ImageError
from ..editing.document import Document
from ..hints.global_hints import GlobalHints
from ..hints.local_hints import Hint
from ..hints.regions import Region
from ..hints.strokes import Stroke
from ..photos.images import DRAFT_SIDE
from .background import BackgroundJobs

Opened = Callable[[Document], None]
Failed = Callable[[str], None]
Completed = Callable[[Document, Document], object]

COMPLETE_AFTER_MS = 1500
"""The full pixels of a draft start loading once its first result is shown (:meth:`PhotoOpener.start_completing`),
so that the two do not share the cores; at the latest this long after the draft opened."""


def open_error_message(path: Path, error: BaseException) -> str:
    """What the user reads when ``path`` could not be opened."""
    if isinstance(error, ImageError):
        return str(error)
    if isinstance(error, MemoryError):
        return f"{path}: not enough memory to open this photo. Close other programs or downscale it first."
    return f"{path}: could not be opened ({type(error).__name__}: {error})."


class PhotoOpener(QObject):
    """Runs :meth:`Document.load` off the GUI thread and hands the document back on it.

    Only the newest request counts: a photo asked for while another is still loading replaces
    it, and the older one is dropped when it arrives. ``busy_changed`` tells the window when to
    show progress and hold edits.

    A large JPEG opens as a draft (decoded at a fraction of its size: the grey photo and the first
    result come in a fraction of the time) and its full pixels follow in the background, without
    holding edits: ``completed(document, full)`` hands them over (``full``: the photo loaded in
    full), and work that needs them (saving) waits for them with :meth:`when_complete`. They start
    loading when the window has shown the draft's first result (:meth:`start_completing`).
    """

    busy_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._jobs = BackgroundJobs(self)
        self._jobs.busy_changed.connect(self.busy_changed)
        self._full_jobs = BackgroundJobs(self)
        self._loading: Path | None = None
        self._waiting: list[Callable[[], None]] = []
        self._pending: Callable[[], None] | None = None
        self._fallback = QTimer(self)
        self._fallback.setSingleShot(True)
        self._fallback.timeout.connect(self.start_completing)

    @property
    def busy(self) -> bool:
        """A photo is being loaded."""
        return self._jobs.running("open")

    @property
    def completing(self) -> bool:
        """The full pixels of a photo opened as a draft are still to come."""
        return self._pending is not None or self._full_jobs.running("full")

    def start_completing(self) -> None:
        """Start loading the full pixels of the draft just opened, if not started yet."""
        pending, self._pending = self._pending, None
        self._fallback.stop()
        if pending is not None:
            pending()

    def when_complete(self, then: Callable[[], None]) -> None:
        """Run ``then`` once the full photo being loaded is in place (at once if none is loading);
        dropped if it cannot be loaded or another photo is opened first."""
        if self.completing:
            self._waiting.append(then)
            self.start_completing()
        else:
            then()

    @property
    def loading(self) -> Path | None:
        """The photo being loaded, if any."""
        return self._loading if self.busy else None

    def open(
        self,
        path: Path,
        hints: tuple[Hint, ...],
        opened: Opened,
        failed: Failed,
        global_hints: GlobalHints | None = None,
        strokes: tuple[Stroke, ...] = (),
        regions: tuple[Region, ...] = (),
        completed: Completed | None = None,
    ) -> None:
        """Load ``path`` with ``hints`` (and ``global_hints``, ``strokes``, ``regions``); ``opened(document)``
        or ``failed(message)`` runs on the GUI thread when it is done, unless another request or
        :meth:`cancel` came first. With ``completed``, a large JPEG opens as a draft and
        ``completed(document, full)`` follows, ``full`` the same photo loaded in full (or
        ``failed``, if its full pixels cannot be read)."""
        self._loading = path
        self._drop_full()

        def loaded(document: Document) -> None:
            opened(document)
            if completed is not None and document.photo.is_draft:
                self._pending = lambda: self._load_full(path, document, completed, failed)
                self._fallback.start(COMPLETE_AFTER_MS)

        self._jobs.run(
            lambda: Document.load(path, hints, global_hints, strokes, regions, DRAFT_SIDE if completed else None),
            loaded,
            lambda error: failed(open_error_message(path, error)),
            key="open",
            name="open",
        )

    def _load_full(self, path: Path, document: Document, completed: Completed, failed: Failed) -> None:
        def arrived(full: Document) -> None:
            completed(document, full)
            waiting, self._waiting = self._waiting, []
            for then in waiting:
                then()

        def broke(error: BaseException) -> None:
            self._waiting.clear()
            reduced = "Only a reduced copy of the photo was read: results cannot be saved."
            failed(f"{open_error_message(path, error)}\n{reduced}")

        self._full_jobs.run(lambda: Document.load(path), arrived, broke, key="full", name="full photo")

    def _drop_full(self) -> None:
        self._pending = None
        self._fallback.stop()
        self._full_jobs.cancel("full")
        self._waiting.clear()

    def cancel(self) -> None:
        """Forget the photo being loaded (it is dropped when it arrives)."""
        self._jobs.cancel("open")
        self._drop_full()

    def close(self) -> None:
        """Drop whatever is still loading; nothing is delivered after this."""
        self._jobs.close()
        self._drop_full()
        self._full_jobs.close()
