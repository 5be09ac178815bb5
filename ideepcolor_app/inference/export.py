"""Colorize a photo with its hints at full resolution into a file: the one way both the window and
``ideepcolor colorize`` write results."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ..colour.look import DEFAULT_LOOK, Look
from ..hints.global_hints import GlobalHints
from ..hints.local_hints import Hint
from ..hints.regions import Region
from ..hints.strokes import Stroke
from ..photos.images import Photo, check_format_fits, save_image
from .engine import ColorizationEngine
from .photo_on_device import PhotoOnDevice
from .variations import make_variations


def colorize_to_file(
    engine: ColorizationEngine,
    photo: Photo,
    hints: Sequence[Hint],
    target: Path,
    *,
    overwrite: bool = False,
    protect: Sequence[Path] = (),
    source: PhotoOnDevice | None = None,
    global_hints: GlobalHints | None = None,
    look: Look = DEFAULT_LOOK,
    strokes: Sequence[Stroke] = (),
    regions: Sequence[Region] = (),
) -> Path:
    """Write the best network's full-resolution result of ``hints`` on ``photo`` to ``target``.

    The format's size limit is checked before any work; the file is written under a temporary
    name and renamed, and created exclusively unless ``overwrite``.

    Args:
        protect: files that must never be replaced (the input photos).
        source: ``photo`` already on the engine's device (else it is uploaded here, leaving the
            engine's current photo alone: safe on another thread).
        global_hints: a reference's colours and a saturation for the whole photo.
        strokes: brush strokes, under the point hints.
        regions: lasso regions (see :meth:`~ideepcolor_app.inference.engine.ColorizationEngine.colorize`).

    Raises:
        ImageError: the result is too large for the format, the target exists (without
            ``overwrite``) or is protected, or writing failed.
    """
    target = Path(target)
    check_format_fits(target, photo.size)
    source = source or PhotoOnDevice.upload(photo, engine.device)
    result = engine.colorize(
        tuple(hints),
        network=engine.best,
        source=source,
        global_hints=global_hints,
        look=look,
        strokes=strokes,
        regions=regions,
    )
    rgb = result.full_resolution_rgb()
    return save_image(rgb, target, overwrite=overwrite, protect=tuple(protect))


def variations_to_files(
    engine: ColorizationEngine,
    photo: Photo,
    hints: Sequence[Hint],
    targets: Sequence[Path],
    *,
    seed: int = 0,
    overwrite: bool = False,
    protect: Sequence[Path] = (),
    source: PhotoOnDevice | None = None,
    global_hints: GlobalHints | None = None,
    look: Look = DEFAULT_LOOK,
) -> list[Path]:
    """Write up to ``len(targets)`` variations of ``photo`` with ``hints`` (see
    :func:`~ideepcolor_app.inference.variations.make_variations`), one per target, at full
    resolution with the best network, each as :func:`colorize_to_file` writes.

    Returns:
        The files written: fewer than the targets when the photo offers fewer plausible colourings.

    Raises:
        ImageError: as :func:`colorize_to_file`.
    """
    for target in targets:
        check_format_fits(Path(target), photo.size)
    source = source or PhotoOnDevice.upload(photo, engine.device)
    base = engine.colorize(tuple(hints), network=engine.best, source=source, global_hints=global_hints, look=look)
    written = []
    variations = make_variations(engine, base, len(targets), seed, network=engine.best)
    for variation, target in zip(variations, targets[: len(variations)], strict=True):
        rgb = variation.colorization.full_resolution_rgb()
        written.append(save_image(rgb, Path(target), overwrite=overwrite, protect=tuple(protect)))
    return written
