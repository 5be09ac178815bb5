"""The editing rules, driven through the Qt-free :class:`Editor` with the echo engine."""

from pathlib import Path

import numpy as np
import pytest
import torch
from builders import colour_photo, colour_photo_value

from ideepcolor_app.editing.editor import Editor, result_kind
from ideepcolor_app.hints.global_hints import GlobalHints
from ideepcolor_app.hints.local_hints import Hint
from ideepcolor_app.inference.engine import ColorizationEngine
from ideepcolor_app.inference.photo_on_device import PhotoOnDevice
from ideepcolor_app.inference.worker import UpdateResult
from ideepcolor_app.photos.images import Photo


class Recorder:
    """Every event the editor emits, in order."""

    def __init__(self, editor: Editor) -> None:
        self.events: list[tuple] = []
        for name in (
            "document_changed",
            "hints_changed",
            "current_changed",
            "recent_changed",
            "result_changed",
            "palette_changed",
            "update_requested",
        ):
            getattr(editor, name).connect(lambda *args, name=name: self.events.append((name, *args)))

    def of(self, name: str) -> list[tuple]:
        return [e[1:] for e in self.events if e[0] == name]


def run(echo_engine: ColorizationEngine, editor: Editor, with_palette: bool = True) -> UpdateResult:
    """What the worker would deliver for the editor's current hints."""
    document = editor.document
    source = echo_engine.set_photo(document.photo)
    colorization = echo_engine.colorize(document.hints.hints, source=source)
    probe = editor.probe
    palette = colorization.suggestions(*probe) if with_palette and probe else None
    preview = colorization.preview_rgb(2048)
    return UpdateResult(0, document.hints.hints, preview, palette, 0.01, colorization)


def test_opening_a_photo_asks_for_its_upload_and_first_result():
    editor = Editor()
    events = Recorder(editor)
    photo = colour_photo_value()
    document = editor.open(photo, (Hint(10, 10, (5.0, 5.0), 3),))
    assert events.of("document_changed") == [(document,)]
    assert events.of("update_requested") == [(document.hints.hints, None, photo, GlobalHints(), (), (), None)]
    assert editor.latest is None and editor.probe is None


def test_a_document_loaded_on_a_worker_thread_opens_with_its_hints_and_grey_picture(tmp_path):
    from PIL import Image

    from ideepcolor_app.base.errors import ImageError
    from ideepcolor_app.editing.document import Document

    Image.fromarray(colour_photo(3, (90, 60))).save(tmp_path / "p.png")
    hints = (Hint(10, 10, (5.0, 5.0), 3),)
    document = Document.load(tmp_path / "p.png", hints)  # what the window runs off its thread
    assert document.size == (90, 60) and document.hints.hints == hints and not document.modified
    grey = document.grey_preview()
    assert grey.shape == (60, 90, 3) and (grey[..., 0] == grey[..., 2]).all(), "neutral grey"
    editor = Editor()
    events = Recorder(editor)
    assert editor.open_document(document) is document
    assert events.of("update_requested") == [(hints, None, document.photo, GlobalHints(), (), (), None)]
    (tmp_path / "empty.png").write_bytes(b"")
    with pytest.raises(ImageError, match="empty"):
        Document.load(tmp_path / "empty.png")


def test_a_new_hint_takes_the_current_colour_or_else_the_network_prediction_there(echo_engine):
    editor = Editor(patch_size=7)
    editor.open(colour_photo_value())
    editor.add_hint(50, 60)
    hints = editor.document.hints
    assert hints[0].ab == (0.0, 0.0) and hints[0].size == 7, "no result yet and no colour: grey"
    editor.choose_color(40.0, -20.0)
    editor.deselect()
    editor.add_hint(200, 100)
    assert hints[1].ab == (40.0, -20.0), "the current colour"
    editor.deselect()
    editor.reset()
    assert len(hints) == 0 and editor.current_ab is None
    editor.add_hint(200, 100)
    editor.choose_color(-30.0, 45.0)  # the selected hint's colour
    editor.deselect()
    editor.current_ab = None
    assert editor.accept(run(echo_engine, editor))
    editor.add_hint(200, 100)
    predicted = editor.latest.colorization.predicted_ab_at(200, 100)
    assert hints[1].ab == pytest.approx(predicted) and abs(predicted[0] + 30) < 8, "the network's colour there"


def test_the_current_colour_and_size_follow_the_selected_hint_through_undo():
    editor = Editor()
    editor.open(colour_photo_value())
    editor.choose_color(10.0, 10.0)
    editor.add_hint(100, 100)
    editor.choose_color(50.0, 0.0)  # recolours the selected hint
    editor.step_patch_size(1)
    hints = editor.document.hints
    assert hints[0].ab == (50.0, 0.0) and hints[0].size == 7
    editor.undo()
    assert hints[0].size == 5 and editor.patch_size == 5
    editor.undo()
    assert hints[0].ab == (10.0, 10.0) and editor.current_ab == (10.0, 10.0), "the panel shows the hint's colour"
    editor.deselect()
    assert editor.current_ab == (10.0, 10.0), "deselecting keeps the colour for new hints"


def test_dragging_the_picker_is_one_undo_step_and_one_recent_colour():
    editor = Editor(recent_colors=[(float(i), 0.0) for i in range(12)])
    assert len(editor.recent_colors) == 10
    events = Recorder(editor)
    editor.open(colour_photo_value())
    editor.add_hint(100, 100)
    for a in range(5):
        editor.choose_color(float(a), 30.0, final=False)
    editor.choose_color(5.0, 30.0)
    assert editor.recent_colors[:2] == [(5.0, 30.0), (0.0, 0.0)] and len(editor.recent_colors) == 10
    assert len(events.of("recent_changed")) == 1
    editor.undo()
    assert editor.document.hints[0].ab == (0.0, 0.0), "the whole drag is undone at once"
    editor.choose_color(1.0, 0.0)
    assert editor.recent_colors.count((1.0, 0.0)) == 1, "a colour is listed once, most recent first"


def test_patch_size_steps_stop_at_the_ends():
    editor = Editor(patch_size=4)  # not a patch size: the default instead
    assert editor.patch_size == 5
    for _ in range(4):
        editor.step_patch_size(1)
    assert editor.patch_size == 9
    for _ in range(6):
        editor.step_patch_size(-1)
    assert editor.patch_size == 1


def test_edits_request_updates_with_the_probe_at_the_selected_hint():
    editor = Editor()
    editor.open(colour_photo_value())
    events = Recorder(editor)
    editor.add_hint(100, 80)
    hints = editor.document.hints.hints
    assert events.of("update_requested")[-1] == (hints, (100, 80), None, GlobalHints(), (), (), None)
    assert events.of("hints_changed")
    editor.deselect()
    assert events.of("palette_changed")[-1] == (None,), "no hint selected: no palette"


def test_results_for_another_photo_or_older_hints_change_nothing(echo_engine):
    editor = Editor()
    editor.open(colour_photo_value(0))
    editor.add_hint(100, 80)
    old = run(echo_engine, editor)
    events = Recorder(editor)
    editor.open(colour_photo_value(1))
    assert not editor.accept(old), "a late result for the photo closed meanwhile"
    assert editor.latest is None and not events.of("result_changed")

    editor.add_hint(30, 30)
    result = run(echo_engine, editor)
    editor.choose_color(20.0, 20.0)  # the hints changed after the result was computed
    assert editor.accept(result) and events.of("result_changed")[-1] == (result,)
    assert not [p for p in events.of("palette_changed") if p != (None,)], "its palette is out of date"
    assert editor.accept(run(echo_engine, editor))
    palette = events.of("palette_changed")[-1][0]
    assert palette is not None and (palette.x, palette.y) == editor.probe


def test_the_eyedropper_reads_the_result_colour(echo_engine):
    editor = Editor()
    editor.open(colour_photo_value())
    assert editor.result_color_at(10, 10) is None
    editor.choose_color(-50.0, 40.0)
    editor.add_hint(160, 120)
    editor.accept(run(echo_engine, editor))
    a, b = editor.result_color_at(160, 120)
    assert a < -20 and b > 15


def test_the_panel_shows_the_colour_at_the_lightness_the_network_sees(echo_engine):
    editor = Editor()
    photo = colour_photo_value(2)
    editor.open(photo)
    current = editor.current_color()
    assert current.caption == "New hints take the network's colour" and current.lightness == 60
    editor.add_hint(250, 50)
    current = editor.current_color()
    seen = PhotoOnDevice.upload(photo, torch.device("cpu")).lightness_at(250, 50)
    assert current.caption == "Colour of the selected hint"
    assert current.lightness == pytest.approx(seen, abs=1e-4), "one lightness for display and network"
    assert current.lightness == pytest.approx(echo_engine.set_photo(photo).lightness_at(250, 50), abs=1e-4)


def test_lightness_at_size_matches_an_area_average_of_the_photo():
    from ideepcolor_app.colour.color import lightness_at_size, rgb_to_lab

    rgb = colour_photo(3, (512, 512))
    l_small = lightness_at_size(torch.from_numpy(rgb), 255, (256, 256))[0, 0]
    pairs = torch.from_numpy(rgb.astype(np.float32)).reshape(256, 2, 256, 2, 3).mean(dim=(1, 3))
    expected = rgb_to_lab(pairs.permute(2, 0, 1) / 255)[0]
    assert l_small.shape == (256, 256)
    assert (l_small - expected).abs().mean() < 0.3


def test_result_kinds_name_what_the_status_bar_shows(echo_engine):
    editor = Editor()
    editor.open(colour_photo_value())
    result = run(echo_engine, editor, with_palette=False)
    assert result_kind(result, refines=False) == "Update"
    assert result_kind(result, refines=True) == "Refined"
    fast = UpdateResult(0, result.hints, result.preview, None, 0.01, result.colorization, preliminary=True)
    assert result_kind(fast, refines=True) == "Fast"
    small = echo_engine.colorize((), size=112, source=result.colorization.source)
    assert result_kind(UpdateResult(0, (), result.preview, None, 0.01, small, preliminary=True), True) == "Preview"


def test_recent_colours_are_shown_at_the_selected_hints_lightness():
    rgb = np.full((240, 320, 3), 40, np.uint8)
    rgb[:, 160:] = 215  # a dark left half, a bright right half
    recent = [(40.0, 20.0), (-30.0, 50.0), (10.0, -60.0)]
    editor = Editor(recent_colors=recent)
    document = editor.open(Photo(Path("halves.png"), rgb, "halves", True))
    editor.add_hint(40, 120)
    dark = editor.current_color()
    editor.add_hint(280, 120)
    bright = editor.current_color()
    assert [ab for ab, _ in dark.recent] == recent and [ab for ab, _ in bright.recent] == recent
    for (_, on_dark), (ab, on_bright) in zip(dark.recent, bright.recent, strict=True):
        assert sum(on_dark) < sum(on_bright) - 200, f"{ab} should look darker on the dark half"
        assert on_bright == document.rgb_at_lightness(ab, bright.lightness), "one snapped colour per ab and L"


def test_a_colour_shown_at_a_second_lightness_is_ready_at_every_lightness(monkeypatch):
    """A hint dragged over a photo changes lightness at almost every step; the recent colours it
    shows there must not need a gamut snap on the window's thread at each step."""
    from ideepcolor_app.editing import document as document_module
    from ideepcolor_app.editing.document import Document

    snaps = []
    real = document_module.snap_ab_to_gamut
    monkeypatch.setattr(document_module, "snap_ab_to_gamut", lambda l, ab: snaps.append(len(l)) or real(l, ab))
    document = Document(colour_photo_value())
    colors = [(40.0, 20.0), (-30.0, 50.0), (10.0, -60.0)]
    first = document.rgbs_at_lightness(colors, 30.2)
    assert snaps == [3], "first shown: one lightness only"
    document.rgbs_at_lightness(colors, 70.0)
    assert len(snaps) == 2
    shown = [document.rgbs_at_lightness(colors, level + 0.3) for level in range(0, 100, 7)]
    assert len(snaps) == 2, "every other lightness comes from the cache"
    assert document.rgbs_at_lightness(colors, 30.0) == first
    fresh = Document(colour_photo_value())  # the same colours computed one lightness at a time
    assert shown == [fresh.rgbs_at_lightness(colors, level) for level in range(0, 100, 7)]
    assert document.rgb_at_lightness((0.0, 0.0), 112.0) == (255, 255, 255), "L past white is white"


def test_each_user_edit_sends_one_update_request_and_one_current_change():
    """Adding a hint changes the hints and selects it: one request, not one per intermediate state."""
    editor = Editor()
    editor.open(colour_photo_value())
    events = Recorder(editor)
    editor.add_hint(100, 80)
    assert len(events.of("update_requested")) == 1 and len(events.of("current_changed")) == 1
    events.events.clear()
    editor.choose_color(30.0, -20.0)  # recolours the selected hint
    assert len(events.of("current_changed")) == 1 and len(events.of("update_requested")) == 1
    events.events.clear()
    editor.choose_color(30.0, -20.0)  # the same colour again: nothing to compute
    assert len(events.of("current_changed")) == 1 and not events.of("update_requested")
    events.events.clear()
    editor.deselect()
    editor.add_hint(10, 10)
    editor.undo()
    assert len(events.of("update_requested")) == 2, "the add and the undo, one each"
    events.events.clear()
    editor.press(None, 200, 150, inside=True)  # a click adds and selects: the panel redraws once
    assert len(events.of("current_changed")) == 1 and len(events.of("update_requested")) == 1
    editor.release()
    events.events.clear()
    editor.undo()  # the hint goes and so does its selection
    assert len(events.of("current_changed")) == 1 and len(events.of("update_requested")) == 1


def test_pointer_gestures_go_through_the_editor_a_drag_is_one_undo_step():
    editor = Editor()
    document = editor.open(colour_photo_value())
    requests = []
    editor.update_requested.connect(lambda *args: requests.append(args))
    assert editor.press(None, 50.0, 40.0, inside=True), "a press on the photo adds a hint and starts a drag"
    assert len(document.hints) == 1 and document.hints.selected == 0 and len(requests) == 1
    for x in (60.0, 80.0, 1e6):
        editor.drag_to(x, 40.0)
    editor.release()
    assert document.hints[0].x == pytest.approx(document.size[0] - 1e-3), "kept inside the photo"
    assert not editor.dragging
    editor.undo()
    assert document.hints[0].x == 50.0, "the whole drag was one step"
    assert not editor.press(None, -5.0, 40.0, inside=False) and document.hints.selected is None
    editor.drag_to(10.0, 10.0)  # no drag after a press outside the photo: nothing moves
    assert document.hints[0].x == 50.0
    assert editor.press(0, 50.0, 40.0, inside=True) and document.hints.selected == 0
    editor.release()
    editor.remove_hint(0)
    assert len(document.hints) == 0
    editor.remove_hint(3)  # a stale index from the canvas is ignored


def test_a_press_refused_at_the_hint_limit_drags_nothing(monkeypatch):
    from ideepcolor_app.hints import local_hints as hints_module

    monkeypatch.setattr(hints_module, "MAX_HINTS", 1)
    editor = Editor()
    document = editor.open(colour_photo_value())
    notices = []
    editor.notice.connect(notices.append)
    assert editor.press(None, 10.0, 10.0, inside=True)
    editor.release()
    assert not editor.press(None, 100.0, 100.0, inside=True) and notices
    editor.drag_to(200.0, 200.0)
    assert document.hints[0].x == 10.0, "the hint selected before was not dragged away"


def test_the_current_colour_has_one_owner_the_selected_hint_or_the_colour_for_new_hints():
    editor = Editor()
    document = editor.open(colour_photo_value())
    editor.choose_color(10.0, 10.0)
    editor.add_hint(100, 100)
    document.hints.update(0, ab=(70.0, -20.0))  # any edit of the hint is at once the current colour
    assert editor.current_ab == (70.0, -20.0)
    editor.remove_hint(0)  # it goes: new hints take the colour it had
    assert editor.current_ab == (70.0, -20.0)
    editor.add_hint(50, 50)
    editor.current_ab = (0.0, 5.0)  # sets the colour for new hints; the selected hint keeps its own
    assert editor.current_ab == (70.0, -20.0) and document.hints[0].ab == (70.0, -20.0)
    editor.deselect()
    assert editor.current_ab == (70.0, -20.0), "deselecting hands the hint's colour to new hints"
    editor.add_hint(60, 60)  # selected again
    editor.open(colour_photo_value(1))  # a new photo: new hints take the network's colour, the pick stays recent
    assert editor.current_ab is None and (10.0, 10.0) in editor.recent_colors
