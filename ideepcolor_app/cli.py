"""Command line: ``ideepcolor [IMAGE]`` opens the app; subcommands do batch work."""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Sequence

SUBCOMMANDS = ("colorize", "evaluate", "weights", "train", "bench", "gui")


class CliError(Exception):
    """A problem to report as one clear message and exit code 1."""


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or (argv[0] not in SUBCOMMANDS and argv[0] not in ("-h", "--help", "--version")):
        argv = ["gui", *argv]
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except CliError as exc:
        print(f"ideepcolor: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("ideepcolor: interrupted.", file=sys.stderr)
        return 130


def build_parser() -> argparse.ArgumentParser:
    from . import __version__

    parser = argparse.ArgumentParser(
        prog="ideepcolor",
        description="User-guided colorization of black-and-white photos (SIGGRAPH 2017 network).",
        epilog="Run 'ideepcolor [IMAGE]' to open the app, or a subcommand for batch work.",
    )
    parser.add_argument("--version", action="version", version=f"ideepcolor {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    gui = sub.add_parser("gui", help="open the desktop app (default)")
    gui.add_argument("image", nargs="?", help="photo or session (.json) to open; a sample photo if omitted")
    _add_model_options(gui)
    gui.set_defaults(func=_run_gui)

    col = sub.add_parser("colorize", help="colorize photos (automatic, or with a hint session)")
    col.add_argument("inputs", nargs="+", help="photo files or folders of photos")
    col.add_argument("-o", "--output-dir", help="folder for results (default: next to each photo)")
    col.add_argument("--hints", help="hint session JSON saved by the app (applies to its photo)")
    col.add_argument("--format", default="png", choices=["png", "jpg", "tif", "webp"], help="output format")
    col.add_argument("--suffix", default="_colorized", help="added to each output file name")
    col.add_argument("--force", action="store_true", help="overwrite existing results")
    _add_model_options(col)
    col.set_defaults(func=_run_colorize)

    ev = sub.add_parser("evaluate", help="PSNR and accuracy vs number of hints (paper's protocol)")
    ev.add_argument("folder", nargs="+", help="folders or files of colour photos")
    ev.add_argument("--hints", default="0,1,2,5,10,20,50,100", help="comma-separated hint counts")
    ev.add_argument("--seed", type=int, default=0)
    ev.add_argument("--limit", type=int, help="use only the first N photos")
    ev.add_argument("--json", help="write the full result (curves included) here")
    ev.add_argument("--size", type=int, default=256,
                    help="network resolution (the paper's protocol is 256; others are an extra, patches scaled)")
    _add_model_options(ev)
    ev.set_defaults(func=_run_evaluate)

    w = sub.add_parser("weights", help="list, download, verify or locate weights")
    wsub = w.add_subparsers(dest="weights_command", metavar="ACTION", required=True)
    wsub.add_parser("list", help="known weights and whether they are here").set_defaults(func=_weights_list)
    dl = wsub.add_parser("download", help="download published weights into the user cache")
    dl.add_argument("name")
    dl.add_argument("--url", help="download from this address instead (a mirror)")
    dl.set_defaults(func=_weights_download)
    ve = wsub.add_parser("verify", help="check that a file loads as SIGGRAPH17 weights")
    ve.add_argument("path")
    ve.set_defaults(func=_weights_verify)
    wsub.add_parser("where", help="which weights would be used, and the folders searched").set_defaults(func=_weights_where)
    co = wsub.add_parser("compact", help="write an int8 copy (about 34 MB) of a weights file, keeping its metadata")
    co.add_argument("source")
    co.add_argument("target")
    co.set_defaults(func=_weights_compact)

    from .training.command import add_train_parser

    add_train_parser(sub)

    b = sub.add_parser("bench", help="measure update latency, memory and GUI responsiveness")
    b.add_argument("--json", help="also write the results here")
    b.add_argument("--quick", action="store_true", help="fewer repetitions (a smoke test, not for reporting)")
    b.add_argument("--no-gui", action="store_true", help="skip the GUI drag measurement")
    _add_model_options(b)
    b.set_defaults(func=_run_bench)
    return parser


def _add_model_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--weights", help="weights file or registry name (default: see 'ideepcolor weights where')")
    p.add_argument("--device", default=None, help="cuda, cuda:N, mps or cpu (default: best available)")
    p.add_argument("--mask-convention", choices=["zero_one", "centered"], help="override the weights' mask convention")


def _load_engine(args: argparse.Namespace):
    from .engine import ColorizationEngine
    from .weights import WeightsError

    try:
        return ColorizationEngine.from_weights(args.weights, args.device, args.mask_convention)
    except (WeightsError, RuntimeError) as exc:
        raise CliError(str(exc)) from exc


def _run_gui(args: argparse.Namespace) -> int:
    try:
        from .gui.app import run_app
    except ImportError as exc:
        raise CliError(f"The desktop app needs PySide6 ({exc}). Install it with: pip install -e .") from exc
    return run_app(args)


def _run_colorize(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from .images import ImageError, list_images, load_photo, save_image
    from .session import Session, SessionError

    session = None
    if args.hints:
        try:
            session = Session.load(Path(args.hints))
        except SessionError as exc:
            raise CliError(str(exc)) from exc
    inputs = list_images(args.inputs)
    if not inputs:
        raise CliError("no photos found in " + ", ".join(args.inputs))
    out_dir = Path(args.output_dir) if args.output_dir else None
    if out_dir is not None:
        try:
            out_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise CliError(f"cannot create output folder {out_dir}: {exc.strerror or exc}") from exc
    engine = _load_engine(args)
    failures = 0
    print(f"weights: {engine.info.label}, mask convention {engine.info.mask_convention.value} "
          f"({engine.info.convention_reason}), device: {engine.device_label}")
    bar = tqdm(inputs, unit="photo", desc=f"Colorizing on {engine.device_label}", disable=None)
    for path in bar:
        target = (out_dir or path.parent) / f"{path.stem}{args.suffix}.{args.format}"
        try:
            if target.exists() and not args.force:
                raise ImageError(f"{target}: already exists; refusing to overwrite (use --force).")
            photo = load_photo(path)
            hints = []
            if session is not None:
                if session.image_sha256 == photo.sha256:
                    hints = session.hints
                elif len(inputs) == 1:
                    tqdm.write(f"warning: {args.hints} was made for another photo ({session.image_path}); using its hints anyway")
                    hints = [h for h in session.hints if h.x < photo.size[0] and h.y < photo.size[1]]
            engine.set_photo(photo)
            result = engine.colorize(hints).full_resolution_rgb()
            save_image(result, target, overwrite=args.force, protect=(path,))
            tqdm.write(f"{path} -> {target} ({photo.size[0]}x{photo.size[1]}, {len(hints)} hints)")
        except ImageError as exc:
            failures += 1
            tqdm.write(f"error: {exc}", file=sys.stderr)
    if failures:
        print(f"ideepcolor: {failures} of {len(inputs)} photos failed (see messages above).", file=sys.stderr)
        return 1
    return 0


def _run_evaluate(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from .evaluate import evaluate
    from .images import ImageError, list_images

    try:
        counts = [int(v) for v in args.hints.split(",") if v.strip()]
    except ValueError:
        raise CliError(f"--hints must be comma-separated integers, got {args.hints!r}") from None
    if args.size <= 0 or args.size % 8:
        raise CliError(f"--size must be a positive multiple of 8, got {args.size}")
    images = list_images(args.folder)[: args.limit]
    if not images:
        raise CliError("no photos found in " + ", ".join(args.folder))
    engine = _load_engine(args)
    bar = tqdm(total=len(images), unit="photo", desc="Evaluating", disable=None)
    try:
        result = evaluate(engine.best.model, engine.info.mask_convention, images, counts, args.seed, engine.device,
                          progress=lambda done, total: bar.update(1), encoding=engine.info.hint_encoding,
                          size=args.size)
    except ImageError as exc:
        raise CliError(str(exc)) from exc
    finally:
        bar.close()
    print(f"weights: {engine.info.label}, device: {engine.device_label}, photos: {len(images)}, seed: {args.seed}, "
          f"size: {args.size}, hint encoding: {engine.info.hint_encoding.value}")
    print(result.table())
    if args.json:
        payload = result.to_json() | {"weights": str(engine.info.path), "device": engine.device_label}
        Path(args.json).write_text(json.dumps(payload, indent=2))
        print(f"wrote {args.json}")
    return 0


def _run_bench(args: argparse.Namespace) -> int:
    import tempfile

    from . import bench
    from .device import pick_device
    from .encoding import HintEncoding
    from .engine import ColorizationEngine, Network
    from .model import SIGGRAPHGenerator
    from .weights import WeightsError, find_weight_set, load_model, save_weights

    try:
        device = pick_device(args.device)
        paths = find_weight_set(args.weights)
    except RuntimeError as exc:
        raise CliError(str(exc)) from exc
    except WeightsError:
        paths = []
    with tempfile.TemporaryDirectory() as tmp:
        networks = [Network(*load_model(p, args.mask_convention), device) for p in paths]
        # Speed does not depend on the weight values: a missing network is timed with random ones.
        for fast, name in ((False, "random-full-size"), (True, "random-fast")):
            if not any(n.is_fast == fast for n in networks) and not (fast and args.weights):
                print(f"no {'fast' if fast else 'full-size'} weights found: timing a randomly initialised one")
                model = SIGGRAPHGenerator(0.25 if fast else 1.0, residual=fast)
                path = save_weights(model.state_dict(), Path(tmp) / f"{name}.safetensors", mask_convention="centered",
                                    name=name, hint_encoding=HintEncoding.LIGHTNESS_FILL if fast else "sparse")
                networks.append(Network(*load_model(path), device))
        engine = ColorizationEngine(networks, device)
        gui_drag = None
        if not args.no_gui:
            from .gui.drag_bench import gui_drag_stall as gui_drag
        results = bench.run(engine, quick=args.quick, gui_drag=gui_drag)
    print(bench.table(results))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
        print(f"wrote {args.json}")
    return 0


def _weights_list(args: argparse.Namespace) -> int:
    from .weights import BUNDLED_DIR, REGISTRY, cache_dir

    print(f"{'name':<20} {'here':<6} {'mask':<9} file / source")
    for entry in REGISTRY.values():
        here = any((d / entry.filename).is_file() for d in (cache_dir(), BUNDLED_DIR))
        print(f"{entry.name:<20} {'yes' if here else 'no':<6} {entry.mask_convention.value:<9} {entry.filename}")
        print(f"{'':<37}{entry.provenance}")
        if entry.url:
            print(f"{'':<37}{entry.url}")
    return 0


def _weights_download(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from .download import DownloadError, download
    from .weights import REGISTRY, cache_dir

    entry = REGISTRY.get(args.name)
    if entry is None or (entry.url is None and not args.url):
        known = ", ".join(n for n, e in REGISTRY.items() if e.url)
        raise CliError(f"no download known for '{args.name}'. Downloadable: {known}.")
    destination = cache_dir() / entry.filename
    if destination.is_file():
        print(f"{entry.name} is already at {destination}")
        return 0
    url = args.url or entry.url
    bar = tqdm(unit="B", unit_scale=True, unit_divisor=1024, desc=entry.filename, disable=None)

    def progress(done: int, total: int | None) -> None:
        bar.total = total
        bar.n = done
        bar.refresh()

    try:
        download(url, destination, sha256=entry.sha256, progress=progress)
    except DownloadError as exc:
        raise CliError(str(exc)) from exc
    finally:
        bar.close()
    print(f"saved {destination}" + ("" if entry.sha256 else " (no published checksum to verify against)"))
    return 0


def _weights_verify(args: argparse.Namespace) -> int:
    from .weights import WeightsError, load_model, registry_entry_for, sha256_of

    path = Path(args.path)
    try:
        _, info = load_model(path)
    except WeightsError as exc:
        raise CliError(str(exc)) from exc
    digest = sha256_of(path)
    entry = registry_entry_for(path)
    print(f"{path}: loads as SIGGRAPH17 weights (width {info.width:g}, hint encoding {info.hint_encoding.value}), "
          f"mask convention {info.mask_convention.value}: {info.convention_reason}")
    print(f"sha256 {digest}")
    if entry and entry.sha256:
        if entry.sha256 != digest:
            raise CliError(f"{path}: checksum differs from the published {entry.name} ({entry.sha256}).")
        print(f"matches the published checksum of {entry.name}")
    for key in ("provenance", "metrics"):
        if info.metadata.get(key):
            print(f"{key}: {json.dumps(info.metadata[key])}")
    return 0


def _weights_compact(args: argparse.Namespace) -> int:
    from .weights import WeightsError, load_model, save_weights

    try:
        model, info = load_model(Path(args.source))
    except WeightsError as exc:
        raise CliError(str(exc)) from exc
    provenance = dict(info.metadata.get("provenance") or {}) | {"compact_of": Path(args.source).name}
    target = save_weights(model.state_dict(), Path(args.target), mask_convention=info.mask_convention,
                          name=info.name, provenance=provenance, metrics=info.metadata.get("metrics"),
                          quantize_int8=True)
    print(f"wrote {target} ({target.stat().st_size / 1e6:.1f} MB, int8 per output channel)")
    return 0


def _weights_where(args: argparse.Namespace) -> int:
    from .weights import BUNDLED_DIR, ENV_VAR, WeightsError, cache_dir, find_weights

    print(f"search order: --weights, ${ENV_VAR} ({os.environ.get(ENV_VAR) or 'unset'}), {cache_dir()}, {BUNDLED_DIR}")
    try:
        print(f"in use: {find_weights()}")
    except WeightsError as exc:
        raise CliError(str(exc)) from exc
    return 0
