"""The Variations panel and Vivid Colours driven as a user would, in the window."""

from __future__ import annotations

import numpy as np
import pytest
from gui_helpers import wait_for_result, wait_for_variations
from PIL import Image

from ideepcolor_app.hints.local_hints import Hint
from weights_factory import make_two_minded_weights


@pytest.fixture(scope="module")
def two_minded(tmp_path_factory):
    return make_two_minded_weights(tmp_path_factory.mktemp("weights") / "two.safetensors")


@pytest.fixture
def window(make_window, two_minded, tmp_path):
    ramp = np.tile(np.linspace(80, 200, 320).astype(np.uint8), (240, 1))
    path = tmp_path / "grey.png"
    Image.fromarray(ramp).save(path)
    return make_window(two_minded, path)


def test_variations_appear_for_the_photo_and_a_click_adopts_one_in_one_undo_step(qtbot, window):
    w = window
    wait_for_variations(qtbot, w)
    panel = w.variations_panel
    assert panel.shown == 6
    icons = [b.icon().pixmap(64, 64).toImage() for b in panel.buttons]
    assert len({bytes(i.constBits()) for i in icons}) > 1, "the thumbnails differ"
    chosen = w.variations.variations[3]
    panel.buttons[3].click()
    assert w.editor.document.hints.regions == chosen.added and w.editor.document.hints.hints == ()
    assert "adopted" in w.statusBar().currentMessage() and "lasso" in w.statusBar().currentMessage()
    wait_for_result(qtbot, w)
    assert np.array_equal(w.editor.latest.colorization.ab.cpu().numpy(), chosen.colorization.ab.cpu().numpy()), (
        "what the thumbnail showed is what the photo shows"
    )
    w.undo_action.trigger()
    assert w.editor.document.hints.regions == ()


def test_more_draws_another_set_and_new_hints_bring_new_variations(qtbot, window):
    w = window
    wait_for_variations(qtbot, w)
    first = [v.added for v in w.variations.variations]
    w.variations_panel.more_button.click()
    qtbot.waitUntil(lambda: w.variations.seed == 1 and not w.variations.busy, timeout=120000)
    wait_for_variations(qtbot, w)
    assert [v.added for v in w.variations.variations] != first
    assert "Set 2" in w.variations_panel.note.text()
    w.editor.document.hints.add(Hint(160.0, 120.0, (30.0, 30.0)))  # as a click does
    assert not any(b.isEnabled() for b in w.variations_panel.buttons if not b.isHidden()), "greyed until updated"
    wait_for_result(qtbot, w)
    wait_for_variations(qtbot, w)
    assert all(v.colorization.hints[0] == Hint(160.0, 120.0, (30.0, 30.0)) for v in w.variations.variations)


def test_vivid_colours_can_be_switched_off_and_the_choice_is_remembered(qtbot, window, tmp_path):
    w = window
    assert w.vivid_action.isEnabled() and w.vivid_action.isChecked()
    assert w.editor.latest.colorization.vivid
    w.vivid_action.trigger()
    qtbot.waitUntil(lambda: not w.editor.latest.colorization.vivid and not w.editor.latest.preliminary, timeout=120000)
    assert w.bridge.look.vivid is False
    assert w.settings.store.value("vividColours") in (False, "false")
    from ideepcolor_app.editing.session import Session
    from ideepcolor_app.gui import file_actions

    assert file_actions.save_session_to(w, tmp_path / "s.json")
    assert Session.load(tmp_path / "s.json").look.vivid is False, "colorize --hints will look the same"


def test_weights_without_a_measured_temperature_grey_out_vivid_colours(make_window, tmp_path):
    path = tmp_path / "grey.png"
    Image.fromarray(np.full((60, 80), 128, np.uint8)).save(path)
    w = make_window(photo=path)
    assert not w.vivid_action.isEnabled()
    assert "no measured" in w.vivid_action.statusTip()
    assert not w.editor.latest.colorization.vivid


def test_keep_hints_local_can_be_switched_off_and_the_choice_is_remembered(qtbot, make_window, tmp_path):
    from ideepcolor_app.colour.locality import HintLocality

    weights = make_two_minded_weights(tmp_path / "local.safetensors", hint_locality=HintLocality(1e-9, 20.0, 0.003))
    path = tmp_path / "grey.png"
    Image.fromarray(np.tile(np.linspace(80, 200, 320).astype(np.uint8), (240, 1))).save(path)
    w = make_window(weights, path)
    assert w.local_action.isEnabled() and w.local_action.isChecked()
    w.editor.document.hints.add(Hint(160.0, 120.0, (30.0, 30.0)))
    qtbot.waitUntil(lambda: w.editor.latest.colorization.coverage is not None and not w.editor.latest.preliminary)
    w.local_action.trigger()
    qtbot.waitUntil(lambda: w.editor.latest.colorization.coverage is None and not w.editor.latest.preliminary)
    assert w.bridge.look.local_hints is False
    assert w.settings.store.value("localHints") in (False, "false")


def test_weights_without_a_measured_locality_grey_out_keep_hints_local(window):
    assert not window.local_action.isEnabled()
    assert "no measured hint locality" in window.local_action.statusTip()
