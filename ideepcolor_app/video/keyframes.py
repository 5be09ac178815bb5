"""A hint session's keyframes for a clip, as ``video`` and ``batch`` apply them."""

from __future__ import annotations

from dataclasses import replace

from ..editing.session import Session
from ..hints.local_hints import Hint
from ..hints.regions import Region
from ..hints.strokes import MAX_STROKE_WIDTH, Stroke
from .temporal import Keyframe


def session_keyframes(session: Session, keyframe: int, size: tuple[int, int]) -> list[Keyframe]:
    """A clip's session's keyframes, or a one-frame session's hints, strokes and lassos on ``keyframe``,
    in the coordinates of frames of ``size``."""
    if not session.keyframe_frames:
        return [Keyframe(keyframe, *_scaled_all(session, session.hints, session.strokes, session.regions, size))]
    return [
        Keyframe(
            frame,
            *_scaled_all(
                session,
                session.keyframes.get(frame, []),
                session.keyframe_strokes.get(frame, []),
                session.keyframe_regions.get(frame, []),
                size,
            ),
        )
        for frame in session.keyframe_frames
    ]


def _scaled_all(
    session: Session, hints: list[Hint], strokes: list[Stroke], regions: list[Region], size: tuple[int, int]
) -> tuple[tuple[Hint, ...], tuple[Stroke, ...], tuple[Region, ...]]:
    width, height = session.image_size
    sx, sy = size[0] / width, size[1] / height

    def points(where: tuple[tuple[float, float], ...]) -> tuple[tuple[float, float], ...]:
        return tuple((min(x * sx, size[0] - 0.5), min(y * sy, size[1] - 0.5)) for x, y in where)

    return (
        tuple(_scaled(session, hints, size)),
        tuple(replace(s, points=points(s.points), width=min(s.width * max(sx, sy), MAX_STROKE_WIDTH)) for s in strokes),
        tuple(replace(r, polygon=points(r.polygon)) for r in regions),
    )


def _scaled(session: Session, hints: list[Hint], size: tuple[int, int]) -> list[Hint]:
    """The session's hints in the coordinates of frames of ``size`` (a session saved from a frame
    of another size, e.g. a still exported at full scan resolution, still fits)."""
    width, height = session.image_size
    sx, sy = size[0] / width, size[1] / height
    return [replace(h, x=min(h.x * sx, size[0] - 0.5), y=min(h.y * sy, size[1] - 0.5)) for h in hints]
