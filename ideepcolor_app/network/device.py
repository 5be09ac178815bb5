"""Which device the numbers live on: CUDA, then Apple MPS, then the CPU."""

from __future__ import annotations

import torch

from ..base.errors import DeviceError


def available_devices() -> list[str]:
    """Device names this machine offers, CPU always included, best first."""
    devices = []
    if torch.cuda.is_available():
        devices.append("cuda")
    if torch.backends.mps.is_available():
        devices.append("mps")
    return [*devices, "cpu"]


def pick_device(requested: str | torch.device | None = None) -> torch.device:
    """``requested`` if given ('cuda', 'cuda:1', 'mps', 'cpu'), else the best available.

    Raises:
        DeviceError: the requested device is not available here.
    """
    if requested is not None and str(requested) != "auto":
        device = torch.device(requested)
        if device.type == "cuda" and not torch.cuda.is_available():
            raise DeviceError(f"Device '{requested}' was requested but CUDA is not available here.")
        if device.type == "mps" and not torch.backends.mps.is_available():
            raise DeviceError(f"Device '{requested}' was requested but MPS is not available here.")
        return device
    return torch.device(available_devices()[0])


def synchronize(device: torch.device) -> None:
    """Wait for queued work on ``device`` (for timing)."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    elif device.type == "mps":
        torch.mps.synchronize()
