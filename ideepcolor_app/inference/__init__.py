"""Colorizing on a device: the photo uploaded once, the engine, the background worker, colorize-to-file.

Imports only from: base, colour, photos, hints, network."""
