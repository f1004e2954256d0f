"""The Training dock's plots: the loss curve (one run, or one curve per init in a race)
and, under it on the same step axis, the neighbourhood-stability curve (0..1).

The plots follow their data: every update sets the view to all of it (nothing falls
below the plot), and the latest value is also written as a number above the plot
("loss 2.4700 at step 1,200"). The legend lists only curves that have a name and data
(a single run's curve needs none: the axis says "loss").

    plot = LossPlot()
    plot.set_loss(steps, losses)                 # a run
    plot.set_stability(steps, values, sample=500)
    plot.start_race({"normal": "#1f77b4", ...}); plot.set_race_curve("normal", steps, losses)
    plot.mark_step(1200)                         # the timeline's step (None: no mark)
"""

from __future__ import annotations

import html
import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QSizePolicy, QVBoxLayout, QWidget

LOSS_COLOR = "#1f77b4"
STABILITY_COLOR = "#2ca02c"
LOSS_MIN_HEIGHT = 120
STABILITY_MIN_HEIGHT = 70
PAD = 0.05  # of the data's extent, on each side


def data_range(values: np.ndarray, pad: float = PAD) -> tuple[float, float]:
    """(low, high) covering every finite value with `pad` of the extent on each side."""
    values = np.asarray(values, dtype=np.float64)
    values = values[np.isfinite(values)]
    if not len(values):
        return 0.0, 1.0
    lo, hi = float(values.min()), float(values.max())
    span = hi - lo
    if span <= 0:
        span = abs(hi) * 0.1 or 1.0
    return lo - pad * span, hi + pad * span


def _plot_widget(min_height: int) -> pg.PlotWidget:
    widget = pg.PlotWidget(background="w")
    widget.setMinimumHeight(min_height)
    widget.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Expanding)
    widget.hideButtons()  # the view always fits the data: no "A" button to press
    item = widget.getPlotItem()
    item.showGrid(x=True, y=True, alpha=0.15)
    for name in ("bottom", "left"):
        item.getAxis(name).setTextPen(pg.mkPen("#444"))
        item.getAxis(name).setPen(pg.mkPen("#888"))
    return widget


def _number(value: float) -> str:
    return "—" if value is None or not math.isfinite(value) else f"{value:.4f}"


class LossPlot(QWidget):
    """Loss (and stability) against step, always showing all their data."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.value_label = QLabel("loss — (no run yet)", textFormat=Qt.RichText)
        self.value_label.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Fixed)
        self.plot = _plot_widget(LOSS_MIN_HEIGHT)
        self.plot.setLabel("left", "loss")
        self.plot.setLabel("bottom", "step")
        # top right, over headroom that fit() leaves above the curves for it
        self.legend = self.plot.addLegend(offset=(-4, 4), labelTextSize="7pt", verSpacing=-6,
                                          brush=pg.mkBrush(255, 255, 255, 170))
        self.curve = pg.PlotDataItem(pen=pg.mkPen(LOSS_COLOR, width=2))
        self.plot.addItem(self.curve)  # not through plot(name=...): no legend entry for one run
        self.marker = pg.InfiniteLine(angle=90, movable=False, pen=pg.mkPen("#d62728", width=1, style=Qt.DashLine))
        self.marker.setVisible(False)
        self.plot.addItem(self.marker, ignoreBounds=True)

        self.stability_plot = _plot_widget(STABILITY_MIN_HEIGHT)
        self.stability_plot.setLabel("left", "stability")
        self.stability_plot.setXLink(self.plot)
        self.stability_plot.setYRange(0.0, 1.0, padding=0.1)
        self.stability_plot.setMouseEnabled(x=True, y=False)
        self.stability_plot.getAxis("left").setTicks([[(0.0, "0"), (0.5, "0.5"), (1.0, "1")]])
        self.stability_curve = pg.PlotDataItem(pen=pg.mkPen(STABILITY_COLOR, width=2), symbol="o",
                                               symbolSize=3, symbolBrush=STABILITY_COLOR,
                                               symbolPen=None)
        self.stability_plot.addItem(self.stability_curve)
        self.stability_caption = QLabel(wordWrap=True)
        self.stability_caption.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Preferred)
        self.stability_caption.setStyleSheet("font-size: 8pt;")

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.value_label)
        layout.addWidget(self.plot, 3)
        layout.addWidget(self.stability_caption)
        layout.addWidget(self.stability_plot, 2)

        self.steps = np.zeros(0)
        self.losses = np.zeros(0)
        self.stability_steps = np.zeros(0)
        self.stability = np.zeros(0)
        self.stability_sample = 0
        self.race_colors: dict[str, str] = {}
        self.race_names: dict[str, str] = {}
        self.race_items: dict[str, pg.PlotDataItem] = {}
        self.race_data: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._show_stability_caption()
        self._set_stability_visible(False)
        self._rebuild_legend()

    def hasHeightForWidth(self) -> bool:  # noqa: N802 (Qt's name)
        """No: the dock's scroll area would then give the panel its preferred height, not the dock's."""
        return False

    # -- one run ------------------------------------------------------------------
    @property
    def racing(self) -> bool:
        return bool(self.race_items)

    def set_loss(self, steps, losses) -> None:
        """A run's loss curve (steps > 0 with a finite loss are drawn)."""
        steps, losses = self._finite(steps, losses)
        self.steps, self.losses = steps, losses
        self.curve.setData(steps, losses)
        self.curve.setVisible(not self.racing)
        self._show_value()
        self.fit()

    def set_stability(self, steps, values, sample: int = 0) -> None:
        """The neighbourhood-stability curve (values 0..1), over `sample` sampled tokens."""
        steps, values = self._finite(steps, values)
        self.stability_steps, self.stability = steps, values
        self.stability_sample = int(sample or 0)
        self.stability_curve.setData(steps, values)
        self._set_stability_visible(len(values) > 0 and not self.racing)
        self._show_stability_caption()
        self.fit()

    def clear(self) -> None:
        """No run: no curves, no race, no mark."""
        self.end_race()
        self.set_stability([], [])
        self.set_loss([], [])
        self.mark_step(None)

    def mark_step(self, step: int | None) -> None:
        """A dashed line at the step the timeline shows (None: hidden)."""
        self.marker.setVisible(step is not None)
        if step is not None:
            self.marker.setValue(step)
            self.fit()

    # -- the init race ------------------------------------------------------------
    def start_race(self, colors: dict[str, str], names: dict[str, str] | None = None) -> None:
        """One curve per run, {run: colour}, named in the legend by `names` (default: the
        run's own name); the single run's curves are hidden."""
        self.end_race()
        self.race_colors = dict(colors)
        self.race_names = {run: (names or {}).get(run, run) for run in colors}
        for name, color in colors.items():
            item = pg.PlotDataItem(pen=pg.mkPen(color, width=2), name=self.race_names[name])
            self.plot.addItem(item)
            self.race_items[name] = item
            self.race_data[name] = (np.zeros(0), np.zeros(0))
        self.curve.setVisible(False)
        self._set_stability_visible(False)
        self._rebuild_legend()
        self._show_value()
        self.fit()

    def set_race_curve(self, name: str, steps, losses) -> None:
        steps, losses = self._finite(steps, losses)
        had = len(self.race_data[name][0]) > 0
        self.race_data[name] = (steps, losses)
        self.race_items[name].setData(steps, losses)
        if had != (len(steps) > 0):  # the legend lists curves with data: rebuild it only when that changes
            self._rebuild_legend()
        self._show_value()
        self.fit()

    def end_race(self) -> None:
        """Back to one run's curve (the race's curves removed)."""
        for item in self.race_items.values():
            self.plot.removeItem(item)
        self.race_items, self.race_data, self.race_colors = {}, {}, {}
        self.curve.setVisible(True)
        self._rebuild_legend()

    # -- what is shown --------------------------------------------------------------
    def visible_data(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """The (steps, values) of every curve drawn on the loss plot."""
        if self.racing:
            return [d for d in self.race_data.values() if len(d[0])]
        return [(self.steps, self.losses)] if len(self.steps) else []

    def legend_names(self) -> list[str]:
        return [label.text for _sample, label in self.legend.items]

    def fit(self) -> None:
        """Set both plots' ranges to all of their data (auto-range on every update)."""
        data = self.visible_data()
        xs = [d[0] for d in data] + ([self.stability_steps] if self.stability_plot.isVisibleTo(self) else [])
        ys = [d[1] for d in data]
        if self.marker.isVisible():
            xs.append(np.array([self.marker.value()]))
        x_all = np.concatenate(xs) if xs else np.zeros(0)
        y_all = np.concatenate(ys) if ys else np.zeros(0)
        if len(x_all):
            lo, hi = float(np.min(x_all)), float(np.max(x_all))
            span = (hi - lo) or 1.0
            self.plot.setXRange(lo - PAD * span, hi + PAD * span, padding=0)
        if len(y_all):
            lo, hi = data_range(y_all)
            if self.legend.isVisible():  # room above the curves for the legend: it covers none
                view = self.plot.getViewBox().height()
                legend = self.legend.boundingRect().height() + 8
                share = legend / view if view > 2 * legend else 0.35
                hi += (hi - lo) * share / (1 - share)
            self.plot.setYRange(lo, hi, padding=0)
        self.stability_plot.setYRange(0.0, 1.0, padding=0.1)

    def _rebuild_legend(self) -> None:
        self.legend.clear()
        for name, item in self.race_items.items():
            if len(self.race_data[name][0]):
                self.legend.addItem(item, self.race_names.get(name, name))
        self.legend.setVisible(bool(self.legend.items))

    def _show_value(self) -> None:
        if self.racing:
            parts = []  # the names are in the legend, by colour
            for name, (steps, losses) in self.race_data.items():
                color = self.race_colors.get(name, "#000")
                value = f"{losses[-1]:.3f}" if len(losses) else "—"
                parts.append(f"<span style='color:{color}'>■</span> {value}")
            last = max((int(s[-1]) for s, _l in self.race_data.values() if len(s)), default=None)
            at = f" at step {last:,}" if last is not None else " (starting)"
            self.value_label.setText("loss" + at + ": " + " ".join(parts))
        elif len(self.steps):
            self.value_label.setText(f"loss <b>{_number(self.losses[-1])}</b> at step {int(self.steps[-1]):,}")
        else:
            self.value_label.setText("loss — (no steps yet)")

    def _show_stability_caption(self) -> None:
        sample = f"{self.stability_sample:,} sampled tokens" if self.stability_sample else "sampled tokens"
        now = f" · now {self.stability[-1]:.2f}" if len(self.stability) else ""
        self.stability_caption.setText(
            f"neighbourhood stability: mean top-10 overlap between frames, {sample}{now}")

    def _set_stability_visible(self, on: bool) -> None:
        self.stability_plot.setVisible(on)
        self.stability_caption.setVisible(on)

    @staticmethod
    def _finite(steps, values) -> tuple[np.ndarray, np.ndarray]:
        steps = np.asarray(steps, dtype=np.float64).reshape(-1)
        values = np.asarray(values, dtype=np.float64).reshape(-1)
        ok = np.isfinite(steps) & np.isfinite(values)
        return steps[ok], values[ok]
