import numpy as np
import pytest
import torch

from ideepcolor_app.evaluation.evaluate import evaluate, patch_mean_hints, psnr_8bit, sample_hint_corners
from ideepcolor_app.inference.network import Network
from ideepcolor_app.network.weights import load_model


def test_hint_placement_is_centre_biased_normal():
    corners = sample_hint_corners(np.random.default_rng(0), 20000)
    span = 256 - 6 + 1
    assert corners.min() >= 0 and corners.max() <= 250
    assert abs(corners.mean() - span / 2) < 1.5
    assert abs(corners.std() - span / 4) < 3  # clipping trims the tails a little


def test_patch_hints_hold_the_mean_true_colour():
    ab = torch.zeros(2, 16, 16)
    ab[0, 2:8, 2:8] = torch.arange(36.0).reshape(6, 6)
    hints = patch_mean_hints(ab, np.array([[2, 2]]), 6)
    assert hints.squares.tolist() == [[[2, 2, 6]]] and hints.colours[0, 0].tolist() == [17.5, 0.0]


def test_psnr_of_known_error():
    a = torch.zeros(3, 8, 8)
    b = torch.full((3, 8, 8), 10 / 255)
    assert abs(psnr_8bit(a, b) - (20 * np.log10(255) - 20)) < 1e-6
    assert psnr_8bit(a, a) == 100.0


def test_more_hints_help_and_runs_are_deterministic(echo_weights, photo_files):
    photos = photo_files[:2]
    network = Network(*load_model(echo_weights), torch.device("cpu"), precision="fp32")
    first = evaluate(network, photos, [0, 100], seed=3, size=128)
    again = evaluate(network, photos, [0, 100], seed=3, size=128)
    other = evaluate(network, photos, [0, 100], seed=4, size=128)
    assert first.psnr == again.psnr and first.accuracy_auc == again.accuracy_auc
    assert first.psnr[100] != other.psnr[100]
    # The echo network copies true colours near hints: 100 hints must beat none.
    assert first.psnr[100] > first.psnr[0] + 0.3
    assert first.accuracy_auc[100] > first.accuracy_auc[0]
    curve = first.accuracy_curve[0]
    assert len(curve) == 151 and curve == sorted(curve) and curve[-1] <= 1.0
    assert "24.43" in first.table()


def test_the_annealed_mean_goes_from_the_distributions_mode_to_its_mean():
    import torch

    from ideepcolor_app.colour.ab_bins import ab_to_bin, annealed_mean, bin_centers

    logits = torch.full((1, 529, 1, 1), -1000.0)
    grey, red = int(ab_to_bin(torch.tensor([[0.0, 0.0]]))[0]), int(ab_to_bin(torch.tensor([[60.0, 40.0]]))[0])
    logits[0, grey], logits[0, red] = 0.0, -0.5  # grey a little likelier than red
    mean = annealed_mean(logits, 1.0)[0, :, 0, 0]
    p_red = 1 / (1 + float(torch.exp(torch.tensor(0.5))))
    assert torch.allclose(mean, bin_centers()[red] * p_red, atol=1e-3), "T = 1: the mean of the two"
    assert annealed_mean(logits, 0.05)[0, :, 0, 0].abs().max() < 0.1, "T -> 0: the mode, grey"
    assert annealed_mean(logits, 4.0)[0, 0, 0, 0] > mean[0], "T > 1 leans to the less likely colour"
    with pytest.raises(ValueError):
        annealed_mean(logits, 0.0)


def test_evaluate_scores_annealed_means_beside_the_network(tmp_path, echo_weights, photo_files, capsys):
    import json

    from ideepcolor_app.cli import main

    folder = photo_files[0].parent
    args = ["evaluate", str(folder), "--limit", "2", "--hints", "0,5", "--weights", str(echo_weights)]
    assert main([*args, "--annealed-mean", "0.38,1", "--json", str(tmp_path / "a.json")]) == 0
    out = capsys.readouterr().out
    assert "annealed mean, T = 0.38" in out and "chroma / true, T = 1" in out
    data = json.loads((tmp_path / "a.json").read_text())["annealed_mean"]
    assert set(data) == {"0.38", "1"} and set(data["1"]["psnr_db"]) == {"0", "5"}
    assert main([*args, "--annealed-mean", "0"]) == 1
    assert "must be positive" in capsys.readouterr().err
