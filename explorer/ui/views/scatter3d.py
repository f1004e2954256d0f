"""The 3D projection view (OpenGL): the same points and colours, orbit and zoom."""

from __future__ import annotations

import numpy as np
import pyqtgraph.opengl as gl
from PySide6.QtGui import QColor, QFont

from explorer.ui.theme import Theme


class Scatter3D(gl.GLViewWidget):
    def __init__(self, theme: Theme, parent=None) -> None:
        super().__init__(parent=parent)
        self.theme = theme
        self.tokens: list[str] = []
        self._xyz = np.zeros((0, 3), dtype=np.float32)
        self._label_items: list[gl.GLTextItem] = []
        self.setBackgroundColor(QColor(theme.background))
        self.setCameraPosition(distance=3.0, elevation=20, azimuth=45)
        self.grid = gl.GLGridItem(color=(0, 0, 0, 40))
        self.addItem(self.grid)
        self.points = gl.GLScatterPlotItem(size=theme.point_size + 3, pxMode=True)
        self.points.setGLOptions("translucent")
        self.addItem(self.points)

    @property
    def point_count(self) -> int:
        return len(self._xyz)

    def set_points(self, xyz: np.ndarray, tokens: list[str], colors: np.ndarray) -> None:
        """Positions are scaled into a unit cube so the camera always frames them."""
        xyz = np.asarray(xyz, dtype=np.float32)[:, :3]
        extent = float(np.abs(xyz).max()) or 1.0
        self._xyz = xyz / extent
        self.tokens = list(tokens)
        self.points.setData(pos=self._xyz, color=np.asarray(colors, dtype=np.float32) / 255.0)

    def set_labels(self, ids: list[int]) -> None:
        for item in self._label_items:
            self.removeItem(item)
        font = QFont()
        font.setPointSize(self.theme.label_size)
        self._label_items = []
        for i in ids:
            if 0 <= i < len(self.tokens):
                item = gl.GLTextItem(pos=self._xyz[i], text=self.tokens[i],
                                     color=QColor(self.theme.foreground), font=font)
                self.addItem(item)
                self._label_items.append(item)
