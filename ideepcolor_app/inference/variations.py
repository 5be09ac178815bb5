"""Several plausible colourings of the current photo and hints, from the predicted distribution.

Each variation recolours one or two of the photo's most uncertain segments (cut by the magic wand's
rule) with another colour the network finds plausible there, as lassos: the rest of the
photo keeps its colours (see :mod:`~ideepcolor_app.colour.variations`). Adopting a variation makes
those lassos the user's own, so what the user picked is what the photo then shows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np

from ..colour.variations import AREA_JOIN, VARIATIONS, Choice, find_areas, variation_choices
from ..hints.regions import Region
from ..hints.wand import WORK_SIDE, outline_around_holes, outline_mask, partition
from .engine import Colorization, ColorizationEngine
from .network import Network

OUTLINE_SMOOTHING = 2.5
"""Gaussian sigma, in pixels of the segments' working size, that rounds off an area's outline."""


@dataclass(frozen=True)
class Variation:
    """One colouring: the lassos it adds to the photo's own, and the result with them."""

    added: tuple[Region, ...]
    colorization: Colorization


def choice_regions(
    choices: tuple[Choice, ...], image_size: tuple[int, int], kept: np.ndarray | None = None
) -> tuple[Region, ...]:
    """The lassos of one variation, in the photo's coordinates (holes in a segment stay out of it).

    Args:
        image_size: (width, height) of the photo.
        kept: (h, w) bool at the segments' size: what no variation paints (the user's lassos).
    """
    regions = []
    for choice in choices:
        # superpixel edges in smooth parts of a photo are steps a few pixels high: rounded off
        soft = cv2.GaussianBlur(choice.area.mask.astype(np.float32), (0, 0), OUTLINE_SMOOTHING)
        mask = soft > 0.5 if kept is None else (soft > 0.5) & ~kept
        outline = outline_around_holes(mask, image_size)
        if outline is not None:
            regions.append(Region(outline, choice.ab))
    return tuple(regions)


def segments_of_their_own(base: Colorization, labels: np.ndarray, inside: np.ndarray) -> set[int]:
    """The segments of ``labels`` that hold the user's colours: a hint, a stroke's point, or over
    half of their pixels ``inside`` the user's lassos (:func:`inside_their_lassos`)."""
    width, height = base.source.size
    rows, cols = labels.shape

    def label_at(x: float, y: float) -> int:
        return int(labels[min(max(int(y * rows / height), 0), rows - 1), min(max(int(x * cols / width), 0), cols - 1)])

    theirs = {label_at(h.x, h.y) for h in base.hints}
    theirs |= {label_at(x, y) for s in base.strokes for x, y in s.points}
    theirs |= {int(label) for label in np.unique(labels[inside]) if inside[labels == label].mean() > 0.5}
    return theirs


def inside_their_lassos(base: Colorization, shape: tuple[int, ...]) -> np.ndarray:
    """(h, w) bool at ``shape``: inside any of the user's lassos, coloured or protecting."""
    inside = np.zeros(shape[:2], bool)
    for region in base.regions:
        inside |= outline_mask(region.polygon, base.source.size, (shape[0], shape[1]))
    return inside


def make_variations(
    engine: ColorizationEngine,
    base: Colorization,
    count: int = VARIATIONS,
    seed: int = 0,
    network: Network | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> list[Variation]:
    """Up to ``count`` different colourings of ``base``'s photo, hints, strokes, lassos and global hints
    (segments holding the user's colours are not varied; a lasso keeps its colour and a protected
    area its own in every variation).

    The same ``base`` and ``seed`` give the same variations; another seed draws another set.

    Args:
        engine: the engine ``base`` came from.
        base: the current result; its distribution decides where and which colours vary.
        network: which network colours the variations (default: the one for final results).
        should_stop: polled between passes; True abandons the work.

    Returns:
        The variations, fewer than ``count`` (or none) when the photo offers fewer uncertain choices.

    Raises:
        Cancelled: ``should_stop`` returned True.
    """
    labels = partition(base.preview_rgb(WORK_SIDE), AREA_JOIN)
    kept = inside_their_lassos(base, labels.shape)
    areas = find_areas(
        base.shown_logits(),
        labels,
        base.source.network_lightness(base.size),
        base.ab,
        segments_of_their_own(base, labels, kept),
        bin_weights=base.weights.bin_weights,
    )
    out = []
    for choices in variation_choices(areas, count, seed):
        added = choice_regions(choices, base.source.size, kept if kept.any() else None)
        if not added:  # the areas lay under the user's lassos: nothing would change
            continue
        result = engine.colorize(
            base.hints,
            size=base.size,
            should_stop=should_stop,
            network=network,
            source=base.source,
            global_hints=base.global_hints,
            look=base.look,
            strokes=base.strokes,
            regions=base.regions + added,
        )
        out.append(Variation(added, result))
    return out
