"""The plan of a batch: one shard per photo or clip, where its results go, and which are done.

A clip with scene cuts is split at them: each scene is a ``part`` shard that colours its frames
into ``OUT/.batch/parts/``, and a ``stitch`` shard encodes them, with the clip's sound, into the
one file ``video`` writes. Nothing is carried across a cut, so the frames are the same. A scene
longer than the chunk size is split too, into chunks whose parts start ``lead`` frames early: their
colours warm up over frames the previous chunk also colours, the stitch cross-fades the two there,
and the hints of earlier keyframes are carried into the chunk along the motion.

The plan lives in ``OUT/.batch/``: ``manifest.json`` (the shards) and ``done/<shard>.json`` (one
marker per finished shard, written after its results were renamed into place). A shard whose
marker and results exist is finished; any other is (re)done from the start, so a run killed at any
point leaves no half-written result and resumes where it stopped.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

from ..base.atomic import atomic_path
from ..base.errors import UsageError
from ..photos.images import READ_FORMATS
from ..video.clips import VIDEO_SUFFIXES

STATE_FOLDER = ".batch"
SUFFIX = "_colorized"
"""Added to each result's name, as ``colorize`` and ``video`` name theirs."""


@dataclass(frozen=True)
class Shard:
    """One unit of work: a photo or a whole clip, its session, and its result."""

    id: str
    """Stable and unique in the batch; the name of its done marker."""
    kind: Literal["photo", "clip", "part", "stitch"]
    source: str
    output: str
    """The result: a file, or for a part the folder of its frames."""
    session: str | None = None
    first: int = 0
    """A part's first frame of the clip."""
    last: int | None = None
    """A part's end (exclusive)."""
    parts: tuple[str, ...] = ()
    """A stitch's parts, in order."""
    frames: int = 1
    """How many frames it colours (what the progress line counts; a stitch colours none)."""
    lead: int = 0
    """A chunk's first frames (from ``first``) that the previous part coloured too: the stitch
    cross-fades them. 0 for a part that starts a scene."""

    @property
    def runs_on_workers(self) -> bool:
        """Workers colour it (a stitch only encodes what its parts coloured)."""
        return self.kind != "stitch"


Scenes = Callable[[Path], tuple[list[int], int]]
"""A clip's scene starts and frame count (see :func:`~ideepcolor_app.video.temporal.scene_starts`)."""

CHUNK_FRAMES = 1200
"""A scene longer than this (50 s at 24 frames/s) is split into chunks that run on separate workers."""
CHUNK_OVERLAP = 24
"""Frames a chunk starts before its share: its carried colours settle over them (with the carry of
0.95, 29 % of where they started is left after 24 frames) and the stitch cross-fades them with the
previous chunk's, so the rest does not show as a jump (docs/batch.md: at most 0.27 ab units a
frame on a real pan)."""


def chunk_ranges(starts: Sequence[int], count: int, size: int, overlap: int) -> list[tuple[int, int, int]]:
    """(first, end, lead) of each part: a scene per part, a scene over ``size`` frames in chunks of
    ``size`` whose parts after the first start ``overlap`` frames early (``lead``). A last chunk
    shorter than ``overlap`` joins the one before."""
    parts: list[tuple[int, int, int]] = []
    for first, end in zip(starts, [*starts[1:], count], strict=True):
        cuts = list(range(first, end, size)) if size > 0 else [first]
        if len(cuts) > 1 and end - cuts[-1] < overlap:
            cuts.pop()
        for k, start in enumerate(cuts):
            stop = cuts[k + 1] if k + 1 < len(cuts) else end
            lead = min(overlap, start - first) if k else 0
            parts.append((start - lead, stop, lead))
    return parts


def plan_batch(
    inputs: Sequence[str],
    out: Path,
    hints: Path | None = None,
    fmt: str = "png",
    scenes: Scenes | None = None,
    chunk_frames: int = CHUNK_FRAMES,
    overlap: int = CHUNK_OVERLAP,
) -> list[Shard]:
    """The shards for ``inputs`` (photo and clip files, and folders of them), in order.

    Photos give ``OUT/NAME_colorized.FMT`` (as ``colorize -o OUT``), clips ``OUT/NAME_colorized.mp4``.
    A session ``HINTS/NAME.hints.json`` (as the app saves it) or ``HINTS/NAME.json`` goes with the
    photo or clip ``NAME``. With ``scenes``, a clip with cuts or a scene over ``chunk_frames``
    is split into parts (see :func:`chunk_ranges`) and a stitch.

    Raises:
        UsageError: nothing to do, an input is missing, or two inputs would write one result.
    """
    files: list[Path] = []
    for given in map(Path, inputs):
        if given.is_dir():
            files += sorted(
                f for f in given.iterdir() if f.is_file() and not f.name.startswith(".") and _kind(f) is not None
            )
        elif given.is_file():
            if _kind(given) is None:
                raise UsageError(f"{given}: neither a photo nor a clip ({', '.join(READ_FORMATS)}, or a video file)")
            files.append(given)
        else:
            raise UsageError(f"{given}: no such file or folder")
    files = [f for f in files if not f.stem.endswith(SUFFIX)]  # earlier results are not inputs
    if not files:
        raise UsageError("no photos or clips found in " + ", ".join(inputs))
    shards: list[Shard] = []
    claimed: dict[Path, Path] = {}
    for number, path in enumerate(files):
        kind = _kind(path)
        assert kind is not None
        output = out / f"{path.stem}{SUFFIX}.{fmt if kind == 'photo' else 'mp4'}"
        if output.resolve() in claimed:
            raise UsageError(
                f"{claimed[output.resolve()]} and {path} would both be written to {output}; "
                "put them in separate batches or rename one."
            )
        claimed[output.resolve()] = path
        session = _session_for(path, hints) if hints is not None else None
        slug = re.sub(r"[^A-Za-z0-9_-]+", "-", path.stem)[:40]
        starts, count = scenes(path) if scenes is not None and kind == "clip" else ([0], 1)
        shard = Shard(f"{number:05d}-{slug}", kind, str(path), str(output), session, frames=count)
        ranges = chunk_ranges(starts, count, chunk_frames, overlap)
        if len(ranges) < 2:
            shards.append(shard)
            continue
        parts = [
            Shard(
                f"{shard.id}.part{k}",
                "part",
                shard.source,
                str(out / STATE_FOLDER / "parts" / f"{shard.id}.part{k}"),
                session,
                first,
                end,
                frames=end - first,
                lead=lead,
            )
            for k, (first, end, lead) in enumerate(ranges)
        ]
        names = tuple(p.id for p in parts)
        shards += [*parts, Shard(shard.id, "stitch", shard.source, shard.output, session, parts=names, frames=0)]
    return shards


def _kind(path: Path) -> Literal["photo", "clip"] | None:
    suffix = path.suffix.lower()
    return "photo" if suffix in READ_FORMATS else "clip" if suffix in VIDEO_SUFFIXES else None


def _session_for(path: Path, hints: Path) -> str | None:
    for name in (f"{path.stem}.hints.json", f"{path.stem}.json"):
        if (hints / name).is_file():
            return str(hints / name)
    return None


class BatchState:
    """The batch's folder of state in ``OUT``: its manifest and the done markers."""

    def __init__(self, out: Path) -> None:
        self.folder = out / STATE_FOLDER
        self.done_folder = self.folder / "done"

    def write_manifest(self, shards: Sequence[Shard]) -> None:
        """Write the plan (atomically), creating the state folder."""
        self.done_folder.mkdir(parents=True, exist_ok=True)
        write_json(self.folder / "manifest.json", {"shards": [asdict(s) for s in shards]})

    def is_done(self, shard: Shard) -> bool:
        """The shard's marker and its result exist (a part's frames go once its clip is stitched)."""
        marked = (self.done_folder / f"{shard.id}.json").is_file()
        return marked and (shard.kind == "part" or Path(shard.output).exists())

    def mark_done(self, shard: Shard, report: dict[str, Any]) -> None:
        """Record a finished shard (after its result is in place)."""
        write_json(self.done_folder / f"{shard.id}.json", report)

    def progress_file(self, shard: Shard) -> Path:
        """Where a running shard keeps how many of its frames are done."""
        return self.folder / "progress" / shard.id

    def frames_in_progress(self, shards: Sequence[Shard]) -> int:
        """Frames done so far by the unfinished ``shards`` (from their progress files)."""
        total = 0
        for shard in shards:
            with contextlib.suppress(OSError, ValueError):  # not started, or being written
                total += int(self.progress_file(shard).read_text() or 0)
        return total

    def report_of(self, shard: Shard) -> dict[str, Any]:
        """What a finished shard recorded."""
        data: dict[str, Any] = json.loads((self.done_folder / f"{shard.id}.json").read_text())
        return data

    def markers(self) -> list[Path]:
        """The done markers there are."""
        return sorted(self.done_folder.glob("*.json")) if self.done_folder.is_dir() else []

    def forget(self) -> None:
        """Drop every done marker (``--force``: everything is redone)."""
        for marker in self.markers():
            marker.unlink()


def write_json(path: Path, data: Any) -> None:
    """Write ``data`` as JSON under a temporary name, then rename it into place."""
    with atomic_path(path) as temporary:
        temporary.write_text(json.dumps(data, indent=1))
