import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from ideepcolor_app.photos.images import ImageError, load_photo, save_image


def _png_header_only(path: Path, width: int, height: int) -> None:
    """A PNG whose header claims a size, without the pixel data (cheap 'huge' image)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"")) + chunk(b"IEND", b"")
    )


def test_colour_jpeg_loads_with_hash_and_colour_flag(tmp_path):
    rgb = np.zeros((40, 60, 3), np.uint8)
    rgb[..., 0] = 200
    Image.fromarray(rgb).save(tmp_path / "red.jpg")
    photo = load_photo(tmp_path / "red.jpg")
    assert photo.size == (60, 40) and photo.is_color and len(photo.sha256) == 64
    Image.fromarray(np.full((40, 60), 90, np.uint8)).save(tmp_path / "grey.jpg")
    assert not load_photo(tmp_path / "grey.jpg").is_color


@pytest.mark.parametrize("mode", ["L", "P", "RGBA", "LA", "CMYK", "I;16", "I"])
def test_all_common_modes_become_rgb(tmp_path, mode):
    base = Image.fromarray((np.arange(64 * 48) % 256).astype(np.uint8).reshape(48, 64)).convert("RGB")
    ramp = np.arange(64 * 48).reshape(48, 64) * 20
    image = (
        base.convert(mode)
        if mode not in ("I;16", "I")
        else Image.fromarray(ramp.astype(np.uint16) if mode == "I;16" else ramp.astype(np.int32))
    )
    path = tmp_path / ("x.jpg" if mode == "CMYK" else "x.tif" if mode == "I" else "x.png")
    image.save(path)
    photo = load_photo(path)
    assert photo.pixels.shape == (48, 64, 3)
    if mode == "I;16":
        assert photo.pixels.dtype == np.uint16 and photo.pixels.max() > 255
    assert photo.rgb8().dtype == np.uint8


def test_alpha_is_composited_over_white(tmp_path):
    Image.new("RGBA", (8, 8), (0, 0, 0, 0)).save(tmp_path / "clear.png")
    assert (load_photo(tmp_path / "clear.png").pixels == 255).all()


def test_exif_orientation_is_honoured(tmp_path):
    image = Image.new("RGB", (60, 20), (10, 10, 10))
    exif = image.getexif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise on display
    image.save(tmp_path / "rotated.jpg", exif=exif)
    assert load_photo(tmp_path / "rotated.jpg").size == (20, 60)


def test_non_ascii_paths_work(tmp_path):
    folder = tmp_path / "Фото 写真"
    folder.mkdir()
    Image.new("RGB", (10, 10)).save(folder / "grand-mère.png")
    assert load_photo(folder / "grand-mère.png").size == (10, 10)


def test_bad_files_get_messages_naming_file_and_problem(tmp_path):
    cases = {"missing.png": None, "empty.png": b"", "text.png": b"hello, not an image"}
    for name, content in cases.items():
        if content is not None:
            (tmp_path / name).write_bytes(content)
    Image.new("RGB", (200, 200), (1, 2, 3)).save(tmp_path / "full.jpg")
    data = (tmp_path / "full.jpg").read_bytes()
    (tmp_path / "truncated.jpg").write_bytes(data[: len(data) // 2])
    expected = {
        "missing.png": "not found",
        "empty.png": "empty",
        "text.png": "not an image",
        "truncated.jpg": "corrupt or truncated",
    }
    for name, problem in expected.items():
        with pytest.raises(ImageError) as err:
            load_photo(tmp_path / name)
        assert str(tmp_path / name) in str(err.value) and problem in str(err.value)


def test_images_over_100_megapixels_are_refused_before_decoding(tmp_path):
    _png_header_only(tmp_path / "huge.png", 12_000, 10_000)
    with pytest.raises(ImageError, match="120 megapixels, over the 100 MP limit"):
        load_photo(tmp_path / "huge.png")


def test_save_is_atomic_and_never_overwrites_silently(tmp_path):
    rgb = np.random.default_rng(0).integers(0, 255, (30, 40, 3), dtype=np.uint8)
    for suffix in (".png", ".jpg", ".tif", ".webp"):
        out = save_image(rgb, tmp_path / f"out{suffix}")
        assert load_photo(out).size == (40, 30)
    assert np.array_equal(load_photo(tmp_path / "out.png").pixels, rgb)
    with pytest.raises(ImageError, match="already exists"):
        save_image(rgb, tmp_path / "out.png")
    save_image(rgb[::-1], tmp_path / "out.png", overwrite=True)
    with pytest.raises(ImageError, match="input photo"):
        save_image(rgb, tmp_path / "out.png", overwrite=True, protect=(tmp_path / "out.png",))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.jpg", "out.png", "out.tif", "out.webp"]


def test_unwritable_destinations_are_reported(tmp_path, monkeypatch):
    rgb = np.zeros((4, 4, 3), np.uint8)
    with pytest.raises(ImageError, match="does not exist"):
        save_image(rgb, tmp_path / "no-such-folder" / "x.png")
    with pytest.raises(ImageError, match="cannot write '.gif'"):
        save_image(rgb, tmp_path / "x.gif")

    def denied(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("pathlib.Path.write_bytes", denied)
    with pytest.raises(ImageError, match="Permission denied.*choose another folder"):
        save_image(rgb, tmp_path / "x.png")
    assert not (tmp_path / "x.png").exists()


def _large_jpeg(path, size=(3200, 2400), orientation=None):
    """A colourful photo with structure at every scale, as a JPEG (with an EXIF orientation if given)."""
    width, height = size
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    rgb = np.stack(
        [128 + 100 * np.sin(x / 97), 128 + 100 * np.cos(y / 61), 128 + 60 * np.sin((x + y) / 211)], axis=2
    ).astype(np.uint8)
    exif = Image.Exif()
    if orientation is not None:
        exif[0x0112] = orientation
    Image.fromarray(rgb).save(path, quality=92, exif=exif)
    return path


@pytest.mark.parametrize("orientation", [None, 6])
def test_a_large_jpeg_opens_as_a_draft_of_the_full_photos_size_and_orientation(tmp_path, orientation):
    path = _large_jpeg(tmp_path / "big.jpg", orientation=orientation)
    full, draft = load_photo(path), load_photo(path, draft_side=768)
    assert not full.is_draft and draft.is_draft
    assert draft.size == full.size == ((2400, 3200) if orientation == 6 else (3200, 2400))
    assert draft.pixels.shape[:2] == (full.pixels.shape[0] // 4, full.pixels.shape[1] // 4), "a quarter each way"
    assert draft.sha256 == full.sha256 and draft.is_color
    shrunk = np.asarray(Image.fromarray(full.pixels).resize(draft.pixels.shape[1::-1], Image.Resampling.BOX))
    assert np.abs(shrunk.astype(int) - draft.pixels).mean() < 3, "the draft is the photo, turned the same way"


def test_only_large_jpegs_open_as_drafts(tmp_path):
    small = _large_jpeg(tmp_path / "small.jpg", size=(2000, 1500))  # under 4 x 768: not worth a second decode
    png = tmp_path / "big.png"
    Image.open(_large_jpeg(tmp_path / "big.jpg")).save(png)
    for path in (small, png):
        photo = load_photo(path, draft_side=768)
        assert not photo.is_draft and photo.size == Image.open(path).size
    huge = load_photo(_large_jpeg(tmp_path / "huge.jpg", size=(6400, 4800)), draft_side=768)
    assert huge.pixels.shape[:2] == (600, 800) and huge.size == (6400, 4800), "1/8 where that still fills the view"
