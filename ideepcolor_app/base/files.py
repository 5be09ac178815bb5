"""Reading files a user names: regular files only, and never more bytes than a limit.

A FIFO would block a read forever, ``/dev/zero`` never ends, and a multi-GB file exhausts memory;
each is refused from ``stat`` alone, before a byte is read.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from .errors import IdeepcolorError


def _megabytes(size: int) -> str:
    return f"{size / 1e6:,.0f} MB" if size >= 1e6 else f"{size:,} bytes"


def check_regular_file(path: Path, max_bytes: int, error: type[IdeepcolorError], what: str = "file") -> int:
    """The size of ``path`` after checking that it can be read whole.

    Raises:
        error: missing, a folder, not a regular file (a pipe, socket or device), or over ``max_bytes``.
    """
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise error(f"{path}: file not found.") from None
    except OSError as exc:
        raise error(f"{path}: cannot be read ({exc.strerror or exc}).") from exc
    if stat.S_ISDIR(info.st_mode):
        raise error(f"{path}: is a folder, not a {what}.")
    if not stat.S_ISREG(info.st_mode):
        raise error(f"{path}: is not a regular file (a pipe, socket or device), so it cannot be a {what}.")
    if info.st_size > max_bytes:
        raise error(
            f"{path}: is {_megabytes(info.st_size)}, over the {_megabytes(max_bytes)} limit for a {what}; "
            "is it the right file?"
        )
    return info.st_size


def read_capped(path: Path, max_bytes: int, error: type[IdeepcolorError], what: str = "file") -> bytes:
    """The bytes of ``path``, read only after :func:`check_regular_file` (and never past the limit,
    should the file grow meanwhile)."""
    check_regular_file(path, max_bytes, error, what)
    try:
        with open(path, "rb") as handle:
            data = handle.read(max_bytes + 1)
    except OSError as exc:
        raise error(f"{path}: cannot be read ({exc.strerror or exc}).") from exc
    if len(data) > max_bytes:
        raise error(f"{path}: grew past the {_megabytes(max_bytes)} limit for a {what} while being read.")
    return data
