"""``ideepcolor bench``: how fast each step a user waits for is, measured on this machine."""

from __future__ import annotations

import functools
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import skimage.color
import torch

from ..base.errors import ImageError
from ..base.resources import sample_photo
from ..colour.edge_fit import fit_to_lightness
from ..colour.encoding import NETWORK_SIZE, network_input
from ..colour.look import DEFAULT_LOOK, Look
from ..colour.variations import VARIATIONS
from ..hints.hint_batch import HintBatch
from ..hints.local_hints import Hint
from ..hints.regions import Region
from ..hints.strokes import Stroke
from ..inference.drag_plan import plan_drag
from ..inference.engine import Colorization, ColorizationEngine
from ..inference.network import Network
from ..inference.photo_on_device import PhotoOnDevice
from ..inference.variations import make_variations
from ..inference.worker import PRELIMINARY_MAX_SIDE, AsyncColorizer, UpdateRequest, drag_step
from ..network.device import synchronize
from ..network.model import count_forward_flops
from ..network.precision import Precision, autocast, cpu_has_bf16, cpu_info
from ..photos.images import Photo, load_photo, save_image
from ..video.temporal import ClipColorizer
from .evaluate import psnr_8bit

MP12 = (4000, 3000)
MP24 = (6000, 4000)

GuiRows = Callable[[ColorizationEngine, bool, Photo], dict[str, dict[str, float | None]]]
"""The GUI layer's rows, given the engine, whether the run is quick, and the 12 MP photo."""


EVERYWHERE = Look(local_hints=False)
"""Vivid colours, hints reaching as far as the network carries them."""


def synthetic_photo(size: tuple[int, int], seed: int = 0) -> Photo:
    """A textured grey photo of the given (width, height); content does not affect speed."""
    width, height = size
    rng = np.random.default_rng(seed)
    small = rng.integers(0, 255, (height // 16 + 1, width // 16 + 1), dtype=np.uint8)
    grey = cv2.resize(small, (width, height), interpolation=cv2.INTER_CUBIC)
    return Photo(Path("synthetic.png"), np.repeat(grey[..., None], 3, axis=2), "0" * 64, False)


def machine_class() -> dict[str, Any]:
    """The processor as figures must name it: model, the widest vector unit it has (AVX2, AVX-512,
    AVX-512 BF16, AMX), what torch's kernels and oneDNN were allowed to use, and the threads."""
    fields = cpu_info()
    model, flags = fields.get("model name", ""), set(fields.get("flags", "").split())
    if "amx_bf16" in flags:
        isa = "AMX"
    elif "avx512_bf16" in flags:
        isa = "AVX-512 BF16"
    elif "avx512f" in flags:
        isa = "AVX-512"
    elif "avx2" in flags:
        isa = "AVX2"
    else:
        isa = "unknown" if not flags else "no AVX2"
    return {
        "cpu_model": model or platform.processor() or platform.machine(),
        "isa": isa,
        "torch_cpu_capability": torch.backends.cpu.get_cpu_capability(),
        "onednn_max_isa": os.environ.get("ONEDNN_MAX_CPU_ISA"),
        "threads": torch.get_num_threads(),
        "logical_cpus": os.cpu_count(),
        "cpu_quota": cpu_quota(),
        "openmp_spin_count": os.environ.get("GOMP_SPINCOUNT"),
    }


def cpu_quota(root: Path = Path("/sys/fs/cgroup"), groups: Path = Path("/proc/self/cgroup")) -> float | None:
    """The CPUs' worth of time this process may use when a control group caps it (a container's
    limit, or a slower machine emulated: docs/recipes/slow_cpu.sh), else None. ``groups`` lists
    the process's control groups, ``root`` is where they are mounted (cgroup v1 or v2)."""
    try:
        lines = groups.read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        _, controllers, group = line.split(":", 2)
        try:
            if controllers == "":  # cgroup v2: "max 100000" or "40000 100000"
                quota, period = (root / group.lstrip("/") / "cpu.max").read_text().split()
            elif "cpu" in controllers.split(","):
                folder = root / "cpu" / group.lstrip("/")
                quota = (folder / "cpu.cfs_quota_us").read_text().strip()
                period = (folder / "cpu.cfs_period_us").read_text().strip()
            else:
                continue
        except (OSError, ValueError):
            continue
        if quota not in ("max", "-1"):
            return int(quota) / int(period)
    return None


def describe_machine(machine: dict[str, Any]) -> str:
    """One line, e.g. 'AMD EPYC (AVX-512 BF16; torch kernels AVX512), 2 threads'."""
    limit = f", oneDNN limited to {machine['onednn_max_isa']}" if machine.get("onednn_max_isa") else ""
    quota = machine.get("cpu_quota")
    capped = f", capped at {quota:.2f} CPUs" if quota else ""
    return (
        f"{machine['cpu_model']} ({machine['isa']}; torch kernels {machine['torch_cpu_capability']}{limit}), "
        f"{machine['threads']} threads{capped}"
    )


def cpu_counters() -> tuple[int, ...] | None:
    """The kernel's CPU time counters (Linux ``/proc/stat``), or None where there are none."""
    try:
        with open("/proc/stat") as stat:
            return tuple(int(value) for value in stat.readline().split()[1:])
    except (OSError, ValueError):
        return None


def steal_percent(before: tuple[int, ...] | None, after: tuple[int, ...] | None) -> float | None:
    """Share of CPU time that a virtual machine's host gave to other guests between two
    :func:`cpu_counters`. A shared host slows every row at random; this says when it did."""
    if before is None or after is None or len(before) < 8 or len(after) < 8:
        return None
    spent = [b - a for a, b in zip(before[:8], after[:8], strict=True)]  # user ... softirq, steal
    return 100 * spent[7] / sum(spent) if sum(spent) > 0 else None


def timed(fn: Callable[[], Any], device: torch.device, repeats: int, warmup: int = 1) -> list[float]:
    """Seconds of each of ``repeats`` calls of ``fn`` after ``warmup`` untimed ones (the device synchronised)."""
    for _ in range(warmup):
        fn()
    synchronize(device)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        synchronize(device)
        times.append(time.perf_counter() - start)
    return times


def summary(times: list[float]) -> dict[str, float]:
    """Median, p95 and count of ``times`` (seconds), in milliseconds."""
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"median_ms": statistics.median(times) * 1000, "p95_ms": p95 * 1000, "runs": len(times)}


def matmul_gflops(device: torch.device, n: int = 2048, repeats: int = 5) -> float:
    """GFLOP/s of an n x n float32 matrix product on ``device``: the device's plain arithmetic speed."""
    a = torch.randn(n, n, device=device)
    b = torch.randn(n, n, device=device)
    times = timed(lambda: a @ b, device, repeats, warmup=2)
    return 2 * n**3 / statistics.median(times) / 1e9


def conv_gflops(device: torch.device, precision: Precision = Precision.FP32, repeats: int = 5) -> float:
    """GFLOP/s of the network's own kind of work (3x3 convolutions, channels_last, in ``precision``),
    the best of three of its layer shapes: the rate the processor really reaches on it, so the
    compute floor is not measured with a kernel that reaches less (an fp32 matmul reached half of it
    on AVX-512)."""
    best = 0.0
    for channels, side in ((128, 128), (256, 64), (512, 64)):
        x = torch.randn(1, channels, side, side, device=device).contiguous(memory_format=torch.channels_last)
        conv = torch.nn.Conv2d(channels, channels, 3, padding=1)
        conv = conv.to(device, memory_format=torch.channels_last).eval()  # type: ignore[call-overload]

        def run(conv: torch.nn.Module = conv, x: torch.Tensor = x) -> None:
            with torch.inference_mode(), autocast(device, precision):
                conv(x)

        seconds = statistics.median(timed(run, device, repeats, warmup=2))
        best = max(best, 2 * channels * channels * 9 * side * side / seconds / 1e9)
    return best


def sample_hints(size: tuple[int, int], count: int = 10, seed: int = 1) -> list[Hint]:
    """``count`` hints spread over a photo of ``size`` (width, height), the same for a seed."""
    rng = np.random.default_rng(seed)
    return [
        Hint(
            float(rng.uniform(0, size[0])),
            float(rng.uniform(0, size[1])),
            (float(rng.uniform(-40, 40)), float(rng.uniform(-40, 40))),
            5,
        )
        for _ in range(count)
    ]


def naive_update(network: Network, photo_rgb: np.ndarray, hints: list[Hint]) -> np.ndarray:
    """What the reference GUI did per update: numpy/scikit-image on the CPU, eager fp32, synchronous."""
    height, width = photo_rgb.shape[:2]
    lab_full = skimage.color.rgb2lab(photo_rgb)  # recomputed every update, as the reference did
    small = cv2.resize(photo_rgb, (NETWORK_SIZE, NETWORK_SIZE), interpolation=cv2.INTER_AREA)
    l_small = skimage.color.rgb2lab(small)[..., 0]
    ab = np.zeros((2, NETWORK_SIZE, NETWORK_SIZE), np.float32)
    mask = np.zeros((1, NETWORK_SIZE, NETWORK_SIZE), np.float32)
    for h in hints:
        col, row, r = int(h.x * NETWORK_SIZE / width), int(h.y * NETWORK_SIZE / height), h.size // 2
        ab[:, max(row - r, 0) : row + r + 1, max(col - r, 0) : col + r + 1] = np.array(h.ab)[:, None, None]
        mask[:, max(row - r, 0) : row + r + 1, max(col - r, 0) : col + r + 1] = 1
    x = network_input(
        torch.from_numpy(l_small[None, None]).float(),
        torch.from_numpy(ab[None]),
        torch.from_numpy(mask[None]),
        network.info.mask_convention,
    )
    with torch.no_grad():
        out_ab = network.model.float().cpu()(x).ab
        # the one step the reference GUI did not have, so both show the same picture
        fitted = fit_to_lightness(out_ab, torch.from_numpy(l_small[None, None]).float())
        out = torch.where(torch.from_numpy(mask[None]) > 0, out_ab, fitted)[0].numpy()
    ab_full = np.stack([cv2.resize(c, (width, height), interpolation=cv2.INTER_LINEAR) for c in out], -1)
    lab = np.concatenate((lab_full[..., :1], ab_full), -1)
    rgb: np.ndarray = (np.clip(skimage.color.lab2rgb(lab), 0, 1) * 255).astype(np.uint8)
    return rgb


def run(
    engine: ColorizationEngine,
    quick: bool = False,
    gui_rows: GuiRows | None = None,
) -> dict[str, Any]:
    """Measure ``engine`` on this machine. ``gui_rows`` (from the GUI layer) adds the window's rows."""
    counters_at_start = cpu_counters()
    device = engine.device
    repeats = 3 if quick else (10 if device.type == "cpu" else 100)
    results: dict[str, Any] = {
        "device": engine.device_label,
        "device_type": device.type,
        "torch": torch.__version__,
        "python": platform.python_version(),
        "cpu": platform.processor() or platform.machine(),
        "machine": machine_class(),
        "threads": torch.get_num_threads(),
        "weights": engine.weights_label,
        "half_precision": engine.best.half_precision,
        "precision": engine.precision_label,
        "cpu_has_bf16": cpu_has_bf16(),
        "sizes": {"network": [NETWORK_SIZE, NETWORK_SIZE], "update_photo": list(MP12), "memory_photo": list(MP24)},
    }
    flops = count_forward_flops(NETWORK_SIZE, NETWORK_SIZE)
    results["matmul_gflops"] = matmul_gflops(device)
    gflops = conv_gflops(device, engine.best.precision)
    results["conv_gflops"] = gflops
    results["compute_floor_ms"] = flops / (gflops * 1e9) * 1000

    photo = synthetic_photo(MP12)
    source = engine.set_photo(photo)
    hints = sample_hints(MP12)
    placed = HintBatch.place(hints, source.size, source.network_lightness())
    for key, network in (("forward_256", engine.best), ("fast_forward_256", engine.interactive)):
        if key == "fast_forward_256" and not network.is_fast:
            continue
        x = network.encode(source.network_lightness(), placed)
        results[key] = summary(timed(functools.partial(network.forward, x), device, repeats))
        results[key]["width"] = network.info.width
        results[key]["hint_encoding"] = network.info.hint_encoding.value
        results[key]["precision"] = network.precision.value
        results[key]["hinted_side"] = network.hinted_side(NETWORK_SIZE)
        results.update(precision_rows(key, network, x, repeats))
    results["forward_256"]["of_compute_floor"] = results["forward_256"]["median_ms"] / results["compute_floor_ms"]
    if (preview := engine.preview_size) is not None:
        results["preview_forward"] = summary(timed(lambda: engine.colorize(hints, preview), device, repeats))

    if engine.drag_size is not None:  # what the app measures after its first result, here on 12 MP
        results.update(drag_rows(engine, source, hints))
    results["click_to_first_picture_12mp"] = summary(click_to_first_picture(engine, hints, 3 if quick else 7))
    result = engine.colorize(hints)
    results["full_update_12mp"] = summary(timed(lambda: engine.colorize(hints).rgb_tensor(), device, repeats))
    if engine.interactive.is_fast:
        results["fast_update_12mp"] = summary(
            timed(lambda: engine.colorize(hints, network=engine.interactive).rgb_tensor(), device, repeats)
        )
    if engine.offers_local_hints:  # what keeping 100 hints local costs an update at network size
        many = sample_hints(MP12, 100)
        for key, look in (("update_100_hints_local", DEFAULT_LOOK), ("update_100_hints_everywhere", EVERYWHERE)):
            results[key] = summary(
                timed(lambda: engine.colorize(many, network=engine.interactive, look=look), device, repeats)  # noqa: B023
            )
    results.update(painting_rows(engine, hints, device, repeats))
    results["compose_12mp_after_forward"] = summary(timed(lambda: result.rgb_tensor(), device, repeats))
    results["suggestions_one_pixel"] = summary(timed(lambda: result.suggestions(2000.0, 1500.0), device, repeats))
    results.update(variation_rows(engine, device, quick))
    engine.set_photo(photo)
    results["video_720p_frame"] = summary(video_frame_times(engine, 6 if quick else 24))
    results["video_720p_fps"] = 1000.0 / results["video_720p_frame"]["median_ms"]
    rgb = result.full_resolution_rgb()
    with tempfile.TemporaryDirectory() as tmp:
        for ext in ("png", "jpg"):
            target = Path(tmp) / f"result.{ext}"
            results[f"save_12mp_{ext}"] = summary(
                timed(functools.partial(save_image, rgb, target, overwrite=True), device, 3 if quick else 5)
            )
    naive = timed(
        lambda: naive_update(engine.best, photo.pixels, hints), torch.device("cpu"), 2 if quick else 3, warmup=0
    )
    results["naive_update_12mp"] = summary(naive)
    results["speedup_vs_naive"] = results["naive_update_12mp"]["median_ms"] / results["full_update_12mp"]["median_ms"]
    engine.best.model.to(device)
    if gui_rows is not None:
        results.update(gui_rows(engine, quick, photo))
    results["memory_24mp"] = peak_memory_24mp(str(engine.info.path), str(device))
    results["cpu_steal_percent"] = steal_percent(counters_at_start, cpu_counters())
    return results


def drag_rows(engine: ColorizationEngine, source: PhotoOnDevice, hints: list[Hint]) -> dict[str, Any]:
    """The drag side this machine gets (set on ``engine``, as the app's worker sets it), and the PSNR
    of what a drag shows against the resting result of the same hints (the interactive network at
    256), on the bundled sample photo; None where the drag runs at 256 and shows exactly that."""
    plan = plan_drag(drag_step(engine, UpdateRequest(tuple(hints)), source))
    assert plan is not None  # nothing stops it
    engine.drag_plan = plan
    rows: dict[str, Any] = {"drag_plan": plan.as_json(), "drag_psnr_vs_rest_db": None}
    if plan.side == NETWORK_SIZE:
        return rows
    try:
        sample = engine.set_photo(load_photo(sample_photo()))
    except (OSError, ImageError):
        return rows
    probe = sample_hints(sample.photo.size, 5, seed=3)

    def shown(side: int) -> torch.Tensor:
        # the same network at both sides: with a benchmark's random full-size network the rest is noise
        result = engine.colorize(probe, side, network=engine.interactive, source=sample)
        return torch.from_numpy(result.preview_rgb(PRELIMINARY_MAX_SIDE)).permute(2, 0, 1) / 255

    rows["drag_psnr_vs_rest_db"] = psnr_8bit(shown(plan.side), shown(NETWORK_SIZE))
    engine.set_photo(source.photo)
    return rows


THUMBNAIL_BENCH_SIDE = 80
"""The Variations panel's thumbnail side."""


def painting_rows(
    engine: ColorizationEngine, hints: Sequence[Hint], device: torch.device, repeats: int
) -> dict[str, dict[str, float]]:
    """What a brush stroke (a 40-px line across the photo) and a lasso (the middle quarter) cost an
    update of the interactive network at 256 on the open photo, beside its point hints: the lasso
    with the hints outside it (one colour inside) and with a hint inside too (the network fills it:
    a second pass)."""
    width, height = engine.require_photo().size
    stroke = Stroke(((width * 0.1, height * 0.2), (width * 0.9, height * 0.3)), 40.0 * width / 4000, (-40.0, 40.0))
    corners = ((0.3, 0.3), (0.7, 0.3), (0.7, 0.7), (0.3, 0.7))
    lasso = Region(tuple((width * x, height * y) for x, y in corners), (50.0, -50.0))
    network = engine.interactive
    outside = [h for h in hints if not lasso.contains(h.x, h.y)]
    with_inner = [*outside, Hint(width * 0.5, height * 0.5, (10.0, 20.0))]
    return {
        "update_with_stroke": summary(
            timed(lambda: engine.colorize(hints, network=network, strokes=[stroke]), device, repeats)
        ),
        "update_with_lasso": summary(
            timed(lambda: engine.colorize(outside, network=network, regions=[lasso]), device, repeats)
        ),
        "update_with_hinted_lasso": summary(
            timed(lambda: engine.colorize(with_inner, network=network, regions=[lasso]), device, repeats)
        ),
    }


def variation_rows(engine: ColorizationEngine, device: torch.device, quick: bool) -> dict[str, Any]:
    """Six variations of the bundled cat sample enlarged to 12 MP, as thumbnails and at full
    resolution. A real photo, because how many variations there are depends on what it shows (a
    synthetic texture offers none); the number made is reported beside the times."""
    cat = load_photo(sample_photo("chelsea.jpg")).rgb8()
    big = cv2.resize(cat, MP12, interpolation=cv2.INTER_CUBIC)
    source = engine.set_photo(Photo(Path("chelsea-12mp.png"), big, "chelsea-12mp", False))
    base = engine.colorize([], source=source, network=engine.interactive)
    made: list[int] = []
    return {
        "variations_6_thumbnails_12mp": summary(
            timed(lambda: made.append(six_variations(engine, base, THUMBNAIL_BENCH_SIDE)), device, 3 if quick else 5)
        ),
        "variations_6_full_12mp": summary(timed(lambda: six_variations(engine, base, None), device, 2 if quick else 3)),
        "variations_made": made[-1],
    }


def six_variations(engine: ColorizationEngine, base: Colorization, side: int | None) -> int:
    """What the app does for the Variations panel (``side``: thumbnails from the interactive
    network) or ``colorize --variations 6`` (None: full resolution with the best network); how
    many it made."""
    network = engine.interactive if side else engine.best
    variations = make_variations(engine, base, VARIATIONS, 0, network=network)
    for variation in variations:
        if side:
            variation.colorization.preview_rgb(side)
        else:
            variation.colorization.rgb_tensor()
    return len(variations)


def video_frame_times(engine: ColorizationEngine, frames: int) -> list[float]:
    """Seconds per frame of the clip colouriser on a 1280x720 pan (``ideepcolor video``'s work
    per frame, without decoding and encoding)."""
    wide = synthetic_photo((1280 + 2 * frames, 720)).pixels
    colorizer = ClipColorizer(engine)
    times = []
    for index in range(frames):
        start = time.perf_counter()
        colorizer.colorize(index, np.ascontiguousarray(wide[:, 2 * index : 2 * index + 1280])).full_resolution_rgb()
        times.append(time.perf_counter() - start)
    return times[1:]  # the first frame has no previous one to carry


def precision_rows(key: str, network: Network, x: torch.Tensor, repeats: int) -> dict[str, Any]:
    """``key``'s forward timed in fp32 and, where the device has bf16 units, in bf16, whatever the
    network runs in; with the bf16 / fp32 ratio of the medians."""
    device = network.device
    formats = [Precision.FP32]
    if device.type == "cuda" or (device.type == "cpu" and cpu_has_bf16()):
        formats.append(Precision.BF16)
    chosen = network.precision
    rows: dict[str, Any] = {}
    try:
        for precision in formats:
            network.precision = precision
            rows[f"{key}_{precision.value}"] = summary(timed(functools.partial(network.forward, x), device, repeats))
    finally:
        network.precision = chosen
    if len(formats) == 2:
        rows[f"{key}_bf16_of_fp32"] = rows[f"{key}_bf16"]["median_ms"] / rows[f"{key}_fp32"]["median_ms"]
    return rows


def click_to_first_picture(engine: ColorizationEngine, hints: list[Hint], repeats: int) -> list[float]:
    """Seconds from submitting a hint change to the first picture the window can show (async path)."""
    arrived = threading.Event()
    worker = AsyncColorizer(engine, lambda result: arrived.set(), preview_max_side=2048)
    times = []
    try:
        for i in range(repeats + 1):
            arrived.clear()
            start = time.perf_counter()
            worker.submit(UpdateRequest(tuple(hints[: 1 + i % len(hints)])))
            arrived.wait(60)  # the first picture: the fast pass, or the low-resolution one
            elapsed = time.perf_counter() - start
            if i:  # the first run warms up
                times.append(elapsed)
            time.sleep(1.5 if device_is_cpu(engine) else 0.05)  # let the full pass finish before the next click
    finally:
        worker.close()
    return times


def device_is_cpu(engine: ColorizationEngine) -> bool:
    """The engine runs on the CPU (where the fast network answers edits)."""
    return engine.device.type == "cpu"


_MEMORY_SCRIPT = """
import resource, sys, json, torch
from ideepcolor_app.evaluation.bench import synthetic_photo, sample_hints, MP24
from ideepcolor_app.inference.engine import ColorizationEngine
from ideepcolor_app.photos.images import save_image
import tempfile, pathlib
engine = ColorizationEngine.from_weights(sys.argv[1], sys.argv[2])
photo = synthetic_photo(MP24)
engine.set_photo(photo)
rgb = engine.colorize(sample_hints(MP24)).full_resolution_rgb()
with tempfile.TemporaryDirectory() as tmp:
    save_image(rgb, pathlib.Path(tmp) / "out.png")
gpu = torch.cuda.max_memory_allocated() / 2**20 if torch.cuda.is_available() else None
# VmHWM belongs to this process image; ru_maxrss would also count the parent's peak before exec.
try:
    peak = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM")) / 1024
except OSError:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"peak_rss_mib": peak, "peak_gpu_mib": gpu}))
"""


def peak_memory_24mp(weights: str, device: str) -> dict[str, Any]:
    """Peak memory of a fresh process that colorizes and saves a 24 MP photo."""
    done = subprocess.run([sys.executable, "-c", _MEMORY_SCRIPT, weights, device], capture_output=True, text=True)
    if done.returncode:
        return {"error": done.stderr.strip().splitlines()[-1] if done.stderr else "failed"}
    measured: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return measured


def table(results: dict[str, Any]) -> str:
    """The benchmark results as the aligned text table ``ideepcolor bench`` prints."""
    rows = [
        *([f"machine: {describe_machine(results['machine'])}"] if "machine" in results else []),
        f"device: {results['device']}   torch {results['torch']}   threads: {results['threads']}   "
        f"precision: {results.get('precision', 'fp32')} (bf16 units: {'yes' if results.get('cpu_has_bf16') else 'no'})",
        f"compute floor: {results['compute_floor_ms']:.1f} ms ("
        + (
            f"{results['conv_gflops']:.0f} GFLOP/s on the network's 3x3 convolutions in its precision, "
            if "conv_gflops" in results
            else ""
        )
        + f"{results['matmul_gflops']:.0f} GFLOP/s fp32 matmul, {count_forward_flops() / 1e9:.0f} GFLOP per forward)",
        "",
        f"{'measurement':<40}{'median ms':>12}{'p95 ms':>10}",
    ]
    labels = {
        "forward_256": "network forward 256x256 (batch 1)",
        "forward_256_fp32": "  the same in fp32",
        "forward_256_bf16": "  the same in bf16",
        "fast_forward_256": "fast network forward 256x256",
        "fast_forward_256_fp32": "  the same in fp32",
        "fast_forward_256_bf16": "  the same in bf16",
        "fast_update_12mp": "fast update, 12 MP (forward + compose)",
        "update_100_hints_local": "100 hints, kept local (fast, 256)",
        "update_100_hints_everywhere": "100 hints, reaching everywhere",
        "update_with_stroke": "update with a brush stroke (256)",
        "update_with_lasso": "update with a lasso (256)",
        "update_with_hinted_lasso": "update with a lasso holding a hint (256, two passes)",
        "preview_forward": "progressive preview pass",
        "full_update_12mp": "full update, 12 MP (forward + compose)",
        "compose_12mp_after_forward": "12 MP compose after the forward",
        "suggestions_one_pixel": "suggested colours, one pixel",
        "variations_6_thumbnails_12mp": "6 variations, cat at 12 MP, thumbnails",
        "variations_6_full_12mp": "6 variations, cat at 12 MP, full size",
        "video_720p_frame": "video: one 1280x720 frame (clip colouriser)",
        "save_12mp_png": "save 12 MP result (PNG)",
        "save_12mp_jpg": "save 12 MP result (JPEG)",
        "naive_update_12mp": "naive update as the reference GUI did",
        "click_to_first_picture_12mp": "click to first picture, 12 MP (async)",
    }
    for key, label in labels.items():
        if key in results:
            rows.append(f"{label:<40}{results[key]['median_ms']:>12.1f}{results[key]['p95_ms']:>10.1f}")
    rows.append("")
    rows.append(f"forward / compute floor: {results['forward_256']['of_compute_floor']:.2f}x")
    for key, label in (("forward_256", "network"), ("fast_forward_256", "fast network")):
        if key in results and results[key].get("hinted_side", NETWORK_SIZE) != NETWORK_SIZE:
            side = results[key]["hinted_side"]
            rows.append(f"{label}: with hints the app runs it at {side}x{side} (its weights' hinted side)")
        if f"{key}_bf16_of_fp32" in results:
            rows.append(f"{label} forward, bf16 / fp32: {results[f'{key}_bf16_of_fp32']:.2f}x")
    rows.append(f"speed-up over the naive update: {results['speedup_vs_naive']:.1f}x")
    if "drag_plan" in results:
        plan = results["drag_plan"]
        tried = ", ".join(f"{side} px {ms:.0f} ms" for side, ms in plan["measured_ms"].items())
        rows.append(
            f"drag preview at {plan['side']} px: {plan['step_ms']:.0f} ms an update "
            f"({plan['updates_per_second']:.0f}/s; tried {tried})"
            + (
                f", {results['drag_psnr_vs_rest_db']:.1f} dB against the result at rest"
                if results.get("drag_psnr_vs_rest_db") is not None
                else ", the result at rest itself"
                if "drag_psnr_vs_rest_db" in results
                else ""
            )
        )
    if "variations_made" in results:
        rows.append(f"variations of the cat at 12 MP: {results['variations_made']} made of {VARIATIONS} asked for")
    if "video_720p_fps" in results:
        rows.append(f"video at 1280x720: {results['video_720p_fps']:.1f} frames/s (network, motion, full-size frame)")
    for key, label in (
        ("gui_drag", "GUI drag {:.0f} s, sample photo"),
        ("gui_drag_12mp", "GUI drag {:.0f} s, 12 MP photo"),
        ("gui_paint", "GUI brush stroke painted for {:.0f} s, sample photo"),
        ("gui_paint_12mp", "GUI brush stroke painted for {:.0f} s, 12 MP photo"),
    ):
        if key in results:
            g = results[key]
            rows.append(
                f"{label.format(g['seconds'])}: worst event-loop stall {g['worst_stall_ms']:.1f} ms, "
                f"{g['updates_per_second']:.1f} updates shown/s" + _steal_note(g.get("cpu_steal_percent"))
            )
    if "gui_open_12mp" in results:
        g = results["gui_open_12mp"]
        rows.append(
            f"GUI open 12 MP JPEG ({g['opens']} opens): worst event-loop stall {g['worst_stall_ms']:.1f} ms, "
            f"grey photo shown after {g['grey_shown_ms']:.0f} ms, first result after {g['first_result_ms']:.0f} ms"
            + (
                f", at full resolution after {g['full_resolution_result_ms']:.0f} ms"
                if "full_resolution_result_ms" in g
                else ""
            )
            + _steal_note(g.get("cpu_steal_percent"))
        )
    m = results["memory_24mp"]
    rows.append(
        "24 MP photo peak memory: "
        + (f"{m['peak_rss_mib']:.0f} MiB RSS" if "peak_rss_mib" in m else m.get("error", "?"))
        + (f", {m['peak_gpu_mib']:.0f} MiB GPU" if m.get("peak_gpu_mib") else "")
    )
    if (steal := results.get("cpu_steal_percent")) is not None:
        rows.append(f"CPU time taken by the virtual machine's host (steal), whole run: {steal:.1f}%")
    return "\n".join(rows)


def _steal_note(steal: float | None) -> str:
    return f" (host steal {steal:.1f}% meanwhile)" if steal is not None else ""
