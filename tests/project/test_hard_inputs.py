"""Hard inputs tried for real: fuzzed sessions and hints, damaged files, a disk that fills up."""

import errno
import json
import math
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from ideepcolor_app.base.errors import ImageError, SessionError, WeightsError
from ideepcolor_app.editing.hint_set import HintSet
from ideepcolor_app.editing.session import Session
from ideepcolor_app.hints.local_hints import Hint
from ideepcolor_app.network.model import SIGGRAPHGenerator
from ideepcolor_app.network.weights import load_model, save_weights
from ideepcolor_app.photos.images import load_photo, save_image

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)
weird_numbers = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-(2**80), 2**80),
    st.text(max_size=5),
    st.none(),
    st.booleans(),
    st.lists(st.integers(), max_size=3),
)


def valid_session_json() -> dict:
    return Session("photo.png", "a" * 64, (640, 480), [Hint(10.5, 20.0, (5.0, -7.0), 5)], "m").to_json()


@FUZZ
@given(json_values)
def test_any_json_is_a_session_or_a_clear_error(data):
    try:
        session = Session.from_json(data)
    except SessionError as exc:
        assert str(exc).startswith("field '")
    else:
        assert isinstance(session, Session)


@FUZZ
@given(st.sampled_from(["format", "version", "image", "model", "hints"]), json_values)
def test_a_session_with_one_field_replaced_is_valid_or_names_that_field(field, value):
    data = valid_session_json()
    data[field] = value
    try:
        Session.from_json(data)
    except SessionError as exc:
        assert f"'{field}" in str(exc)


@FUZZ
@given(st.sampled_from(["x", "y", "ab", "size"]), weird_numbers)
def test_a_hint_field_replaced_by_anything_is_valid_or_named(field, value):
    data = valid_session_json()
    data["hints"][0][field] = value
    try:
        session = Session.from_json(data)
    except SessionError as exc:
        assert f"hints[0].{field}" in str(exc)
    else:
        hint = session.hints[0]
        assert math.isfinite(hint.x) and math.isfinite(hint.y) and 0 <= hint.x < 640 and 0 <= hint.y < 480


@FUZZ
@given(weird_numbers, weird_numbers, st.sampled_from(["x", "y", "ab", "size"]))
def test_bad_hint_edits_are_refused_whole(first, second, field):
    hints = HintSet([Hint(1.0, 2.0, (3.0, 4.0), 5)])
    before, undo_possible = hints.hints, hints.can_undo
    value = (first, second) if field == "ab" else first
    try:
        hints.update(0, **{field: value})
    except ValueError as exc:
        assert field in str(exc) or "patch size" in str(exc) or "position" in str(exc) or "colour" in str(exc)
        assert hints.hints == before and hints.can_undo == undo_possible, "nothing half-applied"
    else:
        hint = hints[0]
        assert all(math.isfinite(v) for v in (hint.x, hint.y, *hint.ab))


@FUZZ
@given(
    st.text(
        st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="/\\\x00"), min_size=1, max_size=20
    ).filter(lambda name: name not in (".", ".."))
)
def test_unicode_paths_round_trip(tmp_path, name):
    folder = tmp_path / "u"
    folder.mkdir(exist_ok=True)
    photo_path = folder / f"{name}.png"
    try:
        Image.fromarray(np.full((8, 12, 3), 90, np.uint8)).save(photo_path)
    except OSError:
        return  # a name the file system itself refuses (too long in bytes): nothing of ours to test
    photo = load_photo(photo_path)
    session = Session(photo_path.name, photo.sha256, photo.size, [Hint(1.0, 1.0, (2.0, 3.0))])
    session.save(folder / f"{name}.json")
    assert Session.load(folder / f"{name}.json").resolve_image(folder / f"{name}.json") == photo_path
    out = save_image(photo.pixels, folder / f"{name}_out.png", overwrite=True)
    assert load_photo(out).size == (12, 8)


# ----- damaged files -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def weight_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("damaged")
    state = SIGGRAPHGenerator(0.25).state_dict()
    torch.save(state, folder / "good.pth")
    save_weights(state, folder / "good.safetensors", mask_convention="centered")
    return folder


def damaged_copy(source: Path, target: Path, how: str) -> Path:
    data = bytearray(source.read_bytes())
    if how == "truncated":
        data = data[: len(data) // 2]
    elif how == "bit-flipped header":
        data[31] ^= 0x04  # in the first member's name (.pth) or the JSON header (.safetensors)
    else:  # a flipped bit in the middle of the tensor data
        data[len(data) // 2] ^= 0x10
    target.write_bytes(bytes(data))
    return target


@pytest.mark.parametrize("how", ["truncated", "bit-flipped header", "bit-flipped data"])
@pytest.mark.parametrize("suffix", [".pth", ".safetensors"])
def test_damaged_weights_get_one_clear_message(weight_files, tmp_path, how, suffix):
    path = damaged_copy(weight_files / f"good{suffix}", tmp_path / f"damaged{suffix}", how)
    with pytest.raises(WeightsError) as err:
        load_model(path)
    message = str(err.value)
    assert str(path) in message and ("corrupt" in message or "could not be read" in message or "not a" in message)
    assert "Traceback" not in message


def test_weights_that_are_a_folder_are_named_as_such(tmp_path):
    (tmp_path / "weights.pth").mkdir()
    with pytest.raises(WeightsError, match="is a folder"):
        load_model(tmp_path / "weights.pth")


def test_an_image_whose_header_lies_about_its_size(tmp_path):
    def chunk(kind: bytes, payload: bytes) -> bytes:
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))

    rows = zlib.compress(b"".join(b"\x00" + bytes([128] * 30) for _ in range(10)))  # data for 10x10 RGB
    header = struct.pack(">IIBBBBB", 1000, 1000, 8, 2, 0, 0, 0)  # but claims 1000x1000
    path = tmp_path / "liar.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b""))
    with pytest.raises(ImageError, match="liar.png: the image is corrupt or truncated"):
        load_photo(path)


def disk_full_after(half: bool):
    """A write that puts some bytes on disk, then fails as a full disk does."""

    def write(self, data, *args, **kwargs):
        with open(self, "wb" if isinstance(data, bytes) else "w") as f:
            f.write(data[: len(data) // 2] if half else data[:0])
        raise OSError(errno.ENOSPC, "No space left on device")

    return write


def test_a_disk_that_fills_during_a_save_leaves_nothing_behind(tmp_path, monkeypatch):
    rgb = np.zeros((40, 50, 3), np.uint8)
    existing = save_image(rgb, tmp_path / "kept.png")
    before = existing.read_bytes()
    monkeypatch.setattr("pathlib.Path.write_bytes", disk_full_after(True))
    monkeypatch.setattr("pathlib.Path.write_text", disk_full_after(True))
    with pytest.raises(ImageError, match="No space left on device.*nothing was saved"):
        save_image(rgb, tmp_path / "new.png")
    with pytest.raises(ImageError, match="No space left"):
        save_image(rgb + 1, existing, overwrite=True)
    assert existing.read_bytes() == before, "the file being replaced is untouched"
    with pytest.raises(SessionError, match="No space left"):
        Session("p.png", "a" * 64, (4, 4), []).save(tmp_path / "s.json")
    monkeypatch.setattr(
        "ideepcolor_app.network.weights.save_file", lambda *a, **k: disk_full_after(True)(Path(a[1]), b"xx")
    )
    with pytest.raises(WeightsError, match="No space left.*nothing was saved"):
        save_weights(SIGGRAPHGenerator(0.25).state_dict(), tmp_path / "w.safetensors", mask_convention="centered")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kept.png"], "no partial or temporary file is left"


def test_a_session_with_nan_written_by_another_tool_is_refused(tmp_path):
    data = valid_session_json()
    text = json.dumps(data).replace("10.5", "NaN")
    (tmp_path / "s.json").write_text(text)
    with pytest.raises(SessionError, match=r"hints\[0\]\.x"):
        Session.load(tmp_path / "s.json")


def test_a_damaged_checksum_name_is_caught_too(weight_files, tmp_path):
    """Metadata keys are stored in any order, so a flipped bit may land in the checksum's own name."""
    from safetensors import safe_open
    from safetensors.torch import load_file, save_file

    good = weight_files / "good.safetensors"
    with safe_open(str(good), framework="pt") as f:
        metadata = dict(f.metadata())
    metadata["content_sja256"] = metadata.pop("content_sha256")
    save_file(load_file(str(good)), str(tmp_path / "renamed.safetensors"), metadata=metadata)
    with pytest.raises(WeightsError, match="corrupt"):
        load_model(tmp_path / "renamed.safetensors")
    metadata["format_version"] = "1"  # files from before checksums still load
    del metadata["content_sja256"]
    save_file(load_file(str(good)), str(tmp_path / "old.safetensors"), metadata=metadata)
    load_model(tmp_path / "old.safetensors")
