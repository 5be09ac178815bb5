"""A large JPEG opens from a reduced decode first; the full photo follows without holding the user."""

import numpy as np
from gui_helpers import open_and_wait, wait_for_result, wait_for_variations
from PIL import Image

from ideepcolor_app.editing.document import Document
from ideepcolor_app.gui import file_actions, photo_opener, variations_actions
from ideepcolor_app.gui.photo_opener import PhotoOpener


def _large_jpeg(path, size=(3200, 2400)):
    width, height = size
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    grey = (128 + 90 * np.sin(x / 151) * np.cos(y / 97)).astype(np.uint8)
    Image.fromarray(grey).save(path, quality=92)
    return path


def test_a_large_jpeg_shows_a_draft_then_its_full_photo_keeping_hints_results_and_saving(
    qtbot, make_window, tmp_path, monkeypatch
):
    path = _large_jpeg(tmp_path / "big.jpg")
    monkeypatch.setattr(photo_opener, "COMPLETE_AFTER_MS", 600_000)
    window = make_window()
    started = []
    monkeypatch.setattr(window.opener, "start_completing", lambda: started.append(True))  # held back
    open_and_wait(qtbot, window, path)
    document = window.editor.document
    assert document.photo.is_draft and document.size == (3200, 2400)
    assert max(document.grey_preview().shape) <= 800, "the grey shown at once is the draft's"
    wait_for_result(qtbot, window)
    assert window.editor.latest.photo is document.photo and started, "the first picture, then the full photo"

    window.editor.choose_color(50.0, 40.0)
    window.editor.add_hint(2400.0, 600.0)  # placed on the draft, in the photo's own pixels
    out = tmp_path / "saved.png"
    file_actions.save_result_to(window, out)
    assert not out.exists() and window.opener.completing, "saving waits for the full pixels"
    PhotoOpener.start_completing(window.opener)
    qtbot.waitUntil(out.exists, timeout=120000)
    assert not document.photo.is_draft and window.editor.document is document
    assert [(h.x, h.y, h.ab) for h in document.hints] == [(2400.0, 600.0, (50.0, 40.0))]
    assert window.dialogs.last_error is None
    saved = np.asarray(Image.open(out))
    assert saved.shape == (2400, 3200, 3), "saved at full resolution"
    assert saved[600, 2400, 0] > saved[600, 2400, 2] + 20, "with the hint's colour where it was put"
    qtbot.waitUntil(lambda: window.editor.latest.photo is document.photo, timeout=120000)
    wait_for_result(qtbot, window)

    plain = make_window()  # the same photo and hint opened in full from the start
    plain.editor.open_document(Document.load(path, tuple(document.hints)))
    wait_for_result(qtbot, plain)
    shape = window.editor.latest.preview.shape  # the views settle at the same size in both windows
    qtbot.waitUntil(lambda: plain.editor.latest.preview.shape == shape, timeout=120000)
    assert np.array_equal(window.editor.latest.preview, plain.editor.latest.preview), "the same result at rest"


def test_when_the_full_photo_cannot_be_read_the_user_is_told_and_nothing_half_made_is_saved(
    qtbot, make_window, tmp_path, monkeypatch
):
    path = _large_jpeg(tmp_path / "big.jpg")
    window = make_window()
    open_and_wait(qtbot, window, path)
    assert window.editor.document.photo.is_draft
    real_load = Document.load

    def broken(*args, **kwargs):
        if kwargs.get("draft_side") is None and len(args) < 6:  # the full decode
            raise OSError("disk read error")
        return real_load(*args, **kwargs)

    monkeypatch.setattr(Document, "load", staticmethod(broken))
    window.opener.start_completing()
    qtbot.waitUntil(lambda: window.dialogs.last_error is not None, timeout=120000)
    assert "disk read error" in window.dialogs.last_error and "cannot be saved" in window.dialogs.last_error
    file_actions.save_result_to(window, tmp_path / "out.png")
    assert len(window.dialogs.errors) == 2 and "Open the photo again" in window.dialogs.last_error
    assert not (tmp_path / "out.png").exists()
    assert window.editor.document.photo.is_draft, "the hints and the draft stay open"


def test_the_drafts_variations_stay_when_the_full_photo_arrives_and_can_be_adopted(
    qtbot, make_window, tmp_path, monkeypatch
):
    path = _large_jpeg(tmp_path / "big.jpg")
    monkeypatch.setattr(photo_opener, "COMPLETE_AFTER_MS", 600_000)
    made = []
    real = variations_actions.make_variations
    monkeypatch.setattr(variations_actions, "make_variations", lambda *a, **k: made.append(1) or real(*a, **k))
    window = make_window()
    monkeypatch.setattr(window.opener, "start_completing", lambda: None)  # held back until the variations are up
    open_and_wait(qtbot, window, path)
    wait_for_variations(qtbot, window)
    assert window.editor.latest.photo.is_draft and len(made) == 1
    PhotoOpener.start_completing(window.opener)
    document = window.editor.document
    qtbot.waitUntil(
        lambda: window.editor.latest.photo is document.photo and not document.photo.is_draft, timeout=120000
    )
    qtbot.wait(300)
    assert len(made) == 1, "the same photo's thumbnails are not drawn twice"
    chosen = window.variations.variations[2]
    window.variations_panel.buttons[2].click()
    assert document.hints.regions == chosen.added and chosen.added, "a draft's variation is adopted on the full photo"


def test_a_photo_changed_on_disk_while_its_full_pixels_load_is_reported_not_mixed_in(qtbot, make_window, tmp_path):
    path = _large_jpeg(tmp_path / "big.jpg")
    window = make_window()
    open_and_wait(qtbot, window, path)
    assert window.editor.document.photo.is_draft
    _large_jpeg(path, size=(3300, 2400))  # replaced by another photo before the full decode
    window.opener.start_completing()
    qtbot.waitUntil(lambda: window.dialogs.last_error is not None, timeout=120000)
    assert "changed on disk" in window.dialogs.last_error
    assert window.editor.document.photo.is_draft and window.editor.document.size == (3200, 2400)
