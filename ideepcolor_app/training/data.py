"""Colour photos for training: decoded once, kept as uint8 on the device, cropped there.

Reads image folders and tar shards of JPEGs. Near-grey photos are dropped.
Every photo is stored in one padded (N, H_max, W_max, 3) uint8 tensor with
its true size, so random crops and flips are a single gather on the device.
"""

from __future__ import annotations

import io
import itertools
import os
import tarfile
import warnings
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

import cv2
import numpy as np
import torch
from PIL import Image

from ..colour.color import rgb_to_lab
from ..colour.colourfulness import colourfulness
from ..photos.images import MAX_PHOTO_BYTES, MAX_PIXELS, READ_FORMATS

DECODE_SIDE = 2048
"""Training photos are decoded with their longer side at most this, then cut to a training frame."""
GREY_CHROMA = 4.0
"""Photos whose mean |a| + |b| (Lab units) is below this are treated as grey and dropped."""


def iter_encoded(sources: list[Path]) -> Iterator[tuple[str, bytes]]:
    """(name, encoded bytes) of every image in folders, tar shards and single files."""
    for source in sources:
        if source.is_dir():
            for path in sorted(source.rglob("*")):
                if not path.is_file():  # never a pipe or device that happens to be named .jpg
                    continue
                if path.suffix.lower() in READ_FORMATS:
                    if path.stat().st_size <= MAX_PHOTO_BYTES:
                        yield str(path), path.read_bytes()
                elif path.suffix == ".tar":
                    yield from _iter_tar(path)
        elif source.suffix == ".tar":
            yield from _iter_tar(source)
        elif source.is_file():
            yield str(source), source.read_bytes()
        else:
            raise FileNotFoundError(f"training data {source} does not exist")


def manifest_members(sources: list[Path], skipped_sources: set[str]) -> set[str]:
    """Names (as :func:`iter_encoded` gives them) of the tar shards' photos whose source, in the
    ``MANIFEST.tsv`` beside the shards (columns part, member, source), is one of ``skipped_sources``."""
    manifests = {s.parent / "MANIFEST.tsv" for s in sources if s.suffix == ".tar"}
    manifests |= {s / "MANIFEST.tsv" for s in sources if s.is_dir()}
    names: set[str] = set()
    for manifest in manifests:
        if not manifest.is_file():
            continue
        for line in manifest.read_text().splitlines()[1:]:
            fields = line.split("\t")
            if len(fields) >= 3 and fields[2] in skipped_sources:
                names.add(f"{fields[0]}.tar:{fields[1]}")
    return names


def _iter_tar(path: Path) -> Iterator[tuple[str, bytes]]:
    with tarfile.open(path) as tar:
        for member in tar:
            if member.isfile() and Path(member.name).suffix.lower() in READ_FORMATS:
                f = tar.extractfile(member)
                if f is not None:
                    yield f"{path.name}:{member.name}", f.read()


def decode_rgb(data: bytes, max_side: int, max_pixels: int = MAX_PIXELS) -> np.ndarray | None:
    """RGB uint8, downscaled so the longer side is at most ``max_side``; None if unreadable or over
    ``max_pixels`` (read from the header, before anything is decoded)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            width, height = Image.open(io.BytesIO(data)).size
    except Exception:  # not an image PIL knows: let OpenCV try, its own limits apply
        width = height = 0
    if width * height > max_pixels:
        return None
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    if image is None:
        return None
    height, width = image.shape[:2]
    scale = max_side / max(height, width)
    if scale < 1:
        image = cv2.resize(image, (round(width * scale), round(height * scale)), interpolation=cv2.INTER_AREA)
    return np.ascontiguousarray(image[..., ::-1])


def training_frame(rgb: np.ndarray, max_side: int) -> np.ndarray:
    """``rgb`` at its own scale with its longer side centre-cropped to ``max_side``; a photo whose
    shorter side is over ``max_side`` is first shrunk to it.

    Shrinking by the longer side instead made a 128x176 photo 105x144: the photo seen smaller than
    the others, and dropped for crops over 105 (7,745 of train-128 and more-photos at crop 128).
    """
    height, width = rgb.shape[:2]
    scale = max_side / min(height, width)
    if scale < 1:
        size = (max(max_side, round(width * scale)), max(max_side, round(height * scale)))
        rgb = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)
        height, width = rgb.shape[:2]
    top, left = max(0, (height - max_side) // 2), max(0, (width - max_side) // 2)
    return np.ascontiguousarray(rgb[top : top + max_side, left : left + max_side])


def is_near_grey(rgb: np.ndarray) -> bool:
    """The photo has almost no colour (a grey or sepia scan): useless for learning colours."""
    small = torch.from_numpy(rgb[::4, ::4]).permute(2, 0, 1).float() / 255
    ab = rgb_to_lab(small)[1:]
    return float(ab.abs().sum(0).mean()) < GREY_CHROMA


@dataclass
class PhotoSet:
    """Training photos decoded once into one padded uint8 tensor, with each photo's size."""

    pixels: torch.Tensor  # (N, H_max, W_max, 3) uint8
    sizes: torch.Tensor  # (N, 2) long: height, width
    names: list[str]
    dropped_grey: int
    dropped_unreadable: int
    dropped_dull: int = 0
    """Photos under the colourfulness floor."""

    def __len__(self) -> int:
        return self.pixels.shape[0]

    def to(self, device: torch.device | str) -> PhotoSet:
        """The same photos on ``device``."""
        return replace(self, pixels=self.pixels.to(device), sizes=self.sizes.to(device))


def load_photo_set(
    sources: list[Path],
    crop: int,
    max_side: int = 144,
    limit: int | None = None,
    progress: Callable[[int], None] | None = None,
    min_colourfulness: float = 0.0,
    threads: int | None = None,
) -> PhotoSet:
    """Decode every usable photo (short side at least ``crop``, colourfulness at least
    ``min_colourfulness``) into one padded uint8 tensor, ``threads`` photos at a time, each cut to
    a :func:`training_frame` of ``max_side``."""
    kept: list[np.ndarray] = []
    names: list[str] = []
    dropped = {"unreadable": 0, "grey": 0, "dull": 0}

    def decode_and_judge(item: tuple[str, bytes]) -> tuple[str, np.ndarray | None, str]:
        rgb = decode_rgb(item[1], DECODE_SIDE)
        rgb = None if rgb is None else training_frame(rgb, max_side)
        if rgb is None or min(rgb.shape[:2]) < crop:
            return item[0], None, "unreadable"
        if is_near_grey(rgb):
            return item[0], None, "grey"
        if min_colourfulness and colourfulness(rgb) < min_colourfulness:
            return item[0], None, "dull"
        return item[0], rgb, "kept"

    workers = threads or min(16, os.cpu_count() or 1)
    encoded = iter_encoded(sources)
    torch_threads = torch.get_num_threads()
    # each worker's tiny tensors on a pool of all the cores: 16 x 16 threads fought for 16 cores on the
    # lent GPU machine, and decoding took 3 of its 9.5 minutes
    torch.set_num_threads(1)
    try:
        with ThreadPoolExecutor(workers) as pool:  # OpenCV decodes without the GIL
            # a chunk at a time, so that --limit stops decoding (map submits everything it is given)
            while (chunk := list(itertools.islice(encoded, workers * 16))) and not (limit and len(kept) >= limit):
                for name, rgb, verdict in pool.map(decode_and_judge, chunk):
                    if progress:
                        progress(1)
                    if rgb is None:
                        dropped[verdict] += 1
                        continue
                    if limit and len(kept) >= limit:
                        break
                    kept.append(rgb)
                    names.append(name)
    finally:
        torch.set_num_threads(torch_threads)
    if not kept:
        raise ValueError(f"no usable colour photos in {', '.join(map(str, sources))} (need short side >= {crop})")
    h_max = max(p.shape[0] for p in kept)
    w_max = max(p.shape[1] for p in kept)
    pixels = torch.zeros(len(kept), h_max, w_max, 3, dtype=torch.uint8)
    for i, p in enumerate(kept):
        pixels[i, : p.shape[0], : p.shape[1]] = torch.from_numpy(p)
    sizes = torch.tensor([p.shape[:2] for p in kept], dtype=torch.long)
    return PhotoSet(pixels, sizes, names, dropped["grey"], dropped["unreadable"], dropped["dull"])


def sample_batch(
    photos: PhotoSet, batch: int, crop: int, generator: torch.Generator, upscale: float = 1.0
) -> torch.Tensor:
    """Random crops with random horizontal flips: (B, 3, crop, crop) float sRGB in [0, 1].

    With ``upscale`` > 1 the crop is cut at ``crop / upscale`` photo pixels and enlarged
    (bilinear), so that objects appear as large as in a 256x256 evaluation frame.
    All randomness comes from ``generator`` (on the photos' device), so runs resume exactly.
    """
    if upscale != 1.0:
        small = sample_batch(photos, batch, max(1, round(crop / upscale)), generator)
        return torch.nn.functional.interpolate(small, size=(crop, crop), mode="bilinear", align_corners=False)
    device = photos.pixels.device
    index = torch.randint(len(photos), (batch,), generator=generator, device=device)
    sizes = photos.sizes[index]
    u = torch.rand(batch, 3, generator=generator, device=device)
    top = (u[:, 0] * (sizes[:, 0] - crop + 1)).long()
    left = (u[:, 1] * (sizes[:, 1] - crop + 1)).long()
    flip = u[:, 2] < 0.5
    offsets = torch.arange(crop, device=device)
    rows = (top[:, None] + offsets)[:, :, None]  # (B, crop, 1)
    cols = left[:, None] + torch.where(flip[:, None], crop - 1 - offsets, offsets)  # (B, crop)
    crops = photos.pixels[index[:, None, None], rows, cols[:, None, :]]  # (B, crop, crop, 3)
    return crops.permute(0, 3, 1, 2).float() / 255
