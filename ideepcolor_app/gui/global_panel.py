"""The "Whole photo" panel: a reference photo's colours and a saturation control (global hints).

It renders what the editor holds and forwards what the user does; the editor owns the state.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import qimage2ndarray
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from ..hints.global_hints import GlobalHints
from .color_panel import Swatch

THUMBNAIL_SIDE = 96
MAIN_COLOURS = 6
SLIDER_STEPS = 100
"""The slider moves in hundredths of the saturation range [0, 1]."""


def dropped_file(event: QDragEnterEvent | QDropEvent) -> Path | None:
    """The one local file a drag carries, or None."""
    urls = event.mimeData().urls() if event.mimeData().hasUrls() else []
    files = [Path(u.toLocalFile()) for u in urls if u.isLocalFile()]
    return files[0] if len(files) == 1 else None


class DropsReference(QWidget):
    """Holds the colour panels; a photo dropped anywhere on them becomes the reference."""

    reference_dropped = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAcceptDrops(True)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if dropped_file(event) is not None:
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        path = dropped_file(event)
        if path is not None:
            event.acceptProposedAction()
            self.reference_dropped.emit(str(path))


class GlobalHintsPanel(QWidget):
    """Reference photo (thumbnail, main colours, a switch, replace, clear) and the saturation slider.

    Signals: ``choose_reference()``, ``reference_toggled(bool)``, ``clear_reference()``,
    ``saturation_changed(value | None, final)`` (None: automatic).
    """

    choose_reference = Signal()
    reference_toggled = Signal(bool)
    clear_reference = Signal()
    saturation_changed = Signal(object, bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 8)
        heading = QLabel("<b>Whole photo</b>")
        layout.addWidget(heading)
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setStyleSheet("color: palette(mid)")
        layout.addWidget(self.note)

        reference_row = QHBoxLayout()
        self.thumbnail = QLabel()
        self.thumbnail.setFixedSize(THUMBNAIL_SIDE, THUMBNAIL_SIDE)
        self.thumbnail.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.thumbnail.setStyleSheet("border: 1px dashed palette(mid); color: palette(mid)")
        self.thumbnail.setWordWrap(True)
        reference_row.addWidget(self.thumbnail)
        details = QVBoxLayout()
        self.reference_name = QLabel()
        self.reference_name.setWordWrap(True)
        details.addWidget(self.reference_name)
        colours = QHBoxLayout()
        colours.setSpacing(3)
        self.colours = [Swatch((128, 128, 128), (0.0, 0.0), "", side=20) for _ in range(MAIN_COLOURS)]
        for swatch in self.colours:
            swatch.setEnabled(False)  # shown, not picked: they describe the reference
            colours.addWidget(swatch)
        colours.addStretch(1)
        details.addLayout(colours)
        self.use_reference = QCheckBox("Use its colours")
        self.use_reference.setToolTip("Switch the reference's colours off without forgetting them")
        self.use_reference.toggled.connect(self._toggled)
        details.addWidget(self.use_reference)
        reference_row.addLayout(details, 1)
        layout.addLayout(reference_row)

        buttons = QHBoxLayout()
        self.choose = QPushButton("Colours From Photo…")
        self.choose.setToolTip("Colour this photo like another colour photo of the scene (or drop one here)")
        self.choose.clicked.connect(self.choose_reference)
        self.clear = QPushButton("Clear")
        self.clear.setToolTip("Forget the reference photo's colours")
        self.clear.clicked.connect(self.clear_reference)
        buttons.addWidget(self.choose)
        buttons.addWidget(self.clear)
        layout.addLayout(buttons)

        saturation_row = QHBoxLayout()
        saturation_row.addWidget(QLabel("Saturation"))
        self.automatic = QCheckBox("Automatic")
        self.automatic.setToolTip("Let the network choose how colourful the photo is")
        self.automatic.toggled.connect(self._automatic_toggled)
        saturation_row.addStretch(1)
        saturation_row.addWidget(self.automatic)
        layout.addLayout(saturation_row)
        slider_row = QHBoxLayout()
        slider_row.addWidget(QLabel("grey"))
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, SLIDER_STEPS)
        self.slider.setToolTip("How colourful the whole photo is: mean saturation from grey to vivid")
        self.slider.valueChanged.connect(lambda value: self._slid(value, final=not self.slider.isSliderDown()))
        self.slider.sliderReleased.connect(lambda: self._slid(self.slider.value(), final=True))
        slider_row.addWidget(self.slider, 1)
        slider_row.addWidget(QLabel("vivid"))
        self.saturation_value = QLabel()
        self.saturation_value.setMinimumWidth(32)
        slider_row.addWidget(self.saturation_value)
        layout.addLayout(slider_row)
        self._showing = False
        self.automatic_start = 0.3
        """Where the slider starts when "Automatic" is unticked (the window sets the result's own)."""
        self.show_global(GlobalHints(), [], None, available=False, reason="Open a photo first.")

    # ----- rendering -------------------------------------------------------------------------------
    def show_global(
        self,
        hints: GlobalHints,
        colours: list[tuple[tuple[int, int, int], tuple[float, float], float]],
        thumbnail: np.ndarray | None,
        available: bool = True,
        reason: str = "",
    ) -> None:
        """Show ``hints``: the reference's ``colours`` ((rgb, ab, share), fullest first) and
        ``thumbnail`` (RGB, or None when the reference file is not at hand). ``available`` False
        greys everything out and shows ``reason``."""
        self._showing = True
        try:
            has_reference = hints.histogram is not None
            self.note.setText(reason)
            self.note.setVisible(bool(reason))
            if thumbnail is not None:
                image = qimage2ndarray.array2qimage(np.ascontiguousarray(thumbnail))
                self.thumbnail.setPixmap(
                    QPixmap.fromImage(image).scaled(
                        THUMBNAIL_SIDE,
                        THUMBNAIL_SIDE,
                        Qt.AspectRatioMode.KeepAspectRatio,
                        Qt.TransformationMode.SmoothTransformation,
                    )
                )
            else:
                self.thumbnail.setPixmap(QPixmap())
                self.thumbnail.setText("Drop a colour photo here" if not has_reference else "(photo not at hand)")
            name = Path(hints.reference).name if hints.reference else "a reference photo"
            self.reference_name.setText(f"Colours of {name}" if has_reference else "No reference photo")
            for i, swatch in enumerate(self.colours):
                if i < len(colours):
                    rgb, ab, share = colours[i]
                    swatch.set_color(rgb, ab, f"{share:.0%} of the reference (a = {ab[0]:.0f}, b = {ab[1]:.0f})")
                swatch.setVisible(i < len(colours))
            self.use_reference.setChecked(has_reference and hints.reference_on)
            self.use_reference.setEnabled(available and has_reference)
            self.clear.setEnabled(available and has_reference)
            self.choose.setText("Replace…" if has_reference else "Colours From Photo…")
            self.choose.setEnabled(available)
            automatic = hints.saturation is None
            self.automatic.setChecked(automatic)
            self.automatic.setEnabled(available)
            if not self.slider.isSliderDown():  # automatic: where unticking it would start
                shown = self.automatic_start if hints.saturation is None else hints.saturation
                self.slider.setValue(round(shown * SLIDER_STEPS))
            self.slider.setEnabled(available and not automatic)
            self.saturation_value.setText("auto" if automatic else f"{hints.saturation:.2f}")
        finally:
            self._showing = False

    def set_automatic_start(self, saturation: float) -> None:
        """The result's own saturation: where the slider rests while "Automatic" is ticked, and
        where it starts when it is unticked (so that the photo does not jump)."""
        self.automatic_start = saturation
        if self.automatic.isChecked() and not self.slider.isSliderDown():
            self._showing = True
            try:
                self.slider.setValue(round(saturation * SLIDER_STEPS))
            finally:
                self._showing = False

    # ----- forwarding ------------------------------------------------------------------------------
    def _toggled(self, on: bool) -> None:
        if not self._showing:
            self.reference_toggled.emit(on)

    def _automatic_toggled(self, automatic: bool) -> None:
        if self._showing:
            return
        if automatic:
            self.saturation_changed.emit(None, True)
        else:
            self.saturation_changed.emit(self.automatic_start, True)

    def _slid(self, value: int, final: bool) -> None:
        if not self._showing and not self.automatic.isChecked():
            self.saturation_changed.emit(value / SLIDER_STEPS, final)
