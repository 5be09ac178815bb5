"""The weights this app knows by name and checksum, and which files to use (the lookup order)."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from ..base.atomic import atomic_path
from ..base.errors import WeightsError
from ..base.resources import bundled_weights_dir
from ..base.userdirs import cache_dir
from ..colour.encoding import MaskConvention

ENV_VAR = "IDEEPCOLOR_WEIGHTS"
BUNDLED_DIR = bundled_weights_dir()


HASH_CACHE_NAME = "checksums.json"


def remembered_sha256(path: Path) -> str:
    """:func:`sha256_of`, remembered in the user cache by path, size and modification time, so that
    a 130 MB ``.pth`` is hashed once, not at every start. A changed file is hashed again."""
    path = Path(path)
    try:
        info = path.stat()
        key, stamp = str(path.resolve()), [info.st_size, info.st_mtime_ns]
    except OSError:
        return sha256_of(path)
    store = cache_dir() / HASH_CACHE_NAME
    try:
        known = json.loads(store.read_text(encoding="utf-8")) if store.is_file() else {}
        if not isinstance(known, dict):
            known = {}
    except (OSError, ValueError, RecursionError):
        known = {}
    entry = known.get(key)
    if isinstance(entry, dict) and entry.get("stamp") == stamp and isinstance(entry.get("sha256"), str):
        return str(entry["sha256"])
    digest = sha256_of(path)
    known[key] = {"stamp": stamp, "sha256": digest}
    with contextlib.suppress(OSError):  # a cache that cannot be written only costs the next hash
        store.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(store) as temporary:
            temporary.write_text(json.dumps(known), encoding="utf-8")
    return digest


def sha256_of(path: Path, chunk: int = 1 << 20) -> str:
    """Hex SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            digest.update(block)
    return digest.hexdigest()


@dataclass(frozen=True)
class KnownWeights:
    """A weights file the app knows: its name, file name, mask convention, origin and checksum."""

    name: str
    filename: str
    mask_convention: MaskConvention
    provenance: str
    url: str | None = None
    sha256: str | None = None


REGISTRY: dict[str, KnownWeights] = {
    entry.name: entry
    for entry in (
        KnownWeights(
            "ideepcolor-fast",
            "ideepcolor-fast.safetensors",
            MaskConvention.CENTERED,
            "The fast model: SIGGRAPH17 at 1/4 width on a lightness fill, trained by this project on a CPU "
            "(see weights/README.md); bundled in weights/.",
        ),
        KnownWeights(
            "ideepcolor",
            "ideepcolor-siggraph17.safetensors",
            MaskConvention.CENTERED,
            "Full-size network trained by this project with `ideepcolor train`; bundled in weights/ once trained.",
        ),
        KnownWeights(
            "siggraph17",
            "siggraph17-df00044c.pth",
            MaskConvention.ZERO_ONE,
            "Zhang et al. 2017, richzhang/colorization release (caffe-converted model).",
            url="https://colorizers.s3.us-east-2.amazonaws.com/siggraph17-df00044c.pth",
            sha256="df00044c0a4d7c3edcecf6f75437ce346a66e7a42612d9b968e1a7e17dbc6f66",
        ),
        KnownWeights(
            "siggraph17-caffe",
            "caffemodel.pth",
            MaskConvention.ZERO_ONE,
            "Zhang et al. 2017, caffe model converted to PyTorch (Berkeley server; no checksum published).",
            url="http://colorization.eecs.berkeley.edu/siggraph/models/caffemodel.pth",
        ),
        KnownWeights(
            "siggraph17-pytorch",
            "pytorch.pth",
            MaskConvention.CENTERED,
            "Zhang et al., retrained with colorization-pytorch (Berkeley server; no checksum published).",
            url="http://colorization.eecs.berkeley.edu/siggraph/models/pytorch.pth",
        ),
    )
}
FULL_SIZE_SEARCH_ORDER = ("siggraph17", "siggraph17-caffe", "siggraph17-pytorch", "ideepcolor")
FAST_SEARCH_ORDER = ("ideepcolor-fast",)


def registry_entry_for(path: Path, digest: str | None = None) -> KnownWeights | None:
    """The registry entry of ``path``: by SHA-256 where one is published, else by file name.

    A file that carries a published file name but not its checksum is no known file.
    """
    if digest is not None:
        for entry in REGISTRY.values():
            if entry.sha256 == digest:
                return entry
    for entry in REGISTRY.values():
        if entry.filename == path.name and (entry.sha256 is None or digest is None):
            return entry
    return None


def find_weights(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The weights file used for final results: the first of :func:`find_weight_set`."""
    return find_weight_set(explicit)[0]


def find_weight_set(explicit: str | os.PathLike[str] | None = None) -> list[Path]:
    """Resolve which weights files to use: the full-size network first, then the fast one.

    An explicit path or registry name (``--weights``), else ``$IDEEPCOLOR_WEIGHTS``, is used
    alone. Otherwise the user cache folder and then the bundled ``weights/`` folder are searched
    for full-size weights and for the fast model; whichever are found are returned.
    """
    for requested, source in ((explicit, "--weights"), (os.environ.get(ENV_VAR), f"${ENV_VAR}")):
        if requested:
            return [_resolve_requested(str(requested), source)]
    found = [path for order in (FULL_SIZE_SEARCH_ORDER, FAST_SEARCH_ORDER) if (path := _first_present(order))]
    if not found:
        raise WeightsError(missing_weights_message())
    return found


def _first_present(names: tuple[str, ...]) -> Path | None:
    for folder in (cache_dir(), BUNDLED_DIR):
        for name in names:
            candidate = folder / REGISTRY[name].filename
            if candidate.is_file():
                return candidate
    return None


def missing_weights_message() -> str:
    """What to tell a user who has no weights: where we looked and the commands that fix it."""
    return (
        "No colorization weights found.\n"
        f"Looked in: {cache_dir()} and {BUNDLED_DIR}.\n"
        "Fix it with one of:\n"
        "  ideepcolor weights download siggraph17     (published weights, 130 MB, needs internet)\n"
        "  ideepcolor train PHOTO_FOLDER --out weights/ideepcolor-siggraph17.safetensors\n"
        f"  or point ${ENV_VAR} / --weights at a weights file you have."
    )


def weights_in_use_message(label: str, refines: bool) -> str:
    """What to tell a user whose app already has weights: which, and how to add the full-size ones."""
    if refines:
        return f"In use: {label}.\nBoth the fast network and the full-size one are installed; nothing more is needed."
    return (
        f"In use: {label}.\n\n"
        "For finer results, add the published full-size network (130 MB, needs internet):\n"
        "  ideepcolor weights download siggraph17\n"
        "The app then refines each result with it once your hints stop changing, and saves with it.\n"
        "Or load a weights file you have: File > Load Weights."
    )


def _resolve_requested(requested: str, source: str) -> Path:
    if requested in REGISTRY:
        entry = REGISTRY[requested]
        for folder in (cache_dir(), BUNDLED_DIR):
            if (folder / entry.filename).is_file():
                return folder / entry.filename
        raise WeightsError(
            f"Weights '{requested}' (from {source}) are not downloaded yet.\n"
            f"Run: ideepcolor weights download {requested}"
        )
    path = Path(requested).expanduser()
    if not path.exists():
        raise WeightsError(f"Weights file {path} (from {source}) does not exist.")
    return path  # a folder, pipe or device is named as such by the loader
