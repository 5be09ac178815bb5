"""A correction head for passes with hints, on the bundled network's frozen features.

    python docs/recipes/frozen_heads/hinted_head.py cache OUT.pt PHOTOS SOURCES...
    python docs/recipes/frozen_heads/hinted_head.py train CACHE HEAD.pt [STEPS]

``cache`` gives each photo (stretched to 256x256) the evaluation protocol's hints at a random count
and runs it as the app does (at the weights' hinted side, 160), keeping 256 random cells of the
head's 40x40 grid. ``train`` fits an ab correction per cell by squared error against the truth
pooled to the grid; the last twentieth of the photos is validation.
"""

import sys
import time
from pathlib import Path

import cv2
import numpy as np
import torch
import torch.nn.functional as F
from heads import correction_head, hinted_features, hook_features, photo_batches

from ideepcolor_app.colour.color import rgb_to_lab
from ideepcolor_app.evaluation.evaluate import hints_for_counts
from ideepcolor_app.hints.hint_batch import HintBatch
from ideepcolor_app.inference.network import Network
from ideepcolor_app.network.architecture import NetworkOutput

COUNTS = [1, 2, 3, 5, 7, 10, 15, 20, 30, 50, 100]
RAW_AB = slice(96, 98)
"""Where the ab output / 50 lies among the local features."""


def cache(out_path: str, limit: int, sources: list[Path]) -> None:
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    net = Network.from_file(Path("weights/ideepcolor-fast.safetensors"), torch.device("cpu"))
    grab = hook_features(net.model)
    seen: dict[str, torch.Tensor] = {}
    plain = net.forward

    def forward(x: torch.Tensor, should_stop=None, hint_counts=None, global_hints=None) -> NetworkOutput:
        out = plain(x, should_stop, hint_counts, global_hints)
        seen["x"], seen["ab"], seen["counts"] = x, out.ab, hint_counts
        return out

    net.forward = forward  # type: ignore[method-assign]
    store: dict[str, list[torch.Tensor]] = {k: [] for k in ("loc", "truth", "ctx", "photo")}

    def run(batch: list[np.ndarray]) -> None:
        squares = np.stack([cv2.resize(p, (256, 256), interpolation=cv2.INTER_AREA) for p in batch])
        lab = rgb_to_lab(torch.from_numpy(squares).permute(0, 3, 1, 2).float() / 255)
        first = len(store["ctx"])
        rows = [
            hints_for_counts(lab[b, 1:], [int(rng.choice(COUNTS))], 1, first + b, 256, 6) for b in range(len(batch))
        ]
        net.colour(lab[:, :1], HintBatch.cat(rows))
        side = seen["x"].shape[-1]
        local, ctx = hinted_features(grab, seen["x"], seen["ab"], seen["counts"])
        truth = F.avg_pool2d(F.interpolate(lab[:, 1:], size=(side, side), mode="area"), 4)
        for b in range(len(batch)):
            cells = torch.randperm(local.shape[-1] * local.shape[-2])[:256]
            store["loc"].append(local[b].flatten(1)[:, cells].T.half())
            store["truth"].append(truth[b].flatten(1)[:, cells].T.half())
            store["ctx"].append(ctx[b].half())
            store["photo"].append(torch.full((len(cells),), len(store["ctx"]) - 1, dtype=torch.int32))

    start = time.time()
    for batch in photo_batches(sources, limit):
        run(batch)
        print(len(store["ctx"]), f"{time.time() - start:.0f}s", flush=True)
    torch.save({k: torch.stack(v) if k == "ctx" else torch.cat(v) for k, v in store.items()}, out_path)
    print("done", len(store["ctx"]))


def train(cache_path: str, out_path: str, steps: int) -> None:
    data = torch.load(cache_path)
    torch.manual_seed(0)
    local, contexts, photo, truth = data["loc"], data["ctx"], data["photo"].long(), data["truth"].float()
    lm, ls = local.float().mean(0), local.float().std(0) + 1e-3
    cm, cs = contexts.float().mean(0), contexts.float().std(0) + 1e-3
    photos = len(contexts)
    validation = photo >= photos - photos // 20
    train_cells, val_cells = torch.nonzero(~validation)[:, 0], torch.nonzero(validation)[:, 0]
    raw = local[:, RAW_AB].float() * 50
    head = correction_head(local.shape[1], contexts.shape[1])

    def inputs(cells: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return (local[cells].float() - lm) / ls, (contexts[photo[cells]].float() - cm) / cs

    def validate() -> tuple[float, float]:
        with torch.no_grad():
            corrected = raw[val_cells] + head(*inputs(val_cells))
            t = truth[val_cells]
            return float(((corrected - t) ** 2).sum(1).mean()), float(((raw[val_cells] - t) ** 2).sum(1).mean())

    optimiser = torch.optim.AdamW(head.parameters(), lr=1e-3, weight_decay=1e-4)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimiser, 1e-3, total_steps=steps, pct_start=0.05)
    start = time.time()
    for step in range(steps):
        cells = train_cells[torch.randint(len(train_cells), (4096,))]
        with torch.autocast("cpu", torch.bfloat16):
            delta = head(*inputs(cells))
        loss = ((raw[cells] + delta.float() - truth[cells]) ** 2).sum(1).mean()
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        schedule.step()
        if step % 250 == 0 or step == steps - 1:
            corrected, uncorrected = validate()
            print(
                step,
                f"train {loss.item():.1f} val corrected {corrected:.1f} uncorrected {uncorrected:.1f}",
                f"{time.time() - start:.0f}s",
                flush=True,
            )
    torch.save({"state": head.state_dict(), "lm": lm, "ls": ls, "cm": cm, "cs": cs}, out_path)


if __name__ == "__main__":
    if sys.argv[1] == "cache":
        cache(sys.argv[2], int(sys.argv[3]), [Path(s) for s in sys.argv[4:]])
    else:
        train(sys.argv[2], sys.argv[3], int(sys.argv[4]) if len(sys.argv) > 4 else 1500)
