"""What the window does with global hints: choose or drop a reference photo, switch, clear, saturation.

The panel renders and forwards; the editor holds the state (undoable with the local hints).
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

import numpy as np
import torch
from PySide6.QtWidgets import QStatusBar

from ..base.errors import ImageError
from ..editing.editor import Editor
from ..hints.global_hints import GlobalHints, mean_saturation, reference_of_photo
from ..inference.engine import ColorizationEngine
from ..photos.images import READ_FORMATS
from .background import BackgroundJobs
from .bridge import EngineBridge
from .dialogs import Dialogs
from .global_panel import DropsReference, GlobalHintsPanel

REFERENCE_FILTER = "Photos (" + " ".join(f"*{s}" for s in READ_FORMATS) + ");;All files (*)"
SWATCH_LIGHTNESS = 65.0
"""The reference's main colours are shown at this lightness."""


class MainWindow(Protocol):
    """What these actions use of :class:`~ideepcolor_app.gui.main_window.MainWindow`."""

    editor: Editor
    bridge: EngineBridge | None
    global_panel: GlobalHintsPanel
    jobs: BackgroundJobs

    def show_error(self, title: str, text: str) -> None: ...

    def statusBar(self) -> QStatusBar: ...

    @property
    def dialogs(self) -> Dialogs: ...


class GlobalHintsController:
    """Connects the "Whole photo" panel, the drop area and the reference loader to the editor."""

    def __init__(self, window: MainWindow, drop_area: DropsReference) -> None:
        self.window = window
        self.thumbnails: dict[str, np.ndarray] = {}
        self._shown: GlobalHints | None = None
        """Thumbnails of the reference photos read in this run, by path (sessions keep only colours)."""
        panel, editor = window.global_panel, window.editor
        panel.choose_reference.connect(self.choose)
        drop_area.reference_dropped.connect(self.use_photo)
        panel.reference_toggled.connect(editor.set_reference_on)
        panel.clear_reference.connect(editor.clear_reference)
        panel.saturation_changed.connect(lambda value, final: editor.set_saturation(value, final))
        editor.document_changed.connect(lambda *_: self.refresh())
        editor.hints_changed.connect(self._hints_changed)
        editor.result_changed.connect(self._result_changed)
        self.refresh()

    def choose(self) -> None:
        """Ask for a colour photo whose colours the open photo should take."""
        if self.window.editor.document is None:
            self.window.statusBar().showMessage("Open a photo first, then choose a photo to take colours from.", 8000)
            return
        path = self.window.dialogs.open_file("Use colours from photo", "", REFERENCE_FILTER)
        if path:
            self.use_photo(path)

    def use_photo(self, path: str) -> None:
        """Read ``path``'s colours in the background; they become the reference when ready."""
        if self.window.editor.document is None:
            self.window.statusBar().showMessage("Open a photo first, then drop a photo to take colours from.", 8000)
            return
        self.window.statusBar().showMessage(f"Reading the colours of {Path(path).name}…")
        self.window.jobs.run(
            lambda: reference_of_photo(path),
            lambda result: self._loaded(path, *result),
            lambda error: self.window.show_error("Could not use the photo's colours", reference_error(path, error)),
            key="reference",
            name="reference",
        )

    def _loaded(self, path: str, histogram: tuple[float, ...], thumbnail: np.ndarray) -> None:
        editor = self.window.editor
        if editor.document is None:
            return
        self.thumbnails[path] = thumbnail
        editor.use_reference(histogram, path)
        self.window.statusBar().showMessage(f"Colouring like {Path(path).name} (Ctrl+Z undoes it)", 8000)

    def _result_changed(self, result: object) -> None:
        if getattr(result, "preliminary", True):  # a drag's quick passes: the resting result follows
            return
        guessed = getattr(getattr(result, "colorization", None), "guessed_saturation", None)
        if guessed is not None:  # the automatic colours answer it: unticking "Automatic" keeps them
            self.window.global_panel.set_automatic_start(round(guessed, 2))
            return
        preview = getattr(result, "preview", None)
        if isinstance(preview, np.ndarray) and preview.size:
            small = preview[:: max(1, preview.shape[0] // 128), :: max(1, preview.shape[1] // 128)]
            rgb = np.ascontiguousarray(small).astype(np.float32) / 255
            value = float(mean_saturation(torch.from_numpy(rgb).permute(2, 0, 1)[None])[0])
            self.window.global_panel.set_automatic_start(round(value, 2))

    def _hints_changed(self) -> None:
        """Redraw only when the global hints changed, not at every step of a hint drag."""
        if self.window.editor.global_hints != self._shown:
            self.refresh()

    def refresh(self) -> None:
        """Show the editor's global hints, and whether the weights in use take them."""
        window, editor = self.window, self.window.editor
        document = editor.document
        hints = editor.global_hints
        engine: ColorizationEngine | None = window.bridge.engine if window.bridge is not None else None
        if document is None:
            available, reason = False, "Open a photo to give colours for the whole photo."
        elif engine is not None and not engine.takes_global_hints:
            available = False
            reason = (
                f"The weights in use ({engine.info.name}) do not take a reference photo or a saturation; "
                "the bundled ideepcolor-fast weights do."
            )
        else:
            available, reason = True, ""
        colours = []
        if document is not None:
            main = hints.main_colours()
            rgbs = document.rgbs_at_lightness([ab for ab, _ in main], SWATCH_LIGHTNESS)
            colours = [(rgb, ab, share) for rgb, (ab, share) in zip(rgbs, main, strict=True)]
        thumbnail = self.thumbnails.get(hints.reference) if hints.reference else None
        window.global_panel.show_global(hints, colours, thumbnail, available, reason)
        self._shown = hints


def reference_error(path: str, error: BaseException) -> str:
    """What the user reads when ``path`` cannot lend its colours."""
    if isinstance(error, ImageError):
        return str(error)
    if isinstance(error, ValueError):  # a grey photo
        return f"{Path(path).name}: {error}."
    if isinstance(error, MemoryError):
        return f"{path}: not enough memory to read this photo. Choose a smaller one."
    return f"{path}: could not be read ({type(error).__name__}: {error})."
