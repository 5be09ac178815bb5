"""Issue 34: what a drag would show and cost with each network and side, against the result at rest.

    python docs/recipes/drag_network_measure.py DEV_EVAL_FOLDER LIGHT_WEIGHTS [PHOTOS] [BIG_JPEG]

For PHOTOS dev-eval photos (default 40), 5 hints with the photo's true colours (patch means,
seed 0), the app's default look: the result at rest (the fast network at 256) and each drag
option's picture, both composed at 512 px; PSNR (8-bit sRGB) of each option against the result at
rest. Then the median cost of one whole drag step (network pass, locality, picture for the view)
for each option on BIG_JPEG (a 12 MP photo), in the precision this process runs in. Set
``ONEDNN_MAX_CPU_ISA=AVX2 ATEN_CPU_CAPABILITY=avx2 IDEEPCOLOR_PRECISION=fp32`` to emulate an
AVX2-only processor (docs/benchmarks.md says how far that emulation goes).
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch

from ideepcolor_app.colour.color import rgb_to_lab
from ideepcolor_app.colour.look import DEFAULT_LOOK
from ideepcolor_app.evaluation.bench import describe_machine, machine_class
from ideepcolor_app.hints.local_hints import Hint
from ideepcolor_app.inference.engine import ColorizationEngine
from ideepcolor_app.inference.network import Network
from ideepcolor_app.inference.worker import PRELIMINARY_MAX_SIDE
from ideepcolor_app.network.registry import find_weight_set
from ideepcolor_app.photos.images import list_images, load_photo

SIDES = (256, 224, 192, 160, 128, 96)


def true_hints(pixels: np.ndarray, count: int, seed: int) -> list[Hint]:
    """``count`` hints with the photo's own colours (mean ab of a 5-pixel patch), centre-biased."""
    height, width = pixels.shape[:2]
    rng = np.random.default_rng(seed)
    lab = rgb_to_lab(torch.from_numpy(pixels).permute(2, 0, 1).float() / 255)
    hints = []
    for _ in range(count):
        x = int(np.clip(rng.normal(width / 2, width / 5), 3, width - 4))
        y = int(np.clip(rng.normal(height / 2, height / 5), 3, height - 4))
        ab = lab[1:, y - 2 : y + 3, x - 2 : x + 3].mean(dim=(1, 2))
        hints.append(Hint(float(x), float(y), (float(ab[0]), float(ab[1])), 5))
    return hints


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(((a.astype(np.float64) - b) ** 2).mean())
    return 10 * np.log10(255**2 / max(mse, 1e-10))


def main() -> None:
    folder, light_path = Path(sys.argv[1]), Path(sys.argv[2])
    count = int(sys.argv[3]) if len(sys.argv) > 3 else 40
    big = Path(sys.argv[4]) if len(sys.argv) > 4 else None
    engine = ColorizationEngine.from_weights(str(find_weight_set()[-1]), "cpu")
    fast = engine.interactive
    light = Network.from_file(light_path, engine.device)
    engine.networks.append(light)
    options = [("fast", s) for s in SIDES] + [("light", s) for s in SIDES]
    networks = {"fast": fast, "light": light}
    precisions = f"fast {fast.precision.value}, light {light.precision.value}"
    print(f"machine: {describe_machine(machine_class())}; precision {precisions}")
    scores: dict[tuple[str, int], list[float]] = {o: [] for o in options}
    for index, path in enumerate(list_images([folder])[:count]):
        photo = load_photo(path)
        source = engine.set_photo(photo)
        hints = true_hints(photo.rgb8(), 5, index)
        rest = engine.colorize(hints, 256, network=fast, source=source, look=DEFAULT_LOOK).preview_rgb(512)
        for name, side in options:
            shown = engine.colorize(hints, side, network=networks[name], source=source, look=DEFAULT_LOOK)
            scores[(name, side)].append(psnr(shown.preview_rgb(512), rest))
    costs: dict[tuple[str, int], float] = {}
    if big is not None:
        photo = load_photo(big)
        source = engine.set_photo(photo)
        hints = true_hints(photo.rgb8(), 5, 0)
        for name, side in options:
            times = []
            for repeat in range(6):
                moved = [Hint(h.x + 7 * repeat, h.y, h.ab, h.size) for h in hints]
                start = time.perf_counter()
                result = engine.colorize(moved, side, network=networks[name], source=source, look=DEFAULT_LOOK)
                result.preview_rgb(PRELIMINARY_MAX_SIDE)
                if repeat:
                    times.append(time.perf_counter() - start)
            costs[(name, side)] = statistics.median(times) * 1000
    print("| network | side | PSNR against the result at rest (dB) | drag step on 12 MP (ms) |")
    print("|---|---|---|---|")
    for option in options:
        cost = f"{costs[option]:.1f}" if option in costs else "-"
        print(f"| {option[0]} | {option[1]} | {statistics.mean(scores[option]):.2f} | {cost} |")


if __name__ == "__main__":
    main()
