"""The hint canvas: the photo with its hint patches, strokes and lassos, edited with mouse and wheel."""

from __future__ import annotations

from PySide6.QtCore import QLineF, QPointF, QRect, QRectF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QPainter, QPainterPath, QPen, QPolygonF

from ..colour.encoding import NETWORK_SIZE
from ..editing.document import Document
from ..editing.editor import NEUTRAL_LIGHTNESS, Editor
from ..editing.hint_set import ShapeKind
from ..editing.tools import Tool
from ..hints.local_hints import Hint, hint_patch
from ..hints.strokes import brush_width
from .image_view import ImageView

MIN_SCREEN_SIDE = 9  # a hint never draws smaller than this many screen pixels
PICK_REACH = 4.0  # screen pixels around a stroke or outline that still pick it
SELECTED = QColor(255, 200, 0)


class HintCanvas(ImageView):
    """Left click adds or selects (then drag moves), right click removes, wheel resizes; with the
    editor's other tools, a drag paints a stroke, draws a lasso or erases, and a click selects a
    segment.

    The canvas finds which hint, stroke or lasso is under the pointer and hands the gesture to the
    :class:`~ideepcolor_app.editing.editor.Editor`, which makes the edit; it redraws on the hints' events.
    """

    patch_step = Signal(int)

    def __init__(self, editor: Editor, parent=None) -> None:
        super().__init__(parent)
        self.editor = editor
        self.document: Document | None = None
        self._pointer: QPointF | None = None
        """Where the pointer is over the photo, for the brush's outline."""
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

    def tool_changed(self, tool: Tool) -> None:
        """Show the tool's cursor (and, with the brush or eraser, its reach round the pointer)."""
        self._show_tool_cursor(tool)
        self.viewport().update()

    def _show_tool_cursor(self, tool: Tool) -> None:
        self.setCursor(Qt.CursorShape.PointingHandCursor if tool is Tool.WAND else Qt.CursorShape.CrossCursor)

    def shape_at(self, pos: QPointF) -> tuple[ShapeKind, int] | None:
        """The topmost stroke under ``pos``, else the smallest lasso that holds it or whose outline is
        near it; None if there is none."""
        hints = self.document.hints if self.document else None
        if hints is None:
            return None
        reach = PICK_REACH / max(self.zoom, 1e-6)
        x, y = pos.x(), pos.y()
        for i in range(len(hints.strokes) - 1, -1, -1):
            if hints.strokes[i].distance_to(x, y) <= reach:
                return "stroke", i
        holding = [(r.area, i) for i, r in enumerate(hints.regions) if r.signed_distance(x, y) >= -reach]
        return ("region", min(holding)[1]) if holding else None

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
        self._draw_shapes(painter)
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

    def _draw_shapes(self, painter: QPainter) -> None:
        """Strokes as painted bands, coloured lassos tinted inside, protected ones hatched; the
        selected one ringed; the outline being drawn dashed; the brush's reach round the pointer."""
        document, editor = self.document, self.editor
        hints = document.hints  # type: ignore[union-attr]
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        selected = hints.selected_shape
        for i, region in enumerate(hints.regions):
            polygon = QPolygonF([QPointF(x, y) for x, y in region.polygon])
            if region.ab is None:
                fill = QBrush(QColor(255, 255, 255, 150), Qt.BrushStyle.BDiagPattern)
                edge = QColor(230, 230, 230)
            else:
                r, g, b = document.rgb_at_lightness(region.ab, NEUTRAL_LIGHTNESS)  # type: ignore[union-attr]
                fill, edge = QBrush(QColor(r, g, b, 70)), QColor(r, g, b)
            painter.setBrush(fill)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.drawPolygon(polygon)  # odd-even fill: a hole joined to the outside by a cut stays empty
            painter.setPen(
                _cosmetic(
                    SELECTED if selected == ("region", i) else edge,
                    2.5 if selected == ("region", i) else 1.5,
                    Qt.PenStyle.DashLine,
                )
            )
            painter.drawLines([QLineF(QPointF(*a), QPointF(*b)) for a, b in region.drawn_edges()])
        for i, stroke in enumerate(hints.strokes):
            path = QPainterPath(QPointF(*stroke.points[0]))
            for x, y in stroke.points[1:]:
                path.lineTo(x, y)
            if len(stroke.points) == 1:
                path.lineTo(stroke.points[0][0] + 1e-3, stroke.points[0][1])
            if selected == ("stroke", i):
                ring = QPen(SELECTED, stroke.width + 6 / max(self.zoom, 1e-6))
                ring.setCapStyle(Qt.PenCapStyle.RoundCap)
                ring.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
                painter.strokePath(path, ring)
            r, g, b = document.rgb_at_lightness(stroke.ab, NEUTRAL_LIGHTNESS)  # type: ignore[union-attr]
            band = QPen(QColor(r, g, b, 200), stroke.width)
            band.setCapStyle(Qt.PenCapStyle.RoundCap)
            band.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
            painter.strokePath(path, band)
        if len(editor.outline) > 1:
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.setPen(_cosmetic(QColor(255, 255, 255), 1.5, Qt.PenStyle.DashLine))
            painter.drawPolyline(QPolygonF([QPointF(x, y) for x, y in editor.outline]))
        if editor.tool in (Tool.BRUSH, Tool.ERASER) and self._pointer is not None:
            radius = brush_width(editor.brush_size, document.size) / 2  # type: ignore[union-attr]
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.setPen(_cosmetic(QColor(255, 255, 255), 1.0))
            painter.drawEllipse(self._pointer, radius, radius)

    def mousePressEvent(self, event) -> None:
        if self.document is None or event.button() == Qt.MouseButton.MiddleButton:
            super().mousePressEvent(event)
            return
        pos = self.scene_pos(event)
        index = self.hint_at(pos)
        shape = self.shape_at(pos) if index is None else None
        if event.button() == Qt.MouseButton.RightButton:
            if index is not None:
                self.editor.remove_hint(index)
            elif shape is not None:
                self.editor.remove_shape(*shape)
            event.accept()
            return
        if event.button() != Qt.MouseButton.LeftButton:
            return
        extend = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
        started = self.editor.press(index, pos.x(), pos.y(), self.contains(pos), shape, extend)
        if started or index is not None or self.contains(pos):
            event.accept()

    def mouseMoveEvent(self, event) -> None:
        pos = self.scene_pos(event)
        if self.editor.tool in (Tool.BRUSH, Tool.ERASER):
            self._pointer = pos
            self.viewport().update()
        if self.editor.dragging:
            self.editor.drag_to(pos.x(), pos.y())
            event.accept()
            return
        if (
            self.editor.tool is Tool.POINT
            and self.document is not None
            and (self.hint_at(pos) is not None or self.shape_at(pos) is not None)
        ):
            self.setCursor(Qt.CursorShape.SizeAllCursor)
        elif self._pan_from is None:
            self._show_tool_cursor(self.editor.tool)  # no repaint: the pointer only moved
        super().mouseMoveEvent(event)

    def leaveEvent(self, event) -> None:
        self._pointer = None
        self.viewport().update()
        super().leaveEvent(event)

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


def _cosmetic(colour: QColor, width: float, style: Qt.PenStyle = Qt.PenStyle.SolidLine) -> QPen:
    """A pen as wide on screen at any zoom."""
    pen = QPen(colour, 0, style)
    pen.setCosmetic(True)
    pen.setWidthF(width)
    return pen
