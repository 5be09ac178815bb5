"""Which number format the network runs in: bf16 where the processor has bf16 units, else fp32.

On a CPU with AVX512-BF16 or AMX, bf16 autocast with channels_last runs the fast network's forward
in about 0.45 of its fp32 time and trains it about 2.5x faster (docs/benchmarks.md). Elsewhere
bf16 is emulated and slower, so fp32 stays. ``$IDEEPCOLOR_PRECISION`` or ``--precision`` force one.
"""

from __future__ import annotations

import contextlib
import functools
import os
from collections.abc import Iterator
from enum import Enum
from pathlib import Path

import torch

from ..base.errors import UsageError

PRECISION_VARIABLE = "IDEEPCOLOR_PRECISION"


class Precision(str, Enum):
    """The format of the network's activations (weights and optimiser state stay fp32)."""

    FP32 = "fp32"
    BF16 = "bf16"
    FP16 = "fp16"

    @property
    def dtype(self) -> torch.dtype:
        """The torch dtype autocast runs in."""
        return {Precision.FP32: torch.float32, Precision.BF16: torch.bfloat16, Precision.FP16: torch.float16}[self]


@functools.lru_cache(maxsize=1)
def cpu_has_bf16() -> bool:
    """The CPU computes bf16 in hardware (AVX512-BF16 or AMX); detected once per process."""
    probes = [getattr(torch.cpu, name, None) for name in ("_is_avx512_bf16_supported", "_is_amx_tile_supported")]
    for probe in probes:
        if probe is not None:
            with contextlib.suppress(Exception):
                if probe():
                    return True
    if all(p is not None for p in probes):
        return False
    return _cpuinfo_has_bf16(Path("/proc/cpuinfo"))


def _cpuinfo_has_bf16(path: Path) -> bool:
    """Fallback for torch builds without the probes: the flags Linux reports."""
    return bool({"avx512_bf16", "amx_bf16"} & set(cpu_info(path).get("flags", "").split()))


def cpu_info(path: Path = Path("/proc/cpuinfo")) -> dict[str, str]:
    """The first processor's fields as Linux reports them ('model name', 'flags', ...); empty where
    there is no such file."""
    fields: dict[str, str] = {}
    try:
        text = path.read_text()
    except OSError:
        return fields
    for line in text.splitlines():
        if not line.strip():
            break  # the first processor's block ends
        key, _, value = line.partition(":")
        fields.setdefault(key.strip(), value.strip())
    return fields


def requested_precision(requested: str | None = None) -> str:
    """``requested``, else ``$IDEEPCOLOR_PRECISION``, else 'auto'.

    Raises:
        UsageError: not one of auto, fp32, bf16.
    """
    value = (requested or os.environ.get(PRECISION_VARIABLE) or "auto").strip().lower()
    if value not in ("auto", "fp32", "bf16"):
        where = "--precision" if requested else f"${PRECISION_VARIABLE}"
        raise UsageError(f"{where} must be auto, fp32 or bf16, got {value!r}.")
    return value


def cpu_precision(requested: str | None = None) -> Precision:
    """What a network on the CPU runs in: bf16 where the hardware has it (or when forced), else fp32."""
    value = requested_precision(requested)
    if value == "auto":
        return Precision.BF16 if cpu_has_bf16() else Precision.FP32
    return Precision(value)


@contextlib.contextmanager
def autocast(device: torch.device, precision: Precision) -> Iterator[None]:
    """Run the body's network ops in ``precision`` on ``device`` (nothing changes for fp32)."""
    if precision is Precision.FP32:
        yield
        return
    with torch.autocast(device.type, dtype=precision.dtype):
        yield
