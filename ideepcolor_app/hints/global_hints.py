"""Global hints: a colour histogram (from a reference photo) and a saturation, for the whole photo.

The SIGGRAPH17 system's second kind of user input. The network takes them as one vector per image
(:data:`GLOBAL_INPUTS` values): the ab histogram over the 529 bins of :mod:`.ab_bins`, the
saturation, and a "given" flag for each. Bins outside the sRGB gamut are empty in every histogram,
so the first layer's weights for them never matter: over 529 bins the branch computes exactly
what it would over the paper's in-gamut subset.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import cv2
import numpy as np
import torch

from ..colour.ab_bins import NUM_BINS, ab_to_bin, bin_centers
from ..colour.color import rgb_to_lab
from ..colour.encoding import NETWORK_SIZE
from ..photos.images import load_photo

GLOBAL_INPUTS = NUM_BINS + 3
"""Histogram (529), saturation, histogram given, saturation given."""
HISTOGRAM_STRIDE = 4
"""The histogram is taken at 1/4 of the network's resolution, as the paper does."""
GREY_CHROMA = 3.0
"""Mean chroma (ab units) under which a reference photo counts as grey: it has no colours to give."""


@dataclass(frozen=True)
class GlobalHints:
    """What the user said about the whole photo; None: not said.

    ``histogram`` holds 529 non-negative shares summing to 1 (a-major bins, see :mod:`.ab_bins`);
    ``saturation`` is a mean HSV saturation in [0, 1] (0 grey, about 0.3 an ordinary photo).
    ``reference`` names the photo the histogram came from (shown to the user); ``reference_on``
    False keeps the histogram but does not use it (the panel's switch).
    """

    histogram: tuple[float, ...] | None = None
    saturation: float | None = None
    reference: str | None = None
    reference_on: bool = True

    def __post_init__(self) -> None:
        if self.histogram is not None:
            if len(self.histogram) != NUM_BINS:
                raise ValueError(f"a colour histogram has {NUM_BINS} bins, got {len(self.histogram)}")
            values = np.asarray(self.histogram, dtype=np.float64)
            if not np.isfinite(values).all() or (values < 0).any() or values.max() <= 0:
                raise ValueError("a colour histogram needs finite, non-negative shares that are not all 0")
            # shares summing to 1, worked out in float64 from the largest: 1e308s or 1e-50s would
            # overflow or vanish in the network's float32
            shares = values / values.max()
            shares = shares / shares.sum()
            object.__setattr__(self, "histogram", tuple(float(v) for v in shares))
        if self.saturation is not None and not 0.0 <= self.saturation <= 1.0:
            raise ValueError(f"saturation must be between 0 and 1, got {self.saturation}")

    @property
    def is_empty(self) -> bool:
        """Nothing is given to the network: no histogram in use and no saturation."""
        return not self.uses_histogram and self.saturation is None

    @property
    def is_set(self) -> bool:
        """A histogram (in use or switched off) or a saturation is held: worth saving."""
        return self.histogram is not None or self.saturation is not None

    def overridden_by(self, given: GlobalHints) -> GlobalHints:
        """These global hints (a session's) with what ``given`` (the command line) puts in their place."""
        result = self
        if given.histogram is not None:
            result = replace(result, histogram=given.histogram, reference=given.reference, reference_on=True)
        if given.saturation is not None:
            result = replace(result, saturation=given.saturation)
        return result

    @property
    def uses_histogram(self) -> bool:
        """A reference histogram is held and switched on."""
        return self.histogram is not None and self.reference_on

    def vector(self, device: torch.device | str | None = None) -> torch.Tensor:
        """(GLOBAL_INPUTS,) the network's input for these hints."""
        histogram = torch.tensor(self.histogram, dtype=torch.float32) if self.uses_histogram else None
        saturation = None if self.saturation is None else torch.tensor([self.saturation], dtype=torch.float32)
        return global_vector(
            None if histogram is None else (histogram / histogram.sum())[None],
            saturation,
            torch.tensor([histogram is not None]),
            torch.tensor([saturation is not None]),
        )[0].to(device)

    def main_colours(self, count: int = 6, share: float = 0.02) -> list[tuple[tuple[float, float], float]]:
        """Up to ``count`` (ab, share) of the fullest bins holding at least ``share``, fullest first."""
        if self.histogram is None:
            return []
        values = np.asarray(self.histogram, dtype=np.float64)
        values = values / values.sum()
        centres = bin_centers().numpy()
        order = [int(i) for i in np.argsort(-values, kind="stable")[:count] if values[i] >= share]
        return [((float(centres[i, 0]), float(centres[i, 1])), float(values[i])) for i in order]


def ab_histogram(ab: torch.Tensor, stride: int = HISTOGRAM_STRIDE) -> torch.Tensor:
    """(B, 529) share of each ab bin in (B, 2, H, W) ``ab``, sampled every ``stride`` pixels."""
    bins = ab_to_bin(ab[:, :, ::stride, ::stride]).flatten(1)  # (B, N)
    counts = torch.zeros(ab.shape[0], NUM_BINS, device=ab.device, dtype=torch.float32)
    counts.scatter_add_(1, bins, torch.ones_like(bins, dtype=torch.float32))
    return counts / bins.shape[1]


def mean_saturation(rgb: torch.Tensor) -> torch.Tensor:
    """(B,) mean HSV saturation, (max - min) / max per pixel, of (B, 3, H, W) sRGB in [0, 1]."""
    high = rgb.amax(dim=1)
    low = rgb.amin(dim=1)
    saturation = torch.where(high > 0, (high - low) / high.clamp(min=1e-6), torch.zeros_like(high))
    return saturation.flatten(1).mean(dim=1)


def global_vector(
    histogram: torch.Tensor | None,
    saturation: torch.Tensor | None,
    histogram_given: torch.Tensor,
    saturation_given: torch.Tensor,
) -> torch.Tensor:
    """(B, GLOBAL_INPUTS) network input: withheld parts are zeros with their flag at 0.

    Args:
        histogram: (B, 529) shares, or None when withheld for every image.
        saturation: (B,) mean saturations, or None when withheld for every image.
        histogram_given, saturation_given: (B,) bool, which images are given each.
    """
    batch = histogram_given.shape[0]
    device = histogram_given.device
    hist_flag = histogram_given.to(torch.float32).view(batch, 1)
    sat_flag = saturation_given.to(device=device, dtype=torch.float32).view(batch, 1)
    hist = torch.zeros(batch, NUM_BINS, device=device) if histogram is None else histogram.to(device) * hist_flag
    sat = torch.zeros(batch, 1, device=device) if saturation is None else saturation.to(device).view(-1, 1) * sat_flag
    return torch.cat((hist, sat, hist_flag, sat_flag), dim=1)


def any_given(vector: torch.Tensor) -> torch.Tensor:
    """(B,) bool: the images whose global-hint vector gives a histogram or a saturation."""
    return vector[:, NUM_BINS + 1 :].amax(dim=1) > 0


def reference_histogram(ab: torch.Tensor) -> tuple[float, ...]:
    """The histogram of a reference photo's (1, 2, H, W) ab at the network's resolution.

    Raises:
        ValueError: the photo is grey (mean chroma under :data:`GREY_CHROMA`): it has no colours.
    """
    chroma = float(ab.float().norm(dim=1).mean())
    if chroma < GREY_CHROMA:
        raise ValueError(
            f"the photo is grey (mean chroma {chroma:.1f}): it has no colours to give; choose a colour photo"
        )
    return tuple(float(v) for v in ab_histogram(ab.float())[0].cpu())


def histogram_of_photo(path: str | Path) -> tuple[float, ...]:
    """The colour histogram a reference photo gives (see :func:`reference_of_photo`).

    Raises:
        ImageError: the file cannot be read as a photo.
        ValueError: the photo is grey, so it has no colours to give.
    """
    return reference_of_photo(path)[0]


def reference_of_photo(path: str | Path, thumbnail_side: int = 96) -> tuple[tuple[float, ...], np.ndarray]:
    """A reference photo's colour histogram, taken as the network sees a photo (stretched to
    256 x 256, sampled every 4 pixels), and a thumbnail (RGB, longer side ``thumbnail_side``).

    Raises:
        ImageError: the file cannot be read as a photo.
        ValueError: the photo is grey, so it has no colours to give.
    """
    rgb8 = load_photo(path).rgb8()
    square = cv2.resize(rgb8, (NETWORK_SIZE, NETWORK_SIZE), interpolation=cv2.INTER_AREA)
    lab = rgb_to_lab(torch.from_numpy(square).permute(2, 0, 1).float()[None] / 255)
    histogram = reference_histogram(lab[:, 1:])
    height, width = rgb8.shape[:2]
    scale = thumbnail_side / max(height, width)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return histogram, cv2.resize(rgb8, size, interpolation=cv2.INTER_AREA)
