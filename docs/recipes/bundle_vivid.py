"""Give the bundled fast model its measured vivid temperature (and the measurements behind it).

    python docs/recipes/bundle_vivid.py BUNDLED TEMPERATURE [EVAL_JSON]

TEMPERATURE is the annealed mean's temperature chosen from ``evaluate --annealed-mean`` on the 200
dev-eval photos (the lowest with a chroma ratio of at least 0.6 at 0 hints, the model card in weights/README.md);
EVAL_JSON, ``evaluate --vivid-temperature T --variations 6 --json`` of the file, is stored in its
metrics. Every tensor stays as it is (checked); the file is rewritten in place, atomically.
"""

import json
import sys
from pathlib import Path

import torch

from ideepcolor_app.network.weights import load_model, save_copy

bundled_path, temperature = Path(sys.argv[1]), float(sys.argv[2])
evaluation = json.loads(Path(sys.argv[3]).read_text()) if len(sys.argv) > 3 else None
model, info = load_model(bundled_path)
before = {k: v.clone() for k, v in model.state_dict().items()}
metrics = dict(info.metadata["metrics"])
if evaluation is not None:
    metrics["dev_eval_200_vivid"] = evaluation["vivid"] | {"annealed_mean": evaluation.get("annealed_mean", {})}
    metrics["dev_eval_200_variations"] = evaluation.get("variations")
info.vivid_temperature = temperature
info.metadata["metrics"] = metrics
save_copy(model, info, bundled_path, provenance=info.metadata["provenance"])
after, written = load_model(bundled_path)
for key, value in after.state_dict().items():
    assert torch.equal(value, before[key]), f"{key} changed"
print(f"wrote {bundled_path}: vivid temperature {written.vivid_temperature}, global hints {written.global_hints}")
