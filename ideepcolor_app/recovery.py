"""Crash recovery: the current session is autosaved so a crash or kill loses no hints."""

from __future__ import annotations

from pathlib import Path

from .errors import SessionError
from .session import Session
from .userdirs import data_dir


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
