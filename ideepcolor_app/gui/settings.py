"""What the window remembers between runs, each value with one reader and one writer.

Values that follow the editor or a View switch are written by a subscriber (:meth:`WindowSettings.follow`),
never by the code that draws them; the rest are written by the action that chooses them (a folder,
a device, the recent files). A damaged value reads as its default, never as a crash.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings
from PySide6.QtGui import QAction

from ..colour.encoding import DEFAULT_PATCH_SIZE
from ..editing.editor import Editor

MAX_RECENT_FILES = 8


class WindowSettings:
    """The app's QSettings, read and written by name."""

    def __init__(self, store: QSettings | None = None) -> None:
        self.store = store or QSettings("ideepcolor", "ideepcolor")
        self._patch_size: int | None = None

    # ----- read once at start -----------------------------------------------------------------------
    @property
    def patch_size(self) -> int:
        """The remembered patch size (the editor checks it is one it offers)."""
        try:
            return int(self.store.value("patchSize", DEFAULT_PATCH_SIZE))  # type: ignore[call-overload]
        except (TypeError, ValueError):
            return DEFAULT_PATCH_SIZE

    @property
    def recent_colours(self) -> list[tuple[float, float]]:
        """The remembered recent colours; none if the value is damaged."""
        try:
            return [(float(a), float(b)) for a, b in (self.store.value("recentColors") or [])]
        except (TypeError, ValueError):
            return []

    @property
    def vivid(self) -> bool:
        """View > Vivid Colours (on by default)."""
        return self._switch("vividColours")

    @property
    def local_hints(self) -> bool:
        """View > Keep Hints Local (on by default)."""
        return self._switch("localHints")

    @property
    def device(self) -> str:
        """The device chosen in the Device menu ('auto': the best available)."""
        return str(self.store.value("device", "auto"))

    @device.setter
    def device(self, device: str) -> None:
        self.store.setValue("device", device)

    @property
    def geometry(self) -> QByteArray | None:
        """The window's size and place when it last closed."""
        geometry = self.store.value("geometry")
        return geometry if isinstance(geometry, QByteArray) else None

    @geometry.setter
    def geometry(self, geometry: QByteArray) -> None:
        self.store.setValue("geometry", geometry)

    # ----- folders and files ---------------------------------------------------------------------------
    @property
    def last_folder(self) -> str:
        """Where the Open dialog starts: the last photo's folder, else the home folder."""
        return str(self.store.value("lastFolder", str(Path.home())))

    @last_folder.setter
    def last_folder(self, folder: str) -> None:
        self.store.setValue("lastFolder", folder)

    @property
    def last_save_folder(self) -> Path | None:
        """The folder last saved to, if it still exists."""
        last = self.store.value("lastSaveFolder")
        return Path(last) if isinstance(last, str) and Path(last).is_dir() else None

    @last_save_folder.setter
    def last_save_folder(self, folder: Path) -> None:
        self.store.setValue("lastSaveFolder", str(folder))

    @property
    def recent_files(self) -> list[str]:
        """Photos and hint files opened lately, newest first."""
        value = self.store.value("recentFiles") or []
        return [value] if isinstance(value, str) else [str(v) for v in value]

    def remember_file(self, path: Path) -> None:
        """Put ``path`` first among the recent files."""
        resolved = str(Path(path).resolve())
        recent = [resolved] + [p for p in self.recent_files if p != resolved]
        self.store.setValue("recentFiles", recent[:MAX_RECENT_FILES])

    # ----- subscribers -----------------------------------------------------------------------------
    def follow(self, editor: Editor, vivid: QAction, local_hints: QAction) -> None:
        """Remember the patch size and recent colours as the editor changes them, and the View
        switches as they are toggled."""
        self._patch_size = editor.patch_size
        editor.current_changed.connect(lambda: self._patch_size_changed(editor.patch_size))
        editor.recent_changed.connect(
            lambda: self.store.setValue("recentColors", [list(c) for c in editor.recent_colors])
        )
        vivid.toggled.connect(lambda on: self.store.setValue("vividColours", on))
        local_hints.toggled.connect(lambda on: self.store.setValue("localHints", on))

    def _patch_size_changed(self, size: int) -> None:
        if size != self._patch_size:
            self._patch_size = size
            self.store.setValue("patchSize", size)

    def _switch(self, key: str) -> bool:
        """A switch that is on by default; a damaged value reads as on."""
        return self.store.value(key, True) not in (False, "false", "0", 0)
