"""Flicker and quality on clips whose motion is known: a crop window panned over a colour photo.

A pan of ``step`` pixels a frame moves every pixel by exactly ``step``, so a result's flicker
(mean |ab(t) - ab(t-1) moved by the motion| over the pixels seen in both frames, on the colours
the viewer sees) needs no flow estimate, and the truth's own flicker is 0. Rows: frame-by-frame
colourisation (each frame as a photo, the first frame's hints kept where they were placed) and
the clip colouriser (colours carried along the motion, hints following it), automatic and with
hints on the first frame only; per-frame PSNR, the last frame's PSNR (do hints travel?) and flicker.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ..colour.color import rgb_to_lab_np
from ..colour.encoding import DEFAULT_PATCH_SIZE
from ..hints.local_hints import Hint
from ..inference.engine import ColorizationEngine
from ..photos.images import load_photo
from ..video.temporal import CARRY, ClipColorizer, Keyframe
from .evaluate import psnr_8bit

PAN_FRAMES = 60
"""Five seconds at 12 frames a second."""
PAN_STEP = 2
"""Pixels the crop window moves per frame."""


@dataclass
class VideoEvaluation:
    """Per row: mean per-frame PSNR, last-frame PSNR and flicker, over the clips."""

    rows: dict[str, dict[str, float]] = field(default_factory=dict)
    clips: int = 0
    frames: int = PAN_FRAMES
    hints: int = 0

    def to_json(self) -> dict[str, Any]:
        """Everything measured."""
        return {"clips": self.clips, "frames": self.frames, "hints_on_first_frame": self.hints, "rows": self.rows}

    def table(self) -> str:
        """One line per row."""
        heading = f"pan clips: {self.clips}, {self.frames} frames"
        lines = [f"{heading:<48}{'PSNR':>8}{'last':>8}{'flicker':>9}"]
        for name, row in self.rows.items():
            lines.append(f"{name:<48}{row['psnr']:>8.2f}{row['last_psnr']:>8.2f}{row['flicker']:>9.2f}")
        return "\n".join(lines)


def pan_clip(rgb8: np.ndarray, frames: int = PAN_FRAMES, step: int = PAN_STEP) -> tuple[list[np.ndarray], bool]:
    """Frames of a crop window panned along the photo's longer side by ``step`` pixels a frame.

    Returns:
        The frames (H, W, 3 uint8, colour: the truth) and whether the pan is horizontal.
    """
    height, width = rgb8.shape[:2]
    horizontal = width >= height
    travel = step * (frames - 1)
    if horizontal:
        return [rgb8[:, i * step : i * step + width - travel] for i in range(frames)], True
    return [rgb8[i * step : i * step + height - travel] for i in range(frames)], False


def flicker(previous_ab: np.ndarray, current_ab: np.ndarray, step: int, horizontal: bool) -> float:
    """Mean |ab(t) - ab(t-1) moved by the pan| over the pixels both frames show ((H, W, 2) each)."""
    if horizontal:
        return float(np.abs(current_ab[:, :-step] - previous_ab[:, step:]).mean())
    return float(np.abs(current_ab[:-step] - previous_ab[step:]).mean())


def first_frame_hints(truth: np.ndarray, count: int, seed: int) -> tuple[Hint, ...]:
    """``count`` hints holding the true colour of 5x5 patches at random places of the frame."""
    lab = rgb_to_lab_np(truth.astype(np.float64) / 255)
    height, width = truth.shape[:2]
    rng = np.random.default_rng(seed)
    hints = []
    for _ in range(count):
        x, y = int(rng.integers(3, width - 3)), int(rng.integers(3, height - 3))
        a, b = lab[y - 2 : y + 3, x - 2 : x + 3, 1:].reshape(-1, 2).mean(axis=0)
        hints.append(Hint(x + 0.5, y + 0.5, (float(a), float(b)), DEFAULT_PATCH_SIZE))
    return tuple(hints)


def score_clip(
    engine: ColorizationEngine,
    truth: Sequence[np.ndarray],
    horizontal: bool,
    hints: tuple[Hint, ...],
    carry: float,
    track: bool,
    step: int = PAN_STEP,
) -> tuple[float, float, float]:
    """Mean per-frame PSNR, last-frame PSNR and mean flicker of one way of colouring the clip."""
    colorizer = ClipColorizer(engine, [Keyframe(0, hints)] if hints else [], carry=carry, track_hints=track)
    psnrs, flickers = [], []
    previous_ab: np.ndarray | None = None
    for index, frame in enumerate(truth):
        rgb = colorizer.colorize(index, frame).full_resolution_rgb()  # the network sees only its lightness
        as_tensor = torch.from_numpy(rgb).permute(2, 0, 1).float() / 255
        psnrs.append(psnr_8bit(as_tensor, torch.from_numpy(frame).permute(2, 0, 1).float() / 255))
        ab = rgb_to_lab_np(rgb.astype(np.float64) / 255)[..., 1:]
        if previous_ab is not None:
            flickers.append(flicker(previous_ab, ab, step, horizontal))
        previous_ab = ab
    return float(np.mean(psnrs)), psnrs[-1], float(np.mean(flickers))


def evaluate_video(
    engine: ColorizationEngine,
    images: Sequence[Path],
    hints: int = 10,
    frames: int = PAN_FRAMES,
    carry: float = CARRY,
    seed: int = 0,
    progress: Callable[[int, int], None] | None = None,
) -> VideoEvaluation:
    """Score frame-by-frame and clip colourisation on a pan over each photo (see the module)."""
    ways = {
        "frame by frame, automatic": (False, 0.0, False),
        f"clip colouriser (carry {carry:g}), automatic": (False, carry, True),
        f"frame by frame, {hints} hints on frame 0 kept in place": (True, 0.0, False),
        f"frame by frame, {hints} hints on frame 0 following": (True, 0.0, True),
        f"clip colouriser, {hints} hints on frame 0 following": (True, carry, True),
    }
    sums = {name: np.zeros(3) for name in ways}
    for index, path in enumerate(images):
        truth, horizontal = pan_clip(load_photo(path).rgb8(), frames)
        given = first_frame_hints(truth[0], hints, seed + index)
        for name, (with_hints, way_carry, track) in ways.items():
            sums[name] += score_clip(engine, truth, horizontal, given if with_hints else (), way_carry, track)
        if progress:
            progress(index + 1, len(images))
    rows = {
        name: dict(zip(("psnr", "last_psnr", "flicker"), (total / max(len(images), 1)).tolist(), strict=True))
        for name, total in sums.items()
    }
    rows["truth"] = {"psnr": float("inf"), "last_psnr": float("inf"), "flicker": 0.0}
    return VideoEvaluation(rows, len(images), frames, hints)
