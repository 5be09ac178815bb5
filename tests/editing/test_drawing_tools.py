"""Brush, lasso, protect, eraser and wand, driven through the Qt-free :class:`Editor`."""

from pathlib import Path

import cv2
import numpy as np
import pytest
from builders import colour_photo_value

from ideepcolor_app.editing.editor import Editor
from ideepcolor_app.editing.session import Session
from ideepcolor_app.editing.tools import Tool
from ideepcolor_app.hints.regions import Region
from ideepcolor_app.hints.strokes import Stroke, brush_width
from ideepcolor_app.photos.images import Photo


def editor_with_photo(photo: Photo | None = None) -> tuple[Editor, list[tuple]]:
    editor = Editor()
    editor.open(photo or colour_photo_value(size=(320, 240)))
    requests: list[tuple] = []
    editor.update_requested.connect(lambda *args: requests.append(args))
    return editor, requests


def paint(editor: Editor, points: list[tuple[float, float]], extend: bool = False) -> bool:
    started = editor.press(None, *points[0], inside=True, extend=extend)
    for point in points[1:]:
        editor.drag_to(*point)
    editor.release()
    return started


def square(x0: float, y0: float, x1: float, y1: float, step: float = 5.0) -> list[tuple[float, float]]:
    """An outline drawn round a rectangle, as a hand would: many points along each side."""
    top = [(x, y0) for x in np.arange(x0, x1, step)]
    right = [(x1, y) for y in np.arange(y0, y1, step)]
    bottom = [(x, y1) for x in np.arange(x1, x0, -step)]
    left = [(x0, y) for y in np.arange(y1, y0, -step)]
    return [(float(x), float(y)) for x, y in top + right + bottom + left]


def test_a_brush_stroke_is_one_undo_step_in_the_current_colour_and_every_step_is_sent_to_the_network():
    editor, requests = editor_with_photo()
    document = editor.document
    editor.set_tool(Tool.BRUSH)
    editor.choose_color(-40.0, 40.0)
    requests.clear()
    assert paint(editor, [(20.0, 30.0), (60.0, 30.0), (100.0, 35.0), (140.0, 40.0)])
    (stroke,) = document.hints.strokes
    assert stroke.ab == (-40.0, 40.0)
    assert stroke.width == pytest.approx(brush_width(editor.brush_size, document.size))
    assert stroke.points[0] == (20.0, 30.0) and stroke.points[-1] == (140.0, 40.0)
    assert len(requests) == 4, "the stroke is shown as it grows, as a dragged hint is"
    assert requests[-1][4] == (stroke,), "the request carries the stroke"
    assert document.modified and document.to_session(None).strokes == [stroke]
    editor.undo()
    assert document.hints.strokes == (), "the whole stroke was one step"
    editor.redo()
    assert document.hints.strokes == (stroke,)


def test_a_lasso_holds_the_current_colour_and_protect_has_none_and_a_scribble_is_refused():
    editor, requests = editor_with_photo()
    document = editor.document
    notices: list[str] = []
    editor.notice.connect(notices.append)
    outlines: list[tuple] = []
    editor.outline_changed.connect(lambda: outlines.append(editor.outline))
    editor.choose_color(50.0, -50.0)
    editor.set_tool(Tool.LASSO)
    paint(editor, square(100, 60, 200, 160))
    (region,) = document.hints.regions
    assert region.ab == (50.0, -50.0) and region.contains(150, 110) and not region.contains(50, 110)
    assert len(outlines) > 10 and outlines[-1] == (), "the outline is shown while drawn and gone after"
    assert requests[-1][5] == (region,)
    assert document.hints.selected_shape == ("region", 0), "a new lasso is selected, ready for a colour"
    editor.set_tool(Tool.PROTECT)
    paint(editor, square(10, 10, 60, 60))
    assert document.hints.regions[1].protects
    paint(editor, [(5.0, 200.0), (6.0, 201.0)])
    assert len(document.hints.regions) == 2 and "Draw around" in notices[-1]
    editor.undo()
    assert len(document.hints.regions) == 1


def test_with_the_point_tool_a_stroke_or_lasso_is_selected_moved_recoloured_and_deleted_like_a_hint(tmp_path):
    editor, requests = editor_with_photo()
    document = editor.document
    editor.set_tool(Tool.BRUSH)
    paint(editor, [(20.0, 30.0), (120.0, 30.0)])
    editor.set_tool(Tool.LASSO)
    paint(editor, square(100, 60, 200, 160))
    editor.set_tool(Tool.POINT)
    editor.deselect()
    assert editor.press(None, 70.0, 30.0, inside=True, shape=("stroke", 0)), "a press on a stroke drags it"
    assert len(document.hints) == 0, "no hint was added"
    editor.drag_to(70.0, 50.0)
    editor.release()
    assert document.hints.strokes[0].points == ((20.0, 50.0), (120.0, 50.0))
    assert editor.probe is not None and document.hints.strokes[0].distance_to(*editor.probe) <= 0
    assert editor.current_color().caption == "Colour of the selected stroke"
    assert requests[-1][6] == document.hints.strokes[0], "its suggested colours are read over its pixels"
    editor.choose_color(10.0, 60.0)
    assert document.hints.strokes[0].ab == (10.0, 60.0) and document.hints.regions[0].ab != (10.0, 60.0)
    editor.undo()
    editor.undo()
    assert document.hints.strokes[0].points[0] == (20.0, 30.0), "recolour and move are a step each"
    editor.press(None, 150.0, 110.0, inside=True, shape=("region", 0))
    editor.drag_to(1e6, -1e6)  # far off the photo: the lasso stops at its edge, whole
    editor.release()
    xs, ys = zip(*document.hints.regions[0].polygon, strict=True)
    assert max(xs) < document.size[0] and min(ys) >= 0 and max(xs) - min(xs) == pytest.approx(100, abs=6)
    session = document.to_session(None)
    session.image_sha256 = "0" * 64  # the test photo's stand-in checksum is no real one
    session.save(Path(tmp_path) / "moved.json")  # a session that loads again
    assert Session.load(Path(tmp_path) / "moved.json").regions == list(document.hints.regions)
    editor.delete_selected()
    assert document.hints.regions == () and len(document.hints.strokes) == 1
    editor.remove_shape("stroke", 0)
    assert document.hints.strokes == ()


def test_the_eraser_deletes_the_strokes_it_passes_over_in_one_undo_step():
    editor, _ = editor_with_photo()
    document = editor.document
    editor.set_tool(Tool.BRUSH)
    for y in (40.0, 120.0, 200.0):
        paint(editor, [(20.0, y), (300.0, y)])
    editor.set_tool(Tool.ERASER)
    paint(editor, [(160.0, 10.0), (160.0, 60.0), (160.0, 130.0)])
    assert [s.points[0][1] for s in document.hints.strokes] == [200.0]
    editor.undo()
    assert len(document.hints.strokes) == 3


def test_the_brush_size_steps_with_the_brush_and_the_patch_size_without():
    editor, _ = editor_with_photo()
    patch = editor.patch_size
    editor.set_tool(Tool.BRUSH)
    size = editor.brush_size
    editor.step_patch_size(1)
    assert editor.brush_size > size and editor.patch_size == patch
    editor.set_tool(Tool.POINT)
    editor.step_patch_size(1)
    assert editor.patch_size > patch


def disk_photo() -> Photo:
    pixels = np.full((240, 320, 3), 60, np.uint8)
    cv2.circle(pixels, (120, 120), 60, (210, 210, 210), -1)
    cv2.rectangle(pixels, (175, 100), (300, 140), (210, 210, 210), -1)  # touches the disk
    return Photo(Path("disk.png"), pixels, "disk", False)


def test_the_wand_selects_the_light_shape_under_the_click_and_shift_adds_what_touches_it():
    editor, _ = editor_with_photo(disk_photo())
    document = editor.document
    editor.choose_color(30.0, 30.0)
    editor.set_tool(Tool.WAND)
    assert not editor.press(None, 100.0, 120.0, inside=True), "a click, not a drag"
    (region,) = document.hints.regions
    assert region.ab == (30.0, 30.0)
    disk_area = np.pi * 60**2
    assert region.contains(120, 120) and region.contains(120, 70) and not region.contains(10, 10)
    assert 0.85 * disk_area < region.area < 1.6 * disk_area, "the disk (and perhaps the bar it touches)"
    editor.set_tool(Tool.WAND)
    editor.press(None, 20.0, 20.0, inside=True, extend=True)
    (grown,) = document.hints.regions
    assert grown.contains(120, 120) and grown.contains(20, 20), "the dark background joined the selected lasso"
    editor.undo()
    assert document.hints.regions == (region,)


def test_a_session_with_strokes_and_lassos_restores_them_undoably():
    editor, _ = editor_with_photo()
    document = editor.document
    stroke = Stroke(((10.0, 10.0), (50.0, 50.0)), 6.0, (1.0, 2.0))
    region = Region(((0.0, 0.0), (40.0, 0.0), (40.0, 40.0)), None)
    editor.restore((), None, [stroke], [region])
    assert document.hints.strokes == (stroke,) and document.hints.regions == (region,)
    editor.undo()
    assert document.hints.strokes == () and document.hints.regions == ()
