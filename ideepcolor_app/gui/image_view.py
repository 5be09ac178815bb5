"""A zoomable, pannable view of an image whose scene coordinates are full-resolution pixels."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPixmap, QTransform, QWheelEvent
from PySide6.QtWidgets import QGraphicsPixmapItem, QGraphicsScene, QGraphicsView

MIN_ZOOM, MAX_ZOOM = 0.02, 32.0


class ImageView(QGraphicsView):
    """Shows an RGB array; a smaller preview is stretched to cover the full image size.

    Ctrl+wheel zooms about the cursor, the middle button (or Space+drag) pans.
    ``view_changed`` fires after any zoom or scroll so views can be kept in sync.
    """

    view_changed = Signal()
    scene_clicked = Signal(QPointF)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setScene(QGraphicsScene(self))
        self._item = QGraphicsPixmapItem()
        self._item.setTransformationMode(Qt.TransformationMode.SmoothTransformation)
        self.scene().addItem(self._item)
        self.image_size: tuple[int, int] | None = None
        self.placeholder = ""
        """Shown in the middle of the view while it has no image."""
        self._shown: np.ndarray | None = None
        self.fit_mode = True
        self._pan_from: QPointF | None = None
        self.setBackgroundBrush(QColor(38, 38, 42))
        self.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.FullViewportUpdate)
        self.horizontalScrollBar().valueChanged.connect(self.view_changed)
        self.verticalScrollBar().valueChanged.connect(self.view_changed)

    def set_image(self, rgb: np.ndarray, image_size: tuple[int, int]) -> None:
        """Display ``rgb`` (H, W, 3 uint8) stretched over ``image_size`` (width, height) pixels."""
        if rgb is self._shown and image_size == self.image_size:
            return  # already on screen: re-uploading a large pixmap would stall the window
        self._shown = rgb
        new_size = image_size != self.image_size
        self._item.setPixmap(_pixmap(rgb))
        self._item.setTransform(QTransform.fromScale(image_size[0] / rgb.shape[1], image_size[1] / rgb.shape[0]))
        self.image_size = image_size
        self.scene().setSceneRect(0, 0, *image_size)
        if new_size:
            self.fit_mode = True
        if self.fit_mode:
            self.fit()
        self.viewport().update()

    def drawForeground(self, painter: QPainter, rect) -> None:
        if self.image_size is None and self.placeholder:
            painter.save()
            painter.resetTransform()
            painter.setPen(QColor(170, 170, 175))
            painter.drawText(
                self.viewport().rect(), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self.placeholder
            )
            painter.restore()

    @property
    def zoom(self) -> float:
        return self.transform().m11()

    def screen_side(self) -> float:
        """Device pixels the image's long side covers at the current zoom (0 without an image)."""
        if self.image_size is None:
            return 0.0
        return max(self.image_size) * self.zoom * self.devicePixelRatioF()

    def fit(self) -> None:
        if self.image_size:
            self.fitInView(self.scene().sceneRect(), Qt.AspectRatioMode.KeepAspectRatio)
            self.fit_mode = True
            self.view_changed.emit()

    def set_zoom(self, zoom: float) -> None:
        zoom = min(max(zoom, MIN_ZOOM), MAX_ZOOM)
        self.setTransform(QTransform.fromScale(zoom, zoom))
        self.fit_mode = False
        self.view_changed.emit()

    def zoom_by(self, factor: float) -> None:
        self.set_zoom(self.zoom * factor)

    def copy_view_from(self, other: ImageView) -> None:
        """Match another view's zoom and scroll position (keeps them in sync)."""
        self.blockSignals(True)
        self.setTransform(other.transform())
        self.fit_mode = other.fit_mode
        self.horizontalScrollBar().setValue(other.horizontalScrollBar().value())
        self.verticalScrollBar().setValue(other.verticalScrollBar().value())
        self.blockSignals(False)

    def scene_pos(self, event) -> QPointF:
        return self.mapToScene(event.position().toPoint())

    def contains(self, pos: QPointF) -> bool:
        return self.image_size is not None and 0 <= pos.x() < self.image_size[0] and 0 <= pos.y() < self.image_size[1]

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self.fit_mode:
            self.fit()

    def wheelEvent(self, event: QWheelEvent) -> None:
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self.zoom_by(1.25 if event.angleDelta().y() > 0 else 0.8)
            event.accept()
        else:
            super().wheelEvent(event)

    def mousePressEvent(self, event) -> None:
        if event.button() == Qt.MouseButton.MiddleButton:
            self._pan_from = event.position()
            self.setCursor(Qt.CursorShape.ClosedHandCursor)
            event.accept()
            return
        if event.button() == Qt.MouseButton.LeftButton and self.contains(self.scene_pos(event)):
            self.scene_clicked.emit(self.scene_pos(event))
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event) -> None:
        if self._pan_from is not None:
            delta = event.position() - self._pan_from
            self._pan_from = event.position()
            self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() - int(delta.x()))
            self.verticalScrollBar().setValue(self.verticalScrollBar().value() - int(delta.y()))
            event.accept()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event) -> None:
        if event.button() == Qt.MouseButton.MiddleButton and self._pan_from is not None:
            self._pan_from = None
            self.unsetCursor()
            event.accept()
            return
        super().mouseReleaseEvent(event)


_last_pixmap: tuple[np.ndarray, QPixmap] | None = None


def _pixmap(rgb: np.ndarray) -> QPixmap:
    """``rgb`` as a pixmap, converted once when both views show the same array (a photo just
    opened, or the result on the canvas too): a 3 MP conversion is about 20 ms of the GUI thread."""
    global _last_pixmap
    if _last_pixmap is None or _last_pixmap[0] is not rgb:
        _last_pixmap = (rgb, QPixmap.fromImage(rgb_qimage(rgb)))  # the array is held, so `is` stays true
    return _last_pixmap[1]


def rgb_qimage(rgb: np.ndarray) -> QImage:
    """An (H, W, 3) uint8 array as a QImage that owns a copy of the pixels.

    Wrapping the array as 24-bit RGB and copying takes 0.2 ms for a 1024x768 result, where
    qimage2ndarray's conversion to 32-bit took 5 to 8 ms on the GUI thread at every update.
    """
    rgb = np.ascontiguousarray(rgb)
    height, width, _ = rgb.shape
    return QImage(rgb.data, width, height, 3 * width, QImage.Format.Format_RGB888).copy()
