"""Runs shards with one model: what each process or Ray actor of a batch holds."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..base.errors import IdeepcolorError
from ..colour.color import lab_to_rgb_np, rgb_to_lab_np
from ..colour.look import DEFAULT_LOOK, Look
from ..editing.session import Session
from ..hints.global_hints import GlobalHints
from ..inference.engine import ColorizationEngine
from ..inference.export import colorize_to_file
from ..photos.images import load_photo
from ..video.clips import FrameFolder, encode, probe, read_frames, work_folder
from ..video.consistency import colour_distribution_consistency
from ..video.keyframes import session_keyframes
from ..video.render import RenderPlan, render
from ..video.temporal import carried_keyframe
from .plan import BatchState, Shard


@dataclass(frozen=True)
class BatchOptions:
    """What every shard is run with (a plain value: it travels to other processes and machines)."""

    out: str
    weights: str | None = None
    device: str | None = None
    mask_convention: str | None = None
    precision: str | None = None
    colours: str | None = None
    """``--colours``: vivid, muted, or None (the session's look, else the default)."""
    hint_reach: str | None = None
    """``--hint-reach``: local, photo, or None (as ``colours``)."""
    global_hints: GlobalHints | None = None
    """``--reference`` and ``--saturation``, over each session's."""
    threads: int | None = None
    """Torch threads of each worker (None: torch's default)."""

    def look(self, recorded: Look | None) -> Look:
        """The look of a shard whose session recorded ``recorded``."""
        base = recorded or DEFAULT_LOOK
        return Look(
            vivid=base.vivid if self.colours is None else self.colours == "vivid",
            local_hints=base.local_hints if self.hint_reach is None else self.hint_reach == "local",
        )


class ShardWorker:
    """Loads the model once and runs shards; each writes its result under a temporary name, renames
    it, then writes its done marker. Failures of one shard (a bad file) are reported, not raised."""

    def __init__(self, options: BatchOptions) -> None:
        if options.threads:
            import torch

            torch.set_num_threads(options.threads)
        self.options = options
        self.engine = ColorizationEngine.from_weights(
            options.weights, options.device, options.mask_convention, options.precision
        )
        self.state = BatchState(Path(options.out))

    def run(self, shard: Shard) -> dict[str, Any]:
        """Colour one shard; its report: id, kind, frames, seconds, and an error if it failed."""
        started = time.perf_counter()
        try:
            frames = self._photo(shard) if shard.kind == "photo" else self._clip(shard)  # a clip or a part
        except (IdeepcolorError, OSError) as exc:
            return {"id": shard.id, "kind": shard.kind, "source": shard.source, "error": str(exc)}
        report: dict[str, Any] = {
            "id": shard.id,
            "kind": shard.kind,
            "source": shard.source,
            "output": shard.output,
            "frames": frames,
            "seconds": round(time.perf_counter() - started, 3),
        }
        if shard.kind == "clip":
            report["cdc"] = clip_cdc(Path(shard.output))
        self.state.mark_done(shard, report)
        return report

    def _photo(self, shard: Shard) -> int:
        photo = load_photo(shard.source)
        session = Session.load(Path(shard.session)) if shard.session else None
        marks = session.marks_for(photo.sha256, photo.size, anyway=True) if session is not None else None
        hints, global_hints, strokes, regions = marks or ([], GlobalHints(), [], [])
        if self.options.global_hints is not None:
            global_hints = global_hints.overridden_by(self.options.global_hints)
        colorize_to_file(
            self.engine,
            photo,
            hints,
            Path(shard.output),
            overwrite=True,  # the batch's own result: a run stopped after its rename redoes it
            protect=[Path(shard.source)],
            source=self.engine.set_photo(photo),
            global_hints=global_hints,
            look=self.options.look(session.look if session else None),
            strokes=strokes,
            regions=regions,
        )
        return 1

    def _clip(self, shard: Shard) -> int:
        """A whole clip into its video file, or a part (one scene) into its folder of frames."""
        info = probe(Path(shard.source))
        session = Session.load(Path(shard.session)) if shard.session else None
        keyframes = session_keyframes(session, 0, info.size) if session is not None else []
        if shard.lead and keyframes:  # a chunk in the middle of a scene: earlier hints carry on into it
            carried = carried_keyframe(self.engine, lambda a, b: read_frames(info, a, b), keyframes, shard.first)
            later = [k for k in keyframes if k.frame > shard.first]
            keyframes = [carried, *later] if carried is not None else later
        given = self.options.global_hints or (session.global_hints if session is not None else None)
        plan = RenderPlan(info, Path(shard.output), shard.first, shard.last)
        look = self.options.look(session.look if session else None)
        progress = self.state.progress_file(shard)
        progress.parent.mkdir(parents=True, exist_ok=True)

        def note(done: int) -> None:
            progress.write_text(str(done))

        with plan.frames.lock():
            render(self.engine, plan, keyframes, given, progress=note, look=look)
        progress.unlink(missing_ok=True)
        return plan.count


def clip_cdc(path: Path) -> float:
    """The colour distribution consistency of a written clip (see :mod:`~ideepcolor_app.video.consistency`)."""
    info = probe(path)
    return round(colour_distribution_consistency(frame for _, frame in read_frames(info, 0, info.frames)), 6)


def cross_fade(earlier: np.ndarray, later: np.ndarray, share: float) -> np.ndarray:
    """``share`` of the way from one colouring of a frame to another: their ab mixed, L kept."""
    lab = rgb_to_lab_np(earlier.astype(np.float64) / 255)
    lab[..., 1:] += share * (rgb_to_lab_np(later.astype(np.float64) / 255)[..., 1:] - lab[..., 1:])
    return np.asarray(np.round(lab_to_rgb_np(lab) * 255), dtype=np.uint8)


def stitch(shard: Shard, parts: Sequence[Shard], state: BatchState) -> dict[str, Any]:
    """Encode the parts' frames, in order, with the clip's sound into the file ``video`` writes,
    and mark the stitch done; the parts' folders are removed after."""
    started = time.perf_counter()
    info = probe(Path(shard.source))
    output = Path(shard.output)
    frames = FrameFolder(work_folder(output))
    frames.folder.mkdir(parents=True, exist_ok=True)
    count = 0
    for part in parts:
        own = FrameFolder(Path(part.output))
        for index in range(RenderPlan(info, Path(part.output), part.first, part.last).count):
            if index < part.lead:  # the previous chunk coloured this frame too: fade from it to this one
                position = count - part.lead + index
                earlier = load_photo(frames.path(position)).pixels
                later = load_photo(own.path(index)).pixels
                frames.path(position).unlink()  # a link to the previous part's file, which stays as it is
                frames.write(position, cross_fade(earlier, later, (index + 1) / (part.lead + 1)))
                continue
            target = frames.path(count)
            target.unlink(missing_ok=True)  # a stitch stopped half-way is redone
            try:
                os.link(own.path(index), target)
            except OSError:  # a file system without hard links
                shutil.copyfile(own.path(index), target)
            count += 1
    encode(frames, count, info, output)
    frames.remove()
    report = {"id": shard.id, "kind": "stitch", "source": shard.source, "output": shard.output, "frames": 0}
    report["seconds"] = round(time.perf_counter() - started, 3)
    report["cdc"] = clip_cdc(output)
    state.mark_done(shard, report)
    for part in parts:
        shutil.rmtree(part.output, ignore_errors=True)
    return report
