"""The init race, seen: one small square scatter plot per run of "Compare inits", side by
side in a row, each showing the same sample of tokens in its
run's layout (explorer.core.training.race_view: computed in the worker, every plot facing
the same way), coloured as the main view colours them, moving as the runs train.

Each plot's points are created once and then only moved (`setData` on one item).
"""

from __future__ import annotations

import html

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

PLOT_MIN, PLOT_MAX = 64, 200  # a plot is square: its width, within these (pixels)


class RunPlot(QWidget):
    """One run: a title (scheme, loss) and its sample's points."""

    def __init__(self, name: str, title: str, color: str, parent=None) -> None:
        super().__init__(parent)
        self.name = name
        self.title_text = title
        self.color = color
        self.title = QLabel(textFormat=Qt.RichText)
        self.title.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Fixed)
        self.title.setStyleSheet("font-size: 7pt;")
        self.title.setFixedHeight(2 * self.title.fontMetrics().height() + 4)  # name, then status
        self.plot = pg.PlotWidget(background="w")
        self.plot.setFixedHeight(PLOT_MIN)
        self.plot.setMinimumWidth(PLOT_MIN)
        self.plot.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Fixed)
        self.plot.hideButtons()
        self.plot.setMenuEnabled(False)
        self.plot.setMouseEnabled(False, False)
        item = self.plot.getPlotItem()
        item.hideAxis("left")
        item.hideAxis("bottom")
        item.getViewBox().setAspectLocked(True)  # distance on screen means distance in the layout
        item.getViewBox().setBorder(pg.mkPen(color, width=2))
        self.points = pg.ScatterPlotItem(size=5, pen=None, pxMode=True)
        self.plot.addItem(self.points)
        self.xy = np.zeros((0, 2))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(1)
        layout.addWidget(self.title)
        layout.addWidget(self.plot)
        self.show_status("starting")

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        side = max(PLOT_MIN, min(PLOT_MAX, self.width()))
        if self.plot.height() != side:
            self.plot.setFixedHeight(side)  # square: a unit across equals a unit up

    def hasHeightForWidth(self) -> bool:  # noqa: N802 (Qt's name)
        return False

    def show_status(self, text: str, detail: str = "") -> None:
        self.status_text = text
        self.title.setText(f"<span style='color:{self.color}'>■</span> <b>{html.escape(self.title_text)}</b>"
                           f"<br>{html.escape(text)}")
        self.setToolTip(f"{self.title_text}: {detail or text}")

    def set_points(self, xy: np.ndarray, brushes) -> None:
        xy = np.asarray(xy, dtype=np.float64)
        if len(xy) == len(self.xy) and len(xy):
            self.points.setData(pos=xy)
            self.points.setBrush(brushes)  # setData(pos=) alone would reset them
        else:
            self.points.setData(pos=xy, brush=brushes)
        self.xy = xy
        self.fit()

    def fit(self) -> None:
        """All points in view (aspect locked: the longer side sets the range)."""
        if not len(self.xy) or not np.isfinite(self.xy).all():
            return
        lo, hi = self.xy.min(0), self.xy.max(0)
        span = np.maximum(hi - lo, 1e-9)
        self.plot.getViewBox().setRange(xRange=(lo[0] - 0.06 * span[0], hi[0] + 0.06 * span[0]),
                                        yRange=(lo[1] - 0.06 * span[1], hi[1] + 0.06 * span[1]), padding=0)


class RaceView(QWidget):
    """2-4 small plots, one per run, side by side."""

    def hasHeightForWidth(self) -> bool:  # noqa: N802 (Qt's name)
        return False

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setSpacing(4)
        self.plots: dict[str, RunPlot] = {}
        self.sample: np.ndarray | None = None
        self._brushes = []
        self.caption = QLabel(wordWrap=True)
        self.caption.setStyleSheet("font-size: 8pt;")
        self.caption.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Preferred)
        self.setVisible(False)

    def start(self, runs: dict[str, tuple[str, str]], colors: np.ndarray, sample: np.ndarray,
              total: int, legend_text: str = "") -> None:
        """One plot per run: {name: (title, frame colour)}; `colors` RGBA per token of the vocabulary."""
        self.clear()
        self.sample = np.asarray(sample, dtype=np.int64)
        rgba = np.asarray(colors, dtype=np.uint8).reshape(-1, 4)
        self._brushes = [pg.mkBrush(*map(int, rgba[i])) if i < len(rgba) else pg.mkBrush(120, 120, 120)
                         for i in self.sample]
        columns = len(runs)  # side by side
        for i, (name, (title, color)) in enumerate(runs.items()):
            plot = RunPlot(name, title, color)
            self.grid.addWidget(plot, i // columns, i % columns)
            self.plots[name] = plot
        rows = (len(runs) + columns - 1) // columns
        what = "all" if len(self.sample) == total else f"{len(self.sample):,} sampled of {total:,}"
        first = next(iter(runs.values()))[0] if runs else ""
        self.caption.setText(f"Each run's {what} tokens in its own principal plane, tracked as it trains "
                             f"and turned to match {first}'s{(' · ' + legend_text) if legend_text else ''}")
        self.grid.addWidget(self.caption, rows, 0, 1, columns)
        self.setVisible(True)

    def clear(self) -> None:
        for plot in self.plots.values():
            self.grid.removeWidget(plot)
            plot.setParent(None)
            plot.deleteLater()
        self.plots = {}
        self.grid.removeWidget(self.caption)

    def set_layout(self, name: str, xy: np.ndarray) -> None:
        if name in self.plots:
            self.plots[name].set_points(xy, self._brushes)

    def set_status(self, name: str, text: str, detail: str = "") -> None:
        if name in self.plots:
            self.plots[name].show_status(text, detail)
