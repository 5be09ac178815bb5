"""Global hints (a reference photo's colours and a saturation): values, network, files, editing."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from builders import colour_photo, grey_photo
from PIL import Image

from ideepcolor_app.base.errors import SessionError, WeightsError
from ideepcolor_app.colour.ab_bins import NUM_BINS, ab_to_bin
from ideepcolor_app.colour.color import rgb_to_lab
from ideepcolor_app.colour.encoding import HintEncoding, MaskConvention
from ideepcolor_app.editing.editor import Editor
from ideepcolor_app.editing.hint_set import HintSet
from ideepcolor_app.editing.session import Session
from ideepcolor_app.hints.global_hints import (
    GLOBAL_INPUTS,
    GlobalHints,
    ab_histogram,
    global_vector,
    mean_saturation,
    reference_of_photo,
)
from ideepcolor_app.hints.hint_batch import HintBatch
from ideepcolor_app.hints.local_hints import Hint
from ideepcolor_app.inference.engine import ColorizationEngine
from ideepcolor_app.network.model import SIGGRAPHGenerator
from ideepcolor_app.network.weights import content_digest, load_model, save_weights
from ideepcolor_app.photos.images import Photo
from weights_factory import global_hints_state_dict


def orange_histogram() -> tuple[float, ...]:
    values = [0.0] * NUM_BINS
    values[int(ab_to_bin(torch.tensor([[40.0, 60.0]]))[0])] = 1.0
    return tuple(values)


def grey_ramp() -> Photo:
    return grey_photo(96, 64, (40, 220))


def colour(seed: int) -> Photo:
    return Photo(Path(f"photo{seed}.png"), colour_photo(seed, (96, 64)), f"sha{seed}", True)


# ----- values ---------------------------------------------------------------------------------------
def test_the_histogram_of_one_colour_is_all_in_its_bin():
    ab = torch.tensor([20.0, -30.0]).view(1, 2, 1, 1).expand(2, 2, 64, 64)
    histogram = ab_histogram(ab)
    assert histogram.shape == (2, NUM_BINS)
    assert torch.allclose(histogram.sum(dim=1), torch.ones(2))
    assert histogram[0, int(ab_to_bin(torch.tensor([[20.0, -30.0]]))[0])] == 1.0


def test_saturation_is_zero_for_grey_and_one_for_pure_colour():
    grey = torch.full((1, 3, 8, 8), 0.5)
    red = torch.zeros(1, 3, 8, 8)
    red[:, 0] = 1.0
    assert mean_saturation(torch.cat((grey, red))).tolist() == [0.0, 1.0]


def test_withheld_global_hints_are_zeros_with_their_flags_down():
    vector = global_vector(
        torch.full((2, NUM_BINS), 1 / NUM_BINS),
        torch.tensor([0.4, 0.4]),
        torch.tensor([True, False]),
        torch.tensor([False, True]),
    )
    assert vector.shape == (2, GLOBAL_INPUTS)
    assert vector[0, :NUM_BINS].sum() == pytest.approx(1.0) and vector[0, NUM_BINS] == 0
    assert vector[1, :NUM_BINS].sum() == 0 and vector[1, NUM_BINS] == pytest.approx(0.4)
    assert vector[:, NUM_BINS + 1 :].tolist() == [[1.0, 0.0], [0.0, 1.0]]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"histogram": (1.0,) * 3},
        {"histogram": (-1.0,) + (1.0,) * (NUM_BINS - 1)},
        {"histogram": (0.0,) * NUM_BINS},
        {"saturation": 1.5},
        {"saturation": -0.1},
    ],
)
def test_impossible_global_hints_are_refused(kwargs):
    with pytest.raises(ValueError):
        GlobalHints(**kwargs)


def test_a_switched_off_reference_gives_the_network_nothing_but_is_kept():
    hints = GlobalHints(orange_histogram(), None, "ref.jpg", reference_on=False)
    assert hints.is_empty and hints.is_set and hints.vector().abs().sum() == 0
    assert GlobalHints(orange_histogram()).vector()[NUM_BINS + 1] == 1.0


def test_a_reference_photo_gives_its_colours_and_a_thumbnail(tmp_path):
    path = tmp_path / "reference.png"
    rgb = np.zeros((120, 200, 3), np.uint8)
    rgb[:, :100] = (200, 60, 40)  # red half
    rgb[:, 100:] = (40, 90, 200)  # blue half
    Image.fromarray(rgb).save(path)
    histogram, thumbnail = reference_of_photo(path, thumbnail_side=50)
    assert thumbnail.shape == (30, 50, 3)
    main = GlobalHints(histogram).main_colours()
    assert len(main) == 2 and all(share == pytest.approx(0.5, abs=0.05) for _, share in main)
    red_ab = rgb_to_lab(torch.tensor([200, 60, 40]).view(1, 3, 1, 1) / 255)[0, 1:, 0, 0].tolist()
    assert any(np.hypot(ab[0] - red_ab[0], ab[1] - red_ab[1]) < 8 for ab, _ in main)


def test_a_grey_reference_photo_is_refused_with_a_reason(tmp_path):
    path = tmp_path / "grey.png"
    Image.fromarray(np.full((50, 50, 3), 128, np.uint8)).save(path)
    with pytest.raises(ValueError, match="grey.*choose a colour photo"):
        reference_of_photo(path)


# ----- the network ----------------------------------------------------------------------------------
def _input(seed: int = 0, batch: int = 2) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.rand(batch, 4, 32, 32, generator=g) - 0.5


def _histograms(batch: int = 2) -> torch.Tensor:
    histogram = torch.tensor(orange_histogram())[None].expand(batch, -1)
    return global_vector(
        histogram, torch.full((batch,), 0.6), torch.ones(batch, dtype=torch.bool), torch.ones(batch, dtype=torch.bool)
    )


def test_a_new_branch_changes_nothing_until_trained():
    torch.manual_seed(0)
    plain = SIGGRAPHGenerator(0.125, residual=True).eval()
    with_branch = SIGGRAPHGenerator(0.125, residual=True, global_hints=True).eval()
    with_branch.load_state_dict(plain.state_dict(), strict=False)
    x = _input()
    with torch.inference_mode():
        expected = plain(x).ab
        assert torch.equal(with_branch(x).ab, expected)
        assert torch.equal(with_branch(x, global_hints=_histograms()).ab, expected)


def test_a_trained_branch_answers_global_hints_and_nothing_else():
    model = SIGGRAPHGenerator(0.125, residual=True, global_hints=True).eval()
    model.load_state_dict(global_hints_state_dict(0.125))
    x = _input()
    nothing = global_vector(None, None, torch.zeros(2, dtype=torch.bool), torch.zeros(2, dtype=torch.bool))
    with torch.inference_mode():
        without = model(x).ab
        assert torch.equal(model(x, global_hints=nothing).ab, without), "an image given nothing skips the branch"
        given = model(x, global_hints=_histograms()).ab
    assert (given - without).abs().mean() > 1.0


def test_weights_say_whether_they_take_global_hints(tmp_path):
    path = save_weights(
        global_hints_state_dict(0.125),
        tmp_path / "g.safetensors",
        mask_convention=MaskConvention.CENTERED,
        hint_encoding=HintEncoding.LIGHTNESS_FILL,
    )
    model, info = load_model(path)
    assert info.global_hints and model.takes_global_hints
    plain = save_weights(
        SIGGRAPHGenerator(0.125, residual=True).state_dict(),
        tmp_path / "p.safetensors",
        mask_convention=MaskConvention.CENTERED,
        hint_encoding=HintEncoding.LIGHTNESS_FILL,
    )
    model, info = load_model(plain)
    assert not info.global_hints and not model.takes_global_hints
    assert not any(k.startswith("global_") for k in model.state_dict())


def test_a_file_whose_metadata_hides_its_branch_is_refused(tmp_path):
    from safetensors.torch import load_file, save_file

    path = save_weights(
        global_hints_state_dict(0.125),
        tmp_path / "g.safetensors",
        mask_convention=MaskConvention.CENTERED,
        hint_encoding=HintEncoding.LIGHTNESS_FILL,
    )
    from safetensors import safe_open

    with safe_open(str(path), "pt") as f:
        metadata = dict(f.metadata())
    metadata.pop("global_hints")
    metadata.pop("content_sha256")
    tensors = load_file(str(path))
    metadata["content_sha256"] = content_digest(tensors, metadata)  # a consistent file, only its flag wrong
    save_file(tensors, str(path), metadata=metadata)
    with pytest.raises(WeightsError, match="unexpected keys.*global_"):
        load_model(path)


# ----- the engine ------------------------------------------------------------------------------------
def test_the_engine_uses_global_hints_and_keeps_them_with_the_result(global_weights):
    engine = ColorizationEngine.from_weights(str(global_weights), "cpu")
    assert engine.takes_global_hints
    engine.set_photo(colour(1))
    hints = (Hint(40.0, 30.0, (20.0, 30.0)),)
    plain = engine.colorize(hints)
    wanted = GlobalHints(orange_histogram(), 0.8, "ref.jpg")
    guided = engine.colorize(hints, global_hints=wanted)
    assert guided.global_hints == wanted and plain.global_hints == GlobalHints()
    assert (guided.ab - plain.ab).abs().mean() > 1.0
    off = engine.colorize(hints, global_hints=GlobalHints(orange_histogram(), None, "ref.jpg", reference_on=False))
    assert torch.equal(off.ab, plain.ab), "a switched-off reference changes nothing"


def test_weights_without_the_branch_ignore_global_hints(random_weights):
    engine = ColorizationEngine.from_weights(str(random_weights), "cpu")
    assert not engine.takes_global_hints
    engine.set_photo(grey_ramp())
    plain = engine.colorize((), size=64)
    guided = engine.colorize((), size=64, global_hints=GlobalHints(orange_histogram(), 0.9))
    assert torch.equal(plain.ab, guided.ab)


# ----- editing ---------------------------------------------------------------------------------------
def test_global_hints_share_the_undo_history_with_the_local_hints():
    hints = HintSet()
    hints.add(Hint(1.0, 1.0, (5.0, 5.0)))
    hints.set_global_hints(GlobalHints(orange_histogram(), None, "ref.jpg"))
    hints.add(Hint(2.0, 2.0, (5.0, 5.0)))
    assert len(hints) == 2 and hints.global_hints.reference == "ref.jpg"
    hints.undo()
    assert len(hints) == 1 and hints.global_hints.reference == "ref.jpg"
    hints.undo()
    assert len(hints) == 1 and hints.global_hints == GlobalHints()
    hints.redo()
    assert hints.global_hints.reference == "ref.jpg"


def test_the_editor_runs_the_network_once_per_global_edit_and_a_slider_drag_is_one_undo_step():
    editor = Editor()
    requests = []
    editor.update_requested.connect(lambda *args: requests.append(args))
    document = editor.open(grey_ramp())
    requests.clear()
    editor.use_reference(orange_histogram(), "/photos/ref.jpg")
    assert len(requests) == 1 and requests[0][3].reference == "/photos/ref.jpg"
    assert document.modified
    for value in (0.2, 0.3, 0.45):
        editor.set_saturation(value, final=False)
    editor.set_saturation(0.45, final=True)
    assert len(requests) == 4 and requests[-1][3].saturation == 0.45
    editor.set_reference_on(False)
    assert requests[-1][3].histogram is not None and not requests[-1][3].uses_histogram
    editor.undo()  # the switch
    editor.undo()  # the whole drag
    assert editor.global_hints.saturation is None and editor.global_hints.uses_histogram
    editor.clear_reference()
    assert editor.global_hints == GlobalHints()
    editor.set_saturation(None)
    assert editor.global_hints == GlobalHints()


def test_a_result_for_other_global_hints_does_not_show_its_palette(global_weights):
    editor = Editor()
    engine = ColorizationEngine.from_weights(str(global_weights), "cpu")
    document = editor.open(colour(2))
    editor.add_hint(40.0, 30.0)
    source = engine.set_photo(document.photo)
    stale = engine.colorize(document.hints.hints, source=source)  # computed before the reference came
    editor.use_reference(orange_histogram(), "ref.jpg")
    palettes = []
    editor.palette_changed.connect(palettes.append)
    from ideepcolor_app.inference.worker import UpdateResult

    result = UpdateResult(
        1, document.hints.hints, np.zeros((4, 4, 3), np.uint8), stale.suggestions(40.0, 30.0), 0.0, stale
    )
    editor.accept(result)
    assert palettes == []


# ----- files -----------------------------------------------------------------------------------------
def test_a_session_keeps_the_reference_colours_without_the_reference_file(tmp_path):
    wanted = GlobalHints(orange_histogram(), 0.42, "/elsewhere/ref.jpg", reference_on=False)
    session = Session("photo.png", "0" * 64, (96, 64), [Hint(1.0, 2.0, (3.0, 4.0))], None, wanted)
    path = tmp_path / "s.hints.json"
    session.save(path)
    data = json.loads(path.read_text())
    assert data["version"] == 2 and data["global_hints"]["saturation"] == 0.42
    assert Session.load(path).global_hints == wanted


def test_a_session_without_global_hints_stays_version_1_for_older_apps(tmp_path):
    path = tmp_path / "s.hints.json"
    Session("photo.png", "0" * 64, (96, 64), [Hint(1.0, 2.0, (3.0, 4.0))]).save(path)
    data = json.loads(path.read_text())
    assert data["version"] == 1 and "global_hints" not in data
    assert Session.load(path).global_hints == GlobalHints()


@pytest.mark.parametrize(
    ("field", "value", "named"),
    [
        ("saturation", 2.0, "global_hints.saturation"),
        ("histogram", [1, 2], "global_hints"),
        ("histogram", "red", "global_hints.histogram"),
        ("reference_on", "yes", "global_hints.reference_on"),
    ],
)
def test_a_damaged_global_hints_field_is_named(tmp_path, field, value, named):
    path = tmp_path / "s.hints.json"
    Session("photo.png", "0" * 64, (96, 64), [], None, GlobalHints(orange_histogram(), 0.3)).save(path)
    data = json.loads(path.read_text())
    data["global_hints"][field] = value
    path.write_text(json.dumps(data))
    with pytest.raises(SessionError, match=named.replace(".", r"\.")):
        Session.load(path)


def test_a_crash_with_only_global_hints_is_recoverable(tmp_path, monkeypatch):
    from ideepcolor_app.editing import recovery

    monkeypatch.setattr(recovery, "process_alive", lambda pid: False)
    window_file = recovery.RecoveryFile()
    window_file.write(Session("photo.png", "0" * 64, (96, 64), [], None, GlobalHints(None, 0.5)))
    orphans = recovery.orphaned_recoveries()
    assert [o.session.global_hints.saturation for o in orphans] == [0.5]


def test_with_global_hints_a_hint_still_gets_its_own_colour_at_its_patch(global_weights):
    engine = ColorizationEngine.from_weights(str(global_weights), "cpu")
    source = engine.set_photo(colour(3))
    hint = Hint(48.0, 32.0, (-30.0, 40.0), 7)
    guided = engine.colorize((hint,), global_hints=GlobalHints(orange_histogram(), 0.9))
    placed = HintBatch.place((hint,), source.size, source.network_lightness(256))
    top, left, side = placed.squares[0, 0].tolist()
    colors = placed.colours
    patch = guided.ab[0, :, top : top + side, left : left + side]
    assert torch.allclose(patch, colors[0, 0].view(2, 1, 1).expand_as(patch)), "the hint wins where it is"
    outside = guided.ab[0, :, :20, :20] - colors[0, 0].view(2, 1, 1)
    assert outside.abs().mean() > 5, "the rest of the photo is the network's"


def test_the_bundled_model_takes_a_saturation_and_a_reference():
    """The shipped weights: the saturation moves how colourful the result is, and a photo's own
    colours as reference bring its result closer to the truth."""
    from ideepcolor_app.base.resources import bundled_weights_dir
    from ideepcolor_app.colour.color import rgb_to_lab

    engine = ColorizationEngine.from_weights(str(bundled_weights_dir() / "ideepcolor-fast.safetensors"), "cpu")
    assert engine.takes_global_hints, "the bundled file has the global-hints branch"
    photo = colour(5)
    engine.set_photo(photo)

    def chroma(result) -> float:
        return float(result.ab.norm(dim=1).mean())

    plain = engine.colorize(())
    dull, vivid = (engine.colorize((), global_hints=GlobalHints(None, s)) for s in (0.02, 0.6))
    assert chroma(dull) < 0.5 * chroma(plain) and chroma(vivid) > 1.5 * chroma(plain)
    import cv2

    square = cv2.resize(photo.rgb8(), (256, 256), interpolation=cv2.INTER_AREA)
    truth = rgb_to_lab(torch.from_numpy(square).permute(2, 0, 1).float()[None] / 255)[:, 1:]
    own = GlobalHints(tuple(float(v) for v in ab_histogram(truth)[0]))
    guided = engine.colorize((), global_hints=own)
    assert (guided.ab - truth).abs().mean() < (plain.ab - truth).abs().mean()


def test_a_reference_draws_no_stripes(global_weights):
    """With a reference the global branch brought out the last layer's checkerboard: regular
    vertical stripes over a smooth sky. The ab shown has no component that alternates every pixel,
    and slow changes pass as they were."""
    import numpy as np
    import torch

    from ideepcolor_app.inference.engine import ColorizationEngine
    from ideepcolor_app.network.model import without_ripple
    from ideepcolor_app.photos.images import Photo

    columns = torch.arange(64, dtype=torch.float32)
    slope = (columns * 0.5).expand(2, 32, 64)[None]
    striped = slope + 6 * (-1) ** columns
    cleaned = without_ripple(striped)
    assert torch.allclose(cleaned[..., 1:-1, 1:-1], slope[..., 1:-1, 1:-1], atol=1e-4)

    def alternation(ab: torch.Tensor) -> float:
        interior = ab[0, :, 4:-4, 4:-4].float()
        signs = (-1) ** torch.arange(interior.shape[-1], dtype=torch.float32)
        return float((interior * signs).mean(dim=-1).abs().mean())

    engine = ColorizationEngine.from_weights(str(global_weights), "cpu")
    sky = np.tile(np.linspace(150, 220, 200, dtype=np.uint8)[:, None, None], (1, 300, 3))
    engine.set_photo(Photo(path=None, pixels=sky, sha256="2" * 64, is_color=False))  # type: ignore[arg-type]
    reference = GlobalHints(histogram=tuple(1.0 if i == 300 else 0.0 for i in range(529)), reference="blue")
    plain = engine.colorize(()).ab
    referenced = engine.colorize((), global_hints=reference).ab
    assert alternation(referenced) < 0.05 * max(alternation(plain), 0.02)
