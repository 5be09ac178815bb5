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

from PySide6.QtCore import QCoreApplication, QElapsedTimer, QEvent, QSettings, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from ..bench import cpu_counters, steal_percent  # noqa: E402
from ..editor import MAX_RECENT_COLORS  # noqa: E402
from ..engine import ColorizationEngine  # noqa: E402
from ..hints import Hint  # noqa: E402
from ..images import Photo, load_photo, save_image  # noqa: E402
from . import file_actions  # noqa: E402
from .bridge import EngineBridge  # noqa: E402
from .main_window import SAMPLE_PHOTO, MainWindow  # noqa: E402


def gui_rows(engine: ColorizationEngine, quick: bool, photo: Photo) -> dict[str, dict[str, float | None]]:
    """All GUI rows of the benchmark: drags on the sample photo and on ``photo`` (12 MP), and opening
    ``photo`` saved as a JPEG."""
    seconds = 2.0 if quick else 5.0
    return {
        "gui_drag": gui_drag_stall(engine, seconds),
        "gui_drag_12mp": gui_drag_stall(engine, seconds, photo),
        "gui_open_12mp": gui_open_stall(engine, photo, 2 if quick else 3),
    }


def gui_drag_stall(
    engine: ColorizationEngine, seconds: float = 5.0, photo: Photo | None = None
) -> dict[str, float | None]:
    """Drag a hint continuously in the real window (offscreen) and record the event loop's worst stall.

    ``photo`` is the sample photo (512x512) unless given.

    The window starts from fixed settings, not the user's: a full row of recent colours (the most
    the panel redraws at each step of a drag, since they are shown at the hint's lightness).
    """
    with tempfile.TemporaryDirectory() as settings_folder:
        QSettings.setPath(QSettings.Format.NativeFormat, QSettings.Scope.UserScope, settings_folder)
        return _drag(engine, seconds, photo or load_photo(SAMPLE_PHOTO))


def _drag(engine: ColorizationEngine, seconds: float, photo: Photo) -> dict[str, float | None]:
    app = QApplication.instance() or QApplication([])
    window = MainWindow(str(engine.info.path), str(engine.device.type))
    window.use_bridge(EngineBridge(engine, 2048))  # the benchmark's engine instead of the window's own copy
    window.show()
    bridge = window.bridge
    document = window.editor.open(photo)
    assert bridge is not None
    for i in range(MAX_RECENT_COLORS):
        angle = 2 * np.pi * i / MAX_RECENT_COLORS
        window.editor.choose_color(60 * np.cos(angle), 60 * np.sin(angle), True)
    hints = document.hints
    width, height = document.size
    hints.add(Hint(width / 2, height / 2, (30.0, 30.0), 5))
    wait_until = time.monotonic() + 60
    while bridge.engine.current is None or bridge.engine.current.photo is not photo:  # uploaded: a large
        app.processEvents()  # photo takes a second, which is opening, not dragging
        if time.monotonic() > wait_until:
            break
        time.sleep(0.01)
    clock = QElapsedTimer()
    clock.start()
    gaps: list[float] = []
    last = [clock.nsecsElapsed()]
    results_seen = [0]
    bridge.result_ready.connect(lambda _: results_seen.__setitem__(0, results_seen[0] + 1))

    def tick() -> None:
        now = clock.nsecsElapsed()
        gaps.append((now - last[0]) / 1e6)
        last[0] = now

    def move() -> None:
        t = clock.elapsed() / 1000
        hints.update(0, coalesce="bench", x=width * (0.5 + 0.3 * np.sin(t)), y=height * (0.5 + 0.3 * np.cos(t)))

    ticker, mover = QTimer(), QTimer()
    ticker.timeout.connect(tick)
    mover.timeout.connect(move)
    ticker.start(5)
    mover.start(16)
    counters_at_start = cpu_counters()
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.001)
    ticker.stop()
    mover.stop()
    document.mark_saved()
    window.close()
    window.deleteLater()  # a closed window is only hidden: free its photo before the next drag
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    return {
        "worst_stall_ms": max(gaps) - 5 if gaps else float("nan"),
        "median_gap_ms": statistics.median(gaps),
        "updates_shown": results_seen[0],
        "updates_per_second": results_seen[0] / seconds,
        "seconds": seconds,
        "photo_megapixels": width * height / 1e6,
        "cpu_steal_percent": steal_percent(counters_at_start, cpu_counters()),
    }


def gui_open_stall(engine: ColorizationEngine, photo: Photo, opens: int = 3) -> dict[str, float | None]:
    """Open ``photo``, saved as a JPEG, with File > Open's code ``opens`` times, and record the event
    loop's worst stall from the call until the first result is shown, and how long the grey photo
    and that result took to appear (medians)."""
    with tempfile.TemporaryDirectory() as folder:
        QSettings.setPath(QSettings.Format.NativeFormat, QSettings.Scope.UserScope, folder)
        path = Path(folder) / "photo.jpg"
        save_image(photo.rgb8(), path)
        return _open(engine, path, opens)


def _shows_result_of_open_photo(window: MainWindow) -> bool:
    latest, document = window.editor.latest, window.editor.document
    return latest is not None and document is not None and latest.photo is document.photo


def _open(engine: ColorizationEngine, path: Path, opens: int) -> dict[str, float | None]:
    app = QApplication.instance() or QApplication([])
    window = MainWindow(str(engine.info.path), str(engine.device.type))
    window.use_bridge(EngineBridge(engine, 2048))
    window.show()
    clock = QElapsedTimer()
    clock.start()
    gaps: list[float] = []
    last = [0]
    grey_ms: list[float] = []
    result_ms: list[float] = []

    def tick() -> None:
        now = clock.nsecsElapsed()
        gaps.append((now - last[0]) / 1e6)
        last[0] = now

    def wait_for(done: Callable[[], bool], seconds: float = 60.0) -> None:
        end = time.monotonic() + seconds
        while not done() and time.monotonic() < end:
            app.processEvents()
            time.sleep(0.001)

    ticker = QTimer()
    ticker.timeout.connect(tick)
    counters_at_start = cpu_counters()
    for _ in range(opens):
        if window.editor.document is not None:
            window.editor.document.mark_saved()
        started = clock.nsecsElapsed()
        last[0] = started
        ticker.start(5)
        file_actions.open_photo(window, path, ask=False)
        wait_for(lambda: not window.opener.busy)
        grey_ms.append((clock.nsecsElapsed() - started) / 1e6)
        wait_for(lambda: _shows_result_of_open_photo(window))
        result_ms.append((clock.nsecsElapsed() - started) / 1e6)
        ticker.stop()
        wait_for(lambda: False, 0.5)  # settle: the palette and picker finish before the next open
    if window.editor.document is not None:
        window.editor.document.mark_saved()
    window.close()
    window.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    return {
        "worst_stall_ms": max(gaps) - 5 if gaps else float("nan"),
        "grey_shown_ms": statistics.median(grey_ms),
        "first_result_ms": statistics.median(result_ms),
        "opens": opens,
        "cpu_steal_percent": steal_percent(counters_at_start, cpu_counters()),
    }
