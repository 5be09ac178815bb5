"""Choose a weights file's hint locality: PSNR and reach of the app's output for a grid of settings.

    python docs/recipes/locality_grid.py run WEIGHTS FOLDER START STOP OUT.pt   # one core; split the photos
    python docs/recipes/locality_grid.py show OUT.pt [OUT.pt ...]

Run on photos that are not dev-eval (the BSDS500 train/val photos in runs/bsds-train were used), so
the 200 dev-eval photos stay a held-out check. Every setting is scored against the same output
without locality (vivid colours at the file's temperature): PSNR change at 1 to 100 hints under the
paper's protocol (seed 0) and reach with one and two off-colour hints (see evaluation/reach.py).
"""

import itertools
import os
import sys
from pathlib import Path

import numpy as np
import torch

from ideepcolor_app.colour.color import lab_to_rgb
from ideepcolor_app.colour.encoding import encode_hints
from ideepcolor_app.colour.locality import HintLocality, bin_probabilities, hint_coverage, local_ab
from ideepcolor_app.colour.vivid import vivid_ab
from ideepcolor_app.evaluation.evaluate import hints_for_counts, photo_lab, psnr_8bit
from ideepcolor_app.evaluation.reach import reach_hints, reach_ratio
from ideepcolor_app.hints.hint_batch import HintBatch
from ideepcolor_app.network.precision import Precision, autocast
from ideepcolor_app.network.weights import load_model

COUNTS = [0, 1, 2, 5, 10, 20, 50, 100]
W0S = [float(w) for w in os.environ.get("LOCALITY_W0S", "6e-10,1.5e-9,4e-9,1e-8").split(",")]
SIGMAS = [float(s) for s in os.environ.get("LOCALITY_SIGMAS", "14,20").split(",")]
GRID = [HintLocality(w, s, f) for w, s, f in itertools.product(W0S, SIGMAS, [0.003])]
"""The settings tried; LOCALITY_W0S and LOCALITY_SIGMAS (comma-separated) try others."""


def run(weights: str, folder: str, start: int, stop: int, out: str) -> None:
    torch.set_num_threads(1)
    model, info = load_model(Path(weights))
    model.eval()
    scores: dict[tuple[str, str], list[float]] = {}
    for index, path in enumerate(sorted(Path(folder).glob("*.jpg"))[start:stop], start=start):
        lab = photo_lab(path, 256, "cpu")
        l, ab = lab[:1], lab[1:]
        cases = reach_hints(ab, 6)
        hints = HintBatch.cat([hints_for_counts(ab, COUNTS, 0, index, 256, 6), *cases.values()])
        rows = len(hints)
        lightness = l[None].expand(rows, -1, -1, -1)
        x = encode_hints(lightness, hints, info.mask_convention, info.hint_encoding, info.fill_prior_weight)
        with torch.inference_mode(), autocast(torch.device("cpu"), Precision.BF16):
            result = model(x, hint_counts=hints.counts())
        logits = result.logits.float()
        shown = vivid_ab(result.ab.float(), logits, hints, info.vivid) if info.vivid else result.ab.float()
        automatic = shown[0:1].expand(rows, -1, -1, -1)
        probabilities = bin_probabilities(logits[0:1]).expand(rows, -1, -1, -1)
        truth = lab_to_rgb(lab)
        names = [str(k) for k in COUNTS] + list(cases)
        for setting in [None, *GRID]:
            if setting is None:
                out_ab = shown
            else:
                coverage = hint_coverage(lightness, hints, probabilities, setting)
                out_ab = local_ab(shown, automatic, coverage)
            key = "none" if setting is None else setting.to_text()
            for row, name in enumerate(names):
                if name in cases:
                    value = reach_ratio(out_ab[row], out_ab[0], hints[row])
                else:
                    value = psnr_8bit(lab_to_rgb(torch.cat((l, out_ab[row]))), truth)
                scores.setdefault((key, name), []).append(value)
        print(index, flush=True, file=sys.stderr)
    torch.save(scores, out)


def show(files: list[str]) -> None:
    scores: dict[tuple[str, str], list[float]] = {}
    for file in files:
        for key, values in torch.load(file).items():
            scores.setdefault(key, []).extend(values)
    names = [str(k) for k in COUNTS[1:]]
    reference = {n: np.mean(scores[("none", n)]) for n in names}
    print(
        f"{len(scores[('none', '0')])} photos; without locality: 0 hints {np.mean(scores[('none', '0')]):.2f}, "
        + " ".join(f"{n}: {reference[n]:.2f}" for n in names)
        + f"; reach {np.mean(scores[('none', 'one')]):.2f} / {np.mean(scores[('none', 'two')]):.2f}"
    )
    print("W0 SIGMA FLOOR".ljust(24) + "PSNR change at " + "/".join(names) + " hints; reach one / two")
    for setting in GRID:
        key = setting.to_text()
        change = [np.mean(scores[(key, n)]) - reference[n] for n in names]
        print(
            key.ljust(24)
            + " ".join(f"{c:+.2f}" for c in change)
            + f"   {np.mean(scores[(key, 'one')]):.2f} / {np.mean(scores[(key, 'two')]):.2f}"
        )


if __name__ == "__main__":
    if sys.argv[1] == "run":
        run(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), sys.argv[6])
    else:
        show(sys.argv[2:])
