"""What the window does with a film clip: open it, move between frames keeping each frame's hints
(keyframes), and preview a short stretch colourised as ``ideepcolor video`` would."""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol

import cv2
import numpy as np
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QStatusBar

from ..colour.look import DEFAULT_LOOK, Look
from ..editing.document import Document
from ..editing.editor import Editor
from ..hints.global_hints import GlobalHints
from ..hints.local_hints import Hint
from ..inference.engine import ColorizationEngine
from ..photos.images import Photo
from ..video.clip_hints import NO_SHAPES, ClipHints, Shapes
from ..video.clips import ClipInfo, probe, read_frames
from ..video.temporal import ClipColorizer, Keyframe, carried_keyframe
from .background import BackgroundJobs, Job
from .bridge import EngineBridge
from .frame_bar import FrameBar
from .image_view import ImageView

PREVIEW_SECONDS = 2.0
PREVIEW_SIDE = 480
"""Longest side of the preview's frames: quick to colourise, large enough to judge."""


class MainWindow(Protocol):
    """What these actions use of :class:`~ideepcolor_app.gui.main_window.MainWindow`."""

    editor: Editor
    bridge: EngineBridge | None
    frame_bar: FrameBar
    result_view: ImageView

    def statusBar(self) -> QStatusBar: ...

    def show_error(self, title: str, text: str) -> None: ...

    def refresh_title(self) -> None: ...

    def refresh_views(self) -> None: ...


def load_clip(
    path: Path,
    index: int,
    keyframes: dict[int, tuple[Hint, ...]],
    session_path: Path | None,
    global_hints: GlobalHints | None,
    shapes: dict[int, Shapes] | None = None,
) -> tuple[ClipHints, Photo]:
    """Probe the clip and decode frame ``index`` (off the GUI thread). The clip returned has its
    file's checksum, so saving and autosaving never read the whole file on the GUI thread."""
    clip = ClipHints(probe(path), keyframes, session_path, global_hints, shapes)
    clip.current = index
    return clip, clip.frame_photo(index)


class ClipController:
    """Keeps the frame bar, the clip's keyframes and the editor's document in step."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.clip: ClipHints | None = None
        # No Qt parent: a job thread still running when the window is deleted emits on an object
        # that is still there (the thread holds it), never on a freed one.
        self._jobs = BackgroundJobs()
        self._player = QTimer(window.frame_bar)
        self._player.timeout.connect(self._next_preview_frame)
        self.preview_frames: list[np.ndarray] = []
        self._shown = 0
        self._preview_stop = threading.Event()
        self._preview_done = threading.Event()
        self._preview_done.set()
        self._preview_progress = PreviewProgress(0, 0)
        self._progress_timer = QTimer(window.frame_bar)
        self._progress_timer.setInterval(250)
        self._progress_timer.timeout.connect(self._show_preview_progress)
        window.frame_bar.frame_chosen.connect(self.show_frame)
        window.frame_bar.preview.connect(self.preview)
        window.frame_bar.setVisible(False)
        window.editor.hints_changed.connect(self._refresh_bar)

    @property
    def busy(self) -> bool:
        """A frame is loading or a preview is being computed."""
        return self._jobs.busy

    # ----- opening and moving ----------------------------------------------------------------------
    def open(
        self,
        path: Path,
        keyframes: dict[int, tuple[Hint, ...]] | None = None,
        session_path: Path | None = None,
        global_hints: GlobalHints | None = None,
        then: Callable[[bool], None] | None = None,
        shapes: dict[int, Shapes] | None = None,
    ) -> None:
        """Open the clip at ``path`` on its first keyframe (or frame 0), in the background."""
        keyframes = dict(keyframes or {})
        frames = set(keyframes) | set(shapes or {})
        first = min(frames) if frames else 0
        self.window.statusBar().showMessage(f"Opening {path.name}…")
        me = weakref.ref(self)

        def opened(loaded: tuple[ClipHints, Photo]) -> None:
            controller = me()
            if controller is None:
                return
            clip, photo = loaded
            info = clip.info
            controller._stop_preview()
            controller.clip = clip
            controller._show(photo)
            controller.window.statusBar().showMessage(
                f"Opened {path.name}: {info.frames} frames of {info.size[0]}x{info.size[1]}, "
                f"{float(info.fps):g} fps. "
                "Hints go on the frame on show; move the slider to hint other frames.",
                8000,
            )
            if then is not None:
                then(True)

        def failed(error: BaseException) -> None:
            controller = me()
            if controller is not None:
                controller.window.show_error("Could not open the clip", str(error))
            if then is not None:
                then(False)

        def load() -> tuple[ClipHints, Photo]:
            return load_clip(path, first, keyframes, session_path, global_hints, shapes)

        self._jobs.run(load, opened, failed, key="frame", name="clip")

    def show_frame(self, index: int) -> None:
        """Show frame ``index``, keeping the hints, strokes and lassos of the frame on show as its
        keyframe's. A frame that is not a keyframe shows those carried to it from the keyframe
        before, as ``video`` moves them (they make it a keyframe only once changed)."""
        clip = self.clip
        if clip is None or index == clip.current:
            return
        self.keep_current()
        keyframes = self.keyframe_list()  # the job's own copy: the user edits on meanwhile
        clip.current = index
        engine = self.window.bridge.engine if self.window.bridge is not None else None
        me = weakref.ref(self)
        started: list[Job] = []  # the job, so that following the motion stops once it is superseded

        def load() -> tuple[Photo, Keyframe | None]:
            photo = clip.frame_photo(index)
            if engine is None or any(k.frame == index for k in keyframes):
                return photo, None  # a keyframe shows its own
            moved = carried_keyframe(
                engine,
                lambda first, last: read_frames(clip.info, first, last),
                keyframes,
                index,
                lambda: bool(started) and started[0].cancelled,
            )
            return photo, moved

        def loaded(result: tuple[Photo, Keyframe | None]) -> None:
            controller = me()
            if controller is not None and controller.clip is clip and clip.current == index:
                photo, moved = result
                if moved is not None and index not in clip.keyframes and index not in clip.shapes:
                    clip.carried[index] = moved.hints
                    clip.carried_shapes[index] = (moved.strokes, moved.regions)
                controller._show(photo)

        def failed(error: BaseException) -> None:
            controller = me()
            if controller is not None:
                controller.window.show_error("Could not show the frame", str(error))

        started.append(self._jobs.run(load, loaded, failed, key="frame", name="frame"))

    def current_hints(self) -> tuple[Hint, ...] | None:
        """The hints on the frame on show (None without a document)."""
        document = self.window.editor.document
        return document.hints.hints if document is not None else None

    def keep_current(self) -> None:
        """Store the frame on show's hints, strokes, lassos and the global hints in the clip (before
        another frame is shown, and before saving)."""
        clip, document = self.clip, self.window.editor.document
        if clip is not None and document is not None:
            clip.store(clip.current, document.hints.hints, (document.strokes, document.regions))
            clip.global_hints = document.hints.global_hints

    def current_shapes(self) -> Shapes | None:
        """The strokes and lassos on the frame on show (None without a document)."""
        document = self.window.editor.document
        return (document.strokes, document.regions) if document is not None else None

    def keyframes(self) -> dict[int, tuple[Hint, ...]]:
        """Every keyframe's hints, the frame on show's as they are now."""
        clip = self.clip
        if clip is None:
            return {}
        return clip.keyframes_with(self.current_hints(), self.current_shapes())

    def shapes(self) -> dict[int, Shapes]:
        """Every frame's strokes and lassos, the frame on show's as they are now."""
        clip = self.clip
        return clip.shapes_with(self.current_hints(), self.current_shapes()) if clip is not None else {}

    def keyframe_list(self) -> list[Keyframe]:
        """Every keyframe as ``video`` takes it: hints, strokes and lassos, in frame order."""
        hints, shapes = self.keyframes(), self.shapes()
        return [
            Keyframe(frame, hints.get(frame, ()), *shapes.get(frame, NO_SHAPES))
            for frame in sorted(set(hints) | set(shapes))
        ]

    def modified(self) -> bool:
        """The clip's keyframes (the frame on show's as they are now) differ from the saved ones."""
        clip = self.clip
        return clip is not None and clip.modified(self.current_hints(), self.current_shapes())

    def close(self) -> None:
        """Back to photos: the bar goes and no preview plays."""
        self._stop_preview()
        self._jobs.cancel("frame")
        self._jobs.cancel("preview")
        self.clip = None
        self.window.frame_bar.setVisible(False)

    def shutdown(self) -> None:
        """Deliver nothing more (the window is closing); a preview in hand stops at its next frame."""
        self._stop_preview()
        self._preview_stop.set()
        self._jobs.close()
        self._preview_done.wait(2.0)

    def _show(self, photo: Photo) -> None:
        clip = self.clip
        if clip is None:
            return
        index = clip.current
        hints, shapes = clip.shown_hints(index), clip.shown_shapes(index)
        document = Document(photo, hints, clip.global_hints, *shapes)
        self.window.editor.open_document(document)
        self.window.frame_bar.setVisible(True)
        self._refresh_bar()
        self.window.refresh_title()
        carried = index not in clip.keyframes and index not in clip.shapes and (hints or shapes != NO_SHAPES)
        earlier = max((k.frame for k in self.keyframe_list() if k.frame < index), default=None)
        if carried and earlier is not None:
            self.window.statusBar().showMessage(
                f"Hints carried from keyframe {earlier}; edit one to keep them on this frame",
                10000,
            )

    def _refresh_bar(self) -> None:
        clip = self.clip
        if clip is not None:
            frames = [k.frame for k in self.keyframe_list()]
            self.window.frame_bar.show_clip(clip.frames, clip.current, frames, float(clip.info.fps))

    # ----- preview ---------------------------------------------------------------------------------
    @property
    def previewing(self) -> bool:
        """A preview is being computed (and has not been stopped)."""
        return self._progress_timer.isActive()

    def preview(self) -> None:
        """Colourise the next :data:`PREVIEW_SECONDS` at preview size in the background, then play
        them; while one is computed, the same action stops it."""
        clip, bridge = self.clip, self.window.bridge
        if clip is None or bridge is None:
            return
        if self.previewing:
            self._cancel_preview()
            return
        first = clip.current
        last = min(clip.frames, first + max(2, round(PREVIEW_SECONDS * float(clip.info.fps))))
        keyframes = self.keyframe_list()
        global_hints = self.window.editor.global_hints
        info, engine, look = clip.info, bridge.engine, bridge.look
        self._stop_preview()
        self._preview_stop.set()  # an older preview still computing stops
        stop, done = threading.Event(), threading.Event()
        self._preview_stop, self._preview_done = stop, done
        progress = self._preview_progress = PreviewProgress(0, last - first)
        self._show_preview_progress()
        self._progress_timer.start()
        self.window.frame_bar.set_previewing(True)
        me = weakref.ref(self)

        def ready(frames: list[np.ndarray]) -> None:
            controller = me()
            if controller is None:
                return
            controller._preview_finished()
            if controller.clip is clip and frames:
                controller._play(frames, float(info.fps))

        def failed(error: BaseException) -> None:
            controller = me()
            if controller is not None:
                controller._preview_finished()
                controller.window.show_error("Could not preview the clip", str(error))

        self._jobs.run(
            lambda: preview_frames(engine, info, first, last, keyframes, global_hints, stop, done, progress, look),
            ready,
            failed,
            key="preview",
            name="preview",
        )

    def _show_preview_progress(self) -> None:
        progress = self._preview_progress
        self.window.statusBar().showMessage(
            f"Colourising the preview: frame {progress.done} of {progress.total} (Stop Preview or P stops it)"
        )

    def _preview_finished(self) -> None:
        self._progress_timer.stop()
        self.window.frame_bar.set_previewing(False)

    def _cancel_preview(self) -> None:
        """Stop the preview being computed; nothing is played."""
        self._preview_stop.set()
        self._jobs.cancel("preview")
        self._preview_finished()
        self.window.statusBar().showMessage("Preview stopped", 3000)

    def _play(self, frames: list[np.ndarray], fps: float) -> None:
        self.preview_frames, self._shown = frames, 0
        self._player.start(max(10, round(1000 / fps)))
        self.window.statusBar().showMessage(f"Playing {len(frames)} frames colourised (the preview)", 5000)

    def _next_preview_frame(self) -> None:
        document = self.window.editor.document
        if self._shown >= len(self.preview_frames) or document is None:
            self._stop_preview()
            self.window.refresh_views()  # back to the frame's own result
            return
        self.window.result_view.set_image(self.preview_frames[self._shown], document.size)
        self._shown += 1

    def _stop_preview(self) -> None:
        self._player.stop()


def preview_frames(
    engine: ColorizationEngine,
    info: ClipInfo,
    first: int,
    last: int,
    keyframes: list[Keyframe],
    global_hints: GlobalHints,
    stop: threading.Event | None = None,
    done: threading.Event | None = None,
    progress: PreviewProgress | None = None,
    look: Look = DEFAULT_LOOK,
) -> list[np.ndarray]:
    """Frames ``first``..``last - 1`` colourised as ``ideepcolor video`` does, at preview size.

    Hints of keyframes before ``first`` start at ``first`` (the preview does not go back to them).
    ``progress.done`` counts the frames finished, for the window to show; ``stop`` ends it early
    (nothing is returned then)."""
    width, height = info.size
    scale = min(1.0, PREVIEW_SIDE / max(width, height))
    size = (max(2, round(width * scale)), max(2, round(height * scale)))
    earlier = [k for k in keyframes if k.frame <= first]
    shifted = [k for k in keyframes if k.frame > first]
    if earlier:
        latest = max(earlier, key=lambda k: k.frame)
        shifted.append(replace(latest, frame=first))
    scaled = [_scale_keyframe(k, scale) for k in shifted]
    colorizer = ClipColorizer(engine, scaled, global_hints, look=look)
    out: list[np.ndarray] = []
    try:
        for index, frame in read_frames(info, first, last):
            if stop is not None and stop.is_set():
                return []
            small = cv2.resize(frame, size, interpolation=cv2.INTER_AREA) if scale < 1 else frame
            out.append(colorizer.colorize(index, small).full_resolution_rgb())
            if progress is not None:
                progress.done = len(out)
    finally:
        if done is not None:
            done.set()
    return out


@dataclass
class PreviewProgress:
    """How far a preview has got: written by its thread, read by the window's timer."""

    done: int
    total: int


def _scale_keyframe(keyframe: Keyframe, scale: float) -> Keyframe:
    """A keyframe's hints, strokes and lassos on frames scaled by ``scale``."""

    def points(where: tuple[tuple[float, float], ...]) -> tuple[tuple[float, float], ...]:
        return tuple((x * scale, y * scale) for x, y in where)

    return replace(
        keyframe,
        hints=tuple(replace(h, x=h.x * scale, y=h.y * scale) for h in keyframe.hints),
        strokes=tuple(replace(s, points=points(s.points), width=max(s.width * scale, 0.5)) for s in keyframe.strokes),
        regions=tuple(replace(r, polygon=points(r.polygon)) for r in keyframe.regions),
    )
