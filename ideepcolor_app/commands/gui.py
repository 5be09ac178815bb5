"""``ideepcolor [gui] [IMAGE | SESSION.json]``: open the desktop app."""

from __future__ import annotations

import argparse
import os

from ..base.errors import UsageError
from ..network.precision import PRECISION_VARIABLE
from . import add_model_options


def add_parser(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], parents: list[argparse.ArgumentParser]
) -> None:
    """Add the window (``ideepcolor [PHOTO | SESSION]``) to the command line."""
    p = sub.add_parser("gui", parents=parents, help="open the desktop app (default)")
    p.add_argument("image", nargs="?", help="photo or session (.json) to open; a sample photo if omitted")
    add_model_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Open the window, with the photo or session given."""
    if getattr(args, "precision", None):  # every engine the window loads, now or later, reads it
        os.environ[PRECISION_VARIABLE] = args.precision
    try:
        from ..gui.app import run_app
    except ImportError as exc:
        raise UsageError(f"The desktop app needs PySide6 ({exc}). Install it with: pip install -e .") from exc
    return run_app(args)
