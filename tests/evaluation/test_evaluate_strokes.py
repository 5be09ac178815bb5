"""The strokes protocol (issue 30): a lasso's leakage and fill, strokes against points."""

from __future__ import annotations

import json

import numpy as np
import torch

from ideepcolor_app.cli import main
from ideepcolor_app.colour.color import rgb_to_lab
from ideepcolor_app.evaluation.evaluate_strokes import evaluate_strokes, simulated_lassos, simulated_strokes
from ideepcolor_app.inference.engine import ColorizationEngine


def test_simulated_strokes_lie_in_uniform_regions_and_carry_their_colour():
    rgb = np.zeros((256, 256, 3), np.uint8)
    rgb[:, :128] = (200, 40, 40)  # a red half and a blue half, each uniform
    rgb[:, 128:] = (40, 60, 200)
    ab = rgb_to_lab(torch.from_numpy(rgb).permute(2, 0, 1).float() / 255)[1:]
    strokes, points = simulated_strokes(rgb, ab, 4)
    assert len(strokes) == len(points) == 4
    for stroke, point in zip(strokes, points, strict=True):
        (x0, y0), (x1, y1) = stroke.points
        assert y0 == y1 and x1 > x0, "a horizontal line"
        x, y = int(x0), int(y0)
        assert torch.allclose(torch.tensor(stroke.ab), ab[:, y, x], atol=1), "the region's own colour"
        assert (x0 < 128) == (x1 < 128), "inside one region"
        assert point.ab == stroke.ab and x0 <= point.x <= x1 + 1


def test_the_protocol_finds_no_leakage_and_reports_through_the_command_line(echo_weights, photo_files, tmp_path):
    engine = ColorizationEngine.from_weights(str(echo_weights), "cpu")
    result = evaluate_strokes(engine, photo_files[:2], counts=(1, 3))  # two: nothing carries over
    assert result.leakage == 0.0, "nothing outside a lasso changes"
    assert result.fill < 10, "the echo network fills the lasso with its colour"
    assert set(result.psnr_strokes) == {1, 3} and all(np.isfinite(list(result.psnr_strokes.values())))
    assert max(result.under_strokes.values()) < 10
    assert np.isfinite(result.fill_psnr_network) and np.isfinite(result.fill_psnr_flat)
    out = tmp_path / "e.json"
    args = ["evaluate", *map(str, photo_files[:1]), "--hints", "0", "--strokes", "--json", str(out)]
    assert main([*args, "--weights", str(echo_weights)]) == 0
    assert json.loads(out.read_text())["strokes"]["leakage"] == 0.0


def test_simulated_lassos_go_round_uniform_regions_in_their_colour():
    rgb = np.zeros((256, 256, 3), np.uint8)
    rgb[:, :128] = (200, 40, 40)
    rgb[:, 128:] = (40, 60, 200)
    ab = rgb_to_lab(torch.from_numpy(rgb).permute(2, 0, 1).float() / 255)[1:]
    lassos = simulated_lassos(rgb, ab, 3)
    assert len(lassos) == 3
    for lasso in lassos:
        xs = [x for x, _ in lasso.polygon]
        x = (min(xs) + max(xs)) / 2
        assert max(xs) <= 129 or min(xs) >= 127, "round one half's region, not across the halves"
        assert torch.allclose(torch.tensor(lasso.ab), ab[:, 128, int(x)], atol=1), "in its own colour"
