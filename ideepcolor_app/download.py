"""Streamed, resumable, checksummed download of weights into the user cache.

Bytes go to ``<name>.part`` beside the destination; only a complete file whose
SHA-256 matches is renamed to the final name. An interrupted transfer keeps
the ``.part`` so the same command resumes it (HTTP Range); a checksum
mismatch deletes it.
"""

from __future__ import annotations

import os
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

from .errors import DownloadError
from .registry import sha256_of

ProgressCallback = Callable[[int, int | None], None]
"""Called with (bytes so far, total bytes or None)."""


def download(
    url: str,
    destination: Path,
    *,
    sha256: str | None = None,
    progress: ProgressCallback | None = None,
    timeout: float = 30.0,
    chunk_size: int = 1 << 16,
) -> Path:
    """Fetch ``url`` to ``destination`` atomically; resume a previous ``.part``.

    Raises:
        DownloadError: offline, HTTP error, interrupted transfer or checksum mismatch.
    """
    destination = Path(destination)
    destination.parent.mkdir(parents=True, exist_ok=True)
    part = destination.with_name(destination.name + ".part")
    have = part.stat().st_size if part.exists() else 0
    request = urllib.request.Request(url, headers={"User-Agent": "ideepcolor-app"})
    if have:
        request.add_header("Range", f"bytes={have}-")
    try:
        response = urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as exc:
        if exc.code == 416 and have:  # the .part already holds everything
            return _finish(part, destination, sha256, url)
        raise DownloadError(f"Download of {url} failed: HTTP {exc.code} {exc.reason}.") from exc
    except (TimeoutError, urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise DownloadError(
            f"Could not reach {url} ({reason}).\n"
            "Check the internet connection (or proxy) and run the same command again."
        ) from exc
    with response:
        if have and response.status != 206:  # server ignored Range: start over
            have = 0
        length = response.headers.get("Content-Length")
        total = have + int(length) if length is not None else None
        done = have
        try:
            with open(part, "ab" if have else "wb") as out:
                while block := response.read(chunk_size):
                    out.write(block)
                    done += len(block)
                    if progress:
                        progress(done, total)
        except (TimeoutError, OSError) as exc:
            raise DownloadError(
                f"Download of {url} was interrupted after {done} bytes ({exc}).\n"
                f"Run the same command again to resume from {part}."
            ) from exc
    if total is not None and done < total:
        raise DownloadError(
            f"Download of {url} ended early ({done} of {total} bytes).\n"
            f"Run the same command again to resume from {part}."
        )
    return _finish(part, destination, sha256, url)


def _finish(part: Path, destination: Path, sha256: str | None, url: str) -> Path:
    if sha256 is not None:
        digest = sha256_of(part)
        if digest != sha256.lower():
            part.unlink(missing_ok=True)
            raise DownloadError(
                f"Checksum mismatch for {url}: expected SHA-256 {sha256}, got {digest}.\n"
                "The partial file was deleted; run the command again. If it repeats, the file on the server changed."
            )
    os.replace(part, destination)
    return destination
