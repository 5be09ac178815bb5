"""The strokes protocol (issue 30): do lassos hold their colour in and everything else out, and do
strokes tell the network more than points at equal effort?

Each photo is given as grey at 256 x 256 (photo pixels are network pixels), and:

- **lasso**: a square lasso of ab (50, -50) over the middle quarter. *Leakage* is the mean ab change,
  against the result without it, further than 4 px outside its outline (0 when confinement holds);
  *fill* is the mean distance to its colour further than 4 px inside.
- **strokes against points**: k = 1, 2, 5, 10 regions of near-constant true colour (the SLIC
  superpixels whose ab varies least) each get one stroke (a 3-px line along the region's longest
  run of pixels at its middle row, in the region's mean true colour) or one point hint of that
  colour at the line's middle. PSNR of both results against the truth, and how far the pixels
  under the strokes are from their colour.
- **how a lasso fills**: the :data:`FILL_LASSOS` superpixels of most uniform true colour each get a
  lasso round them in their mean true colour. PSNR inside them of the app's fill (the lasso's colour
  at every pixel it holds: what an edge-aware solve from the lasso's colour alone gives) against
  the network's fill (the network given the inside as hints, the app's way where hints lie inside).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import torch
from skimage.segmentation import slic

from ..colour.color import lab_to_rgb, rgb_to_lab
from ..colour.encoding import DEFAULT_PATCH_SIZE, NETWORK_SIZE
from ..colour.look import Look
from ..hints.hint_batch import HintBatch
from ..hints.local_hints import Hint
from ..hints.regions import Region, fill_squares, region_masks
from ..hints.strokes import Stroke, stroke_squares
from ..hints.wand import mask_outline
from ..inference.engine import ColorizationEngine
from ..photos.images import Photo, load_photo
from .evaluate import psnr_8bit

STROKE_COUNTS = (1, 2, 5, 10)
LASSO_COLOUR = (50.0, -50.0)
STROKE_WIDTH = 3.0
"""Pixels, at 256 x 256."""
MARGIN = 4
"""Pixels either side of a lasso's outline that neither measure counts."""
SEGMENTS = 64
"""SLIC superpixels per photo, from which the stroked regions are chosen."""
FILL_LASSOS = 3
"""Lassos per photo for the fill comparison."""


@dataclass
class StrokeEvaluation:
    """Mean figures over the photos (see the module's docstring)."""

    images: int
    leakage: float
    fill: float
    psnr_points: dict[int, float]
    psnr_strokes: dict[int, float]
    under_strokes: dict[int, float]
    fill_psnr_network: float = float("nan")
    fill_psnr_flat: float = float("nan")

    def table(self) -> str:
        """The figures as the command line prints them."""
        counts = list(self.psnr_points)
        lines = [
            f"lasso of ab {LASSO_COLOUR}: leakage {self.leakage:.2f} ab units beyond {MARGIN} px outside (0 is "
            f"perfect), fill {self.fill:.1f} from its colour inside",
            f"{'PSNR dB with k':<32}" + "".join(f"{k:>8}" for k in counts),
            f"{'  points':<32}" + "".join(f"{self.psnr_points[k]:>8.2f}" for k in counts),
            f"{'  strokes':<32}" + "".join(f"{self.psnr_strokes[k]:>8.2f}" for k in counts),
            f"{'  under the strokes, ab from it':<32}" + "".join(f"{self.under_strokes[k]:>8.1f}" for k in counts),
            f"lassos in their true colour, PSNR inside: one colour evenly (the app) {self.fill_psnr_flat:.2f} dB, "
            f"the network given the inside as hints {self.fill_psnr_network:.2f} dB",
        ]
        return "\n".join(lines)

    def to_json(self) -> dict[str, Any]:
        """The figures for ``--json``."""
        return {
            "images": self.images,
            "lasso_colour": list(LASSO_COLOUR),
            "leakage": self.leakage,
            "fill": self.fill,
            "psnr_points": {str(k): v for k, v in self.psnr_points.items()},
            "psnr_strokes": {str(k): v for k, v in self.psnr_strokes.items()},
            "under_strokes": {str(k): v for k, v in self.under_strokes.items()},
            "fill_psnr_network": self.fill_psnr_network,
            "fill_psnr_flat": self.fill_psnr_flat,
        }


def uniform_segments(rgb8: np.ndarray, true_ab: torch.Tensor, count: int, least: int = 60) -> list[np.ndarray]:
    """Masks of the ``count`` SLIC superpixels (of at least ``least`` pixels) whose true ab varies least."""
    labels = slic(rgb8, n_segments=SEGMENTS, compactness=10, start_label=0)
    ab = true_ab.cpu().numpy()
    candidates = []
    for label in np.unique(labels):
        inside = labels == label
        if inside.sum() >= least:
            candidates.append((float(ab[:, inside].std(axis=1).mean()), int(label)))
    return [labels == label for _, label in sorted(candidates)[:count]]


def simulated_lassos(rgb8: np.ndarray, true_ab: torch.Tensor, count: int) -> list[Region]:
    """Lassos round the ``count`` regions of most uniform true colour, each in its mean true colour."""
    ab = true_ab.cpu().numpy()
    size = rgb8.shape[1], rgb8.shape[0]
    lassos = []
    for inside in uniform_segments(rgb8, true_ab, count, least=150):
        outline = mask_outline(inside, size)
        if outline is not None:
            a, b = ab[:, inside].mean(axis=1).tolist()
            lassos.append(Region(outline, (float(a), float(b))))
    return lassos


def simulated_strokes(rgb8: np.ndarray, true_ab: torch.Tensor, count: int) -> tuple[list[Stroke], list[Hint]]:
    """``count`` strokes in the regions of most uniform true colour, and a point hint for each.

    Args:
        rgb8: (S, S, 3) the colour photo. true_ab: (2, S, S) its ab.
    """
    ab = true_ab.cpu().numpy()
    strokes, points = [], []
    for inside in uniform_segments(rgb8, true_ab, count):
        row = int(np.median(np.nonzero(inside)[0]))
        runs = np.diff(np.concatenate(([0], inside[row].astype(np.int8), [0])))
        starts, ends = np.nonzero(runs == 1)[0], np.nonzero(runs == -1)[0]
        longest = int(np.argmax(ends - starts))
        left, right = int(starts[longest]) + 1, int(ends[longest]) - 2
        a, b = ab[:, inside].mean(axis=1).tolist()
        colour = (float(a), float(b))
        if right <= left:
            right = left
        strokes.append(Stroke(((left + 0.5, row + 0.5), (right + 0.5, row + 0.5)), STROKE_WIDTH, colour))
        points.append(Hint((left + right) / 2 + 0.5, row + 0.5, colour, DEFAULT_PATCH_SIZE))
    return strokes, points


def evaluate_strokes(
    engine: ColorizationEngine,
    images: Sequence[Path],
    counts: Sequence[int] = STROKE_COUNTS,
    progress: Callable[[int, int], None] | None = None,
) -> StrokeEvaluation:
    """Run the strokes protocol on ``images`` with the engine's best network."""
    size = NETWORK_SIZE
    lasso = Region(((64.0, 64.0), (192.0, 64.0), (192.0, 192.0), (64.0, 192.0)), LASSO_COLOUR)
    mask = region_masks([lasso], (size, size), size, engine.device)
    inner = torch.nn.functional.max_pool2d(1 - mask, 2 * MARGIN + 1, 1, MARGIN)[0, 0] == 0
    outer = torch.nn.functional.max_pool2d(mask, 2 * MARGIN + 1, 1, MARGIN)[0, 0] == 0
    leakage: list[float] = []
    fill: list[float] = []
    fill_network: list[float] = []
    fill_flat: list[float] = []
    psnr_points: dict[int, list[float]] = {k: [] for k in counts}
    psnr_strokes: dict[int, list[float]] = {k: [] for k in counts}
    under: dict[int, list[float]] = {k: [] for k in counts}
    colour = torch.tensor(LASSO_COLOUR, device=engine.device)[:, None]
    for index, path in enumerate(images):
        rgb8 = cv2.resize(load_photo(path).rgb8(), (size, size), interpolation=cv2.INTER_AREA)
        source = engine.set_photo(Photo(Path(path), rgb8, "", is_color=False))
        lab = rgb_to_lab(torch.from_numpy(rgb8).to(engine.device).permute(2, 0, 1).float() / 255)
        truth, l, true_ab = lab_to_rgb(lab), lab[0:1], lab[1:]
        automatic = engine.colorize([], source=source).ab[0]
        with_lasso = engine.colorize([], source=source, regions=[lasso]).ab[0]
        leakage.append(float(torch.linalg.norm(with_lasso - automatic, dim=0)[outer].mean()))
        fill.append(float(torch.linalg.norm(with_lasso[:, inner] - colour, dim=0).mean()))
        lassos = simulated_lassos(rgb8, lab[1:], FILL_LASSOS)
        if lassos:
            flat = engine.colorize([], source=source, regions=lassos).ab[0]
            masks = region_masks(lassos, (size, size), size, engine.device)
            given = [  # the lassos' insides as hints, as the engine gives them to the network
                Hint(left + side / 2, top + side / 2, simulated.ab, side)  # type: ignore[arg-type]
                for simulated, mask in zip(lassos, masks, strict=True)
                for top, left, side in fill_squares(mask[0])
            ]
            network = engine.colorize(given, source=source, look=Look(local_hints=False)).ab[0]
            held = masks[:, 0] > 0
            anywhere = held.any(dim=0)
            filled = torch.where(anywhere, network, flat)
            for result, scores in ((filled, fill_network), (flat, fill_flat)):
                shown = lab_to_rgb(torch.cat((l, result)))
                scores.append(psnr_8bit(shown[:, anywhere][:, None], truth[:, anywhere][:, None]))
        for k in counts:
            strokes, points = simulated_strokes(rgb8, true_ab, k)
            by_points = engine.colorize(points, source=source).ab[0]
            by_strokes = engine.colorize([], source=source, strokes=strokes).ab[0]
            psnr_points[k].append(psnr_8bit(lab_to_rgb(torch.cat((l, by_points))), truth))
            psnr_strokes[k].append(psnr_8bit(lab_to_rgb(torch.cat((l, by_strokes))), truth))
            distances = []
            for stroke in strokes:
                squares = stroke_squares(stroke, (size, size), size)
                painted = HintBatch.of_squares(torch.tensor([squares]), torch.zeros(1, len(squares), 2)).masks(
                    size, size
                )
                on = painted[0, 0].to(engine.device) > 0
                wanted = torch.tensor(stroke.ab, device=engine.device)[:, None]
                distances.append(float(torch.linalg.norm(by_strokes[:, on] - wanted, dim=0).mean()))
            under[k].append(float(np.mean(distances)) if distances else float("nan"))
        if progress:
            progress(index + 1, len(images))
    return StrokeEvaluation(
        len(images),
        float(np.mean(leakage)),
        float(np.mean(fill)),
        {k: float(np.mean(v)) for k, v in psnr_points.items()},
        {k: float(np.mean(v)) for k, v in psnr_strokes.items()},
        {k: float(np.nanmean(v)) for k, v in under.items()},
        float(np.mean(fill_network)) if fill_network else float("nan"),
        float(np.mean(fill_flat)) if fill_flat else float("nan"),
    )
