"""Issue 29: choose how the automatic colour is shown, on photos outside dev-eval.

For each photo (stretched to 256x256, no hints) the network runs once; every (temperature, mix) pair
then shows ab + mix * (annealed_mean(T) - ab) and is scored: PSNR, hue hit by family, colourfulness.

    python docs/recipes/vivid_grid.py WEIGHTS PHOTOS_DIR [--limit N]
"""

from __future__ import annotations

import argparse
import itertools
from pathlib import Path

import torch
import torch.nn.functional as F

from ideepcolor_app.colour.ab_bins import annealed_mean
from ideepcolor_app.colour.color import lab_to_rgb
from ideepcolor_app.colour.encoding import encode_hints
from ideepcolor_app.evaluation.colour_scores import ColourScore
from ideepcolor_app.evaluation.evaluate import _rgb8, photo_lab, psnr_8bit
from ideepcolor_app.hints.hint_batch import HintBatch
from ideepcolor_app.network.weights import load_model
from ideepcolor_app.photos.images import list_images

parser = argparse.ArgumentParser()
parser.add_argument("weights")
parser.add_argument("photos")
parser.add_argument("--limit", type=int)
parser.add_argument("--temperatures", default="0.38,0.6,1,1.5")
parser.add_argument("--mixes", default="0,0.25,0.4,0.5,0.6,0.75,1")
args = parser.parse_args()
model, info = load_model(Path(args.weights))
model.eval()
temperatures = [float(t) for t in args.temperatures.split(",")]
mixes = [float(m) for m in args.mixes.split(",")]
scores = {key: ColourScore() for key in itertools.product(temperatures, mixes)}
psnr = {key: 0.0 for key in scores}
images = list_images([args.photos])[: args.limit]
for path in images:
    lab = photo_lab(path, 256, "cpu")
    l, ab = lab[:1], lab[1:]
    x = encode_hints(l[None], HintBatch.empty(), info.mask_convention, info.hint_encoding, info.fill_prior_weight)
    with torch.inference_mode():
        out = model(x, hint_counts=torch.zeros(1, dtype=torch.long))
    truth = lab_to_rgb(lab)
    truth8 = _rgb8(truth)
    for t in temperatures:
        mean = F.interpolate(annealed_mean(out.logits, t), size=(256, 256), mode="bilinear", align_corners=False)[0]
        for m in mixes:
            shown = out.ab[0] + m * (mean - out.ab[0])
            rgb = lab_to_rgb(torch.cat((l, shown)))
            psnr[(t, m)] += psnr_8bit(rgb, truth)
            scores[(t, m)].add(shown, ab, _rgb8(rgb), truth8)
print(f"{args.weights}, {len(images)} photos from {args.photos}, 0 hints")
print("T     mix   PSNR   hue-hit  red/or yellow green  cy/blue pur/pink  colourfulness")
for (t, m), s in scores.items():
    fam = " ".join(f"{s.family_hit(n):6.2f}" for n in ("red/orange", "yellow", "green", "cyan/blue", "purple/pink"))
    print(f"{t:<5g} {m:<5g} {psnr[(t, m)] / len(images):6.2f} {s.hue_hit:6.2f}   {fam}   {s.colourfulness_ratio:6.2f}")
