"""The main window: hint canvas, result view, colour panel, menus and status bar."""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QByteArray, QPointF, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QDragEnterEvent, QDropEvent, QKeySequence
from PySide6.QtWidgets import (
    QDockWidget,
    QFrame,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from ..base.resources import sample_photo
from ..colour.encoding import DEFAULT_PATCH_SIZE
from ..editing.document import Document
from ..editing.editor import Editor, result_kind
from ..editing.recovery import RecoveryFile
from ..hints.global_hints import GlobalHints
from ..hints.local_hints import Hint
from ..inference.drag_plan import DragPlan
from ..inference.worker import UpdateResult
from ..network.device import available_devices
from ..photos.images import Photo
from . import engine_actions, file_actions
from .background import BackgroundJobs
from .bridge import EngineBridge
from .canvas import HintCanvas
from .clip_actions import ClipController
from .color_panel import ColorPanel
from .engine_actions import LOCAL_HINTS_TIP
from .frame_bar import FrameBar
from .gamut_pictures import gamut_pictures
from .global_actions import GlobalHintsController
from .global_panel import DropsReference, GlobalHintsPanel
from .image_view import ImageView
from .photo_opener import PhotoOpener
from .variations_actions import VariationsController
from .variations_panel import VariationsPanel

SAMPLE_PHOTO = sample_photo()
AUTOSAVE_MAX_WAIT_MS = 3000
log = logging.getLogger(__name__)


class MainWindow(QMainWindow):
    """Builds the widgets and connects them to an :class:`~ideepcolor_app.editing.editor.Editor`; the editing
    state and its rules live there, the file actions in :mod:`.file_actions`."""

    download_progress = Signal(str)  # from the download thread; widgets are touched only here

    def __init__(
        self, weights: str | None = None, device: str | None = None, mask_convention: str | None = None
    ) -> None:
        super().__init__()
        self.settings = QSettings("ideepcolor", "ideepcolor")
        self.editor = Editor(_patch_size(self.settings), _recent_colors(self.settings))
        self.bridge: EngineBridge | None = None
        self.weights_error: str | None = None
        self.last_error: str | None = None
        self.device = device or str(self.settings.value("device", "auto"))
        self.weights_source, self.mask_convention = weights, mask_convention
        self.recovery = RecoveryFile()
        # Autosave 0.8 s after the edits pause, and at most 3 s after the first unsaved edit even
        # while they go on (a long drag, steady clicking).
        self._autosave = QTimer(self, singleShot=True, interval=800)
        self._autosave_deadline = QTimer(self, singleShot=True, interval=AUTOSAVE_MAX_WAIT_MS)
        for timer in (self._autosave, self._autosave_deadline):
            timer.timeout.connect(self._autosave_now)
        self.download_progress.connect(lambda text: self.statusBar().showMessage(text))
        self.jobs = BackgroundJobs(self)
        """Background work of this window (downloads, reference photos); see :mod:`.background`."""
        self.opener = PhotoOpener(self)
        self.opener.busy_changed.connect(self._opening_changed)
        self._build_ui()
        self._build_actions()
        self._connect_editor()
        self.load_engine(weights)
        geometry = self.settings.value("geometry")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        else:
            self.resize(1400, 860)
        self.refresh_title()

    # ----- construction -------------------------------------------------------------------------
    def _build_ui(self) -> None:
        self.canvas = HintCanvas(self.editor)
        self.canvas.placeholder = "Open a black-and-white photo:\nFile > Open (Ctrl+O), or drop it here."
        self.canvas.patch_step.connect(lambda step: self.editor.step_patch_size(step))
        self.result_view = ImageView()
        self.result_view.placeholder = "The colorized photo appears here."
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
        splitter.addWidget(_titled("Hints: click to add, drag to move, right-click to delete", self.canvas)[0])
        result_box, self.result_title = _titled("Result", self.right)
        splitter.addWidget(result_box)
        self.frame_bar = FrameBar()  # shown while a film clip is open
        central = QWidget()
        column = QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(splitter, 1)
        column.addWidget(self.frame_bar)
        self.setCentralWidget(central)

        gamut_pictures().start()
        self.panel = ColorPanel()
        self.panel.color_chosen.connect(lambda a, b, final: self.editor.choose_color(a, b, final))
        self.panel.eyedropper_toggled.connect(self._eyedropper_toggled)
        dock = QDockWidget("Colour", self)
        dock.setObjectName("colour-dock")
        self.global_panel = GlobalHintsPanel()
        self.variations_panel = VariationsPanel()
        self.colour_panels = DropsReference()  # a colour photo dropped here lends its colours
        panels = QVBoxLayout(self.colour_panels)
        panels.setContentsMargins(0, 0, 0, 0)
        panels.addWidget(self.panel)
        panels.addWidget(self.variations_panel)  # above the fold at the default size (1400x860)
        panels.addWidget(self.global_panel)
        panels.addStretch(1)
        scroll = QScrollArea()  # a short window scrolls the panel instead of squeezing it
        scroll.setWidget(self.colour_panels)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setMinimumWidth(self.panel.minimumWidth() + scroll.verticalScrollBar().sizeHint().width())
        dock.setWidget(scroll)
        dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetMovable | QDockWidget.DockWidgetFeature.DockWidgetFloatable
        )
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)

        self.device_label, self.weights_label, self.latency_label = QLabel(), QLabel(), QLabel()
        self.patch_label = QLabel()
        self.autosave_problem: str | None = None
        self._timed_request: int | None = None
        self.first_result_seconds = 0.0
        """Seconds from the latest edit to its first picture on screen (the status bar shows them)."""
        self.autosave_label = QLabel()
        self.autosave_label.setStyleSheet("color: #c0392b; font-weight: bold")
        self.autosave_label.setVisible(False)
        self.open_progress = QProgressBar()  # a busy bar while a photo loads
        self.open_progress.setRange(0, 0)
        self.open_progress.setMaximumWidth(120)
        self.open_progress.setVisible(False)
        for label in (
            self.autosave_label,
            self.open_progress,
            self.patch_label,
            self.latency_label,
            self.weights_label,
            self.device_label,
        ):
            self.statusBar().addPermanentWidget(label)
        self.setAcceptDrops(True)

    def _connect_editor(self) -> None:
        editor = self.editor
        editor.document_changed.connect(self._document_opened)
        editor.hints_changed.connect(self._hints_edited)
        editor.current_changed.connect(self._show_current)
        editor.recent_changed.connect(self._remember_recent_colors)
        editor.result_changed.connect(self._show_result)
        editor.palette_changed.connect(self.panel.show_palette)
        editor.update_requested.connect(self._submit)
        editor.notice.connect(lambda text: self.statusBar().showMessage(text, 8000))
        self.global_hints = GlobalHintsController(self, self.colour_panels)
        self.variations = VariationsController(self)
        self.clips = ClipController(self)
        self._show_current()

    def _action(
        self,
        menu: QMenu,
        text: str,
        slot: Callable[..., object],
        shortcut: QKeySequence | QKeySequence.StandardKey | list[QKeySequence] | None = None,
        checkable: bool = False,
        tip: str = "",
    ) -> QAction:
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
        files = file_actions
        open_action = self._action(
            f, "&Open…", lambda: files.choose_file(self), QKeySequence.StandardKey.Open, tip="Open a photo or hints"
        )
        self.recent_menu = f.addMenu("Open &Recent")
        use_colours = self._action(
            f,
            "Use &Colours From Photo…",
            lambda: self.global_hints.choose(),
            QKeySequence("Ctrl+Shift+O"),
            tip="Colour this photo like another colour photo of the scene",
        )
        self.cancel_open_action = self._action(
            f, "Cancel Opening", self._cancel_open, QKeySequence(Qt.Key.Key_Escape), tip="Keep the photo on screen"
        )
        self.cancel_open_action.setEnabled(False)  # Esc deselects, except while a photo loads
        f.addSeparator()
        self.save_action = self._action(
            f, "&Save Result", lambda: files.save_result(self), QKeySequence.StandardKey.Save
        )
        self.document_actions = [  # enabled once a photo is open: with none there is nothing to save
            self.save_action,
            self._action(f, "Save Result &As…", lambda: files.save_result_as(self), QKeySequence("Ctrl+Shift+S")),
        ]
        f.addSeparator()
        self.document_actions += [
            self._action(f, "Save &Hints", lambda: files.save_session(self), QKeySequence("Ctrl+H")),
            self._action(f, "Save Hints As…", lambda: files.save_session_as(self)),
        ]
        f.addSeparator()
        self._action(f, "Load &Weights…", self.choose_weights)
        f.addSeparator()
        self._action(f, "&Quit", self.close, QKeySequence.StandardKey.Quit)

        e = bar.addMenu("&Edit")
        editor = self.editor
        self.undo_action = self._action(e, "&Undo", editor.undo, QKeySequence.StandardKey.Undo)
        self.redo_action = self._action(e, "&Redo", editor.redo, [QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        e.addSeparator()
        delete = self._action(
            e,
            "&Delete Hint",
            editor.delete_selected,
            [QKeySequence(Qt.Key.Key_Delete), QKeySequence(Qt.Key.Key_Backspace)],
        )
        self.hint_actions = [  # held while a photo loads: an edit then would be dropped with the old photo
            delete,
            self._action(e, "Dese&lect", self._deselect, QKeySequence(Qt.Key.Key_Escape)),
            self._action(e, "Smaller Patch", lambda: editor.step_patch_size(-1), QKeySequence("[")),
            self._action(e, "Bigger Patch", lambda: editor.step_patch_size(1), QKeySequence("]")),
            self._action(e, "Eyedropper", lambda: self.panel.eyedropper.toggle(), QKeySequence("I")),
        ]
        e.addSeparator()
        self.hint_actions += [
            self._action(e, "&Clear Hints", editor.clear_hints, QKeySequence("Ctrl+Shift+Backspace")),
            self._action(e, "Rese&t", self._reset, tip="Clear hints, colour and zoom"),
            use_colours,
            self._action(
                e, "Clear Reference Colours", self.editor.clear_reference, tip="Forget the reference photo's colours"
            ),
        ]

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
        v.addSeparator()
        self.vivid_action = self._action(
            v,
            "&Vivid Colours",
            self._vivid_toggled,
            QKeySequence("V"),
            True,
            tip="Away from hints, colour from the network's predicted colours (vivid) instead of their average (muted)",
        )
        self.vivid_action.setChecked(_vivid_setting(self.settings))
        self.local_action = self._action(
            v,
            "Keep Hints &Local",
            self._local_toggled,
            QKeySequence("L"),
            True,
            tip=LOCAL_HINTS_TIP,
        )
        self.local_action.setChecked(_switch_setting(self.settings, "localHints"))
        self._action(
            v, "&More Variations", lambda: self.variations.more(), QKeySequence("M"), tip="Draw other colourings"
        )
        self._action(
            v,
            "&Preview Clip",
            lambda: self.clips.preview(),
            QKeySequence("P"),
            tip="Play two seconds of a clip colourised",
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
        self._action(h, "Getting Weights", lambda: QMessageBox.information(self, "Weights", self.weights_help()))
        self._action(
            h,
            "About",
            lambda: QMessageBox.about(
                self, "ideepcolor", "User-guided colorization with the SIGGRAPH 2017 network of Zhang et al."
            ),
        )

        tools = self.addToolBar("Main")
        tools.setObjectName("main-toolbar")
        for action in (open_action, self.save_action, self.undo_action, self.redo_action):
            tools.addAction(action)
        tools.addSeparator()
        for action in (self.show_result_on_canvas, self.show_original):
            tools.addAction(action)
        files.refresh_recent_menu(self)
        self._refresh_edit_actions()

    # ----- engine (see engine_actions) ----------------------------------------------------------------
    def load_engine(self, weights: str | None = None) -> bool:
        """Load weights into a new engine; on failure the engine in use (if any) is kept."""
        return engine_actions.load_engine(self, weights)

    def use_bridge(self, bridge: EngineBridge) -> None:
        """Colorize through ``bridge`` from now on (the previous one is closed); the open photo is
        uploaded to its engine and the current hints are run."""
        if self.bridge is not None:
            self.bridge.close()  # what it computed but has not delivered is dropped
        self.bridge = bridge
        # Methods, not lambdas: Qt drops them with the window, where a lambda would keep it alive.
        bridge.result_ready.connect(self._accept_result)
        bridge.failed.connect(self._colorization_failed)
        bridge.saved.connect(self._saved)
        bridge.save_failed.connect(self._save_failed)
        bridge.drag_planned.connect(self._drag_planned)
        self.global_hints.refresh()  # whether these weights take global hints
        document = self.editor.document
        if document is not None:
            bridge.submit(document.hints.hints, self.editor.probe, document.photo, document.hints.global_hints)

    def _accept_result(self, result: UpdateResult) -> None:
        self.editor.accept(result)

    def _colorization_failed(self, message: str) -> None:
        self.show_error("Colorization failed", message)

    def _drag_planned(self, plan: DragPlan) -> None:
        engine_actions.show_drag_plan(self, plan)

    def _saved(self, path: str) -> None:
        self.statusBar().showMessage(f"Saved {path}", 8000)

    def _save_failed(self, message: str) -> None:
        self.show_error("Could not save the result", message)

    def set_device(self, device: str) -> None:
        engine_actions.set_device(self, device)

    def choose_weights(self) -> None:
        engine_actions.choose_weights(self)

    def download_published_weights(self) -> None:
        engine_actions.download_published_weights(self)

    def _vivid_toggled(self) -> None:
        self.settings.setValue("vividColours", self.vivid_action.isChecked())
        engine_actions.apply_colour_style(self)
        self.editor.request_update()

    def _local_toggled(self) -> None:
        self.settings.setValue("localHints", self.local_action.isChecked())
        engine_actions.apply_colour_style(self)
        self.editor.request_update()

    # ----- reactions to the editor ---------------------------------------------------------------
    def _document_opened(self, document: Document) -> None:
        self.canvas.set_document(document)
        self.show_original.setEnabled(document.photo.is_color)
        self.show_original.setChecked(False)
        self.canvas.set_image(document.grey_preview(), document.size)
        self.result_view.set_image(document.grey_preview(), document.size)
        self.refresh_title()
        self._refresh_edit_actions()

    def _hints_edited(self) -> None:
        self._autosave.start()
        if not self._autosave_deadline.isActive():
            self._autosave_deadline.start()
        self.refresh_title()
        self._refresh_edit_actions()

    def _show_current(self) -> None:
        editor = self.editor
        current = editor.current_color()
        self.panel.show_current(current.rgb, current.ab, current.lightness, current.caption, current.detail)
        if self.patch_label.text() != f"Patch: {editor.patch_size}":
            self.patch_label.setText(f"Patch: {editor.patch_size}")
            self.settings.setValue("patchSize", editor.patch_size)
        self.panel.show_recent(list(current.recent))

    def _remember_recent_colors(self) -> None:
        self.settings.setValue("recentColors", [list(c) for c in self.editor.recent_colors])

    def _show_result(self, result: UpdateResult) -> None:
        # The time a user waited is the first picture's; later passes for the same edit (after a
        # deliberate rest, or a refinement) do not add to it.
        if result.request_id != self._timed_request:
            self._timed_request, self.first_result_seconds = result.request_id, result.seconds
        refines = self.bridge is not None and self.bridge.engine.refines
        self.latency_label.setText(
            f"{result_kind(result, refines)}, shown {self.first_result_seconds * 1000:.0f} ms after the edit"
        )
        self._refresh_views()

    def _submit(
        self,
        hints: tuple[Hint, ...],
        probe: tuple[float, float] | None,
        photo: Photo | None,
        global_hints: GlobalHints | None = None,
    ) -> None:
        if self.bridge is not None:
            self.bridge.submit(hints, probe, photo, global_hints)

    def refresh_views(self) -> None:
        """Show the latest result again (after a clip's preview played over it)."""
        self._refresh_views()

    def _refresh_views(self) -> None:
        document, latest = self.editor.document, self.editor.latest
        if document is None:
            return
        if latest is not None:
            preview = latest.preview
            self.canvas.set_image(
                preview if self.show_result_on_canvas.isChecked() else document.grey_preview(), document.size
            )
            self.result_view.set_image(
                document.original_preview() if self.show_original.isChecked() else preview, document.size
            )
        original = self.show_original.isChecked() and self.show_original.isEnabled()
        self.result_title.setText("Original: the photo's own colours (O to go back)" if original else "Result")
        self.result_view.copy_view_from(self.canvas)

    def _result_clicked(self, pos: QPointF) -> None:
        if not self.panel.eyedropper.isChecked():
            return
        ab = self.editor.result_color_at(pos.x(), pos.y())
        if ab is not None:
            self.panel.eyedropper.setChecked(False)
            self.editor.choose_color(*ab)

    def _eyedropper_toggled(self, on: bool) -> None:
        self.result_view.setCursor(Qt.CursorShape.CrossCursor if on else Qt.CursorShape.ArrowCursor)
        if on:
            self.statusBar().showMessage("Click the result to take its colour", 5000)

    def _deselect(self) -> None:
        self.editor.deselect()
        self.panel.eyedropper.setChecked(False)

    def _reset(self) -> None:
        self.editor.reset()
        self.canvas.fit()

    def _refresh_edit_actions(self) -> None:
        hints = self.editor.document.hints if self.editor.document and not self.opener.busy else None
        self.undo_action.setEnabled(hints is not None and hints.can_undo)
        self.redo_action.setEnabled(hints is not None and hints.can_redo)
        for action in self.document_actions:
            action.setEnabled(self.editor.document is not None)

    def _opening_changed(self, busy: bool) -> None:
        """While a photo loads: progress in the status bar, and the old photo's hints held still."""
        self.open_progress.setVisible(busy)
        if busy:
            self.panel.eyedropper.setChecked(False)
            loading = self.opener.loading
            self.statusBar().showMessage(f"Opening {loading.name if loading else 'photo'}…")
        for widget in (self.canvas, self.panel, self.global_panel, self.variations_panel):
            widget.setEnabled(not busy)
        for action in self.hint_actions:
            action.setEnabled(not busy)
        self.cancel_open_action.setEnabled(busy)
        self._refresh_edit_actions()

    def _cancel_open(self) -> None:
        self.opener.cancel()
        self.statusBar().showMessage("Opening cancelled", 5000)

    def refresh_title(self) -> None:
        document = self.editor.document
        clip = self.clips.clip if hasattr(self, "clips") else None
        if document is None:
            self.setWindowTitle("ideepcolor")
        elif clip is not None:
            mark = "*" if clip.modified(document.hints.hints) else ""
            self.setWindowTitle(f"{clip.info.path.name}{mark}, frame {clip.current} — ideepcolor")
        else:
            mark = "*" if document.modified else ""
            self.setWindowTitle(f"{document.photo.path.name}{mark} — ideepcolor")

    def as_parent(self) -> QWidget:
        """This window, as the parent of the file actions' dialogs."""
        return self

    # ----- dialogs ----------------------------------------------------------------------------------
    def ask(self, title: str, text: str, buttons: QMessageBox.StandardButton) -> QMessageBox.StandardButton:
        """A modal question; tests replace this."""
        return QMessageBox.question(self, title, text, buttons)

    def weights_help(self) -> str:
        """What Help > Getting Weights says: what is in use, and how to add the full-size network."""
        return engine_actions.weights_help(self)

    def _autosave_now(self) -> None:
        self._autosave.stop()
        self._autosave_deadline.stop()
        file_actions.autosave(self)

    def show_autosave_problem(self, problem: str | None) -> None:
        """A failed autosave stays in the status bar, in red, until one succeeds."""
        self.autosave_problem = problem
        self.autosave_label.setVisible(problem is not None)
        if problem is not None:
            self.autosave_label.setText("Autosave failed")
            self.autosave_label.setToolTip(problem)
            self.statusBar().showMessage(f"Autosave failed: {problem}", 15000)

    def show_error(self, title: str, text: str) -> None:
        """A clear message, never a traceback; tests read ``last_error``."""
        self.last_error = f"{title}: {text}"
        self.statusBar().showMessage(title, 10000)
        QMessageBox.warning(self, title, text)

    def closeEvent(self, event: QCloseEvent) -> None:
        if not file_actions.may_discard(self):
            event.ignore()
            return
        self._autosave.stop()
        self._autosave_deadline.stop()
        self.recovery.clear()
        self.settings.setValue("geometry", self.saveGeometry())
        self.opener.close()
        self.jobs.close()
        self.variations.close()
        self.clips.shutdown()
        if self.bridge is not None:
            self.bridge.close()
        event.accept()

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        urls = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if urls:
            file_actions.open_path(self, urls[0])


def _patch_size(settings: QSettings) -> int:
    """The remembered patch size; a damaged setting gives the default (the editor checks the value)."""
    try:
        return int(settings.value("patchSize", DEFAULT_PATCH_SIZE))  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return DEFAULT_PATCH_SIZE


def _vivid_setting(settings: QSettings) -> bool:
    """Whether vivid colours are on (the default); a damaged setting gives the default."""
    return _switch_setting(settings, "vividColours")


def _switch_setting(settings: QSettings, key: str) -> bool:
    """A switch that is on by default; a damaged setting gives the default."""
    value = settings.value(key, True)
    return value not in (False, "false", "0", 0)


def _recent_colors(settings: QSettings) -> list[tuple[float, float]]:
    """The remembered recent colours; a damaged setting gives none rather than a crash."""
    try:
        return [(float(a), float(b)) for a, b in (settings.value("recentColors") or [])]
    except (TypeError, ValueError):
        return []


def _titled(title: str, widget: QWidget) -> tuple[QWidget, QLabel]:
    """``widget`` under a grey title; the box and its title label."""
    box = QWidget()
    layout = QVBoxLayout(box)
    layout.setContentsMargins(2, 2, 2, 2)
    label = QLabel(title)
    label.setStyleSheet("color: gray;")
    layout.addWidget(label)
    layout.addWidget(widget, 1)
    return box, label
