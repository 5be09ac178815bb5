"""The magic wand's segment: the shape under the click, on whichever picture it is given."""

import cv2
import numpy as np

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
