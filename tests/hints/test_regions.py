"""Lasso regions (issue 30): a coloured outline holds its colour inside and changes nothing
outside; an outline without a colour keeps out what is painted elsewhere."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from builders import colour_photo, grey_photo

from ideepcolor_app.base.errors import SessionError
from ideepcolor_app.editing.session import Session
from ideepcolor_app.hints.local_hints import Hint
from ideepcolor_app.hints.regions import Region, region_masks
from ideepcolor_app.hints.strokes import Stroke
from ideepcolor_app.photos.images import Photo

MAGENTA = (50.0, -50.0)
GREEN = (-40.0, 40.0)
MIDDLE = Region(((90.0, 60.0), (210.0, 60.0), (210.0, 140.0), (90.0, 140.0)), MAGENTA)  # on a 300x200 photo


def test_a_region_refuses_what_no_outline_can_be():
    for polygon, ab in ((((1.0, 2.0), (3.0, 4.0)), MAGENTA), (((0.0, 0.0), (1.0, float("inf")), (2.0, 2.0)), None)):
        with pytest.raises(ValueError):
            Region(polygon, ab)
    assert Region(((0.0, 0.0), (10.0, 0.0), (0.0, 10.0)), None).protects
    assert MIDDLE.contains(150, 100) and not MIDDLE.contains(20, 100)


def test_the_mask_is_the_outline_at_network_resolution():
    mask = region_masks([MIDDLE], (300, 200), 256)[0, 0]
    rows, cols = torch.nonzero(mask, as_tuple=True)
    assert abs(int(rows.min()) - 77) <= 1 and abs(int(rows.max()) - 179) <= 1  # 60..140 of 200
    assert abs(int(cols.min()) - 77) <= 1 and abs(int(cols.max()) - 179) <= 1  # 90..210 of 300


def _inner_and_outer(region, size=(300, 200)):
    mask = region_masks([region], size, 256)[0:1]
    inner = torch.nn.functional.max_pool2d(1 - mask, 9, 1, 4)[0, 0] == 0
    outer = torch.nn.functional.max_pool2d(mask, 9, 1, 4)[0, 0] == 0
    return inner, outer


def test_a_coloured_region_fills_its_inside_and_leaves_the_outside_exactly_as_it_was(echo_engine):
    hint = Hint(40.0, 40.0, GREEN, 9)
    without = echo_engine.colorize([hint]).ab[0]
    with_region = echo_engine.colorize([hint], regions=[MIDDLE])
    inner, outer = _inner_and_outer(MIDDLE)
    assert torch.equal(with_region.ab[0][:, outer], without[:, outer]), "not one outside pixel changes"
    inside = with_region.ab[0][:, inner]
    assert float(torch.linalg.norm(inside - torch.tensor(MAGENTA)[:, None], dim=0).mean()) < 15
    assert with_region.regions == (MIDDLE,)


def test_a_protected_region_keeps_what_is_painted_outside_it_out(echo_engine):
    keep_out = Region(((0.0, 0.0), (150.0, 0.0), (150.0, 200.0), (0.0, 200.0)), None)  # the left half
    hint = Hint(60.0, 100.0, GREEN, 9)  # inside it: its own, so it still colours there
    outside_hint = Hint(200.0, 100.0, MAGENTA, 9)
    result = echo_engine.colorize([hint, outside_hint], regions=[keep_out])
    a, b = result.predicted_ab_at(60.0, 100.0)
    assert a < -25 and b > 25, "a hint inside a protected region still colours it"
    own_only = echo_engine.colorize([hint]).ab[0]
    inner, _ = _inner_and_outer(keep_out)
    assert torch.allclose(result.ab[0][:, inner], own_only[:, inner]), "nothing from outside reaches in"
    a, b = result.predicted_ab_at(200.0, 100.0)
    assert a > 30, "outside it the other hint colours as before"


def test_a_lasso_paints_its_colour_evenly_and_a_hint_inside_it_still_shows(echo_engine):
    plain = echo_engine.colorize([], regions=[MIDDLE])
    inner, _ = _inner_and_outer(MIDDLE)
    assert torch.allclose(plain.ab[0][:, inner], torch.tensor(MAGENTA)[:, None]), "one colour, evenly"
    inside = (150.0, 100.0)
    assert MIDDLE.contains(*inside)
    with_hint = echo_engine.colorize([Hint(*inside, GREEN, 9)], regions=[MIDDLE])
    a, b = with_hint.predicted_ab_at(*inside)
    assert a < -20 and b > 20, "the hint's own colour where it is"
    far = with_hint.ab[0][:, inner].mean(dim=1)
    assert float(torch.linalg.norm(far - torch.tensor(MAGENTA))) < 20, "the lasso's colour around it"


def test_a_session_with_regions_round_trips_and_names_a_bad_one(tmp_path):
    protect = Region(((1.0, 1.0), (20.0, 1.0), (20.0, 20.0)), None)
    session = Session("p.png", "0" * 64, (300, 200), [], regions=[MIDDLE, protect])
    session.save(tmp_path / "s.json")
    data = json.loads((tmp_path / "s.json").read_text())
    assert data["version"] == 4 and data["regions"][1] == {
        "polygon": [[1.0, 1.0], [20.0, 1.0], [20.0, 20.0]],
        "ab": None,
    }
    assert Session.load(tmp_path / "s.json").regions == [MIDDLE, protect]
    data["regions"][0]["polygon"] = data["regions"][0]["polygon"][:2]
    (tmp_path / "bad.json").write_text(json.dumps(data))
    with pytest.raises(SessionError, match=r"regions\[0\]\.polygon.*3 to"):
        Session.load(tmp_path / "bad.json")


def test_the_bundled_network_meets_issue_30s_lasso_and_stroke_measures(bundled_engine):
    """A rectangle lasso of ab (50, -50) over the middle and a 6-px stroke of ab (-40, 40) near the
    top, on a colour photo given as grey: outside the lasso the result changes by at most 1 ab unit
    on average, inside it averages within 15 of the lasso's colour, under the stroke within 8."""
    rgb = colour_photo(5, (300, 200))
    grey = np.repeat(rgb.mean(axis=2, keepdims=True).astype(np.uint8), 3, axis=2)
    bundled_engine.set_photo(Photo(grey_photo().path, grey, "measure", False))
    stroke = Stroke(((30.0, 40.0), (270.0, 40.0)), 6.0, GREEN)  # a fifth of the way down
    both = bundled_engine.colorize([], strokes=[stroke], regions=[MIDDLE])
    without = bundled_engine.colorize([], strokes=[stroke])
    inner, outer = _inner_and_outer(MIDDLE)
    outside = torch.linalg.norm(both.ab[0] - without.ab[0], dim=0)[outer].mean()
    inside = torch.linalg.norm(both.ab[0] - torch.tensor(MAGENTA)[:, None, None], dim=0)[inner].mean()
    under = torch.stack([torch.tensor(both.predicted_ab_at(float(x), 40.0)) for x in range(40, 261, 10)])
    under_distance = torch.linalg.norm(under - torch.tensor(GREEN), dim=1).mean()
    assert float(outside) <= 1 and float(inside) < 15 and float(under_distance) < 8, (outside, inside, under_distance)


def test_the_palette_of_a_lasso_or_stroke_reads_the_colours_over_its_pixels(echo_engine):
    from ideepcolor_app.colour.ab_bins import ab_to_bin
    from ideepcolor_app.hints.strokes import Stroke

    result = echo_engine.colorize([])
    cells = result.logits.shape[2]
    green, blue = (int(ab_to_bin(torch.tensor([ab]))[0]) for ab in ((-40.0, 40.0), (10.0, -50.0)))
    logits = torch.zeros(1, 529, cells, cells)
    logits[0, green, :, : cells // 2] = 12.0  # the network sees green on the left half (x < 150 of 300)
    logits[0, blue, :, cells // 2 :] = 12.0  # and blue on the right
    result.shown_logits = lambda: logits
    right = Region(((160.0, 10.0), (290.0, 10.0), (290.0, 190.0), (160.0, 190.0)), (0.0, 0.0))
    left_stroke = Stroke(((20.0, 100.0), (120.0, 100.0)), 10.0, (0.0, 0.0))

    def top(palette):
        a, b = palette.suggestions[0].ab
        return "green" if a < -20 and b > 20 else "blue" if b < -30 else (a, b)

    # the probe point lies on the other side: only the area decides
    assert top(result.suggestions(20.0, 100.0, area=right)) == "blue"
    assert top(result.suggestions(280.0, 100.0, area=left_stroke)) == "green"


def test_a_region_is_drawn_without_the_cut_that_joins_its_hole_to_the_outside():
    from ideepcolor_app.hints.wand import outline_around_holes

    mask = np.zeros((100, 150), bool)
    mask[10:90, 10:140] = True
    mask[30:60, 40:80] = False
    region = Region(outline_around_holes(mask, (150, 100)), (10.0, 10.0))
    edges = region.drawn_edges()
    assert len(edges) == len(region.polygon) - 2, "the cut, run there and back, is left out"
    assert all((b, a) not in edges for a, b in edges)
    square = Region(((0.0, 0.0), (10.0, 0.0), (10.0, 10.0), (0.0, 10.0)), (1.0, 1.0))
    assert len(square.drawn_edges()) == 4, "an outline without holes is drawn whole"
