"""``ideepcolor weights list | download | verify | where | compact | calibrate``."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from pathlib import Path

from ..base.errors import UsageError, WeightsError
from ..base.userdirs import cache_dir
from ..network import registry
from ..network.download import download
from ..network.weights import check_weights_file, load_model, save_copy
from .options import photo_progress


def add_parser(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], parents: list[argparse.ArgumentParser]
) -> None:
    """Add ``ideepcolor weights`` and its subcommands to the command line."""
    p = sub.add_parser("weights", parents=parents, help="list, download, verify or locate weights")
    actions = p.add_subparsers(dest="weights_command", metavar="ACTION", required=True)
    actions.add_parser("list", help="known weights and whether they are here").set_defaults(func=run_list)
    dl = actions.add_parser("download", help="download published weights into the user cache")
    dl.add_argument("name")
    dl.add_argument("--url", help="download from this address instead (a mirror)")
    dl.set_defaults(func=run_download)
    ve = actions.add_parser("verify", help="check that a file loads as SIGGRAPH17 weights, and say what it is")
    ve.add_argument("path")
    ve.set_defaults(func=run_verify)
    actions.add_parser("where", help="which weights would be used, and the folders searched").set_defaults(
        func=run_where
    )
    co = actions.add_parser(
        "compact", help="write an int8 copy (about 34 MB for the full network), keeping its metadata"
    )
    co.add_argument("source")
    co.add_argument("target")
    co.set_defaults(func=run_compact)
    ca = _fitting_parser(
        actions,
        "calibrate",
        "fit how much of its correction a fill-encoded network adds to the fill, on photos that are not "
        "evaluation photos, and write a copy that uses it",
        "calibration photos or folders (never the evaluation photos)",
    )
    ca.add_argument("--size", type=int, default=128, help="network resolution (default 128: keeps 128-px photos sharp)")
    ca.add_argument("--hints", default="0,1,2,5,10,20,50,100", help="hint counts, comma-separated")
    ca.set_defaults(func=run_calibrate)
    gs = _fitting_parser(
        actions,
        "guess-saturation",
        "fit a guess of each photo's saturation from its grey (the automatic result is shown at it) on colour "
        "photos that are not evaluation photos, and write a copy of weights with a global-hints branch that has it",
        "colour photos, folders or tar shards (never the evaluation photos)",
    )
    gs.add_argument(
        "--skip-source",
        action="append",
        default=[],
        metavar="NAME",
        help="leave out the shards' photos whose source in the MANIFEST.tsv beside them is NAME (photos held out "
        "to choose settings); repeatable",
    )
    gs.add_argument(
        "--shrink",
        type=float,
        default=None,
        metavar="S",
        help="scale the guess by S (default 0.96, chosen on held-out photos: a guess above the truth costs more "
        "than one below it)",
    )
    gs.set_defaults(func=run_guess_saturation)


def _fitting_parser(
    actions: argparse._SubParsersAction[argparse.ArgumentParser], name: str, help_text: str, photos_help: str
) -> argparse.ArgumentParser:
    """A subcommand that fits something on photos and writes a copy of the weights: SOURCE TARGET PHOTOS..."""
    parser = actions.add_parser(name, help=help_text)
    parser.add_argument("source")
    parser.add_argument("target")
    parser.add_argument("photos", nargs="+", help=photos_help)
    return parser


def run_list(args: argparse.Namespace) -> int:
    """Print the known weights, whether each is here, its mask convention and source."""
    print(f"{'name':<20} {'here':<6} {'mask':<9} file / source")
    for entry in registry.REGISTRY.values():
        here = any((d / entry.filename).is_file() for d in (cache_dir(), registry.BUNDLED_DIR))
        print(f"{entry.name:<20} {'yes' if here else 'no':<6} {entry.mask_convention.value:<9} {entry.filename}")
        print(f"{'':<37}{entry.provenance}")
        if entry.url:
            print(f"{'':<37}{entry.url}")
    return 0


def run_download(args: argparse.Namespace) -> int:
    """Download published weights into the user cache, checked against their checksum."""
    from tqdm import tqdm

    entry = registry.REGISTRY.get(args.name)
    if entry is None or (entry.url is None and not args.url):
        known = ", ".join(n for n, e in registry.REGISTRY.items() if e.url)
        raise UsageError(f"no download known for '{args.name}'. Downloadable: {known}.")
    destination = cache_dir() / entry.filename
    if destination.exists():
        try:
            check_weights_file(destination)
        except WeightsError as exc:
            print(f"the file already at {destination} is not usable ({exc}); downloading it again", file=sys.stderr)
        else:
            print(f"{entry.name} is already at {destination}")
            return 0
    url = args.url or entry.url or ""
    with tqdm(unit="B", unit_scale=True, unit_divisor=1024, desc=entry.filename, disable=None) as bar:

        def progress(done: int, total: int | None) -> None:
            bar.total = total
            bar.n = done
            bar.refresh()

        download(
            url,
            destination,
            sha256=entry.sha256,
            progress=progress,
            validate=lambda part: check_weights_file(part, destination.suffix),
        )
    print(f"saved {destination}" + ("" if entry.sha256 else " (no published checksum to verify against)"))
    return 0


def run_verify(args: argparse.Namespace) -> int:
    """Load a weights file strictly and print what it is."""
    path = Path(args.path)
    _, info = load_model(path)
    digest = registry.sha256_of(path)
    print(
        f"{path}: loads as SIGGRAPH17 weights (width {info.width:g}, hint encoding {info.hint_encoding.value}"
        + (f", residual scales {info.residual_scales}" if info.residual_scales else "")
        + (", global hints" if info.global_hints else "")
        + (", saturation guess" if info.saturation_guess else "")
        + (f", vivid colours {info.vivid.label()}" if info.vivid is not None else "")
        + (f", hint locality {info.hint_locality.to_text()}" if info.hint_locality is not None else "")
        + (f", hinted side {info.hinted_side}" if info.hinted_side is not None else "")
        + "), "
        f"mask convention {info.mask_convention.value}: {info.convention_reason}"
    )
    print(f"sha256 {digest}")
    entry = registry.registry_entry_for(path)
    if entry and entry.sha256:
        if entry.sha256 != digest:
            raise WeightsError(f"{path}: checksum differs from the published {entry.name} ({entry.sha256}).")
        print(f"matches the published checksum of {entry.name}")
    for key in ("provenance", "metrics"):
        if info.metadata.get(key):
            print(f"{key}: {json.dumps(info.metadata[key])}")
    return 0


def run_compact(args: argparse.Namespace) -> int:
    """Write an int8 copy of a weights file."""
    model, info = load_model(Path(args.source))
    provenance = dict(info.metadata.get("provenance") or {}) | {"compact_of": Path(args.source).name}
    target = save_copy(model, info, Path(args.target), provenance=provenance, quantize_int8=True)
    print(f"wrote {target} ({target.stat().st_size / 1e6:.1f} MB, int8 per output channel)")
    return 0


def run_calibrate(args: argparse.Namespace) -> int:
    """Fit a fill-encoding network's residual scales per hint count on photos and write a copy."""
    from tqdm import tqdm

    from ..evaluation.calibrate import calibrate_residual_scales
    from ..inference.network import Network
    from ..network.precision import Precision
    from ..photos.images import list_images

    model, info = load_model(Path(args.source))
    if not info.hint_encoding.is_fill:
        raise UsageError(f"{args.source} uses the paper's sparse hints: it adds no correction to a fill to calibrate.")
    photos = list_images(args.photos)
    if not photos:
        raise UsageError(f"no photos in {' '.join(args.photos)}")
    hint_counts = [int(k) for k in args.hints.split(",")]
    with tqdm(total=len(photos), unit="photo", disable=None) as bar:
        result = calibrate_residual_scales(
            Network.around(model.float().eval(), info, "cpu", Precision.FP32),
            photos,
            hint_counts=hint_counts,
            size=args.size,
            progress=lambda done, _: bar.update(done - bar.n),
        )
    print(f"PSNR dB on {result.images} calibration photos at {result.size}x{result.size}, fill + scale * correction:")
    print(result.table())
    scales = result.best_scales
    provenance = dict(info.metadata.get("provenance") or {}) | {
        "calibration": {
            "residual_scales": scales,
            "photos": result.images,
            "size": result.size,
            "psnr_db_at_scale_1": result.psnr.get(1.0),
            "psnr_db_calibrated": {k: result.psnr[s][k] for k, s in scales.items()},
        }
    }
    target = save_copy(model, info, Path(args.target), provenance=provenance, residual_scales=scales)
    print(f"wrote {target} with residual scales " + ", ".join(f"{k}: {s:g}" for k, s in scales.items()))
    return 0


def run_guess_saturation(args: argparse.Namespace) -> int:
    """Fit the saturation guess of weights with a global-hints branch on photos and write a copy."""
    from ..inference.network import Network
    from ..network.device import pick_device
    from ..training.data import decode_rgb, iter_encoded, manifest_members
    from ..training.saturation_guess import SHRINK, add_fitted_guess, fit_saturation_guess, photo_summaries

    shrink = SHRINK if args.shrink is None else args.shrink
    if not 0 < shrink <= 2:
        raise UsageError(f"--shrink must be above 0 and at most 2, got {shrink:g}")
    model, info = load_model(Path(args.source))
    if not info.global_hints:
        raise UsageError(f"{args.source} has no global-hints branch: a guessed saturation could not reach it.")
    sources = [Path(p) for p in args.photos]
    missing = [str(p) for p in sources if not p.exists()]
    if missing:
        raise UsageError(f"no such photos, folders or shards: {', '.join(missing)}")
    skipped = manifest_members(sources, set(args.skip_source)) if args.skip_source else set()
    network = Network(model, info, pick_device())
    encoded = [data for name, data in iter_encoded(sources) if name not in skipped]  # ~6 KB a photo
    photos = (rgb for data in encoded if (rgb := decode_rgb(data, max_side=512)) is not None)
    with contextlib.ExitStack() as stack:
        progress = photo_progress(stack, len(encoded), 0, "Reading photos")
        summaries, saturations = photo_summaries(network, photos, progress=lambda done: progress(done, len(encoded)))
    fit = fit_saturation_guess(summaries, saturations, shrink=shrink)
    add_fitted_guess(network, fit)
    provenance = dict(info.metadata.get("provenance") or {}) | {
        "saturation_guess": {
            "photos": fit.photos,
            "skipped_sources": args.skip_source,
            "shrink": shrink,
            "mean_error": round(fit.mean_error, 4),
            "mean_error_of_a_constant": round(fit.constant_error, 4),
        }
    }
    target = save_copy(network.model, network.info, Path(args.target), provenance=provenance)
    print(
        f"fitted on {fit.photos} photos ({len(skipped)} left out): mean error {fit.mean_error:.3f} against "
        f"{fit.constant_error:.3f} for one saturation for all; wrote {target}"
    )
    return 0


def run_where(args: argparse.Namespace) -> int:
    """Print where weights are looked for, in order, and which files are found."""
    print(
        f"search order: --weights, ${registry.ENV_VAR} ({os.environ.get(registry.ENV_VAR) or 'unset'}), "
        f"{cache_dir()}, {registry.BUNDLED_DIR}"
    )
    paths = registry.find_weight_set()
    for path in paths:
        _, info = load_model(path)
        role = "fast network (interactive updates on a CPU)" if info.is_fast else "full-size network (final results)"
        print(f"in use: {path}  [{role}]")
    return 0
