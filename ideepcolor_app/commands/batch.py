"""``ideepcolor batch``: a collection of photos and clips, in shards that this process, a pool of
processes or a Ray cluster runs; resumable; the same results as ``colorize`` and ``video``."""

from __future__ import annotations

import argparse
import sys
import threading
import time
from pathlib import Path
from typing import Any

from ..base.errors import IdeepcolorError, UsageError
from ..batch.engines import run_local, run_ray
from ..batch.plan import CHUNK_FRAMES, CHUNK_OVERLAP, BatchState, Shard, plan_batch, write_json
from ..batch.worker import BatchOptions, stitch
from ..video.clips import probe, read_frames
from ..video.temporal import scene_starts
from . import add_model_options
from .colorize import global_hints_option
from .options import add_look_options, non_negative_int, positive_int


def add_parser(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], parents: list[argparse.ArgumentParser]
) -> None:
    """Add ``ideepcolor batch`` to the command line."""
    p = sub.add_parser(
        "batch",
        parents=parents,
        help="colourise a collection of photos and clips, resumable, here or on a Ray cluster",
    )
    p.add_argument("inputs", nargs="+", help="photos, clips, and folders of them")
    p.add_argument("-o", "--output-dir", required=True, help="folder for the results (and the batch's state)")
    p.add_argument(
        "--hints", metavar="DIR", help="folder of sessions: NAME.hints.json goes with the photo or clip NAME"
    )
    p.add_argument("--format", default="png", choices=["png", "jpg", "tif", "webp"], help="photos' result format")
    p.add_argument("--reference", metavar="PHOTO", help="colour everything like this colour photo (as colorize)")
    p.add_argument("--saturation", metavar="S", help="0 (grey) to 1 (vivid), or auto (as colorize)")
    p.add_argument("--engine", choices=["local", "ray"], default="local", help="where shards run (default local)")
    p.add_argument("--workers", type=positive_int, default=1, help="processes (local) or actors (ray); default 1")
    p.add_argument("--address", help="a running Ray cluster (ray start --head); default: start one here")
    p.add_argument("--cpus-per-worker", type=float, default=1.0, help="CPUs each Ray worker reserves (default 1)")
    p.add_argument("--gpus-per-worker", type=float, default=0.0, help="GPUs each Ray worker reserves (default 0)")
    p.add_argument(
        "--chunk-frames",
        type=positive_int,
        default=CHUNK_FRAMES,
        help=f"split a scene longer than this many frames over workers (default {CHUNK_FRAMES})",
    )
    p.add_argument(
        "--overlap-frames",
        type=non_negative_int,
        default=CHUNK_OVERLAP,
        help=f"frames a chunk starts early, cross-faded with the chunk before (default {CHUNK_OVERLAP})",
    )
    p.add_argument("--resume", action="store_true", help="finish a stopped batch: skip shards that are done")
    p.add_argument("--force", action="store_true", help="redo every shard, replacing earlier results")
    add_look_options(p)
    add_model_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Plan, skip what is done (with --resume), run the rest on the chosen engine, report."""
    out = Path(args.output_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot create output folder {out}: {exc.strerror or exc}") from exc
    if 2 * args.overlap_frames >= args.chunk_frames:
        raise UsageError(
            f"--overlap-frames {args.overlap_frames} must be under half of --chunk-frames {args.chunk_frames}"
        )
    hints = Path(args.hints) if args.hints else None
    shards = plan_batch(args.inputs, out, hints, args.format, _scenes, args.chunk_frames, args.overlap_frames)
    state = BatchState(out)
    if args.force:
        state.forget()
    elif state.markers() and not args.resume:
        raise UsageError(
            f"{out} holds an earlier batch ({len(state.markers())} shards done); add --resume to finish it, "
            "or --force to redo it"
        )
    state.write_manifest(shards)
    stitches = {s.id: s for s in shards if s.kind == "stitch"}
    by_id = {s.id: s for s in shards}
    finished_clips = {p for s in stitches.values() if state.is_done(s) for p in s.parts}
    pending = [s for s in shards if not state.is_done(s) and s.id not in finished_clips]
    runnable = [s for s in pending if s.runs_on_workers]
    threads = max(1, round(args.cpus_per_worker)) if args.engine == "ray" or args.workers > 1 else None
    options = BatchOptions(
        str(out),
        args.weights,
        args.device,
        args.mask_convention,
        args.precision,
        args.colours,
        args.hint_reach,
        global_hints_option(args),
        threads,
    )
    photos = sum(s.kind == "photo" for s in shards)
    clips = sum(s.kind in ("clip", "stitch") for s in shards)
    scenes = sum(s.kind == "part" for s in shards)
    print(
        f"batch: {len(shards)} shards ({photos} photos, {clips} clips"
        + (f", {scenes} scenes of clips with cuts" if scenes else "")
        + f") into {out}"
        + (f"; {len(shards) - len(pending)} already done" if len(pending) < len(shards) else "")
        + f"; engine {args.engine}, {args.workers} worker{'s' if args.workers != 1 else ''}"
    )
    if args.engine == "ray":
        reports = run_ray(
            runnable, options, args.workers, args.address, args.cpus_per_worker, args.gpus_per_worker, print
        )
    else:
        reports = run_local(runnable, options, args.workers)
    started = time.perf_counter()
    finished: list[dict[str, Any]] = []
    line = ProgressLine(state, runnable, finished, args.workers)
    line.start()
    try:
        for report in reports:
            finished.append(report)
            line.show()
    finally:
        line.stop()
    for shard in (s for s in pending if s.kind == "stitch"):
        parts = [by_id[p] for p in shard.parts]
        if all(state.is_done(p) for p in parts):
            try:
                finished.append(stitch(shard, parts, state))
            except (IdeepcolorError, OSError) as exc:
                finished.append({"id": shard.id, "kind": "stitch", "source": shard.source, "error": str(exc)})
    failed = [r for r in finished if "error" in r]
    for report in failed:
        error = report["error"]  # most messages name the file already
        print(f"error: {error if report['source'] in error else report['source'] + ': ' + error}", file=sys.stderr)
    done = [state.report_of(s) for s in shards if state.is_done(s)]
    seconds = time.perf_counter() - started
    write_json(
        state.folder / "report.json",
        {
            "engine": args.engine,
            "workers": args.workers,
            "seconds": round(seconds, 3),
            "shards": done,
            "failed": failed,
            "frames": sum(r.get("frames", 0) for r in done),
        },
    )
    print(
        f"batch: {len(done)} of {len(shards)} shards done in {seconds:.1f} s; report in {state.folder / 'report.json'}"
    )
    if failed:
        print(
            f"ideepcolor: {len(failed)} shard{'s' if len(failed) != 1 else ''} failed (see above); "
            "fix them and run again with --resume",
            file=sys.stderr,
        )
        return 1
    return 0


def _scenes(path: Path) -> tuple[list[int], int]:
    """Where ``path``'s scenes start (a pass over its frames), and how many frames it has."""
    info = probe(path)
    print(f"batch: finding the scene cuts of {path.name} ({info.frames} frames)", flush=True)
    return scene_starts(read_frames(info, 0, info.frames)), info.frames


class ProgressLine:
    """The whole job's progress: shards and frames done (a clip's frames as they are written, read
    from its progress file on the shared storage, whatever engine runs it), frames per second per
    worker and the time left. Shown when a shard finishes and every few seconds in between."""

    EVERY = 5.0

    def __init__(self, state: BatchState, shards: list[Shard], finished: list[dict[str, Any]], workers: int) -> None:
        self.state, self.shards, self.finished, self.workers = state, shards, finished, workers
        self.total = sum(s.frames for s in shards)
        self.started = time.perf_counter()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="batch-progress", daemon=True)
        self._last = ""

    def start(self) -> None:
        """Show the line every few seconds from now on."""
        self._thread.start()

    def stop(self) -> None:
        """No more lines."""
        self._stop.set()
        self._thread.join(1.0)

    def show(self) -> None:
        """Print the line now, if it changed."""
        done_ids = {r["id"] for r in self.finished}
        frames = sum(r.get("frames", 0) for r in self.finished if "error" not in r)
        frames += self.state.frames_in_progress([s for s in self.shards if s.id not in done_ids])
        seconds = time.perf_counter() - self.started
        rate = frames / seconds / self.workers if seconds > 0 else 0.0
        left = f"about {seconds / frames * (self.total - frames):.0f} s left" if frames else "timing the first frames"
        text = (
            f"  {len(self.finished)}/{len(self.shards)} shards, {frames}/{self.total} frames, "
            f"{rate:.2f} frames/s per worker, {left}"
        )
        if text != self._last:
            self._last = text
            print(text, flush=True)

    def _run(self) -> None:
        while not self._stop.wait(self.EVERY):
            self.show()
