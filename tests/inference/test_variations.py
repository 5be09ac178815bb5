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
    MAX_CHANGED,
    MIN_MODE_SHARE,
    STRENGTH,
    choose_combinations,
    colour_spread,
    find_areas,
    variation_choices,
)
from ideepcolor_app.colour.vivid import VividColours, vivid_ab
from ideepcolor_app.editing.editor import Editor
from ideepcolor_app.hints.global_hints import GlobalHints
from ideepcolor_app.hints.hint_batch import HintBatch
from ideepcolor_app.hints.local_hints import Hint
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


def test_the_heads_bin_weights_are_stored_with_the_weights_and_checked(tmp_path):
    weights = [1.0 + i / 100 for i in range(NUM_BINS)]
    path = save_weights(
        echo_state_dict(0.125), tmp_path / "w.safetensors", mask_convention="zero_one", bin_weights=weights
    )
    assert load_state_dict(path)[1].bin_weights == pytest.approx(weights, rel=1e-4)
    for bad in (weights[:-1], [0.0] * NUM_BINS, [math.nan] * NUM_BINS):
        with pytest.raises(ValueError):
            save_weights(
                echo_state_dict(0.125), tmp_path / "bad.safetensors", mask_convention="zero_one", bin_weights=bad
            )
    assert not (tmp_path / "bad.safetensors").exists()


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
def halves(height: int = 64, width: int = 96) -> np.ndarray:
    """Segment labels: 0 on the left half, 1 on the right."""
    labels = np.zeros((height, width), np.int64)
    labels[:, width // 2 :] = 1
    return labels


def test_an_area_is_a_segment_whose_distribution_is_split_and_offers_its_other_colours():
    logits = peaked_logits({(0.0, 0.0): 10.0}, size=16)  # sure: grey
    split = peaked_logits({TWO_MINDS[0]: 10.0, TWO_MINDS[1]: 10.0}, size=16)
    logits[..., :8] = split[..., :8]  # the left half: red or blue
    spread = colour_spread(torch.softmax(logits[0], dim=0))
    assert float(spread[4, 4]) > 40 > float(spread[4, 12])
    shown = torch.zeros(1, 2, 64, 64)
    (area,) = find_areas(logits, halves(), torch.full((1, 1, 64, 64), 60.0), shown)
    assert area.mask[:, :48].all() and not area.mask[:, 48:].any()
    assert area.share == pytest.approx(0.5) and area.shown == pytest.approx((0.0, 0.0))
    assert sorted(area.shares) == pytest.approx([0.5, 0.5], abs=0.05) and area.keep == MIN_MODE_SHARE
    modes = snap_ab_to_gamut(torch.full((2,), 60.0), torch.tensor(TWO_MINDS)).tolist()  # as displayable at L 60
    for colour in area.colours:  # each taken STRENGTH of the way from what is shown to a mode
        assert min(math.dist(colour, (STRENGTH * a, STRENGTH * b)) for a, b in modes) < 5


def test_a_colour_close_to_what_the_segment_shows_is_no_alternative():
    logits = peaked_logits({TWO_MINDS[0]: 10.0, TWO_MINDS[1]: 10.0}, size=16)
    shown = torch.tensor(TWO_MINDS[0]).view(1, 2, 1, 1).expand(1, 2, 64, 64)  # it shows the red already
    areas = find_areas(logits, halves(), torch.full((1, 1, 64, 64), 60.0), shown)
    assert len(areas) == 2
    for area in areas:
        assert len(area.colours) == 1 and area.colours[0][1] < 0, "only the blue is another colour"
        assert area.keep == pytest.approx(0.5, abs=0.05), "the red it shows keeps its share"


def test_segments_holding_the_users_colours_and_small_ones_are_not_varied():
    logits = peaked_logits({TWO_MINDS[0]: 10.0, TWO_MINDS[1]: 10.0}, size=16)
    lightness, shown = torch.full((1, 1, 64, 64), 60.0), torch.zeros(1, 2, 64, 64)
    assert [a.share for a in find_areas(logits, halves(), lightness, shown, theirs={0})] == [0.5]
    assert not find_areas(logits, halves(), lightness, shown, theirs={0, 1})
    labels = halves()
    labels[:2, :2] = 2  # a speck
    assert len(find_areas(logits, labels, lightness, shown)) == 2


def test_the_heads_training_weights_decide_which_colours_are_plausible():
    """A rebalanced head overstates rare colours: with its loss weights known, a colour it was
    pushed towards 50 times harder than another counts that much less."""
    from ideepcolor_app.colour.ab_bins import NUM_BINS, ab_to_bin

    logits = peaked_logits({TWO_MINDS[0]: 10.0, TWO_MINDS[1]: 10.0}, size=16)
    lightness, shown = torch.full((1, 1, 64, 64), 60.0), torch.zeros(1, 2, 64, 64)
    weights = [1.0] * NUM_BINS
    for index in ab_to_bin(torch.tensor(TWO_MINDS[1]))[None].tolist():
        weights[index] = 50.0  # the blue was rare in the training photos
    (area, _) = find_areas(logits, halves(), lightness, shown, bin_weights=weights)
    assert len(area.colours) == 1 and area.colours[0][0] > 0, "only the red is offered"
    (both, _) = find_areas(logits, halves(), lightness, shown)
    assert len(both.colours) == 2


def test_an_area_that_shows_a_skin_tone_the_network_is_sure_of_is_offered_only_skin_tones():
    """Faces stay in skin tones: a face shown in skin colour gets a lighter or warmer skin, never blue."""
    face, warmer, blue = (18.0, 24.0), (32.0, 38.0), (-10.0, -40.0)
    logits = peaked_logits({face: 10.0, warmer: 9.5, blue: 9.5}, size=16)
    lightness = torch.full((1, 1, 64, 64), 60.0)
    shown = torch.tensor(face).view(1, 2, 1, 1).expand(1, 2, 64, 64)
    for area in find_areas(logits, halves(), lightness, shown):
        assert len(area.colours) == 1 and area.colours[0][0] > face[0], "the warmer skin only"
    grey = torch.zeros(1, 2, 64, 64)  # the same distribution behind a grey area: every colour is offered
    assert all(len(area.colours) >= 2 for area in find_areas(logits, halves(), lightness, grey))


def test_a_sure_colouring_has_no_areas_and_no_variations():
    logits = peaked_logits({(20.0, 20.0): 10.0}, size=16)
    shown = torch.tensor([20.0, 20.0]).view(1, 2, 1, 1).expand(1, 2, 64, 64)
    assert find_areas(logits, halves(), torch.full((1, 1, 64, 64), 60.0), shown) == []
    assert variation_choices([], 6, 0) == []


def test_choices_are_distinct_seeded_and_follow_the_probabilities():
    options = [(0.6, 0.3, 0.1), (0.5, 0.5)]
    first = choose_combinations(options, 4, seed=0)
    assert first == choose_combinations(options, 4, seed=0)  # the same seed, the same set
    assert len(set(first)) == 4
    assert len(choose_combinations(options, 10, seed=0)) == 6  # only 3 x 2 exist
    assert any(choose_combinations(options, 4, seed=s) != first for s in range(1, 6))  # More draws another set
    counts = np.zeros(3)
    for seed in range(400):
        counts[choose_combinations(options, 1, seed)[0][0]] += 1
    assert counts[0] > counts[1] > counts[2]  # the likelier option comes up more often


def test_each_variation_recolours_one_or_two_areas_and_none_is_the_automatic_result():
    logits = peaked_logits({TWO_MINDS[0]: 10.0, TWO_MINDS[1]: 10.0}, size=16)
    labels = np.repeat(np.arange(3), 32)[None].repeat(64, axis=0)  # three upright bands
    areas = find_areas(logits, labels, torch.full((1, 1, 64, 64), 60.0), torch.zeros(1, 2, 64, 64))
    assert len(areas) == 3
    choices = variation_choices(areas, 6, seed=0)
    assert len(choices) == 6 and len({tuple((id(c.area), c.ab) for c in v) for v in choices}) == 6
    assert all(1 <= len(v) <= MAX_CHANGED and len({id(c.area) for c in v}) == len(v) for v in choices)


# ----- variations through the engine -----------------------------------------------------------------
def bands_photo() -> Photo:
    """Three upright bands of grey, dark to light: three segments for the wand."""
    pixels = np.repeat(np.repeat(np.array([50, 130, 210], np.uint8), 32)[None], 64, axis=0)
    return Photo(Path("bands.png"), np.repeat(pixels[..., None], 3, axis=2), "bands", False)


def banded_engine(weights: Path) -> ColorizationEngine:
    engine = ColorizationEngine.from_weights(str(weights), "cpu")
    engine.set_photo(bands_photo())
    return engine


def test_a_variation_recolours_whole_segments_and_leaves_the_rest_as_it_was(two_minded):
    engine = banded_engine(two_minded)
    base = engine.colorize([])
    variations = make_variations(engine, base, 6, seed=0)
    assert len(variations) == 6 and len({v.added for v in variations}) == 6
    full = base.rgb_tensor().numpy()
    for v in variations:
        assert v.colorization.hints == base.hints and v.colorization.regions == v.added
        assert 1 <= len(v.added) <= MAX_CHANGED
        picture = v.colorization.rgb_tensor().numpy()
        inside = np.zeros(picture.shape[:2], bool)
        for region in v.added:
            band = [i for i in range(3) if region.contains(16.0 + 32 * i, 32.0)]
            assert len(band) == 1, "a lasso holds one band"
            x0 = 32 * band[0]
            assert all(region.contains(x, y) for x in (x0 + 4.0, x0 + 28.0) for y in (4.0, 60.0)), "the whole band"
            a, b = v.colorization.predicted_ab_at(x0 + 16.0, 32.0)
            assert math.dist((a, b), region.ab) < 2.0, "it shows the lasso's colour"
            inside[:, max(x0 - 2, 0) : x0 + 34] = True
        assert np.array_equal(picture[~inside], full[~inside]), "outside its lassos nothing changes"
    again = make_variations(engine, base, 6, seed=0)
    assert [v.added for v in again] == [v.added for v in variations]
    assert torch.equal(again[0].colorization.ab, variations[0].colorization.ab)
    assert [v.added for v in make_variations(engine, base, 6, seed=1)] != [v.added for v in variations]


def test_a_segment_with_the_users_hint_keeps_its_colour_in_every_variation(two_minded):
    engine = banded_engine(two_minded)
    base = engine.colorize([Hint(48.0, 32.0, (30.0, 30.0))])  # in the middle band
    for v in make_variations(engine, base, 6, seed=0):
        assert not any(region.contains(48.0, 32.0) for region in v.added)


def test_adopting_a_variation_makes_its_lassos_the_users_in_one_undo_step(two_minded):
    engine = banded_engine(two_minded)
    editor = Editor()
    document = editor.open(engine.current.photo, (Hint(10.0, 10.0, (30.0, 30.0)),))
    base = engine.colorize(document.hints.hints, source=engine.current)
    variation = make_variations(engine, base, 6, seed=0)[2]
    assert editor.adopt_variation(variation)
    assert document.hints.hints == base.hints and document.hints.regions == variation.added
    shown = engine.colorize(document.hints.hints, source=engine.current, regions=document.hints.regions)
    assert torch.equal(shown.ab, variation.colorization.ab), "what the thumbnail showed"
    editor.undo()
    assert document.hints.regions == ()
    editor.redo()
    assert document.hints.regions == variation.added


def test_a_stale_variation_is_refused_and_the_hints_stay(two_minded):
    engine = banded_engine(two_minded)
    editor = Editor()
    notices: list[str] = []
    editor.notice.connect(notices.append)
    document = editor.open(engine.current.photo)
    variation = make_variations(engine, engine.colorize([], source=engine.current), 6, seed=0)[0]
    editor.add_hint(50.0, 30.0)  # the hints changed after the variations were made
    hints = document.hints.hints
    assert not editor.adopt_variation(variation)
    assert document.hints.hints == hints and document.hints.regions == () and "changed" in notices[-1]
    editor.open(grey_ramp())  # another photo: nothing to adopt into
    assert not editor.adopt_variation(variation)


def test_a_variation_past_the_lasso_limit_is_refused_with_the_reason(two_minded):
    from ideepcolor_app.hints.regions import MAX_REGIONS, Region

    engine = banded_engine(two_minded)
    editor = Editor()
    notices: list[str] = []
    editor.notice.connect(notices.append)
    specks = tuple(Region(((0.0, 0.0), (0.5, 0.0), (0.5, 0.5)), (10.0, 10.0)) for _ in range(MAX_REGIONS))
    document = editor.open(engine.current.photo)
    document.hints.replace_all((), regions=specks, undoable=False)
    base = engine.colorize([], source=engine.current, regions=specks)
    variation = make_variations(engine, base, 6, seed=0)[0]
    assert not editor.adopt_variation(variation)
    assert document.hints.regions == specks and "at most" in notices[-1]


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
    printed = capsys.readouterr()
    out = printed.out
    for row in ("variations, best of N", "variations, mean of each", "random hue shifts", "diversity", "vivid, T = 1"):
        assert row in out
    assert "share of the photo each changes" in out
    assert "Variations: 2/2 photos" in printed.err, "progress shows in logs and pipes too"


def test_the_palette_ranks_colours_as_the_photos_have_them_when_the_heads_weights_are_known(tmp_path):
    """A head trained with rebalancing says "red or blue, half and half", but it was pushed towards
    blue 50 times harder (blue was rare): the palette offers red first, with most of the mass."""
    from ideepcolor_app.colour.ab_bins import ab_to_bin
    from ideepcolor_app.colour.encoding import MaskConvention
    from weights_factory import two_minded_state_dict

    weights = [1.0] * NUM_BINS
    for index in ab_to_bin(torch.tensor(TWO_MINDS[1]))[None].tolist():
        weights[index] = 50.0
    rebalanced = save_weights(
        two_minded_state_dict(),
        tmp_path / "r.safetensors",
        mask_convention=MaskConvention.ZERO_ONE,
        bin_weights=weights,
    )
    plain = make_two_minded_weights(tmp_path / "p.safetensors")
    ranked = {}
    for name, path in (("rebalanced", rebalanced), ("plain", plain)):
        result = engine_for(path).colorize([])
        ranked[name] = result.suggestions(48.0, 32.0).suggestions
    first = ranked["rebalanced"][0]
    assert first.ab[0] > 30 and first.probability > 0.9, "red, by far"
    top = ranked["plain"][:2]
    assert abs(top[0].probability - top[1].probability) < 0.02, "without weights: half and half, as the head says"
    assert sorted(s.ab[0] > 0 for s in top) == [False, True], "the red and the blue"
