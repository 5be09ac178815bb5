"""A clip being hinted in the window: the hints on each keyframe, the frame on show, saving.

The window edits one frame at a time as a photo (its own document and undo history). When the
user moves to another frame, that frame's hints, strokes and lassos are kept here under its
number; a frame with any is a keyframe. The whole clip is saved as one session (version 3 with
its keyframes, 4 where they hold strokes or lassos), which ``ideepcolor video --hints`` reads.
"""

from __future__ import annotations

import contextlib
import hashlib
from pathlib import Path

from ..editing.session import Session
from ..hints.global_hints import GlobalHints
from ..hints.local_hints import Hint
from ..hints.regions import Region
from ..hints.strokes import Stroke
from ..photos.images import Photo
from .clips import ClipInfo, read_frame

Shapes = tuple[tuple[Stroke, ...], tuple[Region, ...]]
"""A frame's brush strokes and lasso regions."""
NO_SHAPES: Shapes = ((), ())


class ClipHints:
    """Keyframe hints of one clip and the frame on show (Qt-free; the window renders it)."""

    def __init__(
        self,
        info: ClipInfo,
        keyframes: dict[int, tuple[Hint, ...]] | None = None,
        session_path: Path | None = None,
        global_hints: GlobalHints | None = None,
        shapes: dict[int, Shapes] | None = None,
    ) -> None:
        self.info = info
        self.keyframes: dict[int, tuple[Hint, ...]] = dict(keyframes or {})
        self.shapes: dict[int, Shapes] = {frame: s for frame, s in (shapes or {}).items() if s != NO_SHAPES}
        """The strokes and lassos placed on frames (only frames that have some)."""
        self.current = 0
        self.session_path = session_path
        self.global_hints = global_hints or GlobalHints()
        self.carried: dict[int, tuple[Hint, ...]] = {}
        """Hints shown on frames that are not keyframes: those carried there from an earlier keyframe
        (as ``ideepcolor video`` moves them). Left unchanged, they do not make the frame a keyframe."""
        self.carried_shapes: dict[int, Shapes] = {}
        """The strokes and lassos carried to frames that are not keyframes, as :attr:`carried`."""
        self._saved = (dict(self.keyframes), dict(self.shapes)) if session_path is not None else ({}, {})
        self._sha256: str | None = None

    @property
    def frames(self) -> int:
        """How many frames the clip has."""
        return self.info.frames

    def frame_photo(self, index: int) -> Photo:
        """Frame ``index`` as a photo to edit (decoded here: call it off the GUI thread)."""
        pixels = read_frame(self.info, index)
        return Photo(self.info.path, pixels, f"{self.sha256()}#{index}", False)

    def store(self, index: int, hints: tuple[Hint, ...], shapes: Shapes = NO_SHAPES) -> None:
        """Keep ``hints`` and ``shapes`` as frame ``index``'s. Nothing, or what was carried there
        left unchanged, does not make it a keyframe; once it is one, it keeps all it shows."""
        self.keyframes, self.shapes = self._marks_with(index, hints, shapes)

    def shapes_for(self, index: int) -> Shapes:
        """The strokes and lassos placed on frame ``index``."""
        return self.shapes.get(index, NO_SHAPES)

    def hints_for(self, index: int) -> tuple[Hint, ...]:
        """The hints placed on frame ``index`` (none if it is not a keyframe)."""
        return self.keyframes.get(index, ())

    def keyframes_with(
        self, current_hints: tuple[Hint, ...] | None, current_shapes: Shapes | None = None
    ) -> dict[int, tuple[Hint, ...]]:
        """Every keyframe's hints, the frame on show's being ``current_hints`` (None: as stored)
        beside ``current_shapes`` (None: the shapes it shows)."""
        if current_hints is None:
            return dict(self.keyframes)
        return self._marks_with(self.current, current_hints, current_shapes)[0]

    def shapes_with(self, current_hints: tuple[Hint, ...] | None, current_shapes: Shapes | None) -> dict[int, Shapes]:
        """Every keyframe's strokes and lassos, the frame on show's being ``current_shapes`` beside
        ``current_hints`` (None: as stored)."""
        if current_hints is None and current_shapes is None:
            return dict(self.shapes)
        hints = self.shown_hints(self.current) if current_hints is None else current_hints
        return self._marks_with(self.current, hints, current_shapes)[1]

    def shown_hints(self, index: int) -> tuple[Hint, ...]:
        """The hints frame ``index`` shows: its own on a keyframe, else those carried there."""
        return self.keyframes[index] if self._is_keyframe(index) else self.carried.get(index, ())

    def shown_shapes(self, index: int) -> Shapes:
        """The strokes and lassos frame ``index`` shows: its own on a keyframe, else those carried there."""
        return self.shapes_for(index) if self._is_keyframe(index) else self.carried_shapes.get(index, NO_SHAPES)

    def _is_keyframe(self, index: int) -> bool:
        return index in self.keyframes or index in self.shapes

    def _marks_with(
        self, index: int, hints: tuple[Hint, ...], shapes: Shapes | None
    ) -> tuple[dict[int, tuple[Hint, ...]], dict[int, Shapes]]:
        hints = tuple(hints)
        shapes = self.shown_shapes(index) if shapes is None else (tuple(shapes[0]), tuple(shapes[1]))
        keyframes, every = dict(self.keyframes), dict(self.shapes)
        carried = (self.carried.get(index, ()), self.carried_shapes.get(index, NO_SHAPES))
        empty = not hints and shapes == NO_SHAPES
        if empty or (not self._is_keyframe(index) and (hints, shapes) == carried):
            keyframes.pop(index, None)
            every.pop(index, None)
            return keyframes, every
        keyframes[index] = hints
        if shapes != NO_SHAPES:
            every[index] = shapes
        else:
            every.pop(index, None)
        return keyframes, every

    def modified(self, current_hints: tuple[Hint, ...] | None = None, current_shapes: Shapes | None = None) -> bool:
        """The keyframes differ from the last saved ones (with the frame on show's ``current_hints``
        and ``current_shapes``)."""
        if current_hints is None and current_shapes is None:
            return (self.keyframes, self.shapes) != self._saved
        hints = self.shown_hints(self.current) if current_hints is None else current_hints
        return self._marks_with(self.current, hints, current_shapes) != self._saved

    def mark_saved(self) -> None:
        """The keyframes as they are now were saved."""
        self._saved = (dict(self.keyframes), dict(self.shapes))

    def to_session(
        self,
        model: str | None,
        relative_to: Path | None = None,
        marks: tuple[dict[int, tuple[Hint, ...]], dict[int, Shapes]] | None = None,
    ) -> Session:
        """The clip's session: its file, size and every keyframe's hints, strokes and lassos (those
        stored, or ``marks``: keyframes and shapes as :meth:`keyframes_with` and :meth:`shapes_with`
        give them with the frame on show's)."""
        keyframes, shapes = marks or (self.keyframes, self.shapes)
        path = self.info.path.resolve()
        if relative_to is not None:
            with contextlib.suppress(ValueError):  # on another drive or above: kept absolute
                path = path.relative_to(Path(relative_to).resolve())
        return Session(
            str(path),
            self.sha256(),
            self.info.size,
            [],
            model,
            self.global_hints,
            {frame: list(hints) for frame, hints in sorted(keyframes.items())},
            keyframe_strokes={frame: list(s[0]) for frame, s in sorted(shapes.items()) if s[0]},
            keyframe_regions={frame: list(s[1]) for frame, s in sorted(shapes.items()) if s[1]},
        )

    def sha256(self) -> str:
        """The clip file's checksum (for a folder of frames: of its frames' names and sizes)."""
        if self._sha256 is None:
            digest = hashlib.sha256()
            if self.info.path.is_dir():
                for file in sorted(self.info.path.iterdir()):
                    digest.update(f"{file.name}:{file.stat().st_size}\n".encode())
            else:
                with open(self.info.path, "rb") as f:
                    for chunk in iter(lambda: f.read(1 << 20), b""):
                        digest.update(chunk)
            self._sha256 = digest.hexdigest()
        return self._sha256
