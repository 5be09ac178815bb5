"""Measure the scene-cut detector (`ideepcolor_app.video.motion`) on real cuts and on motion.

Real footage: PySceneDetect's public test clips (its `resources` branch, tests/resources/):
goldeneye-vfr-drop3.mp4 (10 s of a film, hard cuts at 3.754 s and 8.759 s, which are frames 60
and 140 of its 160), fades.mp4, counter.mp4 and delayed_start.mp4 (no hard cuts). Pass their
folder. Synthetic cases come from photos (the dev-eval folder): a cut is one photo then the next;
motion is a pan of 5/10/20 % of the width between two frames, a 10/20 % zoom, a 1.6x flash, film
grain (noise of 6-20 levels), a dark shot, a flat grainy frame. Every pair is seen as the colouriser
sees it: grey, stretched to 256x256.

    python docs/recipes/cut_measure.py --clips /tmp/psd --photos ../shared/datasets/dev-eval
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np

from ideepcolor_app.video.clips import probe, read_frames
from ideepcolor_app.video.motion import MotionEstimator

REAL_CUTS = {"goldeneye-vfr-drop3.mp4": [60, 140], "fades.mp4": [], "counter.mp4": [], "delayed_start.mp4": []}


def network_grey(image: np.ndarray) -> np.ndarray:
    grey = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
    return cv2.resize(grey, (256, 256), interpolation=cv2.INTER_AREA)


def clip_cuts(path: Path, motion: MotionEstimator) -> list[int]:
    cuts, previous = [], None
    for index, frame in read_frames(probe(path)):
        grey = network_grey(frame)
        if previous is not None and motion.between(previous, grey).cut:
            cuts.append(index)
        previous = grey
    return cuts


def synthetic_cases(photos: list[np.ndarray]) -> dict[str, tuple[bool, list[tuple[np.ndarray, np.ndarray]]]]:
    rng = np.random.default_rng(0)

    def grain(grey: np.ndarray, level: float) -> np.ndarray:
        return np.clip(grey + rng.normal(0, level, grey.shape), 0, 255).astype(np.uint8)

    def pan(share: float) -> Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]:
        def pair(g: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            width = int(g.shape[1] * 0.75)
            shift = int(g.shape[1] * share)
            return g[:, :width], g[:, shift : shift + width]

        return pair

    def zoom(factor: float) -> Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]:
        def pair(g: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            h, w = g.shape
            ch, cw = int(h / factor), int(w / factor)
            return g, g[(h - ch) // 2 : (h - ch) // 2 + ch, (w - cw) // 2 : (w - cw) // 2 + cw]

        return pair

    crop = [g[:, : int(g.shape[1] * 0.8)] for g in photos]
    cases: dict[str, tuple[bool, list[tuple[np.ndarray, np.ndarray]]]] = {
        "cut: one photo, then the next": (True, list(zip(crop, crop[1:], strict=False))),
        "cut with grain 12": (True, [(grain(a, 12), grain(b, 12)) for a, b in zip(crop, crop[1:], strict=False)]),
        "cut between dark shots (x0.15)": (
            True,
            [((a * 0.15).astype(np.uint8), (b * 0.15).astype(np.uint8)) for a, b in zip(crop, crop[1:], strict=False)],
        ),
    }
    for share in (0.05, 0.1, 0.2):
        cases[f"pan {share:.0%} of the width"] = (False, [pan(share)(g) for g in photos])
    for factor in (1.1, 1.2):
        cases[f"zoom {factor - 1:.0%}"] = (False, [zoom(factor)(g) for g in photos])
    cases["flash x1.6"] = (False, [(g, np.clip(g * 1.6, 0, 255).astype(np.uint8)) for g in photos])
    for level in (6, 12, 20):
        cases[f"still, grain {level}"] = (False, [(grain(g, level), grain(g, level)) for g in photos])
        cases[f"pan 5%, grain {level}"] = (False, [tuple(grain(x, level) for x in pan(0.05)(g)) for g in photos])  # type: ignore[misc]
    dark = [(g * 0.15).astype(np.uint8) for g in photos]
    cases["dark shot (x0.15), pan 3 px"] = (False, [(g, g[:, 3:]) for g in dark])
    flat = np.full((200, 300), 120.0)
    cases["flat grey, grain 6"] = (False, [(grain(flat, 6), grain(flat, 6)) for _ in photos])
    cases["black, grain 4"] = (False, [(grain(flat * 0, 4), grain(flat * 0, 4)) for _ in photos])
    return cases


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clips", type=Path, help="PySceneDetect's tests/resources folder")
    parser.add_argument("--photos", type=Path, help="a folder of photos (dev-eval)")
    parser.add_argument("--limit", type=int, default=100)
    args = parser.parse_args()
    motion = MotionEstimator()
    if args.clips:
        print("| clip | true cuts | found | missed | false |\n|---|---|---|---|---|")
        for name, truth in REAL_CUTS.items():
            path = args.clips / name
            if not path.exists():
                continue
            found = clip_cuts(path, motion)
            missed = sorted(set(truth) - set(found))
            false = sorted(set(found) - set(truth))
            print(f"| {name} | {truth} | {found} | {missed or '-'} | {false or '-'} |")
    if args.photos:
        files = sorted(p for p in args.photos.iterdir() if p.suffix.lower() in {".jpg", ".png"})[: args.limit]
        photos = [cv2.imread(str(f), cv2.IMREAD_GRAYSCALE).astype(np.float32) for f in files]
        photos = [p.astype(np.uint8) for p in photos]
        print("\n| pair | is a cut | pairs | taken for a cut |\n|---|---|---|---|")
        for name, (is_cut, pairs) in synthetic_cases(photos).items():
            taken = sum(motion.between(network_grey(a), network_grey(b)).cut for a, b in pairs)
            print(f"| {name} | {'yes' if is_cut else 'no'} | {len(pairs)} | {taken} ({taken / len(pairs):.0%}) |")


if __name__ == "__main__":
    main()
