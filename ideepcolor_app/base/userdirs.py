"""The per-user folders: a cache for downloaded weights, a data folder for crash recovery."""

from __future__ import annotations

import os
import sys
from pathlib import Path

APP_NAME = "ideepcolor"
CACHE_ENV_VAR = "IDEEPCOLOR_CACHE"


def cache_dir() -> Path:
    """Where downloaded weights live (``$IDEEPCOLOR_CACHE`` overrides it)."""
    if os.environ.get(CACHE_ENV_VAR):
        return Path(os.environ[CACHE_ENV_VAR]).expanduser()
    return _platform_dir(windows="LOCALAPPDATA", mac="Library/Caches", xdg="XDG_CACHE_HOME", xdg_default=".cache")


def data_dir() -> Path:
    """Where the app keeps its own files, such as the crash-recovery autosave."""
    return _platform_dir(
        windows="LOCALAPPDATA", mac="Library/Application Support", xdg="XDG_DATA_HOME", xdg_default=".local/share"
    )


def _platform_dir(windows: str, mac: str, xdg: str, xdg_default: str) -> Path:
    if sys.platform == "win32":
        base = Path(os.environ.get(windows, Path.home() / "AppData" / "Local"))
    elif sys.platform == "darwin":
        base = Path.home() / mac
    else:
        base = Path(os.environ.get(xdg, Path.home() / xdg_default))
    return base / APP_NAME
