"""Journey: File ▸ Open asks before it replaces unsaved work.

The user trains the demo (the title marks unsaved changes), then opens a vectors file with
File ▸ Open. A "Save the changes?" box comes up before anything is replaced. Cancel keeps
everything as it was; opening again and answering Discard opens the file. After another run,
Save asks where to save, saves the trained session there, then opens the file.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QMessageBox

from explorer.core.io.session import load_session
from tests.journeys.conftest import menu_action


@pytest.fixture
def trained(window, qtbot):
    """The demo after a short run: unsaved changes."""
    panel = window.train_panel
    window.docks["Training"].raise_()
    window.state.train.epochs = 1
    with qtbot.waitSignal(panel.run.finished, timeout=60000):
        qtbot.mouseClick(panel.start_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: window.controller.up_to_date and window.controller.jobs.active == 0, timeout=30000)
    assert window.isWindowModified() and window.session_controller.dirty
    return window


def file_open(window, monkeypatch, path) -> QMessageBox:
    """File ▸ Open…, choosing `path` in the file dialog; returns the question it shows."""
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *args, **kwargs: (str(path), ""))
    menu_action(window, "File", "Open…").trigger()
    box = window.session_controller.unsaved_box
    assert box is not None and box.isVisible() and box.isModal()
    assert "Save the changes" in box.text() and path.name in box.informativeText()
    return box


def opened_vectors(window, path) -> bool:
    return window.state.matrix.made_by.startswith(f"pretrained: {path.name}") \
        and window.workspace.vocab.tokens[0] == "the" and window.controller.jobs.active == 0


def test_cancel_keeps_the_trained_session_and_discard_opens_the_file(trained, qtbot, monkeypatch, shared_data):
    window = trained
    vectors = shared_data / "gensim" / "test_glove.txt"
    weights, vocab = window.workspace.weights, window.workspace.vocab

    box = file_open(window, monkeypatch, vectors)
    assert window.controller.jobs.active == 0 and window.workspace.weights is weights  # nothing opened yet
    qtbot.mouseClick(box.button(QMessageBox.Cancel), Qt.LeftButton)
    assert not box.isVisible()
    assert window.controller.jobs.active == 0  # no load started
    assert window.workspace.weights is weights and window.workspace.vocab is vocab
    assert window.isWindowModified() and window.windowTitle().startswith("Untitled")

    box = file_open(window, monkeypatch, vectors)
    qtbot.mouseClick(box.button(QMessageBox.Discard), Qt.LeftButton)
    qtbot.waitUntil(lambda: opened_vectors(window, vectors), timeout=30000)
    assert window.workspace.weights is not weights and not window.isWindowModified()


def test_save_saves_the_trained_session_then_opens_the_file(trained, qtbot, monkeypatch, shared_data, tmp_path):
    window = trained
    vectors = shared_data / "gensim" / "test_glove.txt"
    weights = window.workspace.weights
    target = tmp_path / "my run.eexp"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *args, **kwargs: (str(target), ""))

    box = file_open(window, monkeypatch, vectors)
    with qtbot.waitSignal(window.session_controller.saved, timeout=30000):
        qtbot.mouseClick(box.button(QMessageBox.Save), Qt.LeftButton)
    assert load_session(target).weights.tobytes() == weights.tobytes()  # the trained matrix, saved
    qtbot.waitUntil(lambda: opened_vectors(window, vectors), timeout=30000)
    assert not window.isWindowModified()
