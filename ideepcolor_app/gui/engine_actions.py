"""What the window does about its engine: load weights, switch device, download the published ones."""

from __future__ import annotations

import html
from typing import Protocol

from PySide6.QtCore import SignalInstance
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QLabel, QPushButton, QStackedWidget, QStatusBar, QWidget

from ..base.errors import IdeepcolorError
from ..colour.look import Look
from ..editing.document import DISPLAY_MAX_SIDE
from ..editing.editor import Editor
from ..inference.drag_plan import DragPlan
from ..inference.engine import ColorizationEngine
from ..network.registry import missing_weights_message, weights_in_use_message
from .background import BackgroundJobs
from .bridge import EngineBridge
from .dialogs import Dialogs
from .settings import WindowSettings

LOCAL_HINTS_TIP = (
    "Each hint colours its object and what the photo makes that colour likely for; off, one hint can "
    "tint the whole photo"
)


class MainWindow(Protocol):
    """What these actions use of :class:`~ideepcolor_app.gui.main_window.MainWindow`."""

    bridge: EngineBridge | None
    settings: WindowSettings
    device: str
    weights_source: str | None
    mask_convention: str | None
    weights_error: str | None

    @property
    def right(self) -> QStackedWidget: ...

    @property
    def result_view(self) -> QWidget: ...

    @property
    def no_weights(self) -> QWidget: ...

    @property
    def no_weights_text(self) -> QLabel: ...

    @property
    def download_button(self) -> QPushButton: ...

    @property
    def device_label(self) -> QLabel: ...

    @property
    def weights_label(self) -> QLabel: ...

    @property
    def download_progress(self) -> SignalInstance: ...

    @property
    def jobs(self) -> BackgroundJobs: ...

    @property
    def vivid_action(self) -> QAction: ...

    @property
    def local_action(self) -> QAction: ...

    @property
    def editor(self) -> Editor: ...

    def use_bridge(self, bridge: EngineBridge) -> None: ...

    def show_error(self, title: str, text: str) -> None: ...

    def statusBar(self) -> QStatusBar: ...

    @property
    def dialogs(self) -> Dialogs: ...


def load_engine(window: MainWindow, weights: str | None = None) -> bool:
    """Load weights into a new engine; on failure the engine in use (if any) is kept, and with none
    the result view explains what is missing."""
    try:
        engine = ColorizationEngine.from_weights(weights, window.device, window.mask_convention)
    except IdeepcolorError as exc:
        window.weights_error = str(exc)
        if window.bridge is not None:
            return False  # keep working with the weights already loaded
        window.no_weights_text.setText(
            "<h3>No colorization weights</h3><pre style='white-space: pre-wrap'>"
            + html.escape(str(exc))
            + "</pre><p>You can still place hints and save them.</p>"
        )
        window.right.setCurrentWidget(window.no_weights)
        window.device_label.setText("")
        window.weights_label.setText("no weights")
        return False
    window.weights_error = None
    window.weights_source = weights
    apply_colour_style(window, engine)
    window.use_bridge(EngineBridge(engine, DISPLAY_MAX_SIDE, window_look(window)))
    window.right.setCurrentWidget(window.result_view)
    window.device_label.setText(f"Device: {engine.device_label}")
    window.weights_label.setText(f"Weights: {engine.weights_label}")
    window.weights_label.setToolTip(
        f"Mask convention {engine.info.mask_convention.value}: {engine.info.convention_reason}"
    )
    if engine.problems:
        window.show_error("Some weights could not be used", "\n\n".join(engine.problems))
    elif "detected" in engine.info.convention_reason or "same under both" in engine.info.convention_reason:
        window.statusBar().showMessage(
            f"{engine.info.path.name}: mask convention "
            f"{engine.info.mask_convention.value}, {engine.info.convention_reason}",
            15000,
        )
    return True


def show_drag_plan(window: MainWindow, plan: DragPlan) -> None:
    """Say beside the device what a drag computes on this machine (as measured, and as drags adjust it)."""
    engine = window.bridge.engine if window.bridge is not None else None
    if engine is None:
        return
    window.device_label.setText(f"Device: {engine.device_label} · {plan.describe()}")
    sides = ", ".join(f"{side} px {seconds * 1000:.0f} ms" for side, seconds in plan.measured)
    window.device_label.setToolTip(
        f"One drag update measured on this machine: {sides}. While you drag a hint the fast network runs at "
        f"{plan.side} px; once the hints rest the result is computed in full."
    )  # the label only: a passing message would cover what the user's last action said


def window_look(window: MainWindow) -> Look:
    """The look View > Vivid Colours and View > Keep Hints Local ask for."""
    return Look(vivid=window.vivid_action.isChecked(), local_hints=window.local_action.isChecked())


def look_changed(window: MainWindow) -> None:
    """View > Vivid Colours or Keep Hints Local was switched: the next results take the new look."""
    apply_colour_style(window)
    window.editor.request_update()


def apply_colour_style(window: MainWindow, engine: ColorizationEngine | None = None) -> None:
    """Vivid or muted colours as View > Vivid Colours says, and hints local or not as View > Keep
    Hints Local says, where the weights offer them: the items' states, and the look that the next
    requests take."""
    if window.bridge is not None:
        window.bridge.look = window_look(window)
    engine = engine or (window.bridge.engine if window.bridge is not None else None)
    if engine is None:
        return
    action = window.vivid_action
    action.setEnabled(engine.offers_vivid)
    action.setStatusTip(
        "Away from hints, colour from the network's predicted colours (vivid) instead of their average (muted)"
        if engine.offers_vivid
        else f"The weights in use ({engine.info.name}) have no measured vivid colours; their plain output is used"
    )
    local = window.local_action
    local.setEnabled(engine.offers_local_hints)
    local.setStatusTip(
        LOCAL_HINTS_TIP
        if engine.offers_local_hints
        else f"The weights in use ({engine.info.name}) have no measured hint locality; hints reach as far as "
        "the network carries them"
    )


def set_device(window: MainWindow, device: str) -> None:
    """Run on ``device`` from now on; if it cannot be used, the engine in use stays and a message says why."""
    previous, window.device = window.device, device
    if load_engine(window, window.weights_source):
        window.settings.device = device
    else:
        window.device = previous
        window.show_error(f"Could not switch to {device}", window.weights_error or "")


def choose_weights(window: MainWindow) -> None:
    """Ask for a weights file and use it."""
    path = window.dialogs.open_file(
        "Load weights",
        window.settings.last_folder,
        "Weights (*.pth *.safetensors)",
    )
    if path and not load_engine(window, path):
        window.show_error("Could not load weights", window.weights_error or "")


def download_published_weights(window: MainWindow) -> None:
    """Download the published full-size weights in the background, then use them."""
    from ..base.userdirs import cache_dir
    from ..network.download import download
    from ..network.registry import REGISTRY
    from ..network.weights import check_weights_file

    entry = REGISTRY["siggraph17"]
    window.download_button.setEnabled(False)
    window.jobs.run(
        lambda: download(
            entry.url or "",
            cache_dir() / entry.filename,
            sha256=entry.sha256,
            progress=lambda done, total: window.download_progress.emit(
                f"Downloading weights: {done / 1e6:.0f}" + (f" of {total / 1e6:.0f} MB" if total else " MB")
            ),
            validate=lambda part: check_weights_file(part, ".pth"),
        ),
        lambda _: download_finished(window, ""),
        # whatever ends the download reaches the window and re-enables the button
        lambda error: download_finished(window, str(error) or type(error).__name__),
        key="download",
        name="download",
    )


def download_finished(window: MainWindow, error: str) -> None:
    window.download_button.setEnabled(True)
    if error:
        window.show_error("Download failed", error)
    elif load_engine(window, None):
        window.statusBar().showMessage("Weights downloaded and loaded.", 8000)


def weights_help(window: MainWindow) -> str:
    """What Help > Getting Weights says: what is in use, and how to add the full-size network."""
    if window.bridge is None:
        return missing_weights_message()
    return weights_in_use_message(window.bridge.engine.weights_label, window.bridge.engine.refines)
