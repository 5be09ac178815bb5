"""Colourfulness (Hasler & Süsstrunk 2003): how much colour a picture has. PSNR rewards a brown cast;
this, beside the hue hit of :mod:`~ideepcolor_app.evaluation.colour_scores`, does not."""

from __future__ import annotations

import numpy as np


def colourfulness(rgb8: np.ndarray) -> float:
    """Hasler & Süsstrunk's M of an (H, W, 3) sRGB picture in 0..255: sqrt(σ_rg² + σ_yb²) +
    0.3 sqrt(μ_rg² + μ_yb²), with rg = R - G and yb = (R + G) / 2 - B. Grey is 0; about 15 is
    "slightly colourful", 33 "moderately", 59 "quite", 82 and over "extremely"."""
    rgb = np.asarray(rgb8, dtype=np.float64).reshape(-1, 3)
    rg = rgb[:, 0] - rgb[:, 1]
    yb = 0.5 * (rgb[:, 0] + rgb[:, 1]) - rgb[:, 2]
    return float(np.hypot(rg.std(), yb.std()) + 0.3 * np.hypot(rg.mean(), yb.mean()))
