"""bf16 where the processor has bf16 units, fp32 elsewhere, and a switch that forces either."""

import numpy as np
import pytest
import torch
from builders import BUNDLED

import ideepcolor_app.network.precision as precision_module
from ideepcolor_app.base.errors import UsageError
from ideepcolor_app.cli import main
from ideepcolor_app.hints.local_hints import Hint
from ideepcolor_app.inference.engine import ColorizationEngine
from ideepcolor_app.network.precision import Precision, _cpuinfo_has_bf16, cpu_precision
from ideepcolor_app.photos.images import Photo
from ideepcolor_app.training.trainer import training_precision


def _photo() -> Photo:
    ramp = np.linspace(30, 220, 200, dtype=np.float32)
    pixels = np.broadcast_to(ramp[None, :, None], (150, 200, 3)).astype(np.uint8)
    return Photo(None, pixels, "0" * 64, False)  # type: ignore[arg-type]


@pytest.fixture
def with_bf16_units(monkeypatch):
    monkeypatch.setattr(precision_module, "cpu_has_bf16", lambda: True)


@pytest.fixture
def without_bf16_units(monkeypatch):
    monkeypatch.setattr(precision_module, "cpu_has_bf16", lambda: False)


def test_a_cpu_with_bf16_units_runs_bf16_and_one_without_runs_fp32(with_bf16_units, monkeypatch):
    assert cpu_precision() is Precision.BF16
    assert training_precision(torch.device("cpu")) is Precision.BF16
    monkeypatch.setattr(precision_module, "cpu_has_bf16", lambda: False)
    assert cpu_precision() is Precision.FP32
    assert training_precision(torch.device("cpu")) is Precision.FP32


def test_the_switch_forces_fp32_or_bf16(with_bf16_units, monkeypatch):
    assert cpu_precision("fp32") is Precision.FP32
    monkeypatch.setenv("IDEEPCOLOR_PRECISION", "fp32")
    assert cpu_precision() is Precision.FP32
    engine = ColorizationEngine.from_weights(str(BUNDLED), "cpu")
    assert engine.best.precision is Precision.FP32 and "fp32" in engine.device_label
    monkeypatch.setenv("IDEEPCOLOR_PRECISION", "half")
    with pytest.raises(UsageError, match="auto, fp32 or bf16"):
        cpu_precision()


def test_the_engine_runs_bf16_where_supported_and_its_result_matches_fp32(with_bf16_units):
    results = {}
    for name in ("auto", "fp32"):
        engine = ColorizationEngine.from_weights(str(BUNDLED), "cpu", precision=name)
        engine.set_photo(_photo())
        results[name] = engine.colorize([Hint(100.0, 75.0, (40.0, -30.0), 5)])
        assert engine.device_label == ("CPU (bf16)" if name == "auto" else "CPU (fp32)")
    difference = (results["auto"].ab - results["fp32"].ab).abs()
    assert results["auto"].ab.dtype == torch.float32
    assert float(difference.mean()) < 0.5 and float(difference.max()) < 6


def test_the_engine_without_bf16_units_runs_fp32(without_bf16_units):
    engine = ColorizationEngine.from_weights(str(BUNDLED), "cpu")
    assert engine.best.precision is Precision.FP32 and engine.device_label == "CPU (fp32)"


def test_linux_cpu_flags_are_read_when_torch_cannot_say(tmp_path):
    info = tmp_path / "cpuinfo"
    info.write_text("processor\t: 0\nflags\t\t: fpu sse avx512f avx512_bf16 amx_tile\n")
    assert _cpuinfo_has_bf16(info)
    info.write_text("processor\t: 0\nflags\t\t: fpu sse avx2\n")
    assert not _cpuinfo_has_bf16(info)
    assert not _cpuinfo_has_bf16(tmp_path / "missing")


@pytest.mark.parametrize("precision", ["bf16", "fp32"])
def test_training_in_either_precision_keeps_fp32_weights_and_records_it(tmp_path, photo_files, precision, capsys):
    out = tmp_path / "w.safetensors"
    args = [str(p.parent) for p in photo_files[:1]]
    code = main(
        ["train", *args, "--out", str(out), "--steps", "2", "--batch", "2", "--crop", "64", "--width", "0.125"]
        + ["--hint-encoding", "lightness-fill", "--precision", precision, "--warmup-steps", "1"]
    )
    assert code == 0
    assert f"training in {precision}" in capsys.readouterr().out
    from ideepcolor_app.network.weights import load_model

    model, info = load_model(out)
    assert all(p.dtype == torch.float32 for p in model.parameters())
    assert info.metadata["provenance"]["precision"] == precision
    state = torch.load(out.with_suffix(".ckpt"), weights_only=True)
    assert all(v.dtype == torch.float32 for k, v in state["model"].items() if v.is_floating_point())
