"""The main window's widgets and where they sit, as Qt Designer's ``setupUi`` would make them.

:func:`setup_ui` makes the widgets and their layout only; what they do is connected in
:mod:`.main_window` and the ``*_actions`` modules.
"""

from __future__ import annotations

from typing import Protocol

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDockWidget,
    QFrame,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QStatusBar,
    QVBoxLayout,
    QWidget,
)

from ..editing.editor import Editor
from .canvas import HintCanvas
from .color_panel import ColorPanel
from .frame_bar import FrameBar
from .global_panel import DropsReference, GlobalHintsPanel
from .image_view import ImageView
from .variations_panel import VariationsPanel

CANVAS_TITLE = "Hints: click to add, drag to move, right-click to delete"


class MainWindow(Protocol):
    """The window :func:`setup_ui` fills (:class:`~ideepcolor_app.gui.main_window.MainWindow`)."""

    editor: Editor
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

    def setCentralWidget(self, widget: QWidget) -> None: ...

    def addDockWidget(self, area: Qt.DockWidgetArea, dock: QDockWidget) -> None: ...

    def statusBar(self) -> QStatusBar: ...

    def setAcceptDrops(self, on: bool) -> None: ...


def setup_ui(window: MainWindow) -> None:
    """Make the window's widgets as its attributes: the hint canvas and the result side by side
    over the clip's frame bar, the colour dock on the right, and the status bar's labels."""
    window.canvas = HintCanvas(window.editor)
    window.canvas.placeholder = "Open a black-and-white photo:\nFile > Open (Ctrl+O), or drop it here."
    window.result_view = ImageView()
    window.result_view.placeholder = "The colorized photo appears here."
    window.right = QStackedWidget()
    window.right.addWidget(window.result_view)
    window.right.addWidget(_no_weights_page(window))

    splitter = QSplitter()
    canvas_box, window.canvas_title = _titled(CANVAS_TITLE, window.canvas)
    splitter.addWidget(canvas_box)
    result_box, window.result_title = _titled("Result", window.right)
    splitter.addWidget(result_box)
    window.frame_bar = FrameBar()  # shown while a film clip is open
    central = QWidget()
    column = QVBoxLayout(central)
    column.setContentsMargins(0, 0, 0, 0)
    column.addWidget(splitter, 1)
    column.addWidget(window.frame_bar)
    window.setCentralWidget(central)
    _colour_dock(window)
    _status_bar(window)
    window.setAcceptDrops(True)


def _no_weights_page(window: MainWindow) -> QWidget:
    """What the result side shows while no weights are loaded: why, and two ways to get some."""
    window.no_weights = page = QWidget()
    box = QVBoxLayout(page)
    window.no_weights_text = QLabel()
    window.no_weights_text.setWordWrap(True)
    window.no_weights_text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    window.load_weights_button = QPushButton("Load weights file…")
    window.download_button = QPushButton("Download published weights (130 MB)")
    box.addStretch(1)
    for widget in (window.no_weights_text, window.load_weights_button, window.download_button):
        box.addWidget(widget)
    box.addStretch(1)
    return page


def _colour_dock(window: MainWindow) -> None:
    """The palette, the variations and the whole-photo controls, in a dock that scrolls when short."""
    window.panel = ColorPanel()
    window.global_panel = GlobalHintsPanel()
    window.variations_panel = VariationsPanel()
    window.colour_panels = DropsReference()  # a colour photo dropped here lends its colours
    panels = QVBoxLayout(window.colour_panels)
    panels.setContentsMargins(0, 0, 0, 0)
    panels.addWidget(window.panel)
    panels.addWidget(window.variations_panel)  # above the fold at the default size (1400x860)
    panels.addWidget(window.global_panel)
    panels.addStretch(1)
    scroll = QScrollArea()
    scroll.setWidget(window.colour_panels)
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QFrame.Shape.NoFrame)
    scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    scroll.setMinimumWidth(window.panel.minimumWidth() + scroll.verticalScrollBar().sizeHint().width())
    dock = QDockWidget("Colour", window)  # type: ignore[call-overload]  # the window is a QMainWindow
    dock.setObjectName("colour-dock")
    dock.setWidget(scroll)
    dock.setFeatures(
        QDockWidget.DockWidgetFeature.DockWidgetMovable | QDockWidget.DockWidgetFeature.DockWidgetFloatable
    )
    window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)


def _status_bar(window: MainWindow) -> None:
    """Labels at the right of the status bar: autosave trouble, opening, patch, latency, weights, device."""
    window.device_label, window.weights_label, window.latency_label = QLabel(), QLabel(), QLabel()
    window.patch_label = QLabel()
    window.autosave_label = QLabel()
    window.autosave_label.setStyleSheet("color: #c0392b; font-weight: bold")
    window.autosave_label.setVisible(False)
    window.open_progress = QProgressBar()  # a busy bar while a photo loads
    window.open_progress.setRange(0, 0)
    window.open_progress.setMaximumWidth(120)
    window.open_progress.setVisible(False)
    for label in (
        window.autosave_label,
        window.open_progress,
        window.patch_label,
        window.latency_label,
        window.weights_label,
        window.device_label,
    ):
        window.statusBar().addPermanentWidget(label)


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
