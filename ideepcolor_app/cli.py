"""Command line: ``ideepcolor [IMAGE]`` opens the app; subcommands do batch work.

Each subcommand lives in :mod:`ideepcolor_app.commands` (or ``training.command``) with the same
``add_parser`` + ``run`` shape. Errors of the :class:`~ideepcolor_app.errors.IdeepcolorError`
family are caught here, once: one line on stderr and exit code 1.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from types import ModuleType

from .errors import IdeepcolorError

log = logging.getLogger("ideepcolor_app")


def _commands() -> dict[str, ModuleType]:
    from .commands import bench, colorize, evaluate, gui, weights
    from .training import command as train

    return {"gui": gui, "colorize": colorize, "evaluate": evaluate, "weights": weights, "train": train, "bench": bench}


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    first = next((a for a in argv if a not in ("-v", "--verbose")), None)
    if first is None or (first not in _commands() and first not in ("-h", "--help", "--version")):
        argv = ["gui", *argv]
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


def build_parser() -> argparse.ArgumentParser:
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
    for module in _commands().values():
        module.add_parser(sub, [common])
    return parser
