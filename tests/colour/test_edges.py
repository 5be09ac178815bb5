"""Hints at the photo's border: a patch that crosses it covers only its in-image part."""

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ideepcolor_app.colour.encoding import PATCH_SIZES
from ideepcolor_app.hints.hint_batch import HintBatch, square_means
from ideepcolor_app.hints.local_hints import Hint, hint_patch
from ideepcolor_app.photos.images import Photo


def photo(width: int, height: int, seed: int | None = 0) -> Photo:
    """Noise (any pixel may be anything), or with ``seed=None`` a smooth grey ramp."""
    if seed is None:
        ramp = np.linspace(120, 160, width, dtype=np.float32)[None, :, None]
        pixels = np.broadcast_to(ramp, (height, width, 3)).astype(np.uint8)
    else:
        pixels = np.random.default_rng(seed).integers(0, 256, (height, width, 3), dtype=np.uint8)
    return Photo(path=None, pixels=pixels, sha256="0" * 64, is_color=False)  # type: ignore[arg-type]


def test_a_patch_over_the_top_left_border_averages_only_pixels_inside():
    image = torch.full((1, 1, 16, 16), 100.0)
    image[0, 0, -1, :] = 0  # the last row differs: a wrapped read would bring it in
    means = square_means(image, torch.tensor([[-2]]), torch.tensor([[-2]]), torch.tensor([[5]]))
    assert means[0, 0, 0].item() == pytest.approx(100.0)


def test_a_patch_over_the_bottom_right_border_averages_only_pixels_inside():
    image = torch.arange(16.0).view(1, 1, 4, 4)
    means = square_means(image, torch.tensor([[2]]), torch.tensor([[2]]), torch.tensor([[5]]))
    assert means[0, 0, 0].item() == pytest.approx(float(image[0, 0, 2:, 2:].mean()))


def test_painting_a_patch_across_the_border_marks_only_its_in_image_part():
    ab, mask = HintBatch.of_squares(torch.tensor([[[-2, 6, 5]]]), torch.tensor([[[30.0, -20.0]]])).paint(8, 8)
    assert mask[0, 0].sum().item() == 3 * 2
    assert mask[0, 0, :3, 6:].all() and ab[0, 0, 0, 7].item() == 30.0


def test_painting_many_hints_keeps_the_last_colour_on_top_across_chunks():
    count = 150  # more than one chunk
    colors = torch.arange(count, dtype=torch.float32).view(1, count, 1).expand(1, count, 2).contiguous()
    ab, _ = HintBatch.of_squares(torch.tensor([[[2, 2, 3]] * count]), colors).paint(8, 8)
    assert ab[0, 0, 3, 3].item() == count - 1


def test_the_drawn_patch_stays_inside_the_photo():
    assert hint_patch(Hint(0, 0, (0.0, 0.0), 9), (256, 256)) == (0, 0, 5, 5)
    assert hint_patch(Hint(255.5, 255.5, (0.0, 0.0), 5), (256, 256)) == (253, 253, 256, 256)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    width=st.integers(1, 700),
    height=st.integers(1, 700),
    fx=st.floats(0, 1, exclude_max=True),
    fy=st.floats(0, 1, exclude_max=True),
    size=st.sampled_from(PATCH_SIZES),
)
def test_a_hint_anywhere_on_any_photo_colorizes_without_error(bundled_engine, width, height, fx, fy, size):
    bundled_engine.set_photo(photo(width, height))
    result = bundled_engine.colorize([Hint(fx * width, fy * height, (40.0, -30.0), size)], size=64)
    assert torch.isfinite(result.ab).all()
    assert result.full_resolution_rgb().shape == (height, width, 3)


@pytest.mark.parametrize("size", PATCH_SIZES)
def test_a_hint_in_the_corner_acts_like_one_a_pixel_further_in(bundled_engine, size):
    """At 256x256 a pixel is a network cell: the corner hint covers a little less, nothing else."""
    bundled_engine.set_photo(photo(256, 256, seed=None))
    base = bundled_engine.colorize([])
    corner = bundled_engine.colorize([Hint(0.0, 0.0, (50.0, -50.0), size)])
    inner = bundled_engine.colorize([Hint(1.0, 1.0, (50.0, -50.0), size)])
    change = (corner.ab - base.ab).abs().mean()
    difference = (corner.ab - inner.ab).abs().mean()
    assert difference < 0.2 * change + 0.5
    # the hint's own colour comes out at its corner
    assert corner.ab[0, :, 0, 0].tolist() == pytest.approx([50.0, -50.0], abs=12)


@pytest.mark.parametrize("position", [(255.9, 255.9), (0.0, 255.9), (255.9, 0.0)])
def test_hints_on_the_far_edges_colorize_and_save(bundled_engine, tmp_path, position):
    bundled_engine.set_photo(photo(256, 256, seed=2))
    result = bundled_engine.colorize([Hint(*position, (20.0, 20.0), 9)])
    assert result.full_resolution_rgb().shape == (256, 256, 3)


def test_square_means_of_a_large_batch_match_image_by_image():
    """Large batches are summed a part at a time (memory stays flat); the means are the same."""
    torch.manual_seed(0)
    image = torch.rand(300, 2, 12, 12)
    top, left = torch.randint(-2, 10, (300, 3)), torch.randint(-2, 10, (300, 3))
    sides = torch.randint(1, 6, (300, 3))
    batched = square_means(image, top, left, sides)
    one_by_one = torch.cat(
        [square_means(image[i : i + 1], top[i : i + 1], left[i : i + 1], sides[i : i + 1]) for i in range(300)]
    )
    assert torch.allclose(batched, one_by_one)


def test_hints_from_a_session_made_for_a_larger_photo_colorize_without_error(bundled_engine):
    """A session's stated size larger than the photo, or the recovery of a photo that changed:
    its hints lie past the photo's edge and are placed at the edge."""
    bundled_engine.set_photo(photo(200, 150))
    hints = [Hint(260.0, 40.0, (30.0, 30.0), 9), Hint(50.0, 190.0, (-30.0, 30.0), 9), Hint(400.0, 300.0, (0.0, 40.0))]
    result = bundled_engine.colorize(hints)
    assert torch.isfinite(result.ab).all() and result.full_resolution_rgb().shape == (150, 200, 3)
