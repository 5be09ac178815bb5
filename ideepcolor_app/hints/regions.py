"""Lasso regions: an outline that holds a colour to what it encloses, or protects it.

A region with a colour paints its inside with that colour (the network is given the inside as
hints, so the colour follows the photo's structure there) and changes nothing outside it: the
engine composites the result with the region inside its outline over the result without it. A
region without a colour protects its inside: nothing painted elsewhere reaches it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np
import torch

MAX_REGION_POINTS = 4096
"""The most outline points one region keeps."""
MAX_REGIONS = 100
"""The most regions one photo can have."""
FILL_SIDE = 5
"""Side of the squares that give the network a region's inside as hints, at 256 px."""


@dataclass(frozen=True)
class Region:
    """A closed outline, ``polygon`` (x, y) in full-resolution photo pixels; ``ab`` its colour in
    Lab units, or None for a protected region."""

    polygon: tuple[tuple[float, float], ...]
    ab: tuple[float, float] | None

    def __post_init__(self) -> None:
        # Validated here so that no edit, file or test can hold a region nothing can fill.
        if not isinstance(self.polygon, tuple) or not 3 <= len(self.polygon) <= MAX_REGION_POINTS:
            raise ValueError(f"a region's outline has 3 to {MAX_REGION_POINTS} points")
        for point in self.polygon:
            if not (isinstance(point, tuple) and len(point) == 2 and all(_finite(v) for v in point)):
                raise ValueError(f"a region's outline points are pairs of finite numbers (x, y), got {point!r}")
        if self.ab is not None and not (
            isinstance(self.ab, tuple) and len(self.ab) == 2 and all(_finite(v) for v in self.ab)
        ):
            raise ValueError(f"a region's colour is two finite numbers (a, b) or none, got {self.ab!r}")

    @property
    def protects(self) -> bool:
        """A region without a colour: it keeps out what is painted elsewhere."""
        return self.ab is None

    def contains(self, x: float, y: float) -> bool:
        """Photo point (x, y) lies inside the outline (or on it)."""
        return self.signed_distance(x, y) >= 0

    def signed_distance(self, x: float, y: float) -> float:
        """Distance in photo pixels from (x, y) to the outline: positive inside, negative outside."""
        outline = np.asarray(self.polygon, np.float32).reshape(-1, 1, 2)
        return float(cv2.pointPolygonTest(outline, (float(x), float(y)), True))

    @property
    def area(self) -> float:
        """The area the outline encloses, in square photo pixels."""
        return float(cv2.contourArea(np.asarray(self.polygon, np.float32).reshape(-1, 1, 2)))

    def drawn_edges(self) -> list[tuple[tuple[float, float], tuple[float, float]]]:
        """The outline's edges as a canvas draws them: without the cuts of no width that join a
        hole to the outside (an edge that the outline also runs back along)."""
        points = self.polygon
        edges = [(points[i], points[(i + 1) % len(points)]) for i in range(len(points))]
        present = set(edges)
        return [(a, b) for a, b in edges if a != b and (b, a) not in present]

    def moved(self, dx: float, dy: float) -> Region:
        """The region shifted by (dx, dy) photo pixels."""
        return Region(tuple((x + dx, y + dy) for x, y in self.polygon), self.ab)


def region_masks(
    regions: Sequence[Region], image_size: tuple[int, int], size: int, device: torch.device | str = "cpu"
) -> torch.Tensor:
    """(R, 1, S, S) float32 masks: 1 inside each region's outline at network resolution ``size``.

    Args:
        image_size: (width, height) of the full-resolution photo the outlines refer to.
    """
    width, height = image_size
    masks = np.zeros((len(regions), size, size), np.uint8)
    for mask, region in zip(masks, regions, strict=True):
        points = np.asarray(region.polygon, np.float64) * (size / width, size / height)
        cv2.fillPoly(mask, [np.round(points * 16).astype(np.int32)], 1, lineType=cv2.LINE_8, shift=4)
    return torch.from_numpy(masks).to(device=device, dtype=torch.float32)[:, None]


def fill_squares(mask: torch.Tensor, side: int = FILL_SIDE) -> list[tuple[int, int, int]]:
    """(top, left, side) of squares on a grid whose centres lie inside ``mask`` (S, S): a region's
    inside given to the network as hints (at least one square, at the inside's centre of mass, for
    a region thinner than the grid)."""
    size = mask.shape[-1]
    side = max(1, side * size // 256) | 1
    centres = torch.arange(side // 2, size, side, device=mask.device)
    inside = mask[centres[:, None], centres[None, :]] > 0
    corners = (centres[torch.nonzero(inside)] - side // 2).tolist()  # one transfer, not one per square
    if not corners and bool(mask.any()):
        corners = [(torch.nonzero(mask > 0).float().mean(dim=0).long() - side // 2).tolist()]
    return [(top, left, side) for top, left in corners]


def _finite(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
