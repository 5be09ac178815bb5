"""Simulated user hints for training, batched on the device.

Two recipes. ``paper`` (colorization-pytorch): a geometric number of hints per crop (continue
while rand < 1 - p; p = 1/8 gives mean 7 and no hints for 1 in 8 crops), patch side uniform in
1..9 crop pixels. ``density``: hints as dense as a user's or the evaluation's. Per image, a count
for a whole 256x256 network frame is drawn log-uniformly in 1..150 (none for 1 in 8 images), and
the crop gets its share of the frame's area; patch sides are 1..9 at the frame's scale. A
training photo (short side 128) upscaled by ``upscale`` stands for one frame, so crops see
hints at the spacing a 256x256 evaluation has. Both: position normal around the crop's centre
(std a quarter of the free range), colour the patch's mean true ab.
"""

from __future__ import annotations

import math

import torch

from ..colour.encoding import NETWORK_SIZE
from ..hints.hint_batch import HintBatch

STOP_PROBABILITY = 1 / 8
MAX_HINTS = 64  # P(more than 64 hints) = (7/8)^65, about 2e-4: those are capped
PATCH_SIDES = (1, 9)
RECIPES = ("paper", "density")
FRAME_HINTS = (1, 150)
"""Range of the density recipe's log-uniform count per 256x256 frame (the evaluation goes to 100)."""
PHOTO_SIDE = 128
"""Short side of the training photos: one photo stands for one network frame."""


def sample_hints(
    ab: torch.Tensor,
    generator: torch.Generator,
    stop_probability: float = STOP_PROBABILITY,
    max_hints: int = MAX_HINTS,
    recipe: str = "paper",
    upscale: float = 1.0,
) -> HintBatch:
    """Draw hints for a batch of true ab maps (B, 2, H, W), each asking for its square's mean true ab."""
    batch, _, height, width = ab.shape
    device = ab.device
    if recipe == "density":
        counts, side_scale = _density_counts(batch, height * width, upscale, generator, device)
    else:
        # Geometric count: number of successes (prob 1 - p) before the first stop.
        u = torch.rand(batch, generator=generator, device=device).clamp(min=1e-12)
        counts = torch.floor(torch.log(u) / math.log(1.0 - min(stop_probability, 1 - 1e-9))).long()
        counts = counts.clamp(max=max_hints)
        if stop_probability >= 1.0:
            counts = torch.zeros_like(counts)
        side_scale = None
    slots = max(int(counts.max()), 0) if batch else 0
    valid = torch.arange(slots, device=device)[None, :] < counts[:, None]
    sides = torch.randint(PATCH_SIDES[0], PATCH_SIDES[1] + 1, (batch, slots), generator=generator, device=device)
    if side_scale is not None:  # sides are drawn at the frame's scale
        sides = (sides.float() * side_scale).round().long().clamp(min=1)
    normal = torch.randn(batch, slots, 2, generator=generator, device=device)
    span_h = (height - sides + 1).float()
    span_w = (width - sides + 1).float()
    top = (span_h / 2 + normal[..., 0] * span_h / 4).round().long().clamp(min=0)
    left = (span_w / 2 + normal[..., 1] * span_w / 4).round().long().clamp(min=0)
    top = torch.minimum(top, height - sides)
    left = torch.minimum(left, width - sides)
    unknown = torch.zeros(batch, slots, 2, device=device)
    hints = HintBatch.of_squares(torch.stack((top, left, sides), dim=-1), unknown, valid)
    return hints.with_colours(hints.means(ab))


def _density_counts(
    batch: int, area: int, upscale: float, generator: torch.Generator, device: torch.device
) -> tuple[torch.Tensor, float]:
    """Hint counts per crop, and crop pixels per network-frame pixel (for patch sides)."""
    frame = PHOTO_SIDE * upscale  # crop pixels per network frame side
    share = area / frame**2
    zero = torch.rand(batch, generator=generator, device=device) < STOP_PROBABILITY
    log_count = torch.rand(batch, generator=generator, device=device) * math.log(FRAME_HINTS[1] / FRAME_HINTS[0])
    per_frame = FRAME_HINTS[0] * torch.exp(log_count)
    counts = torch.poisson(per_frame * share, generator=generator).long()
    counts = torch.where(zero, torch.zeros_like(counts), counts).clamp(max=int(FRAME_HINTS[1] * share) + 8)
    return counts, frame / NETWORK_SIZE


RECOLOUR_SIMILARITY = 12.0
"""ab distance (Lab units) at which a pixel counts as "the same colour" as a recoloured hint's patch."""
RECOLOUR_REACH = 0.25
"""Spatial fall-off of a recolouring, as a share of the crop's side (one standard deviation)."""
RECOLOUR_CHROMA = (15.0, 70.0)


def recolour_for_hints(
    ab: torch.Tensor,
    hints: HintBatch,
    generator: torch.Generator,
    share: float,
) -> tuple[torch.Tensor, HintBatch]:
    """Give a ``share`` of the hints a colour that is not the truth, and recolour the target to match.

    A user's hint often asks for another colour than the photo's. What should change then is the
    hint's object, not the whole photo. As a proxy for the object, pixels near the hint whose true
    colour is close to its patch's are shifted by the new colour minus the old, fading with ab
    distance (:data:`RECOLOUR_SIMILARITY`) and with distance in the image (:data:`RECOLOUR_REACH`).
    The network learns to carry a hint over its object and to leave the rest of the photo alone.

    Args:
        ab: (B, 2, H, W) true ab of the crops.
        hints: the simulated hints (colours are their squares' true means).

    Returns:
        The recoloured target ab (B, 2, H, W), and the hints asking for their colours in it.
    """
    valid, colors = hints.valid, hints.colours
    if share <= 0 or valid.shape[1] == 0:
        return ab, hints
    batch, _, height, width = ab.shape
    device = ab.device
    picked = valid & (torch.rand(valid.shape, generator=generator, device=device) < share)
    angle = torch.rand(valid.shape, generator=generator, device=device) * 2 * math.pi
    low, high = RECOLOUR_CHROMA
    chroma = low + (high - low) * torch.rand(valid.shape, generator=generator, device=device)
    new = torch.stack((chroma * torch.cos(angle), chroma * torch.sin(angle)), dim=-1)  # (B, K, 2)
    centres = hints.centres()
    ys = torch.arange(height, device=device, dtype=torch.float32).view(1, height, 1)
    xs = torch.arange(width, device=device, dtype=torch.float32).view(1, 1, width)
    sigma = RECOLOUR_REACH * max(height, width)
    shift = torch.zeros_like(ab)
    for k in range(valid.shape[1]):
        chosen = picked[:, k]
        if not bool(chosen.any()):
            continue
        similar = ((ab - colors[:, k, :, None, None]) ** 2).sum(dim=1) / (-2 * RECOLOUR_SIMILARITY**2)
        near = ((ys - centres[:, k, 0, None, None]) ** 2 + (xs - centres[:, k, 1, None, None]) ** 2) / (-2 * sigma**2)
        weight = torch.exp(similar + near) * chosen[:, None, None]  # (B, H, W)
        shift += weight[:, None] * (new[:, k] - colors[:, k])[:, :, None, None]
    target = (ab + shift).clamp(-110, 110)
    return target, hints.with_colours(hints.means(target))
