"""Issue 29: does the palette offer the true colour? Top-1/3/9 hit rate of the suggested colours.

At 20 random 4x4 cells of each photo (stretched to 256x256, no hints), a suggestion hits when it is
within 15 ab units of the cell's mean true ab. Cells are split into coloured (true chroma > 10) and
near-grey ones. Two rankings: the reference GUI's softmax(0.2 * logits), and the head's distribution
without its rebalancing (divided by the weights file's ``bin_weights``), as the app ranks them now.

    python docs/recipes/palette_hits.py WEIGHTS PHOTOS_DIR [--limit N]
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from ideepcolor_app.colour.ab_bins import plausibility
from ideepcolor_app.colour.encoding import encode_hints
from ideepcolor_app.colour.suggest import suggest_colors
from ideepcolor_app.evaluation.evaluate import photo_lab
from ideepcolor_app.hints.hint_batch import HintBatch
from ideepcolor_app.network.weights import load_model
from ideepcolor_app.photos.images import list_images

parser = argparse.ArgumentParser()
parser.add_argument("weights")
parser.add_argument("photos")
parser.add_argument("--limit", type=int)
args = parser.parse_args()
model, info = load_model(Path(args.weights))
model.eval()
rankings = {"reference softmax(0.2 logits)": None, "without rebalancing": info.bin_weights}
hits = {(name, kind, k): 0 for name in rankings for kind in ("coloured", "grey") for k in (1, 3, 9)}
cells = {"coloured": 0, "grey": 0}
rng = np.random.default_rng(0)
for path in list_images([args.photos])[: args.limit]:
    lab = photo_lab(path, 256, "cpu")
    x = encode_hints(lab[None, :1], HintBatch.empty(), info.mask_convention, info.hint_encoding, info.fill_prior_weight)
    with torch.inference_mode():
        logits = model(x, hint_counts=torch.zeros(1, dtype=torch.long)).logits.float()
    true_ab = F.avg_pool2d(lab[None, 1:], 4)[0]
    chroma = true_ab.norm(dim=0)
    for kind, where in (("coloured", chroma > 10), ("grey", chroma <= 10)):
        rows, cols = torch.nonzero(where, as_tuple=True)
        for i in rng.choice(len(rows), min(20, len(rows)), replace=False) if len(rows) else []:
            row, col = int(rows[i]), int(cols[i])
            truth = true_ab[:, row, col].tolist()
            cells[kind] += 1
            for name, weights in rankings.items():
                probabilities = plausibility(logits[:, :, row, col], weights)[0]
                ranked = suggest_colors(probabilities, float(lab[0, 4 * row, 4 * col]))
                for k in (1, 3, 9):
                    hits[(name, kind, k)] += any(math.dist(s.ab, truth) < 15 for s in ranked[:k])
for kind, count in cells.items():
    for name in rankings:
        rates = " ".join(f"top{k} {hits[(name, kind, k)] / max(count, 1):.3f}" for k in (1, 3, 9))
        print(f"{kind:9s} ({count} cells) {name:32s} {rates}")
