"""Trust, round 3 (issue 32), in the window: what a newcomer tripped on."""

from __future__ import annotations

import numpy as np
from PIL import Image
from test_gui import fresh_settings, no_modal_dialogs  # noqa: F401 (autouse fixtures)

from ideepcolor_app.base.resources import sample_photo
from ideepcolor_app.gui import file_actions
from ideepcolor_app.gui.frame_bar import FrameBar
from ideepcolor_app.gui.main_window import MainWindow


def test_the_frame_bar_counts_a_30_frame_clip_as_30_frames(qtbot):
    bar = FrameBar()
    qtbot.addWidget(bar)
    bar.show_clip(30, 0, [0, 12], 30.0)
    text = bar.label.text()
    assert "of 30" in text and "0 to 29" in text and "of 29" not in text
    assert "keyframes 0, 12" in text


def test_opening_the_sample_photo_does_not_send_the_open_dialog_into_the_app(qtbot, echo_weights, tmp_path):
    photo_path = tmp_path / "mine.png"
    Image.fromarray(np.full((48, 64, 3), 120, np.uint8)).save(photo_path)
    w = MainWindow(str(echo_weights), "cpu")
    qtbot.addWidget(w)
    assert file_actions.open_path(w, sample_photo())
    qtbot.waitUntil(lambda: w.editor.document is not None, timeout=30000)
    assert w.settings.value("lastFolder") is None
    assert file_actions.open_path(w, photo_path)
    qtbot.waitUntil(lambda: w.editor.document is not None and w.editor.document.photo.path == photo_path)
    assert w.settings.value("lastFolder") == str(photo_path.resolve().parent)
