"""Writing files so that a crash, a full disk or an error never leaves a partial file behind."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success it is renamed over ``path``.

    Whatever the body raises (a full disk, an encoder error), the temporary file is removed and
    ``path`` is left as it was. The caller turns ``OSError`` into its own clear message.

    Raises:
        FileNotFoundError: the folder does not exist.
        OSError: the folder cannot be written, or writing failed.
    """
    target = Path(path)
    if not target.parent.is_dir():
        raise FileNotFoundError(f"the folder {target.parent} does not exist")
    # A name of our own (not mkstemp) so the file gets the user's usual permissions, not 0600.
    temporary = target.with_name(f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        yield temporary
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)
