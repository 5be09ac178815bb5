"""Flicker and PSNR on pan clips built from colour photos (issue 20's protocol; clips are never saved).

python docs/recipes/video_pans.py ../shared/datasets/dev-eval [--limit N] [--hints 10] [--carry 0.85]
"""

import argparse
import json

from ideepcolor_app.evaluation.evaluate_video import evaluate_video
from ideepcolor_app.inference.engine import ColorizationEngine
from ideepcolor_app.photos.images import list_images

parser = argparse.ArgumentParser()
parser.add_argument("folder")
parser.add_argument("--limit", type=int, default=20)
parser.add_argument("--hints", type=int, default=10)
parser.add_argument("--carry", type=float, default=0.85)
parser.add_argument("--json")
args = parser.parse_args()
engine = ColorizationEngine.from_weights(None)
images = list_images([args.folder])[: args.limit]
result = evaluate_video(
    engine, images, hints=args.hints, carry=args.carry, progress=lambda d, t: print(f"{d}/{t}", flush=True)
)
print(f"weights: {engine.info.label}, device: {engine.device_label}")
print(result.table())
if args.json:
    with open(args.json, "w") as f:
        json.dump(result.to_json(), f, indent=2)
