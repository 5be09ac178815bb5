"""A wider network that starts as a narrower one's exact function (for a larger "refine" network).

The campaign's quarter-width network knows which colour a scene needs only about half the time,
and its features hold no more than its heads read (docs/training.md). The capacity it lacks can be
added without starting again from scratch: every layer of the wider network gets the narrow
layer's weights in its first channels, the new channels their own random start, and the weights
*from* new channels into old ones start at zero, so the old channels compute exactly what they did
(new channels only feed new ones) while gradients reach everything. Training then starts from the
narrow network's answer instead of from grey, the idea of Net2Net (Chen, Goodfellow and Shlens,
ICLR 2016) with zeros in place of its copied units.

Every channel count of :class:`~.model.SIGGRAPHGenerator` scales with its width and its shortcuts
add (never concatenate) feature maps, so "the first channels" line up through the whole network.
"""

from __future__ import annotations

import torch
from torch import nn

from .model import SIGGRAPHGenerator, channels_for_width

_HALVES = {"global_to10"}
"""Layers whose outputs are two halves (scale, then shift): each half is widened on its own."""


def widened(narrow: SIGGRAPHGenerator, width: float, seed: int = 0) -> SIGGRAPHGenerator:
    """A ``width`` copy of ``narrow`` that gives the same outputs (in eval mode, up to rounding).

    The global-hints branch is widened with the trunk; a saturation guess is dropped (it reads a
    summary of conv4 whose layout changes with the width: fit it again after training).

    Raises:
        ValueError: ``width`` is not wider than ``narrow``'s, or changes no channel count.
    """
    if width <= narrow.width or channels_for_width(width) == channels_for_width(narrow.width):
        raise ValueError(f"width {width:g} is not wider than the network's {narrow.width:g}")
    with torch.random.fork_rng(devices=[]):  # the new channels' start is the seed's; the caller's RNG is left alone
        torch.manual_seed(seed)
        wide = SIGGRAPHGenerator(
            width,
            residual=narrow.residual,
            residual_scales=dict(narrow.residual_scales) if narrow.residual_scales else None,
            global_hints=narrow.takes_global_hints,
        )
    wide_modules = dict(wide.named_modules())
    with torch.no_grad():
        for name, module in narrow.named_modules():
            if name.startswith("saturation_guess"):
                continue
            target = wide_modules[name]
            if isinstance(module, nn.ConvTranspose2d):  # weight (in, out, k, k)
                _embed(target.weight, module.weight, out_dim=1, in_dim=0)
                _embed_vector(target.bias, module.bias)
            elif isinstance(module, nn.Conv2d):  # weight (out, in, k, k)
                top = name.split(".")[0]
                if top in _HALVES:
                    _embed_halves(target, module)
                else:
                    _embed(target.weight, module.weight, out_dim=0, in_dim=1)
                    _embed_vector(target.bias, module.bias)
            elif isinstance(module, nn.BatchNorm2d):
                for attribute in ("weight", "bias", "running_mean", "running_var"):
                    _embed_vector(getattr(target, attribute), getattr(module, attribute))
                if module.num_batches_tracked is not None and target.num_batches_tracked is not None:
                    target.num_batches_tracked.copy_(module.num_batches_tracked)
    return wide


def _embed(wide: torch.Tensor, narrow: torch.Tensor, out_dim: int, in_dim: int) -> None:
    """Put ``narrow`` in the first channels of ``wide``; zero the weights from new inputs to old
    outputs, keep the new outputs' own start."""
    old_out, old_in = narrow.shape[out_dim], narrow.shape[in_dim]
    old_outputs = wide.narrow(out_dim, 0, old_out)
    old_outputs.narrow(in_dim, old_in, wide.shape[in_dim] - old_in).zero_()
    old_outputs.narrow(in_dim, 0, old_in).copy_(narrow)


def _embed_vector(wide: torch.Tensor | None, narrow: torch.Tensor | None) -> None:
    if wide is not None and narrow is not None:
        wide[: len(narrow)].copy_(narrow)


def _embed_halves(wide: nn.Conv2d, narrow: nn.Conv2d) -> None:
    """A layer whose outputs are (scale, shift): the narrow halves go to the starts of the wide ones.
    Its new outputs start at zero, as the branch's outputs did when it was added."""
    wide.weight.zero_()
    if wide.bias is not None:
        wide.bias.zero_()
    half, wide_half = narrow.out_channels // 2, wide.out_channels // 2
    for start, wide_start in ((0, 0), (half, wide_half)):
        source = narrow.weight[start : start + half]
        wide.weight[wide_start : wide_start + half, : source.shape[1]].copy_(source)
        if wide.bias is not None and narrow.bias is not None:
            wide.bias[wide_start : wide_start + half].copy_(narrow.bias[start : start + half])
