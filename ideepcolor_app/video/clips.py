"""Reading and writing clips: video files through PyAV (FFmpeg's libraries, from PyPI) and folders
of frames (PNG or TIFF sequences, in name order, as film restoration keeps them).

Frames are read one at a time, so memory stays flat whatever the clip's length. Results are
written one frame at a time as lossless PNG files (under a temporary name, then renamed): into
the output folder itself, or, for a video file, into ``OUTPUT.frames/`` from which the file is
encoded at the end with the input's audio. A run stopped halfway leaves its finished frames, and
the next run continues from them.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, replace
from fractions import Fraction
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from ..base.errors import ImageError

try:
    import fcntl
except ImportError:  # Windows: two runs on one output are not detected there
    fcntl = None  # type: ignore[assignment]
from ..photos.images import READ_FORMATS, load_photo, save_image

VIDEO_SUFFIXES = (".mp4", ".mov", ".mkv", ".avi", ".webm", ".m4v", ".mpg", ".mpeg", ".wmv", ".ogv")
MAX_FRAME_SIZE = (3840, 2160)
"""Larger frames (a 12 MP film scan) are scaled down to fit 4K UHD, with a message."""
FRAME_NAME = "frame_{:06d}.png"


class VideoError(ImageError):
    """A clip could not be read or written; the message names the file and what to do."""


@dataclass(frozen=True)
class ClipInfo:
    """What a clip is: where, its frame size, frame rate, frame count and whether it has sound."""

    path: Path
    size: tuple[int, int]
    fps: Fraction
    frames: int
    has_audio: bool
    scaled_from: tuple[int, int] | None = None
    """The frames' own size when they are scaled down to :data:`MAX_FRAME_SIZE`."""
    frames_counted: bool = True
    """``frames`` was read from the file's index (or is a folder's count), not estimated from its
    duration: fewer frames than that means a damaged or truncated file."""
    rotation: int = 0
    """Degrees counter-clockwise the file asks its frames to be turned for display (a phone's
    portrait clip: 90 or 270); frames are read turned upright, and ``size`` is the upright size."""


def is_video_file(path: Path) -> bool:
    """``path`` names a video file (by its suffix) rather than a folder of frames."""
    return path.suffix.lower() in VIDEO_SUFFIXES


def frame_files(folder: Path) -> list[Path]:
    """The frames of a folder, in name order."""
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in READ_FORMATS)


def probe(path: Path, fps: float = 24.0) -> ClipInfo:
    """Open ``path`` (a video file or a folder of frames) and say what it is.

    Args:
        fps: the frame rate of a folder of frames (a file says its own).

    Raises:
        VideoError: missing, not a video, no video stream, no frames, damaged.
    """
    path = Path(path)
    if not path.exists():
        raise VideoError(f"{path}: no such file or folder.")
    if path.is_dir():
        files = frame_files(path)
        if not files:
            raise VideoError(f"{path}: no frames (PNG, TIFF, JPEG...) in this folder.")
        size = load_photo(files[0]).size
        return _fitted(ClipInfo(path, size, Fraction(fps).limit_denominator(1001), len(files), False))
    import av

    try:
        with av.open(str(path)) as container:
            if not container.streams.video:
                raise VideoError(f"{path}: has no video stream.")
            stream = container.streams.video[0]
            rate = Fraction(stream.average_rate or stream.guessed_rate or 24)
            frames = stream.frames
            counted = bool(frames)
            if not frames and stream.duration and stream.time_base:
                frames = int(float(stream.duration * stream.time_base) * rate)
            if not frames and container.duration:
                frames = int(container.duration / 1_000_000 * rate)
            rotation = _display_rotation(container, stream)
            size = (stream.height, stream.width) if rotation in (90, 270) else (stream.width, stream.height)
            info = ClipInfo(path, size, rate, frames, bool(container.streams.audio), None, counted, rotation)
    except (av.error.FFmpegError, OSError) as exc:
        raise VideoError(f"{path}: could not be read as a video ({exc}). Is it a video file, and complete?") from exc
    return _fitted(info)


def _display_rotation(container: Any, stream: Any) -> int:
    """The first frame's display rotation (0, 90, 180 or 270 degrees counter-clockwise); the stream is
    left at its start for the caller."""
    try:
        frame = next(container.decode(stream), None)
    except Exception:  # a damaged first frame is reported where frames are read
        frame = None
    with contextlib.suppress(Exception):
        container.seek(0)
    return round(getattr(frame, "rotation", 0) / 90) % 4 * 90 if frame is not None else 0


def _upright(frame: Any, info: ClipInfo) -> np.ndarray:
    """A decoded frame as RGB, turned as the file asks (see :attr:`ClipInfo.rotation`)."""
    rgb = frame.to_ndarray(format="rgb24")
    return np.rot90(rgb, info.rotation // 90) if info.rotation else rgb


def _fitted(info: ClipInfo) -> ClipInfo:
    width, height = info.size
    limit_w, limit_h = MAX_FRAME_SIZE
    if width <= limit_w and height <= limit_h:
        return info
    scale = min(limit_w / width, limit_h / height)
    size = (max(2, int(width * scale) // 2 * 2), max(2, int(height * scale) // 2 * 2))
    return replace(info, size=size, scaled_from=info.size)


def read_frames(info: ClipInfo, first: int = 0, last: int | None = None) -> Iterator[tuple[int, np.ndarray]]:
    """(index, RGB uint8 frame) from ``first`` to ``last`` (exclusive; None: to the end), in order.

    Raises:
        VideoError: a frame cannot be decoded (the frames before it were given).
    """
    if info.path.is_dir():
        for index, file in enumerate(frame_files(info.path)):
            if index >= first and (last is None or index < last):
                yield index, _sized(_same_size(load_photo(file).rgb8(), file, info), info)
        return
    import av

    read = 0
    try:
        with av.open(str(info.path)) as container:
            stream = container.streams.video[0]
            stream.thread_type = "AUTO"
            for index, frame in enumerate(container.decode(stream)):
                if last is not None and index >= last:
                    return
                if index >= first:
                    yield index, _sized(_upright(frame, info), info)
                read = index + 1
    except av.error.FFmpegError as exc:
        raise VideoError(
            f"{info.path}: damaged at frame {read} ({exc}); the frames before it were colourised and kept."
        ) from exc


def read_frame(info: ClipInfo, index: int) -> np.ndarray:
    """Frame ``index`` alone (RGB uint8): a folder's file, or a video file decoded from the key
    frame before it (a seek), so that jumping about a long clip stays quick.

    Raises:
        VideoError: there is no such frame, or it cannot be decoded.
    """
    if info.path.is_dir():
        files = frame_files(info.path)
        if not 0 <= index < len(files):
            raise VideoError(f"{info.path}: has no frame {index} ({len(files)} frames).")
        return _sized(load_photo(files[index]).rgb8(), info)
    import av

    try:
        with av.open(str(info.path)) as container:
            stream = container.streams.video[0]
            time_base = stream.time_base
            if time_base:
                start = stream.start_time or 0
                container.seek(start + int(index / info.fps / time_base), stream=stream, backward=True)
            for position, frame in enumerate(container.decode(stream)):
                at = (
                    round((frame.pts - (stream.start_time or 0)) * time_base * info.fps)
                    if frame.pts is not None and time_base
                    else position
                )
                if at >= index:
                    return _sized(_upright(frame, info), info)
    except av.error.FFmpegError as exc:
        raise VideoError(f"{info.path}: frame {index} cannot be decoded ({exc}).") from exc
    raise VideoError(f"{info.path}: has no frame {index}.")


def _same_size(rgb: np.ndarray, file: Path, info: ClipInfo) -> np.ndarray:
    """A folder's frame, refused unless it has the clip's size (it would be stretched to fit)."""
    width, height = info.scaled_from or info.size
    if (rgb.shape[1], rgb.shape[0]) != (width, height):
        raise VideoError(
            f"{file}: is {rgb.shape[1]}x{rgb.shape[0]}, but the clip's frames are {width}x{height} (its first "
            "frame's size); every frame of a folder must have one size. Move it out or resize it, then run again."
        )
    return rgb


def _sized(rgb: np.ndarray, info: ClipInfo) -> np.ndarray:
    if (rgb.shape[1], rgb.shape[0]) == info.size:
        return np.ascontiguousarray(rgb)
    return cv2.resize(rgb, info.size, interpolation=cv2.INTER_AREA)


class FrameFolder:
    """Finished frames, one PNG each, written atomically: an output folder, or a video file's
    work folder (``OUTPUT.frames``)."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    def path(self, index: int) -> Path:
        """Where frame ``index`` goes."""
        return self.folder / FRAME_NAME.format(index)

    def done(self, index: int) -> bool:
        """Frame ``index`` was written by an earlier run (complete: files appear only when whole)."""
        return self.path(index).exists()

    def write(self, index: int, rgb: np.ndarray) -> None:
        """Write frame ``index`` (replacing an earlier one)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        save_image(rgb, self.path(index), overwrite=True)

    def check_writable(self) -> None:
        """Make the folder and write a file into it, so that a run fails before any frame is computed.

        Raises:
            VideoError: the folder cannot be made or written, with the reason and what to do.
        """
        probe_file = self.folder / f".write-check-{os.getpid()}"
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            probe_file.write_bytes(b"")
            probe_file.unlink()
        except OSError as exc:
            raise VideoError(
                f"cannot write frames into {self.folder} ({exc.strerror or exc}); nothing was computed. "
                "Choose an output in a folder you can write to."
            ) from exc

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the folder for this run: a second run on the same output is refused at once instead of
        having its frames deleted under it. The lock dies with the process (a kill -9 leaves none).

        Raises:
            VideoError: another run holds it.
        """
        self.folder.mkdir(parents=True, exist_ok=True)
        handle = open(self.folder / ".lock", "a+")  # noqa: SIM115 (closed below, after the lock is released)
        try:
            if fcntl is not None:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except OSError:
                    raise VideoError(
                        f"another 'ideepcolor video' run is writing {self.folder}; wait for it to finish, "
                        "or choose another output"
                    ) from None
            yield
        finally:
            handle.close()
            (self.folder / ".lock").unlink(missing_ok=True)  # no litter in a folder of frames

    def remove(self) -> None:
        """Delete the folder and its frames (a video file's work folder, once encoded)."""
        shutil.rmtree(self.folder, ignore_errors=True)


def work_folder(output: Path) -> Path:
    """Where a video file's frames wait until it is encoded."""
    return output.with_name(output.name + ".frames")


def encode(frames: FrameFolder, count: int, info: ClipInfo, output: Path, start_seconds: float = 0.0) -> None:
    """Encode frames 0..count-1 into ``output`` (H.264, the input's frame rate) with the input's
    audio from ``start_seconds`` on (re-encoded as AAC, which every common container takes).
    Written to a temporary name and renamed.

    Raises:
        VideoError: the output cannot be written.
    """
    import av

    temporary = output.with_name(f".{output.stem}.partial{output.suffix}")
    sound = av.open(str(info.path)) if info.has_audio and not info.path.is_dir() else None
    try:
        with av.open(str(temporary), "w") as out:
            video = out.add_stream("libx264", rate=info.fps)
            width, height = info.size
            video.width, video.height = width // 2 * 2, height // 2 * 2  # 4:2:0 needs even sides
            video.pix_fmt = "yuv420p"
            video.options = {"crf": "17", "preset": "medium"}
            audio = None
            if sound is not None:  # every stream is added before the first packet is written
                audio_in = sound.streams.audio[0]
                audio = out.add_stream("aac", rate=audio_in.rate or 48000)
                audio.layout = audio_in.layout.name
            for index in range(count):
                rgb = load_photo(frames.path(index)).rgb8()[: video.height, : video.width]
                for packet in video.encode(av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb), format="rgb24")):
                    out.mux(packet)
            for packet in video.encode():
                out.mux(packet)
            if sound is not None and audio is not None:
                _copy_audio(sound, audio, out, start_seconds, count / float(info.fps))
        temporary.replace(output)
    except (av.error.FFmpegError, OSError, ValueError) as exc:
        temporary.unlink(missing_ok=True)
        raise VideoError(f"{output}: could not be written ({exc}); the frames are kept in {frames.folder}.") from exc
    finally:
        if sound is not None:
            sound.close()


def _copy_audio(sound: Any, audio: Any, out: Any, start: float, duration: float) -> None:
    """Re-encode ``sound``'s first audio stream between ``start`` and ``start + duration`` into
    the ``audio`` stream of ``out``."""
    import av

    audio_in = sound.streams.audio[0]
    resampler = av.AudioResampler(format=audio.format.name, layout=audio.layout.name, rate=audio.rate)
    for frame in sound.decode(audio_in):
        if frame.time is not None and frame.time + frame.samples / frame.rate <= start:
            continue
        if frame.time is not None and frame.time >= start + duration:
            break
        frame.pts = None
        for resampled in resampler.resample(frame):
            for packet in audio.encode(resampled):
                out.mux(packet)
    for packet in audio.encode():
        out.mux(packet)
