"""The "Variations" panel: several plausible colourings of the photo as thumbnails, and More.

It renders what :mod:`.variations_actions` hands it and forwards clicks; the work happens there.
"""

from __future__ import annotations

import numpy as np
import qimage2ndarray
from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QPushButton, QToolButton, QVBoxLayout, QWidget

from ..colour.variations import VARIATIONS

THUMBNAIL_SIDE = 80
"""Longest side of a thumbnail: three fit side by side in the colour panel's width."""
COLUMNS = 3


class VariationsPanel(QWidget):
    """Up to :data:`VARIATIONS` thumbnails (click one to adopt it), a More button and a note.

    Signals: ``adopt(index)``, ``more()``.
    """

    adopt = Signal(int)
    more = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 8)
        heading = QHBoxLayout()
        heading.addWidget(QLabel("<b>Variations</b>"))
        heading.addStretch(1)
        self.more_button = QPushButton("More")
        self.more_button.setToolTip("Draw another set of plausible colourings (M)")
        self.more_button.clicked.connect(self.more)
        heading.addWidget(self.more_button)
        layout.addLayout(heading)
        grid = QGridLayout()
        grid.setSpacing(4)
        self.buttons: list[QToolButton] = []
        for index in range(VARIATIONS):
            button = QToolButton()
            button.setIconSize(QSize(THUMBNAIL_SIDE, THUMBNAIL_SIDE))
            button.setAutoRaise(True)
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
            button.clicked.connect(lambda _=False, i=index: self.adopt.emit(i))
            button.setVisible(False)
            grid.addWidget(button, index // COLUMNS, index % COLUMNS)
            self.buttons.append(button)
        layout.addLayout(grid)
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setStyleSheet("color: palette(mid)")
        layout.addWidget(self.note)
        self.show_message("Open a photo to see other plausible colourings of it.")

    def show_variations(self, pictures: list[np.ndarray], tips: list[str], note: str) -> None:
        """Show ``pictures`` (RGB uint8 thumbnails) as buttons, with a tooltip each, and ``note``."""
        for index, button in enumerate(self.buttons):
            if index < len(pictures):
                picture = np.ascontiguousarray(pictures[index])
                button.setIcon(QIcon(QPixmap.fromImage(qimage2ndarray.array2qimage(picture))))
                button.setIconSize(QSize(picture.shape[1], picture.shape[0]))
                button.setToolTip(tips[index])
                button.setVisible(True)
                button.setEnabled(True)
            else:
                button.setVisible(False)
        self.note.setText(note)

    def show_busy(self, note: str) -> None:
        """Keep the thumbnails on show but greyed out, with ``note``, while new ones are computed."""
        for button in self.buttons:
            button.setEnabled(False)
        self.note.setText(note)

    def show_message(self, note: str) -> None:
        """No thumbnails, only ``note`` (no photo, no uncertain colours, weights that cannot vary)."""
        for button in self.buttons:
            button.setVisible(False)
        self.note.setText(note)

    @property
    def shown(self) -> int:
        """How many thumbnails are on show."""
        return sum(not b.isHidden() for b in self.buttons)
