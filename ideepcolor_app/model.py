"""The SIGGRAPH17 user-guided colorization network (Zhang et al. 2017).

Module names and Sequential indices reproduce the published state-dict keys
exactly, so every published SIGGRAPH17 PyTorch weights file loads strictly.
"""
from __future__ import annotations

from typing import Callable, NamedTuple

import torch
from torch import nn

from .ab_bins import NUM_BINS
from .encoding import AB_SCALE

ARCHITECTURE = "siggraph17"
NUM_PARAMETERS = 34_187_027


class Cancelled(Exception):
    """A forward pass was abandoned because its result is no longer wanted."""


class NetworkOutput(NamedTuple):
    ab: torch.Tensor
    """(B, 2, H, W) predicted ab in Lab units (tanh * 110), at input resolution."""
    logits: torch.Tensor
    """(B, 529, H/4, W/4) colour-distribution logits over a-major ab bins."""


def _conv(c_in: int, c_out: int, dilation: int = 1) -> nn.Conv2d:
    return nn.Conv2d(c_in, c_out, kernel_size=3, stride=1, padding=dilation, dilation=dilation, bias=True)


def _block(channels: list[int], dilation: int = 1) -> nn.Sequential:
    """conv, ReLU, conv, ReLU, ..., BatchNorm (ReLU comes before BN)."""
    layers: list[nn.Module] = []
    for c_in, c_out in zip(channels[:-1], channels[1:]):
        layers += [_conv(c_in, c_out, dilation), nn.ReLU(inplace=True)]
    layers.append(nn.BatchNorm2d(channels[-1]))
    return nn.Sequential(*layers)


def _up(c_in: int, c_out: int) -> nn.Sequential:
    return nn.Sequential(nn.ConvTranspose2d(c_in, c_out, kernel_size=4, stride=2, padding=1, bias=True))


class SIGGRAPHGenerator(nn.Module):
    """Input (B, 4, H, W): normalised L, hint a, hint b, mask; H and W divisible by 8."""

    def __init__(self) -> None:
        super().__init__()
        self.model1 = _block([4, 64, 64])
        self.model2 = _block([64, 128, 128])
        self.model3 = _block([128, 256, 256, 256])
        self.model4 = _block([256, 512, 512, 512])
        self.model5 = _block([512, 512, 512, 512], dilation=2)
        self.model6 = _block([512, 512, 512, 512], dilation=2)
        self.model7 = _block([512, 512, 512, 512])
        self.model8up = _up(512, 256)
        self.model3short8 = nn.Sequential(_conv(256, 256))
        self.model8 = nn.Sequential(
            nn.ReLU(inplace=True), _conv(256, 256), nn.ReLU(inplace=True), _conv(256, 256),
            nn.ReLU(inplace=True), nn.BatchNorm2d(256),
        )
        self.model9up = _up(256, 128)
        self.model2short9 = nn.Sequential(_conv(128, 128))
        self.model9 = nn.Sequential(nn.ReLU(inplace=True), _conv(128, 128), nn.ReLU(inplace=True), nn.BatchNorm2d(128))
        self.model10up = _up(128, 128)
        self.model1short10 = nn.Sequential(_conv(64, 128))
        self.model10 = nn.Sequential(nn.ReLU(inplace=True), _conv(128, 128), nn.LeakyReLU(negative_slope=0.2))
        self.model_class = nn.Sequential(nn.Conv2d(256, NUM_BINS, kernel_size=1, bias=True))
        self.model_out = nn.Sequential(nn.Conv2d(128, 2, kernel_size=1, bias=True), nn.Tanh())

    def forward(self, x: torch.Tensor, should_stop: Callable[[], bool] | None = None) -> NetworkOutput:
        """``should_stop`` is polled between blocks; if it returns True, :class:`Cancelled` is raised.

        The interactive engine uses it to abandon a pass that a newer hint state made useless.
        """
        def check() -> None:
            if should_stop is not None and should_stop():
                raise Cancelled

        conv1 = self.model1(x)
        conv2 = self.model2(conv1[:, :, ::2, ::2])
        check()
        conv3 = self.model3(conv2[:, :, ::2, ::2])
        conv4 = self.model4(conv3[:, :, ::2, ::2])
        check()
        conv5 = self.model5(conv4)
        conv6 = self.model6(conv5)
        check()
        conv7 = self.model7(conv6)
        conv8 = self.model8(self.model8up(conv7) + self.model3short8(conv3))
        check()
        conv9 = self.model9(self.model9up(conv8) + self.model2short9(conv2))
        check()
        conv10 = self.model10(self.model10up(conv9) + self.model1short10(conv1))
        return NetworkOutput(ab=self.model_out(conv10) * AB_SCALE, logits=self.model_class(conv8))


def count_forward_flops(height: int = 256, width: int = 256) -> int:
    """Multiply-adds x 2 of one forward at (height, width), counted from the module tree."""
    model = SIGGRAPHGenerator()
    flops = 0

    def hook(module: nn.Module, inputs: tuple[torch.Tensor, ...], output: torch.Tensor) -> None:
        nonlocal flops
        if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d)):
            k = module.kernel_size[0] * module.kernel_size[1]
            if isinstance(module, nn.Conv2d):
                flops += 2 * output.numel() * module.in_channels * k
            else:
                flops += 2 * inputs[0].numel() * module.out_channels * k

    handles = [m.register_forward_hook(hook) for m in model.modules()]
    with torch.no_grad():
        model.to("meta")(torch.empty(1, 4, height, width, device="meta"))
    for h in handles:
        h.remove()
    return flops
