"""The subcommands of ``ideepcolor``: each module has ``add_parser(sub, parents)`` and ``run(args)``.

They only parse options, call the core and print; errors of the
:class:`~ideepcolor_app.base.errors.IdeepcolorError` family are reported once, by ``cli.main``.
"""

from __future__ import annotations

import argparse
import sys

from ..inference.engine import ColorizationEngine


def add_model_options(parser: argparse.ArgumentParser) -> None:
    """Add the options every command shares: weights, device, mask convention, precision."""
    parser.add_argument("--weights", help="weights file or registry name (default: see 'ideepcolor weights where')")
    parser.add_argument("--device", default=None, help="cuda, cuda:N, mps or cpu (default: best available)")
    parser.add_argument(
        "--mask-convention", choices=["zero_one", "centered"], help="override the weights' mask convention"
    )
    parser.add_argument(
        "--precision",
        choices=["auto", "fp32", "bf16"],
        default=None,
        help="number format of the network's passes (default auto: bf16 where the processor has bf16 units)",
    )


def load_engine(args: argparse.Namespace) -> ColorizationEngine:
    """The engine for a command's model options; weights found but unusable are reported."""
    engine = ColorizationEngine.from_weights(
        args.weights, args.device, args.mask_convention, getattr(args, "precision", None)
    )
    for problem in engine.problems:
        print(f"warning: {problem}", file=sys.stderr)
    return engine
