"""A film clip in the window: frames, keyframe hints kept per frame, saving, reopening, preview."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from builders import colour_photo
from clips_factory import make_clip
from gui_helpers import wait_for_result

from ideepcolor_app.evaluation.evaluate_video import pan_clip
from ideepcolor_app.gui import file_actions
from ideepcolor_app.hints.local_hints import Hint

pytest.importorskip("av")


@pytest.fixture
def clip(tmp_path) -> Path:
    truth, _ = pan_clip(colour_photo(4, (200, 120)), frames=30, step=2)
    return make_clip(tmp_path / "reel.mp4", truth)


@pytest.fixture
def window(make_window):
    return make_window()  # the echo network: hints colour exactly what they cover


def on_frame(qtbot, w, index):
    qtbot.waitUntil(
        lambda: (
            w.clips.clip is not None
            and w.clips.clip.current == index
            and not w.clips.busy
            and w.editor.document is not None
            and w.editor.document.photo.sha256.endswith(f"#{index}")
        ),
        timeout=300000,
    )
    wait_for_result(qtbot, w)


def test_hints_stay_on_their_frame_and_the_clip_saves_and_reopens_with_its_keyframes(qtbot, window, clip, tmp_path):
    w = window
    assert file_actions.open_path(w, clip)
    on_frame(qtbot, w, 0)
    assert w.frame_bar.isVisible() and w.frame_bar.slider.maximum() == 29
    assert w.clips.clip._sha256 is not None, "the checksum was taken off the GUI thread, not when saving"
    hint = Hint(60.0, 40.0, (40.0, 40.0))
    w.editor.document.hints.add(hint)
    assert w.windowTitle().startswith("reel.mp4*, frame 0")
    w.frame_bar.slider.setValue(12)  # a user drags the slider; the frame opens once it settles
    on_frame(qtbot, w, 12)
    (carried,) = w.editor.document.hints.hints  # keyframe 0's hint, moved with the pan as `video` moves it
    assert carried.ab == hint.ab and carried.x == pytest.approx(60.0 - 12 * 2, abs=3.0)
    assert "Hints carried from keyframe 0" in w.statusBar().currentMessage()
    assert w.frame_bar.slider.keyframes == [0] and "keyframes 0" in w.frame_bar.label.text()
    w.clips.show_frame(5)  # left unchanged, the carried hints do not make frame 12 a keyframe
    on_frame(qtbot, w, 5)
    assert list(w.clips.keyframes()) == [0]
    w.clips.show_frame(12)
    on_frame(qtbot, w, 12)
    second = Hint(100.0, 50.0, (-30.0, 20.0))
    w.editor.document.hints.add(second)
    twelve = w.editor.document.hints.hints
    w.clips.show_frame(0)
    on_frame(qtbot, w, 0)
    assert w.editor.document.hints.hints == (hint,)
    session = tmp_path / "reel.hints.json"
    assert file_actions.save_session_to(w, session)
    data = json.loads(session.read_text())
    assert data["version"] == 3 and [k["frame"] for k in data["keyframes"]] == [0, 12]
    assert len(data["keyframes"][1]["hints"]) == 2, "the carried hint and the new one"
    assert not w.windowTitle().startswith("reel.mp4*")
    w.clips.clip.keyframes = {}  # forget, then reopen from the file
    w.editor.document.hints.replace_all([], undoable=False)
    w.clips.clip.mark_saved()
    assert file_actions.open_path(w, session)
    qtbot.waitUntil(lambda: w.clips.clip is not None and w.clips.clip.session_path == session, timeout=300000)
    on_frame(qtbot, w, 0)
    assert w.clips.keyframes() == {0: (hint,), 12: twelve}


@pytest.mark.slow  # plays two seconds of frames in real time
def test_the_preview_plays_two_seconds_colourised_with_the_hints(qtbot, window, clip):
    w = window
    assert file_actions.open_path(w, clip)
    on_frame(qtbot, w, 0)
    w.editor.document.hints.add(Hint(60.0, 40.0, (40.0, 40.0)))
    w.frame_bar.preview_button.click()
    qtbot.waitUntil(lambda: len(w.clips.preview_frames) > 0, timeout=300000)
    assert len(w.clips.preview_frames) == 24  # two seconds at 12 frames a second
    qtbot.waitUntil(lambda: not w.clips._player.isActive(), timeout=300000)


def test_opening_a_photo_leaves_the_clip_and_unsaved_keyframes_are_asked_about(qtbot, window, clip, tmp_path, dialogs):
    from PIL import Image

    w = window
    assert file_actions.open_path(w, clip)
    on_frame(qtbot, w, 0)
    w.editor.document.hints.add(Hint(60.0, 40.0, (40.0, 40.0)))
    asked = dialogs.reply(default=file_actions.QMessageBox.StandardButton.Discard)
    photo = tmp_path / "still.png"
    Image.fromarray(colour_photo(1, (80, 60))).save(photo)
    assert file_actions.open_path(w, photo)
    qtbot.waitUntil(lambda: w.clips.clip is None and w.editor.document.photo.path == photo, timeout=300000)
    assert asked, "unsaved keyframe hints are not dropped silently"
    assert not w.frame_bar.isVisible()


def test_the_preview_counts_its_frames_and_its_button_stops_it(qtbot, window, clip, monkeypatch):
    import threading

    from ideepcolor_app.gui import clip_actions

    gate = threading.Event()
    real = clip_actions.read_frames

    def held_at_the_third_frame(info, first=0, last=None):
        for n, item in enumerate(real(info, first, last)):
            if n == 2:
                gate.wait(60)
            yield item

    monkeypatch.setattr(clip_actions, "read_frames", held_at_the_third_frame)
    w = window
    assert file_actions.open_path(w, clip)
    on_frame(qtbot, w, 0)
    w.frame_bar.preview_button.click()
    qtbot.waitUntil(lambda: "frame 2 of 24" in w.statusBar().currentMessage(), timeout=300000)
    assert w.frame_bar.preview_button.text() == "Stop Preview"
    w.frame_bar.preview_button.click()
    assert w.frame_bar.preview_button.text() == "Preview" and "stopped" in w.statusBar().currentMessage()
    gate.set()
    qtbot.waitUntil(lambda: w.clips._preview_done.is_set(), timeout=300000)
    qtbot.wait(200)
    assert w.clips.preview_frames == [] and not w.clips._player.isActive(), "a stopped preview never plays"


def test_a_keyframes_strokes_and_lassos_stay_on_their_frame_are_saved_and_reach_the_preview(
    qtbot, window, clip, tmp_path
):
    import json

    from gui_helpers import drag_through

    from ideepcolor_app.hints.regions import Region

    w = window
    assert file_actions.open_path(w, clip)
    on_frame(qtbot, w, 0)
    w.lasso_tool_action.trigger()
    w.panel.color_chosen.emit(50.0, -50.0, True)
    drag_through(w, [(40.0, 30.0), (90.0, 30.0), (90.0, 80.0), (65.0, 85.0), (40.0, 80.0), (40.0, 30.0)])
    (lasso,) = w.editor.document.hints.regions
    assert w.windowTitle().startswith("reel.mp4*"), "a lasso is an unsaved edit of the clip"
    w.frame_bar.slider.setValue(10)
    on_frame(qtbot, w, 10)
    (carried,) = w.editor.document.hints.regions  # moved with the pan, as `video` moves it
    xs = [x for x, _ in carried.polygon]
    assert carried.ab == lasso.ab and min(xs) == pytest.approx(40.0 - 10 * 2, abs=3.0)
    assert w.frame_bar.slider.keyframes == [0], "carried, left as it is: frame 10 is no keyframe"
    assert "carried from keyframe 0" in w.statusBar().currentMessage()
    assert file_actions.save_session_to(w, tmp_path / "reel.hints.json")
    data = json.loads((tmp_path / "reel.hints.json").read_text())
    assert data["version"] == 4 and data["keyframes"][0]["frame"] == 0 and len(data["keyframes"][0]["regions"]) == 1
    assert [k.regions for k in w.clips.keyframe_list()] == [(lasso,)], "what the preview and video take"
    w.clips.clip.shapes = {}  # forget, then reopen from the file
    w.clips.clip.mark_saved()
    w.editor.document.mark_saved()
    assert file_actions.open_path(w, tmp_path / "reel.hints.json")
    on_frame(qtbot, w, 0)
    assert w.editor.document.hints.regions == (Region(lasso.polygon, lasso.ab),)
