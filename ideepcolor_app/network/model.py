"""The SIGGRAPH17 user-guided colorization network (Zhang et al. 2017).

Module names and Sequential indices reproduce the published state-dict keys
exactly, so every published SIGGRAPH17 PyTorch weights file loads strictly.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import nn

from ..colour.ab_bins import NUM_BINS
from ..colour.encoding import AB_SCALE, NETWORK_SIZE, encode_hints
from ..hints.global_hints import GLOBAL_INPUTS, any_given
from .architecture import Architecture, Cancelled, Capabilities, ColorizationNet, NetworkOutput

NUM_PARAMETERS = 34_187_027


def without_ripple(ab: torch.Tensor) -> torch.Tensor:
    """(B, 2, H, W) ``ab`` with its pixel-period ripple removed by a [1, 2, 1] / 4 filter across
    and down (which passes slow changes and cancels a pattern that alternates every pixel).

    With a reference photo's colours the global branch pushes the last upsampling layer outside what
    it saw in training, and its checkerboard shows: on dev-eval photos the ab's column profile at a
    period of 2 px grew 4 to 8 times, seen as regular vertical stripes over a smooth sky.
    """
    channels = ab.shape[1]
    kernel = torch.tensor([1.0, 2.0, 1.0], dtype=ab.dtype, device=ab.device) / 4
    padded = F.pad(ab, (1, 1, 1, 1), mode="replicate")
    across = F.conv2d(padded, kernel.view(1, 1, 1, 3).repeat(channels, 1, 1, 1), groups=channels)
    return F.conv2d(across, kernel.view(1, 1, 3, 1).repeat(channels, 1, 1, 1), groups=channels)


SUMMARY_PARTS = 6
"""Numbers per conv4 channel in :meth:`SIGGRAPHGenerator.trunk_summary`: mean, spread, 4 quarters' means."""


def _conv(c_in: int, c_out: int, dilation: int = 1) -> nn.Conv2d:
    return nn.Conv2d(c_in, c_out, kernel_size=3, stride=1, padding=dilation, dilation=dilation, bias=True)


def _block(channels: list[int], dilation: int = 1) -> nn.Sequential:
    """conv, ReLU, conv, ReLU, ..., BatchNorm (ReLU comes before BN)."""
    layers: list[nn.Module] = []
    for c_in, c_out in zip(channels[:-1], channels[1:], strict=True):
        layers += [_conv(c_in, c_out, dilation), nn.ReLU(inplace=True)]
    layers.append(nn.BatchNorm2d(channels[-1]))
    return nn.Sequential(*layers)


def _up(c_in: int, c_out: int) -> nn.Sequential:
    return nn.Sequential(nn.ConvTranspose2d(c_in, c_out, kernel_size=4, stride=2, padding=1, bias=True))


def channels_for_width(width: float) -> tuple[int, int, int, int]:
    """Channel counts (64, 128, 256, 512) scaled by ``width``; 1.0 is the published network."""
    if not 0 < width <= 1:
        raise ValueError(f"width must be in (0, 1], got {width}")
    return tuple(max(1, round(c * width)) for c in (64, 128, 256, 512))  # type: ignore[return-value]


def width_of_state_dict(state: dict[str, torch.Tensor]) -> float:
    """The width a state dict was built with, read from its first convolution (64 x width outputs)."""
    weight = state.get("model1.0.weight")
    return 1.0 if weight is None else weight.shape[0] / 64


class SIGGRAPHGenerator(ColorizationNet):
    """Input (B, 4, H, W): normalised L, hint a, hint b, mask; H and W divisible by 8.

    Args:
        width: every channel count scaled by this (1.0: the published network, 34.2 M parameters;
            0.25: 2.17 M). Module names and state-dict keys do not change with it.
        residual: the ab output is added to the ab input channels (x 110) instead of replacing
            them. Weights trained on a hint fill (see :mod:`.encoding`) use it, so that the network
            starts from the fill and learns corrections to it. Published weights do not.
        residual_scales: hint count -> share of the correction that is added (see :mod:`.calibrate`),
            interpolated between counts; None (training, uncalibrated): all of it. Stored in the
            weights' metadata, not as tensors.
        global_hints: add the global-hints branch (see :mod:`.global_hints`): 1x1 layers that turn a
            colour histogram and a saturation into features added to conv4 (as the paper does) and to
            conv8 (the features both heads read), and a scale and shift of conv10 (what the ab output
            reads, so a saturation can make colours stronger). Its last layers start at zero, and an
            image given no global hint skips it, so the network without them answers exactly as before.
    """

    def __init__(
        self,
        width: float = 1.0,
        residual: bool = False,
        residual_scales: dict[int, float] | None = None,
        global_hints: bool = False,
    ) -> None:
        super().__init__()
        c1, c2, c3, c4 = channels_for_width(width)
        self.width = width
        self.residual = residual
        self.residual_scales = residual_scales
        self.model1 = _block([4, c1, c1])
        self.model2 = _block([c1, c2, c2])
        self.model3 = _block([c2, c3, c3, c3])
        self.model4 = _block([c3, c4, c4, c4])
        self.model5 = _block([c4, c4, c4, c4], dilation=2)
        self.model6 = _block([c4, c4, c4, c4], dilation=2)
        self.model7 = _block([c4, c4, c4, c4])
        self.model8up = _up(c4, c3)
        self.model3short8 = nn.Sequential(_conv(c3, c3))
        self.model8 = nn.Sequential(
            nn.ReLU(inplace=True),
            _conv(c3, c3),
            nn.ReLU(inplace=True),
            _conv(c3, c3),
            nn.ReLU(inplace=True),
            nn.BatchNorm2d(c3),
        )
        self.model9up = _up(c3, c2)
        self.model2short9 = nn.Sequential(_conv(c2, c2))
        self.model9 = nn.Sequential(nn.ReLU(inplace=True), _conv(c2, c2), nn.ReLU(inplace=True), nn.BatchNorm2d(c2))
        self.model10up = _up(c2, c2)
        self.model1short10 = nn.Sequential(_conv(c1, c2))
        self.model10 = nn.Sequential(nn.ReLU(inplace=True), _conv(c2, c2), nn.LeakyReLU(negative_slope=0.2))
        self.model_class = nn.Sequential(nn.Conv2d(c3, NUM_BINS, kernel_size=1, bias=True))
        out = nn.Conv2d(c2, 2, kernel_size=1, bias=True)
        self.model_out = nn.Sequential(out, nn.Tanh())
        if residual:  # start exactly at the fill it is given
            nn.init.zeros_(out.weight)
            nn.init.zeros_(out.bias)  # type: ignore[arg-type]  # created with bias=True above
        self.takes_global_hints = global_hints
        if global_hints:
            self.add_global_branch()

    def add_global_branch(self) -> None:
        """Add the global-hints branch (new state-dict keys ``global_*``), its outputs at zero."""
        _, c2, c3, c4 = channels_for_width(self.width)
        hidden = max(c4, 64)
        self.global_features = nn.Sequential(
            nn.Conv2d(GLOBAL_INPUTS, hidden, kernel_size=1),
            nn.ReLU(inplace=True),
            nn.Conv2d(hidden, hidden, kernel_size=1),
            nn.ReLU(inplace=True),
        )
        self.global_to4 = nn.Conv2d(hidden, c4, kernel_size=1)
        self.global_to8 = nn.Conv2d(hidden, c3, kernel_size=1)
        self.global_to10 = nn.Conv2d(hidden, 2 * c2, kernel_size=1)  # scale, then shift
        for layer in (self.global_to4, self.global_to8, self.global_to10):
            nn.init.zeros_(layer.weight)
            nn.init.zeros_(layer.bias)  # type: ignore[arg-type]  # created with bias=True
        self.takes_global_hints = True

    def add_saturation_guess(self) -> None:
        """Add the saturation guess (state-dict keys ``saturation_guess.*``), a linear map from
        :meth:`trunk_summary` to the photo's mean saturation; fitted by
        :func:`~ideepcolor_app.training.saturation_guess.fit_saturation_guess`."""
        c4 = channels_for_width(self.width)[3]
        self.saturation_guess = nn.Linear(SUMMARY_PARTS * c4, 1)
        self.guesses_saturation = True

    def remove_saturation_guess(self) -> None:
        """Drop the saturation guess (training the trunk changes the features it reads)."""
        if self.guesses_saturation:
            del self.saturation_guess
            self.guesses_saturation = False

    def trunk_summary(self, x: torch.Tensor) -> torch.Tensor:
        """(B, 6 x c4) per conv4 channel: its mean, its spread and its mean over each quarter of
        the photo (sky above, ground below), in float32. conv4 is where global hints join, so the
        summary is the same whatever global hints are given."""
        conv1 = self.model1(x)
        conv2 = self.model2(conv1[:, :, ::2, ::2])
        conv3 = self.model3(conv2[:, :, ::2, ::2])
        conv4 = self.model4(conv3[:, :, ::2, ::2]).float()
        quarters = F.adaptive_avg_pool2d(conv4, 2).flatten(1)
        return torch.cat((conv4.mean(dim=(2, 3)), conv4.std(dim=(2, 3)), quarters), dim=1)

    def guess_saturation(self, x: torch.Tensor) -> torch.Tensor:
        """(B,) each photo's likely mean HSV saturation in [0, 1], read from :meth:`trunk_summary`."""
        if not self.guesses_saturation:
            raise NotImplementedError("these weights have no saturation guess")
        summary = self.trunk_summary(x)
        layer = self.saturation_guess
        with torch.autocast(summary.device.type, enabled=False):  # a sum of 768 terms: bf16 would blur it
            guess = F.linear(summary, layer.weight.float(), layer.bias.float())
        return guess[:, 0].clamp(0.0, 1.0)

    def forward(
        self,
        x: torch.Tensor,
        should_stop: Callable[[], bool] | None = None,
        hint_counts: torch.Tensor | None = None,
        global_hints: torch.Tensor | None = None,
    ) -> NetworkOutput:
        """Colorize a batch.

        Args:
            x: (B, 4, H, W) input, see :func:`~ideepcolor_app.colour.encoding.encode_hints`.
            should_stop: polled between blocks; if it returns True, :class:`Cancelled` is raised. The
                interactive engine uses it to abandon a pass that a newer hint state made useless.
            hint_counts: (B,) hints per image, for calibrated ``residual_scales``; without them
                the whole correction is added.
            global_hints: (B, GLOBAL_INPUTS) vectors from :func:`~ideepcolor_app.hints.global_hints.global_vector`,
                or None; ignored by a network without the branch.
        """

        def check() -> None:
            if should_stop is not None and should_stop():
                raise Cancelled

        conv1 = self.model1(x)
        conv2 = self.model2(conv1[:, :, ::2, ::2])
        check()
        conv3 = self.model3(conv2[:, :, ::2, ::2])
        conv4 = self.model4(conv3[:, :, ::2, ::2])
        to8: torch.Tensor | float = 0.0
        to10: torch.Tensor | None = None
        if self.takes_global_hints and global_hints is not None:
            gate = any_given(global_hints).to(conv4.dtype).view(-1, 1, 1, 1)
            features = self.global_features(global_hints.to(conv4.dtype).view(*global_hints.shape, 1, 1))
            conv4 = conv4 + self.global_to4(features) * gate
            to8 = self.global_to8(features) * gate
            to10 = self.global_to10(features) * gate
        check()
        conv5 = self.model5(conv4)
        conv6 = self.model6(conv5)
        check()
        conv7 = self.model7(conv6)
        conv8 = self.model8(self.model8up(conv7) + self.model3short8(conv3) + to8)
        check()
        conv9 = self.model9(self.model9up(conv8) + self.model2short9(conv2))
        check()
        conv10 = self.model10(self.model10up(conv9) + self.model1short10(conv1))
        if to10 is not None:
            scale, shift = to10.chunk(2, dim=1)
            conv10 = conv10 * (1 + scale) + shift
        ab = self.model_out(conv10) * AB_SCALE
        if self.residual:
            ab = (ab * self.scale_for(hint_counts, ab) + x[:, 1:3] * AB_SCALE).clamp(-AB_SCALE, AB_SCALE)
        return NetworkOutput(ab=ab, logits=self.model_class(conv8))

    def scale_for(self, hint_counts: torch.Tensor | None, like: torch.Tensor) -> torch.Tensor | float:
        """(B, 1, 1, 1) share of the correction to add for these hint counts: ``residual_scales``
        interpolated linearly in log(1 + count), constant beyond its first and last counts."""
        if not self.residual_scales or hint_counts is None:
            return 1.0
        counts, scales = zip(*sorted(self.residual_scales.items()), strict=True)
        values = torch.tensor(scales, dtype=torch.float32, device=like.device)
        if len(values) == 1:
            return values.expand(len(hint_counts)).reshape(-1, 1, 1, 1).to(like.dtype)
        knots = torch.log1p(torch.tensor(counts, dtype=torch.float32, device=like.device))
        t = torch.log1p(hint_counts.to(device=like.device, dtype=torch.float32)).clamp(knots[0], knots[-1])
        right = torch.searchsorted(knots, t).clamp(1, len(knots) - 1)
        left = right - 1
        span = (knots[right] - knots[left]).clamp(min=1e-12)
        weight = ((t - knots[left]) / span).clamp(0, 1)
        scale = values[left] + (values[right] - values[left]) * weight
        return scale.view(-1, 1, 1, 1).to(like.dtype)


def count_forward_flops(height: int = 256, width: int = 256, model_width: float = 1.0) -> int:
    """Multiply-adds x 2 of one forward at (height, width), counted from the module tree."""
    model = SIGGRAPHGenerator(model_width)
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


SIGGRAPH17 = Architecture(
    name="siggraph17",
    title="SIGGRAPH17 colorization network",
    build=SIGGRAPHGenerator,
    encode=encode_hints,
    width_of=width_of_state_dict,
    capabilities=Capabilities(distribution_head=True, global_hints=True, input_multiple=8, input_size=NETWORK_SIZE),
)
"""The network of Zhang et al. 2017 at any width, with the published weights' state-dict keys."""
