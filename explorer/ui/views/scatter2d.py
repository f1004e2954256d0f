"""The 2D projection view: one point per token, coloured, labelled, clickable."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Signal
from PySide6.QtGui import QColor, QFont

from explorer.ui.theme import Theme


class Scatter2D(pg.PlotWidget):
    """Create the items once, then only move coordinates (Orange3's lesson)."""

    point_clicked = Signal(int)

    def __init__(self, theme: Theme, parent=None) -> None:
        super().__init__(parent=parent, background=theme.background)
        self.theme = theme
        self.tokens: list[str] = []
        self.counts: np.ndarray | None = None
        self._xy = np.zeros((0, 2), dtype=np.float32)
        self._label_ids: list[int] = []
        self._label_items: list[pg.TextItem] = []
        self.showGrid(x=True, y=True, alpha=0.15)
        self.getPlotItem().setMenuEnabled(False)
        self.scatter = pg.ScatterPlotItem(
            size=theme.point_size, pen=None, hoverable=True, tip=self._tip,
            hoverPen=pg.mkPen(theme.foreground, width=2),
        )
        self.scatter.sigClicked.connect(self._on_clicked)
        self.addItem(self.scatter)
        self.legend = self.addLegend(offset=(10, 10), labelTextColor=theme.foreground,
                                     brush=pg.mkBrush(theme.legend_background))
        self._legend_items: list[pg.ScatterPlotItem] = []

    @property
    def point_count(self) -> int:
        return len(self.scatter.data)

    def set_points(self, xy: np.ndarray, tokens: list[str], colors: np.ndarray,
                   counts: np.ndarray | None = None) -> None:
        """Replace all points: positions (N x 2), tokens and RGBA colours (N x 4)."""
        self.tokens = list(tokens)
        self.counts = counts
        self._xy = np.asarray(xy, dtype=np.float32)
        brushes = [pg.mkBrush(*c) for c in np.asarray(colors, dtype=np.uint8)]
        self.scatter.setData(pos=self._xy, brush=brushes, data=np.arange(len(tokens)))
        self._place_labels()
        self.autoRange(padding=0.08)

    def set_positions(self, xy: np.ndarray) -> None:
        """Move the existing points (live training): no rebuild."""
        self._xy = np.asarray(xy, dtype=np.float32)
        self.scatter.setData(pos=self._xy, brush=self.scatter.data["brush"],
                             data=np.arange(len(self.tokens)))
        self._place_labels()

    def set_legend(self, entries: list[tuple[str, tuple[int, int, int, int]]]) -> None:
        self.legend.clear()
        self._legend_items = []
        for name, color in entries:
            swatch = pg.ScatterPlotItem(size=10, brush=pg.mkBrush(*color), pen=None)
            self._legend_items.append(swatch)
            self.legend.addItem(swatch, name)

    def set_axis_titles(self, x: str, y: str) -> None:
        style = {"color": self.theme.foreground, "font-size": f"{self.theme.font_size}pt"}
        self.setLabel("bottom", x, **style)
        self.setLabel("left", y, **style)

    def set_labels(self, ids: list[int]) -> None:
        """Show text labels for these token IDs."""
        for item in self._label_items:
            self.removeItem(item)
        font = QFont()
        font.setPointSize(self.theme.label_size)
        self._label_ids = [i for i in ids if 0 <= i < len(self.tokens)]
        self._label_items = []
        for i in self._label_ids:
            item = pg.TextItem(self.tokens[i], color=QColor(self.theme.foreground), anchor=(0.5, 1.2))
            item.setFont(font)
            self.addItem(item)
            self._label_items.append(item)
        self._place_labels()

    @property
    def labels(self) -> list[str]:
        return [item.toPlainText() for item in self._label_items]

    def _place_labels(self) -> None:
        for i, item in zip(self._label_ids, self._label_items):
            if i < len(self._xy):
                item.setPos(float(self._xy[i, 0]), float(self._xy[i, 1]))

    def _tip(self, x, y, data) -> str:
        i = int(data)
        text = f"{self.tokens[i]}\nID {i}"
        if self.counts is not None:
            text += f"\ncount {int(self.counts[i])}"
        return text

    def _on_clicked(self, _item, points, _event) -> None:
        if len(points):
            self.point_clicked.emit(int(points[0].data()))
