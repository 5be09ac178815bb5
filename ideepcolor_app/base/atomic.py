"""Writing files so that a crash, a full disk or an error never leaves a partial file behind."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def atomic_path(path: str | os.PathLike[str], exclusive: bool = False) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success it is renamed over ``path``.

    Whatever the body raises (a full disk, an encoder error), the temporary file is removed and
    ``path`` is left as it was. The caller turns ``OSError`` into its own clear message.

    Args:
        exclusive: never replace an existing ``path``, even one another process creates while the
            body runs: the finished file is hard-linked into place, which fails if the name exists.

    Raises:
        FileNotFoundError: the folder does not exist.
        FileExistsError: ``exclusive`` and ``path`` exists.
        OSError: the folder cannot be written, or writing failed.
    """
    target = Path(path)
    if not target.parent.is_dir():
        raise FileNotFoundError(f"the folder {target.parent} does not exist")
    # A name of our own (not mkstemp) so the file gets the user's usual permissions, not 0600.
    temporary = target.with_name(f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        yield temporary
        if exclusive:
            _link_exclusively(temporary, target)
        else:
            os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)


def _link_exclusively(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except FileExistsError:
        raise
    except OSError:  # a file system without hard links (FAT, some network shares): check, then rename
        if target.exists():
            raise FileExistsError(f"{target} already exists") from None
        os.replace(source, target)
