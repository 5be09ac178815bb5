"""Hint sessions: the photo they belong to, its hints and the model, as versioned JSON."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..base.atomic import atomic_path
from ..base.errors import SessionError
from ..base.files import read_capped
from ..colour.encoding import PATCH_SIZES
from ..colour.look import Look
from ..hints.global_hints import GlobalHints
from ..hints.local_hints import MAX_HINTS, Hint
from ..hints.regions import MAX_REGION_POINTS, MAX_REGIONS, Region
from ..hints.strokes import MAX_STROKE_POINTS, MAX_STROKE_WIDTH, MAX_STROKES, Stroke

SESSION_FORMAT = "ideepcolor-session"
SESSION_VERSION = 4
"""2 added global hints, 3 hints on several frames of a clip (keyframes), 4 brush strokes and
lasso regions; a session is written with the lowest version that holds it, which older apps read."""
MAX_SESSION_BYTES = 16_000_000
"""A session with the most hints a photo can have is about 0.15 MB; anything far larger is not one."""


@dataclass
class Session:
    """Hints saved for one photo: the photo's path and checksum, its size, the hints and the model used."""

    image_path: str
    image_sha256: str
    image_size: tuple[int, int]  # (width, height)
    hints: list[Hint] = field(default_factory=list)
    model: str | None = None
    global_hints: GlobalHints = field(default_factory=GlobalHints)
    """The reference's colour histogram itself (so the session reloads without the reference
    file), its name, whether it is switched on, and the saturation."""
    keyframes: dict[int, list[Hint]] = field(default_factory=dict)
    """For a clip: the hints placed on each frame (frame number -> hints), beside ``hints``."""
    strokes: list[Stroke] = field(default_factory=list)
    """Brush strokes, painted under ``hints``."""
    regions: list[Region] = field(default_factory=list)
    """Lasso regions: coloured, or protected (no colour)."""
    look: Look | None = None
    """How the results looked where the hints were placed (vivid colours, hints kept local), so
    that ``colorize --hints`` gives what the window showed; None: not recorded (older files)."""
    keyframe_strokes: dict[int, list[Stroke]] = field(default_factory=dict)
    """For a clip: the brush strokes placed on each frame (frame number -> strokes)."""
    keyframe_regions: dict[int, list[Region]] = field(default_factory=dict)
    """For a clip: the lasso regions placed on each frame (frame number -> regions)."""

    def marks_for(
        self, sha256: str, size: tuple[int, int], anyway: bool = False
    ) -> tuple[list[Hint], GlobalHints, list[Stroke], list[Region]] | None:
        """What the session puts on a photo (hints, global hints, strokes, regions): all of it on its
        own photo (the same checksum); with ``anyway``, on another photo of ``size``, the hints,
        strokes and regions that lie on it (and the global hints); else None."""
        if sha256 == self.image_sha256:
            return list(self.hints), self.global_hints, list(self.strokes), list(self.regions)
        if not anyway:
            return None
        width, height = size

        def on(points: Sequence[tuple[float, float]]) -> bool:
            return all(x <= width and y <= height for x, y in points)

        return (
            [h for h in self.hints if h.x < width and h.y < height],
            self.global_hints,
            [s for s in self.strokes if on(s.points)],
            [r for r in self.regions if on(r.polygon)],
        )

    @property
    def keyframe_frames(self) -> list[int]:
        """The clip's keyframes in order: frames with hints, strokes or lassos."""
        return sorted(set(self.keyframes) | set(self.keyframe_strokes) | set(self.keyframe_regions))

    @property
    def holds_work(self) -> bool:
        """It holds something a user made: hints, strokes, global hints, or hints on any frame of a clip."""
        painted = bool(self.hints) or bool(self.strokes) or bool(self.regions)
        on_frames = any(self.keyframes.values()) or any(self.keyframe_strokes.values())
        return painted or self.global_hints.is_set or on_frames or any(self.keyframe_regions.values())

    def to_json(self) -> dict[str, Any]:
        """The session as the JSON object written to a ``.hints.json`` file."""
        g = self.global_hints
        extra: dict[str, Any] = {}
        if g.histogram is not None or g.saturation is not None:
            extra["global_hints"] = {
                "histogram": None if g.histogram is None else list(g.histogram),
                "reference": g.reference,
                "reference_on": g.reference_on,
                "saturation": g.saturation,
            }
        if self.keyframe_frames:
            extra["keyframes"] = [self._keyframe_json(frame) for frame in self.keyframe_frames]
        if self.strokes:
            extra["strokes"] = [_stroke_json(s) for s in self.strokes]
        if self.look is not None:  # older apps ignore it: it needs no new version
            extra["look"] = {"vivid": self.look.vivid, "local_hints": self.look.local_hints}
        if self.regions:
            extra["regions"] = [_region_json(r) for r in self.regions]
        later = {key for key in extra if key != "look"}
        shapes = self.strokes or self.regions or self.keyframe_strokes or self.keyframe_regions
        version = 4 if shapes else 3 if self.keyframes else 2 if later else 1
        return {
            "format": SESSION_FORMAT,
            "version": version,
            "image": {
                "path": self.image_path,
                "sha256": self.image_sha256,
                "width": self.image_size[0],
                "height": self.image_size[1],
            },
            "model": self.model,
            "hints": [_hint_json(h) for h in self.hints],
            **extra,
        }

    @classmethod
    def from_json(cls, data: Any) -> Session:
        """Validate everything first, then build: nothing is half-applied."""
        _expect(isinstance(data, dict), "top level", "must be a JSON object")
        _expect(data.get("format") == SESSION_FORMAT, "format", f"must be '{SESSION_FORMAT}'")
        version = data.get("version")
        _expect(isinstance(version, int) and not isinstance(version, bool), "version", "must be an integer")
        _expect(
            version <= SESSION_VERSION,
            "version",
            f"{version} is newer than this app understands ({SESSION_VERSION}); update ideepcolor",
        )
        image = data.get("image")
        _expect(isinstance(image, dict), "image", "must be an object")
        path = image.get("path")
        _expect(isinstance(path, str) and path != "", "image.path", "must be a non-empty string")
        sha = image.get("sha256")
        _expect(isinstance(sha, str) and len(sha) == 64, "image.sha256", "must be a 64-character hex string")
        width, height = image.get("width"), image.get("height")
        for name, value in (("image.width", width), ("image.height", height)):
            _expect(_is_int(value) and value > 0, name, "must be a positive integer")
        model = data.get("model")
        _expect(model is None or isinstance(model, str), "model", "must be a string or null")
        raw_hints = data.get("hints")
        _expect(isinstance(raw_hints, list), "hints", "must be a list")
        _expect(
            len(raw_hints) <= MAX_HINTS,
            "hints",
            f"has {len(raw_hints):,} hints, more than the {MAX_HINTS:,} a photo can have",
        )
        hints = [_parse_hint(h, f"hints[{i}]", width, height) for i, h in enumerate(raw_hints)]
        keyframes, keyframe_strokes, keyframe_regions = _parse_keyframes(data.get("keyframes"), width, height)
        strokes = _parse_strokes(data.get("strokes"), width, height)
        regions = _parse_regions(data.get("regions"), width, height)
        global_hints = _parse_global(data.get("global_hints"))
        look = _parse_look(data.get("look"))
        return cls(
            path,
            sha,
            (width, height),
            hints,
            model,
            global_hints,
            keyframes,
            strokes,
            regions,
            look,
            keyframe_strokes,
            keyframe_regions,
        )

    def _keyframe_json(self, frame: int) -> dict[str, Any]:
        entry: dict[str, Any] = {"frame": frame, "hints": [_hint_json(h) for h in self.keyframes.get(frame, [])]}
        if self.keyframe_strokes.get(frame):
            entry["strokes"] = [_stroke_json(s) for s in self.keyframe_strokes[frame]]
        if self.keyframe_regions.get(frame):
            entry["regions"] = [_region_json(r) for r in self.keyframe_regions[frame]]
        return entry

    def save(self, path: Path) -> None:
        """Write atomically: a temporary file in the same folder, then rename."""
        path = Path(path)
        try:
            text = json.dumps(self.to_json(), indent=2, ensure_ascii=False)
            try:
                data = text.encode("utf-8")
            except UnicodeEncodeError:  # a file name that is not valid UTF-8: \udcXX escapes keep its bytes
                data = json.dumps(self.to_json(), indent=2, ensure_ascii=True).encode("ascii")
            with atomic_path(path) as temporary:
                temporary.write_bytes(data)
        except OSError as exc:
            raise SessionError(
                f"Could not save session to {path}: {exc.strerror or exc}. Choose another folder."
            ) from exc

    @classmethod
    def load(cls, path: Path) -> Session:
        """Read and validate a session file.

        Raises:
            SessionError: not a regular file, over :data:`MAX_SESSION_BYTES`, not JSON, nested too
                deeply, or invalid (the message names the field).
        """
        path = Path(path)
        data = read_capped(path, MAX_SESSION_BYTES, SessionError, "hint session")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise SessionError(f"Session {path} is not UTF-8 text, so not a hint session ({exc.reason}).") from exc
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise SessionError(f"Session {path} is not valid JSON (line {exc.lineno}: {exc.msg}).") from exc
        except RecursionError:
            raise SessionError(f"Session {path} is nested too deeply to be a hint session.") from None
        except ValueError as exc:  # e.g. an integer of thousands of digits
            raise SessionError(f"Session {path} holds a value no session has ({exc}).") from None
        try:
            return cls.from_json(data)
        except SessionError as exc:
            raise SessionError(f"Session {path}: {exc}") from exc

    def resolve_image(self, session_file: Path) -> Path:
        """The photo path, relative paths taken from the session file's folder."""
        image = Path(self.image_path)
        return image if image.is_absolute() else (Path(session_file).parent / image)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _expect(condition: bool, field_name: str, message: str) -> None:
    if not condition:
        raise SessionError(f"field '{field_name}' {message}")


def _parse_hint(raw: Any, where: str, width: int, height: int) -> Hint:
    _expect(isinstance(raw, dict), where, "must be an object")
    x, y = raw.get("x"), raw.get("y")
    _expect(_is_number(x) and 0 <= x < width, f"{where}.x", f"must be a number in [0, {width}), got {x!r}")
    _expect(_is_number(y) and 0 <= y < height, f"{where}.y", f"must be a number in [0, {height}), got {y!r}")
    ab = _colour(raw.get("ab"), f"{where}.ab", nullable=False)
    size = raw.get("size", 5)
    _expect(_is_int(size) and size in PATCH_SIZES, f"{where}.size", f"must be one of {list(PATCH_SIZES)}, got {size!r}")
    return Hint(float(x), float(y), ab, size)  # type: ignore[arg-type]


def _hint_json(h: Hint) -> dict[str, Any]:
    return {"x": h.x, "y": h.y, "ab": [h.ab[0], h.ab[1]], "size": h.size}


def _points(
    raw: Any, where: str, least: int, most: int, size: tuple[int, int], edge: bool
) -> tuple[tuple[float, float], ...]:
    """``least`` to ``most`` points [x, y] inside a photo of ``size`` (an outline may also run along
    its far edges), as a tuple of (x, y)."""
    width, height = size
    _expect(isinstance(raw, list) and least <= len(raw) <= most, where, f"must be a list of {least} to {most} points")
    for j, point in enumerate(raw):
        inside = (
            isinstance(point, list)
            and len(point) == 2
            and _is_number(point[0])
            and _is_number(point[1])
            and 0 <= point[0] <= width
            and 0 <= point[1] <= height
            and (edge or (point[0] < width and point[1] < height))
        )
        _expect(inside, f"{where}[{j}]", f"must be [x, y] inside the {width}x{height} photo, got {point!r}")
    return tuple((float(x), float(y)) for x, y in raw)


def _entries(raw: Any, name: str, most: int) -> list[tuple[str, Any]]:
    """The objects of the optional list ``name`` (at most ``most``), each with where it is."""
    if raw is None:
        return []
    _expect(isinstance(raw, list) and len(raw) <= most, name, f"must be a list of at most {most}")
    for i, entry in enumerate(raw):
        _expect(isinstance(entry, dict), f"{name}[{i}]", "must be an object")
    return [(f"{name}[{i}]", entry) for i, entry in enumerate(raw)]


def _parse_look(raw: Any) -> Look | None:
    if raw is None:
        return None
    _expect(isinstance(raw, dict), "look", "must be an object")
    for key in ("vivid", "local_hints"):
        _expect(isinstance(raw.get(key, True), bool), f"look.{key}", "must be true or false")
    return Look(vivid=raw.get("vivid", True), local_hints=raw.get("local_hints", True))


def _colour(raw: Any, where: str, nullable: bool = True) -> tuple[float, float] | None:
    """An [a, b] colour (each in [-128, 128]) as a tuple, or None for null where ``nullable``."""
    _expect(
        (nullable and raw is None)
        or (isinstance(raw, list) and len(raw) == 2 and all(_is_number(v) and -128 <= v <= 128 for v in raw)),
        where,
        f"must be two numbers in [-128, 128], got {raw!r}",
    )
    return None if raw is None else (float(raw[0]), float(raw[1]))


def _stroke_json(s: Stroke) -> dict[str, Any]:
    return {"points": [[x, y] for x, y in s.points], "width": s.width, "ab": [s.ab[0], s.ab[1]]}


def _region_json(r: Region) -> dict[str, Any]:
    return {"polygon": [[x, y] for x, y in r.polygon], "ab": None if r.ab is None else [r.ab[0], r.ab[1]]}


def _parse_strokes(raw: Any, width: int, height: int, name: str = "strokes") -> list[Stroke]:
    strokes = []
    for where, entry in _entries(raw, name, MAX_STROKES):
        points = _points(entry.get("points"), f"{where}.points", 1, MAX_STROKE_POINTS, (width, height), edge=False)
        stroke_width = entry.get("width")
        _expect(
            _is_number(stroke_width) and 0 < stroke_width <= MAX_STROKE_WIDTH,
            f"{where}.width",
            f"must be a number of pixels in (0, {MAX_STROKE_WIDTH:g}], got {stroke_width!r}",
        )
        ab = _colour(entry.get("ab"), f"{where}.ab", nullable=False)
        strokes.append(Stroke(points, float(stroke_width), ab))  # type: ignore[arg-type]
    return strokes


def _parse_regions(raw: Any, width: int, height: int, name: str = "regions") -> list[Region]:
    regions = []
    for where, entry in _entries(raw, name, MAX_REGIONS):
        polygon = _points(entry.get("polygon"), f"{where}.polygon", 3, MAX_REGION_POINTS, (width, height), edge=True)
        colour = _colour(entry.get("ab"), f"{where}.ab")  # null: a protected region
        regions.append(Region(polygon, colour))
    return regions


def _parse_keyframes(
    raw: Any, width: int, height: int
) -> tuple[dict[int, list[Hint]], dict[int, list[Stroke]], dict[int, list[Region]]]:
    """Each keyframe's hints, and its strokes and regions where it has any."""
    if raw is None:
        return {}, {}, {}
    _expect(isinstance(raw, list), "keyframes", "must be a list")
    keyframes: dict[int, list[Hint]] = {}
    strokes: dict[int, list[Stroke]] = {}
    regions: dict[int, list[Region]] = {}
    for i, entry in enumerate(raw):
        where = f"keyframes[{i}]"
        _expect(isinstance(entry, dict), where, "must be an object")
        frame = entry.get("frame")
        _expect(
            _is_int(frame) and frame >= 0 and frame not in keyframes, f"{where}.frame", "must be a new frame number"
        )
        hints = entry.get("hints")
        _expect(
            isinstance(hints, list) and len(hints) <= MAX_HINTS,
            f"{where}.hints",
            f"must be a list of at most {MAX_HINTS:,}",
        )
        keyframes[frame] = [_parse_hint(h, f"{where}.hints[{j}]", width, height) for j, h in enumerate(hints)]
        if painted := _parse_strokes(entry.get("strokes"), width, height, f"{where}.strokes"):
            strokes[frame] = painted
        if outlined := _parse_regions(entry.get("regions"), width, height, f"{where}.regions"):
            regions[frame] = outlined
    return keyframes, strokes, regions


def _parse_global(raw: Any) -> GlobalHints:
    if raw is None:
        return GlobalHints()
    _expect(isinstance(raw, dict), "global_hints", "must be an object")
    histogram = raw.get("histogram")
    _expect(
        histogram is None or (isinstance(histogram, list) and all(_is_number(v) and v >= 0 for v in histogram)),
        "global_hints.histogram",
        "must be a list of non-negative numbers or null",
    )
    saturation = raw.get("saturation")
    _expect(
        saturation is None or (_is_number(saturation) and 0 <= saturation <= 1),
        "global_hints.saturation",
        f"must be a number in [0, 1] or null, got {saturation!r}",
    )
    reference = raw.get("reference")
    _expect(reference is None or isinstance(reference, str), "global_hints.reference", "must be a string or null")
    reference_on = raw.get("reference_on", True)
    _expect(isinstance(reference_on, bool), "global_hints.reference_on", "must be true or false")
    try:
        return GlobalHints(
            None if histogram is None else tuple(float(v) for v in histogram),
            None if saturation is None else float(saturation),
            reference,
            reference_on,
        )
    except ValueError as exc:
        raise SessionError(f"field 'global_hints' {exc}") from None
