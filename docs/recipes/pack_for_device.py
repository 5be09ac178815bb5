"""Pack training photos small enough to travel to a lent GPU machine (64 MiB per call).

Reads tar shards (train-128, more-photos), drops BSDS500 train/val photos (kept aside to choose
settings on), near-grey photos and photos with colourfulness M < 15, resizes to a short side of 112
(long side cropped to at most 144), re-encodes as JPEG q65 and writes tars of at most --part-mib MiB.

    python docs/recipes/pack_for_device.py --out .data/device ../shared/datasets/train-128/part-*.tar \
        .data/more-photos/part-*.tar
"""

from __future__ import annotations

import argparse
import csv
import io
import tarfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
from PIL import Image

from ideepcolor_app.colour.colourfulness import colourfulness

SHORT, LONG, QUALITY, MIN_M = 112, 144, 65, 15.0


def held_out(manifests: list[Path]) -> set[str]:
    """'part-NN.tar:member' of the BSDS500 train/val photos."""
    names = set()
    for manifest in manifests:
        with open(manifest) as f:
            for row in csv.DictReader(f, delimiter="\t"):
                if row.get("source") == "bsds500-trainval":
                    names.add(f"{row['part']}.tar:{row['member']}")
    return names


def pack_one(item: tuple[str, bytes]) -> tuple[str, bytes | None, str]:
    name, data = item
    try:
        image = Image.open(io.BytesIO(data)).convert("RGB")
    except Exception:
        return name, None, "unreadable"
    w, h = image.size
    scale = SHORT / min(w, h)
    image = image.resize((max(SHORT, round(w * scale)), max(SHORT, round(h * scale))), Image.LANCZOS)
    w, h = image.size
    if w > LONG:
        image = image.crop(((w - LONG) // 2, 0, (w - LONG) // 2 + LONG, h))
    if h > LONG:
        image = image.crop((0, (h - LONG) // 2, image.size[0], (h - LONG) // 2 + LONG))
    rgb = np.asarray(image)
    if colourfulness(rgb) < MIN_M:
        return name, None, "dull"
    out = io.BytesIO()
    image.save(out, "JPEG", quality=QUALITY, optimize=True)
    return name, out.getvalue(), "kept"


def members(shards: list[Path], skip: set[str]):
    for shard in shards:
        with tarfile.open(shard) as tar:
            for m in tar:
                key = f"{shard.stem}.tar:{m.name}" if shard.parent.name == "train-128" else ""
                if m.isfile() and m.name.lower().endswith(".jpg") and key not in skip:
                    f = tar.extractfile(m)
                    if f is not None:
                        yield f"{shard.parent.name}-{shard.stem}-{Path(m.name).name}", f.read()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("shards", nargs="+", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--part-mib", type=float, default=48)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    manifests = sorted({s.parent / "MANIFEST.tsv" for s in args.shards if (s.parent / "MANIFEST.tsv").exists()})
    skip = held_out(manifests)
    args.out.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    part, size, tar = 0, 0, None
    with ProcessPoolExecutor(args.workers) as pool:
        for name, data, what in pool.map(pack_one, members(args.shards, skip), chunksize=64):
            counts[what] = counts.get(what, 0) + 1
            if data is None:
                continue
            if tar is None or size + len(data) + 1024 > args.part_mib * 2**20:
                if tar is not None:
                    tar.close()
                (args.out / f"part-{part}").mkdir(exist_ok=True)
                tar = tarfile.open(args.out / f"part-{part}" / "photos.tar", "w")  # noqa: SIM115 (closed per part)
                part, size = part + 1, 0
            info = tarfile.TarInfo(name + ("" if name.endswith(".jpg") else ".jpg"))
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
            size += len(data) + 1024
    if tar is not None:
        tar.close()
    print(counts, f"held out {len(skip)}", f"{part} parts")


if __name__ == "__main__":
    main()
