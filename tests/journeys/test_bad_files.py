"""Journey: bad files through File ▸ Open. An executable: the message names the file and says
it is binary (not "ragged rows"). A vectors file with a short row: the message names the file
and the line. Each time the demo stays as it was: the same vocabulary, matrix and points."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from PySide6.QtWidgets import QFileDialog, QMessageBox

from tests.journeys.conftest import menu_action, points_in_view


def open_bad(window, qtbot, monkeypatch, path) -> str:
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *args, **kwargs: (str(path), ""))
    with qtbot.waitSignal(window.controller.error, timeout=30000) as error:
        menu_action(window, "File", "Open…").trigger()
    qtbot.waitUntil(lambda: window.controller.jobs.active == 0, timeout=30000)
    boxes = [b for b in window.findChildren(QMessageBox) if b.isVisible()]
    assert boxes and boxes[-1].text() == error.args[0]  # said in a box, not only a passing status line
    boxes[-1].close()
    return error.args[0]


@pytest.fixture
def before(window):
    return window.workspace.vocab, window.workspace.weights, window.scatter2d.xy.copy()


def unchanged(window, before) -> bool:
    vocab, weights, xy = before
    return window.workspace.vocab is vocab and window.workspace.weights is weights \
        and np.array_equal(window.scatter2d.xy, xy) and points_in_view(window.scatter2d) == len(vocab)


def test_an_executable_is_called_binary(window, qtbot, monkeypatch, tmp_path, before):
    tool = tmp_path / "tool"
    shutil.copy(shutil.which("ls") or "/bin/ls", tool)
    message = open_bad(window, qtbot, monkeypatch, tool)
    assert str(tool) in message and "binary" in message and "ragged" not in message
    assert unchanged(window, before)


def test_a_ragged_vectors_file_names_its_line(window, qtbot, monkeypatch, tmp_path, before):
    path = tmp_path / "vectors.txt"
    path.write_text("cat 0.1 0.2 0.3\ndog 0.4 0.5 0.6\nbird 0.7 0.8\n", encoding="utf-8")
    message = open_bad(window, qtbot, monkeypatch, path)
    assert str(path) in message and "line 3" in message
    assert unchanged(window, before)
    assert window.state.matrix.made_by.startswith("Truncated normal")  # what made the matrix, still
