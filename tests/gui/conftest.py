"""The one way GUI tests build a window: :func:`make_window`, with the test's scripted dialogs
and fresh settings; ``window`` is the common case (the echo network, a grey photo open, its first
result shown)."""

import pytest
from gui_helpers import ScriptedDialogs, open_and_wait, ramp_photo, wait_for_result
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMessageBox

from ideepcolor_app.gui.main_window import MainWindow


@pytest.fixture(autouse=True)
def fresh_settings(tmp_path):
    """Each test starts with no remembered settings (QSettings caches its folder per process)."""
    QSettings.setPath(QSettings.Format.NativeFormat, QSettings.Scope.UserScope, str(tmp_path / "settings"))


@pytest.fixture(autouse=True)
def no_real_message_boxes(monkeypatch):
    """A message box shown past the window's dialogs object would wait for a click forever: fail instead."""

    def refuse(*args, **kwargs):
        raise AssertionError(f"a modal message box was shown directly: {args[1:3]}")

    for name in ("warning", "question", "information", "about", "critical"):
        monkeypatch.setattr(QMessageBox, name, refuse)


@pytest.fixture
def dialogs() -> ScriptedDialogs:
    """What every window of the test shows the user, and the answers it gets."""
    return ScriptedDialogs()


@pytest.fixture
def photo_path(tmp_path):
    """A 640x480 grey gradient photo."""
    return ramp_photo(tmp_path / "photo.png")


@pytest.fixture
def make_window(qtbot, echo_weights, dialogs):
    """``make_window(weights=echo, photo=None, size=(1200, 800))``: a shown window on the CPU (with
    ``photo`` opened and its first result waited for); closed at the end of the test without asking."""
    windows = []

    def make(weights=echo_weights, photo=None, size=(1200, 800), show=True, wait=True):
        w = MainWindow(None if weights is None else str(weights), "cpu", dialogs=dialogs)
        qtbot.addWidget(w)
        if size is not None:  # None: the size a first run opens at
            w.resize(*size)
        if show:
            w.show()
        if photo is not None:
            open_and_wait(qtbot, w, photo)
            if wait:
                wait_for_result(qtbot, w)
        windows.append(w)
        return w

    yield make
    dialogs.default = QMessageBox.StandardButton.Discard  # closing never waits on a question
    for w in windows:
        if w.editor.document:
            w.editor.document.mark_saved()
        clip = w.clips.clip
        if clip is not None:
            clip.keyframes = {}
            w.editor.document.hints.replace_all([], undoable=False)
            clip.mark_saved()
        w.close()


@pytest.fixture
def window(make_window, photo_path):
    return make_window(photo=photo_path)
