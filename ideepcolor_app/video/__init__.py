"""Film: frames in and out, motion between frames, and colourising a clip coherently.

Imports only from: base, colour, photos, hints, network, inference, editing."""
