"""Reading photos safely and writing results atomically."""

from __future__ import annotations

import errno
import hashlib
import io
import os
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError

from ..base.atomic import atomic_path
from ..base.errors import ImageError, OutputExistsError
from ..base.files import read_capped

MAX_PIXELS = 100_000_000
MAX_PHOTO_BYTES = 800_000_000
"""A 100 MP photo at 16 bits in 4 channels, uncompressed: no real photo file is larger."""
READ_FORMATS = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".webp", ".bmp")
WRITE_FORMATS = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".webp")

# We check the size ourselves (with a clearer message) before decoding.
Image.MAX_IMAGE_PIXELS = None


DRAFT_SIDE = 768
"""A large JPEG is first decoded at 1/4 or 1/8 of its size, no smaller than this on its long side: enough
for the first view and the first result, in a tenth of the time (see :func:`load_photo`)."""
DRAFT_SCALES = (8, 4)
"""The JPEG decoder's reductions used for a draft; 1/2 saves too little to be worth a second decode."""


@dataclass
class Photo:
    """A decoded photo: pixels as (H, W, 3) uint8 or uint16 RGB, EXIF orientation applied.

    A *draft* (``full_size`` set) holds the pixels of a reduced decode of a photo of ``full_size``:
    everything at screen or network size reads them, nothing at full resolution may (saving waits for
    the full photo, see :func:`load_photo`). Coordinates (hints, views) are always the full photo's."""

    path: Path
    pixels: np.ndarray
    sha256: str
    is_color: bool
    full_size: tuple[int, int] | None = None

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) of the photo (of the full one for a draft)."""
        return self.full_size or (self.pixels.shape[1], self.pixels.shape[0])

    @property
    def is_draft(self) -> bool:
        """The pixels are a reduced decode; the full photo is still to be loaded."""
        return self.full_size is not None

    @property
    def detail_side(self) -> int:
        """The long side of the pixels held: the photo's own, or a draft's reduced one (no picture
        made from them holds more detail)."""
        return int(max(self.pixels.shape[:2]))

    def same_photo(self, other: Photo) -> bool:
        """``other`` is this photo, or a draft of it, or it in full if this is a draft."""
        if other is self:
            return True
        key = (self.path, self.sha256, self.size)
        return (self.is_draft or other.is_draft) and key == (other.path, other.sha256, other.size)

    @property
    def max_value(self) -> int:
        """The value of white: 255 for 8-bit photos, 65535 for 16-bit ones."""
        return 65535 if self.pixels.dtype == np.uint16 else 255

    def rgb8(self) -> np.ndarray:
        """The pixels as 8-bit RGB (16-bit photos are shifted down)."""
        return self.pixels if self.pixels.dtype == np.uint8 else (self.pixels >> 8).astype(np.uint8)


def fit_inside(size: tuple[int, int], max_side: int) -> tuple[int, int]:
    """(width, height) scaled down (never up) so that the longer side is at most ``max_side``."""
    width, height = size
    scale = min(1.0, max_side / max(width, height))
    return (width, height) if scale >= 1.0 else (max(1, round(width * scale)), max(1, round(height * scale)))


def list_images(paths: Iterable[str | os.PathLike[str]], skip_suffix: str = "") -> list[Path]:
    """Files given directly plus the image files inside given folders, sorted.

    Inside folders, only regular files are taken (never a pipe or device), and files whose name
    ends with ``skip_suffix`` (earlier results, say ``_colorized``) are passed over.
    """
    found: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            found += sorted(
                f
                for f in p.iterdir()
                if f.suffix.lower() in READ_FORMATS
                and not f.name.startswith(".")
                and not (skip_suffix and f.stem.endswith(skip_suffix))
                and f.is_file()
            )
        else:
            found.append(p)
    return found


def load_photo(path: str | os.PathLike[str], max_pixels: int = MAX_PIXELS, draft_side: int | None = None) -> Photo:
    """Decode a photo from disk.

    Handles 8/16-bit, greyscale, palette, CMYK and alpha images (alpha is
    composited over white), honours EXIF orientation, and refuses images over
    ``max_pixels`` before decoding them.

    With ``draft_side``, a JPEG at least 4 times that on its long side is decoded at 1/4 or 1/8 of
    its size (the decoder skips most of the work: 12 MP in about 15 ms instead of 130), as a draft
    (:attr:`Photo.is_draft`) whose long side is at least ``draft_side``; other photos decode in full.

    Raises:
        ImageError: missing, empty, corrupt, truncated, unsupported or too large.
    """
    path = Path(path)
    data = read_capped(path, MAX_PHOTO_BYTES, ImageError, "photo")
    if not data:
        raise ImageError(f"{path}: the file is empty (0 bytes).")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            image: Image.Image = Image.open(io.BytesIO(data))
            width, height = image.size
            if width * height > max_pixels:
                raise ImageError(
                    f"{path}: {width}x{height} is {width * height / 1e6:.0f} megapixels, over the "
                    f"{max_pixels / 1e6:.0f} MP limit. Downscale it first (for example to 50 MP)."
                )
            full_size = _start_draft(image, draft_side) if draft_side else None
            image.load()
            ImageOps.exif_transpose(image, in_place=True)  # in place: no copy of an upright photo
    except ImageError:
        raise
    except UnidentifiedImageError:
        raise ImageError(f"{path}: not an image this app can read (PNG, JPEG, TIFF, WebP, BMP).") from None
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise ImageError(f"{path}: the image is corrupt or truncated ({exc}).") from exc
    pixels = _to_rgb_array(image, path)
    sha256 = hashlib.sha256(data).hexdigest()
    return Photo(path=path, pixels=pixels, sha256=sha256, is_color=_has_color(pixels), full_size=full_size)


def _start_draft(image: Image.Image, draft_side: int) -> tuple[int, int] | None:
    """Ask the JPEG decoder for a reduced decode of ``image`` (before it is loaded) if one pays;
    the upright size of the full photo if so, else None."""
    width, height = image.size
    scale = next((s for s in DRAFT_SCALES if max(width, height) >= s * draft_side), None)
    if image.format != "JPEG" or scale is None:
        return None
    if image.draft("RGB" if image.mode == "RGB" else None, (-(-width // scale), -(-height // scale))) is None:
        return None
    turned = image.getexif().get(ExifTags.Base.Orientation, 1) in (5, 6, 7, 8)
    return (height, width) if turned else (width, height)


def _to_rgb_array(image: Image.Image, path: Path) -> np.ndarray:
    mode = image.mode
    if mode in ("I;16", "I;16B", "I;16L", "I;16N", "I"):
        grey = np.asarray(image, dtype=np.int64)
        grey = np.clip(grey, 0, 65535).astype(np.uint16)
        return np.repeat(grey[..., None], 3, axis=2)
    if mode == "F":
        grey = np.asarray(image, dtype=np.float32)
        top = float(grey.max()) if grey.size else 1.0
        grey = np.clip(grey / (top if top > 1.0 else 1.0), 0, 1)
        return np.repeat((grey * 65535 + 0.5).astype(np.uint16)[..., None], 3, axis=2)
    if mode in ("RGBA", "LA", "PA") or (mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        image = Image.alpha_composite(background, rgba)
    try:
        return np.array(image if mode == "RGB" else image.convert("RGB"), dtype=np.uint8)
    except (OSError, ValueError) as exc:
        raise ImageError(f"{path}: unsupported colour mode {mode} ({exc}).") from exc


def _has_color(pixels: np.ndarray) -> bool:
    """True when a visible share of pixels is not grey (JPEG noise on grey photos ignored)."""
    step = max(1, int(np.sqrt(pixels.shape[0] * pixels.shape[1] / 250_000)))
    sample = pixels[::step, ::step].astype(np.int32)
    threshold = 8 * (257 if pixels.dtype == np.uint16 else 1)
    spread = np.abs(sample[..., 0] - sample[..., 1]) + np.abs(sample[..., 1] - sample[..., 2])
    return bool((spread > threshold).mean() > 0.001)


def save_image(
    rgb: np.ndarray,
    path: str | os.PathLike[str],
    *,
    overwrite: bool = False,
    protect: tuple[Path, ...] = (),
    jpeg_quality: int = 95,
) -> Path:
    """Write an (H, W, 3) RGB uint8/uint16 image atomically (temporary file, then rename).

    Raises:
        ImageError: unknown format, existing file without ``overwrite``, a
            protected path (the input photo), or an unwritable folder.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in WRITE_FORMATS:
        raise ImageError(f"{path}: cannot write '{suffix}' files; use one of {', '.join(WRITE_FORMATS)}.")
    for protected in protect:
        if _same_file(path, Path(protected)):
            raise ImageError(f"{path}: refusing to overwrite the input photo; choose another name.")
    exists_message = f"{path}: already exists; refusing to overwrite (use --force, or another name)."
    if path.exists() and not overwrite:
        raise OutputExistsError(exists_message)
    check_format_fits(path, (rgb.shape[1], rgb.shape[0]))
    if suffix in (".jpg", ".jpeg", ".webp") and rgb.dtype == np.uint16:
        rgb = (rgb >> 8).astype(np.uint8)
    params = [cv2.IMWRITE_JPEG_QUALITY, jpeg_quality] if suffix in (".jpg", ".jpeg") else []
    if suffix == ".webp":
        params = [cv2.IMWRITE_WEBP_QUALITY, jpeg_quality]
    ok, encoded = cv2.imencode(suffix, np.ascontiguousarray(rgb[..., ::-1]), params)
    if not ok:
        raise ImageError(f"{path}: the image could not be encoded as {suffix}.")
    try:
        with atomic_path(path, exclusive=not overwrite) as temporary:
            temporary.write_bytes(encoded.tobytes())
    except FileExistsError:
        raise OutputExistsError(exists_message) from None
    except FileNotFoundError:
        raise ImageError(f"{path}: the folder {path.parent} does not exist.") from None
    except OSError as exc:
        raise ImageError(
            f"{path}: writing failed ({exc.strerror or exc}); nothing was saved. {_write_advice(exc)}"
        ) from exc
    return path


def _write_advice(exc: OSError) -> str:
    """What to do about a failed write, by its cause: a full disk is not a read-only folder."""
    if exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        return "Free some space, or choose another folder."
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return "The folder cannot be written here; choose another folder."
    return "Choose another folder."


FORMAT_MAX_SIDE = {".jpg": 65_535, ".jpeg": 65_535, ".webp": 16_383}
"""Longest side each format can store; the others have no practical limit."""


def check_format_fits(path: str | os.PathLike[str], size: tuple[int, int]) -> None:
    """Refuse, before any work, a result too large for ``path``'s format.

    Raises:
        ImageError: a side is over the format's limit.
    """
    path = Path(path)
    limit = FORMAT_MAX_SIDE.get(path.suffix.lower())
    if limit is not None and max(size) > limit:
        raise ImageError(
            f"{path}: {size[0]}x{size[1]} is too large for {path.suffix} (at most {limit:,} pixels a side); "
            "save as PNG or TIFF."
        )


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.exists() and b.exists() and a.samefile(b)
    except OSError:
        return False
