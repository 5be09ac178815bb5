"""Issue 29: make a trained, calibrated file the bundled fast model, with its measured vivid colours
and hint locality (and, when given, the dev-eval measurements behind them).

    python docs/recipes/bundle_colour.py SOURCE OUT TEMPERATURE MIX 'W0 SIGMA FLOOR' [EVAL_JSON]

SOURCE is ``ideepcolor weights calibrate``'s output; TEMPERATURE and MIX were chosen on the BSDS500
train/val photos (runs/bsds-train, held out of training) with docs/recipes/vivid_grid.py, the
locality with ``evaluate --hint-locality`` on the same photos. OUT is written in fp16 under the
bundled model's name. EVAL_JSON, ``evaluate ../shared/datasets/dev-eval --variations 6 --json`` of
OUT, is stored in its metrics (rerun with it after the first write). Tensors are checked.
"""

import json
import sys
from pathlib import Path

import torch

from ideepcolor_app.colour.locality import HintLocality
from ideepcolor_app.network.weights import load_model, save_copy

source, out = Path(sys.argv[1]), Path(sys.argv[2])
temperature, mix, locality = float(sys.argv[3]), float(sys.argv[4]), HintLocality.from_text(sys.argv[5])
evaluation = json.loads(Path(sys.argv[6]).read_text()) if len(sys.argv) > 6 else None
model, info = load_model(source)
before = {k: v.clone() for k, v in model.state_dict().items()}
metrics = dict(info.metadata.get("metrics") or {})
if evaluation is not None:
    metrics["dev_eval_200"] = {
        "psnr_db_ab_output": evaluation["psnr_db"],
        "default": evaluation["vivid"],
        "reach": evaluation["reach"],
        "reach_network_ab": evaluation["reach_network_ab"],
        "colour": evaluation.get("colour"),
    }
    if evaluation.get("variations"):
        metrics["dev_eval_200_variations"] = evaluation["variations"]
info.name = "ideepcolor-fast"
info.vivid_temperature, info.vivid_mix, info.hint_locality = temperature, mix, locality
info.metadata["metrics"] = metrics
info.metadata["quantization"] = "fp16"
save_copy(model, info, out, provenance=info.metadata["provenance"])
after, written = load_model(out)
for key, value in after.state_dict().items():
    if value.is_floating_point():
        assert torch.allclose(value.float(), before[key].float(), rtol=1e-3, atol=1e-4), f"{key} changed"
    else:
        assert torch.equal(value, before[key]), f"{key} changed"
print(f"wrote {out}: {written.vivid}, hint locality {written.hint_locality}, global hints {written.global_hints}")
