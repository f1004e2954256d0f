"""What the plots draw over the points, computed in workers: the current token's nearest
neighbours (in the full space), projection fidelity, cluster captions (issue #17)."""

from __future__ import annotations

from PySide6.QtCore import QObject


class PlotOverlays(QObject):
    def __init__(self, window) -> None:
        super().__init__(window)
        self.window = window
