"""The magic wand's segment: the shape under the click, on whichever picture it is given."""

import cv2
import numpy as np
import pytest

from ideepcolor_app.hints.wand import segment_at


def disk(centre_x: int) -> np.ndarray:
    pixels = np.full((240, 320, 3), 50, np.uint8)
    cv2.circle(pixels, (centre_x, 120), 50, (220, 200, 60), -1)
    return pixels


def test_each_picture_is_cut_on_its_own_and_a_second_click_on_one_finds_the_same_shape():
    left, right = disk(90), disk(230)
    first = segment_at(left, 90, 120)
    assert first[120 * first.shape[0] // 240, 90 * first.shape[1] // 320] and not first[:, -20:].any()
    on_right = segment_at(right, 230, 120)
    assert on_right[:, -90:].any() and not on_right[:, :60].any(), "the other picture's disk, not the last one's"
    assert (segment_at(left, 95, 125) == first).all(), "clicks on one picture select the same shape"


def test_partition_cuts_the_whole_photo_into_the_wands_segments_largest_first():
    from ideepcolor_app.hints.wand import partition

    rgb = np.zeros((60, 90, 3), np.uint8)
    rgb[:, :50] = (200, 60, 50)  # red, the larger part
    rgb[:, 50:] = (40, 90, 200)  # blue
    labels = partition(rgb)
    assert labels.shape == (60, 90)
    assert (labels[:, :48] == 0).all() and (labels[:, 52:] == 1).all(), "one segment each, the larger first"
    wand = segment_at(rgb, 80.0, 30.0)
    assert ((labels == 1) & wand).sum() / ((labels == 1) | wand).sum() > 0.95, "as the wand selects the blue"


def test_an_outline_around_holes_keeps_a_hole_out_and_fills_specks():
    from ideepcolor_app.hints.regions import Region
    from ideepcolor_app.hints.wand import outline_around_holes

    mask = np.zeros((100, 150), bool)
    mask[10:90, 10:140] = True
    mask[30:60, 40:80] = False  # a bird in the sky
    mask[70, 120] = False  # a speck
    region = Region(outline_around_holes(mask, (300, 200)), (10.0, 10.0))
    assert region.contains(40.0, 40.0) and region.contains(240.0, 140.0), "the sky, and the speck filled"
    assert not region.contains(120.0, 90.0), "not the bird"
    assert not region.contains(5.0, 5.0)
    assert region.area == pytest.approx(4 * int(mask.sum()), rel=0.05)
    assert outline_around_holes(np.zeros((10, 10), bool), (10, 10)) is None
