"""No hint is lost: each window has its own autosave, and only the user's choice removes one."""

import json

from gui_helpers import click
from PySide6.QtWidgets import QMessageBox

from ideepcolor_app.base.resources import sample_photo
from ideepcolor_app.editing import recovery
from ideepcolor_app.editing.recovery import orphaned_recoveries
from ideepcolor_app.editing.session import Session
from ideepcolor_app.gui import file_actions
from ideepcolor_app.gui.app import start
from ideepcolor_app.hints.local_hints import Hint


def edit_and_autosave(qtbot, w, at=(200, 200)):
    w.editor.choose_color(40.0, 40.0)
    click(w, *at)
    qtbot.waitUntil(w.recovery.path.exists, timeout=120000)


def test_another_window_closing_or_editing_never_touches_a_windows_autosave(qtbot, make_window, photo_path):
    a, b = make_window(photo=photo_path, wait=False), make_window(photo=photo_path, wait=False)
    edit_and_autosave(qtbot, a)
    saved_a = a.recovery.path.read_bytes()
    edit_and_autosave(qtbot, b, at=(300, 300))
    assert a.recovery.path != b.recovery.path
    b.editor.document.mark_saved()
    b.close()
    assert a.recovery.path.read_bytes() == saved_a, "B's edits and B's clean exit left A's autosave alone"


def test_a_live_windows_autosave_is_never_offered(qtbot, make_window, photo_path, monkeypatch, dialogs):
    a = make_window(photo=photo_path, wait=False)
    edit_and_autosave(qtbot, a)
    assert orphaned_recoveries() == []  # its process (this one) is alive
    asked = dialogs.reply()
    b = make_window()
    assert not file_actions.offer_recovery(b)
    assert asked == []


def test_declining_a_restore_keeps_the_hints_and_discard_removes_them(
    qtbot, make_window, photo_path, monkeypatch, dialogs
):
    a = make_window(photo=photo_path, wait=False)
    edit_and_autosave(qtbot, a)
    monkeypatch.setattr(recovery, "process_alive", lambda pid: False)  # A was killed
    asked = dialogs.reply(QMessageBox.StandardButton.No)
    assert not file_actions.offer_recovery(make_window())
    assert "Restore 1 hint on photo.png?" in asked[0]
    assert a.recovery.path.exists(), "No keeps them for later"
    dialogs.reply(QMessageBox.StandardButton.Discard)
    assert not file_actions.offer_recovery(make_window())
    assert not a.recovery.path.exists()


def test_every_orphan_is_offered_newest_first(qtbot, make_window, photo_path, monkeypatch, tmp_path, dialogs):
    folder = recovery.recovery_folder()
    folder.mkdir(parents=True)
    for pid, count in ((999_991, 2), (999_992, 3)):
        hints = [Hint(10.0 + i, 10.0, (20.0, 20.0)) for i in range(count)]
        Session(str(photo_path), "0" * 64, (640, 480), hints).save(folder / f"{pid}-abcd.json")
    monkeypatch.setattr(recovery, "process_alive", lambda pid: pid < 999_990)
    assert [len(o.session.hints) for o in orphaned_recoveries()] == [3, 2]
    asked = dialogs.reply(QMessageBox.StandardButton.No)
    file_actions.offer_recovery(make_window())
    assert "Restore 3 hints" in asked[0] and "1 more will be offered next time" in asked[0]


def test_an_old_single_autosave_is_still_offered(qtbot, make_window, photo_path, monkeypatch):
    legacy = recovery.data_dir() / "autosave.json"
    legacy.parent.mkdir(parents=True)
    Session(str(photo_path), "0" * 64, (640, 480), [Hint(5.0, 5.0, (10.0, 10.0))]).save(legacy)
    assert [o.path for o in orphaned_recoveries()] == [legacy]


def test_restoring_then_the_same_photo_from_the_command_line_keeps_the_hints(
    qtbot, make_window, photo_path, monkeypatch, dialogs
):
    a = make_window(photo=photo_path, wait=False)
    edit_and_autosave(qtbot, a)
    lost = a.editor.document.hints.hints
    monkeypatch.setattr(recovery, "process_alive", lambda pid: False)
    asked = dialogs.reply(QMessageBox.StandardButton.Yes)
    fresh = make_window()
    start(fresh, str(photo_path))
    qtbot.waitUntil(lambda: fresh.editor.document is not None and not fresh.opener.busy, timeout=120000)
    qtbot.wait(200)
    assert not fresh.opener.busy
    assert fresh.editor.document.hints.hints == lost
    assert len(asked) == 1, f"only the restore was asked: {asked}"


def test_an_unwritable_data_folder_shows_a_lasting_autosave_failure(qtbot, make_window, photo_path, tmp_path):
    w = make_window(photo=photo_path, wait=False)
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where the folder should be")
    w.recovery.path = blocker / "recovery" / "w.json"
    w.editor.choose_color(40.0, 40.0)
    click(w, 200, 200)
    qtbot.waitUntil(lambda: w.autosave_problem is not None, timeout=120000)
    assert w.autosave_label.isVisible() and "cannot create" in w.autosave_label.toolTip()
    w.recovery = recovery.RecoveryFile(tmp_path / "ok")
    click(w, 300, 300)
    qtbot.waitUntil(lambda: w.autosave_problem is None, timeout=120000)
    assert not w.autosave_label.isVisible()


def test_steady_editing_is_autosaved_within_a_few_seconds(qtbot, make_window, photo_path):
    """The pause timer restarts on every edit; the deadline timer does not, so it fires."""
    w = make_window(photo=photo_path, wait=False)
    w.editor.choose_color(40.0, 40.0)
    click(w, 200, 200)
    deadline = w._autosave_deadline
    assert deadline.isActive() and deadline.interval() <= 3000
    first = deadline.remainingTime()
    qtbot.wait(50)
    click(w, 250, 250)
    assert deadline.isActive() and deadline.remainingTime() < first, "a later edit does not postpone it"
    qtbot.waitUntil(w.recovery.path.exists, timeout=120000)
    saved = json.loads(w.recovery.path.read_text())
    assert len(saved["hints"]) == 2


def test_a_photo_name_that_is_not_utf8_is_autosaved_and_comes_back(tmp_path):
    name = b"caf\xe9.png".decode("utf-8", "surrogateescape")  # Latin-1 bytes, as on an old disk
    path = tmp_path / name
    Session(str(path), "0" * 64, (10, 10), [Hint(1.0, 1.0, (5.0, 5.0))]).save(tmp_path / "s.json")
    loaded = Session.load(tmp_path / "s.json")
    assert loaded.image_path == str(path) and len(loaded.hints) == 1


def test_saving_the_sample_photos_result_does_not_default_into_the_installed_package(qtbot, make_window):
    w = make_window(photo=sample_photo(), wait=False)
    folder = file_actions.save_folder(w, w.editor.document)
    assert not folder.resolve().is_relative_to(sample_photo().resolve().parents[1])
    assert folder.is_dir()


def test_a_damaged_autosave_never_stops_a_window_from_starting(qtbot, make_window, monkeypatch, dialogs):
    folder = recovery.recovery_folder()
    folder.mkdir(parents=True)
    (folder / "999993-abcd.json").write_text("[" * 100_000 + "]" * 100_000)
    (recovery.data_dir() / "autosave.json").write_text('{"version": ' + "9" * 5000 + "}")
    monkeypatch.setattr(recovery, "process_alive", lambda pid: False)
    asked = dialogs.reply()
    assert orphaned_recoveries() == []
    assert not file_actions.offer_recovery(make_window()) and asked == []
    assert (folder / "999993-abcd.json").exists(), "left alone, not deleted"
