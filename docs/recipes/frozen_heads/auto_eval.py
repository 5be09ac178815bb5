"""Score distribution heads (auto_train.py) on held-out photos at 0 hints, as the app shows them.

    TS=0.8,0.6 MS=0.2,0.4 [HONEST=HONEST.pt HM=0.15,0.3] \
        python docs/recipes/frozen_heads/auto_eval.py HEAD.pt PHOTOS [LIMIT]

Each photo (stretched to 256x256) runs once with its guessed saturation; the default row shows its ab
output (the app's automatic result), each other row ``ab + m (annealed mean of HEAD at T - ab)``, plus
``h (mean of HONEST at T = 1 - ab)`` with a second, honest head; colour edges fitted as the app does.
"""

import itertools
import os
import sys
from pathlib import Path

import torch
import torch.nn.functional as F
from heads import ContextHead, context, hook_features

from ideepcolor_app.colour.ab_bins import annealed_mean
from ideepcolor_app.colour.color import lab_to_rgb
from ideepcolor_app.colour.edge_fit import fit_to_lightness
from ideepcolor_app.evaluation.colour_scores import ColourScore
from ideepcolor_app.evaluation.evaluate import _rgb8, photo_lab, psnr_8bit
from ideepcolor_app.hints.global_hints import GlobalHints
from ideepcolor_app.hints.hint_batch import HintBatch
from ideepcolor_app.inference.network import Network
from ideepcolor_app.photos.images import list_images


def load_head(path: str) -> tuple[ContextHead, dict]:
    saved = torch.load(path)
    head = ContextHead(len(saved["lm"]), len(saved["cm"]), saved["hidden"], 529)
    head.load_state_dict(saved["state"])
    return head.eval(), saved


def logits_of(head: ContextHead, saved: dict, local: torch.Tensor, ctx: torch.Tensor) -> torch.Tensor:
    """(1, 529, 64, 64) the head's logits for one photo's (1, L, 64, 64) features and (1, C) context."""
    x = (local[0].flatten(1).T - saved["lm"]) / saved["ls"]
    c = ((ctx - saved["cm"]) / saved["cs"]).expand(len(x), -1)
    with torch.no_grad():
        return head(x, torch.zeros_like(c) if saved["no_context"] else c).T.reshape(1, 529, 64, 64)


def upsampled_mean(logits: torch.Tensor, temperature: float) -> torch.Tensor:
    mean = annealed_mean(logits, temperature)
    return F.interpolate(mean, size=(256, 256), mode="bilinear", align_corners=False)


head, saved = load_head(sys.argv[1])
honest = load_head(os.environ["HONEST"]) if os.environ.get("HONEST") else None
temperatures = [float(v) for v in os.environ.get("TS", "1,0.6,0.38").split(",")]
mixes = [float(v) for v in os.environ.get("MS", "0.5,0.75,1").split(",")]
honest_mixes = [float(v) for v in os.environ.get("HM", "0").split(",")]
rows = [("default", 0.0, 0.0, 0.0)]
rows += [(f"T{t} mix{m} h{h}", t, m, h) for t, m, h in itertools.product(temperatures, mixes, honest_mixes)]
net = Network.from_file(Path("weights/ideepcolor-fast.safetensors"), torch.device("cpu"))
grab = hook_features(net.model)
scores = {r[0]: ColourScore() for r in rows}
psnr = {r[0]: 0.0 for r in rows}
images = list_images([sys.argv[2]])[: int(sys.argv[3]) if len(sys.argv) > 3 else None]
for path in images:
    lab = photo_lab(path, 256, "cpu")
    l, ab = lab[:1], lab[1:]
    truth = lab_to_rgb(lab)
    truth8 = _rgb8(truth)
    vector = GlobalHints(saturation=float(net.guess_saturation(l[None])[0])).vector(net.device)[None]
    empty = HintBatch.empty()
    out = net.forward(net.encode(l[None], empty), hint_counts=empty.counts(), global_hints=vector)
    pooled = [F.avg_pool2d(t, 4) for t in (grab["model10"].float(), out.ab / 50)]
    # the cache stored them in fp16: so are they here
    local = torch.cat([grab["model8"].float(), *pooled], 1).half().float()
    ctx = context(grab).half().float()
    logits = logits_of(head, saved, local, ctx)
    honest_mean = upsampled_mean(logits_of(*honest, local, ctx), 1.0) if honest else None
    for name, t, m, h in rows:
        shown = out.ab
        if m:
            shown = shown + m * (upsampled_mean(logits, t) - out.ab)
        if h and honest_mean is not None:
            shown = shown + h * (honest_mean - out.ab)
        a = fit_to_lightness(shown, l[None])[0]
        rgb = lab_to_rgb(torch.cat((l, a)))
        psnr[name] += psnr_8bit(rgb, truth)
        scores[name].add(a, ab, _rgb8(rgb), truth8)
print(f"{sys.argv[1]}, {len(images)} photos, 0 hints")
families = ("red/orange", "yellow", "green", "cyan/blue", "purple/pink")
print("row                  PSNR  hue hit  " + " ".join(f[:6] for f in families) + "  colourfulness")
for name, sc in scores.items():
    by_family = " ".join(f"{sc.family_hit(f):6.2f}" for f in families)
    print(f"{name:18s} {psnr[name] / len(images):6.2f} {sc.hue_hit:6.2f}   {by_family}  {sc.colourfulness_ratio:6.2f}")
