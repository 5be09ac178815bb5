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
import torch.nn.functional as F

MAX_REGION_POINTS = 4096
"""The most outline points one region keeps."""
MAX_REGIONS = 100
"""The most regions one photo can have."""
FILL_SIDE = 5
"""Side of the squares that give the network a region's inside as hints, at 256 px."""
EDGE_REACH = 3
"""How far, in cells at 256 px, a region's edge may move to meet the photo's own edge (beyond it,
the outside is exactly as without the region)."""
EDGE_ALIKE = 3.0
"""Lightness differences (L units) under which the two sides of an outline count as alike."""


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


def edge_aware_masks(masks: torch.Tensor, lightness: torch.Tensor, reach: int = EDGE_REACH) -> torch.Tensor:
    """Regions' masks (R, 1, S, S) fitted to the photo's edges near their outlines.

    A hand-drawn outline (or the wand's) runs a few pixels off the edge of what it holds. Within
    ``reach`` cells of the outline, each pixel goes to the side whose sure pixels (further than
    ``reach`` from the outline, within ``2 * reach + 1``) are closer to it in lightness (1, 1, S, S,
    in L units); where both sides are alike (no edge), it keeps the outline as drawn. Beyond
    ``reach`` the masks are exactly as drawn: a region never changes more than that outside it.
    """
    if reach <= 0 or masks.numel() == 0:
        return masks
    guide = lightness.float().expand(masks.shape[0], 1, -1, -1)
    band = 2 * reach + 1
    near_outside = F.max_pool2d(masks, band, 1, reach) > 0
    far_inside = (F.max_pool2d(1 - masks, band, 1, reach) == 0).float()
    far_outside = (~near_outside).float()

    def mean_over(sure: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        count = F.avg_pool2d(sure, 2 * band + 1, 1, band, count_include_pad=False)
        total = F.avg_pool2d(sure * guide, 2 * band + 1, 1, band, count_include_pad=False)
        return total / count.clamp(min=1e-6), count > 0

    inside_l, has_inside = mean_over(far_inside)
    outside_l, has_outside = mean_over(far_outside)
    to_in, to_out = (guide - inside_l) ** 2, (guide - outside_l) ** 2
    alike = EDGE_ALIKE**2  # lightness differences below this are not an edge
    fitted = (to_out + alike * masks) / (to_in + to_out + alike)
    fitted = torch.where(has_inside & has_outside, fitted, masks)
    band_only = torch.where(near_outside, fitted, torch.zeros_like(fitted))
    return torch.where(far_inside > 0, torch.ones_like(band_only), band_only)


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
