"""Journey: File ▸ Open model folder… opens a Hugging Face-style folder (its tokenizer and its
input-embedding table); File ▸ Watch run… follows a run file; File ▸ Export ▸ Recording… opens
the recording dialog for the run."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog

from tests.journeys.conftest import menu_action


@pytest.mark.parametrize("stale_vocabulary", [False, True], ids=["fresh", "after-another-vocabulary-file"])
def test_open_model_folder(window, qtbot, monkeypatch, tmp_path, stale_vocabulary):
    from safetensors.numpy import save_file

    if stale_vocabulary:  # a vocabulary file chosen for an earlier table must not replace the folder's tokenizer
        stale = tmp_path / "other-vocab.txt"
        stale.write_text("\n".join(f"other{i}" for i in range(10)) + "\n", encoding="utf-8")
        window.state.pretrained.vocab_file = str(stale)

    folder = tmp_path / "tiny-bert"
    folder.mkdir()
    tokens = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "house", "garden", "tree", "river", "stone", "cloud"]
    (folder / "vocab.txt").write_text("\n".join(tokens) + "\n", encoding="utf-8")
    (folder / "config.json").write_text(json.dumps({"vocab_size": len(tokens), "hidden_size": 6}), encoding="utf-8")
    save_file({"embeddings.word_embeddings.weight": np.random.default_rng(0).normal(size=(10, 6)).astype(np.float32)},
              str(folder / "model.safetensors"))
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *args, **kwargs: str(folder))
    menu_action(window, "File", "Open model folder…").trigger()
    qtbot.waitUntil(lambda: len(window.workspace.vocab) == 10 and window.workspace.dim == 6
                    and window.controller.up_to_date, timeout=30000)
    assert "house" in window.workspace.vocab.tokens
    assert window.shape_label.text() == "10 × 6"


def test_export_recording_opens_its_dialog(window, qtbot):
    window.state.train.epochs = 1
    window.docks["Training"].raise_()
    with qtbot.waitSignal(window.train_panel.run.finished, timeout=60000):
        qtbot.mouseClick(window.train_panel.start_button, Qt.LeftButton)
    opened = []
    import explorer.ui.recording as recording

    original = recording.export_recording_dialog
    recording.export_recording_dialog = lambda w: opened.append(original(w)) or opened[-1]
    try:
        menu_action(window, "File", "Export", "Recording").trigger()
    finally:
        recording.export_recording_dialog = original
    assert opened and opened[0] is not None and opened[0].isVisible()
    opened[0].reject()


def test_watch_run_from_the_file_menu(window, qtbot, monkeypatch, tmp_path):
    import explorer
    import explorer.ui.watch as watch_module

    tokens = ["house", "garden", "tree", "river", "stone", "cloud", "lake", "hill"]
    path = tmp_path / "mine.eerun"
    rng = np.random.default_rng(0)
    with explorer.Run(path, tokens=tokens, durable=False) as run:
        for step in range(3):
            run.log(step, rng.normal(size=(len(tokens), 5)).astype(np.float32), loss=3.0 - step)
    monkeypatch.setattr(watch_module.QFileDialog, "getOpenFileName", lambda *args, **kwargs: (str(path), ""))
    menu_action(window, "File", "Watch run…").trigger()
    watch = window._run_watch
    with qtbot.waitSignal(watch.finished, timeout=60000):
        pass  # the run is closed: the watch shows it and ends
    assert window.workspace.vocab.tokens == tokens
    assert window.shape_label.text() == "8 × 5"
    assert len(window.train_panel.run.timeline) == 3
