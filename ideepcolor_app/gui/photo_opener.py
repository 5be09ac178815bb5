"""Opens photos in the background (see :mod:`.background`), so that decoding a large one never
freezes the window."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from ..base.errors import ImageError
from ..editing.document import Document
from ..hints.global_hints import GlobalHints
from ..hints.local_hints import Hint
from ..hints.regions import Region
from ..hints.strokes import Stroke
from .background import BackgroundJobs

Opened = Callable[[Document], None]
Failed = Callable[[str], None]


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
    """

    busy_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._jobs = BackgroundJobs(self)
        self._jobs.busy_changed.connect(self.busy_changed)
        self._loading: Path | None = None

    @property
    def busy(self) -> bool:
        """A photo is being loaded."""
        return self._jobs.running("open")

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
    ) -> None:
        """Load ``path`` with ``hints`` (and ``global_hints``, ``strokes``, ``regions``); ``opened(document)``
        or ``failed(message)`` runs on the GUI thread when it is done, unless another request or
        :meth:`cancel` came first."""
        self._loading = path
        self._jobs.run(
            lambda: Document.load(path, hints, global_hints, strokes, regions),
            opened,
            lambda error: failed(open_error_message(path, error)),
            key="open",
            name="open",
        )

    def cancel(self) -> None:
        """Forget the photo being loaded (it is dropped when it arrives)."""
        self._jobs.cancel("open")

    def close(self) -> None:
        """Drop whatever is still loading; nothing is delivered after this."""
        self._jobs.close()
