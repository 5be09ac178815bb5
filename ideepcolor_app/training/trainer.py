"""The training loop: losses, schedule, checkpoints that resume exactly, DDP, export."""

from __future__ import annotations

import contextlib
import copy
import csv
import math
import signal
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch.nn.parallel import DistributedDataParallel

from ..base.atomic import atomic_path
from ..colour.ab_bins import ab_to_bin
from ..colour.color import rgb_to_lab
from ..colour.encoding import HintEncoding, MaskConvention
from ..hints.global_hints import ab_histogram, any_given, global_vector, mean_saturation
from ..inference.network import Network
from ..network.architecture import ColorizationNet
from ..network.architectures import DEFAULT_ARCHITECTURE
from ..network.model import SIGGRAPHGenerator, count_forward_flops
from ..network.precision import Precision, autocast, cpu_precision
from ..network.weights import WeightsInfo, load_model, save_weights
from ..network.widen import widened
from .data import PhotoSet, sample_batch
from .rebalance import empirical_prior, rebalanced_cross_entropy, rebalancing_weights
from .simulate import recolour_for_hints, sample_hints

DEV_HINTS = (0, 10, 50)
"""Hint counts of the periodic dev check (grey, the fills and the network, on the same hints)."""
REGRESSION_WEIGHT = 0.1
"""Huber loss on ab (Lab units) is scaled to sit beside the ~6-nat cross-entropy."""


@dataclass
class TrainConfig:
    """Everything a training run is given (``ideepcolor train``'s options)."""

    out: Path
    batch: int = 32
    crop: int = 128
    steps: int | None = None
    minutes: float | None = None
    lr: float = 3e-4
    weight_decay: float = 1e-4
    warmup_steps: int = 500
    schedule_steps: int = 20000
    """Length of the cosine decay, kept across resumes (a run may stop early by --steps or --minutes)."""
    schedule_minutes: float | None = None
    """If set, the cosine runs over this much training time instead (counted across resumes), so a run
    sharing its machine still ends annealed at its deadline. Resumes are then not bit-exact."""
    clip: float = 1.0
    seed: int = 0
    checkpoint_minutes: float = 5.0
    log_every: int = 20
    dev_every: int = 0
    mask_convention: MaskConvention = MaskConvention.CENTERED
    init: str | None = None
    compile: bool = False
    compact: bool = False
    data_description: str = ""
    width: float = 1.0
    """Channel-count scale of the network (1.0 published, 0.25 the fast model)."""
    widen: float | None = None
    """Start from the --init weights widened to this width, computing exactly what they did (see
    :mod:`~ideepcolor_app.network.widen`): a larger network that starts from a smaller one's colours."""
    hint_encoding: HintEncoding = HintEncoding.SPARSE
    hint_recipe: str = "paper"
    """Simulated hints: 'paper' (colorization-pytorch) or 'density' (as dense as a 256x256 frame)."""
    upscale: float = 1.0
    """Photos are enlarged by this before cropping (2: the scale of a 256x256 evaluation)."""
    sharp_share: float = 0.0
    """Share of batches cut at the photos' own resolution instead of enlarged: their edges are as sharp
    as those of a large photo shrunk to 256x256, which enlarged 128-pixel photos never are."""
    regression_weight: float = REGRESSION_WEIGHT
    huber_delta: float = 1.0
    ema: float | None = None
    """Decay of an exponential moving average of the weights (0.998: about the last 500 steps); the
    average is what the dev check evaluates and what is exported. None: the raw weights."""
    recolour_share: float = 0.0
    """Share of simulated hints given a colour that is not the truth, with their object recoloured to
    match in the target (see :func:`.simulate.recolour_for_hints`): teaches hints to stay local."""
    fill_prior_weight: float | None = None
    """Weight of grey beside the hints in a fill encoding (see :mod:`..fill`); None: the --init
    weights' own, else 0."""
    precision: str = "auto"
    """'auto' (bf16 on a GPU and on a CPU with bf16 units, else fp32), 'bf16' or 'fp32'."""
    regression_loss: str = "huber"
    """'huber' (per pixel), or 'log-mse': the mean over images of log(MSE + 1), what mean PSNR measures,
    so that small errors on photos with many hints count as much as large ones on photos with none."""
    global_hints: bool = False
    """Train the global-hints branch (added to --init weights that lack it): each image is given its own
    histogram, its own saturation, both or (unless ``global_only``) neither, at random."""
    chroma_weight: float = 0.0
    """Weight of a loss on each image's mean chroma (result against truth, in units of 10 ab) for the
    images given global hints. Per-pixel losses alone keep colours dull when the hue is uncertain,
    whatever saturation is asked for; this one makes the saturation hint a control that works."""
    global_only: bool = False
    """Train only the global-hints branch: the rest stays frozen (batch norms too), so results without
    global hints stay exactly those of the --init weights and their calibration still holds."""
    rebalance: float = 0.0
    """Class rebalancing of the distribution head's loss (ECCV16 §3.2): the mix λ of the uniform
    distribution in w ∝ ((1-λ) p̃ + λ/Q)^-1, with soft targets; 0 keeps plain cross-entropy on the
    nearest bin (whose head drifts to grey, see :mod:`.rebalance`)."""
    min_colourfulness: float = 0.0
    """Photos whose colourfulness (Hasler & Süsstrunk's M) is below this are not trained on."""
    teacher: str | None = None
    """Distil: learn this network's answers (its ab and its distribution) instead of the photos'
    colours; the student keeps the teacher's conventions and how the app shows its colours."""

    @property
    def checkpoint_path(self) -> Path:
        """The resumable checkpoint beside the output weights."""
        return self.out.with_suffix(".ckpt")

    @property
    def log_path(self) -> Path:
        """The CSV log of losses (and dev PSNR) beside the output weights."""
        return self.out.with_suffix(".log.csv")


def learning_rate_factor(step: int, warmup: int, total: int) -> float:
    """Linear warm-up, then cosine decay to 1% of the peak."""
    if step < warmup:
        return (step + 1) / warmup
    return cosine_factor((step - warmup) / max(1, total - warmup))


def cosine_factor(progress: float) -> float:
    """Cosine decay from 1 at progress 0 to 1% at progress 1 (and after)."""
    return 0.01 + 0.99 * 0.5 * (1 + math.cos(math.pi * min(1.0, progress)))


def losses(
    model: torch.nn.Module,
    rgb: torch.Tensor,
    generator: torch.Generator,
    config: TrainConfig,
    precision: Precision,
    upscale: float,
    bin_weights: torch.Tensor | None = None,
    teacher: torch.nn.Module | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Cross-entropy over the 529 bins at 1/4 resolution (rebalanced by ``bin_weights`` with soft
    targets when given) and regression on ab; the network runs in ``precision`` (autocast: its
    weights and the losses stay fp32). With a ``teacher`` both targets are its answers on the same
    input: its distribution (soft cross-entropy) and its ab."""
    with torch.no_grad():
        lab = rgb_to_lab(rgb)
        l, ab = lab[:, :1], lab[:, 1:]
        hints = sample_hints(ab, generator, recipe=config.hint_recipe, upscale=upscale)
        ab, hints = recolour_for_hints(ab, hints, generator, config.recolour_share)
        encode = DEFAULT_ARCHITECTURE.encode  # the model trained is always built from this entry
        x = encode(l, hints, config.mask_convention, config.hint_encoding, config.fill_prior_weight or 0.0)
        x = x.contiguous(memory_format=torch.channels_last)
        target_ab = ab[:, :, ::4, ::4]
        extra = {}
        if config.global_hints:
            extra["global_hints"] = simulated_global_hints(rgb, ab, generator, allow_none=not config.global_only)
            given = any_given(extra["global_hints"])
        if config.global_only:  # the frozen trunk runs as it will in use: calibrated
            extra["hint_counts"] = hints.counts()
        if teacher is not None:
            with autocast(rgb.device, precision):
                taught = teacher(x, **extra)
            ab = taught.ab.float()
    with autocast(rgb.device, precision):
        out = model(x, **extra)
    if teacher is not None:
        ce = -(F.softmax(taught.logits.float(), dim=1) * F.log_softmax(out.logits.float(), dim=1)).sum(1).mean()
    elif bin_weights is None:
        ce = F.cross_entropy(out.logits.float(), ab_to_bin(target_ab))
    else:
        ce = rebalanced_cross_entropy(out.logits, target_ab, bin_weights)
    regression = regression_loss(out.ab.float(), ab, config)
    if config.global_hints and config.chroma_weight:
        regression = regression + config.chroma_weight * chroma_loss(out.ab.float(), ab, given)
    return ce, regression


def chroma_loss(predicted: torch.Tensor, target: torch.Tensor, selected: torch.Tensor) -> torch.Tensor:
    """Mean over the ``selected`` images of ((mean chroma of the result - of the truth) / 10)^2."""

    def mean_chroma(ab: torch.Tensor) -> torch.Tensor:
        return torch.sqrt((ab**2).sum(dim=1) + 1e-6).mean(dim=(1, 2))

    error = ((mean_chroma(predicted) - mean_chroma(target)) / 10.0) ** 2
    return (error * selected).sum() / selected.sum().clamp(min=1)


def simulated_global_hints(
    rgb: torch.Tensor, ab: torch.Tensor, generator: torch.Generator, allow_none: bool = True
) -> torch.Tensor:
    """(B, GLOBAL_INPUTS) each image's own histogram (of ``ab``, the target) and saturation (of
    ``rgb``), each given or withheld at random: neither, saturation, histogram or both alike likely
    (``allow_none=False``: one of the last three)."""
    batch = rgb.shape[0]
    low = 0 if allow_none else 1
    choice = torch.randint(low, 4, (batch,), generator=generator, device=rgb.device)
    return global_vector(ab_histogram(ab), mean_saturation(rgb), (choice & 2) > 0, (choice & 1) > 0)


def regression_loss(predicted: torch.Tensor, target: torch.Tensor, config: TrainConfig) -> torch.Tensor:
    """Loss on (B, 2, H, W) ab: per-pixel Huber, or the mean over images of log(MSE + 1)."""
    if config.regression_loss == "log-mse":
        return torch.log(((predicted - target) ** 2).mean(dim=(1, 2, 3)) + 1.0).mean()
    return F.smooth_l1_loss(predicted, target, beta=config.huber_delta)


class Trainer:
    """One training run: model, optimiser, schedule, data stream, checkpoints and export."""

    def __init__(
        self, config: TrainConfig, photos: PhotoSet, device: torch.device, dev_photos: list[Path] | None = None
    ) -> None:
        self.config = config
        self.device = device
        self.distributed = dist.is_available() and dist.is_initialized()
        self.rank = dist.get_rank() if self.distributed else 0
        self.world = dist.get_world_size() if self.distributed else 1
        self.is_main = self.rank == 0
        self.photos = photos.to(device)
        self.bin_weights = (
            rebalancing_weights(self._bin_prior(), config.rebalance).to(device) if config.rebalance else None
        )
        self.dev_photos = dev_photos or []
        torch.manual_seed(config.seed)
        self.teacher: ColorizationNet | None = None
        self.teacher_info: WeightsInfo | None = None
        if config.teacher:
            self.teacher, self.teacher_info = load_model(Path(config.teacher))
            self.teacher.to(device, memory_format=torch.channels_last).eval()  # type: ignore[call-overload]
            self.teacher.requires_grad_(False)
            config.global_hints = config.global_hints and self.teacher.takes_global_hints
        if config.widen is not None and not config.init:
            raise ValueError("widening needs the weights to widen: give --init WEIGHTS")
        if config.init:
            model, info = load_model(Path(config.init))
            if config.widen is not None:
                if not isinstance(model, SIGGRAPHGenerator):
                    raise ValueError(f"{config.init} is not a SIGGRAPH17 network: it cannot be widened")
                model = widened(model, config.widen, config.seed)
            # fine-tuning keeps the weights' conventions and shape (a widened copy its new width)
            config.mask_convention, config.hint_encoding, config.width = (
                info.mask_convention,
                info.hint_encoding,
                model.width,
            )
            if config.fill_prior_weight is None:
                config.fill_prior_weight = info.fill_prior_weight
        else:
            scales = None
            if self.teacher_info is not None:  # the student answers the teacher's input
                taught = self.teacher_info
                config.mask_convention, config.hint_encoding = taught.mask_convention, taught.hint_encoding
                config.fill_prior_weight = taught.fill_prior_weight
                # it learns the teacher's uncalibrated answer (training passes no hint counts), so in
                # use it takes the teacher's calibration
                scales = taught.residual_scales
            model = DEFAULT_ARCHITECTURE.build(
                config.width, residual=HintEncoding(config.hint_encoding).is_fill, residual_scales=scales
            )
        if config.global_only:
            config.global_hints = True
        if config.global_hints and not model.takes_global_hints:
            model.add_global_branch()
        if model.guesses_saturation and not config.global_only:
            model.remove_saturation_guess()  # it reads conv4, which training changes: fit it again afterwards
        if config.global_only:
            for parameter in model.trunk_parameters():
                parameter.requires_grad_(False)
        # channels_last: faster on CUDA, and 1.4x on this project's CPU (oneDNN) even in fp32
        self.model = model.to(device, memory_format=torch.channels_last)  # type: ignore[call-overload]
        self._training_mode()
        self.ema: ColorizationNet | None = copy.deepcopy(self.model).eval() if config.ema else None
        self.precision = training_precision(device, config.precision)
        config.fill_prior_weight = config.fill_prior_weight or 0.0
        if device.type == "cuda":
            torch.backends.cuda.matmul.allow_tf32 = True
            torch.backends.cudnn.allow_tf32 = True
            torch.backends.cudnn.benchmark = True
        self.net: torch.nn.Module = self.model
        if self.distributed:
            self.net = DistributedDataParallel(self.model, device_ids=[device.index] if device.type == "cuda" else None)
        if config.compile:
            self.net = torch.compile(self.net)  # type: ignore[assignment]  # a compiled module calls the same
        trainable = [p for p in self.model.parameters() if p.requires_grad]
        self.optimizer = torch.optim.AdamW(trainable, lr=config.lr, weight_decay=config.weight_decay)
        self.scheduler = torch.optim.lr_scheduler.LambdaLR(self.optimizer, self._learning_rate_factor)
        self.generator = torch.Generator(device=device).manual_seed(config.seed * 1000 + self.rank)
        self.step = 0
        self.images_seen = 0
        self.train_seconds = 0.0
        self.history: list[dict[str, float]] = []
        self._stop_requested = False
        self.deadline: float | None = None

    @torch.no_grad()
    def _bin_prior(self, per_chunk: int = 256) -> torch.Tensor:
        """The training photos' smoothed ab-bin distribution, at the head's 1/4 resolution."""
        chunks = []
        for start in range(0, len(self.photos), per_chunk):
            pixels = self.photos.pixels[start : start + per_chunk, ::4, ::4]
            sizes = self.photos.sizes[start : start + per_chunk]
            lab = rgb_to_lab(pixels.permute(0, 3, 1, 2).float() / 255)
            rows = torch.arange(pixels.shape[1], device=pixels.device)
            cols = torch.arange(pixels.shape[2], device=pixels.device)
            inside = (rows[None, :, None] * 4 < sizes[:, :1, None]) & (cols[None, None, :] * 4 < sizes[:, 1:, None])
            chunks.append(lab[:, 1:].permute(0, 2, 3, 1)[inside].T.reshape(1, 2, -1, 1))
        return empirical_prior(chunks)

    def _training_mode(self) -> None:
        """Train mode, except that a frozen trunk's batch norms keep their statistics (eval mode)."""
        self.model.train(not self.config.global_only)

    @property
    def exported_model(self) -> ColorizationNet:
        """What the dev check evaluates and the export writes: the averaged weights if kept."""
        return self.ema if self.ema is not None else self.model

    def exported_network(self) -> Network:
        """:attr:`exported_model` as the app would run it from the exported file, put in eval mode
        (:meth:`dev_psnr` puts a trained model back in train mode afterwards)."""
        model, config = self.exported_model.eval(), self.config
        info = WeightsInfo(
            path=config.out,
            name=config.out.stem,
            mask_convention=config.mask_convention,
            width=model.width,
            hint_encoding=config.hint_encoding,
            fill_prior_weight=config.fill_prior_weight or 0.0,
            residual_scales=model.residual_scales,
            global_hints=model.takes_global_hints,
        )
        return Network.around(model, info, self.device, self.precision)

    @torch.no_grad()
    def _update_average(self) -> None:
        if self.ema is None or self.config.ema is None:
            return
        for average, current in zip(self.ema.state_dict().values(), self.model.state_dict().values(), strict=True):
            if average.is_floating_point():
                average.lerp_(current, 1.0 - self.config.ema)
            else:
                average.copy_(current)

    def _learning_rate_factor(self, step: int) -> float:
        config = self.config
        if config.schedule_minutes and step >= config.warmup_steps:
            return cosine_factor(self.train_seconds / (config.schedule_minutes * 60))
        return learning_rate_factor(step, config.warmup_steps, config.schedule_steps)

    # ----- checkpoints ------------------------------------------------------------------------------
    def save_checkpoint(self) -> None:
        """Write everything a resume needs (atomically): weights, average, optimiser, schedule, RNGs."""
        if not self.is_main:
            return
        state = {
            "model": self.model.state_dict(),
            **({"ema": self.ema.state_dict()} if self.ema is not None else {}),
            "optimizer": self.optimizer.state_dict(),
            "scheduler": self.scheduler.state_dict(),
            "step": self.step,
            "images_seen": self.images_seen,
            "train_seconds": self.train_seconds,
            "generator": self.generator.get_state(),
            "torch_rng": torch.get_rng_state(),
            "config": _jsonable(asdict(self.config)),
            "mask_convention": self.config.mask_convention.value,
        }
        path = self.config.checkpoint_path
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(path) as temporary:
            torch.save(state, temporary)

    def load_checkpoint(self, path: Path, keep_schedule: bool = True) -> None:
        """Continue from ``path`` exactly; ``keep_schedule=False`` keeps this config's cosine length."""
        state = torch.load(path, map_location=self.device, weights_only=True)
        self.model.load_state_dict(state["model"])
        if self.ema is not None:  # a run that starts averaging now starts from the current weights
            self.ema.load_state_dict(state.get("ema", state["model"]))
        self.optimizer.load_state_dict(state["optimizer"])
        self.scheduler.load_state_dict(state["scheduler"])
        self.step, self.images_seen = int(state["step"]), int(state["images_seen"])
        self.train_seconds = float(state["train_seconds"])
        self.generator.set_state(state["generator"].cpu())
        torch.set_rng_state(state["torch_rng"].cpu())
        self.config.mask_convention = MaskConvention(state["mask_convention"])
        self.config.hint_encoding = HintEncoding(state["config"].get("hint_encoding", "sparse"))
        self.config.fill_prior_weight = float(state["config"].get("fill_prior_weight") or 0.0)
        self.config.warmup_steps = int(state["config"]["warmup_steps"])
        if keep_schedule:
            self.config.schedule_steps = int(state["config"]["schedule_steps"])
        if self.rank:  # other ranks keep distinct data streams
            self.generator.manual_seed(self.config.seed * 1000 + self.rank + self.step)

    # ----- the loop ---------------------------------------------------------------------------------
    def run(self, progress: Callable[..., None] | None = None) -> dict[str, Any]:
        """Train until the step count, the time or a stop signal ends it; checkpoints on the way and at the end."""
        config = self.config
        self.deadline = deadline = time.monotonic() + config.minutes * 60 if config.minutes else None
        next_checkpoint = time.monotonic() + config.checkpoint_minutes * 60
        previous = signal.signal(signal.SIGTERM, self._request_stop) if self.is_main and _main_thread() else None
        files = contextlib.ExitStack()
        log = self._open_log(files)
        started = time.monotonic()
        images_at_start = self.images_seen
        values = [float("nan")] * 3
        try:
            while not self._should_stop(deadline):
                t0 = time.perf_counter()
                upscale = self._batch_upscale()
                rgb = sample_batch(self.photos, config.batch, config.crop, self.generator, upscale)
                ce, reg = losses(
                    self.net, rgb, self.generator, config, self.precision, upscale, self.bin_weights, self.teacher
                )
                loss = ce + config.regression_weight * reg
                self.optimizer.zero_grad(set_to_none=True)
                loss.backward()  # type: ignore[no-untyped-call]
                grad_norm = torch.nn.utils.clip_grad_norm_(self.model.parameters(), config.clip)
                self.optimizer.step()
                self._update_average()
                self.scheduler.step()
                self.step += 1
                self.images_seen += config.batch * self.world
                if self.step % config.log_every == 0 or self.step == 1:
                    values = torch.stack((loss, ce, reg)).detach().tolist()  # one device sync per log line
                    row = {
                        "step": self.step,
                        "images": self.images_seen,
                        "loss": values[0],
                        "ce": values[1],
                        "regression": values[2],
                        "grad_norm": float(grad_norm),
                        "lr": float(self.scheduler.get_last_lr()[0]),
                    }
                    if config.dev_every and self.step % config.dev_every == 0:
                        row.update(self.dev_psnr())
                    self.history.append(row)
                    if log:
                        log.writerow({k: row.get(k, "") for k in log.fieldnames})
                if progress:
                    progress(self, *values)
                self.train_seconds += time.perf_counter() - t0
                if time.monotonic() >= next_checkpoint:
                    self.save_checkpoint()
                    next_checkpoint = time.monotonic() + config.checkpoint_minutes * 60
        finally:
            files.close()
            if previous is not None:
                signal.signal(signal.SIGTERM, previous)
            if self.device.type == "cuda":
                torch.cuda.synchronize()
            self.save_checkpoint()
        wall = time.monotonic() - started
        images = self.images_seen - images_at_start
        flops_per_image = 3 * count_forward_flops(config.crop, config.crop, config.width)  # forward + backward
        return {
            "steps": self.step,
            "images_seen": self.images_seen,
            "seconds": wall,
            "images_per_second": images / wall if wall else 0.0,
            "achieved_tflops": images * flops_per_image / wall / 1e12 if wall else 0.0,
        }

    def _batch_upscale(self) -> float:
        """This batch's enlargement: 1 (sharp) for a ``sharp_share`` of the steps, spread evenly
        (the step count decides, so resumes repeat it), else ``upscale``."""
        share = self.config.sharp_share
        sharp = math.floor((self.step + 1) * share) > math.floor(self.step * share)
        return 1.0 if sharp else self.config.upscale

    def _should_stop(self, deadline: float | None) -> bool:
        stop = (
            self._stop_requested
            or (self.config.steps is not None and self.step >= self.config.steps)
            or (deadline is not None and time.monotonic() >= deadline)
        )
        if self.distributed:  # every rank stops on the same step
            flag = torch.tensor([1.0 if stop else 0.0], device=self.device)
            dist.all_reduce(flag, op=dist.ReduceOp.MAX)
            stop = bool(flag.item())
        return stop

    def _request_stop(self, *_: Any) -> None:
        self._stop_requested = True

    def _open_log(self, files: contextlib.ExitStack) -> csv.DictWriter[str] | None:
        """The CSV log (appended to when resuming), closed with ``files``."""
        if not self.is_main:
            return None
        path = self.config.log_path
        path.parent.mkdir(parents=True, exist_ok=True)
        new = not path.exists() or self.step == 0
        # closed by the caller's ExitStack when the loop ends, however it ends
        handle = files.enter_context(open(path, "w" if new else "a", newline="", buffering=1))  # noqa: SIM115
        writer = csv.DictWriter(
            handle,
            fieldnames=[
                "step",
                "images",
                "loss",
                "ce",
                "regression",
                "grad_norm",
                "lr",
                *(f"dev_{what}_{k}" for what in ("psnr", "fill", "lightness_fill") for k in DEV_HINTS),
            ],
        )
        if new:
            writer.writeheader()
        return writer

    def dev_psnr(self, hint_counts: tuple[int, ...] = DEV_HINTS, limit: int = 20) -> dict[str, float]:
        """PSNR on the dev photos beside the yardsticks on the same hints (grey equals both fills at 0)."""
        from ..evaluation.evaluate import evaluate

        if not self.dev_photos:
            return {}
        result = evaluate(self.exported_network(), self.dev_photos[:limit], hint_counts, seed=0)
        self._training_mode()
        row = {f"dev_psnr_{k}": result.psnr[k] for k in hint_counts}
        row |= {f"dev_fill_{k}": result.yardsticks["fill"][k] for k in hint_counts}
        return row | {f"dev_lightness_fill_{k}": result.yardsticks["lightness-fill"][k] for k in hint_counts}

    # ----- export -----------------------------------------------------------------------------------
    def export(self, metrics: dict[str, Any] | None = None) -> list[Path]:
        """Write the weights (and, if configured, the compact int8 variant) in the project's format."""
        if not self.is_main:
            return []
        provenance = {
            "trained_by": "ideepcolor train",
            "data": self.config.data_description,
            "photos": len(self.photos),
            "steps": self.step,
            "images_seen": self.images_seen,
            "batch": self.config.batch,
            "crop": self.config.crop,
            "train_seconds": round(self.train_seconds, 1),
            "device": torch.cuda.get_device_name(self.device) if self.device.type == "cuda" else self.device.type,
            "world_size": self.world,
            "init": self.config.init,
            "widened_to": self.config.widen,
            "hint_recipe": self.config.hint_recipe,
            "upscale": self.config.upscale,
            "sharp_share": self.config.sharp_share,
            "lr": self.config.lr,
            "regression_weight": self.config.regression_weight,
            "huber_delta": self.config.huber_delta,
            "regression_loss": self.config.regression_loss,
            "precision": self.precision.value,
            "recolour_share": self.config.recolour_share,
            "fill_prior_weight": self.config.fill_prior_weight,
            "global_hints": self.config.global_hints,
            "global_only": self.config.global_only,
            "chroma_weight": self.config.chroma_weight,
            "rebalance": self.config.rebalance,
            "min_colourfulness": self.config.min_colourfulness,
            "teacher": self.config.teacher,
        }
        state = self.exported_model.state_dict()
        taught = self.teacher_info
        trained_with = self.bin_weights.tolist() if self.bin_weights is not None else None
        shown: dict[str, Any] = {"bin_weights": trained_with}
        if taught is not None:  # a student shows its colours as its teacher does, and learnt its distribution
            shown = {
                "vivid_temperature": taught.vivid_temperature,
                "vivid_mix": taught.vivid_mix,
                "hint_locality": taught.hint_locality,
                "bin_weights": taught.bin_weights,
            }
        paths = [
            save_weights(
                state,
                self.config.out,
                mask_convention=self.config.mask_convention,
                provenance=provenance,
                metrics=metrics,
                hint_encoding=self.config.hint_encoding,
                residual_scales=self.exported_model.residual_scales,
                fill_prior_weight=self.config.fill_prior_weight or 0.0,
                **shown,
            )
        ]
        if self.config.compact:
            compact = self.config.out.with_name(self.config.out.stem + "-int8.safetensors")
            paths.append(
                save_weights(
                    state,
                    compact,
                    mask_convention=self.config.mask_convention,
                    provenance=provenance | {"compact_of": self.config.out.name},
                    metrics=metrics,
                    quantize_int8=True,
                    hint_encoding=self.config.hint_encoding,
                    residual_scales=self.exported_model.residual_scales,
                    fill_prior_weight=self.config.fill_prior_weight or 0.0,
                    **shown,
                )
            )
        return paths


def training_precision(device: torch.device, requested: str = "auto") -> Precision:
    """The format the network trains in: bf16 on a GPU and on a CPU with bf16 units, else fp32,
    unless ``requested`` forces 'fp32' or 'bf16'."""
    if device.type == "cpu":
        return cpu_precision(requested)
    if requested == "fp32" or device.type != "cuda":
        return Precision.FP32
    return Precision.BF16


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (MaskConvention, HintEncoding)):
        return value.value
    if isinstance(value, Path):
        return str(value)
    return value


def _main_thread() -> bool:
    import threading

    return threading.current_thread() is threading.main_thread()
