"""Vivid automatic colours: the predicted distribution's annealed mean away from the hints.

The network's ab output is a regression: where several colours are plausible it averages them,
and automatic results come out washed out (chroma about 0.4 of the truth's on dev-eval). The
distribution head's annealed mean (Zhang et al. 2016) keeps more of the colour. Near hints the ab
output wins, because it carries the hints' colours more faithfully than the distribution does.
The temperature is measured for each weights file and stored in it (``vivid_temperature``);
weights without one keep the ab output.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from .ab_bins import annealed_mean

HINT_FADE = 3.0
"""How fast the distribution's share away from hints falls with the number of hints: exp(-n / 3).
The ab output is washed out without hints (chroma 0.37 of the truth) but not with them (0.83 and
more), and it carries them better. On 40 dev-eval photos at T = 1.75, PSNR at 0/1/2/5/10/50 hints:
ab output 23.71/24.38/25.46/27.08/28.25/30.37; vivid without fading 23.49/24.67/25.45/26.74/27.84/
30.19; with it 23.49/24.73/25.60/27.09/28.25/30.37."""
HINT_REACH = 0.25
"""Share of the network's side over which the ab output takes over from the annealed mean around
a hint (the weight of the ab output falls as exp(-(distance / reach)^2))."""


@dataclass(frozen=True)
class VividColours:
    """How the automatic colour is chosen away from hints, measured for each weights file.

    The shown ab is ``ab + mix * (annealed_mean(T) - ab)``: ``mix`` = 1 is the annealed mean alone.
    A distribution head trained with rebalancing (see :mod:`~ideepcolor_app.training.rebalance`)
    knows rare colours but overstates them; a mix below 1 keeps their hue at a believable strength.
    """

    temperature: float
    mix: float = 1.0

    def __post_init__(self) -> None:
        if not 0.05 <= self.temperature <= 10:
            raise ValueError(f"vivid temperature {self.temperature} is outside [0.05, 10]")
        if not 0.0 < self.mix <= 1.0:
            raise ValueError(f"vivid mix {self.mix} is outside (0, 1]")

    def label(self) -> str:
        """'T = 1' or 'T = 1, mix 0.45'."""
        return f"T = {self.temperature:g}" + (f", mix {self.mix:g}" if self.mix != 1.0 else "")


def hint_distance(boxes: torch.Tensor, valid: torch.Tensor, size: int) -> torch.Tensor:
    """(B, size, size) distance in pixels from each pixel to the nearest hint patch (0 inside one).

    Args:
        boxes: (B, K, 3) (top, left, side) of the hint patches at resolution ``size``.
        valid: (B, K) which of them are hints.
    """
    batch = boxes.shape[0]
    device = boxes.device
    out = torch.full((batch, size, size), float("inf"), device=device)
    axis = torch.arange(size, device=device, dtype=torch.float32)
    for b in range(batch):
        chosen = boxes[b][valid[b]].float()
        for start in range(0, len(chosen), 64):  # bounded memory at the hint limit
            chunk = chosen[start : start + 64]
            top, left, side = chunk[:, 0, None], chunk[:, 1, None], chunk[:, 2, None]
            dy = (top - axis).clamp(min=0) + (axis - (top + side - 1)).clamp(min=0)  # (k, size)
            dx = (left - axis).clamp(min=0) + (axis - (left + side - 1)).clamp(min=0)
            nearest = torch.sqrt(dy[:, :, None] ** 2 + dx[:, None, :] ** 2).amin(dim=0)
            out[b] = torch.minimum(out[b], nearest)
    return out


def vivid_ab(
    ab: torch.Tensor,
    logits: torch.Tensor,
    boxes: torch.Tensor,
    valid: torch.Tensor,
    vivid: VividColours,
    reach: float = HINT_REACH,
    fade: float = HINT_FADE,
) -> torch.Tensor:
    """(B, 2, S, S) the ab output near hints, the distribution's annealed mean away from them.

    Args:
        ab: (B, 2, S, S) the network's ab output.
        logits: (B, 529, S/4, S/4) the distribution head's logits.
        boxes: (B, K, 3) hint patches at resolution S; valid: (B, K) which are hints.
        vivid: the annealed mean's temperature (see :func:`~.ab_bins.annealed_mean`) and its share.
        reach: share of S over which the ab output takes over around a hint.
        fade: the distribution's share away from hints is exp(-hints / fade): with more hints
            the ab output, which they inform, is vivid enough on its own.
    """
    size = ab.shape[-1]
    mean = F.interpolate(
        annealed_mean(logits, vivid.temperature), size=ab.shape[-2:], mode="bilinear", align_corners=False
    )
    if vivid.mix != 1.0:
        plain = ab.float()
        mean = plain + vivid.mix * (mean - plain)
    if not bool(valid.any()):
        return mean
    distance = hint_distance(boxes, valid, size)
    near = torch.exp(-((distance / (reach * size)) ** 2))
    share = torch.exp(-valid.sum(dim=1).float() / fade) if math.isfinite(fade) else torch.ones(len(valid))
    weight = 1 - (1 - near) * share.to(near.device).view(-1, 1, 1)
    return weight[:, None] * ab.float() + (1 - weight[:, None]) * mean
