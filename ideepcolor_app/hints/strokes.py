"""Brush strokes: a colour painted along a path, as one hint of any shape.

A stroke is a polyline in photo pixels with a width, also in photo pixels, and one colour. The
network takes it as the squares of a brush stamped along the path at its resolution
(:func:`stroke_squares`): its input is dense per pixel, so a painted path is what a stroke is to
it, and everything that measures hints (fills, vivid colours, locality) sees those squares.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..colour.encoding import NETWORK_SIZE

MAX_STROKE_POINTS = 4096
"""The most points one stroke keeps (a long drag is thinned to this many)."""
MAX_STROKES = 200
"""The most strokes one photo can have."""
MAX_STROKE_WIDTH = 400.0
"""Widest brush, in photo pixels."""


@dataclass(frozen=True)
class Stroke:
    """One brush stroke: ``points`` (x, y) in full-resolution photo pixels, in the order painted;
    ``width`` in photo pixels; ``ab`` the colour in Lab units."""

    points: tuple[tuple[float, float], ...]
    width: float
    ab: tuple[float, float]

    def __post_init__(self) -> None:
        # Validated here so that no edit, file or test can put a stroke the network cannot place.
        if not isinstance(self.points, tuple) or not 1 <= len(self.points) <= MAX_STROKE_POINTS:
            raise ValueError(f"a stroke has 1 to {MAX_STROKE_POINTS} points, got {_count(self.points)}")
        for point in self.points:
            if not (isinstance(point, tuple) and len(point) == 2 and all(_finite(v) for v in point)):
                raise ValueError(f"a stroke's points are pairs of finite numbers (x, y), got {point!r}")
        if not (_finite(self.width) and 0 < self.width <= MAX_STROKE_WIDTH):
            raise ValueError(
                f"a stroke's width is more than 0 and at most {MAX_STROKE_WIDTH:g} pixels, got {self.width!r}"
            )
        if not (isinstance(self.ab, tuple) and len(self.ab) == 2 and all(_finite(v) for v in self.ab)):
            raise ValueError(f"a stroke's colour is two finite numbers (a, b), got {self.ab!r}")

    def distance_to(self, x: float, y: float) -> float:
        """Distance in photo pixels from (x, y) to the painted path's edge (0 or less on the paint)."""
        points = self.points
        nearest = math.hypot(x - points[0][0], y - points[0][1])
        for (x0, y0), (x1, y1) in zip(points, points[1:], strict=False):
            dx, dy = x1 - x0, y1 - y0
            length2 = dx * dx + dy * dy
            t = 0.0 if length2 == 0 else min(max(((x - x0) * dx + (y - y0) * dy) / length2, 0.0), 1.0)
            nearest = min(nearest, math.hypot(x - x0 - t * dx, y - y0 - t * dy))
        return nearest - self.width / 2

    def moved(self, dx: float, dy: float) -> Stroke:
        """The stroke shifted by (dx, dy) photo pixels."""
        return Stroke(tuple((x + dx, y + dy) for x, y in self.points), self.width, self.ab)


def brush_width(side: int, image_size: tuple[int, int], network_size: int = NETWORK_SIZE) -> float:
    """The width in photo pixels of a brush ``side`` pixels wide at network resolution (what the
    network sees of it, whatever the photo's size)."""
    return min(side * max(image_size) / network_size, MAX_STROKE_WIDTH)


def stroke_squares(
    stroke: Stroke, image_size: tuple[int, int], network_size: int = NETWORK_SIZE
) -> list[tuple[int, int, int]]:
    """(top, left, side) of the brush squares that paint ``stroke`` at ``network_size`` resolution,
    stamped at most half a side apart so that they cover the path without gaps.

    Args:
        image_size: (width, height) of the full-resolution photo.
    """
    width, height = image_size
    scale_x, scale_y = network_size / width, network_size / height
    side = max(1, round(stroke.width * min(scale_x, scale_y)))
    side |= 1  # odd, so that a square has a centre pixel, as a point hint's patch does
    step = max(1.0, side / 2)
    path = [(y * scale_y, x * scale_x) for x, y in stroke.points]  # (row, col), continuous
    centres = [path[0]]
    for (r0, c0), (r1, c1) in zip(path, path[1:], strict=False):
        count = max(1, math.ceil(math.hypot(r1 - r0, c1 - c0) / step))
        centres.extend((r0 + (r1 - r0) * i / count, c0 + (c1 - c0) * i / count) for i in range(1, count + 1))
    squares: list[tuple[int, int, int]] = []
    for row, col in centres:
        cell = (min(max(int(row), 0), network_size - 1), min(max(int(col), 0), network_size - 1))
        square = (cell[0] - side // 2, cell[1] - side // 2, side)
        if not squares or squares[-1] != square:
            squares.append(square)
    return list(dict.fromkeys(squares))


def stroke_mask(stroke: Stroke, image_size: tuple[int, int], size: int) -> np.ndarray:
    """(size, size) bool: the cells the stroke paints at network resolution ``size``."""
    mask = np.zeros((size, size), bool)
    for top, left, side in stroke_squares(stroke, image_size, size):
        mask[max(top, 0) : max(top + side, 0), max(left, 0) : max(left + side, 0)] = True
    return mask


def _finite(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _count(points: object) -> str:
    return str(len(points)) if isinstance(points, (tuple, list)) else type(points).__name__
