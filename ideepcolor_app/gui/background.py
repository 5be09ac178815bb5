"""One way to run work off the GUI thread: a function in, its result or its error back on the GUI thread.

Opening a photo, saving a result, downloading weights and reading a reference photo all use it, so
each handles errors the same way: the traceback goes to the log, and the GUI gets the exception.
A job started under a ``key`` supersedes the earlier job with that key (the photo opened last wins);
:meth:`BackgroundJobs.cancel` drops a job's delivery; after :meth:`BackgroundJobs.close` nothing is
delivered (the window is closing). The work itself is not interrupted: it runs to its end and its
answer is dropped, which is safe because every job works on its own inputs (a snapshot).
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, Signal

log = logging.getLogger(__name__)


@dataclass(eq=False)
class Job:
    """One piece of background work; ``cancelled`` jobs deliver nothing."""

    id: int
    name: str
    key: str | None
    on_done: Callable[[Any], None]
    on_error: Callable[[BaseException], None] | None
    cancelled: bool = False


class BackgroundJobs(QObject):
    """Runs functions on daemon threads and hands their outcome to callbacks on the GUI thread.

    Signals: ``busy_changed(bool)`` when the first job starts and when the last one ends.
    """

    busy_changed = Signal(bool)
    _finished = Signal(object, object, object)  # job, result, error (on the GUI thread)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._ids = itertools.count(1)
        self._running: dict[int, Job] = {}
        self._latest: dict[str, Job] = {}
        self._closed = False
        self._finished.connect(self._deliver)

    @property
    def busy(self) -> bool:
        """A job whose outcome is still wanted is running."""
        return any(not job.cancelled for job in self._running.values())

    def run(
        self,
        work: Callable[[], Any],
        on_done: Callable[[Any], None],
        on_error: Callable[[BaseException], None] | None = None,
        *,
        key: str | None = None,
        name: str = "job",
    ) -> Job:
        """Start ``work()`` on a new thread; ``on_done(result)`` or ``on_error(exception)`` runs
        on the GUI thread when it ends. A job with the same ``key`` still running is cancelled."""
        was_busy = self.busy
        if key is not None and key in self._latest:
            self._latest[key].cancelled = True
        job = Job(next(self._ids), name, key, on_done, on_error)
        self._running[job.id] = job
        if key is not None:
            self._latest[key] = job
        threading.Thread(target=self._work, args=(job, work), name=f"ideepcolor-{name}", daemon=True).start()
        if not was_busy:
            self.busy_changed.emit(True)
        return job

    def cancel(self, key: str) -> None:
        """Drop the outcome of the job running under ``key``, if any."""
        job = self._latest.get(key)
        if job is not None and not job.cancelled:
            was_busy = self.busy
            job.cancelled = True
            if was_busy and not self.busy:
                self.busy_changed.emit(False)

    def running(self, key: str) -> bool:
        """A job under ``key`` is running and still wanted."""
        job = self._latest.get(key)
        return job is not None and not job.cancelled and job.id in self._running

    def close(self) -> None:
        """Deliver nothing from now on (the window is closing)."""
        self._closed = True
        for job in self._running.values():
            job.cancelled = True

    def _work(self, job: Job, work: Callable[[], Any]) -> None:
        result: Any = None
        error: BaseException | None = None
        try:
            result = work()
        except Exception as exc:  # MemoryError too: handed to the GUI thread, never kills the app
            log.exception("background %s failed", job.name)
            error = exc
        with contextlib.suppress(RuntimeError):  # this object was deleted with its window meanwhile
            self._finished.emit(job, result, error)

    def _deliver(self, job: Job, result: Any, error: BaseException | None) -> None:
        was_busy = self.busy
        self._running.pop(job.id, None)
        if job.key is not None and self._latest.get(job.key) is job:
            del self._latest[job.key]
        if was_busy and not self.busy:
            self.busy_changed.emit(False)
        if self._closed or job.cancelled:
            return
        if error is None:
            job.on_done(result)
        elif job.on_error is not None:
            job.on_error(error)
