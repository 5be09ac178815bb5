"""The "Whole photo" panel driven as a user would: a reference photo, its switch, the saturation."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent

from ideepcolor_app.gui import file_actions
from ideepcolor_app.hints.global_hints import GlobalHints
from weights_factory import GUESS, make_guessing_weights


def _current(w):
    latest, document = w.editor.latest, w.editor.document
    return (
        latest is not None
        and not latest.preliminary
        and latest.hints == document.hints.hints
        and latest.global_hints == document.hints.global_hints
    )


@pytest.fixture
def grey_photo(tmp_path, photo_files):
    path = tmp_path / "grey.png"
    Image.open(photo_files[0]).convert("L").save(path)
    return path


def test_a_reference_photo_colours_the_result_and_undo_takes_it_back(
    qtbot, make_window, global_weights, grey_photo, photo_files
):
    w = make_window(global_weights, grey_photo)
    panel = w.global_panel
    assert panel.choose.isEnabled() and not panel.clear.isEnabled() and panel.automatic.isChecked()
    before = w.editor.latest.preview.astype(np.float32)
    w.global_hints.use_photo(str(photo_files[1]))
    qtbot.waitUntil(lambda: w.editor.global_hints.histogram is not None, timeout=120000)
    qtbot.waitUntil(lambda: _current(w), timeout=120000)
    assert np.abs(w.editor.latest.preview.astype(np.float32) - before).mean() > 1.0, "the colours show at once"
    assert photo_files[1].name in panel.reference_name.text()
    assert panel.use_reference.isChecked() and panel.clear.isEnabled()
    assert panel.thumbnail.pixmap() is not None and not panel.thumbnail.pixmap().isNull()
    assert any(s.isVisibleTo(panel) for s in panel.colours)
    assert w.editor.document.modified and w.windowTitle().startswith("grey.png*")
    panel.use_reference.click()  # the switch: kept, not used
    assert w.editor.global_hints.histogram is not None and not w.editor.global_hints.uses_histogram
    w.undo_action.trigger()
    assert w.editor.global_hints.uses_histogram
    w.undo_action.trigger()
    assert w.editor.global_hints == GlobalHints() and "No reference photo" in panel.reference_name.text()
    w.editor.document.mark_saved()
    w.close()


def test_a_grey_reference_is_refused_and_nothing_is_lost(qtbot, make_window, global_weights, grey_photo, tmp_path):
    w = make_window(global_weights, grey_photo)
    w.editor.add_hint(100.0, 100.0)
    hints = w.editor.document.hints.hints
    w.global_hints.use_photo(str(grey_photo))
    qtbot.waitUntil(lambda: w.dialogs.last_error is not None and "colours" in w.dialogs.last_error, timeout=120000)
    assert "grey" in w.dialogs.last_error and "choose a colour photo" in w.dialogs.last_error
    assert w.editor.document.hints.hints == hints and w.editor.global_hints == GlobalHints()
    w.global_hints.use_photo(str(tmp_path / "missing.jpg"))
    qtbot.waitUntil(lambda: "missing.jpg" in (w.dialogs.last_error or ""), timeout=120000)
    w.editor.document.mark_saved()
    w.close()


def test_a_photo_dropped_on_the_colour_panel_lends_its_colours(
    qtbot, make_window, global_weights, grey_photo, photo_files
):
    w = make_window(global_weights, grey_photo)
    data = QMimeData()
    data.setUrls([QUrl.fromLocalFile(str(photo_files[2]))])
    event = QDropEvent(
        QPointF(10, 10), Qt.DropAction.CopyAction, data, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    )
    w.colour_panels.dropEvent(event)  # Qt delivers a drop only inside a real drag; this is its handler
    assert event.isAccepted()
    qtbot.waitUntil(lambda: w.editor.global_hints.reference == str(photo_files[2]), timeout=120000)
    assert w.editor.document.photo.path == grey_photo, "the drop did not open the reference as the photo"
    w.editor.document.mark_saved()
    w.close()


def test_the_saturation_slider_starts_at_the_results_own_and_one_drag_is_one_undo_step(
    qtbot, make_window, global_weights, grey_photo
):
    w = make_window(global_weights, grey_photo)
    panel = w.global_panel
    start = panel.automatic_start
    assert 0.0 <= start <= 1.0
    panel.automatic.click()
    assert w.editor.global_hints.saturation == pytest.approx(start) and panel.slider.isEnabled()
    panel.slider.setSliderDown(True)
    for value in (40, 60, 85):
        panel.slider.setValue(value)
    panel.slider.setSliderDown(False)
    assert w.editor.global_hints.saturation == pytest.approx(0.85)
    qtbot.waitUntil(lambda: _current(w), timeout=120000)
    assert panel.saturation_value.text() == "0.85"
    w.undo_action.trigger()
    assert w.editor.global_hints.saturation == pytest.approx(start), "the drag was one step"
    panel.automatic.click()
    assert w.editor.global_hints.saturation is None and not panel.slider.isEnabled()
    w.editor.document.mark_saved()
    w.close()


def test_with_weights_that_guess_a_saturation_the_slider_starts_at_the_guess_and_unticking_keeps_the_picture(
    qtbot, make_window, grey_photo, tmp_path
):
    w = make_window(make_guessing_weights(tmp_path / "guess.safetensors"), grey_photo)
    panel = w.global_panel
    assert panel.automatic_start == pytest.approx(GUESS)
    before = w.editor.latest.preview.astype(np.float32)
    panel.automatic.click()
    assert w.editor.global_hints.saturation == pytest.approx(GUESS)
    qtbot.waitUntil(lambda: _current(w), timeout=120000)
    assert np.abs(w.editor.latest.preview.astype(np.float32) - before).mean() < 0.5
    w.editor.document.mark_saved()
    w.close()


def test_a_session_brings_its_reference_colours_back_without_the_reference_file(
    qtbot, make_window, global_weights, grey_photo, photo_files, tmp_path
):
    w = make_window(global_weights, grey_photo)
    w.global_hints.use_photo(str(photo_files[1]))
    qtbot.waitUntil(lambda: w.editor.global_hints.histogram is not None, timeout=120000)
    w.editor.set_saturation(0.6)
    assert file_actions.save_session_to(w, tmp_path / "s.hints.json")
    kept = w.editor.global_hints
    w.close()
    other = make_window(global_weights, show=False)
    assert file_actions.open_session(other, tmp_path / "s.hints.json")
    qtbot.waitUntil(lambda: other.editor.document is not None, timeout=120000)
    assert other.editor.global_hints == kept and not other.editor.document.modified
    assert "(photo not at hand)" in other.global_panel.thumbnail.text()  # a new run has no thumbnail
    other.close()


def test_weights_without_the_branch_say_so_in_the_panel(qtbot, make_window, echo_weights, grey_photo):
    w = make_window(echo_weights, grey_photo)
    panel = w.global_panel
    assert not panel.choose.isEnabled() and not panel.automatic.isEnabled()
    assert "do not take a reference photo" in panel.note.text() and panel.note.isVisibleTo(panel)
    w.close()
