"""Starting the desktop app."""

from __future__ import annotations

import argparse
import ctypes.util
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..editing.document import Document
    from .main_window import MainWindow

WITHOUT_A_WINDOW = "  For batch work without a window:  ideepcolor colorize PHOTO... [-o DIR] [--hints SESSION.json]"
XCB_LIBRARIES = {  # library Qt's xcb platform plugin loads -> the Debian/Ubuntu package that has it
    "xcb-cursor": "libxcb-cursor0",
    "xkbcommon-x11": "libxkbcommon-x11-0",
    "xcb-icccm": "libxcb-icccm4",
    "xcb-keysyms": "libxcb-keysyms1",
    "xcb-shape": "libxcb-shape0",
    "xcb-render-util": "libxcb-render-util0",
    "xcb-image": "libxcb-image0",
}


def display_problem() -> str | None:
    """Why Qt could not open a window here, or None when it can.

    Checked before Qt starts, because Qt's own failure is an abort with a message about
    platform plugins that names neither the missing package nor another way to work.
    """
    platform = os.environ.get("QT_QPA_PLATFORM")
    if not sys.platform.startswith("linux") or (platform and platform != "xcb"):
        return None
    if not platform and os.environ.get("WAYLAND_DISPLAY"):
        return None  # Qt uses its Wayland plugin there
    if not os.environ.get("DISPLAY"):
        return (
            "no display available (neither $DISPLAY nor $WAYLAND_DISPLAY is set), so the window cannot open.\n"
            f"{WITHOUT_A_WINDOW}\n"
            "  To run the app on a virtual screen: xvfb-run ideepcolor [PHOTO]"
        )
    missing = [package for library, package in XCB_LIBRARIES.items() if ctypes.util.find_library(library) is None]
    if missing:
        return (
            f"Qt's X11 (xcb) plugin needs system libraries that are not installed: {', '.join(missing)}.\n"
            f"  Fix it with:  sudo apt-get install {' '.join(missing)}\n"
            f"{WITHOUT_A_WINDOW}"
        )
    return None


def run_app(args: argparse.Namespace) -> int:
    problem = display_problem()
    if problem:
        print(f"ideepcolor: {problem}", file=sys.stderr)
        return 2
    from PySide6.QtWidgets import QApplication

    from .main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("ideepcolor")
    app.setOrganizationName("ideepcolor")
    window = MainWindow(args.weights, args.device, args.mask_convention)
    window.show()
    start(window, args.image)
    return app.exec()


def start(window: MainWindow, image: str | None) -> None:
    """What a new window opens: an orphaned autosave if the user restores it, then ``image`` (or the
    sample photo when there is neither)."""
    from . import file_actions
    from .main_window import SAMPLE_PHOTO

    def open_requested(restored: Document | None = None) -> None:
        if image and not _same_photo(restored, Path(image)):
            # after a restore of another photo this asks first, so the restored hints are not dropped unseen
            file_actions.open_path(window, Path(image))
        elif restored is None:
            file_actions.open_photo(window, SAMPLE_PHOTO, ask=False)

    if not file_actions.offer_recovery(window, then=open_requested):
        open_requested()


def _same_photo(document: Document | None, requested: Path) -> bool:
    """The restored document already shows the photo the command line asked for."""
    if document is None or document.photo.path is None or requested.suffix.lower() == ".json":
        return False
    try:
        return document.photo.path.resolve() == requested.resolve()
    except OSError:
        return False
