"""What the window tells a user: true timings, true titles, true advice, and no silent failures."""

import errno

import numpy as np
import pytest
from gui_helpers import click, open_and_wait, wait_for_result

from ideepcolor_app.base.errors import ImageError
from ideepcolor_app.gui import engine_actions, file_actions
from ideepcolor_app.photos.images import save_image


def test_the_status_bar_shows_the_time_to_the_first_picture_of_an_edit(qtbot, window):
    shown = []
    window.editor.result_changed.connect(lambda result: shown.append(result))
    click(window, 200, 200)
    wait_for_result(qtbot, window)
    first = next(r for r in shown if r.request_id == shown[-1].request_id)
    assert window.first_result_seconds == first.seconds
    assert f"shown {first.seconds * 1000:.0f} ms after the edit" in window.latency_label.text()


def test_getting_weights_help_describes_what_is_in_use(qtbot, window):
    text = engine_actions.weights_help(window)
    assert "No colorization weights found" not in text and "ideepcolor train" not in text
    assert "In use: echo" in text and "weights download siggraph17" in text


def test_after_a_failed_first_open_the_window_explains_itself(qtbot, make_window, tmp_path):
    w = make_window(show=False)
    (tmp_path / "broken.jpg").write_bytes(b"not a jpeg")
    open_and_wait(qtbot, w, tmp_path / "broken.jpg")
    assert "Could not open the photo" in w.dialogs.last_error
    assert "File > Open" in w.canvas.placeholder and w.result_view.placeholder
    assert not any(action.isEnabled() for action in w.document_actions), "nothing to save, so no silent Save"


def test_a_result_too_large_for_its_format_is_refused_before_the_work(qtbot, window, tmp_path, monkeypatch):
    import ideepcolor_app.photos.images as images

    monkeypatch.setitem(images.FORMAT_MAX_SIDE, ".webp", 100)
    started = []
    monkeypatch.setattr(window.bridge, "save_async", lambda *a: started.append(a))
    file_actions.save_result_to(window, tmp_path / "r.webp")
    assert "too large for .webp" in window.dialogs.last_error and not started


def test_a_download_thread_that_hits_any_error_reports_it_and_frees_the_button(qtbot, window, monkeypatch):
    import ideepcolor_app.network.download as download

    def broken(*args, **kwargs):
        raise OSError("disk went away")

    monkeypatch.setattr(download, "download", broken)
    engine_actions.download_published_weights(window)
    assert not window.download_button.isEnabled()
    qtbot.waitUntil(window.download_button.isEnabled, timeout=120000)
    assert "disk went away" in window.dialogs.last_error


@pytest.mark.parametrize(
    ("code", "advice"),
    [(errno.ENOSPC, "Free some space"), (errno.EROFS, "cannot be written"), (errno.EACCES, "cannot be")],
)
def test_a_failed_write_is_explained_by_its_cause(tmp_path, monkeypatch, code, advice):
    import ideepcolor_app.photos.images as images

    class Failing:
        def __init__(self, *a, **k):
            pass

        def __enter__(self):
            raise OSError(code, "simulated")

        def __exit__(self, *a):
            return False

    monkeypatch.setattr(images, "atomic_path", Failing)
    with pytest.raises(ImageError) as err:
        save_image(np.zeros((4, 4, 3), np.uint8), tmp_path / "r.png")
    assert advice in str(err.value)
    if code != errno.ENOSPC:
        assert "Free some space" not in str(err.value)


def test_the_window_and_the_command_line_write_results_through_one_function(
    qtbot, window, tmp_path, monkeypatch, echo_weights, photo_files
):
    import ideepcolor_app.inference.export as export
    from ideepcolor_app.cli import main

    written = []
    real = export.save_image
    monkeypatch.setattr(
        export, "save_image", lambda rgb, target, **kw: written.append(target) or real(rgb, target, **kw)
    )
    file_actions.save_result_to(window, tmp_path / "from-window.png")
    qtbot.waitUntil(lambda: (tmp_path / "from-window.png").exists(), timeout=120000)
    assert main(["colorize", str(photo_files[0]), "-o", str(tmp_path), "--weights", str(echo_weights)]) == 0
    assert [p.name for p in written] == ["from-window.png", f"{photo_files[0].stem}_colorized.png"]
