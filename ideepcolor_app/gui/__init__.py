"""PySide6 widgets over the Qt-free core: they render the document and forward input."""

import os

os.environ.setdefault("QT_DRIVER", "PySide6")  # qimage2ndarray otherwise looks for PyQt5 first
