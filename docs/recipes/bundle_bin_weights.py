"""Record in the bundled weights the per-bin loss weights its distribution head was trained with.

Version 2 of the fast model was trained with class rebalancing (``train --rebalance 0.5``) before
weights files kept those weights; this recomputes them as the trainer does (the photos' ab-bin
distribution at the head's 1/4 resolution, smoothed, then ((1 - λ) p̃ + λ / Q)^-1 with λ = 0.5) from
the train-128 shards with the training set's filters (BSDS500 train/val held out, colourfulness
M < 15 dropped). The more-photos part of that training set is not on every machine; train-128
alone stands in for it. Every tensor stays as it is (checked); the file is rewritten atomically.

    python docs/recipes/bundle_bin_weights.py weights/ideepcolor-fast.safetensors ../shared/datasets/train-128
"""

from __future__ import annotations

import csv
import sys
import tarfile
from pathlib import Path

import cv2
import numpy as np
import torch

from ideepcolor_app.colour.color import rgb_to_lab
from ideepcolor_app.colour.colourfulness import colourfulness
from ideepcolor_app.network.weights import load_model, save_copy
from ideepcolor_app.training.rebalance import empirical_prior, rebalancing_weights

SHORT, MIN_M, REBALANCE = 112, 15.0, 0.5

bundled, shards = Path(sys.argv[1]), Path(sys.argv[2])
with open(shards / "MANIFEST.tsv") as manifest:
    held_out = {
        (row["part"], row["member"])
        for row in csv.DictReader(manifest, delimiter="\t")
        if row["source"] == "bsds500-trainval"
    }
chunks, used, dropped = [], 0, 0
for shard in sorted(shards.glob("part-*.tar")):
    with tarfile.open(shard) as tar:
        for member in tar:
            if not member.isfile() or (shard.stem, member.name) in held_out:
                continue
            data = tar.extractfile(member)
            bgr = cv2.imdecode(np.frombuffer(data.read(), np.uint8), cv2.IMREAD_COLOR) if data else None
            if bgr is None:
                continue
            rgb = np.ascontiguousarray(bgr[..., ::-1])
            if colourfulness(rgb) < MIN_M:
                dropped += 1
                continue
            scale = SHORT / min(rgb.shape[:2])
            size = (max(SHORT, round(rgb.shape[1] * scale)), max(SHORT, round(rgb.shape[0] * scale)))
            small = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)[::4, ::4]
            lab = rgb_to_lab(torch.from_numpy(np.ascontiguousarray(small)).permute(2, 0, 1).float() / 255)
            chunks.append(lab[1:].reshape(1, 2, -1, 1))
            used += 1
weights = rebalancing_weights(empirical_prior(chunks), REBALANCE)
model, info = load_model(bundled)
before = {k: v.clone() for k, v in model.state_dict().items()}
info.bin_weights = tuple(weights.tolist())
save_copy(model, info, bundled, provenance=info.metadata["provenance"])
after, written = load_model(bundled)
for key, value in after.state_dict().items():
    assert torch.equal(value, before[key]), f"{key} changed"
print(f"{used} photos ({dropped} below M {MIN_M:g} dropped); wrote bin weights into {bundled}:")
print(f"  {min(written.bin_weights or ()):.3g} to {max(written.bin_weights or ()):.3g}")
