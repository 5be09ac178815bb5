"""Crash recovery: the current session is autosaved so a crash or kill loses no hints."""
from __future__ import annotations

import os
import sys
from pathlib import Path

from .session import Session, SessionError


def data_dir() -> Path:
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA", Path.home() / "AppData" / "Local"))
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share"))
    return base / "ideepcolor"


def recovery_path() -> Path:
    return data_dir() / "autosave.json"


def write_recovery(session: Session) -> None:
    path = recovery_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    session.save(path)


def read_recovery() -> Session | None:
    """The autosaved session, or None when there is none or it is unreadable."""
    path = recovery_path()
    if not path.is_file():
        return None
    try:
        return Session.load(path)
    except SessionError:
        return None


def clear_recovery() -> None:
    recovery_path().unlink(missing_ok=True)
