"""The hint canvas: the photo with its hint patches, edited with mouse and wheel."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRect, QRectF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QPainter, QPen

from ..colour.encoding import NETWORK_SIZE
from ..editing.document import Document
from ..editing.editor import Editor
from ..hints.local_hints import Hint, hint_patch
from .image_view import ImageView

MIN_SCREEN_SIDE = 9  # a hint never draws smaller than this many screen pixels


class HintCanvas(ImageView):
    """Left click adds or selects (then drag moves), right click removes, wheel resizes.

    The canvas finds which hint is under the pointer and hands the gesture to the
    :class:`~ideepcolor_app.editing.editor.Editor`, which makes the edit; it redraws on the hints' events.
    """

    patch_step = Signal(int)

    def __init__(self, editor: Editor, parent=None) -> None:
        super().__init__(parent)
        self.editor = editor
        self.document: Document | None = None
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

    def set_document(self, document: Document) -> None:
        self.document = document
        document.hints.changed.connect(self.viewport().update)
        document.hints.selection_changed.connect(lambda _: self.viewport().update())

    def hint_rect(self, hint: Hint) -> QRectF:
        """The hint's patch in image coordinates, as the network sees it."""
        width, height = self.document.size  # type: ignore[union-attr]
        sx, sy = width / NETWORK_SIZE, height / NETWORK_SIZE
        top, left, bottom, right = hint_patch(hint, (width, height))
        rect = QRectF(left * sx, top * sy, (right - left) * sx, (bottom - top) * sy)
        minimum = MIN_SCREEN_SIDE / max(self.zoom, 1e-6)
        if rect.width() < minimum or rect.height() < minimum:
            centre = rect.center()
            side_x, side_y = max(rect.width(), minimum), max(rect.height(), minimum)
            rect = QRectF(centre.x() - side_x / 2, centre.y() - side_y / 2, side_x, side_y)
        return rect

    def hint_at(self, pos: QPointF) -> int | None:
        hints = self.document.hints if self.document else None
        if not hints:
            return None
        for i in range(len(hints) - 1, -1, -1):
            if self.hint_rect(hints[i]).adjusted(-2, -2, 2, 2).contains(pos):
                return i
        return None

    def drawForeground(self, painter: QPainter, rect: QRectF | QRect) -> None:
        super().drawForeground(painter, rect)
        if self.document is None:
            return
        hints = self.document.hints
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        for i, hint in enumerate(hints.hints):
            r, g, b = self.document.display_rgb(hint.ab, hint.x, hint.y)
            box = self.hint_rect(hint)
            luminance = 0.299 * r + 0.587 * g + 0.114 * b
            outline = QPen(QColor(0, 0, 0) if luminance > 140 else QColor(255, 255, 255), 0)
            outline.setCosmetic(True)
            outline.setWidthF(1.5)
            painter.setPen(outline)
            painter.setBrush(QBrush(QColor(r, g, b)))
            painter.drawRect(box)
            if i == hints.selected:
                ring = QPen(QColor(255, 200, 0), 0)
                ring.setCosmetic(True)
                ring.setWidthF(2.5)
                painter.setPen(ring)
                painter.setBrush(Qt.BrushStyle.NoBrush)
                pad = 4 / max(self.zoom, 1e-6)
                painter.drawRect(box.adjusted(-pad, -pad, pad, pad))

    def mousePressEvent(self, event) -> None:
        if self.document is None or event.button() == Qt.MouseButton.MiddleButton:
            super().mousePressEvent(event)
            return
        pos = self.scene_pos(event)
        index = self.hint_at(pos)
        if event.button() == Qt.MouseButton.RightButton:
            if index is not None:
                self.editor.remove_hint(index)
            event.accept()
            return
        if event.button() != Qt.MouseButton.LeftButton:
            return
        if self.editor.press(index, pos.x(), pos.y(), self.contains(pos)) or index is not None or self.contains(pos):
            event.accept()

    def mouseMoveEvent(self, event) -> None:
        if self.editor.dragging:
            pos = self.scene_pos(event)
            self.editor.drag_to(pos.x(), pos.y())
            event.accept()
            return
        if self.document is not None and self.hint_at(self.scene_pos(event)) is not None:
            self.setCursor(Qt.CursorShape.SizeAllCursor)
        elif self._pan_from is None:
            self.setCursor(Qt.CursorShape.CrossCursor)
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self.editor.dragging:
            self.editor.release()
            event.accept()
            return
        super().mouseReleaseEvent(event)

    def wheelEvent(self, event) -> None:
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            super().wheelEvent(event)
            return
        self.patch_step.emit(1 if event.angleDelta().y() > 0 else -1)
        event.accept()
