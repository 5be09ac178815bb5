"""The canvas's tools: what a press, a drag and a release on the photo do."""

from __future__ import annotations

from enum import Enum


class Tool(str, Enum):
    """What the left mouse button does on the photo."""

    POINT = "point"
    """Add, select and drag point hints; select and move strokes and lassos."""
    BRUSH = "brush"
    """Paint a stroke of the current colour."""
    LASSO = "lasso"
    """Draw an outline that holds the current colour to its inside."""
    PROTECT = "protect"
    """Draw an outline that keeps out colours painted elsewhere."""
    WAND = "wand"
    """Select the segment under the click as a lasso (Shift extends the selected one)."""
    ERASER = "eraser"
    """Delete the strokes the pointer passes over."""

    @property
    def label(self) -> str:
        """What the status bar calls the tool."""
        return _LABELS[self]


_LABELS = {
    Tool.POINT: "Point hints",
    Tool.BRUSH: "Brush",
    Tool.LASSO: "Lasso",
    Tool.PROTECT: "Protect",
    Tool.WAND: "Magic wand",
    Tool.ERASER: "Eraser",
}

BRUSH_SIZES = (1, 3, 5, 7, 9, 13, 17, 25, 33)
"""Brush widths offered, in pixels at the network's 256 (so a brush covers the same share of any photo)."""
DEFAULT_BRUSH_SIZE = 5
ERASER_REACH = 4.0
"""The eraser also takes strokes this many screen-independent photo-pixel units beyond its brush."""
