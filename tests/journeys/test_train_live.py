"""Journey: train live, then replay the run. The user types the number of epochs into the
Training dock's Epochs box, presses Start, waits for the run to end, then steps the
timeline back through the run: each snapshot's label states its own epoch."""

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
