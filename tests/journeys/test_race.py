"""Journey: Compare inits, the race, in the real window at 1280x800. The presenter opens the
Compare inits tab, ticks word2vec with the keyboard, presses Compare inits and waits for
the end: every run's loss curve is inside the plot with a named legend entry, and one
small scatter per init sits side by side with all its points in view, N(0, 1) mixed and
std 0.02 separated."""

import numpy as np
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtTest import QTest


def _fully_shown(widget, dock) -> bool:
    viewport = dock.widget().viewport()
    top_left = widget.mapTo(viewport, QPoint(0, 0))
    return widget.isVisible() and viewport.rect().contains(QRect(top_left, widget.size()))


def _points_in_view(run_plot) -> int:
    xy = run_plot.xy
    (x0, x1), (y0, y1) = run_plot.plot.viewRange()
    inside = (xy[:, 0] >= x0) & (xy[:, 0] <= x1) & (xy[:, 1] >= y0) & (xy[:, 1] <= y1)
    return int(inside.sum())


def _category_spread(xy, labels) -> float:
    kinds = sorted(set(labels) - {"function"})
    return float(np.mean([xy[labels == kind].std(0).sum() for kind in kinds]))


def test_the_init_race_seen_in_the_window(window, qtbot):
    dock = window.docks["Training"]
    dock.raise_()
    panel = window.train_panel
    QTest.mouseClick(panel.epochs.lineEdit(), Qt.LeftButton)  # a short race: 3 epochs
    panel.epochs.lineEdit().selectAll()
    qtbot.keyClicks(panel.epochs.lineEdit(), "3")
    qtbot.keyClick(panel.epochs, Qt.Key_Return)

    bar = panel.tabs.tabBar()
    race_tab = next(i for i in range(bar.count()) if bar.tabText(i) == "Compare inits")
    QTest.mouseClick(bar, Qt.LeftButton, pos=bar.tabRect(race_tab).center())
    assert panel.tabs.currentWidget() is panel.race_page
    schemes = panel.race_schemes
    row = next(i for i in range(schemes.count()) if schemes.item(i).data(Qt.UserRole) == "word2vec")
    schemes.scrollToItem(schemes.item(row))
    QTest.mouseClick(schemes.viewport(), Qt.LeftButton, pos=schemes.visualItemRect(schemes.item(row)).center())
    qtbot.keyClick(schemes, Qt.Key_Space)  # tick it
    chosen = panel.chosen_schemes()
    assert chosen == ["normal", "xavier_uniform", "truncated_normal", "word2vec"]

    with qtbot.waitSignal(panel.race_finished, timeout=120000) as done:
        QTest.mouseClick(panel.race_button, Qt.LeftButton)
    assert set(done.args[0]) == set(chosen)

    plot = panel.loss_plot
    (x0, x1), (y0, y1) = plot.plot.viewRange()
    for name, curve in panel.race_curves.items():  # the end of the race is inside the plot
        steps, losses = np.array(curve).T
        assert len(steps) and steps.min() >= x0 and steps.max() <= x1
        assert losses.min() >= y0 and losses.max() <= y1
    names = plot.legend_names()
    assert len(names) == 4 and all(names) and "N(0, 1)" in names and "std 0.02" in names
    assert _fully_shown(plot.plot, dock) and _fully_shown(plot.value_label, dock)
    assert "isotropy" in panel.race_result.text()

    n = len(window.workspace.vocab)
    plots = panel.race_view.plots
    assert list(plots) == chosen
    tops = {p.mapTo(panel, QPoint(0, 0)).y() for p in plots.values()}
    assert len(tops) == 1  # side by side
    for run_plot in plots.values():
        assert _fully_shown(run_plot.plot, dock) and run_plot.plot.width() >= 60
        assert _points_in_view(run_plot) == n
        assert "100%" in run_plot.status_text
    labels = np.array(window.workspace.categories)
    assert _category_spread(plots["truncated_normal"].xy, labels) < _category_spread(plots["normal"].xy, labels)
