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
