"""Installed like any other package: build the wheel, install it into a fresh environment, use it."""

import os
import site
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
from builders import REPOSITORY
from PIL import Image

REPO = REPOSITORY


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """A virtual environment with the wheel installed; the dependencies come from this Python.

    The venv gets its own site-packages first and this interpreter's site-packages after it (by a
    .pth line, which does not run the editable install's finder), so the installed copy is the
    one imported.
    """
    work = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(work / "dist"),
            str(REPO),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    wheel = next((work / "dist").glob("ideepcolor_app-*.whl"))
    venv = work / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True)
    python = venv / "bin" / "python"
    venv_site = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
    )
    (venv_site / "_dependencies.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)],
        check=True,
        capture_output=True,
        text=True,
    )
    return wheel, venv


def run(venv: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "IDEEPCOLOR_WEIGHTS")}
    return subprocess.run([str(venv / "bin" / "ideepcolor"), *args], capture_output=True, text=True, cwd=cwd, env=env)


@pytest.mark.slow  # builds and installs the wheel
def test_the_wheel_carries_samples_and_bundled_weights_and_stays_small(installed):
    wheel, _ = installed
    names = zipfile.ZipFile(wheel).namelist()
    assert "ideepcolor_app/samples/astronaut.jpg" in names
    assert any(n.endswith(".dist-info/licenses/LICENSE") or n.endswith(".dist-info/LICENSE") for n in names)
    bundled = sorted(p.name for p in (REPO / "weights").glob("*.safetensors"))
    assert [n for n in names if n.startswith("ideepcolor_app/bundled_weights/") and n.endswith(".safetensors")] == [
        f"ideepcolor_app/bundled_weights/{n}" for n in bundled
    ]
    weights_bytes = sum((REPO / "weights" / n).stat().st_size for n in bundled)
    assert wheel.stat().st_size - weights_bytes < 1_000_000, "small apart from the weights themselves"


@pytest.mark.slow  # builds and installs the wheel
def test_the_installed_app_finds_its_files_outside_the_repository(installed, tmp_path, echo_weights):
    _, venv = installed
    python = venv / "bin" / "python"
    where = subprocess.run(
        [
            str(python),
            "-c",
            "import ideepcolor_app, ideepcolor_app.base.resources as r; "
            "print(ideepcolor_app.__file__); print(r.sample_photo()); print(r.bundled_weights_dir())",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=True,
    ).stdout.split("\n")
    assert str(venv) in where[0], "the installed copy is the one imported"
    assert Path(where[1]).is_file() and str(venv) in where[1], "the sample photo opens from the package"
    assert str(venv) in where[2]
    located = run(venv, "weights", "where", cwd=tmp_path)
    bundled = sorted((REPO / "weights").glob("*.safetensors"))
    if bundled:
        assert located.returncode == 0 and all(p.name in located.stdout for p in bundled), located.stdout
        assert "bundled_weights" in located.stdout
    else:
        assert located.returncode == 1 and "ideepcolor weights download" in located.stderr
    photo = tmp_path / "grey.png"
    Image.fromarray(np.full((30, 40), 120, np.uint8)).save(photo)
    done = run(venv, "colorize", str(photo), "--weights", str(echo_weights), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "grey_colorized.png").is_file()
