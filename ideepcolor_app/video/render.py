"""Colourise a clip into frames, resuming where an earlier run stopped, then encode a video file."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..base.atomic import atomic_path
from ..colour.look import DEFAULT_LOOK, Look
from ..hints.global_hints import GlobalHints
from ..inference.engine import ColorizationEngine
from .clips import ClipInfo, FrameFolder, VideoError, encode, is_video_file, read_frames, work_folder
from .temporal import CARRY, ClipColorizer, Keyframe


@dataclass(frozen=True)
class RenderPlan:
    """Which frames of the input to colour, and where the results go."""

    info: ClipInfo
    output: Path
    first: int = 0
    last: int | None = None

    @property
    def count(self) -> int:
        """How many frames the output has."""
        end = self.info.frames if self.last is None else min(self.last, self.info.frames or self.last)
        return max(0, end - self.first)

    @property
    def frames(self) -> FrameFolder:
        """Where the finished frames are (the output folder, or a video file's work folder)."""
        return FrameFolder(work_folder(self.output) if is_video_file(self.output) else self.output)

    def finished(self) -> int:
        """How many frames from the first an earlier run finished, in a row."""
        frames, done = self.frames, 0
        while done < self.count and frames.done(done):
            done += 1
        return done


def render(
    engine: ColorizationEngine,
    plan: RenderPlan,
    keyframes: Sequence[Keyframe] = (),
    global_hints: GlobalHints | None = None,
    carry: float = CARRY,
    progress: Callable[[int], None] | None = None,
    allow_short: bool = False,
    look: Look = DEFAULT_LOOK,
) -> int:
    """Colour the planned frames in order, skipping those an earlier run finished (their motion is
    still followed, so hints arrive where they should), then encode a video file's output.

    ``progress(n)`` is called after each frame written. Returns how many frames were computed.
    Raises VideoError (reading, writing; a clip with fewer frames than it says, unless
    ``allow_short``) and KeyboardInterrupt (finished frames are kept).
    """
    colorizer = ClipColorizer(engine, keyframes, global_hints, carry=carry, look=look)
    frames = plan.frames
    resume_at = plan.finished()
    computed = read = 0
    for index, frame in read_frames(plan.info, plan.first, plan.first + plan.count):
        position = index - plan.first
        read = position + 1
        if position < resume_at - 1:
            colorizer.follow_only(index, frame)
            continue
        if position == resume_at - 1 and (saved := _load_colours(frames, position)) is not None:
            colorizer.follow_only(index, frame)
            colorizer.restore_colours(saved)  # exactly where the stopped run was
            continue
        result = colorizer.colorize(index, frame)  # else the last finished frame seeds the colours
        if position < resume_at:
            continue
        _save_colours(frames, position, colorizer.colours)
        frames.write(position, result.full_resolution_rgb())
        _colours_file(frames, position - 2).unlink(missing_ok=True)
        computed += 1
        if progress:
            progress(position + 1)
    for position in (read - 2, read - 1):
        _colours_file(frames, position).unlink(missing_ok=True)
    if read < plan.count and plan.info.frames_counted and not allow_short:
        raise VideoError(
            f"{plan.info.path}: says it has {plan.count} frames from frame {plan.first}, but only {read} could be "
            f"read (a truncated file?). The {read} frames were colourised and kept in {frames.folder}; run again "
            "with --allow-short to write the output from them."
        )
    if is_video_file(plan.output):
        encode(frames, plan.finished(), plan.info, plan.output, plan.first / float(plan.info.fps))
        frames.remove()
    return computed


def _colours_file(frames: FrameFolder, position: int) -> Path:
    """Where the carried colours after frame ``position`` wait for a resumed run."""
    return frames.folder / f".carry-{position:06d}.npy"


def _save_colours(frames: FrameFolder, position: int, ab: np.ndarray | None) -> None:
    """Keep the colours frame ``position`` hands on, before the frame itself appears (written to a
    temporary name and renamed, so a kill leaves either the whole file or none)."""
    if ab is None:
        return
    frames.folder.mkdir(parents=True, exist_ok=True)
    with atomic_path(_colours_file(frames, position)) as temporary, open(temporary, "wb") as handle:
        np.save(handle, ab.astype(np.float32, copy=False))


def _load_colours(frames: FrameFolder, position: int) -> np.ndarray | None:
    path = _colours_file(frames, position)
    try:
        return np.load(path) if path.exists() else None
    except (OSError, ValueError):  # damaged: recompute them from the frame, as before
        return None
