"""Cache the bundled network's features at 0 hints (the guessed saturation, as the app runs it).

    python docs/recipes/frozen_heads/auto_cache.py OUT.pt PHOTOS POSITIONS SOURCES...

SOURCES: tar shards or folders (never the evaluation photos); PHOTOS photos are read, near-grey ones
skipped, each stretched to 256x256; POSITIONS random cells of its 64x64 head grid are kept.
"""

import sys
import time
from pathlib import Path

import cv2
import numpy as np
import torch
import torch.nn.functional as F
from heads import context, hook_features, photo_batches

from ideepcolor_app.colour.color import rgb_to_lab
from ideepcolor_app.hints.global_hints import GlobalHints
from ideepcolor_app.hints.hint_batch import HintBatch
from ideepcolor_app.inference.network import Network

out_path, limit, positions = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
sources = [Path(s) for s in sys.argv[4:]]
torch.manual_seed(0)
net = Network.from_file(Path("weights/ideepcolor-fast.safetensors"), torch.device("cpu"))
grab = hook_features(net.model)
store: dict[str, list[torch.Tensor]] = {k: [] for k in ("f8", "f10", "ab", "truth", "ctx", "photo", "pos")}


def run(batch: list[np.ndarray]) -> None:
    squares = np.stack([cv2.resize(p, (256, 256), interpolation=cv2.INTER_AREA) for p in batch])
    lab = rgb_to_lab(torch.from_numpy(squares).permute(0, 3, 1, 2).float() / 255)
    l = lab[:, :1]
    vectors = torch.stack([GlobalHints(saturation=float(g)).vector(net.device) for g in net.guess_saturation(l)])
    empty = HintBatch.empty(len(batch))
    out = net.forward(net.encode(l, empty), hint_counts=empty.counts(), global_hints=vectors)
    f8, ctx = grab["model8"].float(), context(grab)
    truth, ab, f10 = (F.avg_pool2d(t, 4) for t in (lab[:, 1:], out.ab, grab["model10"].float()))
    for b in range(len(batch)):
        cells = torch.randperm(64 * 64)[:positions]
        for key, t in (("f8", f8), ("f10", f10), ("ab", ab), ("truth", truth)):
            store[key].append(t[b].flatten(1)[:, cells].T.half())
        store["ctx"].append(ctx[b].half())
        store["photo"].append(torch.full((len(cells),), len(store["ctx"]) - 1, dtype=torch.int32))
        store["pos"].append(cells.short())


start = time.time()
for batch in photo_batches(sources, limit):
    run(batch)
    print(len(store["ctx"]), f"{time.time() - start:.0f}s", flush=True)
torch.save({k: torch.stack(v) if k == "ctx" else torch.cat(v) for k, v in store.items()}, out_path)
print("done", len(store["ctx"]), f"{time.time() - start:.0f}s")
