"""Heads trained on the bundled network's frozen features (issue 29; measured, not shipped).

Both read, at each cell of the distribution head's grid (a quarter of the pass's side), local
features (conv8, conv10 pooled, the ab output, ...) and one context vector per photo (conv7's mean
and spread, conv8's mean): the scene, which a 1x1 head cannot see.
"""

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from ideepcolor_app.training.data import decode_rgb, is_near_grey, iter_encoded, manifest_members


class ContextHead(nn.Module):
    """An MLP from local features plus the photo's context to ``outputs`` numbers per cell."""

    def __init__(self, local: int, context: int, hidden: int, outputs: int, scale: float = 1.0) -> None:
        super().__init__()
        self.local, self.context, self.scale = nn.Linear(local, hidden), nn.Linear(context, hidden), scale
        self.mlp = nn.Sequential(nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(), nn.Linear(hidden, outputs))

    def forward(self, x: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
        return self.mlp(self.local(x) + self.context(c)) * self.scale


def correction_head(local: int, context: int) -> ContextHead:
    """The hinted passes' head: an ab correction per cell, starting at none."""
    head = ContextHead(local, context, 128, 2, scale=10.0)
    nn.init.zeros_(head.mlp[-1].weight)
    nn.init.zeros_(head.mlp[-1].bias)
    return head


def hook_features(model: nn.Module) -> dict[str, torch.Tensor]:
    """A dict that each pass of ``model`` fills with its conv7, conv8 and conv10 outputs."""
    grab: dict[str, torch.Tensor] = {}
    for name in ("model7", "model8", "model10"):
        getattr(model, name).register_forward_hook(lambda m, i, o, name=name: grab.__setitem__(name, o))
    return grab


def context(grab: dict[str, torch.Tensor]) -> torch.Tensor:
    """(B, 320) each photo's context: conv7's mean and spread, conv8's mean."""
    f7, f8 = grab["model7"].float(), grab["model8"].float()
    return torch.cat([f7.mean((2, 3)), f7.std((2, 3)), f8.mean((2, 3))], 1)


def hinted_features(
    grab: dict[str, torch.Tensor], x: torch.Tensor, raw_ab: torch.Tensor, counts: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """(B, 102, h, w) local features of a pass with hints (conv8, conv10 pooled, its ab output / 50,
    the encoded fill and mask pooled, log(1 + hints)) and (B, 320) its context."""
    f8, f10 = grab["model8"].float(), grab["model10"].float()
    hints = torch.log1p(counts.float()).view(-1, 1, 1, 1).expand(-1, 1, *f8.shape[-2:])
    pooled = [F.avg_pool2d(t, 4) for t in (f10, raw_ab.float() / 50, x[:, 1:4].float())]
    return torch.cat([f8, *pooled, hints], 1), context(grab)


def photo_batches(sources: list[Path], count: int, batch: int = 32) -> Iterator[list[np.ndarray]]:
    """Batches of RGB photos from tar shards or folders, the held-out BSDS500 train/val photos and
    near-grey ones left out, until ``count`` photos have been given."""
    skip = manifest_members(sources, {"bsds500-trainval"})
    photos: list[np.ndarray] = []
    given = 0
    for name, data in iter_encoded(sources):
        if name in skip:
            continue
        rgb = decode_rgb(data, 2048)
        if rgb is None or min(rgb.shape[:2]) < 64 or is_near_grey(rgb):
            continue
        photos.append(rgb)
        if len(photos) == batch:
            yield photos
            given, photos = given + batch, []
            if given >= count:
                return
    if photos:
        yield photos
