"""Quality evaluation with the paper's protocol.

Each photo is resized to 256x256; for k hints, 6x6 patches are placed at
positions drawn from a normal distribution around the centre (std = a
quarter of the range), each holding the patch's mean true ab. Reported per k:
mean PSNR on 8-bit sRGB of (true L + predicted ab) against the photo, and the
raw accuracy curve (share of pixels whose predicted ab lies within t of the
truth, t = 0..150) with its area (Zhang et al. 2016).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Sequence

import cv2
import numpy as np
import torch

from .color import lab_to_rgb, rgb_to_lab
from .encoding import NETWORK_SIZE, MaskConvention, network_input, rasterize_hints
from .images import READ_FORMATS, load_photo
from .model import SIGGRAPHGenerator

PAPER_PSNR = {0: 24.43, 1: 25.37, 2: 26.20, 5: 27.39, 10: 28.42, 20: 29.34, 50: 30.42, 100: 31.13, 200: 31.70, 500: 32.14}
DEFAULT_HINT_COUNTS = (0, 1, 2, 5, 10, 20, 50, 100)
EVAL_PATCH = 6
THRESHOLDS = np.arange(0, 151)


@dataclass
class EvaluationResult:
    hint_counts: list[int]
    psnr: dict[int, float]
    accuracy_auc: dict[int, float]
    accuracy_curve: dict[int, list[float]]
    images: int
    seed: int
    per_image_psnr: dict[int, list[float]] = field(default_factory=dict)

    def to_json(self) -> dict:
        return {
            "protocol": "256x256, 6x6 patch-mean hints, centre-biased normal placement (Zhang et al. 2017, Fig. 6)",
            "images": self.images,
            "seed": self.seed,
            "hints": self.hint_counts,
            "psnr_db": {str(k): v for k, v in self.psnr.items()},
            "paper_psnr_db": {str(k): PAPER_PSNR.get(k) for k in self.hint_counts},
            "accuracy_auc": {str(k): v for k, v in self.accuracy_auc.items()},
            "accuracy_thresholds": THRESHOLDS.tolist(),
            "accuracy_curve": {str(k): v for k, v in self.accuracy_curve.items()},
        }

    def table(self) -> str:
        lines = [f"{'hints':>6} {'PSNR dB':>8} {'paper':>7} {'AuC':>6}"]
        for k in self.hint_counts:
            paper = PAPER_PSNR.get(k)
            lines.append(f"{k:>6} {self.psnr[k]:>8.2f} {paper if paper else '-':>7} {self.accuracy_auc[k]:>6.3f}")
        return "\n".join(lines)


def list_images(paths: Iterable[str | Path]) -> list[Path]:
    """Files given directly plus readable images inside given folders, sorted."""
    found: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            found += sorted(f for f in p.iterdir() if f.suffix.lower() in READ_FORMATS and not f.name.startswith("."))
        else:
            found.append(p)
    return found


def sample_hint_boxes(rng: np.random.Generator, count: int, size: int = NETWORK_SIZE, patch: int = EVAL_PATCH) -> np.ndarray:
    """(count, 2) top-left corners, centre-biased normal placement as in colorization-pytorch."""
    span = size - patch + 1
    corners = rng.normal(span / 2.0, span / 4.0, size=(count, 2))
    return np.clip(corners, 0, size - patch).astype(np.int64)


def patch_mean_hints(ab: torch.Tensor, corners: np.ndarray, patch: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Boxes (N, 3) and colours (N, 2): the mean true ab of each patch. ``ab`` is (2, H, W)."""
    boxes = torch.tensor([(int(t), int(l), patch) for t, l in corners], dtype=torch.long).reshape(-1, 3)
    colors = torch.stack([ab[:, t : t + patch, l : l + patch].mean(dim=(1, 2)) for t, l, _ in boxes.tolist()]) \
        if len(boxes) else torch.zeros(0, 2, device=ab.device)
    return boxes, colors


def psnr_8bit(prediction: torch.Tensor, target: torch.Tensor) -> float:
    """PSNR of two (3, H, W) sRGB tensors in [0, 1], after 8-bit rounding."""
    p = torch.round(prediction * 255).double()
    t = torch.round(target * 255).double()
    mse = float(((p - t) ** 2).mean())
    return 100.0 if mse == 0 else 20 * math.log10(255.0) - 10 * math.log10(mse)


def evaluate(
    model: SIGGRAPHGenerator,
    mask_convention: MaskConvention,
    images: Sequence[Path],
    hint_counts: Sequence[int] = DEFAULT_HINT_COUNTS,
    seed: int = 0,
    device: torch.device | str = "cpu",
    progress: Callable[[int, int], None] | None = None,
) -> EvaluationResult:
    """Run the protocol on ``images``; deterministic for a given seed."""
    model = model.eval().to(device)
    psnr: dict[int, list[float]] = {k: [] for k in hint_counts}
    hits = {k: np.zeros(len(THRESHOLDS)) for k in hint_counts}
    pixels = 0
    for index, path in enumerate(images):
        rgb8 = cv2.resize(load_photo(path).rgb8(), (NETWORK_SIZE, NETWORK_SIZE), interpolation=cv2.INTER_AREA)
        rgb = torch.from_numpy(rgb8).to(device).permute(2, 0, 1).float() / 255
        lab = rgb_to_lab(rgb)
        l, ab = lab[0:1], lab[1:]
        inputs = []
        for k in hint_counts:
            rng = np.random.default_rng([seed, index, k])
            boxes, colors = patch_mean_hints(ab, sample_hint_boxes(rng, k), EVAL_PATCH)
            hint_ab, mask = rasterize_hints(boxes.to(device), colors, NETWORK_SIZE, NETWORK_SIZE)
            inputs.append(network_input(l[None], hint_ab, mask, mask_convention))
        with torch.inference_mode():
            predicted = model(torch.cat(inputs)).ab.float()
        truth = lab_to_rgb(lab)
        for k, pred_ab in zip(hint_counts, predicted):
            out = lab_to_rgb(torch.cat((l, pred_ab)))
            psnr[k].append(psnr_8bit(out, truth))
            distance = torch.linalg.norm(pred_ab - ab, dim=0).flatten()
            counts = torch.bincount(distance.ceil().clamp(max=len(THRESHOLDS)).long(), minlength=len(THRESHOLDS) + 1)
            hits[k] += np.cumsum(counts[: len(THRESHOLDS)].cpu().numpy())
        pixels += NETWORK_SIZE * NETWORK_SIZE
        if progress:
            progress(index + 1, len(images))
    curve = {k: (hits[k] / max(pixels, 1)).tolist() for k in hint_counts}
    return EvaluationResult(
        hint_counts=list(hint_counts),
        psnr={k: float(np.mean(v)) if v else float("nan") for k, v in psnr.items()},
        accuracy_auc={k: float(np.mean(curve[k])) for k in hint_counts},
        accuracy_curve=curve,
        images=len(images),
        seed=seed,
        per_image_psnr=psnr,
    )
