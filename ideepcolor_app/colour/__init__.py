"""Colour science and the network's encoding: sRGB <-> Lab, the 529 ab bins, the hint fills, the
input channels, suggested colours.

Imports only from: base."""
