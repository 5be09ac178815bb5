"""Hint colours spread over the whole image without a network.

Two fills: the inverse-distance fill (each pixel takes the hint colours weighted by
``1 / (d^2 + 1)^1.5`` of its distance ``d`` to each hint's centre) and the lightness fill (the
same weights times ``exp(-dL^2 / (2 * 8^2))`` of the lightness difference to each hint's patch).
They are the yardsticks every evaluation prints, and the fill encodings hand them to the network.
"""

from __future__ import annotations

from collections.abc import Iterator

import torch
import torch.nn.functional as F

from .hint_shapes import HintShapes

DISTANCE_POWER = 1.5
"""The distance weight is ``1 / (d^2 + 1)^DISTANCE_POWER``; computed as ``rsqrt(...)^3`` below, which
is what 1.5 allows without a ``pow``."""
LIGHTNESS_SIGMA = 8.0
_MIN_LOG_LIGHTNESS_WEIGHT = -60.0
"""The lightness factor stops at exp(-60): times the smallest distance factor it stays a normal
float32, so a pixel unlike every hint still gets a weighted mean instead of 0 / 0."""
_PAIRS_PER_CHUNK = 64
"""(image, hint) pairs are summed in chunks, so memory stays at (64, H, W) whatever the count."""


def inverse_distance_fill(
    hints: HintShapes,
    height: int,
    width: int,
    lightness: torch.Tensor | None = None,
    prior_weight: float = 0.0,
) -> torch.Tensor:
    """Spread hint colours over (height, width) maps, one per batch item.

    Args:
        hints: B images' hints, at the maps' resolution.
        lightness: (B, 1, H, W) L of the images. Given, the weights also fall off with the
            lightness difference to each hint's mean L.
        prior_weight: a weight W0 that grey (ab 0) gets everywhere beside the hints:
            ``sum w_i c_i / (sum w_i + W0)``. 0 (the normalised mean) gives every pixel the hints'
            colours however far they are, so one hint colours the whole photo; W0 > 0 lets the
            colour fade with distance and lightness difference (see :mod:`.reach`).

    Returns:
        (B, 2, H, W) float32 ab; 0 (grey) where an image has no valid hint.
    """
    colours, valid = hints.colours, hints.valid
    batch = valid.shape[0]
    numerator = torch.zeros(batch, 2, height, width, device=colours.device)
    denominator = torch.zeros(batch, 1, height, width, device=colours.device)
    pair_colours = colours[valid.to(colours.device)].to(torch.float32)  # (N, 2), in the order of the pairs
    for image, pairs, w in _pair_weights(hints, height, width, colours.device, lightness):
        numerator.index_add_(0, image, w[:, None] * pair_colours[pairs, :, None, None])
        denominator.index_add_(0, image, w[:, None])
    if prior_weight > 0:
        return numerator / (denominator + prior_weight)
    return torch.where(denominator > 0, numerator / denominator.clamp(min=1e-30), numerator)


def hint_support(
    hints: HintShapes, height: int, width: int, lightness: torch.Tensor, scale: torch.Tensor
) -> torch.Tensor:
    """(B, 1, H, W) the lightness fill's weights summed over each image's hints, each times a map.

    Args:
        hints, lightness: as :func:`inverse_distance_fill` takes them.
        scale: (B, K, h, w) a factor per hint and pixel at any resolution, resized bilinearly to
            (height, width); :mod:`.locality` passes how plausible each hint's colour is there.
    """
    valid = hints.valid
    support = torch.zeros(valid.shape[0], 1, height, width, device=lightness.device)
    pair_scale = scale[valid.to(scale.device)]  # (N, h, w)
    for image, pairs, w in _pair_weights(hints, height, width, lightness.device, lightness):
        factor = pair_scale[pairs].to(w.device, torch.float32)
        if factor.shape[-2:] != (height, width):
            factor = F.interpolate(factor[:, None], size=(height, width), mode="bilinear", align_corners=False)[:, 0]
        support.index_add_(0, image, (w * factor)[:, None])
    return support


def _pair_weights(
    hints: HintShapes, height: int, width: int, device: torch.device, lightness: torch.Tensor | None
) -> Iterator[tuple[torch.Tensor, torch.Tensor, torch.Tensor]]:
    """Per chunk of (image, hint) pairs with a weight: their images (n,), their positions among the
    valid pairs (in ``valid``'s row-major order) and their weight maps (n, H, W). Slots of weight 0
    (the squares of a shape that other squares speak for) cost nothing."""
    image, slot = torch.nonzero(hints.valid.to(device), as_tuple=True)
    shares = hints.slot_weights().to(device)[image, slot]
    weighed = torch.nonzero(shares > 0, as_tuple=True)[0]
    image, slot, shares = image[weighed], slot[weighed], shares[weighed]
    centres = hints.centres().to(device)[image, slot]  # (N, 2)
    pair_l = hints.lightness(lightness).to(device)[image, slot] if lightness is not None else None
    ys = torch.arange(height, device=device, dtype=torch.float32).view(1, height, 1)
    xs = torch.arange(width, device=device, dtype=torch.float32).view(1, 1, width)
    for start in range(0, len(image), _PAIRS_PER_CHUNK):
        part = slice(start, start + _PAIRS_PER_CHUNK)
        cy, cx = centres[part, 0, None, None], centres[part, 1, None, None]
        t = torch.rsqrt((ys - cy) ** 2 + (xs - cx) ** 2 + 1)
        w = t * t * t if DISTANCE_POWER == 1.5 else t ** (2 * DISTANCE_POWER)  # (n, H, W): 1 / (d^2 + 1)^power
        w = w * shares[part, None, None]
        if pair_l is not None:
            difference = lightness[image[part], 0] - pair_l[part, None, None]  # type: ignore[index]
            w = w * torch.exp((difference**2 / (-2 * LIGHTNESS_SIGMA**2)).clamp(min=_MIN_LOG_LIGHTNESS_WEIGHT))
        yield image[part], weighed[part], w
