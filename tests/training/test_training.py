import io
import math
import subprocess
import sys
import tarfile
from pathlib import Path

import numpy as np
import pytest
import torch
from builders import colour_photo
from PIL import Image

from ideepcolor_app.cli import main
from ideepcolor_app.colour.ab_bins import ab_to_bin, bin_centers, distribution
from ideepcolor_app.colour.color import rgb_to_lab
from ideepcolor_app.colour.encoding import HintEncoding
from ideepcolor_app.hints.hint_batch import square_means
from ideepcolor_app.inference.engine import ColorizationEngine
from ideepcolor_app.network.weights import load_state_dict
from ideepcolor_app.training.data import load_photo_set, sample_batch
from ideepcolor_app.training.simulate import sample_hints
from ideepcolor_app.training.trainer import TrainConfig, Trainer, learning_rate_factor


def colourful(seed, size=(48, 40)):
    rng = np.random.default_rng(seed)
    base = rng.integers(0, 255, 3)
    ramp = np.linspace(0, 1, size[1])[:, None, None] * rng.integers(-120, 120, 3)
    img = np.clip(base + ramp + rng.normal(0, 12, (size[1], size[0], 3)), 0, 255).astype(np.uint8)
    return np.repeat(img, 1, axis=0)


@pytest.fixture(autouse=True)
def one_thread():
    """Bit-exact comparisons need reductions summed in one order: one thread, whatever the load."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def photo_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("photos")
    for i in range(10):
        Image.fromarray(colourful(i)).save(folder / f"p{i}.jpg", quality=95)
    Image.fromarray(np.full((40, 48, 3), 128, np.uint8)).save(folder / "grey.jpg")
    return folder


def test_folders_and_tar_shards_load_and_grey_photos_are_dropped(photo_folder, tmp_path):
    with tarfile.open(tmp_path / "part-00.tar", "w") as tar:
        for p in sorted(photo_folder.glob("p*.jpg"))[:3]:
            data = p.read_bytes()
            info = tarfile.TarInfo(p.name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    photos = load_photo_set([photo_folder, tmp_path / "part-00.tar"], crop=32)
    assert len(photos) == 13 and photos.dropped_grey == 1
    assert photos.pixels.dtype == torch.uint8 and photos.sizes[0].tolist() == [40, 48]


def test_wide_and_large_photos_train_at_their_own_scale(tmp_path):
    # a wide 128x176 photo (train-128's 4:3 landscapes) was shrunk to 105x144 and dropped for crops over 105
    rng = np.random.default_rng(0)
    wide = np.zeros((128, 176, 3), np.uint8)
    wide[..., 0] = np.arange(176, dtype=np.uint8)[None, :]  # red rises left to right: shows where it was cut
    wide[..., 2] = 200
    Image.fromarray(wide).save(tmp_path / "wide.png")
    large = rng.integers(0, 255, (600, 300, 3), dtype=np.uint8)
    Image.fromarray(large).save(tmp_path / "large.png")
    photos = load_photo_set([tmp_path], crop=128, max_side=144)
    assert len(photos) == 2 and photos.dropped_unreadable == 0
    index = {Path(name).name: i for i, name in enumerate(photos.names)}
    wide_at, large_at = index["wide.png"], index["large.png"]
    assert photos.sizes[wide_at].tolist() == [128, 144]  # the long side cut, nothing shrunk
    assert photos.sizes[large_at].tolist() == [144, 144]  # shrunk to a short side of 144 first
    kept = photos.pixels[wide_at]
    assert kept[0, 0, 0] == 16 and kept[0, 143, 0] == 159  # the centre 144 of the 176 columns


def test_crops_and_flips_come_from_the_photos(photo_folder):
    photos = load_photo_set([photo_folder], crop=32)
    g = torch.Generator().manual_seed(0)
    batch = sample_batch(photos, 64, 32, g)
    assert batch.shape == (64, 3, 32, 32) and batch.min() >= 0 and batch.max() <= 1
    g = torch.Generator().manual_seed(0)
    index = torch.randint(len(photos), (64,), generator=g)
    u = torch.rand(64, 3, generator=g)
    flips = 0
    for i in range(64):
        h, w = photos.sizes[index[i]].tolist()
        top, left = int(u[i, 0] * (h - 31)), int(u[i, 1] * (w - 31))
        crop = photos.pixels[index[i], top : top + 32, left : left + 32].permute(2, 0, 1).float() / 255
        if u[i, 2] < 0.5:
            crop, flips = crop.flip(-1), flips + 1
        assert torch.equal(batch[i], crop)
    assert 10 < flips < 54


def test_simulated_hints_follow_the_recipe():
    torch.manual_seed(0)
    ab = torch.randn(4000, 2, 64, 64) * 20
    hints = sample_hints(ab, torch.Generator().manual_seed(1))
    squares, colors, valid, counts = hints.squares, hints.colours, hints.valid, hints.counts()
    counts_f = counts.float()
    assert abs(counts_f.mean() - 7) < 0.4  # geometric, p = 1/8
    assert abs((counts == 0).float().mean() - 1 / 8) < 0.02
    sides = squares[..., 2][valid]
    assert set(sides.unique().tolist()) == set(range(1, 10))
    assert (torch.bincount(sides)[1:].float() / len(sides) - 1 / 9).abs().max() < 0.01
    top = squares[..., 0][valid].float()
    free = (64 - sides + 1).float()
    z = (top - free / 2) / (free / 4)
    assert abs(z.mean()) < 0.05 and abs(z.std() - 1) < 0.1  # normal around the centre, std a quarter
    b, k = torch.nonzero(valid)[7].tolist()
    t, l, s = squares[b, k].tolist()
    assert torch.allclose(colors[b, k], ab[b, :, t : t + s, l : l + s].mean(dim=(1, 2)), atol=1e-4)


def test_square_means_match_direct_means():
    ab = torch.randn(3, 2, 20, 20)
    top, left, side = torch.tensor([[0, 5]] * 3), torch.tensor([[0, 11]] * 3), torch.tensor([[9, 4]] * 3)
    means = square_means(ab, top, left, side)
    assert torch.allclose(means[1, 1], ab[1, :, 5:9, 11:15].mean(dim=(1, 2)), atol=1e-5)


def test_training_targets_and_suggestions_share_the_a_major_layout():
    ab = torch.tensor([[[[30.0]], [[-70.0]]]])  # a = 30 -> a_idx 14, b = -70 -> b_idx 4
    target = ab_to_bin(ab)
    assert int(target) == 14 * 23 + 4
    logits = torch.full((1, 529, 1, 1), -50.0)
    logits[0, target] = 50.0
    decoded = bin_centers()[distribution(logits)[0, :, 0, 0].argmax()]
    assert decoded.tolist() == [30.0, -70.0]


def test_schedule_warms_up_then_decays():
    assert learning_rate_factor(0, 10, 100) == pytest.approx(0.1)
    assert learning_rate_factor(9, 10, 100) == pytest.approx(1.0)
    assert learning_rate_factor(55, 10, 100) < 0.6 and learning_rate_factor(100, 10, 100) == pytest.approx(0.01)


def _trainer(folder, out, steps, lr=1e-3):
    photos = load_photo_set([folder], crop=32)
    config = TrainConfig(
        out=out,
        batch=6,
        crop=32,
        steps=steps,
        lr=lr,
        warmup_steps=2,
        schedule_steps=60,
        log_every=1,
        seed=3,
        width=0.25,
    )
    return Trainer(config, photos, torch.device("cpu"))


@pytest.mark.slow  # 40 training steps
def test_cpu_smoke_run_loss_decreases(photo_folder, tmp_path):
    trainer = _trainer(photo_folder, tmp_path / "w.safetensors", 40)
    summary = trainer.run()
    losses = [row["loss"] for row in trainer.history]
    assert len(losses) == 40 and all(math.isfinite(v) for v in losses)
    assert np.mean(losses[-8:]) < np.mean(losses[:8]) - 0.5
    assert summary["images_per_second"] > 0 and summary["achieved_tflops"] > 0


def test_resume_continues_exactly_where_it_stopped(photo_folder, tmp_path):
    straight = _trainer(photo_folder, tmp_path / "a.safetensors", 6)
    straight.run()
    first = _trainer(photo_folder, tmp_path / "b.safetensors", 3)
    first.run()  # saves its checkpoint at the end
    resumed = _trainer(photo_folder, tmp_path / "b.safetensors", 6)
    resumed.load_checkpoint(tmp_path / "b.ckpt")
    assert resumed.step == 3
    resumed.run()
    for key, value in straight.model.state_dict().items():
        assert torch.equal(value, resumed.model.state_dict()[key]), key
    assert [r["loss"] for r in resumed.history] == [r["loss"] for r in straight.history[3:]]


@pytest.mark.slow  # three training runs through the command line, with export and resume
def test_cli_train_exports_loadable_weights_with_metadata(photo_folder, tmp_path, capsys):
    out = tmp_path / "mine.safetensors"
    args = [
        "train",
        str(photo_folder),
        "--out",
        str(out),
        "--steps",
        "3",
        "--batch",
        "4",
        "--crop",
        "32",
        "--compact",
        "--dev",
        str(photo_folder),
        "--dev-limit",
        "1",
        "--width",
        "0.25",
    ]
    assert main(args) == 0
    assert "compact_psnr_difference_db" in capsys.readouterr().out
    compact = tmp_path / "mine-int8.safetensors"
    assert compact.stat().st_size < out.stat().st_size / 3.5, "int8, a quarter of fp32 and the metadata"
    _, info = load_state_dict(compact)
    assert info.metadata["provenance"]["steps"] == 3 and info.metadata["architecture"] == "siggraph17"
    assert abs(info.metadata["metrics"]["compact_psnr_difference_db"]["10"]) < 0.1  # int8 costs little
    assert info.metadata["quantization"] == "int8-per-output-channel"
    ColorizationEngine.from_weights(str(compact), "cpu")
    more = list(args)
    more[more.index("--steps") + 1] = "4"
    assert main([*more, "--resume"]) == 0
    _, info = load_state_dict(out)
    assert info.metadata["provenance"]["steps"] == 4
    # fine-tuning from any loadable weights, keeping their mask convention
    tuned = tmp_path / "tuned.safetensors"
    assert (
        main(
            [
                "train",
                str(photo_folder),
                "--out",
                str(tuned),
                "--steps",
                "1",
                "--batch",
                "2",
                "--crop",
                "32",
                "--init",
                str(out),
                "--width",
                "0.25",
            ]
        )
        == 0
    )
    assert load_state_dict(tuned)[1].metadata["provenance"]["init"] == str(out)


@pytest.mark.slow  # two training processes under torchrun
def test_torchrun_data_parallel_on_cpu(photo_folder, tmp_path):
    out = tmp_path / "ddp.safetensors"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "torch.distributed.run",
            "--standalone",
            "--nproc_per_node",
            "2",
            "-m",
            "ideepcolor_app",
            "train",
            str(photo_folder),
            "--out",
            str(out),
            "--steps",
            "2",
            "--batch",
            "2",
            "--crop",
            "32",
            "--device",
            "cpu",
        ],
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    _, info = load_state_dict(out)
    assert info.metadata["provenance"]["world_size"] == 2 and info.metadata["provenance"]["images_seen"] == 8


def test_reads_the_shared_shard_layout(tmp_path):
    """Shards as ../shared/datasets/train-128 has them: tars of JPEGs, short side 128, long side <= 144."""
    shard = tmp_path / "part-00.tar"
    with tarfile.open(shard, "w") as tar:
        for i in range(24):
            buffer = io.BytesIO()
            Image.fromarray(colour_photo(i, (144, 128) if i % 2 else (128, 144))).save(buffer, "JPEG", quality=82)
            info = tarfile.TarInfo(f"imagenette/{i:05d}.jpg")
            info.size = buffer.tell()
            buffer.seek(0)
            tar.addfile(info, buffer)
    photos = load_photo_set([shard], crop=112, limit=20)
    assert len(photos) == 20 and photos.pixels.shape[1] <= 144
    lab = rgb_to_lab(sample_batch(photos, 4, 112, torch.Generator().manual_seed(0)))
    assert lab.shape == (4, 3, 112, 112)


def test_a_resumed_run_keeps_its_schedule_unless_a_new_length_is_given(photo_folder, tmp_path):
    first = _trainer(photo_folder, tmp_path / "s.safetensors", 2)
    first.run()
    kept = _trainer(photo_folder, tmp_path / "s.safetensors", 4)
    kept.config.schedule_steps = 10
    kept.load_checkpoint(tmp_path / "s.ckpt")
    assert kept.config.schedule_steps == 60, "the checkpoint's own cosine length"
    resized = _trainer(photo_folder, tmp_path / "s.safetensors", 4)
    resized.config.schedule_steps = 10
    resized.load_checkpoint(tmp_path / "s.ckpt", keep_schedule=False)
    resized.run()
    assert resized.scheduler.get_last_lr()[0] == pytest.approx(1e-3 * learning_rate_factor(4, 2, 10))


def test_a_schedule_in_minutes_ends_annealed_whatever_the_step_count(photo_folder, tmp_path):
    trainer = _trainer(photo_folder, tmp_path / "t.safetensors", 4)
    trainer.config.schedule_minutes = 1e-9  # any real step takes longer: the budget is spent at once
    trainer.run()
    assert trainer.scheduler.get_last_lr()[0] == pytest.approx(1e-3 * 0.01), "down to 1% of the peak"


def test_log_mse_weighs_an_error_on_a_well_hinted_photo_more():
    """Mean PSNR is a mean of -log(MSE): the same added error costs more dB where the rest is right."""
    from ideepcolor_app.training.trainer import regression_loss

    config = TrainConfig(out=Path("unused"), regression_loss="log-mse")
    target = torch.zeros(2, 2, 8, 8)
    predicted = torch.zeros(2, 2, 8, 8)
    predicted[0] += 20.0  # photo 0 is already far off everywhere (no hints)
    predicted[:, :, 0, 0] += 5.0  # the same extra error on one pixel of each
    predicted.requires_grad_(True)
    regression_loss(predicted, target, config).backward()
    assert predicted.grad[1, 0, 0, 0] > 10 * predicted.grad[0, 0, 0, 0]
    huber = TrainConfig(out=Path("unused"), huber_delta=10.0)
    assert regression_loss(predicted.detach(), target, huber) > 0


def test_the_dev_check_logs_the_network_beside_both_yardsticks(photo_folder, tmp_path):
    import csv

    photos = load_photo_set([photo_folder], crop=32)
    config = TrainConfig(
        out=tmp_path / "d.safetensors",
        batch=4,
        crop=32,
        steps=2,
        log_every=1,
        dev_every=2,
        width=0.25,
        hint_encoding=HintEncoding.LIGHTNESS_FILL,
        hint_recipe="density",
    )
    trainer = Trainer(config, photos, torch.device("cpu"), sorted(photo_folder.glob("p*.jpg"))[:2])
    trainer.run()
    rows = list(csv.DictReader(config.log_path.open()))
    last = rows[-1]
    for k in (0, 10, 50):
        assert float(last[f"dev_psnr_{k}"]) > 0 and float(last[f"dev_fill_{k}"]) > 0
    assert float(last["dev_lightness_fill_50"]) > float(last["dev_fill_0"]), "50 hints beat none (grey)"
    assert rows[0]["dev_psnr_0"] == "", "only every dev_every steps"


def test_the_weight_average_is_what_gets_evaluated_and_exported(photo_folder, tmp_path):
    for decay in (0.0, 1.0):
        trainer = _trainer(photo_folder, tmp_path / f"e{decay}.safetensors", 3)
        trainer.config.ema = decay
        trainer.ema = __import__("copy").deepcopy(trainer.model).eval()
        start = {k: v.clone() for k, v in trainer.model.state_dict().items()}
        trainer.run()
        exported = load_state_dict(trainer.export()[0])[0]
        reference = trainer.model.state_dict() if decay == 0.0 else start
        key = "model_out.0.weight"
        assert torch.allclose(exported[key], reference[key]), f"decay {decay}"
    assert not torch.allclose(trainer.model.state_dict()[key], start[key]), "the raw weights did move"


def test_a_sharp_share_of_batches_is_cut_at_the_photos_own_resolution(photo_folder, tmp_path, monkeypatch):
    import ideepcolor_app.training.trainer as trainer_module

    cuts = []
    real = trainer_module.sample_batch

    def recording(photos, batch, crop, generator, upscale=1.0):
        cuts.append(upscale)
        return real(photos, batch, crop, generator, upscale)

    monkeypatch.setattr(trainer_module, "sample_batch", recording)
    trainer = _trainer(photo_folder, tmp_path / "w.safetensors", 8)
    trainer.config.upscale, trainer.config.sharp_share = 1.25, 0.5
    trainer.run()
    assert cuts.count(1.0) == 4 and cuts.count(1.25) == 4, "half the batches are sharp"
    assert cuts[:4] in ([1.0, 1.25, 1.0, 1.25], [1.25, 1.0, 1.25, 1.0]), "spread evenly"
    (path,) = trainer.export()
    assert load_state_dict(path)[1].metadata["provenance"]["sharp_share"] == 0.5


def _eighth_width_weights(path, residual_scales=None):
    """A random 1/8-width network on a lightness fill, saved to ``path``."""
    from ideepcolor_app.colour.encoding import MaskConvention
    from ideepcolor_app.network.model import SIGGRAPHGenerator
    from ideepcolor_app.network.weights import save_weights

    torch.manual_seed(0)
    return save_weights(
        SIGGRAPHGenerator(0.125, residual=True).state_dict(),
        path,
        mask_convention=MaskConvention.CENTERED,
        hint_encoding=HintEncoding.LIGHTNESS_FILL,
        residual_scales=residual_scales,
    )


def test_training_only_the_global_branch_leaves_every_answer_without_global_hints_as_it_was(photo_folder, tmp_path):
    from ideepcolor_app.network.weights import load_model

    init = _eighth_width_weights(tmp_path / "init.safetensors", residual_scales={0: 1.0, 10: 0.7})
    out = tmp_path / "global.safetensors"
    args = ["train", str(photo_folder), "--out", str(out), "--steps", "4", "--batch", "4", "--crop", "32"]
    assert main([*args, "--init", str(init), "--global-only", "--lr", "1e-2", "--warmup-steps", "1"]) == 0
    before, _ = load_model(init)
    after, info = load_model(out)
    assert info.global_hints and info.residual_scales == {0: 1.0, 10: 0.7}
    assert info.metadata["provenance"]["global_only"] is True
    trained = after.state_dict()
    for key, value in before.state_dict().items():  # weights and batch-norm statistics alike
        assert torch.equal(value, trained[key]), key
    assert any(trained[k].abs().sum() > 0 for k in trained if k.startswith("global_to")), "the branch learned"


def test_simulated_global_hints_give_each_photo_its_own_colours_at_random():
    from ideepcolor_app.hints.global_hints import GLOBAL_INPUTS, NUM_BINS
    from ideepcolor_app.training.trainer import simulated_global_hints

    rgb = torch.rand(64, 3, 16, 16)
    ab = rgb_to_lab(rgb)[:, 1:]
    g = torch.Generator().manual_seed(0)
    vectors = simulated_global_hints(rgb, ab, g, allow_none=False)
    assert vectors.shape == (64, GLOBAL_INPUTS)
    flags = vectors[:, NUM_BINS + 1 :]
    assert (flags.sum(dim=1) >= 1).all() and set(flags.sum(dim=1).tolist()) == {1.0, 2.0}
    given = flags[:, 0] == 1
    assert torch.allclose(vectors[given, :NUM_BINS].sum(dim=1), torch.ones(int(given.sum())))
    anything = simulated_global_hints(rgb, ab, g, allow_none=True)[:, NUM_BINS + 1 :].sum(dim=1)
    assert (anything == 0).any()


def test_the_chroma_loss_counts_only_images_given_global_hints_and_pulls_dull_results_up():
    from ideepcolor_app.training.trainer import chroma_loss

    target = torch.zeros(2, 2, 8, 8)
    target[:, 0] = 30.0  # chroma 30
    dull = target * 0.5
    both, first = torch.tensor([True, True]), torch.tensor([True, False])
    assert chroma_loss(target, target, both) < 1e-6
    assert chroma_loss(dull, target, both) == pytest.approx(2.25, rel=1e-3)  # (15 / 10)^2
    mixed = torch.cat((target[:1], dull[1:]))
    assert chroma_loss(mixed, target, first) < 1e-6, "an image given no global hint is not pushed"
    dull.requires_grad_(True)
    chroma_loss(dull, target, both).backward()
    assert (dull.grad[:, 0] < 0).all(), "descending the loss makes colours stronger"


@pytest.mark.slow  # a teacher and a student trained through the command line
def test_a_distilled_student_learns_its_teachers_answers_and_shows_them_as_it_does(photo_folder, tmp_path):
    from ideepcolor_app.colour.encoding import MaskConvention
    from ideepcolor_app.colour.locality import HintLocality
    from ideepcolor_app.network.model import SIGGRAPHGenerator
    from ideepcolor_app.network.weights import load_model, save_weights

    torch.manual_seed(0)
    teacher = SIGGRAPHGenerator(0.25, residual=True)
    with torch.no_grad():  # an untrained residual network answers its fill: give it answers of its own
        for parameter in teacher.parameters():
            if parameter.abs().sum() == 0 and parameter.dim() == 4:
                parameter.normal_(0, 0.05)
            elif parameter.shape[:1] == (529,) and parameter.dim() == 4:  # a distribution with peaks
                parameter.mul_(300)
    teacher_path = save_weights(
        teacher.state_dict(),
        tmp_path / "teacher.safetensors",
        mask_convention=MaskConvention.CENTERED,
        hint_encoding=HintEncoding.LIGHTNESS_FILL,
        residual_scales={0: 1.0, 10: 0.7},
        vivid_temperature=0.8,
        vivid_mix=0.4,
        hint_locality=HintLocality(1.5e-9, 14, 0.003),
    )
    out = tmp_path / "student.safetensors"
    args = ["train", str(photo_folder), "--out", str(out), "--batch", "6", "--crop", "32", "--width", "0.125"]
    assert main([*args, "--teacher", str(teacher_path), "--steps", "80", "--lr", "3e-3", "--warmup-steps", "2"]) == 0
    student, info = load_model(out)
    assert info.width == 0.125 and info.hint_encoding is HintEncoding.LIGHTNESS_FILL
    assert info.residual_scales == {0: 1.0, 10: 0.7} and (info.vivid_temperature, info.vivid_mix) == (0.8, 0.4)
    assert info.hint_locality == HintLocality(1.5e-9, 14, 0.003)
    assert info.metadata["provenance"]["teacher"] == str(teacher_path)

    teacher, _ = load_model(teacher_path)
    rgb = torch.from_numpy(np.stack([colourful(20 + i, (32, 32)) for i in range(4)])).permute(0, 3, 1, 2) / 255
    lab = rgb_to_lab(rgb.float())
    hints = sample_hints(lab[:, 1:], torch.Generator().manual_seed(1), recipe="density")
    from ideepcolor_app.network.architectures import DEFAULT_ARCHITECTURE

    x = DEFAULT_ARCHITECTURE.encode(lab[:, :1], hints, MaskConvention.CENTERED, HintEncoding.LIGHTNESS_FILL)
    with torch.no_grad():
        taught, learnt = teacher.eval()(x), student.eval()(x)
        fresh = SIGGRAPHGenerator(0.125, residual=True).eval()(x)
    fill = x[:, 1:3] * 110  # an untrained student's answer
    assert (learnt.ab - taught.ab).abs().mean() < 0.6 * (fill - taught.ab).abs().mean()

    def divergence(output):  # from the teacher's distribution
        p = taught.logits.log_softmax(1)
        return (p.exp() * (p - output.logits.log_softmax(1))).sum(1).mean()

    assert divergence(learnt) < 0.75 * divergence(fresh)


def test_a_widened_run_starts_from_the_narrow_weights_and_exports_the_wider_network(photo_folder, tmp_path, capsys):
    from ideepcolor_app.network.weights import load_model

    init = _eighth_width_weights(tmp_path / "narrow.safetensors")
    out = tmp_path / "wide.safetensors"
    args = ["train", str(photo_folder), "--out", str(out), "--steps", "2", "--batch", "4", "--crop", "32"]
    assert main([*args, "--widen", "0.25"]) != 0
    assert "--widen needs the weights to widen" in capsys.readouterr().err
    assert main([*args, "--init", str(init), "--widen", "0.25", "--lr", "1e-7", "--warmup-steps", "1"]) == 0
    narrow, _ = load_model(init)
    wide, info = load_model(out)
    assert info.width == 0.25 and info.hint_encoding is HintEncoding.LIGHTNESS_FILL
    assert info.metadata["provenance"]["widened_to"] == 0.25
    first = wide.model1[0].weight
    assert first.shape[0] == 16
    torch.testing.assert_close(first[:8, :], narrow.model1[0].weight, atol=1e-3, rtol=0)
    assert first[8:].abs().mean() > 0.01  # the new channels start at their own random weights
