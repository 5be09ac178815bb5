"""Film clips the tests make for themselves: a grey pan over a colour photo, with a tone."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def make_clip(path: Path, frames: list[np.ndarray], fps: int = 12, sound: bool = True, rotation: int = 0) -> Path:
    """Write ``frames`` (their lightness, as grey) to a video file, with a second of 440 Hz tone;
    ``rotation``: the display rotation a phone writes (degrees counter-clockwise)."""
    import av

    with av.open(str(path), "w") as out:
        video = out.add_stream("libx264", rate=fps)
        video.width, video.height = frames[0].shape[1] // 2 * 2, frames[0].shape[0] // 2 * 2
        video.pix_fmt = "yuv420p"
        if rotation:
            video.set_display_rotation(rotation)
        audio = out.add_stream("aac", rate=22050) if sound else None
        for frame in frames:
            grey = np.repeat(frame.mean(axis=2, keepdims=True), 3, axis=2).astype(np.uint8)
            grey = np.ascontiguousarray(grey[: video.height, : video.width])
            for packet in video.encode(av.VideoFrame.from_ndarray(grey, format="rgb24")):
                out.mux(packet)
        for packet in video.encode():
            out.mux(packet)
        if audio is not None:
            tone = (0.2 * np.sin(np.arange(22050) * 2 * np.pi * 440 / 22050)).astype(np.float32)[None]
            for start in range(0, tone.shape[1], 1024):
                chunk = av.AudioFrame.from_ndarray(np.ascontiguousarray(tone[:, start : start + 1024]), "fltp", "mono")
                chunk.rate = 22050
                for packet in audio.encode(chunk):
                    out.mux(packet)
            for packet in audio.encode():
                out.mux(packet)
    return path
