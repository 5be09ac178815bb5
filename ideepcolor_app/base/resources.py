"""Files the app ships: the bundled weights and the sample photos.

In an installed wheel they are package data (``ideepcolor_app/bundled_weights`` and
``ideepcolor_app/samples``, built from the repository's ``weights/`` and ``resources/samples/``);
in a source checkout or an editable install they are read from those folders directly.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

_SOURCE_TREE = Path(__file__).resolve().parents[2]  # the repository: ideepcolor_app/base/ is two below


def _shipped(package_folder: str, source_folder: str) -> Path:
    installed = Path(str(files("ideepcolor_app") / package_folder))
    return installed if installed.is_dir() else _SOURCE_TREE / source_folder


def bundled_weights_dir() -> Path:
    """Where the weights bundled with the app are."""
    return _shipped("bundled_weights", "weights")


def sample_photo(name: str = "astronaut.jpg") -> Path:
    """A sample photo shipped with the app (the window opens it when given none)."""
    return _shipped("samples", "resources/samples") / name
