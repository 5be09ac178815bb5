"""``ideepcolor video``: a film clip in, the clip colourised coherently out (file or frames)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..base.errors import UsageError
from ..colour.look import Look
from ..editing.session import Session
from ..hints.global_hints import GlobalHints
from ..photos.images import READ_FORMATS
from ..video.clips import ClipInfo, VideoError, is_video_file, probe
from ..video.keyframes import session_keyframes
from ..video.render import RenderPlan, render
from ..video.temporal import Keyframe
from . import add_model_options, load_engine
from .colorize import global_hints_option
from .options import add_look_options, finite_seconds, frame_rate, look_option, non_negative_int


def add_parser(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], parents: list[argparse.ArgumentParser]
) -> None:
    """Add ``ideepcolor video`` to the command line."""
    p = sub.add_parser(
        "video",
        parents=parents,
        help="colourise a film clip (video file or folder of frames) with colours that stay put",
    )
    p.add_argument("input", help="a video file (MP4, MOV, MKV, AVI, WebM...) or a folder of frames")
    p.add_argument("-o", "--output", required=True, help="a video file (.mp4, .mkv, .mov) or a folder for PNG frames")
    p.add_argument(
        "--hints",
        metavar="SESSION",
        help="hints saved by the app: for one frame of the clip, or for several (keyframes)",
    )
    p.add_argument(
        "--keyframe", type=non_negative_int, default=0, metavar="N", help="the frame the hints were placed on (0)"
    )
    p.add_argument("--start", type=finite_seconds, default=0.0, metavar="T", help="start at T seconds (default 0)")
    p.add_argument("--end", type=finite_seconds, metavar="T", help="stop at T seconds (default: the end)")
    p.add_argument("--fps", type=frame_rate, default=24.0, help="frame rate of a folder of frames (default 24)")
    p.add_argument("--reference", metavar="PHOTO", help="colour the clip like this colour photo")
    p.add_argument("--saturation", metavar="S", help="how colourful: 0 grey to 1 vivid, or auto (default)")
    add_look_options(p)
    p.add_argument("--force", action="store_true", help="redo every frame and replace an existing output file")
    p.add_argument(
        "--allow-short",
        action="store_true",
        help="accept a clip that has fewer frames than it says (a truncated file): write what could be read",
    )
    add_model_options(p)
    p.set_defaults(func=run)


STILL_SUFFIXES = (*READ_FORMATS, ".gif", ".apng")
"""Picture formats: an output named so would have been a folder of PNGs with a misleading name."""
WRITTEN_SUFFIXES = (".mp4", ".mkv", ".mov")


def run(args: argparse.Namespace) -> int:
    """Colourise the clip; a rerun after Ctrl+C continues where it stopped."""
    given = global_hints_option(args)
    info = probe(Path(args.input), args.fps)
    output = Path(args.output)
    if output.suffix.lower() in STILL_SUFFIXES:
        raise UsageError(
            f"-o {output}: '{output.suffix}' is not a video format this writes; give a video file "
            f"({', '.join(WRITTEN_SUFFIXES)}) or a folder for PNG frames"
        )
    if output.resolve() == info.path.resolve():
        raise UsageError("the output would replace the input; choose another -o")
    if is_video_file(output) and output.exists() and not args.force:
        raise UsageError(f"{output} already exists; use --force to replace it")
    fps = float(info.fps)
    first = max(0, round(args.start * fps))
    last = round(args.end * fps) if args.end is not None else None
    if last is not None and last <= first:
        raise UsageError(f"--end ({args.end}) must be after --start ({args.start})")
    if first >= info.frames:
        raise UsageError(
            f"--start {args.start:g} s is past the end of {info.path.name} ({info.frames} frames, "
            f"{info.frames / fps:.2f} s); nothing to colourise"
        )
    keyframes: list[Keyframe] = []
    recorded = None
    if args.hints:
        session = Session.load(Path(args.hints))
        if not session.keyframe_frames and not first <= args.keyframe < (last if last is not None else info.frames):
            raise UsageError(
                f"--keyframe {args.keyframe} is not among the frames colourised ({first} to {last or info.frames - 1})"
            )
        keyframes = session_keyframes(session, args.keyframe, info.size)
        given = given or session.global_hints
        recorded = session.look
    plan = RenderPlan(info, output, first, last)
    plan.frames.check_writable()  # before the model loads or a frame is computed
    with plan.frames.lock():  # a second run on this output is refused, not given a folder that vanishes
        return _colourise(args, plan, info, keyframes, given, look_option(args, recorded))


def _colourise(
    args: argparse.Namespace,
    plan: RenderPlan,
    info: ClipInfo,
    keyframes: list[Keyframe],
    given: GlobalHints | None,
    look: Look,
) -> int:
    """Load the model and colour the planned frames (the output is checked and held)."""
    from tqdm import tqdm

    fps = float(info.fps)
    output = plan.output
    engine = load_engine(args)
    if given is not None and not given.is_empty and not engine.takes_global_hints:
        raise UsageError(
            f"--reference and --saturation need weights that take global hints; {engine.info.label} does not"
        )
    if info.rotation:
        print(
            f"note: the clip asks to be shown turned {info.rotation}° (a phone held upright); its frames are "
            "colourised and written turned that way, so the result plays upright everywhere"
        )
    if info.scaled_from:
        (w, h), (sw, sh) = info.scaled_from, info.size
        print(f"note: frames of {w}x{h} are larger than 4K; they are colourised at {sw}x{sh}")
    width, height = info.size
    if is_video_file(output) and (width % 2 or height % 2):
        print(
            f"note: video files need even sides; the {width}x{height} frames are written as "
            f"{width // 2 * 2}x{height // 2 * 2} (the last odd column or row is left out). "
            "A folder output keeps every pixel."
        )
    done = 0 if args.force else plan.finished()
    print(
        f"{info.path.name}: {info.size[0]}x{info.size[1]}, {fps:g} fps, frames {plan.first} to "
        f"{plan.first + plan.count - 1}"
        f"{', with sound' if info.has_audio else ''}; weights: {engine.info.label}, device: {engine.device_label}"
        + (f"; continuing after {done} finished frames" if done else "")
    )
    if args.force:
        _forget(plan)
    bar = tqdm(total=plan.count, initial=plan.finished(), unit="frame", desc="Colourising", disable=None)
    try:
        render(
            engine,
            plan,
            keyframes,
            given,
            progress=lambda n: bar.update(n - bar.n),
            allow_short=args.allow_short,
            look=look,
        )
    except KeyboardInterrupt:
        bar.close()
        print(
            f"Stopped: {plan.finished()} of {plan.count} frames are finished and kept. "
            "Run the same command again to continue.",
            file=sys.stderr,
        )
        return 130
    except VideoError:
        bar.close()
        raise
    bar.close()
    print(f"wrote {output}")
    return 0


def _forget(plan: RenderPlan) -> None:
    """--force: the frames of an earlier run are recomputed, not reused."""
    frames = plan.frames
    for index in range(plan.count):
        frames.path(index).unlink(missing_ok=True)
    for carried in frames.folder.glob(".carry-*.npy"):  # an earlier run's colours, for its resume
        carried.unlink(missing_ok=True)
