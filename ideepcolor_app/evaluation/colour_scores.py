"""Whether results have the right colours, not only little error: hue hit by the true hue's family,
and colourfulness against the truth's. PSNR rewards a brown cast; these two show it."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from ..colour.colourfulness import colourfulness

HUE_FAMILIES = {
    "red/orange": (-30.0, 60.0),
    "yellow": (60.0, 100.0),
    "green": (100.0, 180.0),
    "cyan/blue": (180.0, 290.0),
    "purple/pink": (290.0, 330.0),
}
"""Hue ranges in degrees of atan2(b, a), wrapped into [-30, 330)."""
TRUE_CHROMA_MIN = 20.0
"""Pixels whose true chroma is below this have no hue worth judging."""
RESULT_CHROMA_MIN = 10.0
"""A result pixel must have at least this chroma to count as coloured at all."""
HUE_TOLERANCE = 30.0
"""Degrees within which the result's hue counts as the truth's."""


def hue_degrees(ab: torch.Tensor) -> torch.Tensor:
    """Hue of (2, ...) ab in degrees, wrapped into [-30, 330)."""
    hue = torch.rad2deg(torch.atan2(ab[1], ab[0]))
    return torch.where(hue < -30.0, hue + 360.0, hue)


@dataclass
class ColourScore:
    """Pooled hue hits per family and the mean colourfulness ratio of one kind of result."""

    hits: dict[str, list[int]] = field(default_factory=lambda: {name: [0, 0] for name in HUE_FAMILIES})
    """Family -> [pixels hit, pixels judged], pooled over photos."""
    ratios: list[float] = field(default_factory=list)
    """Per photo: the result's colourfulness over the truth's."""

    def add(
        self, result_ab: torch.Tensor, true_ab: torch.Tensor, result_rgb8: np.ndarray, true_rgb8: np.ndarray
    ) -> None:
        """Count one photo: (2, H, W) ab of the result and the truth, and both as (H, W, 3) sRGB 0..255."""
        true_chroma = torch.linalg.norm(true_ab, dim=0)
        judged = true_chroma > TRUE_CHROMA_MIN
        true_hue = hue_degrees(true_ab)
        difference = (hue_degrees(result_ab) - true_hue + 180.0) % 360.0 - 180.0
        hit = judged & (torch.linalg.norm(result_ab, dim=0) > RESULT_CHROMA_MIN) & (difference.abs() <= HUE_TOLERANCE)
        for name, (low, high) in HUE_FAMILIES.items():
            family = judged & (true_hue >= low) & (true_hue < high)
            self.hits[name][0] += int((hit & family).sum())
            self.hits[name][1] += int(family.sum())
        truth = colourfulness(true_rgb8)
        if truth > 1e-6:
            self.ratios.append(colourfulness(result_rgb8) / truth)

    @property
    def hue_hit(self) -> float:
        """Share of judged pixels hit, all families pooled."""
        hit = sum(h for h, _ in self.hits.values())
        total = sum(n for _, n in self.hits.values())
        return hit / total if total else float("nan")

    def family_hit(self, name: str) -> float:
        """Share of judged pixels hit among those whose true hue is in family ``name``."""
        hit, total = self.hits[name]
        return hit / total if total else float("nan")

    @property
    def colourfulness_ratio(self) -> float:
        """Mean over photos of colourfulness(result) / colourfulness(truth)."""
        return float(np.mean(self.ratios)) if self.ratios else float("nan")

    def to_json(self) -> dict[str, object]:
        """Hue hit overall and by family, pixel counts and the colourfulness ratio."""
        return {
            "hue_hit": self.hue_hit,
            "hue_hit_by_family": {name: self.family_hit(name) for name in HUE_FAMILIES},
            "pixels_by_family": {name: n for name, (_, n) in self.hits.items()},
            "colourfulness_ratio": self.colourfulness_ratio,
        }

    def summary(self) -> str:
        """One line: overall hue hit, each family's, and the colourfulness ratio."""
        families = " ".join(f"{name} {self.family_hit(name):.2f}" for name in HUE_FAMILIES)
        return f"hue hit {self.hue_hit:.2f} ({families}), colourfulness {self.colourfulness_ratio:.2f} of the truth's"
