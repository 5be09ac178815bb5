"""A photo on the device: the first result reads small lightness only; full resolution when saving."""

import numpy as np
import torch
from builders import colour_photo_value

from ideepcolor_app.colour.color import rgb_to_lab
from ideepcolor_app.inference.engine import ColorizationEngine


def test_the_first_result_does_not_wait_for_the_full_resolution_lightness_which_saving_computes(echo_weights):
    photo = colour_photo_value(3, (900, 600))
    engine = ColorizationEngine.from_weights(str(echo_weights), "cpu")
    source = engine.set_photo(photo)
    result = engine.colorize([])
    result.preview_rgb(512)
    assert not source._full, "a result for the view needs L at the network's and the view's sizes only"
    rgb = result.full_resolution_rgb()
    assert source._full and rgb.shape == (600, 900, 3)
    whole = rgb_to_lab(torch.from_numpy(photo.pixels).permute(2, 0, 1).float() / 255)[0]
    assert np.abs(source.l_full[0, 0].numpy() - whole.numpy()).max() < 1e-3, "the same L as converting at once"
    assert np.abs(rgb.astype(int) - result.full_resolution_rgb().astype(int)).max() == 0


def test_a_draft_gives_first_results_in_the_photos_coordinates_but_no_full_resolution_one(echo_weights, tmp_path):
    import pytest
    from PIL import Image

    from ideepcolor_app.hints.local_hints import Hint
    from ideepcolor_app.inference.photo_on_device import DraftError
    from ideepcolor_app.photos.images import load_photo

    y, x = np.mgrid[0:2400, 0:3200].astype(np.float32)
    rgb = np.stack([128 + 100 * np.sin(x / 97), 128 + 100 * np.cos(y / 61), 128 + 0 * x], axis=2).astype(np.uint8)
    Image.fromarray(rgb).save(tmp_path / "big.jpg", quality=92)
    full, draft = load_photo(tmp_path / "big.jpg"), load_photo(tmp_path / "big.jpg", draft_side=768)
    engine = ColorizationEngine.from_weights(str(echo_weights), "cpu")
    hint = [Hint(2400.0, 600.0, (50.0, 40.0), 7)]  # in the full photo's pixels, as every hint is
    from_full = engine.colorize(hint, source=engine.set_photo(full))
    source = engine.set_photo(draft)
    from_draft = engine.colorize(hint, source=source)
    l_full, l_draft = (r.source.network_lightness()[0, 0] for r in (from_full, from_draft))
    assert (l_full - l_draft).abs().mean() < 0.5, "the network sees the same photo"
    a_full, a_draft = (r.preview_rgb(800).astype(int) for r in (from_full, from_draft))
    assert np.abs(a_full - a_draft).mean() < 2
    change = np.abs(a_draft - engine.colorize([], source=source).preview_rgb(800)).sum(axis=2)
    assert change[150, 600] > 20 and change[450, 200] == 0, "the hint coloured where it was put"
    assert from_draft.preview_rgb(2048).shape == (600, 800, 3), "no larger than the draft's own pixels"
    with pytest.raises(DraftError):
        from_draft.full_resolution_rgb()
