"""Several plausible colourings of the current photo and hints, from the predicted distribution.

Each variation is the photo's own hints plus a few generated ones: at the places where the network
is most uncertain, one of the colours its distribution finds plausible there (see
:mod:`~ideepcolor_app.colour.variations`). Adopting a variation makes those generated hints
ordinary hints, so what the user picked is what the photo then shows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from ..colour.encoding import DEFAULT_PATCH_SIZE
from ..colour.variations import VARIATIONS, Choice, variation_choices
from ..hints.local_hints import Hint
from .engine import Colorization, ColorizationEngine
from .network import Network


@dataclass(frozen=True)
class Variation:
    """One colouring: the hints it adds to the photo's own, and the result with them."""

    added: tuple[Hint, ...]
    colorization: Colorization


def tempered(choices: tuple[Choice, ...], base: Colorization) -> tuple[Choice, ...]:
    """Each chosen colour taken as far from what ``base`` shows at its spot as the shown colour is
    taken from the ab output (the weights' vivid mix): a rebalanced distribution's modes overstate
    rare colours, and a variation should offer another plausible colour, not a garish one."""
    mix = base.weights.vivid_mix if base.vivid else 1.0
    if mix == 1.0:
        return choices
    size = base.ab.shape[-1]
    out = []
    for c in choices:
        row, col = min(int(c.row * size), size - 1), min(int(c.col * size), size - 1)
        a, b = (float(v) for v in base.ab[0, :, row, col])
        out.append(replace(c, ab=(a + mix * (c.ab[0] - a), b + mix * (c.ab[1] - b))))
    return tuple(out)


def choice_hints(choices: tuple[Choice, ...], image_size: tuple[int, int]) -> tuple[Hint, ...]:
    """The generated hints of one variation, in the photo's coordinates.

    Args:
        image_size: (width, height) of the photo.
    """
    width, height = image_size
    return tuple(
        Hint(min(c.col * width, width - 0.5), min(c.row * height, height - 0.5), c.ab, DEFAULT_PATCH_SIZE)
        for c in choices
    )


def make_variations(
    engine: ColorizationEngine,
    base: Colorization,
    count: int = VARIATIONS,
    seed: int = 0,
    network: Network | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> list[Variation]:
    """Up to ``count`` different colourings of ``base``'s photo, hints, strokes, lassos and global hints
    (a lasso keeps its colour and a protected area its own in every variation).

    The same ``base`` and ``seed`` give the same variations; another seed draws another set.

    Args:
        engine: the engine ``base`` came from.
        base: the current result; its distribution decides where and which colours vary.
        network: which network colours the variations (default: the one for final results).
        should_stop: polled between passes; True abandons the work.

    Returns:
        The variations, fewer than ``count`` (or none) when the photo offers fewer uncertain choices.

    Raises:
        Cancelled: ``should_stop`` returned True.
    """
    lightness = base.source.network_lightness(base.size)
    out = []
    for choices in variation_choices(base.shown_logits(), lightness, count, seed):
        added = choice_hints(tempered(choices, base), base.source.size)
        result = engine.colorize(
            base.hints + added,
            size=base.size,
            should_stop=should_stop,
            network=network,
            source=base.source,
            global_hints=base.global_hints,
            look=base.look,
            strokes=base.strokes,
            regions=base.regions,
        )
        out.append(Variation(added, result))
    return out
