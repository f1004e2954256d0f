"""A matrix that cannot fit in memory is refused up front, with a message, before anything
is allocated: initialization, pretrained vectors (text, binary, safetensors) and mapping."""

import numpy as np
import pytest

from explorer.core import ExplorerError
from explorer.core.matrix import memory
from explorer.core.matrix.schemes import InitConfig

GB = 10**9


def test_available_memory_is_read_from_the_system():
    available = memory.available_bytes()
    assert available is not None and available > 0


def test_a_million_by_4096_matrix_is_refused_on_a_24_gb_machine(monkeypatch):
    monkeypatch.setattr(memory, "available_bytes", lambda: 24 * GB)
    with pytest.raises(ExplorerError) as info:
        memory.check_matrix(1_000_000, 4096)
    message = str(info.value)
    assert "1,000,000 × 4,096" in message and "16.4 GB" in message and "24.0 GB" in message
    memory.check_matrix(50_000, 300)  # 60 MB: fine


def test_initialize_refuses_before_allocating(monkeypatch):
    from explorer.core.matrix.init import initialize

    monkeypatch.setattr(memory, "available_bytes", lambda: 24 * GB)
    with pytest.raises(ExplorerError, match="memory"):
        initialize(InitConfig("normal", 4096, 0), 1_000_000)  # would be 16 GB: returns at once


def test_initialize_refuses_16_gb_with_this_machines_real_memory():
    from explorer.core.matrix.init import initialize

    available = memory.available_bytes()
    if available is None or available >= 2 * 1_000_000 * 4096 * 4:
        pytest.skip("this machine has room for two 16 GB matrices")
    with pytest.raises(ExplorerError, match="1,000,000 × 4,096"):
        initialize(InitConfig("normal", 4096, 0), 1_000_000)


def test_vectors_files_too_big_for_memory_name_the_file(monkeypatch, shared_data):
    from explorer.core.io.vectors import load_vectors

    monkeypatch.setattr(memory, "available_bytes", lambda: 10_000)  # 76 x 50 x 4 = 15 KB needed
    for name in ("test_glove.txt", "word2vec_pre_kv_c", "euclidean_vectors.bin"):
        path = shared_data / "gensim" / name
        with pytest.raises(ExplorerError, match="memory") as info:
            load_vectors(path)
        assert str(path) in str(info.value)
    safetensors = shared_data / "vectors" / "minilm-embeddings.safetensors"
    monkeypatch.setattr(memory, "available_bytes", lambda: 60 * 10**6)  # 30522 x 384 x 4 = 47 MB
    with pytest.raises(ExplorerError, match="30,522 × 384"):
        load_vectors(safetensors, vocab_path=shared_data / "tokenizers" / "bert" / "vocab.txt")


def test_mapping_onto_a_huge_vocabulary_is_refused(monkeypatch):
    from explorer.core.matrix.pretrained import map_vectors
    from explorer.core.tokens.vocab import Vocabulary

    monkeypatch.setattr(memory, "available_bytes", lambda: 1000)
    with pytest.raises(ExplorerError, match="mapped matrix"):
        map_vectors(Vocabulary(["a"] + [f"t{i}" for i in range(200)]), ["a"],
                    np.ones((1, 4), np.float32))


def test_a_session_too_big_for_memory_is_refused_before_reading_it(monkeypatch, tmp_path):
    from explorer.core.io.session import Session, load_session, save_session
    from explorer.core.tokens.demo import demo_vocabulary

    vocab = demo_vocabulary()
    path = tmp_path / "s.eexp"
    save_session(path, Session(vocab, np.zeros((len(vocab), 64), np.float32)))
    assert load_session(path).weights.shape == (len(vocab), 64)
    monkeypatch.setattr(memory, "available_bytes", lambda: 10_000)
    with pytest.raises(ExplorerError, match="session's matrices") as info:
        load_session(path)
    assert str(path) in str(info.value)
