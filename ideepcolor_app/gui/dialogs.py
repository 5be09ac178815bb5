"""The window's modal messages, behind one object.

Every warning, question, notice and file chooser the window shows goes through a :class:`Dialogs`, given to the
window when it is made: the app's shows message boxes; a test's (or a scripted run's) records
them and answers from a script, and no modal box ever waits for a click that will not come.
"""

from __future__ import annotations

from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

Button = QMessageBox.StandardButton


class Dialogs:
    """Message boxes over ``parent``."""

    def __init__(self, parent: QWidget | None = None) -> None:
        self.parent = parent

    def warn(self, title: str, text: str) -> None:
        """A problem the user must read: what went wrong and what to do."""
        QMessageBox.warning(self.parent, title, text)

    def ask(self, title: str, text: str, buttons: Button) -> Button:
        """A question; the button chosen (Cancel or Escape: the box's escape button)."""
        return QMessageBox.question(self.parent, title, text, buttons)

    def inform(self, title: str, text: str) -> None:
        """Information the user asked for (Help)."""
        QMessageBox.information(self.parent, title, text)

    def about(self, title: str, text: str) -> None:
        """The About box."""
        QMessageBox.about(self.parent, title, text)

    def open_file(self, title: str, folder: str, filter: str) -> str:
        """A file chosen to open; '' if the user cancelled."""
        return QFileDialog.getOpenFileName(self.parent, title, folder, filter)[0]

    def save_file(self, title: str, default: str, filter: str) -> str:
        """A file to write (the dialog asks before overwriting); '' if the user cancelled."""
        return QFileDialog.getSaveFileName(self.parent, title, default, filter)[0]
