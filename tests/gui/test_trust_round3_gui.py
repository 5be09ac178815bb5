"""Trust, round 3 (issue 32), in the window: what a newcomer tripped on."""

from __future__ import annotations

import numpy as np
from gui_helpers import click, open_and_wait, wait_for_result, wait_for_variations
from PIL import Image
from PySide6.QtCore import Qt

from ideepcolor_app.base.resources import sample_photo
from ideepcolor_app.gui import file_actions
from ideepcolor_app.gui.frame_bar import FrameBar


def test_the_frame_bar_counts_a_30_frame_clip_as_30_frames(qtbot):
    bar = FrameBar()
    qtbot.addWidget(bar)
    bar.show_clip(30, 0, [0, 12], 30.0)
    text = bar.label.text()
    assert "of 30" in text and "0 to 29" in text and "of 29" not in text
    assert "keyframes 0, 12" in text


def test_opening_the_sample_photo_does_not_send_the_open_dialog_into_the_app(qtbot, make_window, tmp_path):
    mine = tmp_path / "mine.png"
    Image.fromarray(np.full((48, 64, 3), 120, np.uint8)).save(mine)
    w = make_window(show=False)
    assert file_actions.open_path(w, sample_photo())
    qtbot.waitUntil(lambda: w.editor.document is not None, timeout=120000)
    assert w.settings.store.value("lastFolder") is None
    assert file_actions.open_path(w, mine)
    qtbot.waitUntil(lambda: w.editor.document is not None and w.editor.document.photo.path == mine)
    assert w.settings.store.value("lastFolder") == str(mine.resolve().parent)


def test_after_a_pick_only_the_swatches_of_the_current_colour_are_outlined(qtbot, window):
    window.editor.choose_color(30.0, 30.0)
    click(window, 300, 200)
    wait_for_result(qtbot, window, palette=True)
    panel = window.panel
    picked = panel.suggestion_swatches[1]
    qtbot.mouseClick(picked, Qt.MouseButton.LeftButton)
    wait_for_result(qtbot, window, palette=True)
    current = window.editor.current_ab
    outlined = [s for s in [*panel.suggestion_swatches, *panel.recent_swatches] if s.selected]
    assert outlined and all(abs(s.ab[0] - current[0]) < 0.5 and abs(s.ab[1] - current[1]) < 0.5 for s in outlined)
    assert not any(s.hasFocus() for s in panel.suggestion_swatches), "a click leaves no focus outline behind"


def test_the_variations_are_in_sight_at_the_default_window_size(qtbot, make_window, tmp_path):
    from PySide6.QtCore import QPoint

    from weights_factory import make_two_minded_weights

    weights = make_two_minded_weights(tmp_path / "w.safetensors")
    photo = tmp_path / "grey.png"
    Image.fromarray(np.tile(np.linspace(80, 200, 320).astype(np.uint8), (240, 1))).save(photo)
    w = make_window(weights, size=None)
    assert (w.width(), w.height()) == (1400, 860), "the default size, with no remembered one"
    open_and_wait(qtbot, w, photo)
    wait_for_variations(qtbot, w)
    viewport = w.colour_panels.parentWidget()
    first = w.variations_panel.buttons[0]
    bottom = first.mapTo(viewport, QPoint(0, first.height())).y()
    assert 0 < bottom <= viewport.height(), (bottom, viewport.height())
