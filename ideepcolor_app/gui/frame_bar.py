"""The frame bar under the photo when a clip is open: a frame slider with its keyframes marked,
the frame number, and Preview."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSlider, QStyle, QStyleOptionSlider, QWidget

SETTLE_MS = 150
"""The frame is opened this long after the slider stops moving (not at every step of a drag)."""


class KeyframeSlider(QSlider):
    """A horizontal slider that marks the keyframes (frames with hints) under its groove."""

    def __init__(self) -> None:
        super().__init__(Qt.Orientation.Horizontal)
        self.keyframes: list[int] = []

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if not self.keyframes or self.maximum() <= self.minimum():
            return
        option = QStyleOptionSlider()
        self.initStyleOption(option)
        groove = self.style().subControlRect(
            QStyle.ComplexControl.CC_Slider, option, QStyle.SubControl.SC_SliderGroove, self
        )
        handle = self.style().subControlRect(
            QStyle.ComplexControl.CC_Slider, option, QStyle.SubControl.SC_SliderHandle, self
        )
        painter = QPainter(self)
        painter.setPen(QPen(QColor("#e67e22"), 3))
        span = groove.width() - handle.width()
        for frame in self.keyframes:
            x = (
                groove.left()
                + handle.width() // 2
                + QStyle.sliderPositionFromValue(self.minimum(), self.maximum(), frame, span)
            )
            painter.drawLine(x, self.height() - 6, x, self.height() - 1)
        painter.end()


class FrameBar(QWidget):
    """Signals: ``frame_chosen(index)`` once the slider settles, ``preview()``."""

    frame_chosen = Signal(int)
    preview = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 2, 6, 2)
        self.slider = KeyframeSlider()
        self.slider.setToolTip("Frame on show; orange marks are keyframes (frames with hints)")
        self.label = QLabel()
        self.label.setMinimumWidth(220)
        self.preview_button = QPushButton("Preview")
        self.preview_button.setToolTip("Play the next two seconds colourised, with the keyframes' hints (P)")
        self.preview_button.clicked.connect(self.preview)
        layout.addWidget(self.slider, 1)
        layout.addWidget(self.label)
        layout.addWidget(self.preview_button)
        self._settle = QTimer(self, singleShot=True, interval=SETTLE_MS)
        self._settle.timeout.connect(lambda: self.frame_chosen.emit(self.slider.value()))
        self.slider.valueChanged.connect(self._moved)

    def show_clip(self, frames: int, current: int, keyframes: list[int], fps: float) -> None:
        """Show a clip of ``frames`` frames at ``current`` with its ``keyframes`` marked."""
        self.slider.blockSignals(True)
        self.slider.setRange(0, max(0, frames - 1))
        self.slider.setValue(current)
        self.slider.blockSignals(False)
        self.slider.keyframes = sorted(keyframes)
        self.slider.update()
        marks = ", ".join(str(k) for k in self.slider.keyframes[:6]) + ("…" if len(keyframes) > 6 else "")
        seconds = current / fps if fps else 0.0
        self.label.setText(
            f"Frame {current} ({seconds:.2f} s) of {frames}: 0 to {frames - 1}"
            + (f" · keyframes {marks}" if keyframes else "")
        )

    def set_previewing(self, previewing: bool) -> None:
        """While a preview is computed its button stops it."""
        self.preview_button.setText("Stop Preview" if previewing else "Preview")
        self.preview_button.setToolTip(
            "Stop computing the preview (P)"
            if previewing
            else "Play the next two seconds colourised, with the keyframes' hints (P)"
        )

    def _moved(self, value: int) -> None:
        self.label.setText(f"Frame {value}…")
        self._settle.start()
