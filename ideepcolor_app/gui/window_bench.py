"""``ideepcolor bench``'s GUI rows: drag a hint and open a photo in the real window, and watch the
event loop meanwhile."""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QCoreApplication, QElapsedTimer, QEvent, QSettings, QTimer
from PySide6.QtWidgets import QApplication

from ..editing.editor import MAX_RECENT_COLORS
from ..editing.tools import Tool
from ..evaluation.bench import cpu_counters, steal_percent
from ..inference.engine import ColorizationEngine
from ..photos.images import Photo, load_photo, save_image
from . import file_actions
from .bridge import EngineBridge
from .main_window import SAMPLE_PHOTO, MainWindow


def gui_rows(engine: ColorizationEngine, quick: bool, photo: Photo) -> dict[str, dict[str, float | None]]:
    """All GUI rows of the benchmark: drags of a hint and brush strokes on the sample photo and on
    ``photo`` (12 MP), and opening ``photo`` saved as a JPEG."""
    seconds = 2.0 if quick else 5.0
    return {
        "gui_drag": gui_drag_stall(engine, seconds),
        "gui_drag_12mp": gui_drag_stall(engine, seconds, photo),
        "gui_paint": gui_drag_stall(engine, seconds, tool=Tool.BRUSH),
        "gui_paint_12mp": gui_drag_stall(engine, seconds, photo, tool=Tool.BRUSH),
        "gui_open_12mp": gui_open_stall(engine, photo, 2 if quick else 3),
    }


def gui_drag_stall(
    engine: ColorizationEngine, seconds: float = 5.0, photo: Photo | None = None, tool: Tool = Tool.POINT
) -> dict[str, float | None]:
    """Drag a hint continuously in the real window (offscreen), or paint a brush stroke (``tool``),
    and record the event loop's worst stall and the updates shown.

    ``photo`` is the sample photo (512x512) unless given.

    The window starts from fixed settings, not the user's: a full row of recent colours (the most
    the panel redraws at each step of a drag, since they are shown at the hint's lightness).
    """
    with tempfile.TemporaryDirectory() as settings_folder:
        QSettings.setPath(QSettings.Format.NativeFormat, QSettings.Scope.UserScope, settings_folder)
        return _drag(engine, seconds, photo or load_photo(SAMPLE_PHOTO), tool)


class _EventLoopGaps:
    """Times between runs of a 5 ms timer: how long the event loop went without running."""

    INTERVAL_MS = 5

    def __init__(self) -> None:
        self.gaps: list[float] = []
        self._clock = QElapsedTimer()
        self._clock.start()
        self._last = 0
        self._timer = QTimer()
        self._timer.timeout.connect(self._tick)

    def start(self) -> None:
        self._last = self._clock.nsecsElapsed()
        self._timer.start(self.INTERVAL_MS)

    def stop(self) -> None:
        self._timer.stop()

    @property
    def worst_stall_ms(self) -> float:
        return max(self.gaps) - self.INTERVAL_MS if self.gaps else float("nan")

    def _tick(self) -> None:
        now = self._clock.nsecsElapsed()
        self.gaps.append((now - self._last) / 1e6)
        self._last = now


def _pump(done: Callable[[], bool], seconds: float) -> None:
    """Run the event loop until ``done()`` or ``seconds`` have passed."""
    end = time.monotonic() + seconds
    while not done() and time.monotonic() < end:
        QApplication.processEvents()
        time.sleep(0.001)


def _window(engine: ColorizationEngine) -> MainWindow:
    QApplication.instance() or QApplication([])
    window = MainWindow(str(engine.info.path), str(engine.device.type))
    window.use_bridge(EngineBridge(engine, 2048))  # the benchmark's engine instead of the window's own copy
    window.show()
    return window


def _dispose(window: MainWindow) -> None:
    if window.editor.document is not None:
        window.editor.document.mark_saved()
    window.close()
    window.deleteLater()  # a closed window is only hidden: free its photo before the next row
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def _drag(engine: ColorizationEngine, seconds: float, photo: Photo, tool: Tool) -> dict[str, float | None]:
    window = _window(engine)
    window.editor.set_tool(tool)
    bridge = window.bridge
    assert bridge is not None
    document = window.editor.open(photo)
    for i in range(MAX_RECENT_COLORS):
        angle = 2 * np.pi * i / MAX_RECENT_COLORS
        window.editor.choose_color(60 * np.cos(angle), 60 * np.sin(angle), True)
    width, height = document.size
    window.editor.choose_color(30.0, 30.0, True)
    # a hint (or the start of a stroke), held for a drag as a user does
    window.editor.press(None, width / 2, height * 0.8, inside=True)
    # Uploaded first: on a large photo that takes a second, which is opening, not dragging.
    _pump(lambda: bridge.engine.current is not None and bridge.engine.current.photo is photo, 60)
    results_seen = [0]
    bridge.result_ready.connect(lambda _: results_seen.__setitem__(0, results_seen[0] + 1))
    clock = QElapsedTimer()
    clock.start()

    def move() -> None:
        t = clock.elapsed() / 1000
        window.editor.drag_to(width * (0.5 + 0.3 * np.sin(t)), height * (0.5 + 0.3 * np.cos(t)))  # a circle

    loop = _EventLoopGaps()
    mover = QTimer()
    mover.timeout.connect(move)
    loop.start()
    mover.start(16)
    counters_at_start = cpu_counters()
    drag = QElapsedTimer()
    drag.start()
    _pump(lambda: False, seconds)
    _pump(lambda: results_seen[0] > 0, 60)  # on a very slow machine the drag lasts until one update shows
    dragged = drag.elapsed() / 1000
    loop.stop()
    mover.stop()
    window.editor.release()
    _dispose(window)
    return {
        "worst_stall_ms": loop.worst_stall_ms,
        "median_gap_ms": statistics.median(loop.gaps),
        "updates_shown": results_seen[0],
        "updates_per_second": results_seen[0] / dragged,
        "seconds": dragged,
        "photo_megapixels": width * height / 1e6,
        "stroke_points": len(document.hints.strokes[0].points) if document.hints.strokes else None,
        "cpu_steal_percent": steal_percent(counters_at_start, cpu_counters()),
    }


def gui_open_stall(engine: ColorizationEngine, photo: Photo, opens: int = 3) -> dict[str, float | None]:
    """Open ``photo``, saved as a JPEG, with File > Open's code ``opens`` times, and record the event
    loop's worst stall from the call until the first result is shown, and how long the grey photo,
    that result (of the draft a large JPEG opens as) and the result of the photo in full took to
    appear (medians)."""
    with tempfile.TemporaryDirectory() as folder:
        QSettings.setPath(QSettings.Format.NativeFormat, QSettings.Scope.UserScope, folder)
        path = Path(folder) / "photo.jpg"
        save_image(photo.rgb8(), path)
        return _open(engine, path, opens)


def _shows_result_of_open_photo(window: MainWindow) -> bool:
    latest, document = window.editor.latest, window.editor.document
    return latest is not None and document is not None and latest.photo is document.photo


def _shows_full_resolution_result(window: MainWindow) -> bool:
    """The result shown is of the photo in full (not of the draft it opened as)."""
    document = window.editor.document
    return _shows_result_of_open_photo(window) and document is not None and not document.photo.is_draft


def _open(engine: ColorizationEngine, path: Path, opens: int) -> dict[str, float | None]:
    window = _window(engine)
    loop = _EventLoopGaps()
    grey_ms: list[float] = []
    result_ms: list[float] = []
    full_ms: list[float] = []
    counters_at_start = cpu_counters()
    for _ in range(opens):
        if window.editor.document is not None:
            window.editor.document.mark_saved()
        started = time.perf_counter()
        loop.start()
        file_actions.open_photo(window, path, ask=False)
        _pump(lambda: not window.opener.busy, 60)
        grey_ms.append((time.perf_counter() - started) * 1e3)
        _pump(lambda: _shows_result_of_open_photo(window), 60)
        result_ms.append((time.perf_counter() - started) * 1e3)
        loop.stop()
        _pump(lambda: _shows_full_resolution_result(window), 60)
        full_ms.append((time.perf_counter() - started) * 1e3)
        _pump(lambda: False, 0.5)  # settle: the palette and picker finish before the next open
    _dispose(window)
    return {
        "worst_stall_ms": loop.worst_stall_ms,
        "grey_shown_ms": statistics.median(grey_ms),
        "first_result_ms": statistics.median(result_ms),
        "full_resolution_result_ms": statistics.median(full_ms),
        "opens": opens,
        "cpu_steal_percent": steal_percent(counters_at_start, cpu_counters()),
    }
