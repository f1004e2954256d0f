"""The Training dock's plot widget on its own: every update puts all the data in view, the
latest value is written out, the legend names only curves with data, the stability axis
is 0..1, and step 0's NaN loss is never drawn or written."""

import re

import numpy as np

from explorer.ui.views.loss_plot import LossPlot


def _inside(plot_widget, xs, ys) -> bool:
    (x0, x1), (y0, y1) = plot_widget.viewRange()
    xs, ys = np.asarray(xs, float), np.asarray(ys, float)
    return xs.min() >= x0 and xs.max() <= x1 and ys.min() >= y0 and ys.max() <= y1


def _plot(qtbot) -> LossPlot:
    plot = LossPlot()
    qtbot.addWidget(plot)
    plot.resize(360, 420)
    plot.show()
    return plot


def test_each_update_puts_all_the_data_in_view_and_writes_the_latest(qtbot):
    plot = _plot(qtbot)
    assert "nan" not in plot.value_label.text()
    plot.set_loss([0, 10, 20], [float("nan"), 4.2, 3.9])  # step 0 has no loss yet
    xs, ys = plot.curve.getData()
    assert list(xs) == [10, 20] and _inside(plot.plot, xs, ys)
    plot.set_loss(np.arange(1, 1201), np.linspace(9.0, 0.5, 1200))  # it grows far past the old range
    assert _inside(plot.plot, [1, 1200], [9.0, 0.5])
    assert re.sub("<[^>]+>", "", plot.value_label.text()) == "loss 0.5000 at step 1,200"
    assert plot.legend_names() == [] and not plot.legend.isVisible()
    plot.mark_step(1500)  # the timeline's mark is in view too
    assert plot.plot.viewRange()[0][1] >= 1500


def test_a_race_names_its_curves_and_only_those_with_data(qtbot):
    plot = _plot(qtbot)
    plot.set_loss([1, 2], [3.0, 2.0])
    plot.start_race({"normal": "#1f77b4", "zeros": "#d62728"}, {"normal": "N(0, 1)"})
    assert not plot.curve.isVisible() and plot.legend_names() == []
    plot.set_race_curve("normal", [1, 2, 3], [5.0, 4.0, 3.5])
    assert plot.legend_names() == ["N(0, 1)"]
    plot.set_race_curve("zeros", [1, 2, 3], [4.16, 4.16, 4.16])
    assert plot.legend_names() == ["N(0, 1)", "zeros"]
    assert _inside(plot.plot, [1, 3], [3.5, 5.0])
    assert "at step 3" in plot.value_label.text() and "4.160" in plot.value_label.text()
    plot.end_race()
    assert plot.curve.isVisible() and plot.legend_names() == [] and not plot.race_items


def test_the_stability_plot_is_0_to_1_on_the_loss_steps_and_states_its_sample(qtbot):
    plot = _plot(qtbot)
    assert not plot.stability_plot.isVisible()  # nothing measured yet
    plot.set_loss([1, 50], [3.0, 2.0])
    plot.set_stability([5, 30, 50], [0.2, 0.6, 0.9], sample=500)
    assert plot.stability_plot.isVisible()
    (x0, x1), (y0, y1) = plot.stability_plot.viewRange()
    assert y0 <= 0.0 and y1 >= 1.0 and x0 <= 5 and x1 >= 50
    caption = plot.stability_caption.text()
    assert "500 sampled tokens" in caption and "top-10" in caption and "now 0.90" in caption
    plot.clear()
    xs = plot.curve.getData()[0]
    assert not plot.stability_plot.isVisible() and (xs is None or len(xs) == 0)
