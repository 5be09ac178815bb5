"""Issue 30's done-when on dev-eval photos given as grey: a rectangle lasso of ab (50, -50) over the
middle and a 6-pixel stroke of ab (-40, 40) a fifth of the way down.

    python docs/recipes/lasso_stroke_measure.py ../shared/datasets/dev-eval --limit 10

Prints, per photo and on average: the mean ab change outside the lasso (further than 4 cells at
256 px from its outline, against the result with the stroke alone), the mean distance to the
lasso's colour inside it (as far in), and the mean distance to the stroke's colour under it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import torch

from ideepcolor_app.hints.regions import Region, region_masks
from ideepcolor_app.hints.strokes import Stroke
from ideepcolor_app.inference.engine import ColorizationEngine
from ideepcolor_app.photos.images import Photo, load_photo

LASSO, STROKE, MARGIN = (50.0, -50.0), (-40.0, 40.0), 4


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("folder")
    parser.add_argument("--limit", type=int, default=10)
    args = parser.parse_args()
    engine = ColorizationEngine.from_weights(None, "cpu")
    photos = sorted(p for p in Path(args.folder).iterdir() if p.suffix.lower() in (".jpg", ".png"))[: args.limit]
    rows = []
    for path in photos:
        rgb = load_photo(path).rgb8()
        grey = np.repeat(rgb.mean(axis=2, keepdims=True).round().astype(np.uint8), 3, axis=2)
        height, width = grey.shape[:2]
        source = engine.set_photo(Photo(path, grey, f"grey {path.name}", False))
        lasso = Region(
            (
                (width * 0.3, height * 0.35),
                (width * 0.7, height * 0.35),
                (width * 0.7, height * 0.8),
                (width * 0.3, height * 0.8),
            ),
            LASSO,
        )
        stroke = Stroke(((width * 0.1, height * 0.2), (width * 0.9, height * 0.2)), 6.0, STROKE)
        both = engine.colorize([], source=source, strokes=[stroke], regions=[lasso]).ab[0]
        alone = engine.colorize([], source=source, strokes=[stroke]).ab[0]
        mask = region_masks([lasso], (width, height), 256)
        inner = torch.nn.functional.max_pool2d(1 - mask, 2 * MARGIN + 1, 1, MARGIN)[0, 0] == 0
        outer = torch.nn.functional.max_pool2d(mask, 2 * MARGIN + 1, 1, MARGIN)[0, 0] == 0
        outside = float(torch.linalg.norm(both - alone, dim=0)[outer].mean())
        inside = float(torch.linalg.norm(both - torch.tensor(LASSO)[:, None, None], dim=0)[inner].mean())
        row = round(0.2 * 256)
        under = float(
            torch.linalg.norm(both[:, row - 1 : row + 1, 30:226] - torch.tensor(STROKE)[:, None, None], dim=0).mean()
        )
        rows.append((outside, inside, under))
        print(f"{path.name}: outside {outside:.2f}  inside {inside:.1f}  under the stroke {under:.1f}")
    mean = np.mean(rows, axis=0)
    print(f"mean of {len(rows)}: outside {mean[0]:.2f}  inside {mean[1]:.1f}  under the stroke {mean[2]:.1f}")
    worst = np.max(rows, axis=0)
    print(f"worst: outside {worst[0]:.2f}  inside {worst[1]:.1f}  under the stroke {worst[2]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
