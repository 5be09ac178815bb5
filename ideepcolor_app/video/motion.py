"""Motion between consecutive grey frames: optical flow, where it can be trusted, and scene cuts.

Everything runs on the frames as the network sees them (stretched to a square of side
:data:`~ideepcolor_app.colour.encoding.NETWORK_SIZE`), so the flow moves the network's colours.
OpenCV's DIS optical flow is fast enough on a CPU (a few ms per pair at 256x256).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

FLOW_ERROR = 1.5
"""Forward-backward disagreement (pixels) above which a pixel's motion is not trusted (occluded,
or appearing)."""
CUT_TRUSTED_SHARE = 0.2
"""A frame starts a new scene when the motion from the previous one can be trusted (see
:data:`FLOW_ERROR`) on less than this share of its pixels..."""
CUT_CHANGE = 0.3
"""...and its 64x64 thumbnail, each normalised to zero mean and unit contrast, differs from the
previous one's by more than this on average (so a grainy flat or black frame, whose flow is
noise, does not count). docs/recipes/cut_measure.py measures it (docs/benchmarks.md): the
brightness difference used before (over 40 of 255) missed a film's cut from a wide shot to a
close-up of the same screen (33.8) and took flashes and fast pans for cuts."""


@dataclass(frozen=True)
class Motion:
    """How the current frame relates to the previous one.

    ``backward`` (H, W, 2) maps each current pixel to where it was in the previous frame;
    ``confidence`` (H, W) in [0, 1] says how far that can be trusted (0: appeared, occluded, or
    outside the previous frame); ``cut`` marks a new scene (confidence is then 0 everywhere).
    """

    backward: np.ndarray
    forward: np.ndarray
    confidence: np.ndarray
    cut: bool


class MotionEstimator:
    """Optical flow between consecutive grey frames (uint8, the same size)."""

    def __init__(self) -> None:
        self._dis = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_MEDIUM)  # type: ignore[attr-defined]

    def between(self, previous: np.ndarray, current: np.ndarray) -> Motion:
        """The motion from ``previous`` to ``current``."""
        previous, current = np.ascontiguousarray(previous), np.ascontiguousarray(current)
        height, width = current.shape
        backward = self._dis.calc(current, previous, None)
        forward = self._dis.calc(previous, current, None)
        # A pixel's motion is trusted where going back and then forward again returns to it.
        returned = warp(forward, backward)
        error = np.linalg.norm(backward + returned, axis=2)
        rows, cols = np.mgrid[0:height, 0:width].astype(np.float32)
        source_x, source_y = cols + backward[..., 0], rows + backward[..., 1]
        inside = (source_x >= 0) & (source_x <= width - 1) & (source_y >= 0) & (source_y <= height - 1)
        confidence = (np.clip(2.0 - error / FLOW_ERROR, 0.0, 1.0) * inside).astype(np.float32)
        if _starts_scene(previous, current, confidence):
            zero = np.zeros((height, width, 2), np.float32)
            return Motion(zero, zero, np.zeros((height, width), np.float32), True)
        return Motion(backward, forward, confidence, False)


def _starts_scene(previous: np.ndarray, current: np.ndarray, confidence: np.ndarray) -> bool:
    if float((confidence > 0.5).mean()) >= CUT_TRUSTED_SHARE:
        return False
    return float(np.abs(_thumbnail(previous) - _thumbnail(current)).mean()) > CUT_CHANGE


def _thumbnail(grey: np.ndarray) -> np.ndarray:
    small: np.ndarray = cv2.resize(grey, (64, 64), interpolation=cv2.INTER_AREA).astype(np.float32)
    # The + 8 keeps a flat frame's grain from being stretched into contrast.
    return np.asarray((small - small.mean()) / (small.std() + 8.0))


def warp(values: np.ndarray, backward: np.ndarray) -> np.ndarray:
    """``values`` (H, W, C) of the previous frame moved into the current one along ``backward``."""
    height, width = backward.shape[:2]
    rows, cols = np.mgrid[0:height, 0:width].astype(np.float32)
    map_x, map_y = cols + backward[..., 0], rows + backward[..., 1]
    return cv2.remap(values, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def follow(point: tuple[float, float], motion: Motion) -> tuple[float, float] | None:
    """Where a point (x, y) of the previous frame is in the current one, or None when its motion
    cannot be trusted (it was occluded, left the frame, or the scene was cut)."""
    if motion.cut:
        return None
    height, width = motion.forward.shape[:2]
    x, y = point
    col, row = min(max(int(round(x)), 0), width - 1), min(max(int(round(y)), 0), height - 1)
    dx, dy = motion.forward[row, col]
    new_x, new_y = x + float(dx), y + float(dy)
    if not (0 <= new_x <= width - 1 and 0 <= new_y <= height - 1):
        return None
    col, row = int(round(new_x)), int(round(new_y))
    if motion.confidence[row, col] < 0.5:
        return None
    return new_x, new_y
