"""Results are composed at the size the view shows them, and at more pixels when zoomed in."""

import pytest
from gui_helpers import ramp_photo, wait_for_result

from ideepcolor_app.editing.document import DISPLAY_MAX_SIDE, view_side


def test_the_side_follows_the_view_in_steps_within_the_display_limit_and_the_photo():
    assert view_side(900, 4000) == 1024, "a 12 MP photo fitted in a 900-px view: 1024, not 2048"
    assert view_side(1025, 4000) == 1280
    assert view_side(100, 4000) == 512, "never under 512 (a small window, a thumbnail-sized view)"
    assert view_side(9000, 4000) == DISPLAY_MAX_SIDE, "zoomed far in: the display limit"
    assert view_side(1500, 640) == 640, "never more than the photo has"


@pytest.fixture
def large_photo(tmp_path):
    """A 3000x2000 photo (6 MP)."""
    return ramp_photo(tmp_path / "large.png", (3000, 2000), (40, 220))


def screen(w) -> float:
    return max(w.canvas.screen_side(), w.result_view.screen_side())


def test_a_large_photo_is_composed_at_the_views_size_and_at_more_when_zoomed_in(qtbot, make_window, large_photo):
    w = make_window(photo=large_photo, size=(1200, 800))
    shown = max(w.editor.latest.preview.shape[:2])
    assert shown == view_side(screen(w), 3000) < DISPLAY_MAX_SIDE, f"composed at {shown} px for {screen(w):.0f}"
    w.result_view.set_zoom(w.result_view.zoom * 4)
    qtbot.waitUntil(lambda: max(w.editor.latest.preview.shape[:2]) > shown, timeout=120000)
    wait_for_result(qtbot, w)
    zoomed = max(w.editor.latest.preview.shape[:2])
    assert view_side(screen(w), 3000) <= zoomed <= DISPLAY_MAX_SIDE, "as many pixels as the zoomed view shows"
    saved = w.editor.document
    assert saved.size == (3000, 2000), "the photo itself (and what is saved) keeps its size"
