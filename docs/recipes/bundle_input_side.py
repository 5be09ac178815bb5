"""Write a copy of a weights file that colours at another input side (issue 29, docs/training.md).

    python docs/recipes/bundle_input_side.py WEIGHTS SIDE OUT

SIDE (a multiple of 8 from 64 to 1024) is stored as the file's ``input_side``: passes asked for a
larger square run at SIDE and their outputs are resampled (``Network.colour``). Every tensor stays as
it is (checked); OUT is written atomically and may be WEIGHTS itself.
"""

import sys
from pathlib import Path

import torch

from ideepcolor_app.network.weights import load_model, save_copy

source, side, out = Path(sys.argv[1]), int(sys.argv[2]), Path(sys.argv[3])
model, info = load_model(source)
before = {k: v.clone() for k, v in model.state_dict().items()}
info.input_side = side
save_copy(model, info, out, provenance=info.metadata["provenance"] | {"input_side_from": source.name})
after, written = load_model(out)
for key, value in after.state_dict().items():
    assert torch.equal(value, before[key]), f"{key} changed"
print(f"wrote {out}: input side {written.input_side}")
