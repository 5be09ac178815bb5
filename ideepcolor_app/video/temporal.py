"""Colourising the frames of a clip in order, so that colours stay put while things move.

Each frame is colourised by the engine as a photo is, with the hints of the keyframes carried
along the motion (a hint follows its object; one that loses it, or meets a scene cut, is dropped).
A keyframe's strokes and lassos travel the same way, point by point: a point that loses its object
is dropped, and a stroke or lasso goes when fewer points than it needs are left.
Its colours then start from the previous frame's result moved along the motion: where that motion
can be trusted, the new colours are mostly the old ones (:data:`CARRY`), so the network's
frame-to-frame wavering does not show as flicker; where something appears, after a cut and at the
hints' patches, the network's answer is taken as it is.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import torch

from ..colour.encoding import NETWORK_SIZE
from ..colour.look import DEFAULT_LOOK, Look
from ..hints.global_hints import GlobalHints
from ..hints.local_hints import Hint, hint_patch
from ..hints.regions import Region, region_masks
from ..hints.strokes import Stroke, stroke_mask
from ..inference.engine import Colorization, ColorizationEngine
from ..inference.network import Network
from ..inference.photo_on_device import PhotoOnDevice
from ..photos.images import Photo
from .motion import Motion, MotionEstimator, follow, warp

CARRY = 0.95
"""Share of the previous frame's colours kept where the motion is trusted (see the module). On
10 pan clips from dev-eval (60 frames each), carry 0.7 / 0.85 / 0.95 gave PSNR 20.97 / 20.97 /
20.99 dB and flicker 0.07 / 0.04 / 0.02 automatic (frame by frame: 20.96, 0.23), and 27.76 /
27.80 / 27.86 dB, flicker 0.12 / 0.08 / 0.05 with 10 hints on the first frame: the strongest
carry won on both."""


@dataclass(frozen=True)
class Keyframe:
    """Hints, strokes and lassos the user placed on one frame (image coordinates of that frame)."""

    frame: int
    hints: tuple[Hint, ...]
    strokes: tuple[Stroke, ...] = ()
    regions: tuple[Region, ...] = ()


@dataclass
class _Track:
    """A hint on its way through the clip, in network coordinates."""

    x: float
    y: float
    hint: Hint


class ClipColorizer:
    """Colours one clip's frames, given in order, one call each.

    Args:
        engine: the engine (its current photo is left alone).
        keyframes: hints placed on frames; each replaces the hints carried so far from its frame on.
        global_hints: a reference's colours and a saturation for the whole clip.
        carry: share of the previous frame's colours kept where the motion is trusted (0: frame by
            frame, each frame on its own).
        track_hints: hints follow the motion (True) or stay where they were placed (False, for
            comparison).
        network: which network (default: the engine's best).
        look: vivid colours and local hints (see :class:`~ideepcolor_app.colour.look.Look`).
    """

    def __init__(
        self,
        engine: ColorizationEngine,
        keyframes: Sequence[Keyframe] = (),
        global_hints: GlobalHints | None = None,
        carry: float = CARRY,
        track_hints: bool = True,
        network: Network | None = None,
        look: Look = DEFAULT_LOOK,
    ) -> None:
        self.engine = engine
        self.keyframes = {k.frame: k for k in keyframes}
        self.global_hints = global_hints or GlobalHints()
        self.carry = carry
        self.track_hints = track_hints
        self.network = network
        self.look = look
        self._motion = MotionEstimator()
        self._grey: np.ndarray | None = None
        self._ab: np.ndarray | None = None  # (S, S, 2) the previous frame's colours
        self._tracks: list[_Track] = []
        self._strokes: list[Stroke] = []  # in network coordinates, as the tracks
        self._regions: list[Region] = []
        self.cuts: list[int] = []
        """Frames that started a new scene."""

    def hints_at(self, size: tuple[int, int]) -> tuple[Hint, ...]:
        """The hints carried to the current frame, in the coordinates of a frame of ``size``."""
        width, height = size
        return tuple(
            replace(
                t.hint, x=min(t.x * width / NETWORK_SIZE, width - 0.5), y=min(t.y * height / NETWORK_SIZE, height - 0.5)
            )
            for t in self._tracks
        )

    def shapes_at(self, size: tuple[int, int]) -> tuple[tuple[Stroke, ...], tuple[Region, ...]]:
        """The strokes and lassos carried to the current frame, in the coordinates of a frame of ``size``."""
        sx, sy = size[0] / NETWORK_SIZE, size[1] / NETWORK_SIZE
        strokes = tuple(
            replace(s, points=_scaled(s.points, sx, sy, size), width=s.width * max(size) / NETWORK_SIZE)
            for s in self._strokes
        )
        return strokes, tuple(replace(r, polygon=_scaled(r.polygon, sx, sy, size)) for r in self._regions)

    def colorize(self, index: int, frame: np.ndarray) -> Colorization:
        """Colour frame ``index`` (H, W, 3 uint8 RGB), the one after the previous call's."""
        photo, source, grey, motion = self._advance(index, frame)
        hints = self.hints_at(photo.size)
        strokes, regions = self.shapes_at(photo.size)
        result = self.engine.colorize(
            hints,
            network=self.network,
            source=source,
            global_hints=self.global_hints,
            look=self.look,
            strokes=strokes,
            regions=regions,
        )
        ab = result.ab[0].permute(1, 2, 0).float().cpu().numpy()
        if motion is not None and not motion.cut and self.carry > 0 and self._ab is not None:
            weight = self.carry * motion.confidence
            for hint in hints:  # the hints win at their patches
                top, left, bottom, right = hint_patch(hint, photo.size)
                weight[top:bottom, left:right] = 0.0
            for stroke in strokes:  # and strokes under their paint
                weight[stroke_mask(stroke, photo.size, NETWORK_SIZE)] = 0.0
            if regions:  # and lassos inside their outlines, which nothing from outside may cross
                inside = region_masks(regions, photo.size, NETWORK_SIZE).amax(dim=0)[0].numpy() > 0
                weight[inside] = 0.0
            ab = weight[..., None] * warp(self._ab, motion.backward) + (1 - weight[..., None]) * ab
        self._grey, self._ab = grey, ab
        fused = torch.from_numpy(np.ascontiguousarray(ab)).permute(2, 0, 1)[None].to(result.ab.device)
        return replace(result, ab=fused)

    @property
    def colours(self) -> np.ndarray | None:
        """(S, S, 2) the last coloured frame's ab, which the next frame starts from."""
        return self._ab

    def restore_colours(self, ab: np.ndarray) -> None:
        """Start the next frame from ``ab``, the :attr:`colours` an earlier run saved for the frame
        just followed (a resumed run then gives exactly the frames an unbroken one gives)."""
        self._ab = np.asarray(ab, dtype=np.float32)

    def follow_only(self, index: int, frame: np.ndarray) -> None:
        """Take frame ``index`` into account without colouring it: the hints follow its motion
        (a resumed run passes over the frames an earlier run finished)."""
        _, _, self._grey, _ = self._advance(index, frame)
        self._ab = None

    def _advance(self, index: int, frame: np.ndarray) -> tuple[Photo, PhotoOnDevice, np.ndarray, Motion | None]:
        """Take in frame ``index``: its motion from the previous one, and the hints moved along it
        (or replaced by the keyframe's own)."""
        photo = Photo(Path(f"frame-{index}"), frame, "", False)
        source = PhotoOnDevice.upload(photo, self.engine.device)
        grey = _grey_at_network_size(source)
        motion = self._motion.between(self._grey, grey) if self._grey is not None else None
        if motion is not None and motion.cut:
            self.cuts.append(index)
        self._move_hints(motion)
        if index in self.keyframes:
            keyframe = self.keyframes[index]
            self._tracks = [_track(h, photo.size) for h in keyframe.hints]
            sx, sy = NETWORK_SIZE / photo.size[0], NETWORK_SIZE / photo.size[1]
            self._strokes = [
                replace(s, points=_scaled(s.points, sx, sy), width=s.width * NETWORK_SIZE / max(photo.size))
                for s in keyframe.strokes
            ]
            self._regions = [replace(r, polygon=_scaled(r.polygon, sx, sy)) for r in keyframe.regions]
        return photo, source, grey, motion

    def _move_hints(self, motion: Motion | None) -> None:
        if motion is None or not self.track_hints:
            if motion is not None and motion.cut:
                self._tracks, self._strokes, self._regions = [], [], []  # hints do not cross a cut
            return
        moved = []
        for track in self._tracks:
            point = follow((track.x, track.y), motion)
            if point is not None:  # a hint that lost its object is dropped, not left painting
                moved.append(_Track(point[0], point[1], track.hint))
        self._tracks = moved
        self._strokes = [
            replace(s, points=points) for s in self._strokes if (points := _followed(s.points, motion, 1)) is not None
        ]
        self._regions = [
            replace(r, polygon=polygon)
            for r in self._regions
            if (polygon := _followed(r.polygon, motion, 3)) is not None
        ]


def carried_keyframe(
    engine: ColorizationEngine,
    frames: Callable[[int, int], Iterable[tuple[int, np.ndarray]]],
    keyframes: Sequence[Keyframe],
    index: int,
    should_stop: Callable[[], bool] | None = None,
) -> Keyframe | None:
    """The hints, strokes and lassos ``ideepcolor video`` applies on frame ``index``: its own where
    it is a keyframe, else the latest earlier keyframe's moved along the motion of the frames in
    between (what loses its object, or meets a cut, is gone). ``frames(first, last)`` gives (index,
    RGB frame) from ``first`` to ``last`` exclusive, in order. None if ``should_stop`` said so on
    the way."""
    by_frame = {k.frame: k for k in keyframes}
    if index in by_frame:
        return by_frame[index]
    earlier = [frame for frame in by_frame if frame < index]
    if not earlier:
        return Keyframe(index, ())
    start = max(earlier)
    follower = ClipColorizer(engine, [by_frame[start]])
    size = (0, 0)
    for number, frame in frames(start, index + 1):
        if should_stop is not None and should_stop():
            return None
        follower.follow_only(number, frame)
        size = (frame.shape[1], frame.shape[0])
    return Keyframe(index, follower.hints_at(size), *follower.shapes_at(size))


def _followed(
    points: tuple[tuple[float, float], ...], motion: Motion, least: int
) -> tuple[tuple[float, float], ...] | None:
    """The points that kept their object, moved along ``motion``; None when fewer than ``least``
    (or under half of them, for an outline whose shape would no longer be its object's) are left."""
    moved = tuple(p for point in points if (p := follow(point, motion)) is not None)
    if len(moved) < least or (least > 1 and 2 * len(moved) < len(points)):
        return None
    return moved


def _scaled(
    points: tuple[tuple[float, float], ...], sx: float, sy: float, size: tuple[int, int] | None = None
) -> tuple[tuple[float, float], ...]:
    """Points scaled by (sx, sy), kept inside a frame of ``size`` if given."""
    if size is None:
        return tuple((x * sx, y * sy) for x, y in points)
    return tuple((min(x * sx, size[0] - 0.5), min(y * sy, size[1] - 0.5)) for x, y in points)


def _track(hint: Hint, size: tuple[int, int]) -> _Track:
    width, height = size
    return _Track(hint.x * NETWORK_SIZE / width, hint.y * NETWORK_SIZE / height, hint)


def scene_starts(frames: Iterable[tuple[int, np.ndarray]], device: torch.device | str = "cpu") -> list[int]:
    """The frames (of (index, RGB frame) given in order) where a scene starts: the first, and each
    that :class:`ClipColorizer` takes for a cut. Nothing is carried across a cut, so colouring
    each scene on its own gives the frames colouring the whole clip gives."""
    starts: list[int] = []
    previous: np.ndarray | None = None
    motion = MotionEstimator()
    for index, frame in frames:
        photo = Photo(Path(f"frame-{index}"), frame, "", False)
        grey = _grey_at_network_size(PhotoOnDevice.upload(photo, torch.device(device)))
        if previous is None or motion.between(previous, grey).cut:
            starts.append(index)
        previous = grey
    return starts


def _grey_at_network_size(source: PhotoOnDevice) -> np.ndarray:
    l = source.network_lightness()[0, 0]
    return (l * 2.55).round().clamp(0, 255).to(torch.uint8).cpu().numpy()
