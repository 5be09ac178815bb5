"""Reach: one off-colour hint should colour its surroundings, not the whole photo."""

import torch

from ideepcolor_app.colour.encoding import HintEncoding
from ideepcolor_app.colour.fill import inverse_distance_fill
from ideepcolor_app.evaluation.evaluate import evaluate
from ideepcolor_app.evaluation.reach import reach_hints, reach_ratio
from ideepcolor_app.hints.hint_batch import HintBatch
from ideepcolor_app.network.model import SIGGRAPHGenerator
from ideepcolor_app.network.weights import load_model, save_weights
from weights_factory import network_of


def test_a_change_everywhere_has_reach_one_and_a_change_at_the_hint_alone_reach_zero():
    at_centre = HintBatch.of_squares(torch.tensor([[[125, 125, 6]]]), torch.zeros(1, 1, 2))
    without = torch.zeros(2, 256, 256)
    everywhere = torch.full((2, 256, 256), 30.0)
    assert abs(reach_ratio(everywhere, without, at_centre) - 1.0) < 1e-6
    local = torch.zeros(2, 256, 256)
    local[:, 100:150, 100:150] = 30.0
    assert reach_ratio(local, without, at_centre) == 0.0


def test_off_colour_hints_are_far_from_the_truth_and_differ_from_each_other():
    ab = torch.zeros(2, 256, 256)
    ab[0], ab[1] = 40.0, -40.0  # the truth is (40, -40) everywhere
    cases = reach_hints(ab, 6)
    one, two = cases["one"], cases["two"]
    assert one.colours.tolist() == [[[-50.0, 50.0]]]
    assert int(two.counts()[0]) == 2 and two.colours[0, 0].tolist() != two.colours[0, 1].tolist()


def test_a_fill_with_a_prior_weight_fades_with_distance_and_without_one_does_not():
    hint = HintBatch.of_squares(torch.tensor([[[126, 126, 5]]]), torch.tensor([[[50.0, -50.0]]]))
    plain = inverse_distance_fill(hint, 256, 256)
    faded = inverse_distance_fill(hint, 256, 256, prior_weight=1e-6)
    assert torch.allclose(plain[0, :, 0, 0], torch.tensor([50.0, -50.0]))  # the far corner takes the colour
    assert faded[0, 0, 128, 128] > 49 and abs(float(faded[0, 0, 0, 0])) < 10  # a fifth of it at the corner


def test_evaluate_reports_reach_and_chroma(photo_files):
    torch.manual_seed(0)
    model = SIGGRAPHGenerator(0.125, residual=True)  # zero correction: the network is its fill
    result = evaluate(network_of(model, encoding=HintEncoding.LIGHTNESS_FILL), photo_files[:2], (0, 1))
    assert result.reach["one"] > 0.8 and set(result.reach) == {"one", "two"}
    assert result.reach_yardstick["one"] > 0.8
    faded = evaluate(
        network_of(model, encoding=HintEncoding.LIGHTNESS_FILL, prior_weight=1e-6), photo_files[:2], (0, 1)
    )
    assert faded.reach["one"] < 0.3 < result.reach["one"]
    assert result.chroma_ratio[0] == 0.0  # a zero correction on no hints is grey
    payload = result.to_json()
    assert payload["reach"]["one"] == result.reach["one"] and "0" in payload["chroma_ratio"]


def test_the_prior_weight_travels_with_the_weights(tmp_path):
    model = SIGGRAPHGenerator(0.125, residual=True)
    path = save_weights(
        model.state_dict(),
        tmp_path / "w.safetensors",
        mask_convention="centered",
        hint_encoding="lightness-fill",
        fill_prior_weight=3e-7,
    )
    _, info = load_model(path)
    assert info.fill_prior_weight == 3e-7
