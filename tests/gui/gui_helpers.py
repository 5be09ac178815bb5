"""Driving the window as a user does: open a photo, wait for its result, click, drag; and the
dialogs a test gives the window (they record what was shown and answer from a script)."""

from __future__ import annotations

import numpy as np
from PIL import Image
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication, QMessageBox

from ideepcolor_app.gui import file_actions
from ideepcolor_app.gui.dialogs import Dialogs

Button = QMessageBox.StandardButton


class ScriptedDialogs(Dialogs):
    """Message boxes that never wait: warnings and questions are recorded, questions answered from
    ``answers`` in order (then ``default``), file choosers from ``files`` (then cancelled)."""

    def __init__(self) -> None:
        super().__init__(None)
        self.errors: list[str] = []
        self.asked: list[str] = []
        self.informed: list[str] = []
        self.answers: list[Button] = []
        self.default = Button.Discard
        self.files: list[str] = []

    @property
    def last_error(self) -> str | None:
        """The latest warning, as "title: text"."""
        return self.errors[-1] if self.errors else None

    def reply(self, *answers: Button, default: Button = Button.Cancel) -> list[str]:
        """Answer the next questions so; returns the list the questions are recorded in."""
        self.answers, self.default = list(answers), default
        self.asked.clear()
        return self.asked

    def warn(self, title: str, text: str) -> None:
        self.errors.append(f"{title}: {text}")

    def ask(self, title: str, text: str, buttons: Button) -> Button:
        self.asked.append(f"{title}: {text}")
        return self.answers.pop(0) if self.answers else self.default

    def inform(self, title: str, text: str) -> None:
        self.informed.append(f"{title}: {text}")

    def about(self, title: str, text: str) -> None:
        self.informed.append(f"{title}: {text}")

    def open_file(self, title: str, folder: str, filter: str) -> str:
        return self.files.pop(0) if self.files else ""

    def save_file(self, title: str, default: str, filter: str) -> str:
        return self.files.pop(0) if self.files else ""


def open_and_wait(qtbot, w, path, open_=None, **kwargs):
    """Open ``path`` as the user does (the photo loads on a worker thread) and wait until it is done."""
    assert (open_ or file_actions.open_photo)(w, path, **kwargs), "the open started"
    qtbot.waitUntil(lambda: not w.opener.busy, timeout=120000)


def wait_for_result(qtbot, w, palette=False):
    """Wait for the resting result of the window's current hints (and its palette, if asked)."""

    def current():
        latest, document = w.editor.latest, w.editor.document
        ok = latest is not None and document is not None and made_from(latest) == document.hints.snapshot
        ok = ok and not latest.preliminary
        return ok and (
            not palette or (latest.palette is not None and (latest.palette.x, latest.palette.y) == w.editor.probe)
        )

    qtbot.waitUntil(current, timeout=120000)


def made_from(result):
    """What a result was computed from, comparable with :attr:`HintSet.snapshot`."""
    made = result.colorization
    return result.hints, result.global_hints, made.strokes, made.regions


def view_point(w, x, y) -> QPoint:
    return w.canvas.mapFromScene(QPointF(x, y))


def mouse(w, kind, x, y, button=Qt.MouseButton.LeftButton, modifiers=Qt.KeyboardModifier.NoModifier):
    pos = QPointF(view_point(w, x, y))
    buttons = Qt.MouseButton.NoButton if kind == QEvent.Type.MouseButtonRelease else button
    event = QMouseEvent(kind, pos, w.canvas.viewport().mapToGlobal(pos), button, buttons, modifiers)
    QApplication.sendEvent(w.canvas.viewport(), event)


def click(w, x, y, button=Qt.MouseButton.LeftButton, modifiers=Qt.KeyboardModifier.NoModifier):
    mouse(w, QEvent.Type.MouseButtonPress, x, y, button, modifiers)
    mouse(w, QEvent.Type.MouseButtonRelease, x, y, button, modifiers)


def drag_through(w, points):
    """Press at the first image point, move through the others, release at the last (a stroke or
    an outline drawn by hand)."""
    mouse(w, QEvent.Type.MouseButtonPress, *points[0])
    for point in points[1:]:
        mouse(w, QEvent.Type.MouseMove, *point, Qt.MouseButton.LeftButton)
    mouse(w, QEvent.Type.MouseButtonRelease, *points[-1])


def click_result(w, x, y):
    view = w.result_view
    pos = QPointF(view.mapFromScene(QPointF(x, y)))
    for kind in (QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonRelease):
        buttons = Qt.MouseButton.NoButton if kind == QEvent.Type.MouseButtonRelease else Qt.MouseButton.LeftButton
        event = QMouseEvent(
            kind,
            pos,
            view.viewport().mapToGlobal(pos),
            Qt.MouseButton.LeftButton,
            buttons,
            Qt.KeyboardModifier.NoModifier,
        )
        QApplication.sendEvent(view.viewport(), event)


def drag(w, start, end, steps=8):
    mouse(w, QEvent.Type.MouseButtonPress, *start)
    for i in range(1, steps + 1):
        t = i / steps
        mouse(
            w,
            QEvent.Type.MouseMove,
            start[0] + (end[0] - start[0]) * t,
            start[1] + (end[1] - start[1]) * t,
            Qt.MouseButton.NoButton,
        )
    mouse(w, QEvent.Type.MouseButtonRelease, *end)


def wait_for_variations(qtbot, w):
    """Wait until the Variations panel shows a full set for the current hints, every one clickable."""

    def ready():
        latest = w.editor.latest
        shown = w.variations.variations
        return (
            not w.variations.busy
            and bool(shown)
            and latest is not None
            and shown[0].colorization.hints[: len(w.editor.document.hints)] == w.editor.document.hints.hints
            and w.variations_panel.shown == len(shown)
            and all(b.isEnabled() for b in w.variations_panel.buttons if not b.isHidden())
        )

    qtbot.waitUntil(ready, timeout=120000)


def ramp_photo(path, size=(640, 480), levels=(60, 200)):
    """Write a grey photo of ``size`` (width, height), a left-to-right ramp of ``levels``, to ``path``."""
    width, height = size
    ramp = np.tile(np.linspace(*levels, width).astype(np.uint8), (height, 1))
    Image.fromarray(ramp).save(path)
    return path
