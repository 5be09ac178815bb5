"""Colour edges on the photo's edges: no rim of an object's colour in the sky beside it."""

from pathlib import Path

import numpy as np
import pytest
import torch
from builders import BUNDLED

from ideepcolor_app.colour.color import rgb_to_lab_np
from ideepcolor_app.colour.edge_fit import fit_to_lightness
from ideepcolor_app.hints.local_hints import Hint
from ideepcolor_app.inference.engine import ColorizationEngine
from ideepcolor_app.photos.images import Photo


def tower_lightness(size: int = 256) -> torch.Tensor:
    """(1, 1, S, S): a light sky (L 70) and a dark tower (L 30) in columns 110-139, rows 60 on."""
    lightness = torch.full((1, 1, size, size), 70.0)
    lightness[..., 60:, 110:140] = 30.0
    return lightness


def test_a_colour_that_runs_past_its_object_is_moved_back_onto_it():
    lightness = tower_lightness()
    sharp = torch.zeros(1, 2, 256, 256)
    sharp[:, 0, 60:, 110:140] = 40.0  # a red tower in a grey sky
    smooth = torch.nn.functional.avg_pool2d(torch.nn.functional.pad(sharp, (6,) * 4, mode="replicate"), 13, stride=1)
    fitted = fit_to_lightness(smooth, lightness)
    row = 150
    assert smooth[0, 0, row, 139] - smooth[0, 0, row, 140] < 5, "blurred, the colour fades over 13 px"
    assert fitted[0, 0, row, 139] - fitted[0, 0, row, 140] > 20, "fitted, it changes where the lightness does"
    assert smooth[0, 0, row, 140] > 15 and fitted[0, 0, row, 140:].max() < 10, "the rim in the sky is faint"
    assert fitted[0, 0, row, 112:138].mean() > 32, "and the tower keeps its red"


def test_flat_areas_keep_their_colours_exactly():
    lightness = tower_lightness()
    ab = torch.randn(1, 2, 256, 256) * 20  # a hint's sharp patch, noise: anything the network shows
    fitted = fit_to_lightness(ab, lightness)
    assert torch.equal(fitted[..., :20, :], ab[..., :20, :]), "far from any edge nothing changes"


def test_fitting_follows_the_resolution_and_dtype():
    for size in (96, 128):
        ab = torch.randn(2, 2, size, size, dtype=torch.bfloat16)
        fitted = fit_to_lightness(ab, tower_lightness(size))
        assert fitted.shape == ab.shape and fitted.dtype == torch.bfloat16
        assert torch.isfinite(fitted.float()).all()


@pytest.fixture(scope="module")
def tower_engine() -> ColorizationEngine:
    engine = ColorizationEngine.from_weights(str(BUNDLED), "cpu")
    rng = np.random.default_rng(0)
    grey = np.full((256, 256), 150.0)
    grey[60:, 110:140] = 60.0
    grey += rng.normal(0, 2, grey.shape)
    pixels = np.repeat(grey.clip(0, 255).astype(np.uint8)[..., None], 3, axis=2)
    engine.set_photo(Photo(Path("tower.png"), pixels, "tower", False))
    return engine


def test_a_hints_colour_stays_on_its_tower_instead_of_a_rim_in_the_sky(tower_engine):
    """Before, the sky 1-4 px beside a tower hinted red took 15.5 ab units of it (now 11.8) (measured against
    the sky far away); the network's colours spread over its coarse cells past the edge."""
    rgb = tower_engine.colorize([Hint(125.0, 150.0, (50.0, 40.0), 5)]).full_resolution_rgb()
    ab = rgb_to_lab_np(rgb.astype(np.float64) / 255)[..., 1:]
    sky = ab[140:160, 20:60].mean(axis=(0, 1))
    rim = np.linalg.norm(ab[140:160, 141:145] - sky, axis=2).mean()
    tower = np.linalg.norm(ab[140:160, 115:135] - sky, axis=2).mean()
    assert tower > 40, "the hint colours its tower"
    assert rim < 13.5, f"the sky beside the tower took {rim:.1f} of the hint's colour"
