"""Issue 29's named case: one orange hint, ab (45, 60), on the bundled astronaut's sleeve (29 % across,
82 % down), kept local: its reach (see evaluation/reach.py) at the network's 256x256, and the mean ab
change in the rest of the photo, for each weights file given.

    python docs/recipes/astronaut_reach.py WEIGHTS...
"""

import sys

import torch

from ideepcolor_app.base.resources import sample_photo
from ideepcolor_app.colour.look import Look
from ideepcolor_app.evaluation.reach import reach_ratio
from ideepcolor_app.hints.hint_batch import HintBatch
from ideepcolor_app.hints.local_hints import Hint
from ideepcolor_app.inference.engine import ColorizationEngine
from ideepcolor_app.photos.images import load_photo

photo = load_photo(sample_photo("astronaut.jpg"))
width, height = photo.size
hint = Hint(0.29 * width, 0.82 * height, (45.0, 60.0), 5)
for weights in sys.argv[1:]:
    engine = ColorizationEngine.from_weights(weights, "cpu")
    engine.set_photo(photo)
    automatic = engine.colorize([]).ab[0]
    size = automatic.shape[-1]
    top, left = round(0.82 * size) - 3, round(0.29 * size) - 3
    at_hint = HintBatch.of_squares(torch.tensor([[[top, left, 6]]]), torch.zeros(1, 1, 2))
    for local in (True, False):
        hinted = engine.colorize([hint], look=Look(local_hints=local)).ab[0]
        change = torch.linalg.norm(hinted - automatic, dim=0)
        reach = reach_ratio(hinted, automatic, at_hint)
        print(
            f"{weights}: hints {'local' if local else 'everywhere'}: reach {reach:.2f}, "
            f"change at the hint {float(change[top : top + 6, left : left + 6].mean()):.0f}, "
            f"upper half of the photo {float(change[: size // 2].mean()):.1f} ab units"
        )
