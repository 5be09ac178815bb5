"""The SIGGRAPH17 network, its weights files and registry, downloads, devices and number formats.

Imports only from: base, colour, photos, hints."""
