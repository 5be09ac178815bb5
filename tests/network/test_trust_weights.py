"""Damaged, hostile or misplaced weights files get one clear message, never a traceback."""

import json
import zipfile
from pathlib import Path

import pytest
import torch

from ideepcolor_app.base.errors import WeightsError
from ideepcolor_app.cli import main
from ideepcolor_app.network.model import SIGGRAPHGenerator
from ideepcolor_app.network.weights import load_model, save_weights


def _small_state() -> dict[str, torch.Tensor]:
    torch.manual_seed(0)
    return SIGGRAPHGenerator(0.125).state_dict()


def test_weights_with_nan_fail_verify_with_a_message(tmp_path, capsys):
    state = _small_state()
    state["model5.2.weight"][0, 0, 0, 0] = float("nan")
    torch.save(state, tmp_path / "nan.pth")
    assert main(["weights", "verify", str(tmp_path / "nan.pth")]) == 1
    err = capsys.readouterr().err
    assert "model5.2.weight holds NaN or infinite values" in err and "Traceback" not in err


def test_a_zero_dimensional_first_layer_is_refused_with_a_message(tmp_path):
    state = _small_state()
    state["model1.0.weight"] = torch.tensor(1.0)
    torch.save(state, tmp_path / "scalar.pth")
    with pytest.raises(WeightsError, match="not a convolution kernel"):
        load_model(tmp_path / "scalar.pth")


def test_deeply_nested_metadata_is_refused_with_a_message(tmp_path, monkeypatch):
    import ideepcolor_app.network.weights as weights

    path = save_weights(_small_state(), tmp_path / "w.safetensors", mask_convention="centered")
    real_loads = json.loads
    monkeypatch.setattr(weights.json, "loads", lambda text: real_loads("[" * 100_000 + "]" * 100_000))
    with pytest.raises(WeightsError, match="nested too deeply"):
        load_model(path)


def test_a_zip_bomb_is_refused_from_its_directory_without_inflating(tmp_path, monkeypatch):
    import ideepcolor_app.network.weights as weights

    monkeypatch.setattr(weights, "MAX_UNPACKED_BYTES", 50_000_000)  # the real limit is 1 GB
    path = tmp_path / "bomb.pth"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive, archive.open("archive/data/0", "w") as entry:
        zeros = bytes(1 << 20)
        for _ in range(60):  # 63 MB of zeros, 61 kB on disk
            entry.write(zeros)
    assert path.stat().st_size < 1_000_000
    with pytest.raises(WeightsError, match="would unpack to 0.1 GB"):
        load_model(path)


def test_an_html_page_saved_as_weights_is_named_as_such(tmp_path):
    path = tmp_path / "caffemodel.pth"
    path.write_text("<!DOCTYPE html><html><body>Please log in</body></html>")
    with pytest.raises(WeightsError, match="web page"):
        load_model(path)


@pytest.mark.parametrize("where", ["folder", "fifo", "device"])
def test_a_folder_fifo_or_device_as_weights_says_what_it_is(tmp_path, where):
    import os

    if where == "folder":
        path, expected = tmp_path, "is a folder"
    elif where == "fifo":
        path, expected = tmp_path / "w.pth", "not a regular file"
        os.mkfifo(path)
    else:
        path, expected = "/dev/zero", "not a regular file"
    with pytest.raises(WeightsError, match=expected):
        load_model(path)


def test_saving_weights_where_the_folder_cannot_be_made_says_so(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(WeightsError, match="Could not write"):
        save_weights(_small_state(), blocker / "sub" / "w.safetensors", mask_convention="centered")


def test_a_failing_safetensors_write_says_so_and_leaves_nothing(tmp_path, monkeypatch):
    """safetensors reports a full disk as SafetensorError, not OSError."""
    from safetensors import SafetensorError

    import ideepcolor_app.network.weights as weights

    def full_disk(tensors, filename, metadata=None):
        Path(filename).write_bytes(b"partial")
        raise SafetensorError("Error while serializing: IoError(No space left on device (os error 28))")

    monkeypatch.setattr(weights, "save_file", full_disk)
    with pytest.raises(WeightsError, match="No space left"):
        save_weights(_small_state(), tmp_path / "w.safetensors", mask_convention="centered")
    assert list(tmp_path.iterdir()) == []
