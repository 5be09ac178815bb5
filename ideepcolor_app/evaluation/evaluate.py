"""Quality evaluation with the paper's protocol.

Each photo is resized to 256x256; for k hints, 6x6 patches are placed at
positions drawn from a normal distribution around the centre (std = a
quarter of the range), each holding the patch's mean true ab. Reported per k:
mean PSNR on 8-bit sRGB of (true L + predicted ab) against the photo, and the
raw accuracy curve (share of pixels whose predicted ab lies within t of the
truth, t = 0..150) with its area (Zhang et al. 2016).

Beside the network, the same photos and hints are scored for three yardsticks that need no
network: grey (ab = 0), the inverse-distance fill and the lightness fill (see :mod:`.fill`).
Weights worth using beat them. ``size`` evaluates at another network resolution (patches scaled).
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
import torch.nn.functional as F

from ..colour.ab_bins import annealed_mean
from ..colour.color import lab_to_rgb, rgb_to_lab
from ..colour.encoding import NETWORK_SIZE, HintEncoding, hint_fill
from ..colour.locality import HintLocality
from ..colour.look import Look, shown_colour
from ..colour.shown import Automatic, shown_ab
from ..colour.vivid import VividColours
from ..hints.global_hints import GlobalHints
from ..hints.hint_batch import HintBatch
from ..inference.network import Network
from ..photos.images import load_photo
from .colour_scores import ColourScore
from .reach import reach_hints, reach_ratio

PAPER_PSNR = {
    0: 24.43,
    1: 25.37,
    2: 26.20,
    5: 27.39,
    10: 28.42,
    20: 29.34,
    50: 30.42,
    100: 31.13,
    200: 31.70,
    500: 32.14,
}
DEFAULT_HINT_COUNTS = (0, 1, 2, 5, 10, 20, 50, 100)
EVAL_PATCH = 6
THRESHOLDS = np.arange(0, 151)
YARDSTICKS = {"grey": "grey (ab = 0)", "fill": "inverse-distance fill", "lightness-fill": "lightness fill"}
"""Rows that need no network, scored on the same photos and hints as the network."""
BEAT_MARGIN_DB = 0.005
"""A lead must show in the table's two decimals to count as beating a yardstick."""


@dataclass
class EvaluationResult:
    """PSNR and accuracy per hint count of one network, with the yardsticks on the same photos and hints."""

    hint_counts: list[int]
    psnr: dict[int, float]
    accuracy_auc: dict[int, float]
    accuracy_curve: dict[int, list[float]]
    images: int
    seed: int
    yardsticks: dict[str, dict[int, float]] = field(default_factory=dict)
    """Mean PSNR per hint count of each yardstick in :data:`YARDSTICKS`."""
    size: int = NETWORK_SIZE
    encoding: HintEncoding = HintEncoding.SPARSE
    reach: dict[str, float] = field(default_factory=dict)
    """Mean reach (see :mod:`.reach`) per case, 'one' and 'two' off-colour hints, of the app's
    default output (the vivid row) when there is one, else of the network's ab output."""
    reach_network: dict[str, float] = field(default_factory=dict)
    """The same for the network's ab output alone."""
    reach_yardstick: dict[str, float] = field(default_factory=dict)
    """The same for the lightness fill alone."""
    chroma_ratio: dict[int, float] = field(default_factory=dict)
    """Mean chroma of the results over mean chroma of the truth, per hint count."""
    annealed: dict[float, dict[int, float]] = field(default_factory=dict)
    """Temperature -> PSNR per hint count of the distribution head's annealed mean instead of the ab output."""
    annealed_chroma: dict[float, dict[int, float]] = field(default_factory=dict)
    """Temperature -> chroma ratio per hint count of the annealed mean."""
    vivid: dict[int, float] = field(default_factory=dict)
    """PSNR per hint count of the app's default output: vivid colours (see
    :mod:`~ideepcolor_app.colour.vivid`) and local hints (see :mod:`~ideepcolor_app.colour.locality`)
    where the weights carry them."""
    vivid_chroma: dict[int, float] = field(default_factory=dict)
    """Chroma ratio per hint count of the vivid output."""
    vivid_colours: VividColours | None = None
    hint_locality: HintLocality | None = None
    saturation_guess: bool = False
    """The default row's result without hints answers the network's guessed saturation."""
    colour: dict[str, dict[int, ColourScore]] = field(default_factory=dict)
    """Row ('network', 'default', 'T=...') -> hint count -> hue hit and colourfulness of that output."""

    @property
    def default_label(self) -> str:
        """What the default output row is made of."""
        parts = (
            (["guessed saturation"] if self.saturation_guess else [])
            + ([f"vivid, {self.vivid_colours.label()}"] if self.vivid_colours is not None else [])
            + (["local hints"] if self.hint_locality is not None else [])
        )
        return ", ".join(parts) + " (the app's default)"

    def to_json(self) -> dict[str, Any]:
        """Everything measured, as written by ``evaluate --json``."""
        return {
            "protocol": f"{self.size}x{self.size}, {patch_for_size(self.size)}x{patch_for_size(self.size)} patch-mean "
            "hints, centre-biased normal placement (Zhang et al. 2017, Fig. 6)",
            "images": self.images,
            "seed": self.seed,
            "hint_encoding": HintEncoding(self.encoding).value,
            "hints": self.hint_counts,
            "psnr_db": {str(k): v for k, v in self.psnr.items()},
            "yardsticks_psnr_db": {name: {str(k): v for k, v in row.items()} for name, row in self.yardsticks.items()},
            "paper_psnr_db": {str(k): PAPER_PSNR.get(k) for k in self.hint_counts},
            "accuracy_auc": {str(k): v for k, v in self.accuracy_auc.items()},
            "reach": dict(self.reach),
            "reach_network_ab": dict(self.reach_network),
            "reach_lightness_fill": dict(self.reach_yardstick),
            "chroma_ratio": {str(k): v for k, v in self.chroma_ratio.items()},
            "annealed_mean": {
                f"{t:g}": {
                    "psnr_db": {str(k): v for k, v in row.items()},
                    "chroma_ratio": {str(k): v for k, v in self.annealed_chroma[t].items()},
                }
                for t, row in self.annealed.items()
            },
            "vivid": {
                "temperature": self.vivid_colours.temperature if self.vivid_colours else None,
                "mix": self.vivid_colours.mix if self.vivid_colours else None,
                "hint_locality": self.hint_locality.to_text() if self.hint_locality else None,
                "psnr_db": {str(k): v for k, v in self.vivid.items()},
                "chroma_ratio": {str(k): v for k, v in self.vivid_chroma.items()},
            },
            "colour": {row: {str(k): v.to_json() for k, v in scores.items()} for row, scores in self.colour.items()},
            "accuracy_thresholds": THRESHOLDS.tolist(),
            "accuracy_curve": {str(k): v for k, v in self.accuracy_curve.items()},
        }

    def table(self, label: str = "this network") -> str:
        """Mean PSNR (dB): one row per method, one column per hint count."""
        given = {HintEncoding.FILL: "fill", HintEncoding.LIGHTNESS_FILL: "lightness-fill"}.get(
            HintEncoding(self.encoding)
        )
        rows: list[tuple[str, dict[int, float | None]]] = [(label, dict(self.psnr))]
        if self.vivid:
            rows.append((self.default_label, dict(self.vivid)))
        for name, title in YARDSTICKS.items():
            rows.append((title + (" (the network's input)" if name == given else ""), dict(self.yardsticks[name])))
        rows += [(f"annealed mean, T = {t:g}", dict(row)) for t, row in self.annealed.items()]
        rows.append(("paper, ImageNet (SIGGRAPH17)", {k: PAPER_PSNR.get(k) for k in self.hint_counts}))
        colour_titles = {
            kind: {"network": "this network", "default": "default"}.get(kind, f"annealed mean, {kind}")
            for kind in self.colour
        }
        first = max([len(r[0]) for r in rows] + [len(f"colourfulness / true, {t}") for t in colour_titles.values()]) + 2
        lines = [f"{'PSNR dB at hints':<{first}}" + "".join(f"{k:>7}" for k in self.hint_counts)]
        for title, values in rows:
            lines.append(
                f"{title:<{first}}"
                + "".join(f"{values[k]:>7.2f}" if values.get(k) is not None else f"{'-':>7}" for k in self.hint_counts)
            )
        lines.append(
            f"{'AuC (this network)':<{first}}" + "".join(f"{self.accuracy_auc[k]:>7.3f}" for k in self.hint_counts)
        )
        if self.chroma_ratio:
            lines.append(
                f"{'chroma / true chroma':<{first}}"
                + "".join(f"{self.chroma_ratio[k]:>7.2f}" for k in self.hint_counts)
            )
        if self.vivid_chroma:
            lines.append(
                f"{'chroma / true, default':<{first}}"
                + "".join(f"{self.vivid_chroma[k]:>7.2f}" for k in self.hint_counts)
            )
        for t, row in self.annealed_chroma.items():
            lines.append(
                f"{f'chroma / true, T = {t:g}':<{first}}" + "".join(f"{row[k]:>7.2f}" for k in self.hint_counts)
            )
        for kind, scores in self.colour.items():
            title = colour_titles[kind]
            lines.append(
                f"{f'hue hit, {title}':<{first}}" + "".join(f"{scores[k].hue_hit:>7.2f}" for k in self.hint_counts)
            )
            lines.append(
                f"{f'colourfulness / true, {title}':<{first}}"
                + "".join(f"{scores[k].colourfulness_ratio:>7.2f}" for k in self.hint_counts)
            )
        for kind, scores in self.colour.items():
            if 0 in scores:
                lines.append(f"at 0 hints, {kind}: {scores[0].summary()}")
        if self.reach:
            lines.append(
                "reach (far change / near change, 1: the hint colours everything): "
                + ", ".join(
                    f"{case} off-colour hint{'s' if case != 'one' else ''} {value:.2f}"
                    f" (lightness fill {self.reach_yardstick.get(case, float('nan')):.2f})"
                    for case, value in self.reach.items()
                )
                + (" of the default output" if self.vivid else "")
            )
        return "\n".join(lines)

    def beats_yardsticks(self) -> dict[str, list[int]]:
        """For each yardstick, the hint counts at which the network does not beat it by at least
        :data:`BEAT_MARGIN_DB` (fills equal grey at 0 hints, so only grey counts there)."""
        return {
            name: [
                k
                for k in self.hint_counts
                if self.psnr[k] < row[k] + BEAT_MARGIN_DB and not (name != "grey" and k == 0)
            ]
            for name, row in self.yardsticks.items()
        }


def patch_for_size(size: int) -> int:
    """The 6x6 evaluation patch at 256, scaled to another network resolution."""
    return max(1, round(EVAL_PATCH * size / NETWORK_SIZE))


def sample_hint_corners(
    rng: np.random.Generator, count: int, size: int = NETWORK_SIZE, patch: int = EVAL_PATCH
) -> np.ndarray:
    """(count, 2) top-left corners, centre-biased normal placement as in colorization-pytorch."""
    span = size - patch + 1
    corners = rng.normal(span / 2.0, span / 4.0, size=(count, 2))
    return np.clip(corners, 0, size - patch).astype(np.int64)


def patch_mean_hints(ab: torch.Tensor, corners: np.ndarray, patch: int) -> HintBatch:
    """One image's hints on ``patch``-sided squares at (N, 2) top-left ``corners``, each asking for
    its square's mean true colour in ``ab`` (2, H, W)."""
    squares = torch.tensor([(int(t), int(l), patch) for t, l in corners], dtype=torch.long, device=ab.device)
    squares = squares.reshape(1, -1, 3)
    placed = HintBatch.of_squares(squares, torch.zeros(1, squares.shape[1], 2, device=ab.device))
    return placed.with_colours(placed.means(ab[None]))


def photo_lab(path: Path, size: int, device: torch.device | str) -> torch.Tensor:
    """(3, size, size) Lab of the photo at ``path``, stretched to a square as the protocol does."""
    rgb8 = cv2.resize(load_photo(path).rgb8(), (size, size), interpolation=cv2.INTER_AREA)
    return rgb_to_lab(torch.from_numpy(rgb8).to(device).permute(2, 0, 1).float() / 255)


def psnr_8bit(prediction: torch.Tensor, target: torch.Tensor) -> float:
    """PSNR of two (3, H, W) sRGB tensors in [0, 1], after 8-bit rounding."""
    p = torch.round(prediction * 255).double()
    t = torch.round(target * 255).double()
    mse = float(((p - t) ** 2).mean())
    return 100.0 if mse == 0 else 20 * math.log10(255.0) - 10 * math.log10(mse)


def evaluate(
    network: Network,
    images: Sequence[Path],
    hint_counts: Sequence[int] = DEFAULT_HINT_COUNTS,
    seed: int = 0,
    progress: Callable[[int, int], None] | None = None,
    size: int = NETWORK_SIZE,
    annealed: Sequence[float] = (),
    vivid: VividColours | None = None,
    locality: HintLocality | None = None,
    finished: dict[str, PhotoRecord] | None = None,
    on_record: Callable[[PhotoRecord], None] | None = None,
    saturation_guess: bool = False,
) -> EvaluationResult:
    """Run the protocol on ``images`` with ``network`` (its encoding, device and precision);
    deterministic for a given seed and precision.

    ``annealed`` temperatures add rows for the distribution head's annealed mean (see
    :func:`~ideepcolor_app.colour.ab_bins.annealed_mean`) in place of the ab output.
    ``vivid`` and ``locality`` (how far hints reach, see
    :mod:`~ideepcolor_app.colour.locality`) add the row of the app's default output with them; reach
    is then measured on it. ``saturation_guess`` (weights that guess one, with ``vivid``) shows the
    default row's result without hints at the network's guessed saturation, as the app does.
    ``finished`` holds the records of photos measured before (by photo path, from an earlier run with
    the same settings): they are not measured again. ``on_record`` receives each new photo's record
    as soon as it is measured, so that a long run leaves its results as it goes.
    """
    records: list[PhotoRecord] = []
    for index, path in enumerate(images):
        record = (finished or {}).get(str(path))
        if record is None:
            record = _evaluate_photo(
                network, path, index, hint_counts, seed, size, annealed, vivid, locality, saturation_guess
            )
            if on_record:
                on_record(record)
        records.append(record)
        if progress:
            progress(index + 1, len(images))
    result = aggregate(records, hint_counts, seed, size, network.info.hint_encoding, annealed, vivid, locality)
    result.saturation_guess = _guesses(network, vivid, saturation_guess)
    return result


def _guesses(network: Network, vivid: VividColours | None, saturation_guess: bool) -> bool:
    """The default row (vivid colours given or not) uses the guessed saturation, by the engine's rule."""
    shown = shown_colour(Look(vivid=vivid is not None), vivid, None, False, True, network.guesses_saturation)
    return saturation_guess and shown.guessed_saturation


PhotoRecord = dict[str, Any]
"""One photo's measurements, as written to a JSON line: everything :func:`aggregate` needs."""


def _evaluate_photo(
    network: Network,
    path: Path,
    index: int,
    hint_counts: Sequence[int],
    seed: int,
    size: int,
    annealed: Sequence[float],
    vivid: VividColours | None,
    locality: HintLocality | None,
    saturation_guess: bool = False,
) -> PhotoRecord:
    """Measure one photo: every row at every hint count, its colour scores and the reach cases."""
    patch = patch_for_size(size)
    lab = photo_lab(path, size, network.device)
    l, ab = lab[0:1], lab[1:]
    passes = _reach_passes(network, l, ab, patch)
    automatic = Automatic(passes.ab[0:1], passes.logits[0:1])
    guessed: torch.Tensor | None = None  # (2, S, S) the default row without hints
    if _guesses(network, vivid, saturation_guess):
        # as the engine: hinted passes as before, the result without hints (and what hints kept local
        # leave away from themselves) answers the guessed saturation, shown as the ab output
        side = (NETWORK_SIZE, NETWORK_SIZE)
        square = l[None] if size == NETWORK_SIZE else F.interpolate(l[None], size=side, mode="area")
        vector = GlobalHints(saturation=float(network.guess_saturation(square)[0])).vector(network.device)[None]
        empty = HintBatch.empty(device=l.device)
        bare = network.colour(l[None], empty, global_hints=vector)
        automatic = Automatic(bare.ab, bare.logits, from_global_hints=True)
        guessed = shown_ab(bare.ab, bare.logits, l[None], empty, None, None, None, pinned=True)[0][0]
    shown_with = (automatic, vivid, locality)
    hints = hints_for_counts(ab, hint_counts, seed, index, size, patch)
    l_batch = l[None].expand(len(hint_counts), -1, -1, -1)
    out = network.colour(l_batch, hints)
    predicted = out.ab
    truth = lab_to_rgb(lab)
    truth8 = _rgb8(truth)
    record: PhotoRecord = {
        "photo": str(path),
        "true_chroma": float(torch.linalg.norm(ab, dim=0).mean()),
        "rows": {},
        "yardsticks": {},
        "accuracy_hits": {},
        "reach": {},
        "reach_network": {},
        "reach_fill": {},
    }

    def measure(row: str, k: int, result_ab: torch.Tensor) -> None:
        rgb = lab_to_rgb(torch.cat((l, result_ab)))
        colour = ColourScore()
        colour.add(result_ab, ab, _rgb8(rgb), truth8)
        record["rows"].setdefault(row, {})[str(k)] = {
            "psnr": psnr_8bit(rgb, truth),
            "chroma": float(torch.linalg.norm(result_ab, dim=0).mean()),
            "hue_hits": colour.hits,
            "colourfulness_ratio": colour.ratios[0] if colour.ratios else None,
        }

    for t in annealed:
        mean_ab = F.interpolate(annealed_mean(out.logits, t), size=(size, size), mode="bilinear", align_corners=False)
        for i, k in enumerate(hint_counts):
            measure(f"T={t:g}", k, mean_ab[i])
    fills = {
        "grey": torch.zeros_like(predicted),
        "fill": hint_fill(l_batch, hints, HintEncoding.FILL),
        "lightness-fill": hint_fill(l_batch, hints, HintEncoding.LIGHTNESS_FILL),
    }
    if vivid is not None or locality is not None:
        default_out = shown_ab(predicted, out.logits, l[None], hints, *shown_with)[0]
        for i, k in enumerate(hint_counts):
            measure("default", k, default_out[i] if guessed is None or k else guessed)
    for i, k in enumerate(hint_counts):
        measure("network", k, predicted[i])
        for name, fill in fills.items():
            rgb = lab_to_rgb(torch.cat((l, fill[i])))
            record["yardsticks"].setdefault(name, {})[str(k)] = psnr_8bit(rgb, truth)
        distance = torch.linalg.norm(predicted[i] - ab, dim=0).flatten()
        counts = torch.bincount(distance.ceil().clamp(max=len(THRESHOLDS)).long(), minlength=len(THRESHOLDS) + 1)
        record["accuracy_hits"][str(k)] = np.cumsum(counts[: len(THRESHOLDS)].cpu().numpy()).tolist()
    # without vivid colours and locality this is the network's ab output
    shown = shown_ab(passes.ab, passes.logits, l[None], passes.hints, *shown_with)[0]
    if guessed is not None:
        shown[0] = guessed
    for row, case in enumerate(passes.cases, start=1):
        case_hints = passes.hints[row]
        record["reach_network"][case] = reach_ratio(passes.ab[row], passes.ab[0], case_hints)
        record["reach"][case] = reach_ratio(shown[row], shown[0], case_hints)
        fill = passes.fills[row - 1]
        record["reach_fill"][case] = reach_ratio(fill, torch.zeros_like(fill), case_hints)
    record["pixels"] = size * size
    return record


def aggregate(
    records: Sequence[PhotoRecord],
    hint_counts: Sequence[int],
    seed: int,
    size: int,
    encoding: HintEncoding,
    annealed: Sequence[float] = (),
    vivid: VividColours | None = None,
    locality: HintLocality | None = None,
) -> EvaluationResult:
    """The result over ``records``: means per photo (PSNR, reach), pooled pixels (accuracy, hue hits)."""
    counts = [str(k) for k in hint_counts]
    n = max(len(records), 1)
    true_chroma = sum(r["true_chroma"] for r in records)
    pixels = sum(r["pixels"] for r in records)

    def row_mean(row: str, key: str) -> dict[int, float]:
        return {int(k): sum(r["rows"][row][k][key] for r in records) / n for k in counts}

    def chroma_ratio(row: str) -> dict[int, float]:
        return {
            int(k): sum(r["rows"][row][k]["chroma"] for r in records) / true_chroma if true_chroma else float("nan")
            for k in counts
        }

    def colour(row: str) -> dict[int, ColourScore]:
        scores = {}
        for k in counts:
            score = ColourScore()
            for r in records:
                entry = r["rows"][row][k]
                for family, (hit, total) in entry["hue_hits"].items():
                    score.hits[family][0] += hit
                    score.hits[family][1] += total
                if entry["colourfulness_ratio"] is not None:
                    score.ratios.append(entry["colourfulness_ratio"])
            scores[int(k)] = score
        return scores

    def reach_mean(key: str) -> dict[str, float]:
        cases = records[0][key] if records else {}
        return {case: _mean([r[key][case] for r in records]) for case in cases}

    hits = {k: np.sum([r["accuracy_hits"][k] for r in records], axis=0) for k in counts}
    curve = {int(k): (np.asarray(hits[k]) / max(pixels, 1)).tolist() for k in counts}
    rows = ["network"] + (["default"] if vivid is not None or locality is not None else [])
    rows += [f"T={t:g}" for t in annealed]
    return EvaluationResult(
        hint_counts=list(hint_counts),
        psnr=row_mean("network", "psnr") if records else {k: float("nan") for k in hint_counts},
        accuracy_auc={k: float(np.mean(curve[k])) for k in hint_counts},
        accuracy_curve=curve,
        images=len(records),
        seed=seed,
        yardsticks={
            name: {int(k): _mean([r["yardsticks"][name][k] for r in records]) for k in counts} for name in YARDSTICKS
        },
        size=size,
        encoding=HintEncoding(encoding),
        reach=reach_mean("reach"),
        reach_network=reach_mean("reach_network"),
        reach_yardstick=reach_mean("reach_fill"),
        chroma_ratio=chroma_ratio("network"),
        vivid=row_mean("default", "psnr") if "default" in rows and records else {},
        vivid_colours=vivid,
        hint_locality=locality,
        vivid_chroma=chroma_ratio("default") if "default" in rows and records else {},
        annealed={t: row_mean(f"T={t:g}", "psnr") for t in annealed} if records else {},
        annealed_chroma={t: chroma_ratio(f"T={t:g}") for t in annealed} if records else {},
        colour={row: colour(row) for row in rows} if records else {},
    )


@dataclass
class _ReachPasses:
    """One photo's network answers without hints (row 0) and for each reach case (rows 1 on)."""

    cases: list[str]
    ab: torch.Tensor  # (rows, 2, S, S)
    logits: torch.Tensor  # (rows, 529, S/4, S/4)
    hints: HintBatch  # row 0 has none
    fills: torch.Tensor  # (cases, 2, S, S) the lightness fill of each case's hints


def _reach_passes(network: Network, l: torch.Tensor, ab: torch.Tensor, patch: int) -> _ReachPasses:
    """The network without hints and with each reach case's off-colour hints; one batched pass."""
    cases = reach_hints(ab, patch)
    hints = HintBatch.cat([HintBatch.empty(device=ab.device), *cases.values()])  # row 0: no hints
    l_batch = l[None].expand(len(hints), -1, -1, -1)
    out = network.colour(l_batch, hints)
    fills = hint_fill(l_batch[1:], hints[1:], HintEncoding.LIGHTNESS_FILL)
    return _ReachPasses(list(cases), out.ab, out.logits, hints, fills)


def _rgb8(rgb: torch.Tensor) -> np.ndarray:
    """(H, W, 3) uint8 of a (3, H, W) sRGB tensor in [0, 1]."""
    return torch.round(rgb.clamp(0, 1) * 255).to(torch.uint8).permute(1, 2, 0).cpu().numpy()


def _mean(values: list[float]) -> float:
    return float(np.mean(values)) if values else float("nan")


def hints_for_counts(
    ab: torch.Tensor, hint_counts: Sequence[int], seed: int, index: int, size: int, patch: int
) -> HintBatch:
    """The protocol's hints for one photo (true ab (2, S, S)): one image per count, drawn from
    ``seed``, the photo's ``index`` and the count."""
    rows = [
        patch_mean_hints(ab, sample_hint_corners(np.random.default_rng([seed, index, k]), k, size, patch), patch)
        for k in hint_counts
    ]
    return HintBatch.cat(rows) if rows else HintBatch.empty(0, ab.device)
