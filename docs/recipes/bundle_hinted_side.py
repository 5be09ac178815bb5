"""Write a copy of a weights file that takes photos with hints at another side (issue 29,
docs/training.md, "Hints at the scale the network learned").

    python docs/recipes/bundle_hinted_side.py WEIGHTS SIDE OUT

SIDE (a multiple of 8 from 64 to 1024) is stored as the file's ``hinted_side``: passes with hints
asked for a larger square run at SIDE and their outputs are resampled (``Network.colour``); passes
without hints are unchanged. Every tensor stays as it is (checked); OUT is written atomically and
may be WEIGHTS itself. The bundled fast model's side, 160, was chosen on the held-out photos with
``ideepcolor evaluate runs/bsds-train --weights OUT`` for 256, 192 and 160.
"""

import sys
from pathlib import Path

import torch

from ideepcolor_app.network.weights import load_model, save_copy

source, side, out = Path(sys.argv[1]), int(sys.argv[2]), Path(sys.argv[3])
model, info = load_model(source)
before = {k: v.clone() for k, v in model.state_dict().items()}
info.hinted_side = side
save_copy(model, info, out, provenance=info.metadata["provenance"] | {"hinted_side_from": source.name})
after, written = load_model(out)
for key, value in after.state_dict().items():
    assert torch.equal(value, before[key]), f"{key} changed"
print(f"wrote {out}: hinted side {written.hinted_side}")
