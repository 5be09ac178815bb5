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
from .hint_shapes import HintShapes

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


def vivid_ab(
    ab: torch.Tensor,
    logits: torch.Tensor,
    hints: HintShapes | None,
    vivid: VividColours,
    reach: float = HINT_REACH,
    fade: float = HINT_FADE,
) -> torch.Tensor:
    """(B, 2, S, S) the ab output near hints, the distribution's annealed mean away from them.

    Args:
        ab: (B, 2, S, S) the network's ab output.
        logits: (B, 529, S/4, S/4) the distribution head's logits.
        hints: the B results' hints at resolution S (None: no hints).
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
    if hints is None or not bool(hints.valid.any()):
        return mean
    valid = hints.valid
    distance = hints.distance(size, size)
    near = torch.exp(-((distance / (reach * size)) ** 2))
    share = torch.exp(-valid.sum(dim=1).float() / fade) if math.isfinite(fade) else torch.ones(len(valid))
    weight = 1 - (1 - near) * share.to(near.device).view(-1, 1, 1)
    return weight[:, None] * ab.float() + (1 - weight[:, None]) * mean
