"""Colour choice: ab gamut picker, suggested palette, prediction, recent colours, dialog, eyedropper."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPen
from PySide6.QtWidgets import (
    QColorDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ..colour.color import ab_to_position, position_to_ab, rgb_to_lab_np
from ..colour.suggest import SUGGESTIONS, Palette
from ..editing.editor import MAX_RECENT_COLORS
from .gamut_pictures import PICKER_SIZE, gamut_pictures

RECENT_SWATCH_SIDE = 24


class GamutPicker(QWidget):
    """The ab plane at one lightness; colours outside the sRGB gamut are dimmed.

    Clicking or dragging emits ``picked(a, b, final)``; ``final`` is True on release.
    """

    picked = Signal(float, float, bool)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setFixedSize(PICKER_SIZE, PICKER_SIZE)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setToolTip("Colours that exist at this pixel's lightness. Click or drag to choose.")
        self.lightness = 50.0
        self.ab: tuple[float, float] = (0.0, 0.0)
        self._image: QImage | None = None
        self._exact = False
        self._pictures = gamut_pictures()
        self._pictures.ready.connect(self._picture_ready)
        self.set_lightness(50.0)

    def set_lightness(self, lightness: float) -> None:
        """Show the ab plane at ``lightness``; until its picture is ready, the nearest one computed."""
        lightness = float(round(lightness))  # the gamut barely changes within one L unit
        if self._image is not None and lightness == self.lightness and self._exact:
            return
        self.lightness = lightness
        image = self._pictures.get(lightness)
        self._exact = image is not None
        self._image = image or self._pictures.nearest(lightness) or self._image
        self.update()

    def _picture_ready(self, lightness: float) -> None:
        if lightness == self.lightness and not self._exact:
            self.set_lightness(lightness)

    @property
    def shows_exact_lightness(self) -> bool:
        """False while the picture shown is a neighbouring lightness's, its own being computed."""
        return self._exact

    def set_ab(self, ab: tuple[float, float]) -> None:
        self.ab = ab
        self.update()

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        if self._image is not None:
            painter.drawImage(0, 0, self._image)
        painter.setPen(QPen(QColor(255, 255, 255, 60), 1))
        mid = PICKER_SIZE // 2
        painter.drawLine(mid, 0, mid, PICKER_SIZE)
        painter.drawLine(0, mid, PICKER_SIZE, mid)
        x, y = ab_to_position(self.ab, PICKER_SIZE)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(QColor(0, 0, 0), 3))
        painter.drawEllipse(QPointF(x, y), 6, 6)
        painter.setPen(QPen(QColor(255, 255, 255), 1.5))
        painter.drawEllipse(QPointF(x, y), 6, 6)

    def _pick(self, event, final: bool) -> None:
        x = min(max(event.position().x(), 0), PICKER_SIZE - 1)
        y = min(max(event.position().y(), 0), PICKER_SIZE - 1)
        self.ab = position_to_ab(x, y, PICKER_SIZE)
        self.update()
        self.picked.emit(self.ab[0], self.ab[1], final)

    def mousePressEvent(self, event) -> None:
        self._pick(event, False)

    def mouseMoveEvent(self, event) -> None:
        if event.buttons() & Qt.MouseButton.LeftButton:
            self._pick(event, False)

    def mouseReleaseEvent(self, event) -> None:
        self._pick(event, True)


class Swatch(QToolButton):
    """A colour button carrying an ab value; it paints its own colour."""

    def __init__(self, rgb: tuple[int, int, int], ab: tuple[float, float], tip: str, side: int = 30) -> None:
        super().__init__()
        self.ab = ab
        self.rgb = rgb
        self.selected = False
        """It holds the current colour: outlined. (A click leaves no focus behind: a focus outline
        stayed on the clicked widget after the next result gave it another colour.)"""
        self.setFixedSize(QSize(side, side))
        self.setAttribute(Qt.WidgetAttribute.WA_Hover)
        self.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.set_color(rgb, ab, tip)

    def set_color(self, rgb: tuple[int, int, int], ab: tuple[float, float], tip: str) -> None:
        """Show another colour. Widgets are reused and painted directly: building swatches for every
        result, or restyling them (recent colours change at every step of a drag), stalled the window."""
        self.ab = ab
        self.setToolTip(tip)
        if rgb != self.rgb:
            self.rgb = rgb
            self.update()

    def set_selected(self, selected: bool) -> None:
        """Outline it as the current colour, or not."""
        if selected != self.selected:
            self.selected = selected
            self.update()

    def paintEvent(self, event) -> None:
        if self.underMouse() or self.hasFocus() or self.selected:
            _paint_color(self, self.rgb, QColor(255, 200, 0), 2.0, 3.0)
        else:
            _paint_color(self, self.rgb, _border_for(self.rgb), 1.0, 3.0)


class ColorBar(QWidget):
    """The current colour, as a bar."""

    def __init__(self) -> None:
        super().__init__()
        self.rgb = (128, 128, 128)
        self.setFixedHeight(34)

    def set_color(self, rgb: tuple[int, int, int]) -> None:
        if rgb != self.rgb:
            self.rgb = rgb
            self.update()

    def paintEvent(self, event) -> None:
        _paint_color(self, self.rgb, QColor(136, 136, 136), 1.0, 4.0)


def _border_for(rgb: tuple[int, int, int]) -> QColor:
    return QColor(0, 0, 0) if sum(rgb) > 380 else QColor(221, 221, 221)


def _paint_color(widget: QWidget, rgb: tuple[int, int, int], border: QColor, width: float, radius: float) -> None:
    painter = QPainter(widget)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(QPen(border, width))
    painter.setBrush(QColor(*rgb))
    inset = width / 2
    painter.drawRoundedRect(QRectF(widget.rect()).adjusted(inset, inset, -inset, -inset), radius, radius)
    painter.end()


class ColorPanel(QWidget):
    """Emits ``color_chosen(a, b, final)`` whatever the source of the choice."""

    color_chosen = Signal(float, float, bool)
    eyedropper_toggled = Signal(bool)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Preferred)
        layout = QVBoxLayout(self)
        self.current = ColorBar()
        self.current_caption = QLabel("Colour for new hints")
        layout.addWidget(self.current_caption)
        layout.addWidget(self.current)
        self.picker = GamutPicker()
        self.picker.picked.connect(self.color_chosen)
        layout.addWidget(self.picker, alignment=Qt.AlignmentFlag.AlignHCenter)
        self.lightness_label = QLabel()
        self.lightness_label.setStyleSheet("color: gray;")
        self.lightness_label.setWordWrap(True)
        layout.addWidget(self.lightness_label)

        layout.addWidget(_heading("Suggested here"))
        self.suggestion_hint = QLabel(
            "Select or add a hint, stroke or lasso to see the colours the network suggests there."
        )
        self.suggestion_hint.setWordWrap(True)
        self.suggestion_hint.setStyleSheet("color: gray;")
        layout.addWidget(self.suggestion_hint)
        suggestions = QGridLayout()
        suggestions.setSpacing(4)
        layout.addLayout(suggestions)
        self._suggestion_pool = [self._swatch(36) for _ in range(SUGGESTIONS)]
        for i, swatch in enumerate(self._suggestion_pool):
            suggestions.addWidget(swatch, i // 5, i % 5)
        predicted_row = QHBoxLayout()
        self._predicted_label = QLabel("Network predicts:")
        self._predicted = self._swatch(30)
        predicted_row.addWidget(self._predicted_label)
        predicted_row.addWidget(self._predicted)
        predicted_row.addStretch(1)
        layout.addLayout(predicted_row)

        layout.addWidget(_heading("Recent"))
        recent_row = QHBoxLayout()
        recent_row.setSpacing(4)
        self._recent_pool = [self._swatch(RECENT_SWATCH_SIDE) for _ in range(MAX_RECENT_COLORS)]
        for swatch in self._recent_pool:
            recent_row.addWidget(swatch)
        recent_row.addStretch(1)
        layout.addLayout(recent_row)

        buttons = QHBoxLayout()
        self.more = QPushButton("More colours…")
        self.more.clicked.connect(self._open_dialog)
        self.eyedropper = QPushButton("Eyedropper")
        self.eyedropper.setCheckable(True)
        self.eyedropper.setToolTip("Pick a colour from the result view (I)")
        self.eyedropper.toggled.connect(self.eyedropper_toggled)
        buttons.addWidget(self.more)
        buttons.addWidget(self.eyedropper)
        layout.addLayout(buttons)
        layout.addStretch(1)
        margins = layout.contentsMargins()
        # As wide as its widest row, a full row of recent colours, whether shown yet or not.
        recent_row_width = MAX_RECENT_COLORS * RECENT_SWATCH_SIDE + (MAX_RECENT_COLORS - 1) * recent_row.spacing()
        self.setMinimumWidth(margins.left() + margins.right() + max(PICKER_SIZE, recent_row_width))
        self.suggestion_swatches: list[Swatch] = []
        """The swatches shown now (the pools keep hidden ones for later results)."""
        self.predicted_swatch: Swatch | None = None
        self.recent_swatches: list[Swatch] = []
        self._recent_shown: list[tuple[tuple[float, float], tuple[int, int, int]]] | None = None
        self._current_ab: tuple[float, float] | None = None
        self.show_palette(None)
        self.show_recent([])

    def _mark_current(self) -> None:
        """Outline the swatches that hold the current colour, and only those."""
        for swatch in [*self.suggestion_swatches, *self.recent_swatches]:
            swatch.set_selected(
                self._current_ab is not None
                and abs(swatch.ab[0] - self._current_ab[0]) < 0.5
                and abs(swatch.ab[1] - self._current_ab[1]) < 0.5
            )
        for swatch in [*self._suggestion_pool, *self._recent_pool]:
            if swatch.isHidden():
                swatch.set_selected(False)

    def _swatch(self, side: int) -> Swatch:
        swatch = Swatch((128, 128, 128), (0.0, 0.0), "", side=side)
        swatch.clicked.connect(lambda _=False: self.color_chosen.emit(swatch.ab[0], swatch.ab[1], True))
        swatch.hide()
        return swatch

    def show_current(
        self, rgb: tuple[int, int, int], ab: tuple[float, float], lightness: float, caption: str, detail: str
    ) -> None:
        self.current.set_color(rgb)
        self.current.setToolTip(f"a = {ab[0]:.0f}, b = {ab[1]:.0f} at L = {lightness:.0f}")
        self.current_caption.setText(caption)
        self.picker.set_lightness(lightness)
        self.picker.set_ab(ab)
        self.lightness_label.setText(detail)
        self._current_ab = ab
        self._mark_current()

    def show_palette(self, palette: Palette | None) -> None:
        """The suggested colours and the prediction at the probe, or the hint to select one."""
        self.suggestion_hint.setVisible(palette is None)
        suggestions = palette.suggestions[:SUGGESTIONS] if palette is not None else []
        for swatch, s in zip(self._suggestion_pool, suggestions, strict=False):
            swatch.set_color(s.rgb, s.ab, f"{s.probability:.0%} of the network's belief here")
        _show_first(self._suggestion_pool, len(suggestions))
        self.suggestion_swatches = self._suggestion_pool[: len(suggestions)]
        self._mark_current()
        self._predicted_label.setVisible(palette is not None)
        if palette is None:
            self._predicted.hide()
            self.predicted_swatch = None
            return
        p = palette.predicted
        self._predicted.set_color(p.rgb, p.ab, "The colour the network currently predicts here")
        self._predicted.show()
        self.predicted_swatch = self._predicted

    def show_recent(self, colors: list[tuple[tuple[float, float], tuple[int, int, int]]]) -> None:
        """The recent colours, newest first, as they look at the current lightness."""
        colors = colors[:MAX_RECENT_COLORS]
        if colors == self._recent_shown:  # called on every drag step: touch no widget then
            return
        self._recent_shown = colors
        for swatch, (ab, rgb) in zip(self._recent_pool, colors, strict=False):
            swatch.set_color(rgb, ab, f"a = {ab[0]:.0f}, b = {ab[1]:.0f}")
        _show_first(self._recent_pool, len(colors))
        self.recent_swatches = self._recent_pool[: len(colors)]
        self._mark_current()

    def _open_dialog(self) -> None:
        color = QColorDialog.getColor(parent=self, title="Hint colour")
        if color.isValid():
            lab = rgb_to_lab_np(np.array([color.redF(), color.greenF(), color.blueF()]))
            self.color_chosen.emit(float(lab[1]), float(lab[2]), True)


def _heading(text: str) -> QLabel:
    label = QLabel(f"<b>{text}</b>")
    label.setContentsMargins(0, 8, 0, 0)
    return label


def _show_first(swatches: list[Swatch], count: int) -> None:
    for i, swatch in enumerate(swatches):
        swatch.setVisible(i < count)
