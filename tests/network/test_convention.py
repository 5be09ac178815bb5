"""The mask convention of a weights file: by checksum, by name, or detected from behaviour."""

from ideepcolor_app.cli import main
from ideepcolor_app.colour.encoding import MaskConvention
from ideepcolor_app.network.convention import detect_mask_convention
from ideepcolor_app.network.model import SIGGRAPHGenerator
from ideepcolor_app.network.registry import REGISTRY
from ideepcolor_app.network.weights import load_model
from weights_factory import echo_state_dict, gated_echo_state_dict, save_pth


def model_of(state):
    model = SIGGRAPHGenerator(state["model1.0.weight"].shape[0] / 64)
    model.load_state_dict(state)
    return model.eval()


def test_gated_echo_networks_work_under_one_convention_only():
    for works in MaskConvention:
        choice = detect_mask_convention(model_of(gated_echo_state_dict(works)))
        assert choice.convention is works
        other = [c for c in MaskConvention if c is not works][0]
        assert choice.errors[works] < 5 < choice.errors[other], "echoes under one, grey under the other"


def test_reference_file_names_are_detected_not_assumed(tmp_path):
    # colorization-pytorch saves its retrained generators under these names, trained with {-0.5, 0.5}
    for name in ("pytorch_trained.pth", "latest_net_G.pth"):
        path = save_pth(gated_echo_state_dict(MaskConvention.CENTERED), tmp_path / name)
        _, info = load_model(path)
        assert info.mask_convention is MaskConvention.CENTERED and info.convention_reason.startswith("detected")
    path = save_pth(gated_echo_state_dict(MaskConvention.ZERO_ONE), tmp_path / "my_finetune.pth")
    assert load_model(path)[1].mask_convention is MaskConvention.ZERO_ONE


def test_a_file_that_answers_alike_under_both_gets_a_note(tmp_path):
    path = save_pth(echo_state_dict(0.125), tmp_path / "latest_net_G.pth")  # the plain echo ignores the mask
    _, info = load_model(path)
    assert "same under both" in info.convention_reason and info.mask_convention is MaskConvention.ZERO_ONE


def test_the_option_wins_over_detection_and_names(tmp_path):
    path = save_pth(gated_echo_state_dict(MaskConvention.CENTERED), tmp_path / "latest_net_G.pth")
    _, info = load_model(path, MaskConvention.ZERO_ONE)
    assert info.mask_convention is MaskConvention.ZERO_ONE and "given" in info.convention_reason
    named = save_pth(gated_echo_state_dict(MaskConvention.ZERO_ONE), tmp_path / "pytorch.pth")
    _, info = load_model(named)
    assert info.mask_convention is MaskConvention.CENTERED, "a known name with no published checksum keeps its entry"
    assert "no checksum published" in info.convention_reason


def test_a_published_name_with_the_wrong_checksum_is_not_trusted(tmp_path):
    entry = REGISTRY["siggraph17"]
    assert entry.sha256 and entry.mask_convention is MaskConvention.ZERO_ONE
    path = save_pth(gated_echo_state_dict(MaskConvention.CENTERED), tmp_path / entry.filename)
    _, info = load_model(path)
    assert info.mask_convention is MaskConvention.CENTERED and info.convention_reason.startswith("detected")


def test_known_checksums_are_recorded_or_marked_unpublished():
    for entry in REGISTRY.values():
        if entry.url:
            assert entry.sha256 or "no checksum published" in entry.provenance


def test_verify_and_colorize_say_which_convention_and_why(tmp_path, capsys):
    path = save_pth(gated_echo_state_dict(MaskConvention.CENTERED), tmp_path / "latest_net_G.pth")
    assert main(["weights", "verify", str(path)]) == 0
    out = capsys.readouterr().out
    assert "mask convention centered: detected" in out
