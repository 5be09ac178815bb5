"""Write the bundled fast model with its trained global-hints branch.

    python docs/recipes/bundle_global.py TRAINED EVAL_JSON BUNDLED OUT

TRAINED is ``train --global-only``'s export, EVAL_JSON ``evaluate --global-hints ... --json`` of it,
BUNDLED the fast model it was trained from. OUT keeps BUNDLED's name, conventions, calibration,
provenance and metrics, adds the branch's recipe and measurements, and is stored in fp16 as BUNDLED is.
Its trunk is BUNDLED's exactly (the branch trained alone), which this script checks.
"""

import json
import sys
from pathlib import Path

import torch

from ideepcolor_app.network.weights import load_model, load_state_dict, save_weights

trained_path, eval_path, bundled_path, out_path = (Path(a) for a in sys.argv[1:5])
trained, trained_info = load_model(trained_path)
bundled, info = load_model(bundled_path)
assert trained_info.global_hints, "the trained file has no global-hints branch"
state = trained.state_dict()
for key, value in bundled.state_dict().items():
    assert torch.equal(value, state[key]), f"{key} differs from the bundled model's: not a branch-only run"
evaluation = json.loads(eval_path.read_text())
provenance = dict(info.metadata["provenance"])
provenance["global_hints_branch"] = {
    "recipe": "ideepcolor train --init (the bundled model) --global-only --chroma-weight 1: the branch alone "
    "(1x1 layers from a 529-bin ab histogram and a mean HSV saturation, each with a given flag, added to conv4 "
    "and conv8 and scaling/shifting conv10), trunk and batch norms frozen; each crop given its own histogram, "
    "saturation or both at random, local hints as before; per-image log-MSE + cross-entropy + a mean-chroma "
    "loss for images given global hints; AdamW lr 1e-3, cosine over 95 minutes, EMA 0.998, bf16 autocast.",
    **{k: trained_info.metadata["provenance"].get(k) for k in ("steps", "images_seen", "train_seconds", "device")},
}
metrics = dict(info.metadata["metrics"])
metrics["dev_eval_200_global_hints"] = evaluation["global_hints"]
metrics["dev_eval_200"] = {
    "psnr_db": evaluation["psnr_db"],
    "yardsticks_psnr_db": evaluation["yardsticks_psnr_db"],
    "chroma_ratio": evaluation["chroma_ratio"],
    "reach": evaluation["reach"],
}
save_weights(
    state,
    out_path,
    mask_convention=info.mask_convention,
    name=info.name,
    provenance=provenance,
    metrics=metrics,
    half=True,
    hint_encoding=info.hint_encoding,
    residual_scales=info.residual_scales,
    fill_prior_weight=info.fill_prior_weight,
)
_, written = load_state_dict(out_path)
print(f"wrote {out_path} ({out_path.stat().st_size / 1e6:.1f} MB), global hints: {written.global_hints}")
