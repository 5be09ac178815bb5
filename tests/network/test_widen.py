import pytest
import torch
from torch import nn

from ideepcolor_app.hints.global_hints import GlobalHints
from ideepcolor_app.network.model import SIGGRAPHGenerator
from ideepcolor_app.network.widen import widened


def _trained_looking(width: float) -> SIGGRAPHGenerator:
    """A narrow network with every weight, bias and batch-norm statistic random (none at its
    initial value), its global-hints branch active and a saturation guess."""
    torch.manual_seed(0)
    model = SIGGRAPHGenerator(width, residual=True, residual_scales={0: 1.0, 10: 0.7}, global_hints=True)
    model.add_saturation_guess()
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.copy_(torch.randn_like(parameter) * 0.2)
        for module in model.modules():
            if isinstance(module, nn.BatchNorm2d):
                module.running_mean.uniform_(-0.5, 0.5)  # type: ignore[operator]
                module.running_var.uniform_(0.5, 2.0)  # type: ignore[operator]
    return model.eval()


def _inputs() -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(1)
    x = torch.randn(2, 4, 64, 64, generator=g)
    vectors = torch.stack([GlobalHints(saturation=0.4).vector("cpu"), GlobalHints(saturation=0.1).vector("cpu")])
    return x, torch.tensor([0, 5]), vectors


def test_a_widened_network_answers_exactly_as_the_narrow_one():
    narrow = _trained_looking(0.125)
    wide = widened(narrow, 0.25).eval()
    assert wide.width == 0.25 and wide.model4[0].out_channels == 2 * narrow.model4[0].out_channels
    assert sum(p.numel() for p in wide.parameters()) > 3 * sum(p.numel() for p in narrow.parameters())
    assert wide.residual and wide.residual_scales == {0: 1.0, 10: 0.7} and wide.takes_global_hints
    assert not wide.guesses_saturation  # it read conv4's old layout: fitted again after training
    x, counts, vectors = _inputs()
    with torch.no_grad():
        for given in (None, vectors):
            before = narrow(x, hint_counts=counts, global_hints=given)
            after = wide(x, hint_counts=counts, global_hints=given)
            torch.testing.assert_close(after.ab, before.ab, atol=1e-4, rtol=1e-5)
            torch.testing.assert_close(after.logits, before.logits, atol=1e-4, rtol=1e-5)
        plain, told = narrow(x, hint_counts=counts).ab, narrow(x, hint_counts=counts, global_hints=vectors).ab
    assert (plain - told).abs().mean() > 1, "the global branch changes the answer, so it was compared too"


def test_the_new_channels_are_alive_and_learn_to_feed_the_old_ones():
    narrow = _trained_looking(0.125)
    wide = widened(narrow, 0.25)
    x, counts, vectors = _inputs()
    seen = {}
    wide.model7.register_forward_hook(lambda module, inputs, output: seen.__setitem__("conv7", output))
    out = wide(x, hint_counts=counts, global_hints=vectors)
    old = narrow.model7[0].out_channels
    assert seen["conv7"][:, old:].abs().mean() > 0.01
    (out.ab.square().mean() + out.logits.logsumexp(dim=1).mean()).backward()
    into_old_from_new = wide.model5[0].weight.grad[:old, old:]  # type: ignore[index]
    assert into_old_from_new.abs().sum() > 0


def test_widening_to_a_width_that_is_not_wider_is_refused():
    narrow = _trained_looking(0.125)
    for width in (0.125, 0.1, 0.1255):  # 0.1255 rounds to the same channel counts
        with pytest.raises(ValueError, match="not wider"):
            widened(narrow, width)
