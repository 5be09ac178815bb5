"""Weights files: the project's format, reading published files, strict loading.

Published ``.pth`` files are read with ``torch.load(weights_only=True)`` after their zip
checksums are verified; the project's own files are safetensors with string metadata
(architecture, width, hint encoding, mask convention, provenance, metrics, a checksum of the
tensors), stored as fp32, fp16 or int8 per output channel. Which file to use is decided in
:mod:`.registry`.
"""

from __future__ import annotations

import hashlib
import json
import math
import pickle
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import load_file, save_file

from ..base.atomic import atomic_path
from ..base.errors import WeightsError
from ..base.files import check_regular_file
from ..colour.ab_bins import NUM_BINS
from ..colour.encoding import HintEncoding, MaskConvention
from ..colour.locality import HintLocality
from ..colour.vivid import VividColours
from .architecture import Architecture, ColorizationNet
from .architectures import DEFAULT_ARCHITECTURE, architecture_named
from .registry import registry_entry_for, remembered_sha256

FORMAT_NAME = "ideepcolor-weights"
FORMAT_VERSION = "2"
"""2: every file carries its content checksum (1 may lack it)."""
MAX_WEIGHTS_BYTES = 1_000_000_000
"""The full network in fp32 is 137 MB; a file over 1 GB is not colorization weights."""
MAX_UNPACKED_BYTES = 1_000_000_000
MIN_HINTED_SIDE, MAX_HINTED_SIDE, HINTED_SIDE_STEP = 64, 1024, 8
"""A side the network can take photos with hints at: its layers halve the side three times."""
_QUANT_SUFFIX = ".__int8_scale"
_DIGEST_KEY = "content_sha256"


@dataclass
class WeightsInfo:
    """What is known about a loaded weights file."""

    path: Path
    name: str
    mask_convention: MaskConvention
    metadata: dict[str, Any] = field(default_factory=dict)
    width: float = 1.0
    """Channel-count scale (1.0: the published network)."""
    hint_encoding: HintEncoding = HintEncoding.SPARSE
    fill_prior_weight: float = 0.0
    """Weight of grey beside the hints in a fill encoding (see :mod:`.fill`); 0 in older files."""
    residual_scales: dict[int, float] | None = None
    """Hint count -> share of a fill encoding's correction added (see :mod:`.calibrate`); None: all."""
    vivid_temperature: float | None = None
    """Temperature of the distribution's annealed mean for vivid automatic colours (see
    :mod:`~ideepcolor_app.colour.vivid`), measured for these weights; None: not measured, the
    network's ab output is used."""
    vivid_mix: float = 1.0
    """Share of the way from the ab output to the annealed mean (see :class:`VividColours`); 1 in
    older files."""
    hint_locality: HintLocality | None = None
    """How far local hints reach (see :mod:`~ideepcolor_app.colour.locality`), measured for these
    weights; None: not measured, hints reach as far as the network carries them."""
    global_hints: bool = False
    """The network has the global-hints branch (a colour histogram and a saturation, see
    :mod:`.global_hints`); the file's metadata says so."""
    saturation_guess: bool = False
    """The network guesses each photo's saturation from its grey (see
    :mod:`~ideepcolor_app.training.saturation_guess`), which its automatic result is shown at; needs
    the global-hints branch."""
    convention_reason: str = ""
    """Why this mask convention: given, stored in the file, a published checksum, a known name, or detected."""
    architecture: Architecture = DEFAULT_ARCHITECTURE
    """The model family the tensors belong to (``architecture`` in the file's metadata)."""
    hinted_side: int | None = None
    """The side of the square the network sees a photo with local hints at, measured for these
    weights: near the scale of its small training photos it fills a photo from hints more truly than
    at 256. A pass with hints asked for a larger square runs at this side and its outputs
    are resampled to the side asked for; a pass without hints (the automatic colours, which vary
    more at 256) runs at the side asked (see :meth:`~ideepcolor_app.inference.network.Network.colour`).
    None: every pass at the side asked for."""
    bin_weights: tuple[float, ...] | None = None
    """The per-bin loss weights the distribution head was trained with (class rebalancing, see
    :mod:`~ideepcolor_app.training.rebalance`); None: unweighted or not recorded. The head's
    probabilities divided by them are the colours' plausibility as the training photos had them."""

    @property
    def vivid(self) -> VividColours | None:
        """How these weights show vivid automatic colours; None where nothing was measured."""
        if self.vivid_temperature is None:
            return None
        return VividColours(self.vivid_temperature, self.vivid_mix)

    @property
    def label(self) -> str:
        """The name and file, as the status bar and messages show them."""
        return f"{self.name} ({self.path.name})"

    @property
    def is_fast(self) -> bool:
        """A reduced-width network, cheap enough for every interactive update on a CPU."""
        return self.width < 1.0


def load_state_dict(
    path: Path, mask_convention: MaskConvention | str | None = None, suffix: str | None = None
) -> tuple[dict[str, torch.Tensor], WeightsInfo]:
    """Read a weights file (published .pth or the project's .safetensors) without building a model.

    Args:
        path: the file.
        mask_convention: overrides the file's convention.
        suffix: read the file as this kind ('.pth' or '.safetensors') whatever its name ends with
            (a download's ``.part``).

    Returns:
        The state dict (float tensors, int8 dequantised) and what is known about the file. Its
        ``mask_convention`` is None for an unknown ``.pth`` until :func:`load_model` detects it.

    Raises:
        WeightsError: missing, empty, a folder, corrupt, or not ideepcolor/SIGGRAPH17 weights.
    """
    path = Path(path)
    if path.is_dir():
        raise WeightsError(f"{path} is a folder, not a weights file. Choose the .pth or .safetensors file inside it.")
    if check_regular_file(path, MAX_WEIGHTS_BYTES, WeightsError, "weights file") == 0:
        raise WeightsError(f"Weights file {path} is empty (an interrupted download?). Delete it and fetch it again.")
    metadata: dict[str, Any] = {}
    if (suffix or path.suffix) == ".safetensors":
        state, metadata = _read_safetensors(path)
        convention, name, reason = (
            metadata.get("mask_convention"),
            metadata.get("name", path.stem),
            "stored in the file",
        )
    else:
        state = _read_pth(path)
        entry = registry_entry_for(path, remembered_sha256(path))
        convention, name, reason = None, path.stem, ""
        if entry is not None:
            convention, name = entry.mask_convention.value, entry.name
            reason = (
                f"published checksum of {entry.name}"
                if entry.sha256
                else f"known file name of {entry.name} (no checksum published)"
            )
    if mask_convention is not None:
        convention, reason = mask_convention, "given with --mask-convention"
    try:
        convention = MaskConvention(convention) if convention is not None else None
        encoding = HintEncoding(metadata.get("hint_encoding", HintEncoding.SPARSE.value))
        residual_scales = _residual_scales(metadata.get("residual_scales"))
        prior_weight = float(metadata.get("fill_prior_weight", "0"))
        takes_global = _yes_or_no(metadata.get("global_hints", "no"), "global_hints")
        guesses_saturation = _yes_or_no(metadata.get("saturation_guess", "no"), "saturation_guess")
        if guesses_saturation and not takes_global:
            raise ValueError("a saturation guess needs the global-hints branch, which the file lacks")
        if not (0.0 <= prior_weight < 1.0):
            raise ValueError(f"fill prior weight {prior_weight} is outside [0, 1)")
        vivid_temperature = _vivid_temperature(metadata.get("vivid_temperature"))
        vivid_mix = float(metadata.get("vivid_mix", "1"))
        if vivid_temperature is not None:
            VividColours(vivid_temperature, vivid_mix)  # refuses a mix outside (0, 1]
        locality_text = metadata.get("hint_locality")
        hint_locality = HintLocality.from_text(locality_text) if locality_text is not None else None
        bin_weights = _bin_weights(metadata.get("bin_weights"))
        hinted_side = _hinted_side(metadata.get("hinted_side"))
    except (ValueError, TypeError, AttributeError, RecursionError) as exc:
        raise WeightsError(
            f"{path}: unknown mask convention, hint encoding, global hints, saturation guess, residual "
            f"scales, vivid temperature, hint locality, bin weights or hinted side ({exc})."
        ) from exc
    try:
        architecture = architecture_named(metadata.get("architecture", DEFAULT_ARCHITECTURE.name))
    except WeightsError as exc:
        raise WeightsError(f"{path}: {exc}") from None
    check_tensors(state, path)
    width = architecture.width_of(state)
    if not 0 < width <= 1:
        raise WeightsError(
            f"{path}: its first layer has {width * 64:g} channels; a {architecture.title} has 64 or fewer."
        )
    return state, WeightsInfo(
        path=path,
        name=name,
        mask_convention=convention,  # type: ignore[arg-type]  # None until load_model detects it
        metadata=metadata,
        width=width,
        hint_encoding=encoding,
        residual_scales=residual_scales,
        fill_prior_weight=prior_weight,
        vivid_temperature=vivid_temperature,
        vivid_mix=vivid_mix,
        hint_locality=hint_locality,
        global_hints=takes_global,
        saturation_guess=guesses_saturation,
        convention_reason=reason,
        architecture=architecture,
        bin_weights=bin_weights,
        hinted_side=hinted_side,
    )


def check_weights_file(path: Path, suffix: str | None = None) -> None:
    """Refuse a file that does not load as SIGGRAPH17 weights (a download before it joins the cache).

    Raises:
        WeightsError: as :func:`load_state_dict`, or the tensors do not fit the module tree.
    """
    state, info = load_state_dict(path, suffix=suffix)
    with torch.device("meta"):  # the module tree's shapes only: no memory, no random initialisation
        model = network_for(info)
    check_architecture(state, model, path, info.architecture)


def load_model(path: Path, mask_convention: MaskConvention | str | None = None) -> tuple[ColorizationNet, WeightsInfo]:
    """Build the network and load ``path`` into it strictly, in eval mode.

    A ``.pth`` that is neither identified by checksum or name nor given a convention has its
    mask convention detected from the network's behaviour (see :mod:`.convention`).

    Args:
        path: the weights file.
        mask_convention: overrides the file's convention (and detection).

    Returns:
        The network (at the width its tensors have) and what is known about the file.

    Raises:
        WeightsError: as :func:`load_state_dict`, or the tensors do not fit the module tree.
    """
    state, info = load_state_dict(path, mask_convention)
    with torch.device("meta"):  # every tensor comes from the file: random initialisation was a third of a load
        model = network_for(info)
    check_architecture(state, model, path, info.architecture)
    model.load_state_dict(state, strict=True, assign=True)
    model.float().eval()
    if info.mask_convention is None:
        from .convention import detect_mask_convention

        choice = detect_mask_convention(model, info.hint_encoding)
        info.mask_convention, info.convention_reason = choice.convention, choice.reason
    return model, info


def network_for(info: WeightsInfo) -> ColorizationNet:
    """An untrained network of the shape and conventions ``info`` describes."""
    model = info.architecture.build(
        info.width,
        residual=info.hint_encoding.is_fill,
        residual_scales=info.residual_scales,
        global_hints=info.global_hints,
    )
    if info.saturation_guess:
        model.add_saturation_guess()
    return model


def check_tensors(state: dict[str, torch.Tensor], path: Path) -> None:
    """Refuse tensors no trained network has: NaN or infinite values, or a first convolution that is
    not a 4-D kernel (the width is read from it).

    Raises:
        WeightsError: naming the first bad tensor.
    """
    first = state.get("model1.0.weight")
    if first is not None and first.dim() != 4:
        raise WeightsError(
            f"{path}: model1.0.weight has shape {tuple(first.shape)}, not a convolution kernel; "
            "the file is damaged or not a colorization network."
        )
    for key, value in state.items():
        if value.is_floating_point() and not bool(torch.isfinite(value).all()):
            raise WeightsError(
                f"{path}: {key} holds NaN or infinite values, so the network cannot compute colours. "
                "The file is damaged (or came from a diverged training run); use another."
            )


def _yes_or_no(text: str, key: str) -> bool:
    """A metadata flag written as 'yes' or 'no'; ValueError naming ``key`` for anything else."""
    if text not in ("yes", "no"):
        raise ValueError(f"{key} must be 'yes' or 'no', not {text!r}")
    return text == "yes"


def _bin_weights(text: str | None) -> tuple[float, ...] | None:
    return None if text is None else _checked_bin_weights(json.loads(text))


def _checked_bin_weights(values: Sequence[float]) -> tuple[float, ...]:
    checked = tuple(float(v) for v in values)
    if len(checked) != NUM_BINS or not all(math.isfinite(v) and v > 0 for v in checked):
        raise ValueError(f"bin weights are {NUM_BINS} positive numbers")
    return checked


def _hinted_side(text: str | None) -> int | None:
    if text is None:
        return None
    side = int(text)
    if not (MIN_HINTED_SIDE <= side <= MAX_HINTED_SIDE and side % HINTED_SIDE_STEP == 0):
        raise ValueError(
            f"hinted side {side} is not a multiple of {HINTED_SIDE_STEP} from {MIN_HINTED_SIDE} to {MAX_HINTED_SIDE}"
        )
    return side


def _vivid_temperature(text: str | None) -> float | None:
    return None if text is None else VividColours(float(text)).temperature  # VividColours checks the range


def _residual_scales(text: str | None) -> dict[int, float] | None:
    """The stored calibration (JSON: count -> scale), validated; ValueError if damaged."""
    if text is None:
        return None
    scales = {int(k): float(v) for k, v in json.loads(text).items()}
    if not scales or any(k < 0 or not 0.0 <= v <= 2.0 for k, v in scales.items()):
        raise ValueError(f"residual scales {text} must map hint counts >= 0 to shares in 0-2")
    return scales


def check_architecture(
    state: dict[str, torch.Tensor], model: torch.nn.Module, path: Path, architecture: Architecture
) -> None:
    """Refuse a state dict that does not fit ``model``'s module tree, naming what is missing or wrong.

    Raises:
        WeightsError: missing keys, unexpected keys or wrong shapes (one example of each is named).
    """
    expected = {k: v.shape for k, v in model.state_dict().items() if not k.endswith("num_batches_tracked")}
    got = {k: v for k, v in state.items() if not k.endswith("num_batches_tracked")}
    missing = sorted(expected.keys() - got.keys())
    unexpected = sorted(got.keys() - expected.keys())
    wrong = [k for k in expected.keys() & got.keys() if tuple(got[k].shape) != tuple(expected[k])]
    if missing or unexpected or wrong:
        details = []
        if missing:
            details.append(f"{len(missing)} missing keys (e.g. {missing[0]})")
        if unexpected:
            details.append(f"{len(unexpected)} unexpected keys (e.g. {unexpected[0]})")
        if wrong:
            k = sorted(wrong)[0]
            details.append(
                f"{len(wrong)} keys with wrong shapes (e.g. {k}: {tuple(got[k].shape)}, expected {tuple(expected[k])})"
            )
        names = list(expected)
        raise WeightsError(
            f"{path} is not a {architecture.title}: {'; '.join(details)}.\n"
            f"Expected the {architecture.name} module tree ({len(expected)} tensors, {names[0]} ... {names[-1]})."
        )


def clean_keys(state: dict[str, Any]) -> dict[str, Any]:
    """State-dict keys without the wrappers' prefixes (DataParallel's ``module.``, torch.compile's ``_orig_mod.``)."""
    return {k.removeprefix("module.").removeprefix("_orig_mod."): v for k, v in state.items()}


def _read_pth(path: Path) -> dict[str, torch.Tensor]:
    with open(path, "rb") as handle:
        head = handle.read(512)
    if head.lstrip().startswith(b"<"):  # <!DOCTYPE, <html, <?xml: a page, never a weights file
        raise WeightsError(
            f"{path} is a web page (HTML), not weights: a login or error page was probably saved in its place. "
            "Delete it and download the weights again."
        )
    if not zipfile.is_zipfile(path):
        if not head.startswith(b"\x80"):  # nor the legacy (pickle) format of torch before 1.6
            raise WeightsError(
                f"{path} is not a PyTorch weights file (neither a zip archive nor torch's older format). "
                "It may be damaged, truncated or another kind of file; download it again or pick another."
            )
        return _torch_load(path)
    try:  # torch.load does not check the archive's CRCs, and would inflate a zip bomb whole
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(item.file_size for item in archive.infolist())
            if unpacked > MAX_UNPACKED_BYTES:
                raise WeightsError(
                    f"{path} would unpack to {unpacked / 1e9:,.1f} GB, far more than any colorization network "
                    f"({MAX_UNPACKED_BYTES / 1e9:.0f} GB at most); it is not a weights file."
                )
            damaged = archive.testzip()
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        damaged = f"the archive ({exc})"
    if damaged is not None:
        raise WeightsError(
            f"{path} is corrupt: the checksum of {damaged} does not match its data.\nDownload or copy the file again."
        )
    return _torch_load(path)


def _torch_load(path: Path) -> dict[str, torch.Tensor]:
    try:
        obj = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError:
        raise WeightsError(
            f"{path} holds Python objects other than tensors, so it is not a plain weights file; "
            "this app never runs code from a weights file. Use the published weights or a file saved by ideepcolor."
        ) from None
    except Exception as exc:  # truncation, zip errors, torch's own checks all land here
        raise WeightsError(
            f"{path} is not a readable PyTorch weights file ({type(exc).__name__}); it may be damaged or "
            "truncated. Download or copy it again, or pick another."
        ) from exc
    if isinstance(obj, dict) and "state_dict" in obj and isinstance(obj["state_dict"], dict):
        obj = obj["state_dict"]
    if not isinstance(obj, dict) or not all(isinstance(v, torch.Tensor) for v in obj.values()):
        raise WeightsError(f"{path} does not hold a state dict of tensors.")
    return clean_keys(obj)


def _read_safetensors(path: Path) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    try:
        raw = load_file(str(path), device="cpu")
        with safe_open(str(path), framework="pt") as f:
            metadata = dict(f.metadata() or {})
    except (SafetensorError, OSError, ValueError) as exc:
        raise WeightsError(f"{path} is not a readable safetensors file ({exc}). It may be corrupt.") from exc
    expected = metadata.pop(_DIGEST_KEY, None)
    # Metadata keys come in any order, so a damaged byte may hit the checksum's own name: from
    # version 2 on a missing checksum means damage too.
    if (expected is None and metadata.get("format_version", "1") != "1") or (
        expected is not None and expected != content_digest(raw, metadata)
    ):
        raise WeightsError(
            f"{path} is corrupt: its contents do not match the checksum stored with them.\n"
            "Download or copy the file again."
        )
    if metadata.get("format") != FORMAT_NAME:
        raise WeightsError(f"{path} is a safetensors file but not ideepcolor weights (no '{FORMAT_NAME}' metadata).")
    if metadata.get("architecture") is None:
        raise WeightsError(f"{path} does not say which network it holds (no 'architecture' metadata); damaged file.")
    for key in ("provenance", "metrics"):
        if key in metadata:
            try:
                metadata[key] = json.loads(metadata[key])
            except json.JSONDecodeError:  # older files may hold plain text there
                pass
            except (RecursionError, ValueError):
                raise WeightsError(
                    f"{path}: its {key} metadata is nested too deeply or malformed; damaged file."
                ) from None
    return _dequantize(raw), metadata


def content_digest(tensors: dict[str, torch.Tensor], metadata: dict[str, str]) -> str:
    """SHA-256 over the metadata and every tensor's name, dtype, shape and bytes, in name order."""
    digest = hashlib.sha256(json.dumps(metadata, sort_keys=True).encode())
    for key in sorted(tensors):
        value = tensors[key].contiguous().reshape(-1)
        digest.update(f"{key}|{value.dtype}|{tuple(value.shape)}|".encode())
        digest.update(value.view(torch.uint8).numpy().tobytes() if value.numel() else b"")
    return digest.hexdigest()


def save_weights(
    state: dict[str, torch.Tensor],
    path: Path,
    *,
    mask_convention: MaskConvention | str,
    name: str = "ideepcolor",
    provenance: dict[str, Any] | None = None,
    metrics: dict[str, Any] | None = None,
    quantize_int8: bool = False,
    half: bool = False,
    hint_encoding: HintEncoding | str = HintEncoding.SPARSE,
    residual_scales: dict[int, float] | None = None,
    fill_prior_weight: float = 0.0,
    vivid_temperature: float | None = None,
    hint_locality: HintLocality | None = None,
    vivid_mix: float = 1.0,
    architecture: Architecture = DEFAULT_ARCHITECTURE,
    bin_weights: Sequence[float] | None = None,
    hinted_side: int | None = None,
) -> Path:
    """Write the project's weights format atomically (temporary file, then rename).

    ``half`` stores floating-point tensors as fp16 where their values fit (half the size, for small models);
    ``quantize_int8`` stores conv weights as int8 per output channel; ``residual_scales`` are
    stored for fill encodings (see :mod:`.calibrate`); ``vivid_temperature`` is the annealed mean's
    temperature measured for vivid automatic colours (see :mod:`~ideepcolor_app.colour.vivid`);
    ``hint_locality`` how far hints reach (see :mod:`~ideepcolor_app.colour.locality`);
    ``bin_weights`` the distribution head's per-bin loss weights and ``hinted_side`` the side it
    takes photos with hints at (see :class:`WeightsInfo`).
    """
    path = Path(path)
    tensors = clean_keys({k: v.detach().to("cpu").contiguous() for k, v in state.items()})
    if quantize_int8:
        tensors = _quantize(tensors)
    elif half:
        # the saturation guess sums 768 products: its 769 numbers stay float32
        tensors = {
            k: v.half() if v.is_floating_point() and _fits_half(v) and not k.startswith("saturation_guess.") else v
            for k, v in tensors.items()
        }
    metadata = {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "architecture": architecture.name,
        "name": name,
        "mask_convention": MaskConvention(mask_convention).value,
        "width": f"{architecture.width_of(tensors):g}",
        "hint_encoding": HintEncoding(hint_encoding).value,
        "quantization": "int8-per-output-channel" if quantize_int8 else ("fp16" if half else "none"),
        "provenance": json.dumps(provenance or {}),
        "metrics": json.dumps(metrics or {}),
    }
    if any(k.startswith("global_") for k in tensors):
        metadata["global_hints"] = "yes"
    if any(k.startswith("saturation_guess.") for k in tensors):
        metadata["saturation_guess"] = "yes"
    if fill_prior_weight and HintEncoding(hint_encoding).is_fill:
        metadata["fill_prior_weight"] = repr(float(fill_prior_weight))
    if residual_scales and HintEncoding(hint_encoding).is_fill:
        metadata["residual_scales"] = json.dumps({str(k): v for k, v in sorted(residual_scales.items())})
    if vivid_temperature is not None:
        vivid = VividColours(float(vivid_temperature), float(vivid_mix))  # refuses values out of range
        metadata["vivid_temperature"] = repr(vivid.temperature)
        if vivid.mix != 1.0:
            metadata["vivid_mix"] = repr(vivid.mix)
    if hint_locality is not None:
        metadata["hint_locality"] = hint_locality.to_text()
    if bin_weights is not None:
        metadata["bin_weights"] = json.dumps([float(f"{w:.5g}") for w in _checked_bin_weights(bin_weights)])
    if hinted_side is not None:
        metadata["hinted_side"] = str(_hinted_side(str(hinted_side)))
    metadata[_DIGEST_KEY] = content_digest(tensors, metadata)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(path) as temporary:
            save_file(tensors, str(temporary), metadata=metadata)
    except (OSError, SafetensorError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise WeightsError(
            f"Could not write {path}: {reason}; nothing was saved. Check that the folder exists, is writable "
            "and has free space, or choose another."
        ) from exc
    return path


def save_copy(
    model: ColorizationNet,
    info: WeightsInfo,
    path: Path,
    *,
    provenance: dict[str, Any],
    quantize_int8: bool = False,
    residual_scales: dict[int, float] | None = None,
) -> Path:
    """Write ``model``, loaded from the file ``info`` describes, to ``path``: same name, conventions,
    metrics and precision; ``provenance`` replaces the stored one, ``residual_scales`` if given."""
    return save_weights(
        model.state_dict(),
        path,
        mask_convention=info.mask_convention,
        name=info.name,
        provenance=provenance,
        metrics=info.metadata.get("metrics"),
        quantize_int8=quantize_int8,
        half=info.metadata.get("quantization") == "fp16",
        hint_encoding=info.hint_encoding,
        residual_scales=info.residual_scales if residual_scales is None else residual_scales,
        fill_prior_weight=info.fill_prior_weight,
        vivid_temperature=info.vivid_temperature,
        vivid_mix=info.vivid_mix,
        hint_locality=info.hint_locality,
        architecture=info.architecture,
        bin_weights=info.bin_weights,
        hinted_side=info.hinted_side,
    )


def _fits_half(tensor: torch.Tensor) -> bool:
    """Every value is finite in fp16 (batch-norm variances can pass its 65504): others stay fp32."""
    return bool(tensor.abs().max() < 60000) if tensor.numel() else True


def _quantize(tensors: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """int8 weight-only quantisation per output channel of conv weights (4-D tensors)."""
    out: dict[str, torch.Tensor] = {}
    for key, value in tensors.items():
        if value.dim() == 4 and value.is_floating_point():
            # ConvTranspose2d stores (in, out, kh, kw): quantise along its output channels (dim 1).
            channel_dim = 1 if key.split(".")[0].endswith("up") else 0
            reduce_dims = [d for d in range(4) if d != channel_dim]
            scale = value.float().abs().amax(dim=reduce_dims, keepdim=True).clamp(min=1e-12) / 127.0
            out[key] = torch.round(value.float() / scale).clamp(-127, 127).to(torch.int8)
            out[key + _QUANT_SUFFIX] = scale.to(torch.float32)
        else:
            out[key] = value
    return out


def _dequantize(tensors: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    out: dict[str, torch.Tensor] = {}
    for key, value in tensors.items():
        if key.endswith(_QUANT_SUFFIX):
            continue
        scale = tensors.get(key + _QUANT_SUFFIX)
        out[key] = (
            value.float() * scale if scale is not None else (value.float() if value.is_floating_point() else value)
        )
    return out
