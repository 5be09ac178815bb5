"""The main window: it makes the widgets (:mod:`.window_layout`) and menus (:mod:`.menus`),
subscribes them to the :class:`~ideepcolor_app.editing.editor.Editor`, and shows its results."""

from __future__ import annotations

import logging

from PySide6.QtCore import QPointF, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QLabel,
    QMainWindow,
    QMenu,
    QProgressBar,
    QPushButton,
    QStackedWidget,
    QWidget,
)

from ..base.resources import sample_photo
from ..colour.encoding import NETWORK_SIZE
from ..editing.document import Document, view_side
from ..editing.editor import Editor, result_kind
from ..editing.recovery import RecoveryFile
from ..editing.tools import Tool
from ..hints.strokes import brush_width
from ..inference.drag_plan import DragPlan
from ..inference.worker import UpdateResult
from . import engine_actions, file_actions
from .background import BackgroundJobs
from .bridge import EngineBridge
from .canvas import HintCanvas
from .clip_actions import ClipController
from .color_panel import ColorPanel
from .dialogs import Dialogs
from .frame_bar import FrameBar
from .gamut_pictures import gamut_pictures
from .global_actions import GlobalHintsController
from .global_panel import DropsReference, GlobalHintsPanel
from .image_view import ImageView
from .menus import build_menus
from .photo_opener import PhotoOpener
from .settings import WindowSettings
from .variations_actions import VariationsController
from .variations_panel import VariationsPanel
from .window_layout import CANVAS_TITLE, setup_ui

SAMPLE_PHOTO = sample_photo()
AUTOSAVE_MAX_WAIT_MS = 3000
log = logging.getLogger(__name__)


class MainWindow(QMainWindow):
    """Builds the widgets and connects them to an :class:`~ideepcolor_app.editing.editor.Editor`; the editing
    state and its rules live there, the file and engine actions in :mod:`.file_actions` and :mod:`.engine_actions`.

    ``dialogs`` shows every message box and file chooser (a test passes one that answers from a
    script); ``settings`` is what the window remembers between runs.
    """

    download_progress = Signal(str)  # from the download thread; widgets are touched only here

    editor: Editor
    dialogs: Dialogs
    settings: WindowSettings
    global_hints: GlobalHintsController
    variations: VariationsController
    clips: ClipController
    # made by setup_ui
    canvas: HintCanvas
    result_view: ImageView
    right: QStackedWidget
    result_title: QLabel
    canvas_title: QLabel
    frame_bar: FrameBar
    no_weights: QWidget
    no_weights_text: QLabel
    load_weights_button: QPushButton
    download_button: QPushButton
    panel: ColorPanel
    global_panel: GlobalHintsPanel
    variations_panel: VariationsPanel
    colour_panels: DropsReference
    device_label: QLabel
    weights_label: QLabel
    latency_label: QLabel
    patch_label: QLabel
    autosave_label: QLabel
    open_progress: QProgressBar
    # made by build_menus
    recent_menu: QMenu
    save_action: QAction
    cancel_open_action: QAction
    undo_action: QAction
    redo_action: QAction
    show_result_on_canvas: QAction
    show_original: QAction
    vivid_action: QAction
    point_tool_action: QAction
    local_action: QAction

    def __init__(
        self,
        weights: str | None = None,
        device: str | None = None,
        mask_convention: str | None = None,
        dialogs: Dialogs | None = None,
        settings: WindowSettings | None = None,
    ) -> None:
        super().__init__()
        self.settings = settings or WindowSettings()
        self.dialogs = dialogs or Dialogs(self)
        self.editor = Editor(self.settings.patch_size, self.settings.recent_colours)
        self.bridge: EngineBridge | None = None
        self._sized_for: Document | None = None
        """The photo the bridge's result size was chosen for (see :meth:`_view_changed`)."""
        self.weights_error: str | None = None
        self.device = device or self.settings.device
        self.weights_source, self.mask_convention = weights, mask_convention
        self.recovery = RecoveryFile()
        self.autosave_problem: str | None = None
        self._timed_request: int | None = None
        self.first_result_seconds = 0.0
        """Seconds from the latest edit to its first picture on screen (the status bar shows them)."""
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
        setup_ui(self)
        gamut_pictures().start()
        groups = build_menus(self)
        self.document_actions = groups["document"]  # enabled once a photo is open
        self.hint_actions = groups["hints"]  # held while a photo loads
        self.tool_actions = QActionGroup(self)
        for action in groups["tools"]:
            self.tool_actions.addAction(action)
        self.point_tool_action.setChecked(True)
        self.cancel_open_action.setEnabled(False)  # Esc deselects, except while a photo loads
        self.vivid_action.setChecked(self.settings.vivid)
        self.local_action.setChecked(self.settings.local_hints)
        self.settings.follow(self.editor, self.vivid_action, self.local_action)
        self._connect()
        file_actions.refresh_recent_menu(self)
        self._refresh_edit_actions()
        engine_actions.load_engine(self, weights)
        geometry = self.settings.geometry
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            self.resize(1400, 860)
        self.refresh_title()

    def _connect(self) -> None:
        editor = self.editor
        self.canvas.patch_step.connect(editor.step_patch_size)
        self.canvas.view_changed.connect(lambda: self.result_view.copy_view_from(self.canvas))
        self.result_view.view_changed.connect(lambda: self.canvas.copy_view_from(self.result_view))
        self.result_view.scene_clicked.connect(self._result_clicked)
        self.result_view.view_changed.connect(self._view_changed)
        self.canvas.view_changed.connect(self._view_changed)
        self.load_weights_button.clicked.connect(lambda: engine_actions.choose_weights(self))
        self.download_button.clicked.connect(lambda: engine_actions.download_published_weights(self))
        self.panel.color_chosen.connect(editor.choose_color)
        self.panel.eyedropper_toggled.connect(self._eyedropper_toggled)
        editor.document_changed.connect(self._document_opened)
        editor.photo_completed.connect(self._photo_completed)
        editor.hints_changed.connect(self._hints_edited)
        editor.current_changed.connect(self._show_current)
        editor.result_changed.connect(self._show_result)
        editor.palette_changed.connect(self.panel.show_palette)
        editor.notice.connect(lambda text: self.statusBar().showMessage(text, 8000))
        editor.tool_changed.connect(self._tool_changed)
        editor.outline_changed.connect(self.canvas.viewport().update)
        self.global_hints = GlobalHintsController(self, self.colour_panels)
        self.variations = VariationsController(self)
        self.clips = ClipController(self)
        self._show_current()

    # ----- the engine ------------------------------------------------------------------------------
    def use_bridge(self, bridge: EngineBridge) -> None:
        """Colorize through ``bridge`` from now on (the previous one is closed); the open photo is
        uploaded to its engine and the current hints are run."""
        if self.bridge is not None:
            self.editor.update_requested.disconnect(self.bridge.submit)
            self.bridge.close()  # what it computed but has not delivered is dropped
        self.bridge = bridge
        self.editor.update_requested.connect(bridge.submit)
        # Methods, not lambdas: Qt drops them with the window, where a lambda would keep it alive.
        bridge.result_ready.connect(self._accept_result)
        bridge.failed.connect(self._colorization_failed)
        bridge.saved.connect(self._saved)
        bridge.save_failed.connect(self._save_failed)
        bridge.drag_planned.connect(self._drag_planned)
        self.global_hints.refresh()  # whether these weights take global hints
        self._sized_for = None
        self._view_changed()  # results at the view's size, as the bridge before composed them
        self.editor.request_update(upload=True)  # the open photo, if any, goes to the new engine

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

    # ----- reactions to the editor ---------------------------------------------------------------
    def _document_opened(self, document: Document) -> None:
        self.canvas.set_document(document)
        self.show_original.setEnabled(document.photo.is_color)
        self.show_original.setChecked(False)
        self.canvas.set_image(document.grey_preview(), document.size)
        self.result_view.set_image(document.grey_preview(), document.size)
        self.refresh_title()
        self._refresh_edit_actions()

    def _photo_completed(self, document: Document) -> None:
        """The full photo replaced the draft it opened as: its sharper grey, until its result comes."""
        width, height = document.size
        self.statusBar().showMessage(f"Opened {document.photo.path.name} ({width}x{height}) at full resolution", 5000)
        if self.editor.latest is None:
            self.canvas.set_image(document.grey_preview(), document.size)
            self.result_view.set_image(document.grey_preview(), document.size)
        else:
            self.refresh_views()

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
        if editor.tool in (Tool.BRUSH, Tool.ERASER):
            size = editor.document.size if editor.document else (NETWORK_SIZE, NETWORK_SIZE)
            self.patch_label.setText(f"{editor.tool.label}: {brush_width(editor.brush_size, size):.0f} px")
        else:
            self.patch_label.setText(f"Patch: {editor.patch_size}")
        self.panel.show_recent(list(current.recent))

    def _tool_changed(self, tool: Tool) -> None:
        action = getattr(self, f"{tool.value}_tool_action")
        action.setChecked(True)
        self.canvas.tool_changed(tool)
        # the canvas's title says what the mouse does now
        self.canvas_title.setText(CANVAS_TITLE if tool is Tool.POINT else f"{tool.label}: {action.statusTip()}")

    def _show_result(self, result: UpdateResult) -> None:
        # The time a user waited is the first picture's; later passes for the same edit (after a
        # deliberate rest, or a refinement) do not add to it.
        if result.request_id != self._timed_request:
            self._timed_request, self.first_result_seconds = result.request_id, result.seconds
        refines = self.bridge is not None and self.bridge.engine.refines
        self.latency_label.setText(
            f"{result_kind(result, refines)}, shown {self.first_result_seconds * 1000:.0f} ms after the edit"
        )
        self.refresh_views()
        if result.photo.is_draft:  # the first picture is up: the full pixels may have the cores now
            self.opener.start_completing()

    def refresh_views(self) -> None:
        """Show the latest result on the result view (and the canvas, if asked), or the original."""
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

    def _view_changed(self) -> None:
        """Results are composed at the size the views show them; a zoom that needs more pixels
        than the latest result has asks for it again. Within one photo the size only grows, so
        views that settle (scroll bars coming and going) never ask twice."""
        document, bridge = self.editor.document, self.bridge
        if document is None or bridge is None:
            return
        screen = max(self.canvas.screen_side(), self.result_view.screen_side())
        side = view_side(screen, max(document.size))
        if document is self._sized_for:
            if side <= bridge.preview_side:
                return
        else:
            self._sized_for = document
        bridge.set_preview_side(side)
        latest = self.editor.latest
        if latest is not None and max(latest.preview.shape[:2]) < side:
            self.editor.request_update()

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

    # ----- commands the menus give ------------------------------------------------------------------
    def deselect(self) -> None:
        """Select no hint, and put the eyedropper down."""
        self.editor.deselect()
        self.panel.eyedropper.setChecked(False)

    def reset(self) -> None:
        """Clear hints and colour, and fit the photo to the view."""
        self.editor.reset()
        self.canvas.fit()

    def cancel_open(self) -> None:
        """Stop opening a photo; the one on screen stays."""
        self.opener.cancel()
        self.statusBar().showMessage("Opening cancelled", 5000)

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

    def refresh_title(self) -> None:
        """The photo's or clip's name, with * while it has unsaved hints."""
        document = self.editor.document
        clip = self.clips.clip if hasattr(self, "clips") else None
        if document is None:
            self.setWindowTitle("ideepcolor")
        elif clip is not None:
            mark = "*" if self.clips.modified() else ""
            self.setWindowTitle(f"{clip.info.path.name}{mark}, frame {clip.current} — ideepcolor")
        else:
            mark = "*" if document.modified else ""
            self.setWindowTitle(f"{document.photo.path.name}{mark} — ideepcolor")

    # ----- messages ---------------------------------------------------------------------------------
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
        """A clear message, never a traceback."""
        self.statusBar().showMessage(title, 10000)
        self.dialogs.warn(title, text)

    # ----- window events ----------------------------------------------------------------------------
    def closeEvent(self, event: QCloseEvent) -> None:
        if not file_actions.may_discard(self):
            event.ignore()
            return
        self._autosave.stop()
        self._autosave_deadline.stop()
        self.recovery.clear()
        self.settings.geometry = self.saveGeometry()
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
