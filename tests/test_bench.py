import numpy as np

from ideepcolor_app.bench import naive_update, sample_hints, summary, synthetic_photo
from ideepcolor_app.engine import ColorizationEngine
from ideepcolor_app.images import Photo


def test_optimised_update_matches_the_naive_reference_path(echo_weights):
    rng = np.random.default_rng(0)
    pixels = rng.integers(0, 256, (300, 410, 3), dtype=np.uint8)  # colour noise: every kind of L
    photo = Photo(None, pixels, "0" * 64, True)  # type: ignore[arg-type]
    engine = ColorizationEngine.from_weights(str(echo_weights), "cpu")
    engine.set_photo(photo)
    hints = sample_hints(photo.size, count=12)
    fast = engine.colorize(hints).full_resolution_rgb().astype(int)
    naive = naive_update(engine.best, pixels, hints).astype(int)
    # The naive path truncates to 8 bits as the reference GUI did; ours rounds: one level apart at most.
    assert np.abs(fast - naive).max() <= 1


def test_synthetic_photo_and_summary():
    photo = synthetic_photo((64, 48))
    assert photo.pixels.shape == (48, 64, 3) and not photo.is_color
    s = summary([0.003, 0.001, 0.002, 0.010])
    assert s["median_ms"] == 2.5 and s["p95_ms"] == 10.0 and s["runs"] == 4
