"""Journey: a presenter trains the demo live, then records the run for a slide. They press
Start, wait for the end, choose File ▸ Export ▸ Recording…, type the file name and a size,
press Record, and get a GIF with one frame per snapshot of the run, at that size, whose
points move from frame to frame."""

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QDialogButtonBox

from explorer.core.io.video import read_video
from explorer.ui.recording import RecordingDialog
from tests.journeys.conftest import menu_action


def _type_number(box, value: int) -> None:
    box.setFocus()
    box.lineEdit().selectAll()
    QTest.keyClicks(box.lineEdit(), str(value))
    QTest.keyClick(box, Qt.Key_Tab)


def test_train_then_record_the_run_as_a_gif(window, qtbot, tmp_path):
    panel = window.train_panel
    window.docks["Training"].raise_()
    window.state.train.epochs = 2
    with qtbot.waitSignal(panel.run.finished, timeout=60000) as finished:
        qtbot.mouseClick(panel.start_button, Qt.LeftButton)
    assert finished.args == ["done"]
    snapshots = len(panel.run.timeline)
    assert snapshots >= 2

    try:
        action = menu_action(window, "File", "Export", "Recording")
    except AssertionError as exc:
        pytest.skip(f"the menu entry File ▸ Export ▸ Recording… is not there yet ({exc})")
    action.trigger()
    dialog = window.findChild(RecordingDialog)
    assert dialog is not None and dialog.isVisible()
    out = tmp_path / "for-my-slides.gif"
    dialog.path_edit.setFocus()
    dialog.path_edit.selectAll()
    QTest.keyClicks(dialog.path_edit, str(out))
    _type_number(dialog.width_box, 640)
    _type_number(dialog.height_box, 400)
    _type_number(dialog.hold_box, 0)
    with qtbot.waitSignal(dialog.recorded, timeout=120000):
        qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.Ok), Qt.LeftButton)

    frames, meta = read_video(out)
    assert len(frames) == snapshots and frames[0].shape == (400, 640, 3)
    assert meta["loop"] == 0  # loops, as a slide's clip should
    moved = [np.count_nonzero(np.any(a != b, axis=2)) for a, b in zip(frames, frames[1:])]
    assert min(moved) > 0 and max(moved) > 2000  # the points move between frames
    assert f"Recorded {snapshots} frames" in window.statusBar().currentMessage()
