"""Train a distribution head (529 bins) on cached 0-hint features (see auto_cache.py).

    python docs/recipes/frozen_heads/auto_train.py CACHE OUT.pt [--rebalance] [--no-context] [--epochs N]

Soft targets (5 nearest bins) as the network's own head; ``--rebalance`` weights each cell by the
bundled file's bin weights, else the head learns the photos' own (honest) distribution. The last
twentieth of the photos is validation; at the end the bundled head's honest distribution
(softmax / bin weights) is scored on the same cells.
"""

import argparse
import time
from pathlib import Path

import torch
from heads import ContextHead

from ideepcolor_app.colour.ab_bins import ab_to_bin, bin_centers
from ideepcolor_app.network.weights import load_model
from ideepcolor_app.training.rebalance import soft_targets

parser = argparse.ArgumentParser()
parser.add_argument("cache")
parser.add_argument("out")
parser.add_argument("--no-context", action="store_true")
parser.add_argument("--rebalance", action="store_true")
parser.add_argument("--epochs", type=float, default=1.5)
parser.add_argument("--hidden", type=int, default=512)
parser.add_argument("--lr", type=float, default=1e-3)
parser.add_argument("--batch", type=int, default=4096)
args = parser.parse_args()
torch.manual_seed(0)
cache = torch.load(args.cache)
local = torch.cat([cache["f8"], cache["f10"], cache["ab"] / 50], 1)
contexts, photo, truth = cache["ctx"], cache["photo"].long(), cache["truth"].float()
lm, ls = local.float().mean(0), local.float().std(0) + 1e-3
cm, cs = contexts.float().mean(0), contexts.float().std(0) + 1e-3
photos = len(contexts)
validation = photo >= photos - max(1, photos // 20)
train_cells, val_cells = torch.nonzero(~validation)[:, 0], torch.nonzero(validation)[:, 0]
print("cells", len(train_cells), len(val_cells))
model, info = load_model(Path("weights/ideepcolor-fast.safetensors"))
bin_weights = torch.tensor(info.bin_weights)
centres = bin_centers()
head = ContextHead(local.shape[1], contexts.shape[1], args.hidden, 529)


def inputs(cells: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    x = (local[cells].float() - lm) / ls
    c = (contexts[photo[cells]].float() - cm) / cs
    return x, torch.zeros_like(c) if args.no_context else c


def soft_cross_entropy(logits: torch.Tensor, ab: torch.Tensor) -> torch.Tensor:
    index, shares = soft_targets(ab[:, :, None, None])
    log_p = torch.log_softmax(logits.float(), 1)
    return -(log_p.gather(1, index[:, :, 0, 0]) * shares[:, :, 0, 0]).sum(1)


def validate() -> tuple[float, float]:
    """Mean soft cross-entropy and squared ab error of the distribution's mean, validation cells."""
    head.eval()
    ce = se = 0.0
    with torch.no_grad():
        for s in range(0, len(val_cells), 16384):
            cells = val_cells[s : s + 16384]
            with torch.autocast("cpu", torch.bfloat16):
                logits = head(*inputs(cells))
            ce += float(soft_cross_entropy(logits, truth[cells]).sum())
            se += float(((torch.softmax(logits.float(), 1) @ centres - truth[cells]) ** 2).sum())
    head.train()
    return ce / len(val_cells), se / len(val_cells)


steps = int(args.epochs * len(train_cells) / args.batch)
optimiser = torch.optim.AdamW(head.parameters(), lr=args.lr, weight_decay=1e-4)
schedule = torch.optim.lr_scheduler.OneCycleLR(optimiser, args.lr, total_steps=steps, pct_start=0.05)
start = time.time()
for step in range(steps):
    cells = train_cells[torch.randint(len(train_cells), (args.batch,))]
    with torch.autocast("cpu", torch.bfloat16):
        logits = head(*inputs(cells))
    per_cell = soft_cross_entropy(logits, truth[cells])
    if args.rebalance:
        per_cell = per_cell * bin_weights[ab_to_bin(truth[cells][:, :, None, None])[:, 0, 0]]
    loss = per_cell.mean()
    optimiser.zero_grad()
    loss.backward()
    optimiser.step()
    schedule.step()
    if step % 200 == 0 or step == steps - 1:
        ce, se = validate()
        print(step, steps, f"loss {loss.item():.3f} val ce {ce:.3f} se {se:.1f} {time.time() - start:.0f}s", flush=True)
with torch.no_grad():
    t = truth[val_cells]
    logits = model.model_class(cache["f8"][val_cells].float()[:, :, None, None])[:, :, 0, 0]
    honest = torch.softmax(logits, 1) / bin_weights
    honest = honest / honest.sum(1, keepdim=True)
    index, shares = soft_targets(t[:, :, None, None])
    ce = -(honest.clamp_min(1e-12).log().gather(1, index[:, :, 0, 0]) * shares[:, :, 0, 0]).sum(1).mean()
    se_bundled = ((honest @ centres - t) ** 2).sum(1).mean()
    se_ab = ((cache["ab"][val_cells].float() - t) ** 2).sum(1).mean()
print(f"bundled head (honest): ce {ce:.3f} se {se_bundled:.1f}; the shown ab output: se {se_ab:.1f}")
torch.save(
    {
        "state": head.state_dict(),
        "lm": lm,
        "ls": ls,
        "cm": cm,
        "cs": cs,
        "hidden": args.hidden,
        "no_context": args.no_context,
    },
    args.out,
)
