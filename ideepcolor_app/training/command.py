"""``ideepcolor train``: photos in, weights in the project's format out."""

from __future__ import annotations

import argparse
import json
import math
import os
import time
from pathlib import Path
from typing import Any

import torch
import torch.distributed as dist

from ..base.errors import UsageError
from ..colour.encoding import HintEncoding
from ..evaluation.evaluate import evaluate
from ..inference.network import Network
from ..network.device import pick_device
from ..network.precision import cpu_has_bf16
from ..network.weights import load_model
from ..photos.images import list_images
from .data import load_photo_set
from .simulate import RECIPES
from .trainer import TrainConfig, Trainer

DEFAULTS = TrainConfig(out=Path("unused"))
"""Every option's default is the training configuration's own."""


def add_parser(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], parents: list[argparse.ArgumentParser]
) -> None:
    """Add ``ideepcolor train`` to the command line."""
    p = sub.add_parser(
        "train",
        parents=parents,
        help="train (or fine-tune) the network on colour photos",
        description="Train the SIGGRAPH17 network on folders or tar shards of colour photos. "
        "Run under torchrun for several GPUs or nodes.",
    )
    p.add_argument("data", nargs="+", help="folders of photos or .tar shards")
    p.add_argument("--out", required=True, help="weights file to write (.safetensors); the checkpoint sits beside it")
    p.add_argument("--batch", type=int, default=DEFAULTS.batch, help="photos per step per process")
    p.add_argument("--crop", type=int, default=DEFAULTS.crop, help="random crop side (multiple of 8)")
    p.add_argument("--steps", type=int, help="stop after this many steps")
    p.add_argument("--minutes", type=float, help="stop cleanly after this much time, then export")
    p.add_argument("--lr", type=float, default=DEFAULTS.lr)
    p.add_argument("--warmup-steps", type=int, default=DEFAULTS.warmup_steps)
    p.add_argument(
        "--schedule-steps",
        type=int,
        help="cosine decay length (default: --steps, else 20000); a resumed run keeps its own "
        "unless this is given, so a run that turns out slower can still end annealed",
    )
    p.add_argument(
        "--schedule-minutes",
        type=float,
        help="run the cosine over this much training time (all sessions together) instead of steps, "
        "so a run that shares its machine still ends annealed; resumes are then not bit-exact",
    )
    p.add_argument(
        "--ema",
        type=float,
        metavar="DECAY",
        help="keep an exponential moving average of the weights (e.g. 0.998) and export it",
    )
    p.add_argument("--seed", type=int, default=DEFAULTS.seed)
    p.add_argument("--resume", action="store_true", help="continue from the checkpoint beside --out")
    p.add_argument("--init", help="fine-tune from these weights (published or ours)")
    p.add_argument(
        "--widen",
        type=float,
        metavar="WIDTH",
        help="start from the --init weights widened to WIDTH (e.g. 0.5 from the fast model's 0.25), computing "
        "exactly what they did: a larger network that starts from their colours",
    )
    p.add_argument("--limit", type=int, help="use only the first N photos")
    p.add_argument("--dev", help="folder of photos for periodic PSNR and the final evaluation")
    p.add_argument("--dev-every", type=int, default=DEFAULTS.dev_every, help="steps between dev PSNR checks (0: never)")
    p.add_argument("--dev-limit", type=int, default=50, help="photos used from --dev")
    p.add_argument("--compact", action="store_true", help="also export int8 weights (<36 MB) and measure their cost")
    p.add_argument("--checkpoint-minutes", type=float, default=DEFAULTS.checkpoint_minutes)
    p.add_argument("--log-every", type=int, default=DEFAULTS.log_every)
    p.add_argument("--compile", action="store_true", help="torch.compile the network")
    p.add_argument(
        "--width",
        type=float,
        default=DEFAULTS.width,
        help="channel-count scale: 1 is the published network, 0.25 the fast model (2.2 M parameters)",
    )
    p.add_argument(
        "--hint-encoding",
        choices=[e.value for e in HintEncoding],
        default=DEFAULTS.hint_encoding.value,
        help="what the hint channels hold: the paper's sparse patches, or a fill of the hints "
        "that the network corrects (ours; stored in the weights)",
    )
    p.add_argument(
        "--hint-recipe",
        choices=list(RECIPES),
        default=DEFAULTS.hint_recipe,
        help="simulated hints: the paper's (mean 7 per crop) or 'density' (as dense as a 256x256 frame)",
    )
    p.add_argument(
        "--upscale",
        type=float,
        default=DEFAULTS.upscale,
        help="enlarge photos by this before cropping (2: objects as large as in a 256x256 frame)",
    )
    p.add_argument(
        "--sharp-share",
        type=float,
        default=DEFAULTS.sharp_share,
        help="share of batches cut at the photos' own resolution (sharp edges, as in a shrunk large photo) "
        "instead of enlarged by --upscale",
    )
    p.add_argument(
        "--regression-weight", type=float, default=DEFAULTS.regression_weight, help="weight of the Huber loss on ab"
    )
    p.add_argument(
        "--huber-delta", type=float, default=DEFAULTS.huber_delta, help="Huber loss: quadratic below this many ab units"
    )
    p.add_argument(
        "--regression-loss",
        choices=["huber", "log-mse"],
        default=DEFAULTS.regression_loss,
        help="loss on ab: per-pixel Huber, or the mean over images of log(MSE + 1), which is what mean PSNR measures",
    )
    p.add_argument("--device", help="cuda, mps or cpu (default: best available; torchrun sets the GPU)")
    p.add_argument(
        "--recolour-share",
        type=float,
        default=DEFAULTS.recolour_share,
        help="share of simulated hints given a colour that is not the truth, with their object recoloured "
        "in the target to match (teaches a hint to colour its object, not the whole photo)",
    )
    p.add_argument(
        "--fill-prior-weight",
        type=float,
        help="weight of grey beside the hints in a fill encoding (0: the hints' normalised mean, which "
        "colours the whole photo from one hint); default: the --init weights' own, else 0",
    )
    p.add_argument(
        "--global-hints",
        action="store_true",
        help="train the global-hints branch too (a colour histogram and a saturation per photo, each given "
        "or withheld at random; added to --init weights that lack it)",
    )
    p.add_argument(
        "--global-only",
        action="store_true",
        help="train only the global-hints branch: the rest stays frozen, so results without global hints "
        "stay those of --init exactly",
    )
    p.add_argument(
        "--chroma-weight",
        type=float,
        default=DEFAULTS.chroma_weight,
        help="with global hints: weight of a loss on each image's mean chroma against the truth's, so that "
        "a saturation hint makes colours as strong as asked (per-pixel losses keep them dull)",
    )
    p.add_argument(
        "--precision",
        choices=["auto", "bf16", "fp32"],
        default=DEFAULTS.precision,
        help="bf16 autocast (fp32 weights and optimiser state) or fp32; auto: bf16 on a GPU and on a CPU "
        "with bf16 units (AVX512-BF16 or AMX), fp32 elsewhere",
    )
    p.add_argument(
        "--rebalance",
        type=float,
        default=DEFAULTS.rebalance,
        metavar="LAMBDA",
        help="rebalance the colour-distribution loss towards rare, saturated colours with soft targets "
        "(ECCV16; 0.5 is the paper's mix; 0: plain cross-entropy, whose head drifts to sepia)",
    )
    p.add_argument(
        "--min-colourfulness",
        type=float,
        default=DEFAULTS.min_colourfulness,
        metavar="M",
        help="skip photos whose colourfulness (Hasler & Süsstrunk) is under M (15: BigColor's and DDColor's floor)",
    )
    p.add_argument(
        "--teacher",
        metavar="WEIGHTS",
        help="distil: learn these weights' answers (ab and colour distribution) on the photos instead of "
        "their true colours, e.g. a smaller drag network from the fast one (with --width 0.125)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Train or fine-tune on the photos given, checkpointing as it goes, then export the weights."""
    from tqdm import tqdm

    if args.crop % 8:
        raise UsageError("--crop must be a multiple of 8")
    if not args.steps and not args.minutes:
        raise UsageError("give --steps or --minutes (or both)")
    if args.widen is not None and not args.init:
        raise UsageError("--widen needs the weights to widen: give --init WEIGHTS")
    device = _setup_distributed(args.device)
    is_main = not dist.is_initialized() or dist.get_rank() == 0
    sources = [Path(d) for d in args.data]
    smallest_side = math.ceil(args.crop / (1.0 if args.sharp_share else args.upscale))
    bar = tqdm(desc="Decoding photos", unit="photo", disable=not is_main or None)
    decode_started = time.perf_counter()
    try:
        photos = load_photo_set(
            sources,
            smallest_side,
            limit=args.limit,
            progress=bar.update,
            min_colourfulness=args.min_colourfulness,
        )
    except (FileNotFoundError, ValueError) as exc:
        raise UsageError(str(exc)) from exc
    finally:
        bar.close()
    if is_main:
        print(
            f"{len(photos)} photos ({photos.dropped_grey} near-grey, {photos.dropped_dull} dull and "
            f"{photos.dropped_unreadable} unusable dropped), "
            f"{photos.pixels.numel() / 2**20:.0f} MiB as uint8 on {device}, "
            f"decoded in {time.perf_counter() - decode_started:.0f} s"
        )
    out = Path(args.out)
    config = TrainConfig(
        out=out,
        batch=args.batch,
        crop=args.crop,
        steps=args.steps,
        minutes=args.minutes,
        lr=args.lr,
        warmup_steps=args.warmup_steps,
        schedule_steps=args.schedule_steps or args.steps or DEFAULTS.schedule_steps,
        seed=args.seed,
        schedule_minutes=args.schedule_minutes,
        checkpoint_minutes=args.checkpoint_minutes,
        log_every=args.log_every,
        dev_every=args.dev_every,
        init=args.init,
        widen=args.widen,
        compile=args.compile,
        compact=args.compact,
        data_description=", ".join(str(s) for s in sources),
        width=args.width,
        hint_encoding=HintEncoding(args.hint_encoding),
        hint_recipe=args.hint_recipe,
        upscale=args.upscale,
        sharp_share=args.sharp_share,
        regression_weight=args.regression_weight,
        huber_delta=args.huber_delta,
        regression_loss=args.regression_loss,
        ema=args.ema,
        precision=args.precision,
        fill_prior_weight=args.fill_prior_weight,
        recolour_share=args.recolour_share,
        global_hints=args.global_hints or args.global_only,
        global_only=args.global_only,
        chroma_weight=args.chroma_weight,
        rebalance=args.rebalance,
        min_colourfulness=args.min_colourfulness,
        teacher=args.teacher,
    )
    dev = list_images([args.dev])[: args.dev_limit] if args.dev else []
    try:
        trainer = Trainer(config, photos, device, dev)
    except ValueError as exc:  # weights that cannot be widened so
        raise UsageError(str(exc)) from exc
    if is_main:
        bf16_units = "has bf16 units" if cpu_has_bf16() else "has no bf16 units"
        why = (
            f"the CPU {bf16_units}"
            if device.type == "cpu" and args.precision == "auto"
            else f"--precision {args.precision}"
        )
        print(f"training in {trainer.precision.value} on {device} ({why})")
    if args.resume:
        if not config.checkpoint_path.exists():
            raise UsageError(f"--resume: no checkpoint at {config.checkpoint_path}")
        trainer.load_checkpoint(config.checkpoint_path, keep_schedule=args.schedule_steps is None)
        if is_main:
            length = (
                f"{config.schedule_minutes:g} training minutes"
                if config.schedule_minutes
                else f"{config.schedule_steps} steps"
            )
            print(f"resumed at step {trainer.step} ({trainer.images_seen} images seen), cosine schedule over {length}")
    total = args.steps
    bar = tqdm(total=total, initial=trainer.step, unit="step", desc="Training", disable=not is_main or None)

    def progress(t: Trainer, loss: float, ce: float, regression: float) -> None:
        elapsed = max(t.train_seconds, 1e-9)
        left = max(0.0, t.deadline - time.monotonic()) if t.deadline else None
        extra = {"left": time.strftime("%H:%M:%S", time.gmtime(left))} if left is not None else {}
        bar.set_postfix(
            loss=f"{loss:.3f}",
            ce=f"{ce:.3f}",
            reg=f"{regression:.2f}",
            img_s=f"{t.images_seen / elapsed:.1f}" if t.images_seen else "-",
            **extra,
        )
        bar.update(1)

    summary = trainer.run(progress)
    bar.close()
    metrics: dict[str, Any] = {"throughput": summary}
    if is_main and dev:
        result = evaluate(trainer.exported_network(), dev, (0, 10), seed=0)
        metrics["dev_psnr"] = {"images": len(dev), **{str(k): v for k, v in result.psnr.items()}}
        print(result.table())
    paths = trainer.export(metrics)
    if is_main and config.compact and dev:
        compact = evaluate(Network(*load_model(paths[1]), torch.device(device), precision="fp32"), dev, (0, 10), seed=0)
        metrics["compact_psnr_difference_db"] = {str(k): compact.psnr[k] - metrics["dev_psnr"][str(k)] for k in (0, 10)}
        paths = trainer.export(metrics)  # rewrite both with the measured cost recorded
    if is_main:
        print(json.dumps(metrics, indent=2))
        for p in paths:
            print(f"wrote {p} ({p.stat().st_size / 1e6:.1f} MB)")
        print(f"log: {config.log_path}, checkpoint: {config.checkpoint_path}")
    if dist.is_initialized():
        dist.destroy_process_group()
    return 0


def _setup_distributed(requested: str | None) -> torch.device:
    """Join the process group when launched by torchrun; pick this process's device."""
    if int(os.environ.get("WORLD_SIZE", "1")) > 1 and not dist.is_initialized():
        local_rank = int(os.environ.get("LOCAL_RANK", "0"))
        if torch.cuda.is_available() and requested in (None, "auto", "cuda"):
            torch.cuda.set_device(local_rank)
            dist.init_process_group("nccl")
            return torch.device("cuda", local_rank)
        dist.init_process_group("gloo")
        return torch.device("cpu")
    return pick_device(requested)
