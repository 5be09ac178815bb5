"""A second model is one file and one entry: weights that name it load, run, and the features that
need the 529-bin distribution say they are not offered instead of failing."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

from ideepcolor_app.base.errors import WeightsError
from ideepcolor_app.colour.encoding import NETWORK_SIZE, MaskConvention, encode_hints
from ideepcolor_app.hints.local_hints import Hint
from ideepcolor_app.inference.engine import ColorizationEngine
from ideepcolor_app.network import architectures
from ideepcolor_app.network.architecture import Architecture, Capabilities, ColorizationNet, NetworkOutput
from ideepcolor_app.network.weights import load_model, save_weights
from ideepcolor_app.photos.images import Photo


class MeanColourNet(ColorizationNet):
    """A model without a distribution head: one 1x1 convolution from the encoded input to ab."""

    def __init__(self, width=1.0, residual=False, residual_scales=None, global_hints=False):
        super().__init__()
        self.width, self.residual, self.residual_scales, self.takes_global_hints = 1.0, False, None, False
        self.to_ab = nn.Conv2d(4, 2, 1)

    def forward(self, x, should_stop=None, hint_counts=None, global_hints=None):
        b, _, h, w = x.shape
        return NetworkOutput(self.to_ab(x) * 110, x.new_zeros(b, 0, h // 4, w // 4))


MEAN_COLOUR = Architecture(
    name="mean-colour",
    title="mean-colour test network",
    build=MeanColourNet,
    encode=encode_hints,
    width_of=lambda state: 1.0,
    capabilities=Capabilities(distribution_head=False, global_hints=False, input_multiple=1, input_size=NETWORK_SIZE),
)


@pytest.fixture
def mean_colour_weights(tmp_path, monkeypatch):
    monkeypatch.setitem(architectures.ARCHITECTURES, MEAN_COLOUR.name, MEAN_COLOUR)
    model = MeanColourNet()
    with torch.no_grad():  # ab follows the hint channels: a hint's colour shows where it is
        model.to_ab.weight.zero_()
        model.to_ab.weight[0, 1] = model.to_ab.weight[1, 2] = 1.0
        model.to_ab.bias.zero_()
    return save_weights(
        model.state_dict(),
        tmp_path / "mean.safetensors",
        mask_convention=MaskConvention.CENTERED,
        architecture=MEAN_COLOUR,
    )


def test_weights_naming_another_architecture_load_as_it(mean_colour_weights):
    model, info = load_model(mean_colour_weights)
    assert isinstance(model, MeanColourNet) and info.architecture is MEAN_COLOUR


def test_an_engine_without_a_distribution_head_colours_and_offers_no_palette(mean_colour_weights):
    engine = ColorizationEngine.from_weights(mean_colour_weights, device="cpu")
    assert not (engine.offers_suggestions or engine.offers_variations or engine.offers_vivid)
    assert not engine.offers_local_hints and not engine.takes_global_hints
    engine.set_photo(Photo(Path("grey.png"), np.full((64, 64, 3), 128, np.uint8), "grey", False))
    result = engine.colorize([Hint(32, 32, (60.0, 40.0), 5)])  # vivid and locality asked for by default
    a, b = result.predicted_ab_at(32, 32)
    assert a > 30 and b > 20  # the hint's colour, from the ab output alone
    assert not result.offers_suggestions and not result.vivid


def test_weights_of_an_unknown_architecture_name_it(tmp_path, mean_colour_weights, monkeypatch):
    monkeypatch.delitem(architectures.ARCHITECTURES, MEAN_COLOUR.name)
    with pytest.raises(WeightsError, match=r"mean\.safetensors: it holds a 'mean-colour' network.*siggraph17"):
        load_model(mean_colour_weights)
