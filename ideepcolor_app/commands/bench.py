"""``ideepcolor bench``: what a user waits for, measured on this machine (medians, p95, device, sizes)."""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from ..base.errors import WeightsError
from ..colour.encoding import HintEncoding
from ..evaluation import bench
from ..inference.engine import ColorizationEngine
from ..inference.network import Network
from ..network.architectures import DEFAULT_ARCHITECTURE
from ..network.device import pick_device
from ..network.registry import find_weight_set
from ..network.weights import load_model, save_weights
from . import add_model_options


def add_parser(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], parents: list[argparse.ArgumentParser]
) -> None:
    """Add ``ideepcolor bench`` to the command line."""
    p = sub.add_parser("bench", parents=parents, help="measure update latency, memory and GUI responsiveness")
    p.add_argument("--json", help="also write the results here")
    p.add_argument("--quick", action="store_true", help="fewer repetitions (a smoke test, not for reporting)")
    p.add_argument("--no-gui", action="store_true", help="skip the GUI measurements (drags, opening)")
    add_model_options(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run the benchmarks and print (and optionally save) their table."""
    device = pick_device(args.device)
    try:
        paths = find_weight_set(args.weights)
    except WeightsError:
        paths = []
    with tempfile.TemporaryDirectory() as tmp:
        networks = [Network(*load_model(p, args.mask_convention), device, precision=args.precision) for p in paths]
        # Speed does not depend on the weight values: a missing network is timed with random ones.
        for fast, name in ((False, "random-full-size"), (True, "random-fast")):
            if not any(n.is_fast == fast for n in networks) and not (fast and args.weights):
                print(f"no {'fast' if fast else 'full-size'} weights found: timing a randomly initialised one")
                model = DEFAULT_ARCHITECTURE.build(0.25 if fast else 1.0, residual=fast)
                path = save_weights(
                    model.state_dict(),
                    Path(tmp) / f"{name}.safetensors",
                    mask_convention="centered",
                    name=name,
                    hint_encoding=HintEncoding.LIGHTNESS_FILL if fast else "sparse",
                )
                networks.append(Network(*load_model(path), device, precision=args.precision))
        engine = ColorizationEngine(networks, device)
        gui_rows: bench.GuiRows | None = None
        if not args.no_gui:
            from ..gui.window_bench import gui_rows
        results = bench.run(engine, quick=args.quick, gui_rows=gui_rows)
    print(bench.table(results))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
        print(f"wrote {args.json}")
    return 0
