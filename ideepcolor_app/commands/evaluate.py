"""``ideepcolor evaluate``: PSNR against the number of hints, beside the yardsticks and the paper."""

from __future__ import annotations

import argparse
import contextlib
import json
from pathlib import Path

from ..base.errors import UsageError
from ..colour.locality import HintLocality
from ..colour.variations import MAX_VARIATIONS
from ..colour.vivid import VividColours
from ..evaluation.evaluate import evaluate
from ..evaluation.evaluate_global import GLOBAL_MODES, GlobalEvaluation, evaluate_global
from ..evaluation.evaluate_strokes import StrokeEvaluation, evaluate_strokes
from ..evaluation.evaluate_variations import VariationEvaluation, evaluate_variations
from ..evaluation.records import RecordsFile
from ..inference.network import Network
from ..photos.images import list_images
from . import add_model_options, load_engine
from .options import photo_progress


def add_parser(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], parents: list[argparse.ArgumentParser]
) -> None:
    """Add ``ideepcolor evaluate`` to the command line."""
    p = sub.add_parser(
        "evaluate", parents=parents, help="PSNR and accuracy vs number of hints (paper's protocol), with yardsticks"
    )
    p.add_argument("folder", nargs="+", help="folders or files of colour photos")
    p.add_argument("--hints", default="0,1,2,5,10,20,50,100", help="comma-separated hint counts")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--limit", type=int, help="use only the first N photos")
    p.add_argument("--json", help="write the full result (curves included) here")
    p.add_argument(
        "--records",
        help="write each photo's figures here as a JSON line as soon as it is measured "
        "(default with --json: beside it, as NAME.photos.jsonl)",
    )
    p.add_argument(
        "--resume",
        action="store_true",
        help="finish a stopped run: photos already in the records file are not measured again",
    )
    p.add_argument(
        "--size",
        type=int,
        default=256,
        help="network resolution (the paper's protocol is 256; others are an extra, patches scaled)",
    )
    p.add_argument(
        "--fill-prior-weight",
        type=float,
        help="weight of grey beside the hints in the fill (default: the weights' own); for experiments",
    )
    p.add_argument(
        "--global-hints",
        default="none",
        metavar="WHICH",
        help="also score global hints: 'saturation', 'histogram', 'both' or a comma-separated list of them "
        "(the truth's own, and the right half's for the left half, beside histogram matching); default none",
    )
    p.add_argument(
        "--annealed-mean",
        metavar="T,...",
        help="also score the distribution head's annealed mean at these temperatures (e.g. 0.38,1) in place "
        "of the ab output, with its chroma ratio",
    )
    p.add_argument(
        "--vivid-temperature",
        type=float,
        metavar="T",
        help="temperature of the annealed mean in the vivid row (default: the weights' own; weights without "
        "one have no vivid row unless this is given)",
    )
    p.add_argument(
        "--vivid-mix",
        type=float,
        metavar="M",
        help="share of the way from the ab output to the annealed mean in the vivid row (default: the weights' own)",
    )
    p.add_argument(
        "--hint-locality",
        metavar="'W0 SIGMA FLOOR'",
        help="how far hints reach in the default row and its reach (see colour/locality.py): three numbers, "
        "or 'none' to let them reach everywhere (default: the weights' own)",
    )
    p.add_argument(
        "--strokes",
        action="store_true",
        help="also run the strokes protocol: a lasso's leakage and fill, and k strokes against k points",
    )
    p.add_argument(
        "--variations",
        type=int,
        default=0,
        metavar="N",
        help="also score N variations per photo at each hint count: best-of-N, mean, diversity, against "
        "the best of N random hue shifts (through the app's engine; default none)",
    )
    p.add_argument(
        "--no-saturation-guess",
        action="store_true",
        help="show the default row's result without hints as before the weights guessed a saturation (to compare)",
    )
    add_model_options(p)
    p.set_defaults(func=run)


def global_modes(text: str) -> list[str]:
    """The modes named by ``--global-hints`` ('none' or a comma-separated list of :data:`GLOBAL_MODES`)."""
    names = [v.strip() for v in text.split(",") if v.strip()]
    if names in ([], ["none"]):
        return []
    wrong = [n for n in names if n not in GLOBAL_MODES]
    if wrong:
        raise UsageError(
            f"--global-hints: unknown {', '.join(wrong)}; use none, or one or more of {', '.join(GLOBAL_MODES)}"
        )
    return list(dict.fromkeys(names))


def run(args: argparse.Namespace) -> int:
    """Evaluate the weights on the photos given and print (and optionally save) the tables."""
    try:
        counts = [int(v) for v in args.hints.split(",") if v.strip()]
    except ValueError:
        raise UsageError(f"--hints must be comma-separated integers, got {args.hints!r}") from None
    if any(k < 0 for k in counts):
        raise UsageError(f"--hints must not be negative, got {args.hints!r}")
    if args.size <= 0 or args.size % 8:
        raise UsageError(f"--size must be a positive multiple of 8, got {args.size}")
    modes = global_modes(args.global_hints)
    try:
        temperatures = [float(v) for v in (args.annealed_mean or "").split(",") if v.strip()]
    except ValueError:
        raise UsageError(f"--annealed-mean must be comma-separated numbers, got {args.annealed_mean!r}") from None
    if any(t <= 0 for t in temperatures):
        raise UsageError(f"--annealed-mean temperatures must be positive, got {args.annealed_mean!r}")
    if args.vivid_temperature is not None and not args.vivid_temperature > 0:
        raise UsageError(f"--vivid-temperature must be positive, got {args.vivid_temperature:g}")
    if args.variations < 0 or args.variations > MAX_VARIATIONS:
        raise UsageError(f"--variations must be between 0 and {MAX_VARIATIONS}, got {args.variations}")
    images = list_images(args.folder)[: args.limit]
    if not images:
        raise UsageError("no photos found in " + ", ".join(args.folder))
    engine = load_engine(args)
    if modes and not engine.best.takes_global_hints:
        raise UsageError(
            f"--global-hints: {engine.info.label} has no global-hints branch; choose weights that take "
            "global hints (their metadata says global_hints: yes), or leave --global-hints out"
        )
    vivid = engine.info.vivid  # experiments below replace values, never the weights' own metadata
    if args.vivid_temperature is not None or args.vivid_mix is not None:
        try:
            vivid = VividColours(
                args.vivid_temperature if args.vivid_temperature is not None else (vivid.temperature if vivid else 1.0),
                args.vivid_mix if args.vivid_mix is not None else (vivid.mix if vivid else 1.0),
            )
        except ValueError as exc:
            raise UsageError(f"--vivid-temperature / --vivid-mix: {exc}") from None
    locality = engine.info.hint_locality if args.hint_locality is None else _hint_locality(args.hint_locality)
    prior_weight = engine.info.fill_prior_weight if args.fill_prior_weight is None else args.fill_prior_weight
    network = engine.best.with_info(fill_prior_weight=prior_weight)
    records_path = (
        Path(args.records) if args.records else Path(args.json).with_suffix(".photos.jsonl") if args.json else None
    )
    if args.resume and records_path is None:
        raise UsageError("--resume needs the records of the stopped run: give --records FILE or the same --json")
    settings = {
        "weights": str(engine.info.path),
        "weights_content": engine.info.metadata.get("content_sha256") or engine.info.path.stat().st_size,
        "hints": counts,
        "seed": args.seed,
        "size": args.size,
        "precision": engine.best.precision.value,
        "prior_weight": prior_weight,
        "annealed": temperatures,
        "vivid": vivid.label() if vivid else None,
        "hint_locality": locality.to_text() if locality else None,
        "saturation_guess": network.guesses_saturation and not args.no_saturation_guess,
    }
    records = RecordsFile(records_path, settings, args.resume) if records_path else None
    if records is not None and records.finished:
        print(f"resuming: {len(records.finished)} photos already measured in {records_path}")
    with contextlib.ExitStack() as stack:
        if records is not None:
            stack.enter_context(records)
        progress = photo_progress(stack, len(images), len(records.finished) if records else 0)
        result = evaluate(
            network,
            images,
            counts,
            args.seed,
            progress=progress,
            size=args.size,
            annealed=temperatures,
            vivid=vivid,
            locality=locality,
            finished=records.finished if records else None,
            on_record=records.add if records else None,
            saturation_guess=not args.no_saturation_guess,
        )
    global_result: GlobalEvaluation | None = None
    if modes:
        with contextlib.ExitStack() as stack:
            global_result = evaluate_global(
                network,
                images,
                counts,
                modes,
                args.seed,
                size=args.size,
                progress=photo_progress(stack, len(images), 0, "Global hints"),
            )
    stroke_result: StrokeEvaluation | None = None
    if args.strokes:
        with contextlib.ExitStack() as stack:
            stroke_result = evaluate_strokes(
                engine, images, progress=photo_progress(stack, len(images), 0, "Strokes and lassos")
            )
    variation_result: VariationEvaluation | None = None
    if args.variations:
        with contextlib.ExitStack() as stack:
            variation_result = evaluate_variations(
                engine, images, counts, args.variations, args.seed, photo_progress(stack, len(images), 0, "Variations")
            )
    print(
        f"weights: {engine.info.label}, device: {engine.device_label}, photos: {len(images)}, seed: {args.seed}, "
        f"size: {args.size}{_hinted_side_note(network, args.size)}, hint encoding: {engine.info.hint_encoding.value}"
    )
    print(result.table())
    if global_result is not None:
        print(global_result.table())
    if variation_result is not None:
        print(variation_result.table())
    if stroke_result is not None:
        print(stroke_result.table())
    if args.json:
        payload = result.to_json() | {"weights": str(engine.info.path), "device": engine.device_label}
        if global_result is not None:
            payload["global_hints"] = global_result.to_json()
        if variation_result is not None:
            payload["variations"] = variation_result.to_json()
        if stroke_result is not None:
            payload["strokes"] = stroke_result.to_json()
        Path(args.json).write_text(json.dumps(payload, indent=2))
        print(f"wrote {args.json}")
    return 0


def _hinted_side_note(network: Network, size: int) -> str:
    side = network.hinted_side(size)
    return "" if side == size else f" (with hints the network sees {side}x{side}, its weights' hinted side)"


def _hint_locality(text: str) -> HintLocality | None:
    if text.strip() == "none":
        return None
    try:
        return HintLocality.from_text(text)
    except ValueError as exc:
        raise UsageError(f"--hint-locality: {exc}; give 'W0 SIGMA FLOOR' (e.g. '1e-9 20 0.003') or 'none'") from None
