"""Journey: File ▸ Open of a table with no tokens (.npy) or with several tables (safetensors).

The app asks, in a dialog, for what the file lacks: the vocabulary file (a button) and the
tensor (a box). Cancel leaves the demo as it was; Open reads the file with the answers and
shows it, its tokens and its shape."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox, QFileDialog

from tests.journeys.conftest import menu_action


@pytest.fixture
def table(tmp_path):
    rng = np.random.default_rng(0)
    npy = tmp_path / "embeddings.npy"
    np.save(npy, rng.normal(size=(40, 8)).astype(np.float32))
    vocab = tmp_path / "tokens.txt"
    vocab.write_text("".join(f"word{i}\n" for i in range(40)), encoding="utf-8")
    return npy, vocab


def choose_in_file_dialog(monkeypatch, path) -> None:
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *args, **kwargs: (str(path), ""))


def asked(window, qtbot):
    qtbot.waitUntil(lambda: window.init_panel.table_dialog is not None
                    and window.init_panel.table_dialog.isVisible(), timeout=20000)
    return window.init_panel.table_dialog


def test_a_npy_file_asks_for_its_vocabulary(window, qtbot, monkeypatch, table):
    npy, vocab = table
    demo = window.workspace.vocab
    choose_in_file_dialog(monkeypatch, npy)
    menu_action(window, "File", "Open…").trigger()
    dialog = asked(window, qtbot)
    assert "embeddings.npy" in dialog.heading.text() and "vocabulary file" in dialog.heading.text()
    assert dialog.isModal() and not dialog.open_button.isEnabled()  # nothing to open with yet

    qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.Cancel), Qt.LeftButton)
    assert not dialog.isVisible() and window.workspace.vocab is demo  # nothing changed

    menu_action(window, "File", "Open…").trigger()
    dialog = asked(window, qtbot)
    choose_in_file_dialog(monkeypatch, vocab)
    qtbot.mouseClick(dialog.vocab_button, Qt.LeftButton)
    assert dialog.vocab_label.text() == "tokens.txt" and dialog.open_button.isEnabled()
    qtbot.mouseClick(dialog.open_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: len(window.workspace.vocab) == 40 and window.controller.up_to_date, timeout=30000)
    assert window.workspace.vocab.tokens[:2] == ["word0", "word1"]
    assert window.state.matrix.made_by.startswith("pretrained: embeddings.npy")
    assert window.shape_label.text() == "40 × 8"
    qtbot.waitUntil(lambda: window.scatter2d.point_count == 40, timeout=20000)


def test_a_safetensors_file_with_two_tables_asks_which(window, qtbot, monkeypatch, table, tmp_path):
    from safetensors.numpy import save_file

    _npy, vocab = table
    rng = np.random.default_rng(1)
    path = tmp_path / "model.safetensors"
    save_file({"alpha": rng.normal(size=(40, 6)).astype(np.float32),
               "beta": rng.normal(size=(40, 4)).astype(np.float32)}, str(path))
    window.state.pretrained.vocab_file = str(vocab)
    choose_in_file_dialog(monkeypatch, path)
    menu_action(window, "File", "Open…").trigger()
    dialog = asked(window, qtbot)
    assert "several tables" in dialog.heading.text()
    names = [dialog.tensor.itemData(i) for i in range(dialog.tensor.count())]
    assert names == ["alpha", "beta"] and "40 × 4" in dialog.tensor.itemText(1)
    dialog.tensor.setCurrentIndex(1)  # the user picks beta
    qtbot.mouseClick(dialog.open_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: window.workspace.dim == 4 and len(window.workspace.vocab) == 40, timeout=30000)
    assert window.state.pretrained.tensor == "beta"
