"""ideepcolor-app: user-guided colorization (Zhang et al., SIGGRAPH 2017). Qt-free core."""

__version__ = "0.1.0"
