"""Journey: semantic axes on the real MiniLM table, typed in the Projection dock.

A user opens File ▸ Open sample ▸ MiniLM (30,522 BERT tokens), brings the Projection dock
forward, picks "Semantic axes" and types woman-man for x and big-small for y. The axis titles
name the ends ("man → woman"), every token is still drawn, and queen lands right of king (the
woman end is on the right). A typo in an end is said in the dock and the picture stays; the
dock fits its column at 1280x800 with the axes' fields shown."""

from __future__ import annotations

from PySide6.QtCore import QPointF, Qt
from PySide6.QtTest import QTest

from tests.journeys.conftest import cut_off_controls, menu_action, points_in_view

ROWS = 30_522


def type_into(qtbot, box, text: str) -> None:
    box.setFocus()
    box.selectAll()
    QTest.keyClicks(box, text)
    QTest.keyClick(box, Qt.Key_Return)


def screen_x(scatter, xy) -> float:
    """Where a point is drawn, across the plot (pixels from the left)."""
    return scatter.getPlotItem().vb.mapViewToScene(QPointF(float(xy[0]), float(xy[1]))).x()


def test_woman_man_and_big_small_axes_put_queen_right_of_king(window, qtbot, shared_data):
    menu_action(window, "File", "Open sample", "MiniLM").trigger()
    qtbot.waitUntil(lambda: window.scatter2d.point_count == ROWS and window.controller.up_to_date
                    and window.controller.jobs.active == 0, timeout=90000)
    panel, scatter, vocab = window.projection_panel, window.scatter2d, window.workspace.vocab
    window.docks["Projection"].raise_()
    panel.method.setFocus()
    with qtbot.waitSignal(window.controller.idle, timeout=30000):
        QTest.keyClicks(panel.method, "Semantic axes")  # typing in a closed combo picks the item
    assert window.state.projection.method == "axes"
    assert panel.axis_edits["x"].isVisible() and panel.axis_edits["y"].isVisible()
    assert not panel.axis_edits["z"].isVisible() and not panel.perplexity.isVisible()

    plot = scatter.getPlotItem()
    assert plot.getAxis("bottom").labelText.startswith("bad → good")  # examples, to start from
    type_into(qtbot, panel.axis_edits["x"], "woman-man")
    type_into(qtbot, panel.axis_edits["y"], "big-small")
    qtbot.waitUntil(lambda: plot.getAxis("left").labelText.startswith("small → big")
                    and window.controller.up_to_date, timeout=30000)
    assert plot.getAxis("bottom").labelText.startswith("man → woman")
    assert plot.getAxis("left").labelText.startswith("small → big")
    assert f"Semantic axes 2D of all {ROWS:,} tokens" in scatter.title_text
    assert points_in_view(scatter) == ROWS
    king, queen = vocab.id_of("king"), vocab.id_of("queen")
    assert screen_x(scatter, scatter.xy[queen]) > screen_x(scatter, scatter.xy[king])
    assert not cut_off_controls(window), cut_off_controls(window)

    # A typo: said in the dock, the picture stays.
    shown = window.controller.projection
    type_into(qtbot, panel.axis_edits["y"], "big-smallqq")
    qtbot.waitUntil(lambda: panel.problem.isVisible(), timeout=30000)
    assert "smallqq" in panel.problem.text()
    assert window.controller.projection is shown and plot.getAxis("left").labelText.startswith("small → big")
