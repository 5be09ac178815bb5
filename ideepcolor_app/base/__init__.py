"""Foundations every room may use: errors, events, atomic file writes, capped reads, user folders, shipped files.

Imports only from: nothing in the package."""
