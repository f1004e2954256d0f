"""The init panel's pictures of a matrix, shared with the Compare dialog: the statistics
under the histograms, and the small histogram plot itself."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QSizePolicy


def stats_html(stats) -> str:
    """The numbers under the histograms, for the panel and the Compare view."""
    cosine = "n/a" if np.isnan(stats.mean_cosine) else f"{stats.mean_cosine:.3f}"
    sample = f" ({stats.cosine_rows:,} rows)" if stats.cosine_rows < stats.rows else ""
    rank_sample = f" ({stats.rank_rows:,} rows)" if stats.rank_rows < stats.rows else ""
    text = (f"mean <b>{stats.mean:.3g}</b> · std <b>{stats.std:.3g}</b><br>"
            f"row norm <b>{stats.norm_mean:.3g}</b> ± {stats.norm_std:.2g}<br>"
            f"mean cosine <b>{cosine}</b>{sample}<br>"
            f"effective rank <b>{stats.effective_rank:.1f}</b> of {min(stats.rows, stats.dim)}{rank_sample}")
    if stats.identical_rows:
        text += "<br><span style='color:#c5221f'>every row is identical: tokens cannot be told apart</span>"
    return text


class HistogramPlot(pg.PlotWidget):
    """A small filled step histogram with a title."""

    def __init__(self, title: str, color=(31, 119, 180), height: int = 110, parent=None) -> None:
        super().__init__(parent=parent, background="w")
        self.setMinimumHeight(height)
        self.setMaximumHeight(height)
        self.setMinimumWidth(60)
        self.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Fixed)
        self.setMenuEnabled(False)
        self.setMouseEnabled(False, False)
        self.hideButtons()
        item = self.getPlotItem()
        item.setTitle(f"<span style='font-size:8pt;color:#444'>{title}</span>")
        item.titleLabel.setMaximumHeight(16)
        item.layout.setRowFixedHeight(0, 16)
        font = self.font()
        font.setPointSizeF(7)
        for name in ("bottom", "left"):
            axis = item.getAxis(name)
            axis.setStyle(tickFont=font, tickLength=-3)
            axis.setTextPen(pg.mkPen("#555"))
            axis.setPen(pg.mkPen("#999"))
        item.hideAxis("left")
        self.curve = pg.PlotDataItem(stepMode="center", fillLevel=0, pen=pg.mkPen(color, width=1),
                                     brush=pg.mkBrush(*color, 110))
        self.addItem(self.curve)
        self.counts: np.ndarray | None = None
        self.edges: np.ndarray | None = None

    def clear_histogram(self) -> None:
        """No bars: the figures of the matrix shown are still being computed."""
        self.counts = self.edges = None
        self.curve.setData([], [])

    def set_histogram(self, counts: np.ndarray, edges: np.ndarray, x_range: tuple[float, float] | None = None) -> None:
        self.counts, self.edges = counts, edges
        self.curve.setData(edges, counts)
        if x_range is not None:
            self.setXRange(*x_range, padding=0.02)
        else:
            self.setXRange(float(edges[0]), float(edges[-1]), padding=0.02)
        self.setYRange(0, max(1, float(counts.max())), padding=0.05)
