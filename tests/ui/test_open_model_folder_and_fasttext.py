"""The window opens what the readers learned: a Hugging Face model folder (File > Open model
folder... hands the folder to controller.open_path) and a fastText .bin, whose subword model
the workspace keeps for words outside the vocabulary."""

from __future__ import annotations

import importlib.util
import json
import shutil
from pathlib import Path

import numpy as np
import pytest


def test_a_model_folder_opens_as_vectors_with_its_tokenizer_and_positions(window, qtbot, shared_data, tmp_path):
    from safetensors.numpy import load_file, save_file

    from explorer.core.analysis.report import positional_table_of

    source = shared_data / "vectors" / "minilm-embeddings.safetensors"
    tables = load_file(str(source))
    folder = tmp_path / "minilm"
    folder.mkdir()
    save_file({f"bert.{k}": v for k, v in tables.items()}, str(folder / "model.safetensors"))
    (folder / "config.json").write_text(json.dumps({"model_type": "bert", "vocab_size": 30522}))
    shutil.copy(shared_data / "tokenizers" / "bert" / "tokenizer.json", folder / "tokenizer.json")
    window.controller.open_path(folder)
    qtbot.waitUntil(lambda: len(window.workspace.vocab) == 30522 and window.controller.up_to_date, timeout=60000)
    assert window.workspace.weights.shape == (30522, 384)
    assert window.workspace.vocab.tokenizer is not None and window.workspace.subwords is None
    assert "384" in window.init_panel.vectors_label.text()
    table = positional_table_of(window.workspace.vocab.source, window.workspace.dim)
    np.testing.assert_array_equal(table, tables["embeddings.position_embeddings.weight"])


def test_a_fasttext_bin_opens_and_the_workspace_can_compose_unseen_words(window, qtbot):
    spec = importlib.util.find_spec("gensim")
    if spec is None:
        pytest.skip("gensim (the fasttext extra) is not installed")
    path = Path(next(iter(spec.submodule_search_locations))) / "test" / "test_data" / "lee_fasttext.bin"
    window.controller.open_path(path)
    qtbot.waitUntil(lambda: len(window.workspace.vocab) == 1762 and window.controller.up_to_date, timeout=60000)
    subwords = window.workspace.subwords
    assert subwords is not None
    vector, ngrams = subwords.compose("unseenword")
    assert vector.shape == (10,) and ngrams[0] == "<un"
