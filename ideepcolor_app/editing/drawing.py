"""The geometry behind the drawing tools: a stroke or outline growing under the pointer, an
outline closing into a region, the eraser's path, a shape moved without leaving the photo, and
the magic wand's segment as an outline. Pure functions: the editor keeps the state and the undo."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from ..hints.regions import Region
from ..hints.strokes import MAX_STROKE_POINTS, Stroke
from ..hints.wand import mask_outline, outline_mask, segment_at

Point = tuple[float, float]


def point_on(shape: Stroke | Region) -> Point:
    """A point that shows a shape's colour: a stroke's middle point, a lasso's centre (or, for an
    outline whose centre lies outside it, its first corner)."""
    if isinstance(shape, Stroke):
        return shape.points[len(shape.points) // 2]
    xs, ys = zip(*shape.polygon, strict=True)
    centre = (sum(xs) / len(xs), sum(ys) / len(ys))
    return centre if shape.contains(*centre) else shape.polygon[0]


def extended_stroke(stroke: Stroke, x: float, y: float) -> Stroke | None:
    """``stroke`` painted on to (x, y), or None where that adds nothing (too near its last point,
    or it has as many points as a stroke keeps)."""
    if len(stroke.points) >= MAX_STROKE_POINTS or not _far(stroke.points[-1], (x, y), stroke.width / 4):
        return None
    return Stroke((*stroke.points, (x, y)), stroke.width, stroke.ab)


def extended_outline(outline: tuple[Point, ...], x: float, y: float, size: tuple[int, int]) -> tuple[Point, ...] | None:
    """An outline being drawn, on to (x, y); None where that adds nothing."""
    if len(outline) >= MAX_STROKE_POINTS or not _far(outline[-1], (x, y), max(size) / 1024):
        return None
    return (*outline, (x, y))


def closed_outline(outline: tuple[Point, ...], size: tuple[int, int]) -> Region | None:
    """The region an outline drawn on a photo of ``size`` encloses (without a colour yet), or None
    for a scribble that encloses less than 3x3 network pixels."""
    side = max(size) / 256  # one network pixel
    region = Region(outline, None) if len(outline) >= 3 else None
    return None if region is None or region.area < 9 * side * side else region


def eraser_path(start: Point, end: Point, reach: float) -> list[Point]:
    """Points from ``start`` to ``end`` no further apart than ``reach``: a fast move jumps, and what
    lies between is erased too."""
    (x0, y0), (x1, y1) = start, end
    steps = max(1, math.ceil(math.hypot(x1 - x0, y1 - y0) / reach))
    return [(x0 + (x1 - x0) * i / steps, y0 + (y1 - y0) * i / steps) for i in range(steps + 1)]


def strokes_touched(strokes: Sequence[Stroke], path: Sequence[Point], reach: float) -> list[int]:
    """Indices (last first, so that deleting them in order keeps the others' places) of the strokes
    within ``reach`` of any point of ``path``."""
    return [i for i in range(len(strokes) - 1, -1, -1) if any(strokes[i].distance_to(*p) <= reach for p in path)]


def moved_on_photo(shape: Stroke | Region, dx: float, dy: float, size: tuple[int, int]) -> Stroke | Region:
    """``shape`` moved by (dx, dy), as far as it goes while all of it stays on the photo (a session
    holds only points on it)."""
    points = shape.points if isinstance(shape, Stroke) else shape.polygon
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    width, height = size
    dx = min(max(dx, -min(xs)), width - 1e-3 - max(xs))
    dy = min(max(dy, -min(ys)), height - 1e-3 - max(ys))
    return shape.moved(dx, dy)


def wand_outline(
    picture: np.ndarray, size: tuple[int, int], x: float, y: float, joining: Region | None = None
) -> tuple[tuple[Point, ...] | None, bool]:
    """The magic wand at photo point (x, y) of a photo of ``size``, read on ``picture`` (its
    latest result, or its grey picture): the outline of the segment there and False; with
    ``joining``, that region's outline grown by the segment and True, unless the segment lies
    apart from it (then the segment's own outline and False)."""
    mask = segment_at(picture, x * picture.shape[1] / size[0], y * picture.shape[0] / size[1])
    if joining is not None:
        joined = mask_outline(mask | outline_mask(joining.polygon, size, mask.shape), size, near=(x, y))
        if joined is not None and Region(joined, None).contains(*point_on(joining)):
            return joined, True
    return mask_outline(mask, size, near=(x, y)), False


def _far(a: Point, b: Point, distance: float) -> bool:
    return (a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2 >= max(distance, 1.0) ** 2
