"""Streamed, resumable, checksummed download of weights into the user cache.

Bytes go to ``<name>.part`` beside the destination; only a complete file that passes its checks
(the published SHA-256 where there is one, and the caller's check of what the file is) is renamed
to the final name. An interrupted transfer keeps the ``.part`` so the same command resumes it (HTTP
Range); a failed check deletes it. A size cap, a stall deadline and an overall deadline bound what
a broken or hostile server can cost.
"""

from __future__ import annotations

import os
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

from ..base.errors import DownloadError, IdeepcolorError
from .registry import sha256_of

ProgressCallback = Callable[[int, int | None], None]
"""Called with (bytes so far, total bytes or None)."""
MAX_DOWNLOAD_BYTES = 500_000_000
"""The published full-size weights are 130.5 MB; a larger transfer is not them."""
STALL_SECONDS = 60.0
STALL_MIN_BYTES = 16_384
"""A transfer that brings fewer bytes than this in ``STALL_SECONDS`` has stalled."""
DEADLINE_SECONDS = 4 * 3600.0


def download(
    url: str,
    destination: Path,
    *,
    sha256: str | None = None,
    progress: ProgressCallback | None = None,
    timeout: float = 30.0,
    chunk_size: int = 1 << 16,
    max_bytes: int = MAX_DOWNLOAD_BYTES,
    stall_seconds: float = STALL_SECONDS,
    deadline_seconds: float = DEADLINE_SECONDS,
    validate: Callable[[Path], None] | None = None,
) -> Path:
    """Fetch ``url`` to ``destination`` atomically; resume a previous ``.part``.

    Args:
        validate: called with the finished ``.part`` before it joins the cache; raises an
            :class:`~ideepcolor_app.base.errors.IdeepcolorError` if the file is not what was asked for.

    Raises:
        DownloadError: offline, HTTP error, unwritable cache, interrupted or stalled transfer, a
            transfer over ``max_bytes`` or past its deadline, checksum mismatch, or a file that
            ``validate`` refuses.
    """
    destination = Path(destination)
    _make_folder(destination.parent)
    part = destination.with_name(destination.name + ".part")
    have = part.stat().st_size if part.is_file() else 0
    if have > max_bytes:  # left by an older, uncapped run: nothing in it can be trusted
        part.unlink()
        have = 0
    request = urllib.request.Request(url, headers={"User-Agent": "ideepcolor-app"})
    if have:
        request.add_header("Range", f"bytes={have}-")
    try:
        response = urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as exc:
        if exc.code == 416 and have:  # "nothing past this point": complete, or not ours to trust
            if sha256 is not None:
                return _finish(part, destination, sha256, url, validate)
            part.unlink(missing_ok=True)  # no checksum to tell a finished file from garbage: start over
            return download(
                url,
                destination,
                progress=progress,
                timeout=timeout,
                chunk_size=chunk_size,
                max_bytes=max_bytes,
                stall_seconds=stall_seconds,
                deadline_seconds=deadline_seconds,
                validate=validate,
            )
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
        length = _content_length(response.headers.get("Content-Length"))
        total = have + length if length is not None else None
        if total is not None and total > max_bytes:
            raise DownloadError(
                f"{url} is {total / 1e6:,.0f} MB, over the {max_bytes / 1e6:,.0f} MB that weights can be; "
                "nothing was downloaded. Check the address."
            )
        done = _receive(
            response, part, have, total, url, progress, chunk_size, max_bytes, stall_seconds, deadline_seconds
        )
    if total is not None and done < total:
        raise DownloadError(
            f"Download of {url} ended early ({done} of {total} bytes).\n"
            f"Run the same command again to resume from {part}."
        )
    return _finish(part, destination, sha256, url, validate)


def _receive(
    response: object,
    part: Path,
    have: int,
    total: int | None,
    url: str,
    progress: ProgressCallback | None,
    chunk_size: int,
    max_bytes: int,
    stall_seconds: float,
    deadline_seconds: float,
) -> int:
    """Append the response body to ``part``; the byte count when the body ends."""
    try:
        out = open(part, "ab" if have else "wb")  # noqa: SIM115  # closed below, whatever happens
    except OSError as exc:
        raise DownloadError(
            f"Cannot write to {part.parent} ({exc.strerror or exc}): nothing was downloaded. Make the folder "
            "writable, or point $IDEEPCOLOR_CACHE at a writable folder."
        ) from exc
    done = have
    started = window_start = time.monotonic()
    window_bytes = 0
    read = getattr(response, "read1", None) or response.read  # type: ignore[attr-defined]
    try:
        with out:
            while block := read(chunk_size):
                out.write(block)
                done += len(block)
                window_bytes += len(block)
                if progress:
                    progress(done, total)
                now = time.monotonic()
                if done > max_bytes:
                    part.unlink(missing_ok=True)
                    raise DownloadError(
                        f"{url} sent more than {max_bytes / 1e6:,.0f} MB, more than weights can be; "
                        "the partial file was deleted. Check the address."
                    )
                if now - started > deadline_seconds:
                    raise DownloadError(
                        f"Download of {url} took over {deadline_seconds / 3600:g} hours and was stopped after "
                        f"{done:,} bytes. Run the same command again to resume from {part}."
                    )
                if now - window_start >= stall_seconds:
                    if window_bytes < STALL_MIN_BYTES:
                        raise DownloadError(
                            f"Download of {url} stalled ({window_bytes} bytes in {now - window_start:.0f} s) after "
                            f"{done:,} bytes. Run the same command again to resume from {part}."
                        )
                    window_start, window_bytes = now, 0
    except DownloadError:
        raise
    except OSError as exc:
        if getattr(exc, "errno", None) in (13, 28, 30):  # permission, no space, read-only file system
            raise DownloadError(
                f"Cannot write to {part} ({exc.strerror or exc}) after {done:,} bytes. Free some space or make "
                "the folder writable, then run the same command again to resume."
            ) from exc
        raise DownloadError(
            f"Download of {url} was interrupted after {done} bytes ({exc}).\n"
            f"Run the same command again to resume from {part}."
        ) from exc
    return done


def _content_length(value: str | None) -> int | None:
    """The body's length, or None when the server did not say or said nonsense (it is then capped
    while it streams)."""
    try:
        length = int(value) if value is not None else None
    except ValueError:
        return None
    return length if length is not None and length >= 0 else None


def _make_folder(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise DownloadError(
            f"The cache folder {folder} is a file (or its parent is): move it away, or point $IDEEPCOLOR_CACHE "
            "at a folder."
        ) from None
    except OSError as exc:
        raise DownloadError(
            f"Cannot create the cache folder {folder} ({exc.strerror or exc}). Point $IDEEPCOLOR_CACHE at a "
            "writable folder."
        ) from exc
    if not folder.is_dir():
        raise DownloadError(f"The cache folder {folder} is not a folder; point $IDEEPCOLOR_CACHE at a folder.")


def _finish(
    part: Path, destination: Path, sha256: str | None, url: str, validate: Callable[[Path], None] | None
) -> Path:
    if sha256 is not None:
        digest = sha256_of(part)
        if digest != sha256.lower():
            part.unlink(missing_ok=True)
            raise DownloadError(
                f"Checksum mismatch for {url}: expected SHA-256 {sha256}, got {digest}.\n"
                "The partial file was deleted; run the command again. If it repeats, the file on the server changed."
            )
    if validate is not None:
        try:
            validate(part)
        except IdeepcolorError as exc:
            part.unlink(missing_ok=True)
            raise DownloadError(
                f"{url} did not send weights, so nothing was saved: {exc}".replace(str(part), "the download")
            ) from exc
    os.replace(part, destination)
    return destination
