"""Weights the tests make for themselves (the published ones cannot be downloaded here)."""

from __future__ import annotations

from pathlib import Path

import torch

from ideepcolor_app.colour.encoding import HintEncoding, MaskConvention
from ideepcolor_app.colour.locality import HintLocality
from ideepcolor_app.network.model import SIGGRAPHGenerator
from ideepcolor_app.network.weights import save_weights


def make_random_weights(path: Path) -> Path:
    torch.manual_seed(0)
    return save_weights(
        SIGGRAPHGenerator().state_dict(),
        path,
        mask_convention=MaskConvention.CENTERED,
        name="random-test",
        quantize_int8=True,
    )


def echo_state_dict(width: float = 1.0) -> dict[str, torch.Tensor]:
    """A hand-set network whose ab output is the hint colour blurred by two 3x3 boxes.

    Path: input hint a/b -> model1 (split into +/- parts, 3x3 box) -> model1short10 ->
    model10 (3x3 box) -> model_out. Every other path is zeroed, so the result is grey
    (ab = 0) away from hints and equals the hint colour at the centre of a 5x5 or
    larger patch. It uses four channels, so any width from 0.0625 works.
    """
    model = SIGGRAPHGenerator(width)
    state = {k: torch.zeros_like(v) for k, v in model.state_dict().items()}
    for key in state:
        if key.endswith("running_var") or (key.endswith(".weight") and state[key].dim() == 1):
            state[key] = torch.ones_like(state[key])  # BatchNorm as identity
    box = torch.full((3, 3), 1.0 / 9.0)
    w = state["model1.0.weight"]
    for ch, (src, sign) in enumerate(((1, 1.0), (1, -1.0), (2, 1.0), (2, -1.0))):
        w[ch, src, 1, 1] = sign
    for ch in range(4):
        state["model1.2.weight"][ch, ch] = box
        state["model1short10.0.weight"][ch, ch, 1, 1] = 1.0
        state["model10.1.weight"][ch, ch] = box
    out = state["model_out.0.weight"]
    out[0, 0], out[0, 1], out[1, 2], out[1, 3] = 1.0, -1.0, 1.0, -1.0
    return state


def make_echo_weights(
    path: Path, mask_convention: MaskConvention = MaskConvention.ZERO_ONE, width: float = 1.0
) -> Path:
    return save_weights(echo_state_dict(width), path, mask_convention=mask_convention, name="echo-test")


GATE = 10.0
"""Mask slope of the gated echo network: large against normalised hint ab (|a| / 110 <= 1)."""


def gated_echo_state_dict(works_under: MaskConvention) -> dict[str, torch.Tensor]:
    """The echo network with its hint path gated by the mask channel.

    Under ``works_under`` it echoes hint colours as :func:`echo_state_dict` does; under the other
    convention its output stays grey. model1.0 makes, from mask m and hint ab, the echo channels
    u = ReLU(+-ab + G m - G lo), an offset channel w = ReLU(G m - G lo) and a block channel
    v = ReLU(G m - G hi); model1.2 passes box(u - w - 4 v). So a patch passes only where
    lo < m < hi: {0, 1} inside a patch is 1, {-0.5, 0.5} inside is 0.5; outside, the hint ab is 0.
    """
    lo, hi = (0.75, None) if works_under is MaskConvention.ZERO_ONE else (0.25, 0.75)
    state = echo_state_dict(0.125)
    w1, b1 = state["model1.0.weight"], state["model1.0.bias"]
    w1.zero_()
    for ch, (src, sign) in enumerate(((1, 1.0), (1, -1.0), (2, 1.0), (2, -1.0))):
        w1[ch, src, 1, 1], w1[ch, 3, 1, 1], b1[ch] = sign, GATE, -GATE * lo
    w1[4, 3, 1, 1], b1[4] = GATE, -GATE * lo
    if hi is not None:
        w1[5, 3, 1, 1], b1[5] = GATE, -GATE * hi
    box = torch.full((3, 3), 1.0 / 9.0)
    w2 = state["model1.2.weight"]
    for ch in range(4):
        w2[ch, ch], w2[ch, 4], w2[ch, 5] = box, -box, -4 * box
    return state


def save_pth(state: dict[str, torch.Tensor], path: Path) -> Path:
    """As the reference training scripts save a generator: a plain state dict in a .pth."""
    torch.save(state, path)
    return path


def global_hints_state_dict(width: float = 0.125, seed: int = 0) -> dict[str, torch.Tensor]:
    """A small fill-encoding network with the global-hints branch, every weight random (its output
    layers too), so that global hints visibly change its answer."""
    torch.manual_seed(seed)
    model = SIGGRAPHGenerator(width, residual=True, global_hints=True)
    for name, tensor in model.state_dict().items():
        if name.startswith("global_to") or name.startswith("model_out"):
            tensor.normal_(0, 0.2)
    return model.state_dict()


def make_global_hints_weights(path: Path, width: float = 0.125) -> Path:
    return save_weights(
        global_hints_state_dict(width),
        path,
        mask_convention=MaskConvention.CENTERED,
        name="global-test",
        hint_encoding=HintEncoding.LIGHTNESS_FILL,
    )


TWO_MINDS = ((60.0, 40.0), (-40.0, -50.0))
"""The two colours the two-minded network finds equally plausible everywhere (a red and a blue)."""


def two_minded_state_dict() -> dict[str, torch.Tensor]:
    """The echo network (grey away from hints, the hint's colour at its patch) whose distribution
    head says, at every cell, "red or blue, half and half": its logits are a constant with two peaks."""
    from ideepcolor_app.colour.ab_bins import ab_to_bin

    state = echo_state_dict(0.125)
    bias = state["model_class.0.bias"]
    for ab in TWO_MINDS:
        bias[int(ab_to_bin(torch.tensor([ab]))[0])] = 12.0
    return state


def make_two_minded_weights(path: Path, vivid_temperature: float | None = 1.0, hint_locality=None) -> Path:
    return save_weights(
        two_minded_state_dict(),
        path,
        mask_convention=MaskConvention.ZERO_ONE,
        name="two-minded-test",
        vivid_temperature=vivid_temperature,
        hint_locality=hint_locality,
    )


def make_untrained_fast_weights(path: Path) -> Path:
    """An untrained quarter-width network in the fast model's form (its lightness fill shows): the
    size and cost of the bundled fast model, without its knowledge."""
    from ideepcolor_app.colour.encoding import HintEncoding
    from ideepcolor_app.network.model import SIGGRAPHGenerator
    from ideepcolor_app.network.weights import save_weights

    return save_weights(
        SIGGRAPHGenerator(0.25, residual=True).state_dict(),
        path,
        mask_convention="centered",
        hint_encoding=HintEncoding.LIGHTNESS_FILL,
    )


def network_of(
    model: torch.nn.Module,
    convention: MaskConvention | str = MaskConvention.CENTERED,
    encoding: HintEncoding = HintEncoding.SPARSE,
    prior_weight: float = 0.0,
):
    """A model under test as evaluation and calibration run it: on the CPU in fp32, in eval mode."""
    from ideepcolor_app.inference.network import Network
    from ideepcolor_app.network.precision import Precision
    from ideepcolor_app.network.weights import WeightsInfo

    info = WeightsInfo(
        Path("under-test.safetensors"),
        "under test",
        MaskConvention(convention),
        width=model.width,
        hint_encoding=encoding,
        fill_prior_weight=prior_weight,
        residual_scales=model.residual_scales,
        global_hints=model.takes_global_hints,
    )
    return Network.around(model.eval(), info, "cpu", Precision.FP32)


def small_pth_bytes() -> bytes:
    """A real (small) SIGGRAPH17 state dict as torch saves it: downloads are checked to be weights."""
    import io

    torch.manual_seed(0)
    buffer = io.BytesIO()
    torch.save(SIGGRAPHGenerator(0.0625).state_dict(), buffer)
    return buffer.getvalue()


GUESS = 0.6
"""The saturation :func:`make_guessing_weights` guesses for every photo."""


def make_guessing_weights(path: Path, guess: float | None = GUESS, global_hints: bool = True) -> Path:
    """The tests' small global-hints network with a saturation guess that always says ``guess``."""
    model = SIGGRAPHGenerator(0.125, residual=True, global_hints=global_hints)
    state = global_hints_state_dict() if global_hints else model.state_dict()
    model.load_state_dict(state)
    if guess is not None:
        model.add_saturation_guess()
        with torch.no_grad():
            model.saturation_guess.weight.zero_()
            model.saturation_guess.bias.fill_(guess)
    return save_weights(
        model.state_dict(),
        path,
        mask_convention=MaskConvention.CENTERED,
        hint_encoding=HintEncoding.LIGHTNESS_FILL,
        hint_locality=HintLocality(2e-9, 14.0, 0.003),
        half=True,
    )


def noisy_corrections_model() -> SIGGRAPHGenerator:
    """A fast-width residual network whose corrections are noise: the fill alone is better."""
    torch.manual_seed(0)
    model = SIGGRAPHGenerator(0.25, residual=True)
    torch.nn.init.normal_(model.model_out[0].weight, std=0.5)
    return model.eval()


def make_noisy_fill_weights(path: Path, **options) -> Path:
    """:func:`noisy_corrections_model` saved as the fast model is (centred masks, lightness fill),
    with ``options`` of :func:`save_weights` (half, residual_scales, hinted_side...)."""
    return save_weights(
        noisy_corrections_model().state_dict(),
        path,
        mask_convention=MaskConvention.CENTERED,
        hint_encoding=HintEncoding.LIGHTNESS_FILL,
        **options,
    )
