"""The desktop app driven as a user would (pytest-qt, offscreen)."""

import contextlib
import ctypes
import gc
import threading

import numpy as np
import pytest
import shiboken6
from gui_helpers import ScriptedDialogs, click, click_result, drag, open_and_wait, view_point, wait_for_result
from PIL import Image
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt, QTimer
from PySide6.QtGui import QWheelEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMessageBox

from ideepcolor_app.colour.look import DEFAULT_LOOK
from ideepcolor_app.editing import recovery
from ideepcolor_app.gui import engine_actions, file_actions
from ideepcolor_app.gui.app import display_problem
from ideepcolor_app.gui.bridge import EngineBridge
from ideepcolor_app.gui.main_window import MainWindow
from ideepcolor_app.photos.images import load_photo


def test_hints_are_added_dragged_selected_recoloured_and_deleted(qtbot, window):
    hints = window.editor.document.hints
    window.editor.choose_color(60.0, 50.0)  # a red for new hints
    click(window, 160, 120)
    assert len(hints) == 1 and hints.selected == 0 and hints[0].ab == (60.0, 50.0)
    assert abs(hints[0].x - 160) < 2 and abs(hints[0].y - 120) < 2
    wait_for_result(qtbot, window)
    preview = window.editor.latest.preview.astype(int)
    assert preview[120, 160, 0] > preview[120, 160, 2] + 25, "the result turns red at the hint"
    assert np.abs(preview[400, 500] - preview[400, 500].mean()).max() <= 2, "and stays grey far away"

    drag(window, (160, 120), (400, 300))
    assert len(hints) == 1 and abs(hints[0].x - 400) < 2 and abs(hints[0].y - 300) < 2
    wait_for_result(qtbot, window)
    preview = window.editor.latest.preview.astype(int)
    assert preview[300, 400, 0] > preview[300, 400, 2] + 25
    assert abs(preview[120, 160, 0] - preview[120, 160, 2]) <= 2, "the old place is grey again"
    window.editor.undo()
    assert abs(hints[0].x - 160) < 2, "a whole drag is one undo step"
    window.editor.redo()

    window.editor.choose_color(-40.0, -30.0)
    click(window, 100, 400)
    assert len(hints) == 2 and hints.selected == 1
    click(window, 400, 300)
    assert hints.selected == 0

    wait_for_result(qtbot, window, palette=True)
    swatch = window.panel.suggestion_swatches[-1]
    swatch.click()
    assert hints[0].ab == swatch.ab
    window.panel.predicted_swatch.click()
    assert hints[0].ab == window.panel.predicted_swatch.ab

    click(window, 100, 400, Qt.MouseButton.RightButton)
    assert len(hints) == 1
    hints.select(0)
    QTest.keyClick(window.canvas, Qt.Key.Key_Escape)
    assert hints.selected is None
    hints.select(0)
    QTest.keyClick(window.canvas, Qt.Key.Key_Delete)
    assert len(hints) == 0


def test_patch_size_follows_wheel_and_brackets(qtbot, window):
    window.editor.choose_color(20.0, 20.0)
    click(window, 300, 200)
    hints = window.editor.document.hints
    assert hints[0].size == 5
    pos = QPointF(view_point(window, 300, 200))
    wheel = QWheelEvent(
        pos,
        window.canvas.viewport().mapToGlobal(pos),
        QPoint(),
        QPoint(0, 120),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(window.canvas.viewport(), wheel)
    assert hints[0].size == 7
    QTest.keyClick(window.canvas, Qt.Key.Key_BracketRight)
    assert hints[0].size == 9
    QTest.keyClick(window.canvas, Qt.Key.Key_BracketRight)
    assert hints[0].size == 9, "9 is the largest patch"
    for _ in range(5):
        QTest.keyClick(window.canvas, Qt.Key.Key_BracketLeft)
    assert hints[0].size == 1 and window.editor.patch_size == 1
    click(window, 100, 100)
    assert hints[1].size == 1, "new hints take the current patch size"


def test_undo_redo_shortcuts(qtbot, window):
    hints = window.editor.document.hints
    for x in (100, 200, 300):
        click(window, x, 100)
    assert len(hints) == 3
    QTest.keySequence(window, "Ctrl+Z")
    QTest.keySequence(window, "Ctrl+Z")
    assert len(hints) == 1
    QTest.keySequence(window, "Ctrl+Shift+Z")
    assert len(hints) == 2
    QTest.keySequence(window, "Ctrl+Y")
    assert len(hints) == 3
    window.editor.clear_hints()
    assert len(hints) == 0
    QTest.keySequence(window, "Ctrl+Z")
    assert len(hints) == 3


def test_zoom_keeps_views_in_sync_and_hints_on_the_image(qtbot, window):
    click(window, 320, 240)
    before = window.canvas.hint_rect(window.editor.document.hints[0]).center()
    window.canvas.set_zoom(2.0)
    assert window.result_view.zoom == pytest.approx(2.0)
    assert window.canvas.hint_rect(window.editor.document.hints[0]).center() == before
    window.canvas.horizontalScrollBar().setValue(150)
    assert window.result_view.horizontalScrollBar().value() == 150
    window.canvas.fit()
    assert window.canvas.fit_mode and window.result_view.zoom == pytest.approx(window.canvas.zoom)


def test_result_is_saved_at_full_resolution(qtbot, window, photo_path, tmp_path):
    window.editor.choose_color(50.0, 0.0)
    click(window, 320, 240)
    out = tmp_path / "result.png"
    file_actions.save_result_to(window, out)
    qtbot.waitUntil(out.exists, timeout=120000)
    result = load_photo(out)
    assert result.size == (640, 480)
    assert result.pixels[240, 320, 0] > result.pixels[240, 320, 2] + 20
    assert photo_path.exists() and load_photo(photo_path).size == (640, 480)
    file_actions.save_result_to(window, photo_path, overwrite=True)
    qtbot.waitUntil(lambda: window.dialogs.last_error is not None, timeout=120000)
    assert "input photo" in window.dialogs.last_error
    assert not load_photo(photo_path).is_color, "the input photo is never overwritten"


def test_session_saved_and_reopened(qtbot, window, tmp_path, make_window):
    for x, ab in ((100, (10.0, 20.0)), (500, (-30.0, 5.0))):
        window.editor.choose_color(*ab)
        click(window, x, 200)
    saved = window.editor.document.hints.hints
    assert window.windowTitle().startswith("photo.png*")
    assert file_actions.save_session_to(window, tmp_path / "photo.hints.json")
    assert not window.windowTitle().startswith("photo.png*")
    other = make_window(show=False)
    open_and_wait(qtbot, other, tmp_path / "photo.hints.json", file_actions.open_path)
    assert other.editor.document.hints.hints == saved


def test_bad_files_get_messages_and_hints_survive(qtbot, window, tmp_path):
    click(window, 100, 100)
    kept = window.editor.document.hints.hints
    (tmp_path / "broken.jpg").write_bytes(b"\xff\xd8\xff not really")
    open_and_wait(qtbot, window, tmp_path / "broken.jpg", file_actions.open_path)
    assert "broken.jpg" in window.dialogs.last_error and "not an image this app can read" in window.dialogs.last_error
    (tmp_path / "bad.json").write_text('{"format": "ideepcolor-session", "version": 1, "image": {"path": 3}}')
    assert not file_actions.open_path(window, tmp_path / "bad.json")
    assert "'image.path'" in window.dialogs.last_error
    assert window.editor.document.hints.hints == kept
    click(window, 300, 300)
    assert len(window.editor.document.hints) == len(kept) + 1, "editing goes on after a failed open"


class GatedLoad:
    """Holds :meth:`Document.load` of the named photos until ``release``: a slow disk or a huge photo."""

    def __init__(self, monkeypatch, *names):
        from ideepcolor_app.editing.document import Document

        self.names, self.gate, self.real = names, threading.Event(), Document.load
        monkeypatch.setattr(
            Document,
            "load",
            classmethod(lambda cls, path, *args: self._load(path, *args)),
        )

    def _load(self, path, *args):
        if path.name in self.names:
            assert self.gate.wait(30), "released by the test"
        return self.real(path, *args)

    def release(self):
        self.gate.set()


def test_the_window_keeps_running_while_a_photo_loads(qtbot, window, tmp_path, monkeypatch):
    click(window, 100, 100)
    kept = window.editor.document.hints.hints
    Image.fromarray(np.full((200, 320), 30, np.uint8)).save(tmp_path / "slow.png")
    load = GatedLoad(monkeypatch, "slow.png")
    ticks = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(window.opener.busy))
    timer.start(10)
    assert file_actions.open_photo(window, tmp_path / "slow.png")
    # The load is held until released below, so timer ticks can only mean a free event loop.
    qtbot.waitUntil(lambda: ticks.count(True) >= 5, timeout=120000)
    timer.stop()
    assert window.open_progress.isVisible() and "Opening slow.png" in window.statusBar().currentMessage()
    assert window.editor.document.photo.path.name == "photo.png", "the old photo stays until the new one is ready"
    click(window, 300, 300)
    window.undo_action.trigger()
    assert window.editor.document.hints.hints == kept, "no edit of a photo that is about to be replaced"
    load.release()
    qtbot.waitUntil(lambda: not window.opener.busy, timeout=120000)
    assert window.editor.document.photo.path.name == "slow.png"
    assert not window.open_progress.isVisible() and window.canvas.isEnabled()
    click(window, 50, 50)
    assert len(window.editor.document.hints) == 1, "the new photo takes hints"
    wait_for_result(qtbot, window)


def test_a_photo_just_opened_is_converted_for_display_once_for_both_views(qtbot, window, tmp_path):
    Image.fromarray(np.full((200, 320), 30, np.uint8)).save(tmp_path / "grey.png")
    open_and_wait(qtbot, window, tmp_path / "grey.png")
    shown = [view.items()[0].pixmap() for view in (window.canvas, window.result_view)]
    assert shown[0].cacheKey() == shown[1].cacheKey(), "one pixmap, shared"
    assert shown[0].toImage().pixelColor(100, 100) == shown[1].toImage().pixelColor(100, 100)


def test_the_photo_opened_last_wins_over_one_still_loading(qtbot, window, tmp_path, monkeypatch):
    for name, size in (("first.png", (200, 320)), ("second.png", (100, 150))):
        Image.fromarray(np.full(size, 90, np.uint8)).save(tmp_path / name)
    load = GatedLoad(monkeypatch, "first.png")
    assert file_actions.open_photo(window, tmp_path / "first.png")
    assert file_actions.open_photo(window, tmp_path / "second.png")  # changed their mind
    qtbot.waitUntil(lambda: not window.opener.busy, timeout=120000)
    assert window.editor.document.photo.path.name == "second.png"
    load.release()
    qtbot.wait(300)  # the first photo arrives now, late
    assert window.editor.document.photo.path.name == "second.png", "the late photo is dropped"
    assert window.canvas.isEnabled()
    wait_for_result(qtbot, window)
    assert window.editor.latest.photo.size == (150, 100)


def test_escape_cancels_a_photo_that_is_still_loading(qtbot, window, tmp_path, monkeypatch):
    Image.fromarray(np.full((200, 320), 30, np.uint8)).save(tmp_path / "slow.png")
    load = GatedLoad(monkeypatch, "slow.png")
    assert file_actions.open_photo(window, tmp_path / "slow.png")
    QTest.keyClick(window, Qt.Key.Key_Escape)
    assert not window.opener.busy and "cancelled" in window.statusBar().currentMessage()
    assert window.canvas.isEnabled() and not window.open_progress.isVisible()
    load.release()
    qtbot.wait(300)
    assert window.editor.document.photo.path.name == "photo.png", "the cancelled photo is not shown"
    click(window, 100, 100)
    window.editor.document.hints.select(0)
    QTest.keyClick(window, Qt.Key.Key_Escape)
    assert window.editor.document.hints.selected is None, "Esc deselects again once nothing loads"


def test_closing_the_window_while_a_photo_loads(qtbot, echo_weights, photo_path, monkeypatch):
    load = GatedLoad(monkeypatch, "photo.png")
    failures = []
    monkeypatch.setattr(threading, "excepthook", failures.append)
    w = MainWindow(str(echo_weights), "cpu", dialogs=ScriptedDialogs())  # not kept by a builder: it must go
    w.show()
    assert file_actions.open_photo(w, photo_path)
    opener = w.opener
    w.close()
    w.deleteLater()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    assert not shiboken6.isValid(opener), "the window and its opener are gone"
    loaders = [t for t in threading.enumerate() if t.name == "ideepcolor-open"]
    load.release()  # the loaded photo reaches a window that is gone
    for thread in loaders:
        thread.join(10)
    qtbot.wait(100)
    assert loaders and not failures, "the loading thread ended quietly"


def test_autosave_restores_hints_after_a_crash(qtbot, window, make_window, dialogs, photo_path, monkeypatch):
    window.editor.choose_color(40.0, 40.0)
    click(window, 200, 200)
    click(window, 300, 300)
    qtbot.waitUntil(window.recovery.path.exists, timeout=120000)  # the autosave timer fired by itself
    lost = window.editor.document.hints.hints
    # A crash: the window never closes, so nothing cleans up, and its process is gone. A new run starts:
    monkeypatch.setattr(recovery, "process_alive", lambda pid: False)
    dialogs.reply(QMessageBox.StandardButton.Yes)
    fresh = make_window(show=False)
    open_and_wait(qtbot, fresh, None, lambda w, _: file_actions.offer_recovery(w))
    assert fresh.editor.document.photo.path.resolve() == photo_path.resolve()
    assert fresh.editor.document.hints.hints == lost
    assert not window.recovery.path.exists(), "the restored autosave is taken over"
    assert fresh.recovery.path.exists(), "the restoring window keeps the hints in its own autosave"
    fresh.editor.document.mark_saved()
    fresh.close()
    assert not fresh.recovery.path.exists(), "a clean exit removes the autosave"


def test_eyedropper_takes_a_colour_from_the_result(qtbot, window):
    window.editor.choose_color(-50.0, 40.0)
    click(window, 320, 240)
    wait_for_result(qtbot, window)
    window.editor.document.hints.select(None)
    window.editor.current_ab = (0.0, 0.0)
    window.panel.eyedropper.click()
    click_result(window, 320, 240)
    a, b = window.editor.current_ab
    assert a < -20 and b > 15 and not window.panel.eyedropper.isChecked()


def test_colour_photo_can_be_compared_with_its_original(qtbot, make_window, tmp_path):
    rgb = np.zeros((60, 80, 3), np.uint8)
    rgb[..., 2] = 220
    Image.fromarray(rgb).save(tmp_path / "blue.png")
    w = make_window(photo=tmp_path / "blue.png", show=False)
    assert w.show_original.isEnabled() and w.result_title.text() == "Result"
    w.show_original.trigger()
    assert w.show_original.isChecked()
    viewport = w.result_view.viewport()
    shown = viewport.grab().toImage().pixelColor(viewport.width() // 2, viewport.height() // 2)
    assert shown.blue() > 200 and shown.red() < 30
    assert w.result_title.text().startswith("Original"), "the pane says what it shows"
    w.show_original.trigger()
    assert w.result_title.text() == "Result"


def test_missing_weights_explain_the_fix_and_editing_still_works(qtbot, make_window, tmp_path, monkeypatch, photo_path):
    monkeypatch.setattr("ideepcolor_app.network.registry.BUNDLED_DIR", tmp_path / "nothing")
    w = make_window(weights=None, show=False)
    assert w.right.currentWidget() is w.no_weights
    assert "ideepcolor weights download siggraph17" in w.no_weights_text.text()
    open_and_wait(qtbot, w, photo_path)
    click(w, 50, 50)
    assert len(w.editor.document.hints) == 1
    file_actions.save_result_to(w, tmp_path / "x.png")
    assert "No result to save" in w.dialogs.last_error


def test_a_wrong_weights_file_keeps_the_weights_in_use(qtbot, window, tmp_path):
    engine = window.bridge.engine
    (tmp_path / "other.pth").write_bytes(b"not weights at all")
    assert not engine_actions.load_engine(window, str(tmp_path / "other.pth"))
    assert window.bridge is not None and window.bridge.engine is engine
    assert window.right.currentWidget() is window.result_view
    assert "other.pth" in window.weights_error
    engine_actions.set_device(window, "cuda:7")  # not here: the switch is refused, nothing is lost
    assert window.device == "cpu" and window.bridge.engine is engine and "cuda:7" in window.dialogs.last_error
    window.editor.choose_color(60.0, 50.0)
    click(window, 160, 120)
    wait_for_result(qtbot, window)  # updates still arrive from the kept engine
    assert window.editor.latest.preview[120, 160, 0] > window.editor.latest.preview[120, 160, 2] + 25


def test_settings_are_remembered(qtbot, window, make_window):
    window.editor.step_patch_size(1)
    window.editor.choose_color(11.0, 22.0)
    window.close()
    again = make_window(show=False)
    assert again.editor.patch_size == 7
    assert again.editor.recent_colors[0] == (11.0, 22.0)
    assert again.settings.recent_files[0].endswith("photo.png")


class SlowEngine:
    """Stand-in engine whose update takes 1.5 s (only in this test)."""

    def __init__(self, real):
        self.real = real
        self.info, self.interactive, self.best = real.info, real.interactive, real.best
        self.refines, self.preview_size, self.drag_size = real.refines, real.preview_size, real.drag_size
        self.drag_plan = real.drag_plan
        self.takes_global_hints = real.takes_global_hints
        self.finished = threading.Event()
        self.started, self.gate = threading.Event(), threading.Event()  # an update held until released
        self.returned = []  # what this engine computed, to tell its results from another engine's

    def set_photo(self, photo):
        return self.real.set_photo(photo)

    def require_photo(self):
        return self.real.require_photo()

    def colorize(
        self, hints, size=256, should_stop=None, network=None, source=None, global_hints=None, look=None, **shapes
    ):
        self.started.set()
        assert self.gate.wait(30), "released by the test"
        colorization = self.real.colorize(hints, size, should_stop, network, source, global_hints, look or DEFAULT_LOOK)
        self.returned.append(colorization)
        self.finished.set()
        return colorization


@pytest.mark.slow  # times the GUI thread during a slow update
def test_gui_thread_keeps_running_while_an_update_is_slow(qtbot, window):
    slow = SlowEngine(window.bridge.engine)
    window.use_bridge(EngineBridge(slow, 512))
    ticks = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(slow.started.is_set() and not slow.gate.is_set()))
    timer.start(10)
    click(window, 200, 200)  # submits the update, which is held until released
    qtbot.waitUntil(slow.started.is_set, timeout=120000)
    qtbot.waitUntil(lambda: ticks.count(True) >= 5, timeout=120000)  # timers fire while it is held
    slow.gate.set()
    qtbot.waitUntil(slow.finished.is_set, timeout=120000)
    timer.stop()
    window.bridge.close()
    window.bridge = None


def test_no_display_gives_a_message_instead_of_a_qt_abort(monkeypatch):
    for var in ("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setattr("sys.platform", "linux")
    message = display_problem()
    assert "ideepcolor colorize" in message and "xvfb-run" in message
    monkeypatch.setenv("DISPLAY", ":0")
    monkeypatch.setattr("ctypes.util.find_library", lambda name: f"lib{name}.so")
    assert display_problem() is None


def test_missing_xcb_libraries_name_the_package_instead_of_a_qt_abort(monkeypatch, capsys):
    import argparse

    from ideepcolor_app.gui.app import run_app

    for var in ("QT_QPA_PLATFORM", "WAYLAND_DISPLAY"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("DISPLAY", ":0")
    monkeypatch.setattr("sys.platform", "linux")
    monkeypatch.setattr("ctypes.util.find_library", lambda name: None if name == "xcb-cursor" else f"lib{name}.so")
    message = display_problem()
    assert "libxcb-cursor0" in message and "sudo apt-get install libxcb-cursor0" in message
    assert "ideepcolor colorize" in message and "libxcb-shape0" not in message
    assert run_app(argparse.Namespace(weights=None, device=None, mask_convention=None, image=None)) == 2
    assert "apt-get install libxcb-cursor0" in capsys.readouterr().err


def test_opening_another_photo_during_a_slow_save_does_not_change_what_is_saved(qtbot, window, tmp_path, monkeypatch):
    """The save keeps the photo it was asked for: size and lightness of the first photo."""
    window.editor.choose_color(60.0, 50.0)
    click(window, 320, 240)
    engine = window.bridge.engine
    real_colorize, gate = engine.colorize, threading.Event()

    def slow_on_the_save_thread(*args, **kwargs):
        if threading.current_thread().name == "ideepcolor-save":
            assert gate.wait(30)
        return real_colorize(*args, **kwargs)

    monkeypatch.setattr(engine, "colorize", slow_on_the_save_thread)
    out = tmp_path / "first.png"
    file_actions.save_result_to(window, out)
    Image.fromarray(np.full((200, 320), 30, np.uint8)).save(tmp_path / "second.png")
    open_and_wait(qtbot, window, tmp_path / "second.png", ask=False)
    wait_for_result(qtbot, window)
    assert engine.current.photo.size == (320, 200), "the engine now holds the second photo"
    gate.set()
    qtbot.waitUntil(out.exists, timeout=120000)
    saved = load_photo(out)
    assert saved.size == (640, 480)
    grey = saved.pixels.astype(int)
    assert grey[400, 20].mean() < 80 and grey[400, 620].mean() > 180, "the first photo's lightness ramp"


def resident_mib() -> float:
    """Memory in use: freed memory is first handed back to the system, since glibc keeps freed
    blocks of earlier tests' threads and the figure then moves by tens of MB without a leak."""
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS")) / 1024


@pytest.mark.slow  # a thousand edits, memory measured
def test_soak_a_thousand_random_edits(qtbot, window, echo_weights, capsys):
    """Add, drag, recolour, delete and undo at random through the real window; a shadow list
    follows what each edit should do. Nothing may be lost, and the final picture must equal a
    fresh run on the final hints."""
    import random

    from ideepcolor_app.gui.gamut_pictures import gamut_pictures
    from ideepcolor_app.inference.engine import ColorizationEngine

    qtbot.waitUntil(lambda: gamut_pictures().complete, timeout=120000)  # 20 MB made once at start-up
    rng = random.Random(0)
    hints = window.editor.document.hints
    width, height = window.editor.document.size
    window.editor.choose_color(20.0, 20.0)  # nothing selected: the colour for new hints
    current = (20.0, 20.0)
    shadow: list[list] = []  # [x, y, ab] per hint
    selected = None
    history: list[list[list]] = []
    counts = {"add": 0, "drag": 0, "recolour": 0, "delete": 0, "undo": 0}
    log = []
    rss_after_100 = None

    def hint_under(x, y):
        return window.canvas.hint_at(QPointF(x, y))

    def pick_reachable():
        """A hint whose centre is not covered by a later one (a click there selects it)."""
        order = list(range(len(shadow)))
        rng.shuffle(order)
        return next((i for i in order if hint_under(hints[i].x, hints[i].y) == i), None)

    edits = 0
    while edits < 1000:
        op = rng.choice(["add", "add", "drag", "recolour", "delete", "undo"])
        if op == "add" and len(shadow) < 25:
            x, y = rng.uniform(5, width - 5), rng.uniform(5, height - 5)
            landed = window.canvas.mapToScene(view_point(window, x, y))  # a click lands on a whole view pixel
            if hint_under(x, y) is not None or hint_under(landed.x(), landed.y()) is not None:
                continue
            history.append([h[:] for h in shadow])
            click(window, x, y)
            shadow.append([x, y, current])
            selected = len(shadow) - 1
        elif op in ("drag", "recolour", "delete") and shadow:
            i = pick_reachable()
            if i is None:
                continue
            start = (hints[i].x, hints[i].y)
            if op == "drag":
                end = (rng.uniform(5, width - 5), rng.uniform(5, height - 5))
                history.append([h[:] for h in shadow])
                drag(window, start, end, steps=4)
                shadow[i][0:2] = end
                selected = i
            elif op == "recolour":
                click(window, *start)  # selects it
                ab = (float(rng.randint(-60, 60)), float(rng.randint(-60, 60)))
                if ab == tuple(shadow[i][2]):
                    continue  # no change, no undo step
                history.append([h[:] for h in shadow])
                window.editor.choose_color(*ab)
                shadow[i][2] = ab
                selected = i
            else:
                history.append([h[:] for h in shadow])
                click(window, *start, Qt.MouseButton.RightButton)
                del shadow[i]
                selected = (
                    None if selected == i else (selected - 1 if selected is not None and selected > i else selected)
                )
        elif op == "undo" and history:
            QTest.keySequence(window, "Ctrl+Z")
            shadow = history.pop()
            selected = selected if selected is not None and selected < len(shadow) else None
        else:
            continue
        if selected is not None:  # the current colour is the selected hint's
            current = tuple(shadow[selected][2])
        counts[op] += 1
        edits += 1
        log.append((op, hints.selected, window.editor.current_ab))
        QApplication.processEvents()
        assert [h.ab for h in hints.hints] == [tuple(h[2]) for h in shadow], (
            f"edit {edits} ({op}): colours differ; last edits {log[-4:]}"
        )
        assert hints.selected == selected and window.editor.current_ab == current, (
            f"edit {edits} ({op}): selection or colour"
        )
        if edits == 100:
            rss_after_100 = resident_mib()

    assert [h.ab for h in hints.hints] == [tuple(s[2]) for s in shadow], "every hint keeps its colour"
    for hint, (x, y, _) in zip(hints.hints, shadow, strict=True):
        assert abs(hint.x - x) < 2 and abs(hint.y - y) < 2, "every hint is where it was put"
    wait_for_result(qtbot, window)
    rss_end = resident_mib()
    fresh = ColorizationEngine.from_weights(str(echo_weights), "cpu")
    source = fresh.set_photo(window.editor.document.photo)
    expected = fresh.colorize(hints.hints, source=source).full_resolution_rgb()
    assert np.array_equal(window.editor.latest.preview, expected), "the last picture is the final hints' picture"
    assert window.dialogs.last_error is None
    with capsys.disabled():
        print(
            f"\nsoak: {edits} edits {counts}, {len(shadow)} hints at the end, "
            f"{window.bridge.dropped} superseded updates dropped; "
            f"resident memory {rss_after_100:.0f} MiB after 100 edits, {rss_end:.0f} MiB after {edits}"
        )
    assert rss_end - rss_after_100 < 50


def test_painting_the_canvas_many_times_leaks_no_reference_to_none(qtbot, window):
    """PySide6 6.12.0 drops a reference to None on every void call; on Python < 3.12 the app
    then aborts ('none_dealloc') after a long session. The canvas paints with such calls."""
    import sys

    for x in (100, 200, 300):
        click(window, x, 200)
    before = sys.getrefcount(None)
    for _ in range(300):
        window.canvas.viewport().repaint()
    assert sys.getrefcount(None) - before > -100


def test_the_gamut_picker_shows_each_lightness_computed_off_the_gui_thread(qtbot, monkeypatch):
    from ideepcolor_app.gui import color_panel, gamut_pictures

    computed_on: list[threading.Thread] = []
    compute = gamut_pictures._gamut_image

    def recording(lightness: float):
        computed_on.append(threading.current_thread())
        return compute(lightness)

    monkeypatch.setattr(gamut_pictures, "_pictures", None)  # a fresh set, none computed yet
    monkeypatch.setattr(gamut_pictures, "_gamut_image", recording)
    picker = color_panel.GamutPicker()
    qtbot.addWidget(picker)
    off_centre = color_panel.PICKER_SIZE // 2 + 20  # a near-grey colour, clear of the marker

    def shown_value(lightness: float) -> int:
        picker.set_lightness(lightness)
        qtbot.waitUntil(lambda: picker.shows_exact_lightness, timeout=120000)
        return picker.grab().toImage().pixelColor(off_centre, off_centre).value()

    dark, bright = shown_value(20.0), shown_value(85.0)
    assert dark < 100 and bright > 170, "the plane is drawn at the lightness asked for"
    qtbot.waitUntil(lambda: gamut_pictures.gamut_pictures().complete, timeout=120000)  # then all the others
    assert len(computed_on) == 101 and threading.main_thread() not in computed_on, "each once, in the background"


@pytest.mark.slow  # a benchmark: timed drags for seconds
def test_the_drag_benchmark_shows_updates_and_leaves_the_users_settings_alone(
    qtbot, echo_weights, tmp_path, photo_path
):
    from PySide6.QtCore import QSettings

    from ideepcolor_app.editing.tools import Tool
    from ideepcolor_app.gui.window_bench import gui_drag_stall
    from ideepcolor_app.inference.engine import ColorizationEngine

    users = QSettings("ideepcolor", "ideepcolor")
    users.setValue("recentColors", [[10.0, -20.0]])
    users.sync()
    engine = ColorizationEngine.from_weights(str(echo_weights), "cpu")
    result = gui_drag_stall(engine, 1.5)
    assert result["updates_shown"] >= 1 and result["worst_stall_ms"] >= 0
    assert result["photo_megapixels"] == 512 * 512 / 1e6, "the sample photo unless told"
    other = load_photo(photo_path)
    assert gui_drag_stall(engine, 1.0, other)["photo_megapixels"] == 640 * 480 / 1e6
    painted = gui_drag_stall(engine, 1.0, tool=Tool.BRUSH)
    assert painted["updates_shown"] >= 1 and painted["stroke_points"] > 5, "a stroke grew as it was painted"
    QSettings.setPath(QSettings.Format.NativeFormat, QSettings.Scope.UserScope, str(tmp_path / "settings"))
    remembered = QSettings("ideepcolor", "ideepcolor").value("recentColors")
    assert [[float(v) for v in c] for c in remembered] == [[10.0, -20.0]], "the benchmark's colours stay its own"


@pytest.mark.slow  # a benchmark: timed opens
def test_the_open_benchmark_times_the_grey_photo_then_the_result_and_keeps_recent_files_alone(
    qtbot, echo_weights, tmp_path, photo_path
):
    from PySide6.QtCore import QSettings

    from ideepcolor_app.gui.window_bench import gui_open_stall
    from ideepcolor_app.inference.engine import ColorizationEngine

    users = QSettings("ideepcolor", "ideepcolor")
    users.setValue("recentFiles", ["/photos/mine.jpg"])
    users.sync()
    engine = ColorizationEngine.from_weights(str(echo_weights), "cpu")
    result = gui_open_stall(engine, load_photo(photo_path), opens=2)
    assert result["opens"] == 2 and result["worst_stall_ms"] >= 0
    assert 0 < result["grey_shown_ms"] <= result["first_result_ms"], "grey first, then the result"
    assert result["first_result_ms"] <= result["full_resolution_result_ms"]
    QSettings.setPath(QSettings.Format.NativeFormat, QSettings.Scope.UserScope, str(tmp_path / "settings"))
    assert QSettings("ideepcolor", "ideepcolor").value("recentFiles") == ["/photos/mine.jpg"]


def test_swatches_and_the_current_colour_bar_paint_their_colours(qtbot):
    from ideepcolor_app.gui.color_panel import ColorPanel

    panel = ColorPanel()
    qtbot.addWidget(panel)
    panel.show()
    panel.show_recent([((10.0, 20.0), (200, 30, 40)), ((-40.0, 5.0), (20, 160, 90))])
    panel.show_current((90, 60, 220), (30.0, -60.0), 45.0, "Colour for new hints", "")

    def centre(widget) -> tuple[int, int, int]:
        color = widget.grab().toImage().pixelColor(widget.width() // 2, widget.height() // 2)
        return color.red(), color.green(), color.blue()

    assert [centre(s) for s in panel.recent_swatches] == [(200, 30, 40), (20, 160, 90)]
    assert centre(panel.current) == (90, 60, 220)
    panel.show_recent([((10.0, 20.0), (250, 250, 250))])  # the same colour seen on a brighter pixel
    assert [centre(s) for s in panel.recent_swatches] == [(250, 250, 250)]


def test_pictures_reach_the_screen_pixel_for_pixel():
    from ideepcolor_app.gui.image_view import rgb_qimage

    rgb = np.random.default_rng(0).integers(0, 256, (37, 53, 3), dtype=np.uint8)  # an odd width: row padding
    expected = rgb.copy()
    image, mirrored = rgb_qimage(rgb), rgb_qimage(rgb[:, ::-1])  # a strided view too
    rgb[:] = 0  # the images own their pixels
    assert (image.width(), image.height()) == (53, 37)
    for x, y in ((0, 0), (52, 36), (17, 20)):
        for picture, column in ((image, x), (mirrored, 52 - x)):
            color = picture.pixelColor(column, y)
            assert (color.red(), color.green(), color.blue()) == tuple(expected[y, x])


@pytest.mark.slow  # waits for a deliberately slow engine
def test_a_result_the_replaced_engine_was_still_computing_is_not_shown(qtbot, window):
    slow = SlowEngine(window.bridge.engine)
    window.use_bridge(EngineBridge(slow, 512))
    accepted = []
    window.editor.result_changed.connect(accepted.append)
    click(window, 200, 200)  # the slow engine starts on it
    assert slow.started.wait(30)
    slow.gate.set()
    assert slow.finished.wait(30), "the old engine finished its pass; its result is on its way to the window"
    window.use_bridge(EngineBridge(slow.real, 2048))  # e.g. another device chosen meanwhile
    wait_for_result(qtbot, window)
    QApplication.processEvents()
    assert slow.returned, "the old engine did compute a result"
    assert accepted, "the new engine's result is shown"
    assert not any(result.colorization is old for result in accepted for old in slow.returned), (
        "the replaced engine's result is not shown"
    )


def test_a_closed_window_is_freed_with_its_photo_and_results(qtbot, echo_weights, photo_path):
    import weakref

    from PySide6.QtCore import QCoreApplication

    w = MainWindow(str(echo_weights), "cpu", dialogs=ScriptedDialogs())  # not kept by a builder: it must go
    w.show()
    open_and_wait(qtbot, w, photo_path)
    click(w, 200, 200)
    wait_for_result(qtbot, w)
    w.editor.document.mark_saved()
    window, editor = weakref.ref(w), weakref.ref(w.editor)
    w.close()
    w.deleteLater()
    del w
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    gc.collect()
    assert window() is None and editor() is None, "nothing outside the window keeps it alive"


def test_a_short_window_scrolls_the_colour_panel_instead_of_squeezing_it(qtbot, make_window):
    w = make_window(size=(800, 460))
    for i in range(10):  # a full row of recent colours, the panel's widest row
        w.editor.choose_color(40.0 - 8 * i, 8 * i - 30.0, True)
    QApplication.processEvents()
    panel, contents = w.panel, w.colour_panels  # the colour tools above the whole-photo panel
    viewport = contents.parentWidget()
    assert contents.height() >= contents.minimumSizeHint().height() > viewport.height(), (
        "taller than the window: scrolls"
    )
    last = panel.recent_swatches[-1]
    assert len(panel.recent_swatches) == 10 and last.isVisible()
    assert last.mapTo(viewport, QPoint(last.width(), 0)).x() <= viewport.width(), "no swatch cut off at the side"
    picker_right = panel.picker.mapTo(viewport, QPoint(panel.picker.width(), 0)).x()
    assert picker_right <= viewport.width(), "the whole picker is visible"


def test_a_closed_bridge_lets_its_engine_go(qapp, echo_weights):
    """Switching weights or devices replaces the bridge: the old one and its engine must be freed
    (a lambda connected to the bridge's own signal once kept every engine of a session alive)."""
    import gc
    import weakref

    from ideepcolor_app.gui.bridge import EngineBridge
    from ideepcolor_app.inference.engine import ColorizationEngine

    engine = ColorizationEngine.from_weights(str(echo_weights), "cpu")
    bridge = EngineBridge(engine, 512)
    gone_bridge, gone_engine = weakref.ref(bridge), weakref.ref(engine)
    bridge.close()
    del bridge, engine
    gc.collect()
    assert gone_bridge() is None and gone_engine() is None


def test_no_two_enabled_commands_share_a_shortcut_and_each_menu_command_is_reachable(window):
    """Qt does nothing for a shortcut that two enabled actions share: every key must do one thing.
    (Esc is shared on purpose: Cancel Opening is enabled only while Deselect is not.)"""
    from ideepcolor_app.gui.menus import MENUS, Item

    seen: dict[str, str] = {}
    for action in window.actions():
        if not action.isEnabled():
            continue
        for key in action.shortcuts():
            text = key.toString()
            assert text not in seen, f"{text} is both {seen[text]} and {action.text()}"
            seen[text] = action.text()
    texts = {a.text() for a in window.actions()}
    table = [row.text for _, rows in MENUS for row in rows if isinstance(row, Item)]
    assert set(table) <= texts and len(table) == len(set(table)), "every row of the table is one action"
    window.opener.busy_changed.emit(True)  # while a photo loads, Esc cancels and Deselect waits
    assert window.cancel_open_action.isEnabled() and not any(
        a.isEnabled() for a in window.hint_actions if a.text() == "Dese&lect"
    )
    window.opener.busy_changed.emit(False)


def test_a_sessions_strokes_and_lassos_are_painted_in_the_window_and_saved_back(
    qtbot, make_window, photo_path, tmp_path
):
    from ideepcolor_app.editing.session import Session
    from ideepcolor_app.hints.local_hints import Hint
    from ideepcolor_app.hints.regions import Region
    from ideepcolor_app.hints.strokes import Stroke

    stroke = Stroke(((10.0, 20.0), (300.0, 20.0)), 6.0, (-40.0, 40.0))
    region = Region(((1.0, 1.0), (50.0, 1.0), (50.0, 50.0)), None)
    sha = load_photo(photo_path).sha256
    hints = [Hint(5.0, 5.0, (1.0, 2.0))]
    Session(str(photo_path), sha, (640, 480), hints, strokes=[stroke], regions=[region]).save(tmp_path / "s.json")
    w = make_window(show=False)
    open_and_wait(qtbot, w, tmp_path / "s.json", file_actions.open_path)
    wait_for_result(qtbot, w)
    assert w.editor.latest.colorization.strokes == (stroke,), "the stroke is painted"
    a, b = w.editor.result_color_at(150, 20)
    assert a < -20 and b > 20
    click(w, 200, 200)
    assert file_actions.save_session_to(w, tmp_path / "again.json")
    again = Session.load(tmp_path / "again.json")
    assert again.strokes == [stroke] and again.regions == [region], "kept beside the new hint"
    assert len(again.hints) == 2
