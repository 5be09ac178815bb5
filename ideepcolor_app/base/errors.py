"""One family of errors for everything a user can get wrong or run into.

Each carries a message meant for the user: what went wrong, with which file, and what to do.
The command line prints it as one line and exits 1; the window shows it in one dialog.
"""

from __future__ import annotations


class IdeepcolorError(Exception):
    """A problem to report to the user as one clear message, never as a traceback."""


class ImageError(IdeepcolorError):
    """A photo could not be read or a result could not be written."""


class OutputExistsError(ImageError):
    """A result file exists already and overwriting was not asked for."""


class WeightsError(IdeepcolorError):
    """A weights file is missing, corrupt, or not of the expected architecture."""


class SessionError(IdeepcolorError):
    """A hint session file is unreadable or invalid; the message names the field."""


class DownloadError(IdeepcolorError):
    """A download failed; the message says why and what to do."""


class UsageError(IdeepcolorError):
    """The command line was given something it cannot work with (a missing folder, a bad option)."""


class DeviceError(IdeepcolorError, RuntimeError):
    """The requested device (CUDA, MPS) is not available here."""
