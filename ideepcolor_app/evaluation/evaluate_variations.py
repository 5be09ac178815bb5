"""How plausible and how different the variations are, against random hue shifts.

Each photo is colourised through the engine at its full resolution, as the app shows and saves it:
its automatic result (the default output), then ``count`` variations. Reported per hint count:
the automatic result's PSNR, the variations' mean PSNR (plausibility), the best variation's PSNR
(best-of-N: do the variations cover the true colouring?), the mean pairwise ab distance between
the variations (diversity), each variation's reach (the share of the photo it changes by more than
:data:`CHANGED_AB` ab units: a region, not the whole photo's cast), and a yardstick: the best of
``count`` random hue rotations of the automatic result, so that diversity alone is not mistaken
for plausibility.

Hints are the protocol's patch-mean hints, placed and coloured on the photo stretched to 256x256 as
in :mod:`.evaluate`, on the app's nearest patch (5x5 instead of 6x6), since these are ordinary hints.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import torch

from ..colour.color import lab_to_rgb, rgb_to_lab
from ..colour.encoding import DEFAULT_PATCH_SIZE, NETWORK_SIZE
from ..colour.variations import VARIATIONS
from ..hints.local_hints import Hint
from ..inference.engine import ColorizationEngine, upsample_ab
from ..inference.variations import make_variations
from ..photos.images import Photo, load_photo
from .evaluate import EVAL_PATCH, patch_mean_hints, psnr_8bit, sample_hint_corners

CHANGED_AB = 6.0
"""ab units: a pixel a variation moves further than this from the automatic result is changed."""
ROWS = {
    "automatic": "automatic result (the default output)",
    "mean": "variations, mean of each",
    "best": "variations, best of N",
    "hue": "yardstick: best of N random hue shifts",
}


@dataclass
class VariationEvaluation:
    """Mean PSNR per hint count of each row of :data:`ROWS`, diversity and chroma ratios."""

    hint_counts: list[int]
    count: int
    psnr: dict[str, dict[int, float]]
    diversity: dict[int, float]
    chroma_ratio: dict[str, dict[int, float]] = field(default_factory=dict)
    images: int = 0
    seed: int = 0
    found: dict[int, float] = field(default_factory=dict)
    """Mean number of variations per photo (fewer than asked where the photo offers fewer choices)."""
    changed: dict[int, float] = field(default_factory=dict)
    """Mean share of the photo one variation changes (see :data:`CHANGED_AB`)."""

    def to_json(self) -> dict[str, Any]:
        """Everything measured, as ``evaluate --variations --json`` writes it."""
        return {
            "variations": self.count,
            "images": self.images,
            "seed": self.seed,
            "psnr_db": {row: {str(k): v for k, v in values.items()} for row, values in self.psnr.items()},
            "chroma_ratio": {row: {str(k): v for k, v in values.items()} for row, values in self.chroma_ratio.items()},
            "diversity_ab": {str(k): v for k, v in self.diversity.items()},
            "variations_found": {str(k): v for k, v in self.found.items()},
            "changed_share": {str(k): v for k, v in self.changed.items()},
            "resolution": "full",
        }

    def table(self) -> str:
        """PSNR rows per hint count, then diversity and chroma."""
        first = max(len(t) for t in ROWS.values()) + 2
        lines = [
            f"{f'{self.count} variations, PSNR dB at hints':<{first}}" + "".join(f"{k:>7}" for k in self.hint_counts)
        ]
        for row, title in ROWS.items():
            lines.append(f"{title:<{first}}" + "".join(f"{self.psnr[row][k]:>7.2f}" for k in self.hint_counts))
        lines.append(
            f"{'diversity (mean pairwise |ab|)':<{first}}"
            + "".join(f"{self.diversity[k]:>7.2f}" for k in self.hint_counts)
        )
        lines.append(f"{'variations found':<{first}}" + "".join(f"{self.found[k]:>7.2f}" for k in self.hint_counts))
        changed = "".join(f"{self.changed[k]:>7.2f}" for k in self.hint_counts)
        lines.append(f"{'share of the photo each changes':<{first}}" + changed)
        for row in ("automatic", "mean"):
            lines.append(
                f"{f'chroma / true, {row}':<{first}}"
                + "".join(f"{self.chroma_ratio[row][k]:>7.2f}" for k in self.hint_counts)
            )
        return "\n".join(lines)


def hue_shift(ab: torch.Tensor, angle: float) -> torch.Tensor:
    """(2, H, W) ab rotated by ``angle`` radians around grey: the same chroma, another hue."""
    c, s = math.cos(angle), math.sin(angle)
    return torch.stack((c * ab[0] - s * ab[1], s * ab[0] + c * ab[1]))


def evaluate_variations(
    engine: ColorizationEngine,
    images: Sequence[Path],
    hint_counts: Sequence[int] = (0,),
    count: int = VARIATIONS,
    seed: int = 0,
    progress: Callable[[int, int], None] | None = None,
) -> VariationEvaluation:
    """Score ``count`` variations per photo and hint count (see the module's docstring)."""
    scores: dict[str, dict[int, list[float]]] = {row: {k: [] for k in hint_counts} for row in ROWS}
    diversity: dict[int, list[float]] = {k: [] for k in hint_counts}
    found: dict[int, list[int]] = {k: [] for k in hint_counts}
    changed: dict[int, list[float]] = {k: [] for k in hint_counts}
    chroma = {row: {k: 0.0 for k in hint_counts} for row in ("automatic", "mean", "truth")}
    for index, path in enumerate(images):
        full8 = load_photo(path).rgb8()
        height, width = full8.shape[:2]
        source = engine.set_photo(Photo(Path(path), full8, "", is_color=False))
        truth = torch.from_numpy(full8).to(engine.device).permute(2, 0, 1).float() / 255
        rgb8 = cv2.resize(full8, (NETWORK_SIZE, NETWORK_SIZE), interpolation=cv2.INTER_AREA)
        true_ab = rgb_to_lab(torch.from_numpy(rgb8).to(engine.device).permute(2, 0, 1).float() / 255)[1:]
        true_chroma = float(torch.linalg.norm(true_ab, dim=0).mean())
        lightness = source.l_full[0].to(engine.device)

        def score(ab: torch.Tensor, lightness: torch.Tensor = lightness, truth: torch.Tensor = truth) -> float:
            full_ab = upsample_ab(ab[None].float(), *lightness.shape[1:]).to(lightness.device)
            return psnr_8bit(lab_to_rgb(torch.cat((lightness.float(), full_ab))), truth)

        for k in hint_counts:
            rng = np.random.default_rng([seed, index, k])
            protocol = patch_mean_hints(true_ab, sample_hint_corners(rng, k), EVAL_PATCH)
            half = EVAL_PATCH / 2
            hints = [
                Hint(
                    min((left + half) * width / NETWORK_SIZE, width - 0.5),
                    min((top + half) * height / NETWORK_SIZE, height - 0.5),
                    (float(a), float(b)),
                    DEFAULT_PATCH_SIZE,
                )
                for (top, left, _), (a, b) in zip(
                    protocol.squares[0].tolist(), protocol.colours[0].tolist(), strict=True
                )
            ]
            automatic = engine.colorize(hints, source=source)
            variations = make_variations(engine, automatic, count, seed)
            results = [v.colorization.ab[0] for v in variations] or [automatic.ab[0]]
            psnrs = [score(ab) for ab in results]
            scores["automatic"][k].append(score(automatic.ab[0]))
            scores["mean"][k].append(float(np.mean(psnrs)))
            scores["best"][k].append(max(psnrs))
            angles = np.random.default_rng([seed, index, k, 1]).uniform(-math.pi, math.pi, count)
            scores["hue"][k].append(max(score(hue_shift(automatic.ab[0], float(a))) for a in angles))
            pairs = [(i, j) for i in range(len(results)) for j in range(i + 1, len(results))]
            diversity[k].append(
                float(np.mean([float(torch.linalg.norm(results[i] - results[j], dim=0).mean()) for i, j in pairs]))
                if pairs
                else 0.0
            )
            found[k].append(len(variations))
            changed[k] += [
                float((torch.linalg.norm(v.colorization.ab[0] - automatic.ab[0], dim=0) > CHANGED_AB).float().mean())
                for v in variations
            ]
            chroma["automatic"][k] += float(torch.linalg.norm(automatic.ab[0], dim=0).mean())
            chroma["mean"][k] += float(np.mean([float(torch.linalg.norm(ab, dim=0).mean()) for ab in results]))
            chroma["truth"][k] += true_chroma
        if progress:
            progress(index + 1, len(images))
    return VariationEvaluation(
        hint_counts=list(hint_counts),
        count=count,
        psnr={row: {k: float(np.mean(v)) for k, v in values.items()} for row, values in scores.items()},
        diversity={k: float(np.mean(v)) for k, v in diversity.items()},
        chroma_ratio={
            row: {k: chroma[row][k] / chroma["truth"][k] if chroma["truth"][k] else float("nan") for k in hint_counts}
            for row in ("automatic", "mean")
        },
        images=len(images),
        seed=seed,
        found={k: float(np.mean(v)) for k, v in found.items()},
        changed={k: float(np.mean(v)) if v else 0.0 for k, v in changed.items()},
    )
