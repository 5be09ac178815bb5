"""The main window: hint canvas, result view, colour panel, menus and status bar."""

from __future__ import annotations

import html
import threading

import numpy as np
from PySide6.QtCore import QByteArray, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QDockWidget,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from ..color import rgb_to_lab_np
from ..device import available_devices
from ..document import DISPLAY_MAX_SIDE, Document
from ..encoding import DEFAULT_PATCH_SIZE, NETWORK_SIZE, PATCH_SIZES
from ..engine import ColorizationEngine
from ..errors import IdeepcolorError
from ..hints import Hint
from ..recovery import clear_recovery
from ..registry import missing_weights_message
from ..resources import sample_photo
from ..worker import UpdateResult
from .bridge import EngineBridge
from .canvas import HintCanvas
from .color_panel import ColorPanel, warm_gamut_cache
from .file_actions import FileActions
from .image_view import ImageView

NEUTRAL_LIGHTNESS = 60.0

SAMPLE_PHOTO = sample_photo()


class MainWindow(FileActions, QMainWindow):
    _download_progress = Signal(str)  # from the download thread; widgets are touched only here
    _download_done = Signal(str)

    def __init__(
        self, weights: str | None = None, device: str | None = None, mask_convention: str | None = None
    ) -> None:
        super().__init__()
        self.settings = QSettings("ideepcolor", "ideepcolor")
        self.document: Document | None = None
        self.bridge: EngineBridge | None = None
        self.weights_error: str | None = None
        self.latest: UpdateResult | None = None
        self.last_error: str | None = None
        self.patch_size = int(self.settings.value("patchSize", DEFAULT_PATCH_SIZE))
        self.patch_size = self.patch_size if self.patch_size in PATCH_SIZES else DEFAULT_PATCH_SIZE
        self.current_ab: tuple[float, float] | None = None  # None: new hints take the network's prediction
        self.recent_colors: list[tuple[float, float]] = [
            (float(a), float(b)) for a, b in (self.settings.value("recentColors") or [])
        ][:10]
        self.device = device or str(self.settings.value("device", "auto"))
        self._weights, self._mask_convention = weights, mask_convention
        self._shown_recent: list = []
        self._autosave = QTimer(self, singleShot=True, interval=800)
        self._autosave.timeout.connect(self.autosave_now)
        self._download_done.connect(self._download_finished)
        self._download_progress.connect(lambda text: self.statusBar().showMessage(text))
        self._build_ui()
        self._build_actions()
        self.load_engine(weights)
        self.patch_label.setText(f"Patch: {self.patch_size}")
        geometry = self.settings.value("geometry")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        else:
            self.resize(1400, 860)
        self._refresh_title()

    # ----- construction -------------------------------------------------------------------------
    def _build_ui(self) -> None:
        self.canvas = HintCanvas()
        self.canvas.add_requested.connect(self.add_hint)
        self.canvas.patch_step.connect(self.step_patch_size)
        self.result_view = ImageView()
        self.result_view.scene_clicked.connect(self._result_clicked)
        self.canvas.view_changed.connect(lambda: self.result_view.copy_view_from(self.canvas))
        self.result_view.view_changed.connect(lambda: self.canvas.copy_view_from(self.result_view))

        self.no_weights = QWidget()
        box = QVBoxLayout(self.no_weights)
        self.no_weights_text = QLabel()
        self.no_weights_text.setWordWrap(True)
        self.no_weights_text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        load_button = QPushButton("Load weights file…")
        load_button.clicked.connect(self.choose_weights)
        self.download_button = QPushButton("Download published weights (130 MB)")
        self.download_button.clicked.connect(self.download_published_weights)
        box.addStretch(1)
        for w in (self.no_weights_text, load_button, self.download_button):
            box.addWidget(w)
        box.addStretch(1)
        self.right = QStackedWidget()
        self.right.addWidget(self.result_view)
        self.right.addWidget(self.no_weights)

        splitter = QSplitter()
        splitter.addWidget(_titled("Hints: click to add, drag to move, right-click to delete", self.canvas))
        splitter.addWidget(_titled("Result", self.right))
        self.setCentralWidget(splitter)

        warm_gamut_cache()
        self.panel = ColorPanel()
        self.panel.color_chosen.connect(self.choose_color)
        self.panel.eyedropper_toggled.connect(self._eyedropper_toggled)
        dock = QDockWidget("Colour", self)
        dock.setObjectName("colour-dock")
        dock.setWidget(self.panel)
        dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetMovable | QDockWidget.DockWidgetFeature.DockWidgetFloatable
        )
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)

        self.device_label, self.weights_label, self.latency_label = QLabel(), QLabel(), QLabel()
        self.patch_label = QLabel()
        for label in (self.patch_label, self.latency_label, self.weights_label, self.device_label):
            self.statusBar().addPermanentWidget(label)
        self.setAcceptDrops(True)
        self._update_panel()

    def _action(self, menu, text: str, slot, shortcut=None, checkable: bool = False, tip: str = "") -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcuts(shortcut if isinstance(shortcut, list) else [QKeySequence(shortcut)])
        action.setCheckable(checkable)
        action.setStatusTip(tip)
        action.triggered.connect(slot)
        menu.addAction(action)
        self.addAction(action)
        return action

    def _build_actions(self) -> None:
        bar = self.menuBar()
        f = bar.addMenu("&File")
        self._action(f, "&Open…", self.choose_file, QKeySequence.StandardKey.Open, tip="Open a photo or a hint session")
        self.recent_menu = f.addMenu("Open &Recent")
        f.addSeparator()
        self.save_action = self._action(f, "&Save Result", self.save_result, QKeySequence.StandardKey.Save)
        self._action(f, "Save Result &As…", self.save_result_as, QKeySequence("Ctrl+Shift+S"))
        f.addSeparator()
        self._action(f, "Save &Hints", self.save_session, QKeySequence("Ctrl+H"))
        self._action(f, "Save Hints As…", self.save_session_as)
        f.addSeparator()
        self._action(f, "Load &Weights…", self.choose_weights)
        f.addSeparator()
        self._action(f, "&Quit", self.close, QKeySequence.StandardKey.Quit)

        e = bar.addMenu("&Edit")
        self.undo_action = self._action(e, "&Undo", self.undo, QKeySequence.StandardKey.Undo)
        self.redo_action = self._action(e, "&Redo", self.redo, [QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        e.addSeparator()
        self._action(
            e,
            "&Delete Hint",
            self.delete_selected,
            [QKeySequence(Qt.Key.Key_Delete), QKeySequence(Qt.Key.Key_Backspace)],
        )
        self._action(e, "Dese&lect", self.deselect, QKeySequence(Qt.Key.Key_Escape))
        self._action(e, "Smaller Patch", lambda: self.step_patch_size(-1), QKeySequence("["))
        self._action(e, "Bigger Patch", lambda: self.step_patch_size(1), QKeySequence("]"))
        self._action(e, "Eyedropper", lambda: self.panel.eyedropper.toggle(), QKeySequence("I"))
        e.addSeparator()
        self._action(e, "&Clear Hints", self.clear_hints, QKeySequence("Ctrl+Shift+Backspace"))
        self._action(e, "Rese&t", self.reset, tip="Clear hints, colour and zoom")

        v = bar.addMenu("&View")
        self._action(v, "Zoom &In", lambda: self.canvas.zoom_by(1.25), QKeySequence.StandardKey.ZoomIn)
        self._action(v, "Zoom &Out", lambda: self.canvas.zoom_by(0.8), QKeySequence.StandardKey.ZoomOut)
        self._action(v, "&Fit", self.canvas.fit, QKeySequence("Ctrl+0"))
        self._action(v, "&100%", lambda: self.canvas.set_zoom(1.0), QKeySequence("Ctrl+1"))
        v.addSeparator()
        self.show_result_on_canvas = self._action(
            v, "Show Result on &Canvas", self._refresh_views, QKeySequence("R"), True
        )
        self.show_original = self._action(
            v,
            "Compare with &Original",
            self._refresh_views,
            QKeySequence("O"),
            True,
            tip="Show the photo's own colours in the result view",
        )

        d = bar.addMenu("&Device")
        group = QActionGroup(self)
        for name in ["auto", *available_devices()]:
            act = self._action(
                d,
                name.upper() if name != "auto" else "Best available",
                lambda _=False, n=name: self.set_device(n),
                checkable=True,
            )
            act.setChecked(name == self.device)
            group.addAction(act)

        h = bar.addMenu("&Help")
        self._action(h, "Getting Weights", lambda: QMessageBox.information(self, "Weights", missing_weights_message()))
        self._action(
            h,
            "About",
            lambda: QMessageBox.about(
                self, "ideepcolor", "User-guided colorization with the SIGGRAPH 2017 network of Zhang et al."
            ),
        )

        tools = self.addToolBar("Main")
        tools.setObjectName("main-toolbar")
        for action in (f.actions()[0], self.save_action, self.undo_action, self.redo_action):
            tools.addAction(action)
        tools.addSeparator()
        for action in (self.show_result_on_canvas, self.show_original):
            tools.addAction(action)
        self._refresh_recent_menu()
        self._refresh_edit_actions()

    # ----- engine ---------------------------------------------------------------------------------
    def load_engine(self, weights: str | None = None) -> bool:
        """Load weights into a new engine; on failure the engine in use (if any) is kept."""
        try:
            engine = ColorizationEngine.from_weights(weights, self.device, self._mask_convention)
        except IdeepcolorError as exc:
            self.weights_error = str(exc)
            if self.bridge is not None:
                return False  # keep working with the weights already loaded
            self.no_weights_text.setText(
                "<h3>No colorization weights</h3><pre style='white-space: pre-wrap'>"
                + html.escape(str(exc))
                + "</pre><p>You can still place hints and save them.</p>"
            )
            self.right.setCurrentWidget(self.no_weights)
            self.device_label.setText("")
            self.weights_label.setText("no weights")
            return False
        self.weights_error = None
        self._weights = weights
        if self.bridge is not None:
            self.bridge.close()
        self.bridge = EngineBridge(engine, DISPLAY_MAX_SIDE)
        self.bridge.result_ready.connect(self._on_result)
        self.bridge.failed.connect(lambda msg: self.show_error("Colorization failed", msg))
        self.bridge.saved.connect(lambda path: self.statusBar().showMessage(f"Saved {path}", 8000))
        self.bridge.save_failed.connect(lambda msg: self.show_error("Could not save the result", msg))
        self.right.setCurrentWidget(self.result_view)
        self.device_label.setText(f"Device: {engine.device_label}")
        self.weights_label.setText(f"Weights: {engine.weights_label}")
        self.weights_label.setToolTip(
            f"Mask convention {engine.info.mask_convention.value}: {engine.info.convention_reason}"
        )
        if "detected" in engine.info.convention_reason or "same under both" in engine.info.convention_reason:
            self.statusBar().showMessage(
                f"{engine.info.path.name}: mask convention "
                f"{engine.info.mask_convention.value}, {engine.info.convention_reason}",
                15000,
            )
        if self.document is not None:
            self.bridge.submit(self.document.hints.hints, self._probe(), self.document.photo)
        return True

    def set_device(self, device: str) -> None:
        previous, self.device = self.device, device
        if self.load_engine(self._weights):
            self.settings.setValue("device", device)
        else:
            self.device = previous
            self.show_error(f"Could not switch to {device}", self.weights_error or "")

    def choose_weights(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Load weights", self._last_folder(), "Weights (*.pth *.safetensors)"
        )
        if path and not self.load_engine(path):
            self.show_error("Could not load weights", self.weights_error or "")

    def download_published_weights(self) -> None:
        from ..download import DownloadError, download
        from ..registry import REGISTRY
        from ..userdirs import cache_dir

        entry = REGISTRY["siggraph17"]
        self.download_button.setEnabled(False)

        def run() -> None:
            try:
                download(
                    entry.url or "",
                    cache_dir() / entry.filename,
                    sha256=entry.sha256,
                    progress=lambda done, total: self._download_progress.emit(
                        f"Downloading weights: {done / 1e6:.0f}" + (f" of {total / 1e6:.0f} MB" if total else " MB")
                    ),
                )
            except DownloadError as exc:
                self._download_done.emit(str(exc))
            else:
                self._download_done.emit("")

        threading.Thread(target=run, daemon=True).start()

    def _download_finished(self, error: str) -> None:
        self.download_button.setEnabled(True)
        if error:
            self.show_error("Download failed", error)
        elif self.load_engine(None):
            self.statusBar().showMessage("Weights downloaded and loaded.", 8000)

    # ----- hint editing ---------------------------------------------------------------------------
    def add_hint(self, x: float, y: float) -> None:
        assert self.document is not None
        ab = self.current_ab
        if ab is None:
            ab = self.latest.colorization.predicted_ab_at(x, y) if self.latest else (0.0, 0.0)
        self.document.hints.add(Hint(x, y, (float(ab[0]), float(ab[1])), self.patch_size))

    def choose_color(self, a: float, b: float, final: bool = True) -> None:
        ab = (float(a), float(b))
        self.current_ab = ab
        if self.document is not None and self.document.hints.selected is not None:
            self.document.hints.update(self.document.hints.selected, coalesce=("colour", id(self.panel)), ab=ab)
        if final:
            if self.document is not None:
                self.document.hints.end_coalescing()
            self.recent_colors = [ab] + [c for c in self.recent_colors if c != ab][:9]
            self.settings.setValue("recentColors", [list(c) for c in self.recent_colors])
        self._update_panel()

    def step_patch_size(self, step: int) -> None:
        i = PATCH_SIZES.index(self.patch_size) if self.patch_size in PATCH_SIZES else 2
        self.patch_size = PATCH_SIZES[min(max(i + step, 0), len(PATCH_SIZES) - 1)]
        self.settings.setValue("patchSize", self.patch_size)
        hints = self.document.hints if self.document else None
        if hints is not None and hints.selected is not None:
            hints.update(hints.selected, size=self.patch_size)
        self.patch_label.setText(f"Patch: {self.patch_size}")

    def delete_selected(self) -> None:
        if self.document and self.document.hints.selected is not None:
            self.document.hints.remove(self.document.hints.selected)

    def deselect(self) -> None:
        if self.document:
            self.document.hints.select(None)
        self.panel.eyedropper.setChecked(False)

    def undo(self) -> None:
        if self.document:
            self.document.hints.undo()

    def redo(self) -> None:
        if self.document:
            self.document.hints.redo()

    def clear_hints(self) -> None:
        if self.document:
            self.document.hints.clear()

    def reset(self) -> None:
        self.clear_hints()
        self.current_ab = None
        self.canvas.fit()
        self._update_panel()

    # ----- reactions ------------------------------------------------------------------------------
    def _hints_changed(self) -> None:
        self._follow_selected_hint()
        self.request_update()
        self._autosave.start()
        self._refresh_title()
        self._refresh_edit_actions()
        self._update_panel()

    def _selection_changed(self) -> None:
        if self._follow_selected_hint():
            self.request_update()
        self._update_panel()

    def _follow_selected_hint(self) -> bool:
        """While a hint is selected, the current colour and patch size are that hint's (after an
        undo too, so the panel never shows a colour the hint no longer has)."""
        hints = self.document.hints if self.document else None
        if hints is None or hints.selected is None:
            return False
        hint = hints[hints.selected]
        self.patch_size, self.current_ab = hint.size, hint.ab
        self.patch_label.setText(f"Patch: {self.patch_size}")
        return True

    def request_update(self) -> None:
        if self.document is not None and self.bridge is not None:
            self.bridge.submit(self.document.hints.hints, self._probe())

    def _probe(self) -> tuple[float, float] | None:
        hints = self.document.hints if self.document else None
        if hints is None or hints.selected is None:
            return None
        return hints[hints.selected].x, hints[hints.selected].y

    def _on_result(self, result: UpdateResult) -> None:
        if self.document is None or result.photo is not self.document.photo:
            return  # a result for a photo that is no longer open
        self.latest = result
        if result.colorization.size < NETWORK_SIZE:
            kind = "Preview"
        elif result.preliminary:
            kind = "Fast"  # the full-size network refines it once the hints stop changing
        else:
            kind = "Update" if self.bridge is None or not self.bridge.engine.refines else "Refined"
        self.latency_label.setText(f"{kind}: {result.seconds * 1000:.0f} ms")
        self._refresh_views()
        palette = result.palette
        if (
            result.hints == self.document.hints.hints
            and palette is not None
            and (palette.x, palette.y) == self._probe()
        ):
            self.panel.show_palette(palette)

    def _refresh_views(self) -> None:
        document = self.document
        if document is None:
            return
        if self.latest is not None:
            preview = self.latest.preview
            self.canvas.set_image(
                preview if self.show_result_on_canvas.isChecked() else document.grey_preview(), document.size
            )
            self.result_view.set_image(
                document.original_preview() if self.show_original.isChecked() else preview, document.size
            )
        self.result_view.copy_view_from(self.canvas)

    def _update_panel(self) -> None:
        document = self.document
        hints = document.hints if document else None
        editing = hints is not None and hints.selected is not None
        ab = self.current_ab or (0.0, 0.0)
        if editing:
            hint = hints[hints.selected]  # type: ignore[index]
            lightness = document.lightness_at(hint.x, hint.y)  # type: ignore[union-attr]
            caption, detail = "Colour of the selected hint", f"Lightness here: {lightness:.0f}"
        else:  # no pixel in particular: show colours at a mid-tone
            lightness = NEUTRAL_LIGHTNESS
            caption = "Colour for new hints" if self.current_ab else "New hints take the network's colour"
            detail = (
                "Pick a colour to use it for new hints"
                if not self.current_ab
                else f"Shown at lightness {lightness:.0f}"
            )
        rgb = document.rgb_at_lightness(ab, lightness) if document else (128, 128, 128)
        self.panel.show_current(rgb, ab, lightness, caption, f"{detail}   (a = {ab[0]:.0f}, b = {ab[1]:.0f})")
        if not editing:
            self.panel.show_palette(None)
        recent = [
            (c, document.rgb_at_lightness(c, lightness) if document else (128, 128, 128)) for c in self.recent_colors
        ]
        if recent != self._shown_recent:  # rebuilding swatches on every drag step would stall the window
            self._shown_recent = recent
            self.panel.show_recent(recent)

    def _result_clicked(self, pos) -> None:
        if not self.panel.eyedropper.isChecked() or self.latest is None or self.document is None:
            return
        preview = self.latest.preview
        width, height = self.document.size
        row = min(int(pos.y() * preview.shape[0] / height), preview.shape[0] - 1)
        col = min(int(pos.x() * preview.shape[1] / width), preview.shape[1] - 1)
        lab = rgb_to_lab_np(preview[row, col].astype(np.float64) / 255)
        self.panel.eyedropper.setChecked(False)
        self.choose_color(float(lab[1]), float(lab[2]), True)

    def _eyedropper_toggled(self, on: bool) -> None:
        self.result_view.setCursor(Qt.CursorShape.CrossCursor if on else Qt.CursorShape.ArrowCursor)
        if on:
            self.statusBar().showMessage("Click the result to take its colour", 5000)

    def _refresh_edit_actions(self) -> None:
        hints = self.document.hints if self.document else None
        self.undo_action.setEnabled(hints is not None and hints.can_undo)
        self.redo_action.setEnabled(hints is not None and hints.can_redo)

    def _refresh_title(self) -> None:
        if self.document is None:
            self.setWindowTitle("ideepcolor")
        else:
            mark = "*" if self.document.modified else ""
            self.setWindowTitle(f"{self.document.photo.path.name}{mark} — ideepcolor")

    # ----- dialogs ----------------------------------------------------------------------------------
    def ask(self, title: str, text: str, buttons) -> QMessageBox.StandardButton:
        """A modal question; tests replace this."""
        return QMessageBox.question(self, title, text, buttons)

    def show_error(self, title: str, text: str) -> None:
        """A clear message, never a traceback; tests read ``last_error``."""
        self.last_error = f"{title}: {text}"
        self.statusBar().showMessage(title, 10000)
        QMessageBox.warning(self, title, text)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        if not self._may_discard():
            event.ignore()
            return
        self._autosave.stop()
        clear_recovery()
        self.settings.setValue("geometry", self.saveGeometry())
        if self.bridge is not None:
            self.bridge.close()
        event.accept()


def _titled(title: str, widget: QWidget) -> QWidget:
    box = QWidget()
    layout = QVBoxLayout(box)
    layout.setContentsMargins(2, 2, 2, 2)
    label = QLabel(title)
    label.setStyleSheet("color: gray;")
    layout.addWidget(label)
    layout.addWidget(widget, 1)
    return box
