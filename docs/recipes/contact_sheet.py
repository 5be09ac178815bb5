"""A contact sheet to look at: per photo, the truth, then each weights file's automatic result (the
app's default output, no hints) of the photo given as grey.

    python docs/recipes/contact_sheet.py OUT.png WEIGHTS_A WEIGHTS_B -- PHOTO...
"""

import sys
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np

from ideepcolor_app.inference.engine import ColorizationEngine
from ideepcolor_app.photos.images import load_photo

HEIGHT = 200

split = sys.argv.index("--")
out, weights, photos = Path(sys.argv[1]), sys.argv[2:split], sys.argv[split + 1 :]
engines = [ColorizationEngine.from_weights(w, "cpu") for w in weights]
rows = []
for path in photos:
    photo = load_photo(path)
    grey = replace(photo, pixels=np.repeat(cv2.cvtColor(photo.rgb8(), cv2.COLOR_RGB2GRAY)[..., None], 3, axis=2))
    tiles = [photo.rgb8()]
    for engine in engines:
        source = engine.set_photo(grey)
        tiles.append(engine.colorize((), network=engine.best, source=source).full_resolution_rgb())
    scale = HEIGHT / tiles[0].shape[0]
    size = (round(tiles[0].shape[1] * scale), HEIGHT)
    rows.append(np.concatenate([cv2.resize(t, size, interpolation=cv2.INTER_AREA) for t in tiles], axis=1))
width = max(r.shape[1] for r in rows)
sheet = np.concatenate([np.pad(r, ((0, 4), (0, width - r.shape[1]), (0, 0)), constant_values=255) for r in rows])
cv2.imwrite(str(out), cv2.cvtColor(sheet, cv2.COLOR_RGB2BGR))
print(f"wrote {out}: rows {photos}, columns truth, {', '.join(weights)}")
