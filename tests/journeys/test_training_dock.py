"""Journey: a presenter uses the Training dock at 1280x800 (and the other sizes): the loss
plot is all in view before and after a run, every loss is inside it and the latest is
written as a number, the stability curve states its sample, Pace is typed into its box,
and Play replays the run with step, epoch and loss on screen."""

import re

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtTest import QTest


def _plain(text: str) -> str:
    return re.sub("<[^>]+>", "", text)


def _fully_shown(widget, dock) -> bool:
    """The widget is visible and its whole rectangle lies inside the dock's scroll viewport."""
    viewport = dock.widget().viewport()
    top_left = widget.mapTo(viewport, QPoint(0, 0))
    return widget.isVisible() and viewport.rect().contains(QRect(top_left, widget.size()))


def _in_view(plot_widget, xs, ys) -> bool:
    (x0, x1), (y0, y1) = plot_widget.viewRange()
    xs, ys = np.asarray(xs, float), np.asarray(ys, float)
    return bool(len(xs)) and xs.min() >= x0 and xs.max() <= x1 and ys.min() >= y0 and ys.max() <= y1


def _type_into(qtbot, spin, text: str) -> None:
    QTest.mouseClick(spin.lineEdit(), Qt.LeftButton)
    spin.lineEdit().selectAll()
    qtbot.keyClicks(spin.lineEdit(), text)
    qtbot.keyClick(spin, Qt.Key_Return)


@pytest.mark.parametrize("size", [(1280, 800), (1400, 860), (1920, 1080)])
def test_the_loss_plot_is_in_view_and_follows_a_run_then_play_replays_it(window, qtbot, size):
    window.resize(*size)
    dock = window.docks["Training"]
    dock.raise_()
    panel = window.train_panel
    plot = panel.loss_plot
    qtbot.waitUntil(lambda: _fully_shown(plot.plot, dock), timeout=5000)  # in view before a run
    assert plot.plot.height() >= 120 and _fully_shown(plot.value_label, dock)
    assert plot.legend_names() == []  # no empty "loss" entry

    _type_into(qtbot, panel.epochs, "3")
    assert window.state.train.epochs == 3
    with qtbot.waitSignal(panel.run.finished, timeout=60000):
        QTest.mouseClick(panel.start_button, Qt.LeftButton)

    steps, losses = zip(*panel.losses)
    assert _in_view(plot.plot, steps, losses)  # the current loss and the whole curve in the plot
    assert f"loss {losses[-1]:.4f} at step {steps[-1]:,}" in _plain(plot.value_label.text())
    assert _fully_shown(plot.plot, dock) and _fully_shown(plot.stability_plot, dock)
    st_steps, st_values = zip(*panel.stability)
    assert _in_view(plot.stability_plot, st_steps, st_values)
    assert "sampled tokens" in plot.stability_caption.text() and _fully_shown(plot.stability_caption, dock)
    assert _fully_shown(panel.play_button, dock) and _fully_shown(panel.timeline_label, dock)

    panel.play_speed.setCurrentIndex(panel.play_speed.findData(4.0))
    QTest.mouseClick(panel.play_button, Qt.LeftButton)  # from the end: starts over
    assert panel.timeline.value() == 0
    assert "step 0 (epoch 1)" in panel.timeline_label.text() and "nan" not in panel.timeline_label.text()
    qtbot.waitUntil(lambda: not panel.playing, timeout=30000)
    last = panel.run.timeline[len(panel.run.timeline) - 1]
    text = panel.timeline_label.text()
    assert f"step {last.step:,} (epoch {last.epoch + 1}), loss {last.loss:.4f}" in text
    assert plot.marker.isVisible() and _in_view(plot.plot, [plot.marker.value()], [losses[-1]])


def test_pace_is_typed_into_the_training_dock(window, qtbot):
    window.docks["Training"].raise_()
    panel = window.train_panel
    assert panel.pace.text() == "full speed"
    _type_into(qtbot, panel.pace, "20")
    assert window.state.train.pace == 20.0 and panel.pace.text() == "20 s"
    _type_into(qtbot, panel.pace, "0")
    assert window.state.train.pace == 0.0 and panel.pace.text() == "full speed"


def test_threads_are_set_in_the_settings_tab_and_a_run_uses_them(window, qtbot):
    """Skip-gram's worker threads are typed into the Settings tab; a language model has none."""
    window.docks["Training"].raise_()
    panel = window.train_panel
    panel.tabs.setCurrentIndex(panel.tabs.indexOf(panel.workers.parentWidget()))
    assert panel.workers.isVisible() and panel.workers.isEnabled() and panel.workers.value() == 1
    _type_into(qtbot, panel.workers, "2")
    assert window.state.train.workers == 2
    _type_into(qtbot, panel.epochs, "2")
    with qtbot.waitSignal(panel.run.finished, timeout=60000) as finished:
        qtbot.mouseClick(panel.start_button, Qt.LeftButton)
    assert finished.args == ["done"] and panel.run.config.workers == 2
    panel.objective.setCurrentIndex(panel.objective.findData("lm"))
    assert window.state.train.objective == "lm" and not panel.workers.isEnabled()
