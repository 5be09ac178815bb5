"""Opening and saving: photos, results, hint sessions, recent files, crash recovery."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QMessageBox

from ..document import Document
from ..hints import Hint
from ..images import READ_FORMATS, ImageError, load_photo, save_image
from ..recovery import clear_recovery, read_recovery, write_recovery
from ..registry import missing_weights_message
from ..session import Session, SessionError

PHOTO_FILTER = "Photos (" + " ".join(f"*{s}" for s in READ_FORMATS) + ");;Hint sessions (*.json);;All files (*)"
MAX_RECENT = 8


class FileActions:
    """The file half of :class:`MainWindow` (which supplies the widgets, engine bridge and dialogs)."""

    def open_path(self, path: str | Path) -> bool:
        path = Path(path)
        return self.open_session(path) if path.suffix.lower() == ".json" else self.open_photo(path)

    def open_photo(
        self, path: Path, hints: tuple[Hint, ...] = (), session_path: Path | None = None, ask: bool = True
    ) -> bool:
        if ask and not self._may_discard():
            return False
        try:
            photo = load_photo(path)
        except ImageError as exc:
            self.show_error("Could not open the photo", str(exc))
            return False
        document = Document(photo, hints)
        document.session_path = session_path
        self.document = document
        self.latest = None
        document.hints.changed.connect(self._hints_changed)
        document.hints.selection_changed.connect(lambda _: self._selection_changed())
        self.canvas.set_document(document)
        self.show_original.setEnabled(photo.is_color)
        self.show_original.setChecked(False)
        self.canvas.set_image(document.grey_preview(), photo.size)
        self.result_view.set_image(document.grey_preview(), photo.size)
        self._remember_recent(path)
        self.settings.setValue("lastFolder", str(Path(path).resolve().parent))
        if self.bridge is not None:
            self.bridge.submit(document.hints.hints, None, photo)
        self._refresh_title()
        self._refresh_edit_actions()
        self._update_panel()
        self.statusBar().showMessage(f"Opened {path} ({photo.size[0]}x{photo.size[1]})", 5000)
        return True

    def open_session(self, path: Path) -> bool:
        try:
            session = Session.load(path)
        except SessionError as exc:
            self.show_error("Could not open the hint session", str(exc))
            return False
        image = session.resolve_image(path)
        if not image.is_file():
            self.show_error(
                "Photo not found",
                f"The session {path} belongs to {image}, which does not exist.\n"
                "Move the photo back or open it and re-place the hints.",
            )
            return False
        if not self.open_photo(image, tuple(session.hints), session_path=path):
            return False
        assert self.document is not None
        if self.document.photo.sha256 != session.image_sha256:
            self.statusBar().showMessage("Note: the photo changed since these hints were saved.", 10000)
        return True

    def save_result(self) -> None:
        if self.document is None:
            return
        if self.document.result_path is None:
            self.save_result_as()
        else:
            self.save_result_to(self.document.result_path, overwrite=True)

    def save_result_as(self) -> None:
        if self.document is None:
            return
        default = str(self.document.result_path or self.document.default_result_path())
        path, _ = QFileDialog.getSaveFileName(
            self, "Save colorized result", default, "PNG (*.png);;JPEG (*.jpg);;TIFF (*.tif);;WebP (*.webp)"
        )
        if path:
            self.save_result_to(Path(path), overwrite=True)  # the dialog already asked about overwriting

    def save_result_to(self, path: Path, overwrite: bool = False) -> None:
        """Write the full-resolution result for the current hints (in the background)."""
        if self.document is None:
            return
        if self.bridge is None:
            self.show_error("No result to save", self.weights_error or missing_weights_message())
            return
        document = self.document
        document.result_path = Path(path)
        self.statusBar().showMessage(f"Saving {path}…")
        self.bridge.save_async(
            document.photo,
            document.hints.hints,
            Path(path),
            lambda rgb, target: save_image(rgb, target, overwrite=overwrite, protect=(document.photo.path,)),
        )

    def save_session(self) -> None:
        if self.document is None:
            return
        if self.document.session_path is None:
            self.save_session_as()
        else:
            self.save_session_to(self.document.session_path)

    def save_session_as(self) -> None:
        if self.document is None:
            return
        default = str(self.document.session_path or self.document.default_session_path())
        path, _ = QFileDialog.getSaveFileName(self, "Save hints", default, "Hint sessions (*.json)")
        if path:
            self.save_session_to(Path(path))

    def save_session_to(self, path: Path) -> bool:
        if self.document is None:
            return False
        model = self.bridge.engine.info.name if self.bridge else None
        try:
            self.document.to_session(model, relative_to=Path(path).parent).save(Path(path))
        except SessionError as exc:
            self.show_error("Could not save the hints", str(exc))
            return False
        self.document.session_path = Path(path)
        self.document.mark_saved()
        clear_recovery()
        self._refresh_title()
        self.statusBar().showMessage(f"Saved hints to {path}", 5000)
        return True

    def offer_recovery(self) -> bool:
        """If the last run did not close cleanly, offer to restore its hints."""
        session = read_recovery()
        if session is None or not session.hints:
            return False
        answer = self.ask(
            "Restore hints?",
            f"ideepcolor did not close normally last time.\nRestore {len(session.hints)} hints on "
            f"{Path(session.image_path).name}?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        )
        if answer != QMessageBox.StandardButton.Yes:
            clear_recovery()
            return False
        if not self.open_photo(Path(session.image_path), ask=False):
            return False  # the autosave stays, so the hints are not lost
        assert self.document is not None
        self.document.hints.replace_all(session.hints)  # undoable, and the document counts as modified
        return True

    def autosave_now(self) -> None:
        if self.document is None:
            return
        if self.document.modified and len(self.document.hints):
            try:
                write_recovery(self.document.to_session(None))
            except SessionError as exc:
                self.statusBar().showMessage(f"Autosave failed: {exc}", 10000)
        else:
            clear_recovery()

    def choose_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open photo or hints", self._last_folder(), PHOTO_FILTER)
        if path:
            self.open_path(path)

    def _last_folder(self) -> str:
        return str(self.settings.value("lastFolder", str(Path.home())))

    def _remember_recent(self, path: Path) -> None:
        recent = [str(Path(path).resolve())] + [p for p in self.recent_files() if p != str(Path(path).resolve())]
        self.settings.setValue("recentFiles", recent[:MAX_RECENT])
        self._refresh_recent_menu()

    def recent_files(self) -> list[str]:
        value = self.settings.value("recentFiles") or []
        return [value] if isinstance(value, str) else list(value)

    def _refresh_recent_menu(self) -> None:
        self.recent_menu.clear()
        for p in self.recent_files():
            self.recent_menu.addAction(Path(p).name, lambda p=p: self.open_path(p)).setStatusTip(p)
        self.recent_menu.setEnabled(bool(self.recent_files()))

    def _may_discard(self) -> bool:
        if self.document is None or not self.document.modified:
            return True
        answer = self.ask(
            "Unsaved hints",
            f"Save the hints on {self.document.photo.path.name} first?",
            QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
        )
        if answer == QMessageBox.StandardButton.Save:
            self.save_session()
            return not self.document.modified
        return answer == QMessageBox.StandardButton.Discard

    def dragEnterEvent(self, event) -> None:  # noqa: N802
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802
        urls = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if urls:
            self.open_path(urls[0])
