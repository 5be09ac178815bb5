"""Delivers the engine's worker-thread results to the GUI thread as Qt signals."""
from __future__ import annotations

import threading
from pathlib import Path
from typing import Callable

from PySide6.QtCore import QObject, Signal

from ..engine import AsyncColorizer, ColorizationEngine, UpdateRequest
from ..hints import Hint
from ..images import Photo


class EngineBridge(QObject):
    result_ready = Signal(object)  # UpdateResult
    failed = Signal(str)
    saved = Signal(str)
    save_failed = Signal(str)

    def __init__(self, engine: ColorizationEngine, preview_max_side: int) -> None:
        super().__init__()
        self.engine = engine
        self._worker = AsyncColorizer(engine, self.result_ready.emit, lambda _, exc: self.failed.emit(str(exc)),
                                      preview_max_side)

    def submit(self, hints: tuple[Hint, ...], probe: tuple[float, float] | None, photo: Photo | None = None) -> int:
        return self._worker.submit(UpdateRequest(hints, probe, photo))

    def save_async(self, hints: tuple[Hint, ...], target: Path, writer: Callable[[object, Path], None]) -> None:
        """Compute the full-resolution result for ``hints`` and write it, off the GUI thread."""
        def run() -> None:
            try:
                writer(self.engine.colorize(hints).full_resolution_rgb(), target)
            except Exception as exc:  # shown to the user as a message, never a crash
                self.save_failed.emit(str(exc))
            else:
                self.saved.emit(str(target))

        threading.Thread(target=run, name="ideepcolor-save", daemon=True).start()

    def close(self) -> None:
        self._worker.close()
