"""``ideepcolor colorize``: photos in, colorized photos out at full resolution."""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

from ..base.errors import ImageError, OutputExistsError, UsageError
from ..colour.variations import MAX_VARIATIONS
from ..editing.session import Session
from ..hints.global_hints import GlobalHints, histogram_of_photo
from ..inference.export import colorize_to_file, variations_to_files
from ..photos.images import list_images, load_photo
from . import add_model_options, load_engine
from .options import add_look_options, look_option, non_negative_int


def add_parser(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], parents: list[argparse.ArgumentParser]
) -> None:
    """Add ``ideepcolor colorize`` to the command line."""
    p = sub.add_parser("colorize", parents=parents, help="colorize photos (automatic, or with a hint session)")
    p.add_argument("inputs", nargs="+", help="photo files or folders of photos")
    p.add_argument("-o", "--output-dir", help="folder for results (default: next to each photo)")
    p.add_argument("--hints", help="hint session JSON saved by the app (applies to its photo)")
    p.add_argument("--format", default="png", choices=["png", "jpg", "tif", "webp"], help="output format")
    p.add_argument("--suffix", default="_colorized", help="added to each output file name")
    p.add_argument("--force", action="store_true", help="overwrite existing results")
    p.add_argument(
        "--reference",
        metavar="PHOTO",
        help="colour every photo like this colour photo (its colour histogram, a global hint); "
        "one reference for a folder of stills of one scene is the common case",
    )
    p.add_argument(
        "--saturation",
        metavar="S",
        help="how colourful the results are: a mean saturation from 0 (grey) to 1 (vivid), about 0.3 for "
        "an ordinary photo; 'auto' (default) lets the network choose (the bundled weights guess it from the grey)",
    )
    p.add_argument(
        "--variations",
        metavar="N",
        help=f"write N different plausible colourings of each photo (NAME{{suffix}}_1 ... NAME{{suffix}}_N; "
        f"1 to {MAX_VARIATIONS}) instead of one result",
    )
    p.add_argument(
        "--seed",
        type=non_negative_int,
        default=0,
        help="which set of variations (default 0; the app's More draws 1, 2...)",
    )
    add_look_options(p)
    add_model_options(p)
    p.set_defaults(func=run)


def plan_outputs(
    inputs: list[Path], out_dir: Path | None, suffix: str, fmt: str, variations: int = 0
) -> list[list[Path]]:
    """Each input's result paths (one, or ``variations`` numbered ones), checked before any work.

    Raises:
        UsageError: a result would replace one of the batch's inputs, or two inputs would write
            one result (``a.jpg`` and ``a.png``); the message names both files.
    """
    numbers = [f"_{i}" for i in range(1, variations + 1)] if variations else [""]
    targets = [[(out_dir or path.parent) / f"{path.stem}{suffix}{n}.{fmt}" for n in numbers] for path in inputs]
    claimed: dict[Path, Path] = {}
    resolved_inputs = {p.resolve(): p for p in inputs}
    for path, own in zip(inputs, targets, strict=True):
        for target in own:
            key = target.resolve()
            if key in claimed:
                raise UsageError(
                    f"{claimed[key]} and {path} would both be written to {target}; "
                    "colorize them separately or into different folders (-o)."
                )
            claimed[key] = path
    for path, own in zip(inputs, targets, strict=True):
        for target in own:
            replaced = resolved_inputs.get(target.resolve())
            if replaced is not None:
                raise UsageError(
                    f"the result for {path} would replace the input photo {replaced}; "
                    "use another --suffix or --format, or an output folder (-o)."
                )
    return targets


def variations_option(text: str | None) -> int:
    """``--variations``: a count from 1 to :data:`MAX_VARIATIONS`, or 0 without the option."""
    if text is None:
        return 0
    try:
        value = int(text)
    except ValueError:
        raise UsageError(f"--variations must be a whole number from 1 to {MAX_VARIATIONS}, got {text!r}") from None
    if not 1 <= value <= MAX_VARIATIONS:
        raise UsageError(f"--variations must be from 1 to {MAX_VARIATIONS}, got {value}")
    return value


def saturation_option(text: str | None) -> float | None:
    """``--saturation``: a number in [0, 1], or None for 'auto' or no option."""
    if text is None or text.strip().lower() == "auto":
        return None
    try:
        value = float(text)
    except ValueError:
        raise UsageError(f"--saturation must be a number from 0 to 1 or 'auto', got {text!r}") from None
    if not 0.0 <= value <= 1.0:
        raise UsageError(f"--saturation must be from 0 (grey) to 1 (vivid), got {text}")
    return value


def global_hints_option(args: argparse.Namespace) -> GlobalHints | None:
    """The global hints given on the command line, or None if neither option was."""
    saturation = saturation_option(args.saturation)
    if args.reference is None and saturation is None:
        return None
    histogram = None
    if args.reference is not None:
        try:
            histogram = histogram_of_photo(args.reference)
        except ImageError as exc:
            raise UsageError(f"--reference: {exc}") from None
        except ValueError as exc:
            raise UsageError(f"--reference {args.reference}: {exc}") from None
    return GlobalHints(histogram, saturation, args.reference)


def run(args: argparse.Namespace) -> int:
    """Colorize every photo given, each at full resolution into its own file; 1 if any failed."""
    from tqdm import tqdm

    given = global_hints_option(args)
    variations = variations_option(args.variations)
    session = Session.load(Path(args.hints)) if args.hints else None
    if session is not None and session.keyframes and not session.hints:
        first = min((f for f, placed in session.keyframes.items() if placed), default=0)
        frames = ", ".join(str(f) for f in sorted(session.keyframes))
        print(
            f"note: {args.hints} holds a film clip's hints (on frames {frames}); colorize uses those of frame "
            f"{first}. For the whole clip, run: ideepcolor video CLIP -o OUT --hints {args.hints}"
        )
        session = replace(session, hints=list(session.keyframes.get(first, [])))
    inputs = list_images(args.inputs, skip_suffix=args.suffix)
    if not inputs:
        raise UsageError("no photos found in " + ", ".join(args.inputs))
    out_dir = Path(args.output_dir) if args.output_dir else None
    if out_dir is not None:
        try:
            out_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise UsageError(f"cannot create output folder {out_dir}: {exc.strerror or exc}") from exc
    targets = plan_outputs(inputs, out_dir, args.suffix, args.format, variations)
    engine = load_engine(args)
    look = look_option(args, session.look if session is not None else None)
    if given is not None and not engine.takes_global_hints:
        raise UsageError(
            f"--reference and --saturation need weights that take global hints; {engine.info.label} does not "
            "(the bundled ideepcolor-fast weights do)"
        )
    print(
        f"weights: {engine.info.label}, mask convention {engine.info.mask_convention.value} "
        f"({engine.info.convention_reason}), device: {engine.device_label}"
    )
    failures = existing = 0
    session_used = session is None
    jobs = list(zip(inputs, targets, strict=True))
    bar = tqdm(jobs, unit="photo", desc=f"Colorizing on {engine.device_label}", disable=None)
    for path, own in bar:
        try:
            for target in own:
                if target.exists() and not args.force:
                    raise OutputExistsError(f"{target}: already exists; refusing to overwrite (use --force).")
            photo = load_photo(path)
            marks = session.marks_for(photo.sha256, photo.size, anyway=len(inputs) == 1) if session else None
            hints, global_hints, strokes, regions = marks or ([], GlobalHints(), [], [])
            if marks is not None:
                session_used = True
                if session is not None and session.image_sha256 != photo.sha256:
                    tqdm.write(
                        f"warning: {args.hints} was made for another photo ({session.image_path}); "
                        "using its hints anyway"
                    )
            if given is not None:
                global_hints = global_hints.overridden_by(given)
            source = engine.set_photo(photo)
            protect = [*inputs, *([Path(args.reference)] if args.reference else [])]
            if variations:
                if strokes or regions:
                    tqdm.write(f"note: variations of {path} use its point hints; its strokes and regions are left out")
                written = variations_to_files(
                    engine,
                    photo,
                    hints,
                    own,
                    seed=args.seed,
                    overwrite=args.force,
                    protect=protect,
                    source=source,
                    global_hints=global_hints,
                    look=look,
                )
                if len(written) < len(own):
                    tqdm.write(
                        f"note: {path} has only {len(written)} plausible colouring{'s' if len(written) != 1 else ''}"
                        f" other than the automatic one: the network is sure of the rest"
                    )
            else:
                written = [
                    colorize_to_file(
                        engine,
                        photo,
                        hints,
                        own[0],
                        overwrite=args.force,
                        protect=protect,
                        source=source,
                        global_hints=global_hints,
                        look=look,
                        strokes=strokes,
                        regions=regions,
                    )
                ]
            shown = (
                written[0]
                if len(written) == 1
                else f"{len(written)} files ({', '.join(p.name for p in written)})"
                if written
                else "nothing"
            )
            painted = (
                f", {len(strokes)} strokes, {len(regions)} regions" if (strokes or regions) and not variations else ""
            )
            tqdm.write(
                f"{path} -> {shown} ({photo.size[0]}x{photo.size[1]}, {len(hints)} hints{painted}"
                f"{describe(global_hints)})"
            )
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


def describe(global_hints: GlobalHints) -> str:
    """What global hints a result used, for the progress lines ('' for none)."""
    parts = []
    if global_hints.uses_histogram:
        parts.append(f"colours of {Path(global_hints.reference).name if global_hints.reference else 'a reference'}")
    if global_hints.saturation is not None:
        parts.append(f"saturation {global_hints.saturation:.2f}")
    return "".join(f", {p}" for p in parts)
