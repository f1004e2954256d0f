"""The Python API as a user's script calls it: `import explorer` stays light, `explorer.Run`
logs a real PyTorch loop (examples/watch_training.py, the README's snippet), the window opens
what it logged, and `explorer.show` opens the window on a matrix."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import explorer
from explorer.core import ExplorerError
from explorer.core.io.session import load_session
from explorer.core.tokens.demo import category_labels, demo_vocabulary
from tests.journeys.conftest import points_in_view

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "watch_training.py"
ENV = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def test_import_explorer_is_light():
    code = ("import sys, explorer; heavy = [m for m in ('PySide6', 'torch', 'pyqtgraph', 'sklearn') "
            "if m in sys.modules]; print(heavy); explorer.Run; print([m for m in ('PySide6', 'torch') "
            "if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=ENV, check=True)
    assert out.stdout.split("\n")[:2] == ["[]", "[]"]  # neither at import, nor for Run


@pytest.fixture(scope="module")
def logged(tmp_path_factory) -> Path:
    """The README's training loop, run as a user runs it: 400 steps, a snapshot every 50."""
    pytest.importorskip("torch")
    path = tmp_path_factory.mktemp("run") / "demo.eerun"
    out = subprocess.run([sys.executable, str(EXAMPLE), str(path), "400"], capture_output=True, text=True,
                         env=ENV, timeout=600)
    assert out.returncode == 0, out.stderr
    assert f"logged 400 steps to {path}" in out.stdout
    return path


def test_the_example_logs_a_run_that_opens_as_a_session(logged):
    session = load_session(logged)
    vocab = demo_vocabulary()
    assert session.vocab.tokens == vocab.tokens and session.weights.shape == (len(vocab), 64)
    assert [s.step for s in session.snapshots] == list(range(0, 400, 50))
    losses = [loss for _, loss in session.history["loss"]]
    assert len(losses) == 8 and losses[-1] < 0.7 * losses[0]  # the loop learned, and said so
    assert session.categories == category_labels(vocab)
    assert not np.array_equal(session.snapshots[0].weights, session.weights)


def test_the_window_opens_the_logged_run(window, qtbot, logged):
    with qtbot.waitSignal(window.session_controller.opened, timeout=30000):
        window.load_path(logged)
    qtbot.waitUntil(lambda: window.controller.up_to_date, timeout=30000)
    panel = window.train_panel
    assert len(panel.run.timeline) == 8 and panel.timeline.maximum() == 7  # the timeline replays the run
    assert [step for step, _ in panel.losses] == list(range(0, 400, 50))
    assert len(window.workspace.vocab) == 124
    qtbot.waitUntil(lambda: points_in_view(window.scatter2d) == 124, timeout=10000)  # framed to fit them
    assert window.workspace.categories[:3] == category_labels(demo_vocabulary())[:3]


def test_show_opens_the_window_on_a_matrix(qtbot):
    torch = pytest.importorskip("torch")
    vocab = demo_vocabulary()
    weights = torch.nn.Embedding(len(vocab), 16).weight
    window = explorer.show(weights, tokens=vocab.tokens, metadata=category_labels(vocab))  # a Qt app runs: returns
    qtbot.addWidget(window)
    try:
        qtbot.waitUntil(lambda: window.controller.up_to_date, timeout=30000)
        assert np.array_equal(window.workspace.weights, weights.detach().numpy())
        assert window.workspace.vocab.tokens == vocab.tokens
        assert points_in_view(window.scatter2d) == len(vocab)
        assert "function" in window.workspace.categories
    finally:
        window.session_controller.prompt_on_close = False
        window.close()


def test_show_names_rows_and_refuses_mismatches(qtbot):
    window = explorer.show(np.eye(5, 3, dtype=np.float64))
    qtbot.addWidget(window)
    try:
        assert window.workspace.vocab.tokens == ["0", "1", "2", "3", "4"]
        assert window.workspace.weights.dtype == np.float32
    finally:
        window.session_controller.prompt_on_close = False
        window.close()
    with pytest.raises(ExplorerError, match="3 tokens for a matrix of 5 rows"):
        explorer.show(np.zeros((5, 2)), tokens=["a", "b", "c"])
    with pytest.raises(ExplorerError, match="must be a matrix"):
        explorer.show(np.zeros(5))


def test_run_is_a_context_manager_and_checks_its_input(tmp_path):
    path = tmp_path / "r.eerun"
    with explorer.Run(path, tokens=["a", "b"], every=2) as run:
        assert run.log(0, np.zeros((2, 3)), 1.0) and not run.log(1, np.ones((2, 3)), 0.5)
        assert run.log(2, np.ones((2, 3)), 0.25)
        with pytest.raises(ExplorerError, match="3 rows for 2 tokens"):
            run.log(4, np.zeros((3, 3)))
    assert run.closed
    session = load_session(path)
    assert [s.step for s in session.snapshots] == [0, 2]
    assert session.history["loss"] == [[0, 1.0], [2, 0.375]]
    with pytest.raises(ExplorerError, match="every must be"):
        explorer.Run(tmp_path / "x.eerun", every=0)
    with pytest.raises(ExplorerError, match="closed"):
        run.log(5, np.zeros((2, 3)))
