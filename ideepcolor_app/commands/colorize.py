"""``ideepcolor colorize``: photos in, colorized photos out at full resolution."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..errors import ImageError, OutputExistsError, UsageError
from ..export import colorize_to_file
from ..images import list_images, load_photo
from ..session import Session
from . import add_model_options, load_engine


def add_parser(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], parents: list[argparse.ArgumentParser]
) -> None:
    p = sub.add_parser("colorize", parents=parents, help="colorize photos (automatic, or with a hint session)")
    p.add_argument("inputs", nargs="+", help="photo files or folders of photos")
    p.add_argument("-o", "--output-dir", help="folder for results (default: next to each photo)")
    p.add_argument("--hints", help="hint session JSON saved by the app (applies to its photo)")
    p.add_argument("--format", default="png", choices=["png", "jpg", "tif", "webp"], help="output format")
    p.add_argument("--suffix", default="_colorized", help="added to each output file name")
    p.add_argument("--force", action="store_true", help="overwrite existing results")
    add_model_options(p)
    p.set_defaults(func=run)


def plan_outputs(inputs: list[Path], out_dir: Path | None, suffix: str, fmt: str) -> list[Path]:
    """Each input's result path, checked before any work.

    Raises:
        UsageError: a result would replace one of the batch's inputs, or two inputs would write
            one result (``a.jpg`` and ``a.png``); the message names both files.
    """
    targets = [(out_dir or path.parent) / f"{path.stem}{suffix}.{fmt}" for path in inputs]
    claimed: dict[Path, Path] = {}
    for path, target in zip(inputs, targets, strict=True):
        key = target.resolve()
        if key in claimed:
            raise UsageError(
                f"{claimed[key]} and {path} would both be written to {target}; "
                "colorize them separately or into different folders (-o)."
            )
        claimed[key] = path
    resolved_inputs = {p.resolve(): p for p in inputs}
    for path, target in zip(inputs, targets, strict=True):
        replaced = resolved_inputs.get(target.resolve())
        if replaced is not None:
            raise UsageError(
                f"the result for {path} would replace the input photo {replaced}; "
                "use another --suffix or --format, or an output folder (-o)."
            )
    return targets


def run(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    session = Session.load(Path(args.hints)) if args.hints else None
    inputs = list_images(args.inputs, skip_suffix=args.suffix)
    if not inputs:
        raise UsageError("no photos found in " + ", ".join(args.inputs))
    out_dir = Path(args.output_dir) if args.output_dir else None
    if out_dir is not None:
        try:
            out_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise UsageError(f"cannot create output folder {out_dir}: {exc.strerror or exc}") from exc
    targets = plan_outputs(inputs, out_dir, args.suffix, args.format)
    engine = load_engine(args)
    print(
        f"weights: {engine.info.label}, mask convention {engine.info.mask_convention.value} "
        f"({engine.info.convention_reason}), device: {engine.device_label}"
    )
    failures = existing = 0
    session_used = session is None
    jobs = list(zip(inputs, targets, strict=True))
    bar = tqdm(jobs, unit="photo", desc=f"Colorizing on {engine.device_label}", disable=None)
    for path, target in bar:
        try:
            if target.exists() and not args.force:
                raise OutputExistsError(f"{target}: already exists; refusing to overwrite (use --force).")
            photo = load_photo(path)
            hints = []
            if session is not None:
                if session.image_sha256 == photo.sha256:
                    hints, session_used = session.hints, True
                elif len(inputs) == 1:
                    tqdm.write(
                        f"warning: {args.hints} was made for another photo ({session.image_path}); "
                        "using its hints anyway"
                    )
                    hints = [h for h in session.hints if h.x < photo.size[0] and h.y < photo.size[1]]
                    session_used = True
            source = engine.set_photo(photo)
            colorize_to_file(engine, photo, hints, target, overwrite=args.force, protect=inputs, source=source)
            tqdm.write(f"{path} -> {target} ({photo.size[0]}x{photo.size[1]}, {len(hints)} hints)")
        except ImageError as exc:  # one bad photo does not stop the others
            failures += 1
            existing += isinstance(exc, OutputExistsError)
            tqdm.write(f"error: {exc}", file=sys.stderr)
    if not session_used:
        print(
            f"warning: {args.hints} is for {session.image_path}, which is not among these photos; "  # type: ignore[union-attr]
            "its hints were not used.",
            file=sys.stderr,
        )
    if failures:
        kept = f" ({existing} already had a result: use --force to replace them)" if existing else ""
        print(f"ideepcolor: {failures} of {len(inputs)} photos failed{kept} (see messages above).", file=sys.stderr)
        return 1
    return 0
