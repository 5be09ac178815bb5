"""Give the bundled fast model its measured hint locality (and the measurements behind it).

    python docs/recipes/bundle_locality.py BUNDLED 'W0 SIGMA FLOOR' EVAL_JSON [VARIATIONS_JSON]

'W0 SIGMA FLOOR' (see ideepcolor_app/colour/locality.py) was chosen on BSDS500 train photos
(runs/bsds-train, never dev-eval) with docs/recipes/locality_grid.py; EVAL_JSON is
``evaluate --hint-locality ... --json`` of the file on the 200 dev-eval photos, stored in its metrics,
and VARIATIONS_JSON ``evaluate --hints 0,1,5 --variations 6 --json`` of the result (variations
change with local hints), stored in place of the earlier variations measurement.
Every tensor stays as it is (checked); the file is rewritten in place, atomically.
"""

import json
import sys
from pathlib import Path

import torch

from ideepcolor_app.colour.locality import HintLocality
from ideepcolor_app.network.weights import load_model, save_copy

bundled_path, locality = Path(sys.argv[1]), HintLocality.from_text(sys.argv[2])
evaluation = json.loads(Path(sys.argv[3]).read_text())
model, info = load_model(bundled_path)
before = {k: v.clone() for k, v in model.state_dict().items()}
metrics = dict(info.metadata["metrics"])
metrics["dev_eval_200_local_hints"] = {
    "hint_locality": locality.to_text(),
    "psnr_db": evaluation["vivid"]["psnr_db"],
    "chroma_ratio": evaluation["vivid"]["chroma_ratio"],
    "reach": evaluation["reach"],
    "reach_network_ab": evaluation["reach_network_ab"],
}
if len(sys.argv) > 4:
    metrics["dev_eval_200_variations"] = json.loads(Path(sys.argv[4]).read_text())["variations"]
info.hint_locality = locality
info.metadata["metrics"] = metrics
save_copy(model, info, bundled_path, provenance=info.metadata["provenance"])
after, written = load_model(bundled_path)
for key, value in after.state_dict().items():
    assert torch.equal(value, before[key]), f"{key} changed"
print(f"wrote {bundled_path}: hint locality {written.hint_locality}, vivid temperature {written.vivid_temperature}")
