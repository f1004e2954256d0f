"""Faults the window survives, each leaving the user's state as it was:

- a batch of bad files through File > Open (controller.open_path): each is reported, and the
  vocabulary and matrix stay the very same objects with the same values;
- cancel during a load (vocabulary, vectors, session) and during training: consistent state,
  no worker thread left running;
- a matrix too big for the available memory: refused up front with a message;
- an exception inside a worker: shown, and the window keeps working.

Covered elsewhere (not repeated here): a kill during save leaves the previous file intact
(tests/core/test_session.py::test_killing_a_save_midway_leaves_the_previous_file_intact), a
session from a newer format version is a clear message
(tests/core/test_session.py::test_newer_format_version_is_a_clear_error; the window's message
is checked below in the bad-file batch), zip slip (tests/core/test_session.py and
tests/core/test_security.py), the fuzzed readers (tests/fuzz/).
"""

from __future__ import annotations

import json
import pickle
import zipfile

import numpy as np
import pytest
from PySide6.QtCore import QThreadPool

from explorer.core.matrix import memory
from explorer.core.matrix.schemes import InitConfig


def _no_thread_left(qtbot, window) -> None:
    qtbot.waitUntil(lambda: window.controller.jobs.active == 0, timeout=30000)
    qtbot.waitUntil(lambda: QThreadPool.globalInstance().activeThreadCount() == 0, timeout=10000)


class Told:
    """Records what the window told the user: errors, and the vocabulary dock's offers."""

    def __init__(self, window) -> None:
        self.errors: list[str] = []
        self.failed: list[str] = []
        self.messages: list[str] = []
        window.controller.error.connect(self.errors.append)
        window.controller.message.connect(self.messages.append)
        window.vocab_panel.load_failed.connect(self.failed.append)

    def count(self) -> int:
        return len(self.errors) + len(set(self.failed) - set(self.errors))


def _bad_files(folder, shared_data) -> dict[str, object]:
    """name -> path of files a user may really try to open, each broken in its own way."""
    g = shared_data / "gensim"
    files = {}

    def write(name, data: bytes):
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        files[name] = path
        return path

    glove = (g / "test_glove.txt").read_bytes()
    first, rest = glove.split(b"\n", 1)
    fields = first.split(b" ")
    write("nan.txt", b" ".join(fields[:3] + [b"nan"] + fields[4:]) + b"\n" + rest)
    write("ragged.txt", glove.split(b"\n", 3)[0] + b"\n" + b"word 1.0 2.0\n")
    write("truncated.bin", (g / "euclidean_vectors.bin").read_bytes()[:5000])
    files["pretrained.vec"] = g / "pretrained.vec"  # the header promises 3 rows, the file has 1
    write("vectors.pkl", pickle.dumps({"king": [1.0, 2.0]}))
    buf = __import__("io").BytesIO()
    np.save(buf, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    write("objects.npy", buf.getvalue())
    write("header.safetensors", b"\x10\x00\x00\x00\x00\x00\x00\x00{not json at all")
    write("corpus.txt", b"\xff\xfe\x00\x00binary" * 100)
    write("dup/words.txt", b"apple\npear\napple\n")
    write("bad-utf8/words.txt", b"apple\ncaf\xe9\npear\n")
    write("gpt2/encoder.json", b'{"a": 0, "b": "one"}')
    write("gpt2/vocab.bpe", b"#version: 0.2\na b\n")
    write("tok/tokenizer.json", b'{"model": {"type": "BPE", "vocab": {"a": 0}, "merges": ["a a", "a a a"]}}')
    write("empty.txt", b"")
    with zipfile.ZipFile(write("newer.eexp", b""), "w") as zf:
        zf.writestr("session.json", json.dumps({"format": "embedding-explorer-session", "version": 99}))
        zf.writestr("tensors.safetensors", b"")
    with zipfile.ZipFile(write("slip.eexp", b""), "w") as zf:
        zf.writestr("session.json", "{}")
        zf.writestr("tensors.safetensors", b"")
        zf.writestr("../../evil.txt", b"pwned")
    write("damaged.eexp", b"PK\x03\x04" + b"\x00" * 100)
    files["missing.txt"] = folder / "does-not-exist.txt"
    return files


def test_a_batch_of_bad_files_is_reported_one_by_one_and_changes_nothing(window, qtbot, tmp_path, shared_data):
    # A real vocabulary and matrix first: the GloVe file opened as the user would.
    with qtbot.waitSignal(window.controller.idle, timeout=30000):
        window.controller.open_path(shared_data / "gensim" / "test_glove.txt")
    vocab, weights = window.workspace.vocab, window.workspace.weights
    assert len(vocab) == 76 and weights.shape == (76, 50)
    saved = weights.copy()
    told = Told(window)
    for name, path in _bad_files(tmp_path, shared_data).items():
        before = told.count()
        window.controller.open_path(path)
        qtbot.waitUntil(lambda: told.count() > before and window.controller.jobs.active == 0, timeout=30000)
        assert window.workspace.vocab is vocab, f"{name} replaced the vocabulary"
        assert window.workspace.weights is weights and np.array_equal(weights, saved), f"{name} changed the matrix"
    assert told.count() == len(_bad_files(tmp_path, shared_data)), told.errors + told.failed
    shown = "\n".join(told.errors + told.failed)
    assert "newer than this app understands" in shown
    assert "pickle" in shown and "unexpected member" in shown and "NaN" in shown
    assert not (tmp_path.parent.parent / "evil.txt").exists()
    _no_thread_left(qtbot, window)
    # ... and the window still works: a reinitialization goes through
    with qtbot.waitSignal(window.controller.idle, timeout=30000):
        window.controller.reinitialize(InitConfig("xavier_uniform", 8, 1))
    assert window.workspace.weights.shape == (76, 8)


def test_cancel_during_a_vocabulary_load_keeps_the_vocabulary(window, qtbot, shared_data, monkeypatch):
    import threading

    from explorer.ui.workers import ProgressHandle

    # The KJV loads in a fraction of a second, often before the bar's first update reaches the
    # GUI thread: the worker waits at its first progress report until the user's click arrives.
    clicked = threading.Event()
    report, cancel = ProgressHandle.progress, ProgressHandle.cancel
    monkeypatch.setattr(ProgressHandle, "progress", lambda self, f: (report(self, f), clicked.wait(10)))
    monkeypatch.setattr(ProgressHandle, "cancel", lambda self: (cancel(self), clicked.set()))
    vocab, weights = window.workspace.vocab, window.workspace.weights
    told = Told(window)
    window.controller.long_job_started.connect(lambda handle: handle.changed.connect(
        lambda _f: window.cancel_button.click()))  # Cancel as soon as the bar moves
    window.controller.open_path(shared_data / "corpora" / "kjv-verses.txt", "corpus")
    qtbot.waitUntil(lambda: any(m.startswith("Cancelled") for m in told.messages), timeout=30000)
    _no_thread_left(qtbot, window)
    assert window.workspace.vocab is vocab and window.workspace.weights is weights
    assert not told.errors
    assert not window.progress_bar.isVisible() and not window.cancel_button.isVisible()


@pytest.mark.parametrize("kind", ["vectors", "session"])
def test_cancel_during_a_vectors_or_session_load_keeps_the_matrix(window, qtbot, tmp_path, shared_data,
                                                                 monkeypatch, kind):
    from explorer.core.io.session import Session, save_session
    from explorer.ui.workers import ProgressHandle

    if kind == "vectors":
        path = shared_data / "gensim" / "lee_fasttext.vec"
    else:
        path = tmp_path / "s.eexp"
        save_session(path, Session(window.workspace.vocab, np.ones_like(window.workspace.weights)))
    vocab, weights = window.workspace.vocab, window.workspace.weights
    told = Told(window)
    monkeypatch.setattr(ProgressHandle, "should_cancel", lambda self: True)  # Cancel before the first chunk
    window.controller.open_path(path)
    qtbot.waitUntil(lambda: any(m.startswith("Cancelled") for m in told.messages), timeout=30000)
    _no_thread_left(qtbot, window)
    assert window.workspace.vocab is vocab and window.workspace.weights is weights
    assert not told.errors


def test_stopping_training_leaves_the_last_snapshot_and_no_thread(window, qtbot):
    panel = window.train_panel
    panel.epochs.setValue(1000)
    before = window.workspace.weights.copy()
    with qtbot.waitSignal(panel.run.frame, timeout=30000,
                          check_params_cb=lambda f: f.stage == "training" and f.snapshot.step >= 3):
        panel.start_button.click()
    with qtbot.waitSignal(panel.run.finished, timeout=10000) as blocker:
        panel.stop_button.click()
    assert blocker.args == ["stopped"]
    _no_thread_left(qtbot, window)
    assert panel.run.state == "idle" and not panel.run.running and panel.start_button.isEnabled()
    weights = window.workspace.weights
    assert weights.shape == before.shape and np.isfinite(weights).all()
    assert np.array_equal(weights, panel.run.last.weights)  # exactly the last snapshot the view showed
    assert not np.array_equal(weights, before)
    # the window is usable afterwards: train again, to the end
    panel.epochs.setValue(1)
    with qtbot.waitSignal(panel.run.finished, timeout=60000) as blocker:
        panel.start_button.click()
    assert blocker.args == ["done"]
    _no_thread_left(qtbot, window)


def test_a_matrix_beyond_available_memory_is_refused_with_a_message(window, qtbot, monkeypatch):
    weights = window.workspace.weights
    told = Told(window)
    monkeypatch.setattr(memory, "available_bytes", lambda: 2 * len(window.workspace.vocab) * 4096 * 4 - 1)
    window.controller.reinitialize(InitConfig("normal", 4096, 0))
    qtbot.waitUntil(lambda: bool(told.errors), timeout=30000)
    assert "memory" in told.errors[-1] and "4,096" in told.errors[-1]
    _no_thread_left(qtbot, window)
    assert window.workspace.weights is weights
    with qtbot.waitSignal(window.controller.idle, timeout=30000):  # a size that fits still works
        window.controller.reinitialize(InitConfig("normal", 1024, 0))
    assert window.workspace.weights.shape[1] == 1024


def test_an_exception_in_a_worker_is_shown_and_the_window_stays_usable(window, qtbot, monkeypatch, shared_data):
    import explorer.ui.controller as controller_module
    from explorer.core.io import vectors

    told = Told(window)
    weights = window.workspace.weights
    real = controller_module._initialize

    def broken(*args):
        raise RuntimeError("boom in the worker")

    monkeypatch.setattr(controller_module, "_initialize", broken)
    window.controller.reinitialize(InitConfig("normal", 8, 0))
    qtbot.waitUntil(lambda: bool(told.errors), timeout=30000)
    assert told.errors[-1] == "RuntimeError: boom in the worker"
    assert window.last_error == told.errors[-1]
    assert window.workspace.weights is weights

    def broken_load(*args, **kwargs):
        raise ValueError("a reader bug")

    monkeypatch.setattr(vectors, "load_vectors", broken_load)
    window.controller.open_path(shared_data / "gensim" / "test_glove.txt")
    qtbot.waitUntil(lambda: len(told.errors) >= 2, timeout=30000)
    assert "ValueError: a reader bug" in told.errors[-1]
    _no_thread_left(qtbot, window)
    assert window.workspace.weights is weights

    monkeypatch.setattr(controller_module, "_initialize", real)
    with qtbot.waitSignal(window.controller.idle, timeout=30000):
        window.controller.reinitialize(InitConfig("normal", 8, 0))
    assert window.workspace.weights.shape[1] == 8
