"""Journey: train live, then replay the run. The user types the number of epochs into the
Training dock's Epochs box, presses Start, waits for the run to end, then steps the
timeline back through the run: each snapshot's label states its own epoch."""

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

EPOCHS = 3


def _type_into(box, text: str) -> None:
    box.setFocus()
    box.lineEdit().selectAll()
    QTest.keyClicks(box.lineEdit(), text)
    QTest.keyClick(box, Qt.Key_Return)


def test_train_then_step_back_through_the_timeline(window, qtbot):
    panel = window.train_panel
    window.docks["Training"].raise_()
    assert panel.epochs.value() == window.state.train.epochs == 20  # the demo's default

    _type_into(panel.epochs, str(EPOCHS))
    assert panel.epochs.value() == window.state.train.epochs == EPOCHS

    with qtbot.waitSignal(panel.run.finished, timeout=60000) as finished:
        qtbot.mouseClick(panel.start_button, Qt.LeftButton)
    assert finished.args == ["done"]
    assert panel.status.text().startswith("Finished")
    assert window.state.matrix.made_by == f"trained: Skip-gram (negative sampling), epoch {EPOCHS} of {EPOCHS}"

    slider = panel.timeline
    assert slider.isEnabled() and slider.value() == slider.maximum() >= 2
    slider.setFocus()
    QTest.keyClick(slider, Qt.Key_Home)  # back to the start of the run
    assert slider.value() == 0
    assert "step 0 (epoch 1)" in panel.timeline_label.text()

    labels = [panel.timeline_label.text()]
    while slider.value() < slider.maximum():  # forward, one snapshot at a time
        QTest.keyClick(slider, Qt.Key_Right)
        labels.append(panel.timeline_label.text())
    epochs = [int(text.split("(epoch ")[1].split(")")[0]) for text in labels]
    assert epochs == sorted(epochs)  # the run's order
    assert set(epochs) == set(range(1, EPOCHS + 1))  # every epoch told, not "epoch 1" for all

    # an early snapshot of a later epoch: its label says so
    early = epochs.index(2)
    QTest.keyClick(slider, Qt.Key_Home)
    for _ in range(early):
        QTest.keyClick(slider, Qt.Key_Right)
    assert slider.value() == early < slider.maximum()
    assert "(epoch 2)" in panel.timeline_label.text()
    assert window.state.train.epochs == panel.epochs.value() == EPOCHS  # replay changed no setting


def test_neighbours_and_axes_follow_the_run_live(window, qtbot):
    """The user looks up "dog", then trains: the Inspector's list follows each drawn frame and
    marks tokens that entered it; the axis titles state each frame's variance; at the end the
    view's plane is a fresh PCA's of the trained matrix (not the random start's)."""
    from explorer.core.projection.live_basis import fresh_plane_cosine

    inspector, panel = window.inspector_panel, window.train_panel
    window.docks["Inspector"].raise_()
    inspector.lookup.setFocus()
    QTest.keyClicks(inspector.lookup, "dog")
    QTest.keyClick(inspector.lookup, Qt.Key_Return)
    assert inspector.neighbors.isColumnHidden(4)  # no marks before training
    start_titles = window.state.fit.projection.axis_titles

    _type_into(panel.epochs, str(EPOCHS))
    window.state.train.pace = 2.0  # a presenter's pace: the run spread over 2 s, frames to watch
    lists, marks, notes, titles = [], [], [], []

    def seen(step) -> None:  # what the Inspector shows after each live frame
        table = inspector.neighbors
        lists.append(tuple(table.token_id_at(r) for r in range(table.rowCount())))
        marks.append([table.item(r, 4).text() for r in range(table.rowCount()) if table.item(r, 4)])
        notes.append(inspector.live_note.text())
        titles.append(window.scatter2d.getAxis("bottom").labelText)

    inspector.live_shown.connect(seen)
    window.docks["Training"].raise_()
    with qtbot.waitSignal(panel.run.finished, timeout=60000):
        qtbot.mouseClick(panel.start_button, Qt.LeftButton)
    window.docks["Inspector"].raise_()

    assert len(lists) >= 3
    assert len(set(lists)) >= 2  # the neighbourhood of dog changed while training
    assert any("▲ new" in frame for frame in marks)  # tokens that entered were marked
    assert any("left the top-" in note for note in notes)  # and those that left were named
    # The titles told each frame's variance: they changed during the run.
    assert len(set(titles)) >= 2 and titles[0] != titles[-1]
    end = window.state.fit.projection
    assert end.axis_titles != start_titles
    assert window.scatter2d.getAxis("bottom").labelText.startswith(end.axis_titles[0])
    assert fresh_plane_cosine(window.workspace.weights, end) >= 0.99


def test_a_replay_shows_the_same_frames_after_the_session_is_reopened(window, qtbot, tmp_path):
    """Train, step through the timeline (the basis follows the matrix along it, the last frame
    a fresh PCA's plane), save the session, open it in a new window: the same frames."""
    from explorer.core.projection.live_basis import fresh_plane_cosine
    from tests.journeys.conftest import new_window

    panel = window.train_panel
    window.docks["Training"].raise_()
    _type_into(panel.epochs, "2")
    with qtbot.waitSignal(panel.run.finished, timeout=60000):
        qtbot.mouseClick(panel.start_button, Qt.LeftButton)
    slider = panel.timeline
    slider.setFocus()
    QTest.keyClick(slider, Qt.Key_Home)

    def step_through(win):
        bar, shown = win.train_panel.timeline, []
        while True:
            shown.append((win.scatter2d.xy.copy(), win.scatter2d.getAxis("bottom").labelText))
            if bar.value() == bar.maximum():
                return shown
            QTest.keyClick(bar, Qt.Key_Right)

    first = step_through(window)
    assert len(first) >= 3
    assert first[0][1] != first[-1][1]  # each frame's own variance in the title
    last = panel.run.timeline[len(panel.run.timeline) - 1]
    assert fresh_plane_cosine(last.weights, window.state.fit.projection) >= 0.99

    path = tmp_path / "run.eexp"
    with qtbot.waitSignal(window.session_controller.saved, timeout=30000):
        window.session_controller.save_to(path)
    second = new_window(qtbot, tmp_path / "second.ini")
    with qtbot.waitSignal(second.session_controller.opened, timeout=30000):
        second.open_path(path)
    second.docks["Training"].raise_()
    bar = second.train_panel.timeline
    bar.setFocus()
    QTest.keyClick(bar, Qt.Key_Home)
    again = step_through(second)
    assert len(again) == len(first)
    for (xy_a, title_a), (xy_b, title_b) in zip(first, again):
        np.testing.assert_allclose(xy_b, xy_a, rtol=1e-5, atol=1e-6)
        assert title_a == title_b
    second.session_controller.prompt_on_close = False
    second.close()


@pytest.mark.gl
def test_the_3d_view_follows_the_live_basis(window, qtbot):
    """In 3D, the points follow each frame's tracked basis, and the run ends on the 3-D
    principal subspace of the trained matrix."""
    from PySide6.QtGui import QGuiApplication

    from explorer.core.projection.live_basis import fresh_plane_cosine
    from tests.journeys.conftest import menu_action

    if QGuiApplication.platformName() in ("offscreen", "minimal"):
        pytest.skip("no OpenGL context on the offscreen platform: run under xvfb-run with QT_QPA_PLATFORM=xcb")
    menu_action(window, "View", "3D").trigger()
    qtbot.waitUntil(lambda: window.state.projection.dims == 3 and window.controller.up_to_date
                    and window.state.fit.projection.dims == 3, timeout=30000)
    panel, view = window.train_panel, window.scatter3d
    frames = []
    window.state.train.pace = 1.0  # spread over a second: several frames drawn, however fast it trains
    panel.run.frame.connect(lambda f: frames.append(f) if f.coords is not None else None)
    _type_into(panel.epochs, str(EPOCHS))
    with qtbot.waitSignal(panel.run.finished, timeout=60000):
        qtbot.mouseClick(panel.start_button, Qt.LeftButton)
    assert len(frames) >= 2 and all(f.coords.shape[1] == 3 for f in frames)
    np.testing.assert_allclose(view._raw, frames[-1].coords, rtol=1e-5, atol=1e-6)  # the last frame drawn
    end = window.state.fit.projection
    assert end.dims == 3 and fresh_plane_cosine(window.workspace.weights, end) >= 0.99
    assert frames[0].explained.sum() != pytest.approx(frames[-1].explained.sum())


def test_big_matrices_replay_in_a_worker(window, qtbot, monkeypatch):
    """Above the size answered on the spot, a replay frame not computed yet is computed in a
    worker: the slider moves at once, the view follows when the frame is ready."""
    import explorer.ui.training as training

    panel = window.train_panel
    window.docks["Training"].raise_()
    _type_into(panel.epochs, "2")
    with qtbot.waitSignal(panel.run.finished, timeout=60000):
        qtbot.mouseClick(panel.start_button, Qt.LeftButton)
    panel.run.restore(list(panel.run.timeline.snapshots))  # as a reopened session: nothing computed
    monkeypatch.setattr(training, "REPLAY_SYNC_LIMIT", 0)
    slider = panel.timeline
    slider.setFocus()
    QTest.keyClick(slider, Qt.Key_Home)
    QTest.keyClick(slider, Qt.Key_End)
    assert panel.run._replay_job is not None  # computed off the GUI thread
    end = len(panel.run.timeline) - 1
    qtbot.waitUntil(lambda: len(panel.run._replay_frames()) == end + 1
                    and window.state.fit.projection is panel.run._replay_frames()[end], timeout=30000)
    np.testing.assert_allclose(window.scatter2d.xy, panel.run._replay_frames()[end].coords[:, :2], rtol=1e-6)


def test_a_tsne_view_continues_from_its_layout_after_a_run(window, qtbot):
    """Live frames of a t-SNE view are PCA frames; the run's end continues the t-SNE layout
    shown before (a warm start), it does not start t-SNE cold from the PCA frames."""
    state, panel = window.state, window.train_panel
    state.projection.method = "tsne"
    qtbot.waitUntil(lambda: window.controller.up_to_date and state.fit.projection.method == "tsne",
                    timeout=120000)
    before = state.fit.projection
    _type_into(panel.epochs, "1")
    with qtbot.waitSignal(panel.run.finished, timeout=60000):
        qtbot.mouseClick(panel.start_button, Qt.LeftButton)
    assert state.fit.projection is before  # the PCA frames did not replace the layout
    qtbot.waitUntil(lambda: window.controller.up_to_date and state.fit.projection is not before,
                    timeout=120000)
    assert state.fit.projection.method == "tsne" and state.fit.projection.warm_started
