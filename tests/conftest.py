import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

from weights_factory import make_echo_weights, make_random_weights  # noqa: E402

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
DEV_EVAL = SHARED / "datasets" / "dev-eval"
TRAIN_SHARDS = SHARED / "datasets" / "train-128"


@pytest.fixture(scope="session")
def echo_weights(tmp_path_factory) -> Path:
    """Weights whose output is each hint's colour spread over a few pixels, grey elsewhere."""
    return make_echo_weights(tmp_path_factory.mktemp("weights") / "echo.safetensors")


@pytest.fixture(scope="session")
def random_weights(tmp_path_factory) -> Path:
    return make_random_weights(tmp_path_factory.mktemp("weights") / "random.safetensors")


@pytest.fixture(autouse=True)
def isolated_user_dirs(tmp_path, monkeypatch):
    """Keep tests away from the real user cache, settings and $IDEEPCOLOR_WEIGHTS."""
    monkeypatch.setenv("IDEEPCOLOR_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.delenv("IDEEPCOLOR_WEIGHTS", raising=False)


def dev_eval_photos(n: int) -> list[Path]:
    if not DEV_EVAL.is_dir():
        pytest.skip(f"{DEV_EVAL} is not here")
    return sorted(DEV_EVAL.glob("*.jpg"))[:n]
