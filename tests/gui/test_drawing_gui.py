"""Strokes, lassos, protected areas, the wand and the eraser, driven in the window as a user does."""

import numpy as np
import pytest
from gui_helpers import click, drag_through, open_and_wait, wait_for_result
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from ideepcolor_app.editing import recovery
from ideepcolor_app.editing.session import Session
from ideepcolor_app.editing.tools import Tool
from ideepcolor_app.gui import file_actions
from ideepcolor_app.photos.images import load_photo


def outline(x0, y0, x1, y1, step=10):
    """A rectangle drawn by hand: many points along each side."""
    top = [(x, y0) for x in range(x0, x1, step)]
    right = [(x1, y) for y in range(y0, y1, step)]
    bottom = [(x, y1) for x in range(x1, x0, -step)]
    left = [(x0, y) for y in range(y1, y0, -step)]
    return top + right + bottom + left


def pick(w, a, b):
    """A colour picked in the colour panel."""
    w.panel.color_chosen.emit(a, b, True)


def test_a_brush_stroke_paints_its_colour_along_its_path_and_nowhere_else(qtbot, window):
    w = window
    assert w.brush_tool_action.shortcut().toString() == "B"
    pick(w, -40.0, 40.0)
    w.brush_tool_action.trigger()
    assert w.editor.tool is Tool.BRUSH and w.brush_tool_action.isChecked()
    assert w.patch_label.text().startswith("Brush:")
    assert w.canvas_title.text().startswith("Brush: Paint a stroke"), "the canvas says what the mouse does"
    drag_through(w, [(100, 100), (200, 100), (300, 110), (400, 120)])
    (stroke,) = w.editor.document.hints.strokes
    assert stroke.ab == (-40.0, 40.0) and len(w.editor.document.hints) == 0
    wait_for_result(qtbot, w)
    a, b = w.editor.result_color_at(250, 105)
    assert a < -20 and b > 20, "green under the stroke"
    a, b = w.editor.result_color_at(320, 400)
    assert abs(a) < 3 and abs(b) < 3, "grey far from it"
    w.undo_action.trigger()
    assert w.editor.document.hints.strokes == ()


def test_a_lasso_colours_its_inside_and_leaves_the_outside_as_it_was(qtbot, window, tmp_path):
    w = window
    pick(w, -40.0, 40.0)
    click(w, 120, 300)  # a hint whose colour reaches a little way
    wait_for_result(qtbot, w)
    before = [w.editor.result_color_at(x, y) for x, y in ((120, 300), (600, 50), (200, 240))]
    assert w.lasso_tool_action.shortcut().toString() == "F"
    w.lasso_tool_action.trigger()
    pick(w, 50.0, -50.0)
    drag_through(w, outline(300, 150, 500, 350))
    (region,) = w.editor.document.hints.regions
    assert region.ab == (50.0, -50.0) and region.contains(400, 250)
    wait_for_result(qtbot, w)
    a, b = w.editor.result_color_at(400, 250)
    assert a > 25 and b < -25, "the lasso's colour inside"
    after = [w.editor.result_color_at(x, y) for x, y in ((120, 300), (600, 50), (200, 240))]
    assert np.abs(np.subtract(after, before)).max() <= 1.5, "nothing changed outside"
    out = tmp_path / "result.png"
    file_actions.save_result_to(w, out)
    qtbot.waitUntil(out.exists, timeout=120000)
    saved = load_photo(out).pixels
    r, g, b = saved[250, 400].astype(int)
    assert b > r + 20, "the saved full-resolution result has the lasso too"


def test_a_protected_area_keeps_out_a_stroke_painted_across_it(qtbot, window):
    w = window
    wait_for_result(qtbot, w)
    assert w.protect_tool_action.shortcut().toString() == "Shift+F"
    w.protect_tool_action.trigger()
    drag_through(w, outline(250, 150, 450, 350))
    (region,) = w.editor.document.hints.regions
    assert region.protects
    pick(w, 60.0, 60.0)
    w.brush_tool_action.trigger()
    drag_through(w, [(50, 250), (200, 250), (350, 250), (600, 250)])
    wait_for_result(qtbot, w)
    a, b = w.editor.result_color_at(350, 250)
    assert abs(a) < 3 and abs(b) < 3, "the stroke's colour stopped at the protected area"
    a, b = w.editor.result_color_at(150, 250)
    assert a > 30 and b > 30, "and painted outside it"


def test_strokes_and_lassos_are_selected_recoloured_moved_deleted_and_erased(qtbot, window):
    w = window
    hints = w.editor.document.hints
    pick(w, -40.0, 40.0)
    w.brush_tool_action.trigger()
    drag_through(w, [(100, 100), (300, 100)])
    drag_through(w, [(100, 400), (300, 400)])
    w.lasso_tool_action.trigger()
    drag_through(w, outline(400, 150, 550, 300))
    w.point_tool_action.trigger()
    w.deselect()
    click(w, 200, 100)
    assert hints.selected_shape == ("stroke", 0) and len(hints) == 0, "selected, no hint added"
    pick(w, 10.0, 60.0)
    assert hints.strokes[0].ab == (10.0, 60.0), "the panel's colour recolours the selected stroke"
    drag_through(w, [(200, 100), (200, 150)])
    assert hints.strokes[0].points[0] == pytest.approx((100, 150), abs=1)
    w.editor.delete_selected()
    assert len(hints.strokes) == 1
    w.undo_action.trigger()
    assert len(hints.strokes) == 2
    click(w, 475, 225, Qt.MouseButton.RightButton)
    assert hints.regions == (), "a right click deletes the lasso under it"
    w.eraser_tool_action.trigger()
    drag_through(w, [(200, 380), (200, 420)])
    assert [s.points[0][1] for s in hints.strokes] == pytest.approx([150.0], abs=1), "the eraser took the lower one"


def test_the_wand_selects_the_shape_under_the_click_and_shift_click_adds_to_it(qtbot, make_window, tmp_path):
    pixels = np.full((300, 400), 60, np.uint8)
    yy, xx = np.mgrid[0:300, 0:400]
    pixels[(xx - 130) ** 2 + (yy - 150) ** 2 < 70**2] = 200
    pixels[120:180, 190:360] = 200  # a bar touching the disk
    Image.fromarray(pixels).save(tmp_path / "disk.png")
    w = make_window(photo=tmp_path / "disk.png")
    pick(w, 30.0, 30.0)
    w.wand_tool_action.trigger()
    click(w, 120, 150)
    (region,) = w.editor.document.hints.regions
    assert region.contains(130, 100) and not region.contains(20, 20) and region.ab == (30.0, 30.0)
    click(w, 20, 20, modifiers=Qt.KeyboardModifier.ShiftModifier)
    (grown,) = w.editor.document.hints.regions
    assert grown.contains(20, 20) and grown.contains(130, 100)


def test_strokes_and_lassos_are_saved_reopened_and_recovered_after_a_crash(
    qtbot, window, make_window, dialogs, tmp_path, monkeypatch
):
    w = window
    pick(w, -40.0, 40.0)
    w.brush_tool_action.trigger()
    drag_through(w, [(100, 100), (300, 100)])
    w.protect_tool_action.trigger()
    drag_through(w, outline(400, 150, 550, 300))
    hints = w.editor.document.hints
    stroke, region = hints.strokes[0], hints.regions[0]
    assert w.windowTitle().startswith("*") or "*" in w.windowTitle(), "the window says there are unsaved edits"
    assert file_actions.save_session_to(w, tmp_path / "s.json")
    saved = Session.load(tmp_path / "s.json")
    assert saved.strokes == [stroke] and saved.regions == [region]
    other = make_window(show=False)
    open_and_wait(qtbot, other, tmp_path / "s.json", file_actions.open_path)
    assert other.editor.document.hints.strokes == (stroke,) and not other.editor.document.modified
    other.editor.document.mark_saved()
    other.close()
    drag_through(w, outline(50, 300, 150, 420))  # unsaved: only the autosave holds it
    file_actions.autosave(w)
    monkeypatch.setattr(recovery, "process_alive", lambda pid: False)
    dialogs.reply(QMessageBox.StandardButton.Yes)
    fresh = make_window(show=False)
    open_and_wait(qtbot, fresh, None, lambda win, _: file_actions.offer_recovery(win))
    assert fresh.editor.document.hints.strokes == (stroke,)
    assert len(fresh.editor.document.hints.regions) == 2, "the lasso drawn after saving came back"


def test_variations_keep_the_lasso_and_one_can_be_adopted_beside_it(qtbot, window):
    from gui_helpers import wait_for_variations

    w = window
    w.lasso_tool_action.trigger()
    pick(w, 50.0, -50.0)
    drag_through(w, outline(300, 150, 500, 350))
    wait_for_result(qtbot, w)
    w.variations.more()
    wait_for_variations(qtbot, w)
    (lasso,) = w.editor.document.hints.regions
    for variation in w.variations.variations:
        assert variation.colorization.regions == (lasso, *variation.added)
        for x, y in ((310, 160), (400, 250), (490, 340)):
            a, b = variation.colorization.predicted_ab_at(x, y)
            assert a > 25 and b < -25, "the lasso's colour in every variation, to its corners"
    w.variations.adopt(0)
    assert w.editor.document.hints.regions == (lasso, *w.variations.variations[0].added)
