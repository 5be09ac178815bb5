import json

import pytest
import torch

from ideepcolor_app.editing.hint_set import HintSet
from ideepcolor_app.editing.session import Session, SessionError
from ideepcolor_app.hints.hint_batch import HintBatch
from ideepcolor_app.hints.local_hints import Hint


def test_hint_patch_sizes_are_validated():
    with pytest.raises(ValueError):
        Hint(1, 1, (0, 0), size=4)


def test_placed_hints_use_image_coordinates_at_network_resolution():
    hints = [Hint(500.0, 250.0, (0, 0), 5), Hint(999.9, 0.0, (0, 0), 1)]
    placed = HintBatch.place(hints, (1000, 500), torch.full((1, 1, 256, 256), 50.0))
    assert placed.squares.tolist() == [[[128 - 2, 128 - 2, 5], [0, 255, 1]]]
    assert placed.centres().tolist() == [[[128.0, 128.0], [0.0, 255.0]]]


def test_edits_emit_events_and_undo_redo_restores_each_state():
    hints = HintSet()
    events = []
    hints.changed.connect(lambda: events.append(hints.hints))
    a, b = Hint(10, 10, (5, 5)), Hint(20, 20, (-5, 5))
    hints.add(a)
    hints.add(b)
    hints.update(0, ab=(30.0, 30.0))
    hints.remove(1)
    assert hints.hints == (Hint(10, 10, (30.0, 30.0)),)
    assert len(events) == 4
    assert hints.undo() and hints.hints == (Hint(10, 10, (30.0, 30.0)), b)
    assert hints.undo() and hints.hints == (a, b)
    assert hints.redo() and hints.hints == (Hint(10, 10, (30.0, 30.0)), b)
    hints.clear()
    assert len(hints) == 0 and hints.undo() and len(hints) == 2
    while hints.undo():
        pass
    assert hints.hints == () and not hints.can_undo and hints.can_redo


def test_a_drag_is_one_undo_step():
    hints = HintSet([Hint(0, 0, (0, 0))])
    for x in range(1, 30):
        hints.update(0, coalesce="drag-1", x=float(x))
    hints.end_coalescing()
    hints.update(0, coalesce="drag-2", x=100.0)
    assert hints[0].x == 100.0
    hints.undo()
    assert hints[0].x == 29.0
    hints.undo()
    assert hints[0].x == 0.0


def test_selection_follows_removals_and_undo():
    hints = HintSet()
    for i in range(3):
        hints.add(Hint(i, i, (0, 0)))
    hints.select(2)
    hints.remove(0)
    assert hints.selected == 1
    hints.remove(1)
    assert hints.selected is None
    hints.select(0)
    hints.undo()
    hints.undo()
    assert hints.selected == 0 and len(hints) == 3


def _session():
    return Session("photo é.png", "a" * 64, (640, 480), [Hint(10.5, 20.0, (12.0, -3.0), 7)], "siggraph17")


def test_session_round_trips_through_json(tmp_path):
    path = tmp_path / "s.json"
    _session().save(path)
    assert Session.load(path) == _session()
    assert json.loads(path.read_text())["version"] == 1


@pytest.mark.parametrize(
    "mutate, field",
    [
        (lambda d: d.update(format="other"), "format"),
        (lambda d: d.update(version="1"), "version"),
        (lambda d: d.update(version=99), "version"),
        (lambda d: d["image"].update(width=-3), "image.width"),
        (lambda d: d["image"].update(sha256=5), "image.sha256"),
        (lambda d: d.update(hints={}), "hints"),
        (lambda d: d["hints"][0].update(x="12"), "hints[0].x"),
        (lambda d: d["hints"][0].update(y=480), "hints[0].y"),
        (lambda d: d["hints"][0].update(ab=[1]), "hints[0].ab"),
        (lambda d: d["hints"][0].update(ab=[float("nan"), 0]), "hints[0].ab"),
        (lambda d: d["hints"][0].update(size=4), "hints[0].size"),
        (lambda d: d["hints"][0].update(size=True), "hints[0].size"),
    ],
)
def test_malformed_sessions_name_the_field(tmp_path, mutate, field):
    data = _session().to_json()
    data["hints"].append({"x": 1, "y": 1, "ab": [0, 0], "size": 5})
    mutate(data)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data))
    with pytest.raises(SessionError) as err:
        Session.load(path)
    assert f"'{field}'" in str(err.value) and str(path) in str(err.value)


def test_not_json_and_unwritable_give_clear_errors(tmp_path):
    path = tmp_path / "s.json"
    path.write_text("{ broken")
    with pytest.raises(SessionError, match="not valid JSON"):
        Session.load(path)
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(SessionError, match="Could not save session"):
        _session().save(blocker / "s.json")


def test_relative_image_paths_resolve_beside_the_session(tmp_path):
    assert _session().resolve_image(tmp_path / "s.json") == tmp_path / "photo é.png"
