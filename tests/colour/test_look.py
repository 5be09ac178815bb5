"""The look (vivid colours, local hints) is a value that travels with each request (issue 33)."""

from __future__ import annotations

import torch

from ideepcolor_app.colour.locality import HintLocality
from ideepcolor_app.colour.look import DEFAULT_LOOK, MUTED_EVERYWHERE, Look, ShownColour, shown_colour
from ideepcolor_app.colour.vivid import VividColours
from ideepcolor_app.hints.local_hints import Hint
from ideepcolor_app.inference.engine import ColorizationEngine
from ideepcolor_app.inference.worker import UpdateRequest
from ideepcolor_app.photos.images import Photo
from weights_factory import make_two_minded_weights

VIVID, LOCAL = VividColours(1.0), HintLocality(1e-9, 14.0, 0.003)


def test_each_rule_of_the_shown_colour_is_stated_once():
    assert shown_colour(DEFAULT_LOOK, VIVID, LOCAL, False, True) == ShownColour(VIVID, LOCAL, False)
    with_reference = shown_colour(DEFAULT_LOOK, VIVID, LOCAL, True, True)
    assert with_reference.vivid is None and with_reference.pinned, "global hints: the ab output, pinned"
    assert shown_colour(DEFAULT_LOOK, VIVID, LOCAL, False, False).locality is None, "no hints, nothing to keep"
    assert shown_colour(MUTED_EVERYWHERE, VIVID, LOCAL, False, True) == ShownColour(None, None, False)
    unmeasured = shown_colour(DEFAULT_LOOK, None, None, False, True)
    assert unmeasured == ShownColour(None, None, False), "what the weights did not measure is not offered"


def test_requests_of_one_engine_keep_their_own_look(tmp_path):
    weights = make_two_minded_weights(tmp_path / "w.safetensors", hint_locality=LOCAL)
    engine = ColorizationEngine.from_weights(str(weights), "cpu")
    rgb = (torch.rand(48, 64, 3) * 255).to(torch.uint8).numpy()
    engine.set_photo(Photo(tmp_path / "p.png", rgb, "0" * 64, True))
    hints = [Hint(20.0, 20.0, (60.0, -40.0))]
    vivid = engine.colorize(hints)
    muted = engine.colorize(hints, look=Look(vivid=False))
    again = engine.colorize(hints)
    assert vivid.look == DEFAULT_LOOK and vivid.vivid and vivid.coverage is not None
    assert muted.look == Look(vivid=False) and not muted.vivid
    assert torch.equal(vivid.ab, again.ab), "a muted request changed nothing for the next one"
    assert not torch.equal(vivid.ab, muted.ab)
    assert UpdateRequest((), look=MUTED_EVERYWHERE).look is MUTED_EVERYWHERE


def test_a_session_records_the_look_and_colorize_uses_it_unless_told_otherwise(tmp_path):
    import argparse

    from ideepcolor_app.commands.options import add_look_options, look_option
    from ideepcolor_app.editing.session import Session
    from ideepcolor_app.hints.local_hints import Hint

    muted = Look(vivid=False, local_hints=True)
    session = Session("p.png", "0" * 64, (64, 48), [Hint(5.0, 5.0, (1.0, 2.0))], look=muted)
    session.save(tmp_path / "s.json")
    loaded = Session.load(tmp_path / "s.json")
    assert loaded.look == muted and session.to_json()["version"] == 1, "older apps read it (they ignore the look)"
    parser = argparse.ArgumentParser()
    add_look_options(parser)
    assert look_option(parser.parse_args([]), loaded.look) == muted, "as the window showed it"
    assert look_option(parser.parse_args(["--colours", "vivid"]), loaded.look) == Look(True, True), "the option wins"
    assert look_option(parser.parse_args([])) == DEFAULT_LOOK, "no session: the default"
