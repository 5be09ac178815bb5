"""Issue 31's done-when on real photos, with the bundled network.

Six dev-eval photos (as grey PNGs) and a 24-frame clip with one scene cut (12 frames panning over
one photo, then 12 over another), with a session for one photo and keyframes for the clip:
1. ``colorize`` and ``video`` write the reference results on one machine;
2. ``batch --engine ray --workers 2`` writes its own; every file is compared (PSNR per frame);
3. ``batch`` (local) is killed with SIGKILL in the middle of the clip, then run with ``--resume``:
   its files are compared too, and the done markers written before the kill must be untouched.

    python docs/recipes/batch_done_when.py ../shared/datasets/dev-eval /tmp/batch-done-when
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image

from ideepcolor_app.editing.session import Session
from ideepcolor_app.evaluation.evaluate_video import pan_clip
from ideepcolor_app.hints.local_hints import Hint
from ideepcolor_app.photos.images import load_photo
from ideepcolor_app.video.clips import probe, read_frames

COMMAND = [sys.executable, "-m", "ideepcolor_app"]


def make_inputs(photos: Path, root: Path) -> tuple[Path, Path]:
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tests"))
    from clips_factory import make_clip  # the tests' clip writer: grey frames, a tone

    inputs, hints = root / "in", root / "hints"
    inputs.mkdir(parents=True)
    hints.mkdir()
    files = sorted(photos.glob("*.jpg"))
    for file in files[:6]:
        grey = np.asarray(Image.open(file).convert("L"))
        Image.fromarray(grey).save(inputs / f"{file.stem}.png")
    first_file = inputs / f"{files[0].stem}.png"
    photo = load_photo(first_file)
    width, height = photo.size
    Session(str(first_file), photo.sha256, photo.size, [Hint(width / 2, height / 2, (30.0, 40.0), 9)]).save(
        hints / f"{files[0].stem}.hints.json"
    )
    wide = [f for f in files[6:] if Image.open(f).size == (481, 321)][:2]
    one, two = (np.asarray(Image.open(f).convert("RGB"))[:320, :480] for f in wide)
    first, _ = pan_clip(one, frames=12, step=3)
    second, _ = pan_clip(two, frames=12, step=3)
    make_clip(inputs / "reel.mp4", first + second)
    size = (first[0].shape[1] // 2 * 2, first[0].shape[0] // 2 * 2)
    keyframes = {2: [Hint(200.0, 150.0, (40.0, 40.0), 9)], 15: [Hint(150.0, 100.0, (-30.0, -30.0), 9)]}
    Session(str(inputs / "reel.mp4"), "0" * 64, size, [], keyframes=keyframes).save(hints / "reel.hints.json")
    return inputs, hints


def psnr_of_files(a: Path, b: Path) -> float:
    if a.suffix == ".mp4":
        left, right = probe(a), probe(b)
        assert left.frames == right.frames, f"{a.name}: {left.frames} frames against {right.frames}"
        worst = float("inf")
        for (_, x), (_, y) in zip(read_frames(left, 0, left.frames), read_frames(right, 0, right.frames), strict=True):
            mse = float(((x.astype(np.float64) - y) ** 2).mean())
            worst = min(worst, float("inf") if mse == 0 else 10 * np.log10(255**2 / mse))
        return worst
    if a.read_bytes() == b.read_bytes():
        return float("inf")
    x, y = load_photo(a).pixels.astype(np.float64), load_photo(b).pixels.astype(np.float64)
    return 10 * np.log10(255**2 / float(((x - y) ** 2).mean()))


def compare(out: Path, reference: Path) -> None:
    for file in sorted(reference.iterdir()):
        if file.is_file():
            worst = psnr_of_files(out / file.name, file)
            print(f"  {file.name}: {'byte-equal' if worst == float('inf') else f'{worst:.1f} dB (worst frame)'}")


def main() -> None:
    photos, root = Path(sys.argv[1]), Path(sys.argv[2])
    inputs, hints = make_inputs(photos, root)
    reference = root / "one-machine"
    session = {p.stem.removesuffix(".hints"): p for p in hints.glob("*.json")}
    for photo in sorted(inputs.glob("*.png")):
        extra = ["--hints", str(session[photo.stem])] if photo.stem in session else []
        subprocess.run([*COMMAND, "colorize", str(photo), "-o", str(reference), *extra], check=True)
    video = [*COMMAND, "video", str(inputs / "reel.mp4"), "-o", str(reference / "reel_colorized.mp4")]
    subprocess.run([*video, "--hints", str(hints / "reel.hints.json")], check=True)

    started = time.perf_counter()
    ray_out = root / "ray"
    batch = [*COMMAND, "batch", str(inputs), "--hints", str(hints)]
    subprocess.run([*batch, "-o", str(ray_out), "--engine", "ray", "--workers", "2"], check=True)
    print(f"ray, 2 workers ({time.perf_counter() - started:.1f} s), against colorize and video:")
    compare(ray_out, reference)

    killed = root / "killed"
    run = subprocess.Popen([*batch, "-o", str(killed)], stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 600
    work = killed / ".batch" / "parts"
    while time.monotonic() < deadline and not any(work.glob("*/frame_*.png")):
        time.sleep(0.05)
    os.kill(run.pid, signal.SIGKILL)
    run.wait()
    before = {p.name: p.stat().st_mtime_ns for p in (killed / ".batch" / "done").glob("*.json")}
    print(f"killed with {len(before)} shards done and a clip's part under way")
    subprocess.run([*batch, "-o", str(killed), "--resume"], check=True)
    after = {p.name: p.stat().st_mtime_ns for p in (killed / ".batch" / "done").glob("*.json")}
    redone = [name for name in before if after.get(name) != before[name]]
    print(f"resumed: finished shards redone: {redone or 'none'}; against colorize and video:")
    compare(killed, reference)


if __name__ == "__main__":
    main()
