"""Vivid automatic colours and variations: the maths, the engine, the editor, the window, the commands."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import torch
from builders import grey_photo
from PIL import Image

from ideepcolor_app.base.errors import WeightsError
from ideepcolor_app.colour.ab_bins import NUM_BINS, ab_to_bin, annealed_mean
from ideepcolor_app.colour.color import snap_ab_to_gamut
from ideepcolor_app.colour.look import Look
from ideepcolor_app.colour.variations import (
    SPOT_MARGIN,
    choose_combinations,
    colour_spread,
    find_spots,
    variation_choices,
)
from ideepcolor_app.colour.vivid import VividColours, vivid_ab
from ideepcolor_app.editing.editor import Editor
from ideepcolor_app.hints.global_hints import GlobalHints
from ideepcolor_app.hints.hint_batch import HintBatch
from ideepcolor_app.hints.local_hints import MAX_HINTS, Hint
from ideepcolor_app.inference.engine import ColorizationEngine
from ideepcolor_app.inference.variations import make_variations
from ideepcolor_app.network.weights import load_state_dict, save_weights
from ideepcolor_app.photos.images import Photo
from weights_factory import TWO_MINDS, echo_state_dict, make_two_minded_weights


@pytest.fixture(scope="module")
def two_minded(tmp_path_factory) -> Path:
    """Echo weights whose distribution says "red or blue" everywhere, with a vivid temperature."""
    return make_two_minded_weights(tmp_path_factory.mktemp("weights") / "two.safetensors")


def grey_ramp() -> Photo:
    return grey_photo(96, 64, (90, 200))


def engine_for(weights: Path) -> ColorizationEngine:
    engine = ColorizationEngine.from_weights(str(weights), "cpu")
    engine.set_photo(grey_ramp())
    return engine


def peaked_logits(peaks: dict[tuple[float, float], float], size: int = 16) -> torch.Tensor:
    logits = torch.zeros(1, NUM_BINS, size, size)
    for ab, value in peaks.items():
        logits[0, int(ab_to_bin(torch.tensor([ab]))[0])] = value
    return logits


# ----- vivid colours ---------------------------------------------------------------------------------
def test_away_from_hints_the_colour_comes_from_the_distribution_and_at_a_hint_from_the_ab_output():
    logits = peaked_logits({(50.0, 50.0): 20.0}, size=16)  # sure of one colour everywhere
    ab = torch.zeros(1, 2, 64, 64)
    ab[:, 0] = -30.0  # the regression output says something else
    no_hints = vivid_ab(ab, logits, HintBatch.empty(), VividColours(1.0))
    assert torch.allclose(no_hints, torch.tensor([50.0, 50.0]).view(1, 2, 1, 1).expand_as(no_hints), atol=0.5)
    one = HintBatch.of_squares(torch.tensor([[[10, 10, 5]]]), torch.zeros(1, 1, 2))
    mixed = vivid_ab(ab, logits, one, VividColours(1.0), fade=math.inf)
    assert torch.allclose(mixed[0, :, 12, 12], torch.tensor([-30.0, 0.0]))  # the hint's patch: the ab output
    assert torch.allclose(mixed[0, :, 63, 63], torch.tensor([50.0, 50.0]), atol=1.0)  # far away: the distribution
    assert -30.0 < float(mixed[0, 0, 12, 30]) < 50.0  # between: a blend


def test_with_more_hints_the_ab_output_takes_over_everywhere():
    logits = peaked_logits({(50.0, 50.0): 20.0}, size=16)
    ab = torch.zeros(1, 2, 64, 64)
    ab[:, 0] = -30.0
    far = []
    for count in (1, 3, 10):
        squares = torch.tensor([[[2, 2 + 3 * i, 1] for i in range(count)]])
        hints = HintBatch.of_squares(squares, torch.zeros(1, count, 2))
        out = vivid_ab(ab, logits, hints, VividColours(1.0))
        far.append(float(out[0, 0, 63, 63]))
    assert far[0] > far[1] > far[2] and far[2] == pytest.approx(-30.0, abs=3.0)


def test_hint_distance_is_zero_inside_a_patch_and_euclidean_outside():
    squares, valid = torch.tensor([[[4, 4, 3], [0, 0, 1]]]), torch.tensor([[True, False]])
    hints = HintBatch.of_squares(squares, torch.zeros(1, 2, 2), valid)
    distance = hints.distance(16, 16)
    assert float(distance[0, 5, 5]) == 0.0
    assert float(distance[0, 0, 0]) == pytest.approx(math.hypot(4, 4))  # the invalid hint at (0, 0) is ignored
    assert float(distance[0, 5, 12]) == pytest.approx(6.0)


def test_annealing_sharpens_towards_the_more_probable_mode():
    logits = peaked_logits({(60.0, 0.0): 5.0, (-60.0, 0.0): 4.0}, size=4)
    means = [float(annealed_mean(logits, t)[0, 0, 0, 0]) for t in (0.38, 1.0, 1.75)]
    assert means[0] > means[1] > means[2]  # lower temperature: closer to the stronger mode


def test_the_vivid_temperature_is_stored_with_the_weights_and_checked(tmp_path):
    path = save_weights(
        echo_state_dict(0.125), tmp_path / "w.safetensors", mask_convention="zero_one", vivid_temperature=1.75
    )
    assert load_state_dict(path)[1].vivid_temperature == 1.75
    plain = save_weights(echo_state_dict(0.125), tmp_path / "p.safetensors", mask_convention="zero_one")
    assert load_state_dict(plain)[1].vivid_temperature is None
    with pytest.raises(ValueError):
        save_weights(
            echo_state_dict(0.125), tmp_path / "bad.safetensors", mask_convention="zero_one", vivid_temperature=-1
        )


def test_a_file_with_a_nonsense_vivid_temperature_is_refused_with_its_name(tmp_path):
    from safetensors.torch import load_file, save_file

    from ideepcolor_app.network.weights import content_digest

    path = save_weights(
        echo_state_dict(0.125), tmp_path / "w.safetensors", mask_convention="zero_one", vivid_temperature=1
    )
    from safetensors import safe_open

    with safe_open(str(path), "pt") as f:
        metadata = dict(f.metadata())
    tensors = load_file(str(path))
    metadata["vivid_temperature"] = "banana"
    metadata.pop("content_sha256")
    metadata["content_sha256"] = content_digest(tensors, metadata)
    save_file(tensors, str(path), metadata=metadata)
    with pytest.raises(WeightsError, match="vivid"):
        load_state_dict(path)


def test_the_engine_gives_vivid_colours_only_where_the_weights_measured_them(two_minded, tmp_path):
    engine = engine_for(two_minded)
    assert engine.offers_vivid
    vivid = engine.colorize([])
    assert vivid.vivid and float(torch.linalg.norm(vivid.ab, dim=1).mean()) > 5  # the distribution's mean
    muted = engine.colorize([], look=Look(vivid=False))
    assert not muted.vivid and float(muted.ab.abs().max()) < 1e-3  # the echo network's own grey
    unmeasured = engine_for(make_two_minded_weights(tmp_path / "plain.safetensors", vivid_temperature=None))
    assert not unmeasured.offers_vivid and not unmeasured.colorize([]).vivid


def test_a_hint_still_wins_at_its_patch_with_vivid_colours(two_minded):
    engine = engine_for(two_minded)
    result = engine.colorize([Hint(48.0, 32.0, (-20.0, 40.0), 7)])
    assert result.vivid
    a, b = result.predicted_ab_at(48.0, 32.0)
    assert abs(a + 20.0) < 2.0 and abs(b - 40.0) < 2.0


# ----- where variations differ -----------------------------------------------------------------------
def test_the_spots_are_where_the_distribution_is_split_between_far_colours():
    logits = peaked_logits({(0.0, 0.0): 10.0}, size=32)  # sure: grey
    split = peaked_logits({TWO_MINDS[0]: 10.0, TWO_MINDS[1]: 10.0}, size=32)
    logits[..., 16:, :8] = split[..., 16:, :8]  # bottom-left: red or blue
    spread = colour_spread(torch.softmax(logits[0], dim=0))
    assert float(spread[20, 4]) > 40 > float(spread[4, 20])
    spots = find_spots(logits, torch.full((1, 1, 128, 128), 60.0))
    assert spots, "the split region is found"
    first = spots[0]
    assert first.row > 0.5 and first.col < 0.25
    assert len(first.modes) == 2 and sorted(first.shares) == pytest.approx([0.5, 0.5], abs=0.05)
    shown = snap_ab_to_gamut(torch.full((2,), 60.0), torch.tensor(TWO_MINDS)).tolist()  # as displayable at L 60
    assert all(min(math.dist(mode, c) for c in shown) < 10 for mode in first.modes)


def test_spots_keep_off_the_photos_border():
    split = peaked_logits({TWO_MINDS[0]: 10.0, TWO_MINDS[1]: 10.0}, size=64)
    logits = peaked_logits({(0.0, 0.0): 10.0}, size=64)
    logits[..., :10, :10] = split[..., :10, :10]  # the corner is uncertain, most of all at the border
    spots = find_spots(logits, torch.full((1, 1, 256, 256), 60.0))
    assert spots and all(SPOT_MARGIN <= s.row <= 1 - SPOT_MARGIN and s.col >= SPOT_MARGIN for s in spots)


def test_a_sure_colouring_has_no_spots_and_no_variations():
    logits = peaked_logits({(20.0, 20.0): 10.0}, size=16)
    assert find_spots(logits, torch.full((1, 1, 64, 64), 60.0)) == []
    assert variation_choices(logits, torch.full((1, 1, 64, 64), 60.0), 6, 0) == []


def test_choices_are_distinct_seeded_and_follow_the_probabilities():
    from ideepcolor_app.colour.variations import Spot

    spots = [
        Spot(0.2, 0.2, ((1.0, 0.0), (2.0, 0.0), (3.0, 0.0)), (0.6, 0.3, 0.1)),
        Spot(0.8, 0.8, ((0, 1), (0, 2)), (0.5, 0.5)),
    ]
    first = choose_combinations(spots, 4, seed=0)
    assert first == choose_combinations(spots, 4, seed=0)  # the same seed, the same set
    assert len(set(first)) == 4
    assert len(choose_combinations(spots, 10, seed=0)) == 6  # only 3 x 2 exist
    assert any(choose_combinations(spots, 4, seed=s) != first for s in range(1, 6))  # More draws another set
    counts = np.zeros(3)
    for seed in range(400):
        counts[choose_combinations(spots, 1, seed)[0][0]] += 1
    assert counts[0] > counts[1] > counts[2]  # the likelier mode comes up more often


# ----- variations through the engine -----------------------------------------------------------------
def test_variations_add_a_few_hints_each_and_differ_from_each_other(two_minded):
    engine = engine_for(two_minded)
    base = engine.colorize([Hint(10.0, 10.0, (30.0, 30.0))])
    variations = make_variations(engine, base, 6, seed=0)
    assert len(variations) == 6
    assert len({v.added for v in variations}) == 6
    for v in variations:
        assert v.colorization.hints[:1] == base.hints  # the photo's own hints come first, unchanged
        assert v.colorization.hints[1:] == v.added and 1 <= len(v.added) <= 4
        for hint in v.added:
            a, b = v.colorization.predicted_ab_at(hint.x, hint.y)
            assert math.dist((a, b), hint.ab) < 10.0  # each generated colour shows where it was put (the
            # other plausible colour is over 100 away)
    again = make_variations(engine, base, 6, seed=0)
    assert [v.added for v in again] == [v.added for v in variations]
    assert torch.equal(again[0].colorization.ab, variations[0].colorization.ab)
    assert [v.added for v in make_variations(engine, base, 6, seed=1)] != [v.added for v in variations]


def test_adopting_a_variation_makes_its_hints_ordinary_in_one_undo_step(two_minded):
    engine = engine_for(two_minded)
    editor = Editor()
    document = editor.open(engine.current.photo, (Hint(10.0, 10.0, (30.0, 30.0)),))
    base = engine.colorize(document.hints.hints, source=engine.current)
    variation = make_variations(engine, base, 6, seed=0)[2]
    assert editor.adopt_variation(variation)
    assert document.hints.hints == base.hints + variation.added
    editor.undo()
    assert document.hints.hints == base.hints
    editor.redo()
    assert document.hints.hints == base.hints + variation.added


def test_a_stale_variation_is_refused_and_the_hints_stay(two_minded):
    engine = engine_for(two_minded)
    editor = Editor()
    notices: list[str] = []
    editor.notice.connect(notices.append)
    document = editor.open(engine.current.photo)
    variation = make_variations(engine, engine.colorize([], source=engine.current), 6, seed=0)[0]
    editor.add_hint(50.0, 30.0)  # the hints changed after the variations were made
    hints = document.hints.hints
    assert not editor.adopt_variation(variation)
    assert document.hints.hints == hints and "changed" in notices[-1]
    editor.open(grey_ramp())  # another photo: nothing to adopt into
    assert not editor.adopt_variation(variation)


@pytest.mark.slow  # variations of a photo with the most hints it may have
def test_a_variation_past_the_hint_limit_is_refused_with_the_reason(two_minded):
    engine = engine_for(two_minded)
    editor = Editor()
    notices: list[str] = []
    editor.notice.connect(notices.append)
    full = tuple(Hint(float(i % 90) + 0.5, float(i // 90) % 60 + 0.5, (10.0, 10.0)) for i in range(MAX_HINTS))
    document = editor.open(engine.current.photo, full)
    variation = make_variations(engine, engine.colorize(full, source=engine.current), 6, seed=0)[0]
    assert not editor.adopt_variation(variation)
    assert len(document.hints) == MAX_HINTS and "at most" in notices[-1]


def test_with_global_hints_variations_keep_them(two_minded):
    engine = engine_for(two_minded)
    base = engine.colorize([], global_hints=GlobalHints(saturation=0.5))
    for variation in make_variations(engine, base, 3, seed=0):
        assert variation.colorization.global_hints == base.global_hints


# ----- the commands ----------------------------------------------------------------------------------
def test_colorize_writes_numbered_variations(two_minded, tmp_path, capsys):
    from ideepcolor_app.cli import main

    Image.fromarray(grey_ramp().pixels).save(tmp_path / "old.png")
    out = tmp_path / "out"
    assert (
        main(["colorize", str(tmp_path / "old.png"), "-o", str(out), "--weights", str(two_minded), "--variations", "3"])
        == 0
    )
    written = sorted(p.name for p in out.iterdir())
    assert written == ["old_colorized_1.png", "old_colorized_2.png", "old_colorized_3.png"]
    pictures = [np.asarray(Image.open(out / name)) for name in written]
    assert all(p.shape == (64, 96, 3) for p in pictures)
    assert np.abs(pictures[0].astype(int) - pictures[1].astype(int)).max() > 30  # they differ


@pytest.mark.parametrize("count", ["0", "-2", "25", "many"])
def test_colorize_refuses_a_nonsense_number_of_variations(two_minded, tmp_path, count, capsys):
    from ideepcolor_app.cli import main

    Image.fromarray(grey_ramp().pixels).save(tmp_path / "old.png")
    code = main(["colorize", str(tmp_path / "old.png"), "--weights", str(two_minded), "--variations", count])
    assert code != 0
    assert "--variations" in capsys.readouterr().err
    assert not list(tmp_path.glob("old_colorized*"))


def test_evaluate_scores_the_variations_against_random_hue_shifts(two_minded, photo_files, capsys):
    from ideepcolor_app.cli import main

    folder = photo_files[0].parent
    assert (
        main(
            [
                "evaluate",
                str(folder),
                "--limit",
                "2",
                "--hints",
                "0,2",
                "--variations",
                "3",
                "--weights",
                str(two_minded),
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    for row in ("variations, best of N", "variations, mean of each", "random hue shifts", "diversity", "vivid, T = 1"):
        assert row in out
