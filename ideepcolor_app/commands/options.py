"""Option types that refuse bad values while the command line is parsed, before anything loads."""

from __future__ import annotations

import argparse
import contextlib
import math
import sys
from collections.abc import Callable

from ..colour.look import DEFAULT_LOOK, Look
from ..evaluation.records import LineProgress


def add_look_options(parser: argparse.ArgumentParser) -> None:
    """--colours and --hint-reach: the look of ``colorize``'s and ``video``'s results."""
    parser.add_argument(
        "--colours",
        choices=["vivid", "muted"],
        help="away from hints: colours from the network's predicted distribution (vivid, default, where the "
        "weights measured it) or its plain averaged output (muted); default: as the --hints session was made, "
        "else vivid",
    )
    parser.add_argument(
        "--hint-reach",
        choices=["local", "photo"],
        help="local (default, where the weights measured it): each hint colours its object and what the photo "
        "makes that colour likely for; photo: a hint may tint the whole photo; default: as the --hints "
        "session was made, else local",
    )


def look_option(args: argparse.Namespace, recorded: Look | None = None) -> Look:
    """The look the options ask for; what they leave out is as ``recorded`` (the look a hint
    session was made with), else the default."""
    base = recorded or DEFAULT_LOOK
    return Look(
        vivid=base.vivid if args.colours is None else args.colours == "vivid",
        local_hints=base.local_hints if args.hint_reach is None else args.hint_reach == "local",
    )


def finite_seconds(text: str) -> float:
    """A time in seconds: a finite number, not negative."""
    value = _number(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} is negative; give seconds from the start (0 or more)")
    return value


def frame_rate(text: str) -> float:
    """Frames per second: a finite number above 0."""
    value = _number(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a frame rate; give frames per second above 0, e.g. 24")
    return value


def non_negative_int(text: str) -> int:
    """A whole number, 0 or more."""
    return _whole_number(text, 0)


def positive_int(text: str) -> int:
    """A whole number, 1 or more."""
    return _whole_number(text, 1)


def _whole_number(text: str, least: int) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < least:
        raise argparse.ArgumentTypeError(
            f"{text!r} is negative; give 0 or more" if least == 0 else f"{text!r} is less than {least}"
        )
    return value


def _number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"{text!r} is not a finite number")
    return value


def photo_progress(
    stack: contextlib.ExitStack, total: int, already: int, label: str = "Evaluating"
) -> Callable[[int, int], None]:
    """A bar on a terminal; elsewhere (logs, pipes) a line with an ETA every 30 seconds."""
    if sys.stderr.isatty():
        from tqdm import tqdm  # imported only where a bar is drawn

        bar = stack.enter_context(tqdm(total=total, initial=already, unit="photo", desc=label))
        return lambda done, _total: bar.update(done - bar.n)
    return LineProgress(label, already)
