"""Issue 29: the measures that show a sepia cast (hue hit, colourfulness), the rebalanced loss that
fights it, vivid colours with a mix, and evaluations that leave their results as they go."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch

from ideepcolor_app.base.errors import WeightsError
from ideepcolor_app.cli import main
from ideepcolor_app.colour.ab_bins import NUM_BINS, ab_to_bin, annealed_mean, bin_centers
from ideepcolor_app.colour.colourfulness import colourfulness
from ideepcolor_app.colour.vivid import VividColours, vivid_ab
from ideepcolor_app.evaluation.colour_scores import ColourScore
from ideepcolor_app.evaluation.records import LineProgress
from ideepcolor_app.hints.hint_batch import HintBatch
from ideepcolor_app.network.weights import load_state_dict, save_weights
from ideepcolor_app.training.rebalance import (
    empirical_prior,
    rebalanced_cross_entropy,
    rebalancing_weights,
    soft_targets,
)
from weights_factory import echo_state_dict, make_two_minded_weights


def rewrite_metadata(path, out, **changes: str):
    """A copy of the weights file with metadata values changed and its checksum made to match."""
    from safetensors import safe_open
    from safetensors.torch import load_file, save_file

    from ideepcolor_app.network.weights import content_digest

    with safe_open(str(path), "pt") as f:
        metadata = dict(f.metadata())
    tensors = load_file(str(path))
    metadata.update(changes)
    metadata.pop("content_sha256")
    metadata["content_sha256"] = content_digest(tensors, metadata)
    save_file(tensors, str(out), metadata=metadata)
    return out


def flat_ab(a: float, b: float, size: int = 8) -> torch.Tensor:
    return torch.tensor([float(a), float(b)]).view(2, 1, 1).expand(2, size, size).clone()


def rgb8_of(ab: torch.Tensor, lightness: float = 60.0) -> np.ndarray:
    from ideepcolor_app.colour.color import lab_to_rgb

    lab = torch.cat((torch.full((1, *ab.shape[1:]), lightness), ab))
    return (lab_to_rgb(lab).permute(1, 2, 0).numpy() * 255).round().astype(np.uint8)


# ----- the measures -----------------------------------------------------------------------------


def test_colourfulness_is_zero_for_grey_and_grows_with_saturation():
    grey = np.full((16, 16, 3), 128, np.uint8)
    assert colourfulness(grey) == pytest.approx(0.0)
    assert colourfulness(rgb8_of(flat_ab(10, 10))) < colourfulness(rgb8_of(flat_ab(40, 40)))


def test_a_brown_cast_misses_green_and_blue_truths_and_a_right_hue_hits():
    grass, sky, brown = flat_ab(-40, 40), flat_ab(-5, -40), flat_ab(15, 25)
    score = ColourScore()
    score.add(brown, grass, rgb8_of(brown), rgb8_of(grass))
    score.add(brown, sky, rgb8_of(brown), rgb8_of(sky))
    assert score.family_hit("green") == 0.0 and score.family_hit("cyan/blue") == 0.0 and score.hue_hit == 0.0
    right = ColourScore()
    right.add(grass * 0.7, grass, rgb8_of(grass * 0.7), rgb8_of(grass))
    assert right.family_hit("green") == 1.0
    assert 0.5 < right.colourfulness_ratio < 1.0
    grey = ColourScore()
    grey.add(torch.zeros_like(grass), grass, rgb8_of(torch.zeros_like(grass)), rgb8_of(grass))
    assert grey.hue_hit == 0.0, "a result without colour has no hue to hit"


def test_pixels_without_true_colour_are_not_judged():
    score = ColourScore()
    score.add(flat_ab(30, 30), flat_ab(5, 5), rgb8_of(flat_ab(30, 30)), rgb8_of(flat_ab(5, 5)))
    assert sum(n for _, n in score.hits.values()) == 0 and math.isnan(score.hue_hit)


# ----- rebalancing --------------------------------------------------------------------------------


def test_rare_colours_weigh_more_and_the_weights_average_one_under_the_prior():
    ab = torch.zeros(1, 2, 20, 20)
    ab[:, :, :2, :2] = torch.tensor([60.0, -40.0]).view(1, 2, 1, 1)  # 1 % of the pixels are purple
    prior = empirical_prior([ab])
    weights = rebalancing_weights(prior, 0.5)
    assert float((prior * weights).sum()) == pytest.approx(1.0, abs=1e-4)
    purple, grey = (int(ab_to_bin(torch.tensor([c]))[0]) for c in ([60.0, -40.0], [0.0, 0.0]))
    assert weights[purple] > 5 * weights[grey]
    assert torch.allclose(rebalancing_weights(prior, 1.0), torch.ones(NUM_BINS), atol=1e-4)
    with pytest.raises(ValueError):
        rebalancing_weights(prior, 0.0)


def test_soft_targets_spread_over_the_nearest_bins_and_sum_to_one():
    ab = torch.tensor([[3.0, -2.0], [54.0, 57.0]]).T.reshape(1, 2, 1, 2)
    index, shares = soft_targets(ab)
    assert shares.shape == (1, 5, 1, 2) and torch.allclose(shares.sum(dim=1), torch.ones(1, 1, 2))
    assert torch.equal(index[:, 0], ab_to_bin(ab)), "the nearest bin leads"
    centres = bin_centers()[index[0, :, 0, 0]]
    assert (centres - torch.tensor([3.0, -2.0])).norm(dim=1).max() < 15


def test_rebalancing_turns_a_grey_leaning_head_towards_the_rare_colour():
    """A head that learns from 7/8 grey and 1/8 green pixels: plain cross-entropy keeps grey the
    annealed mean's answer; the rebalanced loss moves it far towards green."""
    ab = torch.zeros(2, 2, 4, 8)
    ab[:, 0, :, :1], ab[:, 1, :, :1] = -50.0, 45.0
    weights = rebalancing_weights(empirical_prior([ab]), 0.5)
    answers = {}
    for name, bin_weights in (("plain", None), ("rebalanced", weights)):
        logits = torch.zeros(1, NUM_BINS, 1, 1, requires_grad=True)  # one answer for every pixel
        optimiser = torch.optim.Adam([logits], lr=0.3)
        for _ in range(60):
            optimiser.zero_grad()
            rebalanced_cross_entropy(logits.expand(2, -1, 4, 8), ab, bin_weights).backward()
            optimiser.step()
        answers[name] = annealed_mean(logits.detach(), 0.38)[0, :, 0, 0]
    plain, rebalanced = answers["plain"], answers["rebalanced"]
    assert plain.norm() < 6, "plain cross-entropy: grey wins"
    assert rebalanced[0] < plain[0] - 8 and rebalanced[1] > plain[1] + 8, (plain, rebalanced)


def test_train_with_rebalancing_and_a_colourfulness_floor(tmp_path, capsys):
    from builders import colour_photo
    from PIL import Image

    folder = tmp_path / "photos"
    folder.mkdir()
    for i in range(6):
        Image.fromarray(colour_photo(i, (64, 48))).save(folder / f"p{i}.jpg", quality=95)
    Image.fromarray(np.full((48, 64, 3), (120, 118, 115), np.uint8)).save(folder / "dull.jpg")
    out = tmp_path / "w.safetensors"
    args = ["train", str(folder), "--out", str(out), "--steps", "2", "--batch", "2", "--crop", "32"]
    assert main([*args, "--rebalance", "0.5", "--min-colourfulness", "15", "--width", "0.125"]) == 0
    printed = capsys.readouterr().out
    assert "6 photos" in printed, printed
    _, info = load_state_dict(out)
    assert info.metadata["provenance"]["rebalance"] == 0.5
    assert info.metadata["provenance"]["min_colourfulness"] == 15
    weights = torch.tensor(info.bin_weights)  # kept with the file: variations undo the rebalancing with them
    assert weights.shape == (NUM_BINS,) and float(weights.max()) > 2 * float(weights.min()) > 0
    plain = tmp_path / "plain.safetensors"
    assert main([*args, "--out", str(plain), "--width", "0.125"]) == 0
    assert load_state_dict(plain)[1].bin_weights is None, "no rebalancing, no weights recorded"


# ----- vivid colours with a mix -------------------------------------------------------------------


def test_a_vivid_mix_goes_part_of_the_way_from_the_ab_output_to_the_annealed_mean():
    logits = torch.full((1, NUM_BINS, 4, 4), -1000.0)
    logits[0, int(ab_to_bin(torch.tensor([[50.0, 50.0]]))[0])] = 0.0
    ab = torch.zeros(1, 2, 16, 16)
    full = vivid_ab(ab, logits, HintBatch.empty(), VividColours(1.0))
    half = vivid_ab(ab, logits, HintBatch.empty(), VividColours(1.0, 0.5))
    assert torch.allclose(full, torch.full_like(full, 50.0), atol=0.5)
    assert torch.allclose(half, torch.full_like(half, 25.0), atol=0.5)
    with pytest.raises(ValueError, match="mix"):
        VividColours(1.0, 1.5)


def test_the_vivid_mix_is_stored_with_the_weights_and_a_bad_one_is_refused(tmp_path):
    path = save_weights(
        echo_state_dict(0.125),
        tmp_path / "w.safetensors",
        mask_convention="zero_one",
        vivid_temperature=0.8,
        vivid_mix=0.4,
    )
    info = load_state_dict(path)[1]
    assert info.vivid == VividColours(0.8, 0.4)
    assert load_state_dict(make_two_minded_weights(tmp_path / "old.safetensors"))[1].vivid == VividColours(1.0, 1.0)
    with pytest.raises(WeightsError, match="bad.safetensors.*mix"):
        load_state_dict(rewrite_metadata(path, tmp_path / "bad.safetensors", vivid_mix="7"))


@pytest.mark.parametrize("flag", ["true", "1", "YES", ""])
def test_a_global_hints_flag_other_than_yes_or_no_is_refused_with_the_files_name(tmp_path, flag):
    path = save_weights(echo_state_dict(0.125), tmp_path / "w.safetensors", mask_convention="zero_one")
    rewrite_metadata(path, tmp_path / "odd.safetensors", global_hints=flag)
    with pytest.raises(WeightsError, match="odd.safetensors.*global_hints must be 'yes' or 'no'"):
        load_state_dict(tmp_path / "odd.safetensors")
    assert main(["weights", "verify", str(tmp_path / "odd.safetensors")]) != 0


def test_half_precision_keeps_values_that_overflow_fp16_in_fp32(tmp_path):
    state = echo_state_dict(0.125)
    key = next(k for k in state if k.endswith("running_var"))
    state[key] = torch.full_like(state[key], 1e6)
    path = save_weights(state, tmp_path / "w.safetensors", mask_convention="zero_one", half=True)
    loaded, _ = load_state_dict(path)
    assert float(loaded[key].max()) == 1e6


# ----- evaluations that leave their results -------------------------------------------------------


def test_an_evaluation_writes_a_line_per_photo_and_a_stopped_run_resumes_to_the_same_result(
    echo_weights, photo_files, tmp_path, monkeypatch
):
    from ideepcolor_app.evaluation import evaluate as evaluate_module

    base = ["evaluate", *map(str, photo_files[:3]), "--weights", str(echo_weights), "--hints", "0,5", "--size", "64"]
    whole = tmp_path / "whole.json"
    assert main([*base, "--json", str(whole)]) == 0
    lines = (tmp_path / "whole.photos.jsonl").read_text().splitlines()
    assert json.loads(lines[0])["settings"]["hints"] == [0, 5]
    assert [json.loads(line)["photo"] for line in lines[1:]] == [str(p) for p in photo_files[:3]]

    measured = []
    real = evaluate_module._evaluate_photo

    def stop_at_the_third(*args, **kwargs):
        if len(measured) == 2:
            raise KeyboardInterrupt
        measured.append(args[1])
        return real(*args, **kwargs)

    monkeypatch.setattr(evaluate_module, "_evaluate_photo", stop_at_the_third)
    stopped = tmp_path / "stopped.json"
    assert main([*base, "--json", str(stopped)]) != 0, "interrupted"
    assert len((tmp_path / "stopped.photos.jsonl").read_text().splitlines()) == 3, "two photos kept"
    measured.clear()
    monkeypatch.setattr(evaluate_module, "_evaluate_photo", lambda *a, **k: measured.append(a[1]) or real(*a, **k))
    assert main([*base, "--json", str(stopped), "--resume"]) == 0
    assert measured == [photo_files[2]], "only the photo left is measured"
    first, second = json.loads(whole.read_text()), json.loads(stopped.read_text())
    assert first["psnr_db"] == second["psnr_db"] and first["colour"] == second["colour"]
    assert first["reach"] == second["reach"]


def test_resuming_with_other_settings_is_refused(echo_weights, photo_files, tmp_path, capsys):
    base = ["evaluate", str(photo_files[0]), "--weights", str(echo_weights), "--size", "64"]
    assert main([*base, "--hints", "0", "--records", str(tmp_path / "r.jsonl")]) == 0
    assert main([*base, "--hints", "0,5", "--records", str(tmp_path / "r.jsonl"), "--resume"]) == 1
    assert "other settings" in capsys.readouterr().err
    assert main([*base, "--resume"]) == 1
    assert "--records" in capsys.readouterr().err


def test_progress_off_a_terminal_is_a_line_with_an_eta():
    import io

    stream = io.StringIO()
    progress = LineProgress("Evaluating", already=1, every=0.0, stream=stream)
    progress(1, 4)
    progress(2, 4)
    progress(4, 4)
    lines = stream.getvalue().splitlines()
    assert lines[1].startswith("Evaluating: 2/4 photos") and "left" in lines[1]
    assert lines[-1].startswith("Evaluating: 4/4 photos") and "left" not in lines[-1]
