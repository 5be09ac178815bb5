"""Crash recovery: each window autosaves its hints to a file of its own, so a crash or kill loses no
hints and no other window can overwrite or delete them.

A window's file is ``<data dir>/recovery/<pid>-<token>.json``. A file whose process is gone is an
orphan: some window offers to restore it, and only the user's choice (restore or discard) removes it.
The single ``autosave.json`` of earlier versions is treated as an orphan too.
"""

from __future__ import annotations

import os
import secrets
import sys
from dataclasses import dataclass
from pathlib import Path

from ..base.errors import SessionError
from ..base.userdirs import data_dir
from .session import Session

LEGACY_NAME = "autosave.json"


def recovery_folder() -> Path:
    """Where the windows' autosaves live."""
    return data_dir() / "recovery"


class RecoveryFile:
    """One window's autosave, named after this process so that others can tell when it is orphaned."""

    def __init__(self, folder: Path | None = None) -> None:
        self.path = (folder or recovery_folder()) / f"{os.getpid()}-{secrets.token_hex(4)}.json"

    def write(self, session: Session) -> None:
        """Replace this window's autosave atomically.

        Raises:
            SessionError: the folder cannot be made or written; the message says where and why.
        """
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise SessionError(
                f"cannot create {self.path.parent} ({exc.strerror or exc}); hints are not being autosaved. "
                "Save them with File > Save Hints, and make the folder writable."
            ) from exc
        session.save(self.path)

    def clear(self) -> None:
        """Remove this window's autosave (its hints are saved, or deliberately dropped)."""
        self.path.unlink(missing_ok=True)


@dataclass(frozen=True)
class Orphan:
    """An autosave whose window is gone: where it is and what it holds."""

    path: Path
    session: Session

    def discard(self) -> None:
        """Delete it: the user restored it elsewhere or chose to drop it."""
        self.path.unlink(missing_ok=True)


def orphaned_recoveries() -> list[Orphan]:
    """Autosaves holding any work (hints, global hints, a clip's keyframes) whose process is gone, newest
    first; unreadable ones are left alone."""
    candidates = [data_dir() / LEGACY_NAME]
    folder = recovery_folder()
    if folder.is_dir():
        candidates += [p for p in folder.glob("*.json") if not _owner_alive(p)]
    found = []
    for path in candidates:
        if not path.is_file():
            continue
        try:
            session = Session.load(path)
        except SessionError:
            continue
        if session.holds_work:
            found.append((path.stat().st_mtime, Orphan(path, session)))
    return [orphan for _, orphan in sorted(found, key=lambda item: item[0], reverse=True)]


def _owner_alive(path: Path) -> bool:
    try:
        pid = int(path.stem.split("-", 1)[0])
    except ValueError:
        return False
    return process_alive(pid)


def process_alive(pid: int) -> bool:
    """Whether a process with this id runs now (on this machine)."""
    if pid <= 0:
        return False
    if sys.platform == "win32":  # os.kill(pid, 0) would send CTRL_C_EVENT there
        import ctypes

        kernel = ctypes.windll.kernel32  # type: ignore[attr-defined]
        handle = kernel.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return False
        code = ctypes.c_ulong()
        kernel.GetExitCodeProcess(handle, ctypes.byref(code))
        kernel.CloseHandle(handle)
        return code.value == 259  # STILL_ACTIVE
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True
