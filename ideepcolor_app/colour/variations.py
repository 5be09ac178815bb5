"""Which parts of a colouring are uncertain, and which other colours each variation gives them.

The network predicts, for every 4x4 cell, a distribution over the 529 ab bins. Where it spreads
over colours far apart (a coat that may be red or blue, a sky that may be blue or grey), several
colourings are plausible. The photo is cut into the segments the magic wand would select
(:func:`~ideepcolor_app.hints.wand.partition`); a variation gives one or two of the most uncertain
segments another of the colours their pooled distribution finds plausible, and leaves the rest of
the photo as it is: an alternative for a region, never a cast over the whole photo.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from .ab_bins import bin_centers, unweighted
from .suggest import suggest_colors

VARIATIONS = 6
"""Variations offered at a time."""
MAX_VARIATIONS = 24
"""The most variations asked for at once (commands refuse more)."""
AREA_JOIN = 14.0
"""Lab distance within which neighbouring superpixels join one area (the wand's rule, see
:func:`~ideepcolor_app.hints.wand.partition`). Measured on 120 BSDS500 train/val photos at full
resolution (0 hints, best of 6 against the automatic 22.45 dB): 10 gave 23.07 dB, each variation
changing 21 % of the photo; 14, 23.25 dB and 27 %; 20, 23.32 dB and 33 %, with areas that join
different things more often."""
MAX_AREAS = 3
"""The most segments the variations of one set change (each variation changes one or two); 2 and 4
gave best of 6 0.1 and 0.07 dB lower."""
MAX_CHANGED = 2
"""The most segments one variation changes."""
MIN_AREA_SHARE = 0.02
"""Segments smaller than this share of the photo are not varied (too small to see in a thumbnail)."""
MIN_MODE_SHARE = 0.05
"""A colour with less of a segment's pooled distribution is not offered."""
MIN_CHANGE = 12.0
"""A colour closer than this (ab units) to what the segment shows is no alternative."""
MAX_MODES = 3
"""The most other colours one segment offers."""
SKIN_HUES = (20.0, 80.0)
"""Hue angles (degrees, atan2(b, a)) of the skin-tone family: skin of every shade, and tan, wood and
sand, which the network cannot tell from skin."""
SKIN_CHROMA = (8.0, 50.0)
"""Chroma range of the skin-tone family."""
SKIN_KEPT = 0.3
"""A segment that shows a skin tone and whose distribution puts at least this share on skin tones
is offered only other skin tones: faces stay in skin tones. A face shown in skin tones had 0.44
there; the rule costs best of 6 0.12 dB (0.5: 0.01 dB but blue faces; 0, every brown area kept in
browns: 0.32 dB)."""
STRENGTH = 0.5
"""How far (0..1) a variation takes a segment from the colour it shows towards the plausible colour:
a distribution's modes are purer than the colours photos have. 0.4 / 0.5 / 0.6 gave best of 6
23.07 / 23.07 / 23.04 dB and each variation's mean 22.21 / 22.05 / 21.86 dB; 0.5 for variations
that show a visibly different colour."""


@dataclass(frozen=True, eq=False)  # identity: its mask is an array
class Area:
    """A segment of the photo whose colour is uncertain, with the other colours plausible for it.

    ``mask`` is (h, w) bool at the partition's size; ``shown`` the mean ab it shows now;
    ``colours`` the other plausible colours (ab), already taken :data:`STRENGTH` of the way from
    ``shown``, and ``shares`` their shares of the pooled distribution; ``keep`` is the rest of it (the colour
    shown and colours too rare to offer): how plausible it is that the segment stays as it is."""

    mask: np.ndarray
    share: float
    shown: tuple[float, float]
    colours: tuple[tuple[float, float], ...]
    shares: tuple[float, ...]
    keep: float


def colour_spread(probabilities: torch.Tensor) -> torch.Tensor:
    """(h, w) root-mean-square ab distance of each cell's distribution from its mean.

    Args:
        probabilities: (529, h, w) distribution over the ab bins at each cell.
    """
    centres = bin_centers(probabilities.device)
    mean = torch.einsum("khw,kc->chw", probabilities, centres)
    second = torch.einsum("khw,k->hw", probabilities, (centres**2).sum(dim=1))
    return (second - (mean**2).sum(dim=0)).clamp(min=0).sqrt()


def find_areas(
    logits: torch.Tensor,
    labels: np.ndarray,
    lightness: torch.Tensor,
    shown_ab: torch.Tensor,
    theirs: Collection[int] = (),
    max_areas: int = MAX_AREAS,
    strength: float = STRENGTH,
    bin_weights: Sequence[float] | None = None,
) -> list[Area]:
    """The most uncertain segments of a colouring, each with at least one other plausible colour.

    A segment's uncertainty is its cells' mean spread (:func:`colour_spread`) times its share of
    the photo, so large uncertain regions come first.

    Args:
        logits: (1, 529, h, w) the distribution head's logits behind what is shown.
        labels: (H, W) segment of each pixel (:func:`~ideepcolor_app.hints.wand.partition`).
        lightness: (1, 1, S, S) L at network resolution (the photo stretched to a square).
        shown_ab: (1, 2, S, S) the ab the colouring shows.
        theirs: segments that hold the user's own colours (hints, strokes, lassos): not varied.
        max_areas: at most this many segments.
        strength: see :data:`STRENGTH`.
        bin_weights: the head's per-bin training loss weights (class rebalancing), when known: its
            modes are then ranked by the colours' plausibility as the training photos had them, not
            by the rebalanced distribution, which overstates rare colours (best of 6 on 120 held-out
            photos 0.26 dB higher, each variation's mean 0.52 dB).
    """
    probabilities = torch.softmax(logits[0].float(), dim=0).cpu()
    skin = torch.tensor([is_skin_tone(tuple(c)) for c in bin_centers().tolist()])
    cells = probabilities.shape[1:]
    spread = colour_spread(probabilities)
    side = lightness.shape[-1]
    lab = torch.cat((lightness[0].float(), shown_ab[0].float())).cpu()
    labels_t = torch.from_numpy(labels.astype(np.int64))
    at_cells = F.interpolate(labels_t[None, None].float(), size=cells, mode="nearest")[0, 0].long()
    at_side = F.interpolate(labels_t[None, None].float(), size=(side, side), mode="nearest")[0, 0].long()
    shares = np.bincount(labels.ravel()) / labels.size
    found = []
    for label in np.flatnonzero(shares >= MIN_AREA_SHARE).tolist():
        if label in theirs:
            continue
        mask, share = labels == label, float(shares[label])
        in_cells, in_side = at_cells == label, at_side == label
        if not bool(in_cells.any()) or not bool(in_side.any()):
            continue
        pooled = unweighted(probabilities[:, in_cells].mean(dim=1), bin_weights, dim=0)
        l_mean, a, b = (float(v) for v in lab[:, in_side].mean(dim=1))
        near = [s for s in suggest_colors(pooled, l_mean) if s.probability >= MIN_MODE_SHARE]
        others = [s for s in near if math.dist(s.ab, (a, b)) >= MIN_CHANGE]
        if is_skin_tone((a, b)) and float(pooled[skin].sum()) >= SKIN_KEPT:
            others = [s for s in others if is_skin_tone(s.ab)]
        others = others[:MAX_MODES]
        if not others:
            continue
        keep = max(1.0 - sum(s.probability for s in others), MIN_MODE_SHARE)
        colours = tuple((a + strength * (s.ab[0] - a), b + strength * (s.ab[1] - b)) for s in others)
        score = share * float(spread[in_cells].mean())
        found.append((score, Area(mask, share, (a, b), colours, tuple(s.probability for s in others), keep)))
    found.sort(key=lambda f: -f[0])
    return [area for _, area in found[:max_areas]]


def is_skin_tone(ab: Sequence[float]) -> bool:
    """``ab`` lies in the skin-tone family (:data:`SKIN_HUES`, :data:`SKIN_CHROMA`)."""
    chroma, hue = math.hypot(ab[0], ab[1]), math.degrees(math.atan2(ab[1], ab[0]))
    return SKIN_CHROMA[0] <= chroma <= SKIN_CHROMA[1] and SKIN_HUES[0] <= hue <= SKIN_HUES[1]


def choose_combinations(options: list[tuple[float, ...]], count: int, seed: int) -> list[tuple[int, ...]]:
    """``count`` different choices of one option per place, drawn without replacement in
    proportion to their joint probability (Gumbel top-k); the same seed gives the same choices.

    Args:
        options: per place, the probabilities of its options.

    Fewer come back when the places allow fewer combinations.
    """
    if not options:
        return []
    combos = list(itertools.product(*(range(len(o)) for o in options)))
    log_p = np.array([sum(math.log(o[i]) for o, i in zip(options, combo, strict=True)) for combo in combos])
    rng = np.random.default_rng(seed)
    keys = log_p + rng.gumbel(size=len(combos))
    ranked = [combos[i] for i in np.argsort(-keys, kind="stable")]
    chosen: list[tuple[int, ...]] = []
    seen: set[tuple[int, int]] = set()
    for combo in ranked:  # first the draws that show a colour no earlier one showed
        pairs = set(enumerate(combo))
        if len(chosen) < count and not pairs <= seen:
            chosen.append(combo)
            seen |= pairs
    chosen += [c for c in ranked if c not in chosen][: count - len(chosen)]
    return chosen


@dataclass(frozen=True)
class Choice:
    """One segment a variation recolours, and with which ab."""

    area: Area
    ab: tuple[float, float]


def variation_choices(areas: list[Area], count: int = VARIATIONS, seed: int = 0) -> list[tuple[Choice, ...]]:
    """Up to ``count`` different recolourings of ``areas``, one per variation: each segment keeps
    its colour or takes one of its others, at most :data:`MAX_CHANGED` change, at least one does.
    Empty when no segment is uncertain."""
    options = [(area.keep, *area.shares) for area in areas]
    every = math.prod(len(o) for o in options)
    picked = [c for c in choose_combinations(options, every, seed) if 1 <= sum(i > 0 for i in c) <= MAX_CHANGED]
    return [
        tuple(Choice(area, area.colours[i - 1]) for area, i in zip(areas, combo, strict=True) if i > 0)
        for combo in picked[:count]
    ]
