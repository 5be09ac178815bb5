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
