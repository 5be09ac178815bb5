"""Evaluation of global hints (a colour histogram and a saturation), beside the paper's protocol.

The paper's protocol for global hints gives the network the ground truth's own histogram and
saturation. That rewards knowing the answer, so two more kinds of row sit beside it:

* **Another crop of the same scene.** Each photo's left half is colorized with global hints taken
  from its right half, the way a user brings a different photo of the same place; beside it the
  left half with no global hints and with its own.
* **Histogram matching**, a yardstick that needs no training: the result without global hints with
  its a and b channels each histogram-matched to the reference's (scikit-image's
  ``match_histograms``). A branch worth having beats it.

Local hints are placed as in :mod:`.evaluate` (same seed, same positions per photo), so the row
without global hints is the main table's row.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import torch
from skimage.exposure import match_histograms

from ..colour.color import lab_to_rgb, rgb_to_lab
from ..colour.encoding import NETWORK_SIZE, pin_hints
from ..hints.global_hints import ab_histogram, global_vector, mean_saturation
from ..inference.network import Network
from ..photos.images import load_photo
from .evaluate import hints_for_counts, patch_for_size, photo_lab, psnr_8bit

GLOBAL_MODES = ("saturation", "histogram", "both")
"""What ``--global-hints`` can give the network: the saturation, the histogram or both."""
MATCHING = "histogram matching"


@dataclass
class GlobalRow:
    """Mean PSNR (dB) and chroma ratio (mean chroma of the results / of the truth) per hint count."""

    psnr: dict[int, float]
    chroma_ratio: dict[int, float]


@dataclass
class GlobalEvaluation:
    """Rows on the whole photos (``whole``) and on their left halves (``halves``), by name."""

    hint_counts: list[int]
    images: int
    seed: int
    modes: list[str]
    whole: dict[str, GlobalRow] = field(default_factory=dict)
    halves: dict[str, GlobalRow] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """Every row, as written under ``global_hints`` by ``evaluate --json``."""

        def rows(group: dict[str, GlobalRow]) -> dict[str, Any]:
            return {
                name: {
                    "psnr_db": {str(k): v for k, v in row.psnr.items()},
                    "chroma_ratio": {str(k): v for k, v in row.chroma_ratio.items()},
                }
                for name, row in group.items()
            }

        return {
            "modes": self.modes,
            "images": self.images,
            "seed": self.seed,
            "whole_photo_own_global_hints": rows(self.whole),
            "left_half_reference_right_half": rows(self.halves),
        }

    def table(self) -> str:
        """PSNR and chroma ratio: one row per method, one column per hint count, two groups."""
        names = [*self.whole, *self.halves]
        first = max(len(n) for n in names) + 2
        header = "".join(f"{k:>7}" for k in self.hint_counts)
        lines: list[str] = []
        for title, group in (
            ("Whole photos, the truth's own global hints (the paper's protocol)", self.whole),
            ("Left halves, global hints from the right half (another crop of the scene)", self.halves),
        ):
            lines += [title, f"{'PSNR dB at hints':<{first}}{header}{'':4}{'chroma / true':>14} at 0"]
            for name, row in group.items():
                values = "".join(f"{row.psnr[k]:>7.2f}" for k in self.hint_counts)
                lines.append(f"{name:<{first}}{values}{'':4}{row.chroma_ratio[self.hint_counts[0]]:>14.2f}")
        return "\n".join(lines)


def global_hints_of(lab: torch.Tensor, mode: str) -> torch.Tensor:
    """(GLOBAL_INPUTS,) the global hints ``mode`` gives, taken from the (3, H, W) Lab photo ``lab``."""
    histogram = ab_histogram(lab[None, 1:])
    saturation = mean_saturation(lab_to_rgb(lab)[None])
    given = torch.tensor([mode in ("histogram", "both")], device=lab.device)
    return global_vector(histogram, saturation, given, torch.tensor([mode in ("saturation", "both")]))[0]


def photo_halves_lab(path: Path, size: int, device: torch.device | str) -> tuple[torch.Tensor, torch.Tensor]:
    """(3, size, size) Lab of the photo's left and right halves, each stretched to a square."""
    rgb8 = load_photo(path).rgb8()
    middle = rgb8.shape[1] // 2
    halves = []
    for part in (rgb8[:, :middle], rgb8[:, middle:]):
        square = cv2.resize(np.ascontiguousarray(part), (size, size), interpolation=cv2.INTER_AREA)
        halves.append(rgb_to_lab(torch.from_numpy(square).to(device).permute(2, 0, 1).float() / 255))
    return halves[0], halves[1]


def matched(predicted: torch.Tensor, reference_ab: torch.Tensor) -> torch.Tensor:
    """(2, H, W) ``predicted`` ab with a and b each histogram-matched to ``reference_ab``'s."""
    out = [
        match_histograms(predicted[c].cpu().numpy(), reference_ab[c].cpu().numpy()) for c in range(predicted.shape[0])
    ]
    return torch.from_numpy(np.stack(out)).to(predicted.device, torch.float32)


class _Scores:
    """Running sums of one row: PSNR per count, chroma of results and truth per count."""

    def __init__(self, counts: Sequence[int]) -> None:
        self.counts = list(counts)
        self.psnr: dict[int, list[float]] = {k: [] for k in counts}
        self.chroma = {k: [0.0, 0.0] for k in counts}

    def add(self, lab: torch.Tensor, predicted: torch.Tensor) -> None:
        truth = lab_to_rgb(lab)
        true_chroma = float(torch.linalg.norm(lab[1:], dim=0).mean())
        for i, k in enumerate(self.counts):
            self.psnr[k].append(psnr_8bit(lab_to_rgb(torch.cat((lab[:1], predicted[i]))), truth))
            self.chroma[k][0] += float(torch.linalg.norm(predicted[i], dim=0).mean())
            self.chroma[k][1] += true_chroma

    def row(self) -> GlobalRow:
        return GlobalRow(
            psnr={k: float(np.mean(v)) for k, v in self.psnr.items()},
            chroma_ratio={k: c[0] / c[1] if c[1] else float("nan") for k, c in self.chroma.items()},
        )


def evaluate_global(
    network: Network,
    images: Sequence[Path],
    hint_counts: Sequence[int],
    modes: Sequence[str] = GLOBAL_MODES,
    seed: int = 0,
    size: int = NETWORK_SIZE,
    progress: Callable[[int, int], None] | None = None,
) -> GlobalEvaluation:
    """Score ``network`` with the truth's own global hints (each of ``modes``) and with another crop's.

    Raises:
        ValueError: ``network`` has no global-hints branch, or a mode is unknown.
    """
    if not network.takes_global_hints:
        raise ValueError("these weights have no global-hints branch")
    unknown = [m for m in modes if m not in GLOBAL_MODES]
    if unknown:
        raise ValueError(f"unknown global hints {unknown}; choose from {', '.join(GLOBAL_MODES)}")
    device = network.device
    patch = patch_for_size(size)
    counts = list(hint_counts)
    histogram_modes = [m for m in modes if m != "saturation"]
    matching = [f"{MATCHING} to own"] if histogram_modes else []
    whole_names = ["no global hints", *(f"own {m}" for m in modes), *matching]
    half_names = [
        "no global hints",
        *(f"own {m}" for m in modes),
        *(f"right half's {m}" for m in modes),
        *([f"{MATCHING} to right half"] if histogram_modes else []),
    ]
    whole = {name: _Scores(counts) for name in whole_names}
    halves = {name: _Scores(counts) for name in half_names}

    def run(lab: torch.Tensor, index: int, vectors: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        hints = hints_for_counts(lab[1:], counts, seed, index, size, patch)
        l_batch = lab[None, :1].expand(len(counts), -1, -1, -1)
        out = {}
        for name, vector in {"no global hints": None, **vectors}.items():
            g = None if vector is None else vector[None].expand(len(counts), -1)
            ab = network.colour(l_batch, hints, global_hints=g).ab
            out[name] = ab if g is None else pin_hints(ab, hints)  # as the app does
        return out

    for index, path in enumerate(images):
        lab = photo_lab(path, size, device)
        results = run(lab, index, {f"own {m}": global_hints_of(lab, m) for m in modes})
        if histogram_modes:
            results[f"{MATCHING} to own"] = torch.stack([matched(p, lab[1:]) for p in results["no global hints"]])
        for name, scores in whole.items():
            scores.add(lab, results[name])
        left, right = photo_halves_lab(path, size, device)
        vectors = {f"own {m}": global_hints_of(left, m) for m in modes}
        vectors |= {f"right half's {m}": global_hints_of(right, m) for m in modes}
        results = run(left, index, vectors)
        if histogram_modes:
            results[f"{MATCHING} to right half"] = torch.stack(
                [matched(p, right[1:]) for p in results["no global hints"]]
            )
        for name, scores in halves.items():
            scores.add(left, results[name])
        if progress:
            progress(index + 1, len(images))
    return GlobalEvaluation(
        hint_counts=counts,
        images=len(images),
        seed=seed,
        modes=list(modes),
        whole={name: s.row() for name, s in whole.items()},
        halves={name: s.row() for name, s in halves.items()},
    )
