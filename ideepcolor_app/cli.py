"""Command line: ``ideepcolor [IMAGE]`` opens the app; subcommands do batch work.

Each subcommand lives in :mod:`ideepcolor_app.commands` (or ``training.command``) with the same
``add_parser`` + ``run`` shape. Errors of the :class:`~ideepcolor_app.base.errors.IdeepcolorError`
family are caught here, once: one line on stderr and exit code 1.
"""

from __future__ import annotations

import argparse
import contextlib
import difflib
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

from .base.errors import IdeepcolorError

log = logging.getLogger("ideepcolor_app")


SUMMARIES = {
    "gui": "open the desktop app (default)",
    "colorize": "colorize photos (automatic, or with a hint session)",
    "video": "colourise a film clip (video file or folder of frames) with colours that stay put",
    "batch": "colourise a collection of photos and clips, resumable, here or on a Ray cluster",
    "evaluate": "PSNR and accuracy vs number of hints (paper's protocol), with yardsticks",
    "weights": "list, download, verify or locate weights",
    "train": "train (or fine-tune) the network on colour photos",
    "bench": "measure update latency, memory and GUI responsiveness",
}
"""Each command's line in ``ideepcolor --help``, which lists them without importing them (and torch);
a test keeps it equal to the help each command registers."""


def _commands() -> dict[str, ModuleType]:
    from .commands import batch, bench, colorize, evaluate, gui, video, weights
    from .training import command as train

    return {
        "gui": gui,
        "colorize": colorize,
        "video": video,
        "batch": batch,
        "evaluate": evaluate,
        "weights": weights,
        "train": train,
        "bench": bench,
    }


ALIASES = {"colourize": "colorize", "colorise": "colorize", "colourise": "colorize"}
"""Spellings of a command that are accepted as it."""


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``ideepcolor`` command line; returns the exit status (errors become one clear line)."""
    try:
        return _main(list(sys.argv[1:] if argv is None else argv))
    except BrokenPipeError:  # `ideepcolor weights list | head -1`: the reader has all it wanted
        with contextlib.suppress(OSError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141


def _main(argv: list[str]) -> int:
    index = next((i for i, a in enumerate(argv) if a not in ("-v", "--verbose")), None)
    first = argv[index] if index is not None else None
    if first in ALIASES and index is not None:
        argv[index] = first = ALIASES[first]
    if first in ("-h", "--help", "--version"):
        build_parser(light=True).parse_args(argv)  # prints and exits, without loading any command
    if first is None or first not in SUMMARIES:
        if problem := _not_a_photo(first):
            print(f"ideepcolor: {problem}", file=sys.stderr)
            return 2
        argv = ["gui", *argv]
    for value in argv:
        if value.startswith("-") and len(value) > 1 and Path(value).exists():
            print(
                f"ideepcolor: {value!r} is read as an option because it starts with a dash; "
                f"to mean the file, write ./{value}",
                file=sys.stderr,
            )
            return 2
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )
    try:
        return int(args.func(args) or 0)
    except IdeepcolorError as exc:
        log.debug("command failed", exc_info=True)
        print(f"ideepcolor: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("ideepcolor: interrupted.", file=sys.stderr)
        return 130


def _not_a_photo(first: str | None) -> str | None:
    """A message when the app would be asked to open ``first`` but it is a mistyped command."""
    if first is None or first.startswith("-") or Path(first).exists() or Path(first).suffix:
        return None
    close = difflib.get_close_matches(first, [*SUMMARIES, *ALIASES], n=1, cutoff=0.6)
    if not close:
        return (
            f"unknown command {first!r} (ideepcolor --help lists the commands); "
            "to open a photo, give the path of an existing file"
        )
    command = ALIASES.get(close[0], close[0])
    return f"unknown command {first!r}; did you mean '{command}'? (ideepcolor --help lists the commands)"


def build_parser(light: bool = False) -> argparse.ArgumentParser:
    """The argument parser of every ``ideepcolor`` command; ``light``: only the commands' names and
    summaries, for ``--help`` and ``--version`` (nothing heavy is imported)."""
    from . import __version__

    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("-v", "--verbose", action="store_true", help="log details (tracebacks of failures too)")
    parser = argparse.ArgumentParser(
        prog="ideepcolor",
        parents=[common],
        description="User-guided colorization of black-and-white photos (SIGGRAPH 2017 network).",
        epilog="Run 'ideepcolor [IMAGE]' to open the app, or a subcommand for batch work.",
    )
    parser.add_argument("--version", action="version", version=f"ideepcolor {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    if light:
        for name, summary in SUMMARIES.items():
            sub.add_parser(name, help=summary)
        return parser
    for module in _commands().values():
        module.add_parser(sub, [common])
    return parser
