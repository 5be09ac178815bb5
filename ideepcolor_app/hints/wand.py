"""The magic wand: the segment of a photo under a click, as a lasso outline.

The photo is cut into superpixels (SLIC on its Lab colours), and the superpixel under the click
grows over its neighbours while their mean Lab stays close to the segment's. The colours are the
latest result's: its lightness is the photo's own, so edges of light and dark hold the segment,
and its ab are the network's predicted colours, so areas the network sees as one thing join.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np
from skimage.segmentation import slic

from ..colour.color import rgb_to_lab_np
from .regions import MAX_REGION_POINTS

WORK_SIDE = 384
"""Longest side at which the wand segments (its outlines are smooth at any photo size)."""
SEGMENTS = 600
"""About how many superpixels the photo is cut into."""
JOIN_DISTANCE = 10.0
"""A neighbour joins the segment while its mean Lab is this close to the segment's."""
MAX_SHARE = 0.6
"""A segment stops growing at this share of the photo (one click never takes the whole photo)."""
MIN_HOLE_SHARE = 0.002
"""Holes smaller than this share of the frame are filled by :func:`outline_around_holes`."""


@dataclass(frozen=True)
class _Superpixels:
    """A picture cut into superpixels: what every click of the wand on it starts from."""

    picture: np.ndarray
    """The picture cut (kept, so that the one cached is never taken for another at its address)."""
    lab: np.ndarray
    labels: np.ndarray
    pixels: np.ndarray
    means: np.ndarray
    neighbours: list[set[int]]


_last: list[_Superpixels] = []
"""The last picture's superpixels: Shift-clicks on one result reuse them (the cut is most of a
click's time, about 0.1 s on the GUI thread)."""


def _superpixels(rgb8: np.ndarray) -> _Superpixels:
    if _last and _last[0].picture is rgb8:
        return _last[0]
    height, width = rgb8.shape[:2]
    scale = min(1.0, WORK_SIDE / max(width, height))
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    small = cv2.resize(rgb8, size, interpolation=cv2.INTER_AREA) if size != (width, height) else rgb8
    lab = rgb_to_lab_np(small.astype(np.float32) / 255).astype(np.float32)
    labels = slic(lab, n_segments=SEGMENTS, compactness=10, convert2lab=False, channel_axis=-1, start_label=0)
    count = int(labels.max()) + 1
    pixels = np.bincount(labels.ravel(), minlength=count).astype(np.float64)
    means = (
        np.stack([np.bincount(labels.ravel(), lab[..., c].ravel(), minlength=count) for c in range(3)], axis=1)
        / np.maximum(pixels, 1)[:, None]
    )
    _last[:] = [_Superpixels(rgb8, lab, labels, pixels, means, _adjacency(labels, count))]
    return _last[0]


def segment_at(rgb8: np.ndarray, x: float, y: float, join: float = JOIN_DISTANCE) -> np.ndarray:
    """The wand's segment under image point (x, y) of ``rgb8`` (H, W, 3): a (h, w) bool mask at the
    wand's working size (longest side :data:`WORK_SIDE`)."""
    cut = _superpixels(rgb8)
    lab, labels, neighbours = cut.lab, cut.labels, cut.neighbours
    height, width = rgb8.shape[:2]
    size = (labels.shape[1], labels.shape[0])
    row = min(max(int(y * size[1] / height), 0), size[1] - 1)
    col = min(max(int(x * size[0] / width), 0), size[0] - 1)
    members, mean = _grow(cut, int(labels[row, col]), join, set())
    inside = np.isin(labels, np.fromiter(members, np.int64))
    # superpixels along the segment's edge straddle it: their pixels close to the segment's colour join
    border = set().union(*(neighbours[m] for m in members)) - members
    near = np.isin(labels, np.fromiter(border, np.int64, len(border))) & (np.linalg.norm(lab - mean, axis=-1) < join)
    segment: np.ndarray = inside | (near & _touching(inside, near))
    return segment


def partition(rgb8: np.ndarray, join: float = JOIN_DISTANCE) -> np.ndarray:
    """``rgb8`` (H, W, 3) cut into the segments the wand selects: (h, w) int labels 0..n-1 at the
    wand's working size (longest side :data:`WORK_SIDE`), the largest segments first.

    Each segment grows, by the wand's rule, from the largest superpixel not yet in one."""
    cut = _superpixels(rgb8)
    segment_of = np.full(len(cut.pixels), -1, np.int64)
    taken: set[int] = set()
    for seed in np.argsort(-cut.pixels, kind="stable").tolist():
        if seed not in taken:
            members, _ = _grow(cut, seed, join, taken)
            segment_of[list(members)] = segment_of.max() + 1
            taken |= members
    sizes = np.bincount(segment_of, weights=cut.pixels)
    rank = np.empty(len(sizes), np.int64)
    rank[np.argsort(-sizes, kind="stable")] = np.arange(len(sizes))
    labels: np.ndarray = rank[segment_of][cut.labels]
    return labels


def _grow(cut: _Superpixels, seed: int, join: float, taken: set[int]) -> tuple[set[int], np.ndarray]:
    """The superpixels a segment grown from ``seed`` holds (none of ``taken``), and its mean Lab."""
    members, frontier = {seed}, [seed]
    total, area = cut.means[seed] * cut.pixels[seed], cut.pixels[seed]
    limit = MAX_SHARE * cut.labels.size
    while frontier:
        current = frontier.pop()
        for other in cut.neighbours[current]:
            if other in members or other in taken:
                continue
            if np.linalg.norm(cut.means[other] - total / area) < join and area + cut.pixels[other] <= limit:
                members.add(other)
                frontier.append(other)
                total, area = total + cut.means[other] * cut.pixels[other], area + cut.pixels[other]
    return members, (total / area).astype(np.float32)


def mask_outline(
    mask: np.ndarray, image_size: tuple[int, int], near: tuple[float, float] | None = None
) -> tuple[tuple[float, float], ...] | None:
    """The outline, in photo pixels of a photo of ``image_size`` (width, height), of the part of
    ``mask`` (h, w bool at any size) that holds photo point ``near`` (else its largest part), with
    its holes filled; None for an empty mask."""
    h, w = mask.shape
    closed = _closed(mask)
    contours, _ = cv2.findContours(closed, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    contours = [c for c in contours if len(c) >= 3]
    if not contours:
        return None
    chosen = max(contours, key=cv2.contourArea)
    if near is not None:
        point = (near[0] * w / image_size[0], near[1] * h / image_size[1])
        holding = [c for c in contours if cv2.pointPolygonTest(c, point, True) >= -1.5]
        chosen = max(holding, key=cv2.contourArea) if holding else chosen
    epsilon = 0.6
    outline = cv2.approxPolyDP(chosen, epsilon, True)
    while len(outline) > MAX_REGION_POINTS:
        epsilon *= 2
        outline = cv2.approxPolyDP(chosen, epsilon, True)
    if len(outline) < 3:
        return None
    return _in_photo(outline[:, 0], image_size, (h, w))


def outline_around_holes(
    mask: np.ndarray, image_size: tuple[int, int], min_hole: float = MIN_HOLE_SHARE
) -> tuple[tuple[float, float], ...] | None:
    """Like :func:`mask_outline` for the largest part of ``mask``, but the holes in it of at least
    ``min_hole`` of the mask's frame stay outside: each is joined to the outline by a cut of no
    width (one closed outline whose inside is the part without its holes). None for an empty mask."""
    h, w = mask.shape
    closed = _closed(mask)
    contours, hierarchy = cv2.findContours(closed, cv2.RETR_CCOMP, cv2.CHAIN_APPROX_SIMPLE)
    outers = [i for i, c in enumerate(contours) if hierarchy[0][i][3] < 0 and len(c) >= 3]
    if not outers:
        return None
    outer = max(outers, key=lambda i: cv2.contourArea(contours[i]))
    holes = [
        contours[i]
        for i in range(len(contours))
        if hierarchy[0][i][3] == outer and cv2.contourArea(contours[i]) >= min_hole * h * w
    ]
    epsilon = 0.6
    while True:
        points = cv2.approxPolyDP(contours[outer], epsilon, True)[:, 0].astype(np.float64)
        for hole in sorted(holes, key=cv2.contourArea, reverse=True):
            ring = cv2.approxPolyDP(hole, epsilon, True)[:, 0].astype(np.float64)
            gaps = np.linalg.norm(points[:, None] - ring[None], axis=-1)
            i, j = np.unravel_index(int(gaps.argmin()), gaps.shape)
            points = np.concatenate((points[: i + 1], ring[j:], ring[: j + 1], points[i:]))
        if len(points) <= MAX_REGION_POINTS:
            break
        epsilon *= 2
    if len(points) < 3:
        return None
    return _in_photo(points, image_size, (h, w))


def _closed(mask: np.ndarray) -> np.ndarray:
    """``mask`` as uint8 with gaps of a pixel closed, so that an outline does not break on them."""
    closed: np.ndarray = cv2.morphologyEx(mask.astype(np.uint8), cv2.MORPH_CLOSE, np.ones((3, 3), np.uint8))
    return closed


def _in_photo(
    points: np.ndarray, image_size: tuple[int, int], shape: tuple[int, int]
) -> tuple[tuple[float, float], ...]:
    """Contour points of a mask of ``shape`` (h, w) in photo pixels of a photo of ``image_size``:
    they are pixel centres, so +0.5 puts the outline on the mask's edge."""
    scale_x, scale_y = image_size[0] / shape[1], image_size[1] / shape[0]
    return tuple(((float(px) + 0.5) * scale_x, (float(py) + 0.5) * scale_y) for px, py in points)


def outline_mask(
    polygon: Sequence[tuple[float, float]], image_size: tuple[int, int], shape: tuple[int, int]
) -> np.ndarray:
    """A (h, w) bool mask of ``polygon`` (photo pixels of a photo of ``image_size``) at ``shape``."""
    h, w = shape
    points = np.asarray(polygon, np.float64) * (w / image_size[0], h / image_size[1]) - 0.5
    mask = np.zeros((h, w), np.uint8)
    cv2.fillPoly(mask, [np.round(points * 16).astype(np.int32)], 1, lineType=cv2.LINE_8, shift=4)
    return mask.astype(bool)


def _touching(inside: np.ndarray, extra: np.ndarray) -> np.ndarray:
    """The parts of ``extra`` connected to ``inside``."""
    count, parts = cv2.connectedComponents((inside | extra).astype(np.uint8), connectivity=4)
    keep = np.unique(parts[inside])
    return np.isin(parts, keep[keep > 0])


def _adjacency(labels: np.ndarray, count: int) -> list[set[int]]:
    pairs = np.concatenate(
        [
            np.stack([labels[:, :-1].ravel(), labels[:, 1:].ravel()], axis=1),
            np.stack([labels[:-1, :].ravel(), labels[1:, :].ravel()], axis=1),
        ]
    )
    pairs = np.unique(pairs[pairs[:, 0] != pairs[:, 1]], axis=0)
    neighbours: list[set[int]] = [set() for _ in range(count)]
    for a, b in pairs.tolist():
        neighbours[a].add(b)
        neighbours[b].add(a)
    return neighbours
