"""Starting the desktop app."""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path


def display_problem() -> str | None:
    """Why Qt could not open a window here, or None when it can."""
    if os.environ.get("QT_QPA_PLATFORM") or not sys.platform.startswith("linux"):
        return None
    if os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"):
        return None
    return (
        "no display available (neither $DISPLAY nor $WAYLAND_DISPLAY is set), so the window cannot open.\n"
        "  For batch work without a window:  ideepcolor colorize PHOTO... [-o DIR] [--hints SESSION.json]\n"
        "  To run the app on a virtual screen: xvfb-run ideepcolor [PHOTO]"
    )


def run_app(args: argparse.Namespace) -> int:
    problem = display_problem()
    if problem:
        print(f"ideepcolor: {problem}", file=sys.stderr)
        return 2
    from PySide6.QtWidgets import QApplication

    from .main_window import SAMPLE_PHOTO, MainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("ideepcolor")
    app.setOrganizationName("ideepcolor")
    window = MainWindow(args.weights, args.device, args.mask_convention)
    window.show()
    restored = window.offer_recovery()
    if args.image:
        window.open_path(Path(args.image))
    elif not restored:
        window.open_photo(SAMPLE_PHOTO, ask=False)
    return app.exec()
