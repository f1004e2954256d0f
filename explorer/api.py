"""The Python API: `explorer.show` opens the window on a matrix; `explorer.Run` logs a
training loop to a run file that the window opens, or follows live (`--watch RUN`).

Neither imports torch (a tensor is recognised by its methods) and `Run` never imports Qt,
so logging costs a training script nothing but the copy of each snapshot."""

from __future__ import annotations

import os
from pathlib import Path

from explorer.core import ExplorerError
from explorer.core.io.run_log import RUN_BYTES, RunWriter, host_copy, make_vocab
from explorer.core.training.timeline import TIMELINE_MAX


class Run:
    """A logger for any training loop: each `log` appends a snapshot to the run file at `path`.

        with explorer.Run("run.eerun", tokens=vocab, every=50) as run:
            for step in range(steps):
                ...
                run.log(step, model.embed.weight, loss)

    - `tokens`: one string per row (or a Vocabulary); `counts`: one count per token;
      `metadata`: one label per token (the window colours by it). Without tokens, rows are
      named by their number.
    - `every`: keep a matrix every `every` steps (others add only their loss; a snapshot's
      loss is the mean since the previous one). None: every call is a snapshot.
    - `steps`: how many steps the loop will run, when known: the window then shows the
      run's progress and time left.
    - `log` copies the matrix (a torch tensor on any device, or a numpy array) and returns;
      a background thread writes it. Snapshots are float32, bit for bit (`dtype="float16"`
      halves the file). Crash-safe: a process killed mid-write loses at most the snapshot
      being written. Long runs are thinned as the window's timeline is (the first and the
      latest stay; at most `max_count` snapshots and `max_bytes` kept).
    - `close()` (or leaving the `with` block) writes what is pending and marks the run ended;
      a window following the run then stops waiting.
    """

    def __init__(self, path: str | os.PathLike, tokens=None, counts=None, every: int | None = None, *,
                 metadata=None, steps: int | None = None, dtype: str = "float32", max_bytes: int = RUN_BYTES,
                 max_count: int = TIMELINE_MAX, durable: bool = True) -> None:
        vocab = make_vocab(tokens, counts)
        categories = None if metadata is None else [str(label) for label in metadata]
        self._writer = RunWriter(path, vocab, categories=categories, every=every, dtype=dtype,
                                 max_bytes=max_bytes, max_count=max_count, durable=durable, steps=steps)

    @property
    def path(self) -> Path:
        return self._writer.path

    @property
    def closed(self) -> bool:
        return self._writer.closed

    def log(self, step: int, weights, loss=None, *, epoch: int = 0, tokens_seen: int = 0) -> bool:
        """Record `step` (its loss, and its matrix when due); returns whether a snapshot was taken."""
        return self._writer.log(step, weights, loss, epoch=epoch, tokens_seen=tokens_seen)

    def flush(self) -> None:
        """Wait until every snapshot logged so far is in the file."""
        self._writer.flush()

    def close(self) -> None:
        self._writer.close()

    def __enter__(self) -> Run:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Run({str(self.path)!r}, snapshots={self._writer.logged}{', closed' if self.closed else ''})"


def _ipython_runs_qt() -> bool:
    """Whether an IPython shell or notebook runs Qt's event loop for us (`%gui qt`)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and str(getattr(shell, "active_eventloop", "") or "").startswith("qt")


def show(weights, tokens=None, counts=None, metadata=None, *, block: bool | None = None):
    """Open the window on `weights` (a numpy array or torch tensor, rows x dim).

    `tokens`: one string per row (or a Vocabulary); `counts`: one count per token;
    `metadata`: one label per token (points are coloured by it). From a script, `show`
    blocks until the window is closed; where a Qt event loop already runs (a Qt app, a
    notebook after `%gui qt`) it returns at once. Returns the window either way
    (`block` overrides)."""
    from explorer.core.io.run_log import vocab_from
    from explorer.core.io.session import Session

    matrix = host_copy(weights)
    vocab = make_vocab(tokens, counts) or vocab_from(None, matrix.shape[0], "explorer.show")
    if len(vocab) != matrix.shape[0]:
        raise ExplorerError(f"{len(vocab)} tokens for a matrix of {matrix.shape[0]} rows")
    categories = None if metadata is None else [str(label) for label in metadata]
    if categories is not None and len(categories) != len(vocab):
        raise ExplorerError(f"metadata has {len(categories)} labels for {len(vocab)} tokens")
    from PySide6.QtWidgets import QApplication

    from explorer.core.state.workspace import Workspace
    from explorer.ui.main_window import MainWindow, app_instance

    running = QApplication.instance() is not None
    app = app_instance()
    window = MainWindow(Workspace(vocab, categories))
    window.show()
    window.session_controller.restore(Session(vocab=vocab, weights=matrix, categories=categories), None)
    if block is None:
        block = not running and not _ipython_runs_qt()
    if block:
        window.session_controller.prompt_on_close = False  # the script holds the matrix
        app.exec()
    return window
