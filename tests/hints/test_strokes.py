"""Brush strokes (issue 30, first step): a colour painted along a path reaches the network as the
squares of a brush stamped along it, travels in sessions (version 4) and is applied by colorize."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from builders import colour_photo, grey_photo
from PIL import Image

from ideepcolor_app.base.errors import SessionError
from ideepcolor_app.cli import main
from ideepcolor_app.colour.color import rgb_to_lab
from ideepcolor_app.editing.session import Session
from ideepcolor_app.hints.hint_batch import HintBatch
from ideepcolor_app.hints.local_hints import Hint
from ideepcolor_app.hints.strokes import Stroke, stroke_squares
from ideepcolor_app.photos.images import load_photo

GREEN = (-40.0, 40.0)


def test_a_stroke_refuses_what_no_brush_can_paint():
    for points, width, ab in (
        ((), 6.0, GREEN),
        (((1.0, float("nan")),), 6.0, GREEN),
        (((1.0, 2.0),), 0.0, GREEN),
        (((1.0, 2.0),), 6.0, (1.0,)),
        ([(1.0, 2.0)], 6.0, GREEN),
    ):
        with pytest.raises(ValueError):
            Stroke(points, width, ab)  # type: ignore[arg-type]


def test_the_brush_covers_the_whole_path_without_gaps_and_only_near_it():
    stroke = Stroke(((20.0, 100.0), (280.0, 100.0), (280.0, 180.0)), 6.0, GREEN)
    squares = stroke_squares(stroke, (300, 200), 256)
    placed = HintBatch.of_squares(torch.tensor([squares]), torch.tensor([[GREEN] * len(squares)]))
    ab, mask = placed.paint(256, 256)
    row = round(100 * 256 / 200)
    first, last = round(20 * 256 / 300), round(280 * 256 / 300)
    assert mask[0, 0, row, first:last].all(), "no gap along the horizontal leg"
    assert mask[0, 0, row : round(180 * 256 / 200), last].all(), "nor along the vertical one"
    assert not mask[0, 0, :100].any() and not mask[0, 0, 140:, :200].any(), "nothing far from the path"
    assert torch.allclose(ab[0, :, row, 128], torch.tensor(GREEN))
    side = squares[0][2]
    assert side % 2 == 1 and side == round(6 * 256 / 300) | 1, "the brush's width, odd, at network scale"


def test_the_engine_paints_a_stroke_under_the_point_hints(echo_engine):
    stroke = Stroke(((30.0, 100.0), (270.0, 100.0)), 9.0, GREEN)
    red = Hint(150.0, 100.0, (50.0, 30.0), 9)
    result = echo_engine.colorize([red], strokes=[stroke])
    assert result.strokes == (stroke,)
    a, b = result.predicted_ab_at(60.0, 100.0)
    assert a < -25 and b > 25, "the stroke's colour along its path"
    a, b = result.predicted_ab_at(150.0, 100.0)
    assert a > 30, "a point hint paints over the stroke"
    assert abs(result.predicted_ab_at(60.0, 20.0)[0]) < 2, "grey away from both (the echo network)"


def test_a_session_with_strokes_is_version_4_round_trips_and_names_a_bad_field(tmp_path):
    stroke = Stroke(((10.0, 20.0), (30.5, 40.0)), 6.0, GREEN)
    session = Session("p.png", "0" * 64, (64, 48), [Hint(5.0, 5.0, (1.0, 2.0))], strokes=[stroke])
    session.save(tmp_path / "s.json")
    data = json.loads((tmp_path / "s.json").read_text())
    assert data["version"] == 4 and data["strokes"] == [
        {"points": [[10.0, 20.0], [30.5, 40.0]], "width": 6.0, "ab": [-40.0, 40.0]}
    ]
    assert Session.load(tmp_path / "s.json").strokes == [stroke]
    assert Session("p.png", "0" * 64, (64, 48), [Hint(5.0, 5.0, (1.0, 2.0))]).to_json()["version"] == 1
    data["strokes"][0]["points"][1] = [99, 40]
    (tmp_path / "bad.json").write_text(json.dumps(data))
    with pytest.raises(SessionError, match=r"strokes\[0\]\.points\[1\].*inside the 64x48 photo"):
        Session.load(tmp_path / "bad.json")


def test_colorize_applies_a_sessions_strokes(tmp_path, echo_weights):
    photo = tmp_path / "grey.png"
    Image.fromarray(grey_photo(300, 200).pixels).save(photo)
    sha = load_photo(photo).sha256
    stroke = Stroke(((30.0, 100.0), (270.0, 100.0)), 9.0, GREEN)
    Session(str(photo), sha, (300, 200), [], strokes=[stroke]).save(tmp_path / "s.hints.json")
    out = tmp_path / "out"
    assert (
        main(
            [
                "colorize",
                str(photo),
                "--hints",
                str(tmp_path / "s.hints.json"),
                "-o",
                str(out),
                "--weights",
                str(echo_weights),
            ]
        )
        == 0
    )
    rgb = np.asarray(Image.open(out / "grey_colorized.png").convert("RGB"))
    lab = rgb_to_lab(torch.from_numpy(rgb[None, [100, 20], 150].astype(np.float32) / 255).permute(0, 2, 1)[..., None])
    under, away = lab[0, 1:, 0, 0], lab[0, 1:, 1, 0]
    assert under[0] < -20 and under[1] > 20, "green under the stroke"
    assert away.abs().max() < 3, "grey away from it"


def test_the_bundled_network_holds_a_six_pixel_stroke_to_its_colour(bundled_engine):
    """Issue 30's measure for strokes: the pixels under a 6-px stroke of ab (-40, 40) near the top
    are within 8 ab units of it (on a colour photo given as grey)."""
    rgb = colour_photo(7, (481, 321))
    photo = grey_photo(481, 321)
    photo = type(photo)(photo.path, np.repeat(rgb.mean(axis=2, keepdims=True).astype(np.uint8), 3, axis=2), "s", False)
    bundled_engine.set_photo(photo)
    stroke = Stroke(((60.0, 40.0), (420.0, 40.0)), 6.0, GREEN)
    result = bundled_engine.colorize([], strokes=[stroke])
    ab = torch.stack([torch.tensor(result.predicted_ab_at(float(x), 40.0)) for x in range(70, 411, 10)])
    distance = torch.linalg.norm(ab - torch.tensor(GREEN), dim=1)
    assert float(distance.mean()) < 8, f"mean distance {float(distance.mean()):.1f}"


def test_a_long_stroke_counts_as_one_hint_in_the_fill_and_locality():
    """Its n squares share one hint's weight: beside a point hint of another colour, the fill far
    from both is not the stroke's colour n times over."""
    from ideepcolor_app.colour.fill import inverse_distance_fill

    stroke = Stroke(tuple((float(x), 20.0) for x in range(10, 290, 10)), 6.0, GREEN)
    point = Hint(150.0, 180.0, (50.0, 30.0), 5)
    lightness = torch.full((1, 1, 256, 256), 50.0)
    placed = HintBatch.place([point], (300, 200), lightness, [stroke])
    weights = placed.slot_weights()[0]
    assert len(placed.squares[0]) > 20 and float(weights[:-1].sum()) == pytest.approx(1.0) and weights[-1] == 1
    fill = inverse_distance_fill(placed, 256, 256)
    middle = fill[0, :, 128, 128]
    assert abs(float(middle[0])) < 30, "the middle is between the two colours, not the stroke's alone"
    whole = HintBatch.of_squares(placed.squares, placed.colours)  # the same squares as whole hints
    assert inverse_distance_fill(whole, 256, 256)[0, 0, 128, 128] < middle[0] - 10
