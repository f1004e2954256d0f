"""Journey: save a trained, zoomed, k-means-coloured session, then open it in a fresh window.

The user trains the demo for two epochs (Training dock: Start), colours the points by k-means
cluster in the view's toolbar, zooms into a region with the mouse wheel and saves the session.
A new window (as after a restart) opens the file: the same points sit at the same coordinates
(the saved basis, no re-fit), the view shows the same region with the same points in it, the
Colour box says k-means and the legend lists the clusters, the replayed snapshots state their
own epochs, and the Initialization dock says the matrix came from the session.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLabel

from tests.journeys.conftest import new_window, points_in_view, shows_region

EPOCHS = 2


def wheel(scatter, xy, notches: int) -> None:
    """Turn the mouse wheel over the data point `xy`; positive notches zoom in."""
    scene = scatter.viewbox.mapViewToScene(QPointF(*xy))
    pos = QPointF(scatter.mapFromScene(scene))
    viewport = scatter.viewport()
    event = QWheelEvent(pos, QPointF(viewport.mapToGlobal(pos.toPoint())), QPoint(), QPoint(0, 120 * notches),
                        Qt.NoButton, Qt.NoModifier, Qt.NoScrollPhase, False)
    QApplication.sendEvent(viewport, event)


def range_stored(window) -> bool:
    """The view has written the range it shows into the state (it does so as it moves)."""
    stored = window.state.view.range2d
    return stored is not None and np.allclose(np.ravel(stored), np.ravel(window.scatter2d.viewRange()))


def settled(window) -> bool:
    return window.controller.up_to_date and window.controller.jobs.active == 0


def test_a_saved_session_opens_in_a_new_window_as_it_was_left(window, qtbot, tmp_path):
    state, view, panel = window.state, window.scatter2d, window.train_panel
    vocab = window.workspace.vocab

    # Train the demo briefly: the Training dock's Start button.
    window.docks["Training"].raise_()
    state.train.epochs = EPOCHS
    with qtbot.waitSignal(panel.run.finished, timeout=60000) as finished:
        qtbot.mouseClick(panel.start_button, Qt.LeftButton)
    assert finished.args == ["done"]
    qtbot.waitUntil(lambda: settled(window), timeout=30000)

    # Colour by k-means cluster: the toolbar's Colour box.
    colour = view.toolbar.color
    colour.setCurrentIndex(colour.findData("cluster"))
    qtbot.waitUntil(lambda: view.legend_entries and view.legend_entries[0][0].startswith("cluster 1"),
                    timeout=30000)

    # Zoom into the region around "dog" with the mouse wheel.
    wheel(view, view.xy[vocab.id_of("dog")], 4)
    qtbot.waitUntil(lambda: range_stored(window), timeout=5000)
    in_view = points_in_view(view)
    assert 3 < in_view < len(vocab)

    path = tmp_path / "trained.eexp"
    with qtbot.waitSignal(window.session_controller.saved, timeout=30000):
        window.session_controller.save_to(path)  # what File ▸ Save does once a name is chosen
    shown = dict(xy=view.xy.copy(), range=np.ravel(view.viewRange()), legend=list(view.legend_entries),
                 colour=colour.currentText(), basis=state.fit.projection.basis.components.copy(),
                 epochs=[s.epoch for s in panel.run_history()[1]])
    assert len(set(shown["epochs"])) == EPOCHS  # the run has snapshots of each epoch

    # Later, in a new window: File ▸ Open of that file.
    second = new_window(qtbot, tmp_path / "second.ini")
    with qtbot.waitSignal(second.session_controller.opened, timeout=30000):
        second.open_path(path)
    qtbot.waitUntil(lambda: settled(second) and range_stored(second)
                    and shows_region(second.scatter2d, shown["range"]), timeout=30000)
    again = second.scatter2d

    # The same points in the same place: the saved basis, not a new fit.
    np.testing.assert_allclose(again.xy, shown["xy"], atol=1e-5)
    assert second.state.fit.projection.basis.components.tobytes() == shown["basis"].tobytes()
    # The same region (the aspect is locked: a window a few pixels narrower shows a little more
    # above and below), with the same points in it.
    assert shows_region(again, shown["range"])
    assert in_view <= points_in_view(again) <= in_view + 3
    (x0, x1), (y0, y1) = shown["range"].reshape(2, 2)
    was_in = (shown["xy"][:, 0] >= x0) & (shown["xy"][:, 0] <= x1) & (shown["xy"][:, 1] >= y0) & (shown["xy"][:, 1] <= y1)
    (u0, u1), (v0, v1) = again.viewRange()
    now_in = (again.xy[:, 0] >= u0) & (again.xy[:, 0] <= u1) & (again.xy[:, 1] >= v0) & (again.xy[:, 1] <= v1)
    assert (now_in | ~was_in).all()  # every point that was in view is in view
    # The Colour box says what the legend shows: k-means clusters.
    assert again.toolbar.color.currentText() == shown["colour"] == "k-means cluster"
    qtbot.waitUntil(lambda: again.legend_entries == shown["legend"], timeout=30000)
    # What made the matrix, in the Initialization dock.
    dock_lines = [label.text() for label in second.docks["Initialization"].findChildren(QLabel)]
    assert any("Current matrix" in text and "session: trained.eexp" in text for text in dock_lines), dock_lines
    assert second.windowTitle().startswith("trained.eexp") and not second.isWindowModified()

    # The timeline replays the run, each snapshot stating its own epoch.
    restored = second.train_panel
    second.docks["Training"].raise_()
    slider = restored.timeline
    assert slider.isEnabled() and slider.maximum() == len(shown["epochs"]) - 1
    slider.setFocus()
    QTest.keyClick(slider, Qt.Key_Home)
    labels = [restored.timeline_label.text()]
    while slider.value() < slider.maximum():
        QTest.keyClick(slider, Qt.Key_Right)
        labels.append(restored.timeline_label.text())
    assert [f"(epoch {epoch + 1})" in text for text, epoch in zip(labels, shown["epochs"])] == [True] * len(labels)
    assert f"(epoch {EPOCHS})" in labels[-1]

    qtbot.waitUntil(lambda: second.controller.jobs.active == 0, timeout=30000)
    second.session_controller.prompt_on_close = False
    second.close()
