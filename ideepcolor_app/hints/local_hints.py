"""User colour hints: the value type, where its patch lies, and the most a photo can have."""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..colour.encoding import DEFAULT_PATCH_SIZE, NETWORK_SIZE, PATCH_SIZES, network_cell

MAX_HINTS = 1000
"""The most hints one photo can have: ten times the paper's densest evaluation. More would not
change a 256x256 network input, whose cells they would cover several times over."""


class HintLimitError(ValueError):
    """Adding a hint would pass :data:`MAX_HINTS`."""


def check_hint_count(count: int) -> None:
    """Raise :class:`HintLimitError` if a photo would have more than :data:`MAX_HINTS` hints."""
    if count > MAX_HINTS:
        raise HintLimitError(
            f"A photo can have at most {MAX_HINTS:,} hints, not {count:,}. Move or recolour existing hints, "
            "or delete some first."
        )


@dataclass(frozen=True)
class Hint:
    """One colour hint.

    x, y are continuous pixel coordinates in the full-resolution photo
    (0 <= x < width), so a hint stays put at any zoom or network size.
    ab is the requested colour in Lab units; size is the patch side in pixels
    at network resolution (1, 3, 5, 7 or 9).
    """

    x: float
    y: float
    ab: tuple[float, float]
    size: int = DEFAULT_PATCH_SIZE

    def __post_init__(self) -> None:
        # Validated here so that no edit, file or test can put a hint the network cannot place in a set.
        if not (_finite(self.x) and _finite(self.y)):
            raise ValueError(f"hint position must be two finite numbers, got x={self.x!r}, y={self.y!r}")
        if not (isinstance(self.ab, tuple) and len(self.ab) == 2 and all(_finite(v) for v in self.ab)):
            raise ValueError(f"hint colour must be two finite numbers (a, b), got {self.ab!r}")
        if isinstance(self.size, bool) or self.size not in PATCH_SIZES:
            raise ValueError(f"patch size must be one of {PATCH_SIZES}, got {self.size!r}")


def _finite(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def hint_box(hint: Hint, image_size: tuple[int, int], network_size: int = NETWORK_SIZE) -> tuple[int, int, int]:
    """(top, left, side) of the hint's patch at ``network_size`` resolution: the one place that says
    where a hint's patch lies. Below 256, sides shrink in proportion (kept odd, at least 1).
    Near the photo's border the square reaches outside it; every user of it covers only the
    in-image part (:func:`hint_patch`).

    Args:
        image_size: (width, height) of the full-resolution photo.
    """
    row, col = network_cell(hint.x, hint.y, image_size, network_size)
    side = hint.size if network_size == NETWORK_SIZE else max(1, (hint.size * network_size // NETWORK_SIZE) | 1)
    return row - side // 2, col - side // 2, side


def hint_patch(hint: Hint, image_size: tuple[int, int], network_size: int = NETWORK_SIZE) -> tuple[int, int, int, int]:
    """(top, left, bottom, right) of the in-image part of the hint's patch at ``network_size``
    resolution (bottom and right exclusive): what the network, the fills and the drawing cover.

    Args:
        image_size: (width, height) of the full-resolution photo.
    """
    top, left, side = hint_box(hint, image_size, network_size)
    return max(top, 0), max(left, 0), min(top + side, network_size), min(left + side, network_size)
