"""Measuring quality and speed: the paper's protocol, global hints, calibration, reach, benchmarks.

Imports only from: base, colour, photos, hints, network, inference, editing."""
