import pickle
import re
from pathlib import Path

import pytest
import torch
from builders import REPOSITORY

from ideepcolor_app.colour.encoding import MaskConvention
from ideepcolor_app.inference.engine import ColorizationEngine
from ideepcolor_app.network.model import NUM_PARAMETERS, SIGGRAPHGenerator, count_forward_flops
from ideepcolor_app.network.precision import cpu_has_bf16
from ideepcolor_app.network.registry import BUNDLED_DIR, find_weights
from ideepcolor_app.network.weights import WeightsError, load_model, load_state_dict, save_weights

# The published module tree, written out from ../shared/reference/siggraph17.md (not from our code).
_CONVS = {  # key prefix: (out, in, k)
    "model1.0": (64, 4, 3),
    "model1.2": (64, 64, 3),
    "model2.0": (128, 64, 3),
    "model2.2": (128, 128, 3),
    "model3.0": (256, 128, 3),
    "model3.2": (256, 256, 3),
    "model3.4": (256, 256, 3),
    **{f"model{m}.{i}": (512, 256 if (m, i) == (4, 0) else 512, 3) for m in (4, 5, 6, 7) for i in (0, 2, 4)},
    "model3short8.0": (256, 256, 3),
    "model8.1": (256, 256, 3),
    "model8.3": (256, 256, 3),
    "model2short9.0": (128, 128, 3),
    "model9.1": (128, 128, 3),
    "model1short10.0": (128, 64, 3),
    "model10.1": (128, 128, 3),
    "model_class.0": (529, 256, 1),
    "model_out.0": (2, 128, 1),
}
_UPS = {"model8up.0": (512, 256), "model9up.0": (256, 128), "model10up.0": (128, 128)}
_BNS = {
    "model1.4": 64,
    "model2.4": 128,
    "model3.6": 256,
    **{f"model{m}.6": 512 for m in (4, 5, 6, 7)},
    "model8.5": 256,
    "model9.3": 128,
}


def published_state_dict(seed: int = 0) -> dict[str, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    state = {}
    for key, (o, i, k) in _CONVS.items():
        state[f"{key}.weight"] = torch.randn(o, i, k, k, generator=g) * 0.02
        state[f"{key}.bias"] = torch.randn(o, generator=g) * 0.01
    for key, (i, o) in _UPS.items():
        state[f"{key}.weight"] = torch.randn(i, o, 4, 4, generator=g) * 0.02
        state[f"{key}.bias"] = torch.zeros(o)
    for key, c in _BNS.items():
        state[f"{key}.weight"] = torch.ones(c)
        state[f"{key}.bias"] = torch.zeros(c)
        state[f"{key}.running_mean"] = torch.zeros(c)
        state[f"{key}.running_var"] = torch.ones(c)
    return state


def test_module_tree_matches_published_size():
    assert sum(p.numel() for p in SIGGRAPHGenerator().parameters()) == NUM_PARAMETERS
    assert abs(count_forward_flops() / 1e9 - 151) < 2


@pytest.mark.parametrize(
    "filename, convention",
    [
        ("siggraph17-df00044c.pth", MaskConvention.ZERO_ONE),
        ("pytorch.pth", MaskConvention.CENTERED),
    ],
)
def test_published_keys_load_strictly_with_their_mask_convention(tmp_path, filename, convention):
    state = published_state_dict()
    path = tmp_path / filename
    torch.save(state, path)
    model, info = load_model(path)
    assert info.mask_convention is convention
    loaded = model.state_dict()
    for key, value in state.items():
        assert torch.equal(loaded[key], value), key
    out = model(torch.zeros(1, 4, 64, 64))
    assert out.ab.shape == (1, 2, 64, 64) and out.logits.shape == (1, 529, 16, 16)


def test_module_prefix_from_data_parallel_is_accepted(tmp_path):
    """A checkpoint saved from a DataParallel/DDP wrapper loads with its tensors where they belong."""
    state = published_state_dict()
    path = tmp_path / "ddp.pth"
    torch.save({f"module.{k}": v for k, v in state.items()}, path)
    model, _ = load_model(path)
    loaded = {k: v for k, v in model.state_dict().items() if not k.endswith("num_batches_tracked")}
    assert loaded.keys() == state.keys(), "the prefix is stripped from every key"
    assert all(torch.equal(loaded[k], state[k].float() if state[k].is_floating_point() else state[k]) for k in state)


def test_wrong_architecture_is_refused_with_what_was_expected(tmp_path):
    state = published_state_dict()
    state["model_class.0.weight"] = torch.zeros(313, 256, 1, 1)  # eccv16's head, say
    del state["model10.1.bias"]
    path = tmp_path / "other.pth"
    torch.save(state, path)
    with pytest.raises(WeightsError) as err:
        load_model(path)
    msg = str(err.value)
    assert "not a SIGGRAPH17" in msg and "model10.1.bias" in msg and "(529, 256, 1, 1)" in msg


@pytest.mark.filterwarnings("ignore:Detected pickle protocol")
def test_arbitrary_pickles_are_never_unpickled(tmp_path):
    class Evil:
        def __reduce__(self):
            return (Path("/tmp/ideepcolor-pwned").touch, ())

    path = tmp_path / "evil.pth"
    with open(path, "wb") as f:
        pickle.dump({"model1.0.weight": Evil()}, f)
    with pytest.raises(WeightsError, match="holds Python objects other than tensors") as err:
        load_model(path)
    assert not Path("/tmp/ideepcolor-pwned").exists()
    assert "weights_only" not in str(err.value)  # never suggest the unsafe bypass


@pytest.mark.parametrize("content", [b"", b"not a zip or pickle at all", b"PK\x03\x04truncated"])
def test_corrupt_files_get_a_clear_message(tmp_path, content):
    for name in ("x.pth", "x.safetensors"):
        path = tmp_path / name
        path.write_bytes(content)
        with pytest.raises(WeightsError, match=re.escape(str(path))):
            load_model(path)


def test_safetensors_from_another_project_is_refused(tmp_path):
    from safetensors.torch import save_file

    path = tmp_path / "foreign.safetensors"
    save_file({"w": torch.zeros(2)}, str(path))
    with pytest.raises(WeightsError, match="not ideepcolor weights"):
        load_model(path)


def test_compact_export_is_small_and_close(tmp_path):
    torch.manual_seed(0)
    model = SIGGRAPHGenerator().eval()
    full = save_weights(
        model.state_dict(),
        tmp_path / "full.safetensors",
        mask_convention="centered",
        provenance={"steps": 3},
        metrics={"psnr_0": 20.5},
    )
    compact = save_weights(
        model.state_dict(), tmp_path / "compact.safetensors", mask_convention="centered", quantize_int8=True
    )
    assert compact.stat().st_size < 36e6 < full.stat().st_size
    _, info = load_state_dict(full)
    assert info.metadata["provenance"] == {"steps": 3} and info.metadata["metrics"]["psnr_0"] == 20.5
    loaded, info = load_model(compact)
    assert info.mask_convention is MaskConvention.CENTERED
    x = torch.randn(1, 4, 64, 64)
    with torch.no_grad():
        diff = (loaded(x).ab - model(x).ab).abs().mean()
    assert diff < 0.5


def test_lookup_order_explicit_env_cache_bundled(tmp_path, monkeypatch, random_weights):
    cache = tmp_path / "cache"
    monkeypatch.setattr("ideepcolor_app.network.registry.BUNDLED_DIR", tmp_path / "bundled")
    with pytest.raises(WeightsError) as err:
        find_weights()
    assert "ideepcolor weights download siggraph17" in str(err.value) and "ideepcolor train" in str(err.value)

    bundled = tmp_path / "bundled" / "ideepcolor-siggraph17.safetensors"
    bundled.parent.mkdir()
    bundled.write_bytes(random_weights.read_bytes())
    assert find_weights() == bundled
    cached = cache / "siggraph17-df00044c.pth"
    cache.mkdir()
    torch.save(published_state_dict(), cached)
    assert find_weights() == cached
    monkeypatch.setenv("IDEEPCOLOR_WEIGHTS", str(bundled))
    assert find_weights() == bundled
    assert find_weights(str(cached)) == cached
    assert find_weights("siggraph17") == cached
    with pytest.raises(WeightsError, match="ideepcolor weights download siggraph17-pytorch"):
        find_weights("siggraph17-pytorch")
    with pytest.raises(WeightsError, match="does not exist"):
        find_weights(str(tmp_path / "nope.pth"))


def test_engine_prefers_cuda_then_mps_then_cpu(random_weights, monkeypatch):
    from ideepcolor_app.network.device import pick_device

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    assert pick_device().type == "cpu"
    assert pick_device("cpu").type == "cpu"
    with pytest.raises(RuntimeError, match="CUDA is not available"):
        pick_device("cuda")
    engine = ColorizationEngine.from_weights(str(random_weights), "cpu")
    # 16-bit on a CPU only where it has bf16 units (tests/test_precision.py forces each case)
    assert engine.device.type == "cpu" and engine.best.half_precision == cpu_has_bf16()


def test_bundled_folder_is_the_repository_weights_folder():
    assert REPOSITORY / "weights" == BUNDLED_DIR


def test_a_pth_is_hashed_once_until_it_changes(tmp_path, monkeypatch):
    import ideepcolor_app.network.registry as registry

    path = tmp_path / "w.pth"
    path.write_bytes(b"first")
    calls = []
    real = registry.sha256_of
    monkeypatch.setattr(registry, "sha256_of", lambda p: calls.append(p) or real(p))
    first = registry.remembered_sha256(path)
    assert registry.remembered_sha256(path) == first and len(calls) == 1
    path.write_bytes(b"second, longer")
    assert registry.remembered_sha256(path) != first and len(calls) == 2


def test_a_loaded_network_holds_exactly_the_files_tensors_in_fp32_on_the_cpu(tmp_path):
    """Built without random initialisation (on the meta device), then given the file's tensors."""
    state = SIGGRAPHGenerator(0.125).state_dict()
    path = save_weights(state, tmp_path / "w.safetensors", mask_convention="centered", half=True)
    model, _ = load_model(path)
    loaded = {**dict(model.named_parameters()), **dict(model.named_buffers())}
    assert loaded.keys() == state.keys()
    for key, tensor in loaded.items():
        assert tensor.device.type == "cpu", key
        assert tensor.dtype == (torch.float32 if state[key].is_floating_point() else state[key].dtype), key
        assert torch.allclose(tensor.float(), state[key].float(), atol=1e-2, rtol=1e-2), key
    assert model(torch.zeros(1, 4, 32, 32)).ab.isfinite().all()
