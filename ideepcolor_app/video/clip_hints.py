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
        """Keep ``hints`` (and ``shapes``) as frame ``index``'s (no hints, or the carried ones
        unchanged: they do not make it a keyframe)."""
        if hints and self._placed(index, hints):
            self.keyframes[index] = tuple(hints)
        else:
            self.keyframes.pop(index, None)
        self.shapes = self.shapes_with(index, shapes)

    def shapes_for(self, index: int) -> Shapes:
        """The strokes and lassos placed on frame ``index``."""
        return self.shapes.get(index, NO_SHAPES)

    def shapes_with(self, index: int, shapes: Shapes | None) -> dict[int, Shapes]:
        """Every frame's strokes and lassos, frame ``index``'s being ``shapes`` (None: as stored)."""
        every = dict(self.shapes)
        if shapes is not None:
            if shapes != NO_SHAPES:
                every[index] = (tuple(shapes[0]), tuple(shapes[1]))
            else:
                every.pop(index, None)
        return every

    def hints_for(self, index: int) -> tuple[Hint, ...]:
        """The hints placed on frame ``index`` (none if it is not a keyframe)."""
        return self.keyframes.get(index, ())

    def keyframes_with(self, current_hints: tuple[Hint, ...] | None) -> dict[int, tuple[Hint, ...]]:
        """Every keyframe's hints, the frame on show's being ``current_hints`` (None: as stored)."""
        keyframes = dict(self.keyframes)
        if current_hints is not None:
            if current_hints and self._placed(self.current, current_hints):
                keyframes[self.current] = tuple(current_hints)
            else:
                keyframes.pop(self.current, None)
        return keyframes

    def _placed(self, index: int, hints: tuple[Hint, ...]) -> bool:
        """``hints`` on frame ``index`` are the user's own, not the carried ones left as they were."""
        return index in self.keyframes or tuple(hints) != self.carried.get(index)

    def modified(self, current_hints: tuple[Hint, ...] | None = None, current_shapes: Shapes | None = None) -> bool:
        """The keyframes differ from the last saved ones (with the frame on show's ``current_hints``
        and ``current_shapes``)."""
        return (self.keyframes_with(current_hints), self.shapes_with(self.current, current_shapes)) != self._saved

    def mark_saved(self) -> None:
        """The keyframes as they are now were saved."""
        self._saved = (dict(self.keyframes), dict(self.shapes))

    def to_session(self, model: str | None, relative_to: Path | None = None) -> Session:
        """The clip's session: its file, size and every keyframe's hints."""
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
            {frame: list(hints) for frame, hints in sorted(self.keyframes.items())},
            keyframe_strokes={frame: list(s[0]) for frame, s in sorted(self.shapes.items()) if s[0]},
            keyframe_regions={frame: list(s[1]) for frame, s in sorted(self.shapes.items()) if s[1]},
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
