"""A photo on the compute device, and the one source of its lightness at any size.

The network's input, the display previews and the panel's "lightness here" all read L through
:func:`lightness_at_size`, so what the user is shown is what the network sees.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import numpy as np
import torch

from ..colour.color import lightness_at_size, rgb_to_lab
from ..colour.encoding import NETWORK_SIZE, network_cell
from ..photos.images import Photo

_CHUNK_PIXELS = 1 << 19
"""Full-resolution work runs in bands of ~0.5 MP: it bounds memory, and the colour maths is
memory-bound, so bands that stay in cache were measured 4x faster than one 12 MP call."""


@dataclass(frozen=True, eq=False)
class PhotoOnDevice:
    """A photo's pixels on the device, and its lightness at full and smaller sizes (each computed
    when first asked for). Never changed once made."""

    photo: Photo
    pixels: torch.Tensor  # (H, W, 3) uint8 or uint16, as decoded
    _full: list[torch.Tensor] = field(default_factory=list, repr=False)
    _resampled: dict[tuple[int, int], torch.Tensor] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _full_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def upload(cls, photo: Photo, device: torch.device) -> PhotoOnDevice:
        """Upload ``photo``'s pixels to ``device`` once."""
        return cls(photo, torch.from_numpy(np.ascontiguousarray(photo.pixels)).to(device))

    @property
    def l_full(self) -> torch.Tensor:
        """(1, 1, H, W) float32 L at full resolution, computed in bands the first time it is asked
        for: saving needs it, the first result does not (it reads L at the network's and the
        view's sizes), so opening a 12 MP photo does not wait for it.

        Raises:
            DraftError: the photo is a draft (:attr:`Photo.is_draft`): its full resolution is not here.
        """
        if self.photo.is_draft:
            raise DraftError(f"{self.photo.path}: only a reduced draft is loaded; the full photo is still loading.")
        with self._full_lock:
            if not self._full:
                height, width = self.pixels.shape[:2]
                l_full = torch.empty(1, 1, height, width, device=self.pixels.device)
                for top, bottom in bands(height, width):
                    band = self.pixels[top:bottom].permute(2, 0, 1).float() / self.photo.max_value
                    l_full[0, :, top:bottom] = rgb_to_lab(band)[0:1]
                self._full.append(l_full)
            return self._full[0]

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) of the photo."""
        return self.photo.size

    def lightness(self, size: tuple[int, int]) -> torch.Tensor:
        """(1, 1, H, W) L at ``size`` (width, height), by :func:`lightness_at_size`; cached per size.

        The network's input (square sizes) and the display previews both come from here.
        """
        if size == self.size:  # a draft raises: nothing at full resolution comes from it
            return self.l_full
        with self._lock:
            if size not in self._resampled:
                self._resampled[size] = lightness_at_size(self.pixels, self.photo.max_value, size)
            return self._resampled[size]

    def network_lightness(self, size: int = NETWORK_SIZE) -> torch.Tensor:
        """(1, 1, size, size) L as the network sees it (the photo stretched to a square)."""
        return self.lightness((size, size))

    def lightness_at(self, x: float, y: float, size: int = NETWORK_SIZE) -> float:
        """L at image point (x, y), read at network resolution as the hints are."""
        row, col = network_cell(x, y, self.size, size)
        return float(self.network_lightness(size)[0, 0, row, col])


class DraftError(RuntimeError):
    """Full-resolution work was asked of a photo of which only a reduced draft is loaded."""


def bands(height: int, width: int) -> list[tuple[int, int]]:
    """Row ranges of about :data:`_CHUNK_PIXELS` pixels each, covering ``height`` rows."""
    rows = max(1, _CHUNK_PIXELS // max(width, 1))
    return [(top, min(top + rows, height)) for top in range(0, height, rows)]
