"""The window follows a training run live: `embedding-explorer --watch RUN`, File ▸ Watch run….

    watch_run(window, "run.eerun")

1. waits (progress bar with Cancel) for the run's first snapshot: the file may not exist yet;
2. shows the run's vocabulary and that first matrix (projected as any opened matrix is);
3. once the view is up to date, the Training dock's run follows the file
   (`TrainingRun.follow(watch_job, path, ...)`): snapshots animate the view as they
   arrive, with the live basis, the loss curve, the timeline and Pause/Stop of built-in
   training. It ends when the run is closed (or its process is gone), or at Stop.
All reading happens in workers (explorer/core/io/run_log.py); this file only wires them.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QFileDialog

from explorer.core.io.run_log import RUN_SUFFIX, run_id_of, wait_for_run, watch_job


class RunWatch(QObject):
    """One watched run: `following` once frames start, `finished(outcome)` when it ends."""

    following = Signal(str)  # the run's path
    finished = Signal(str)  # TrainingRun's outcome ("done", "stopped", "error" ...), or "replaced"
    # when a new run started at the same path (a new RunWatch then follows it)

    def __init__(self, window, path: Path) -> None:
        super().__init__(window)
        self.window = window
        self.path = path
        self.handle = None
        self.run_id: str | None = None  # the run followed (another may start at the same path later)

    def start(self) -> None:
        controller = self.window.controller
        self.handle, _worker = controller.run_long(
            wait_for_run, self.path, description=f"Waiting for the run {self.path.name}",
            on_result=self._first_snapshot)

    def _first_snapshot(self, result) -> None:
        vocab, categories, first, self.run_id = result
        window = self.window
        window.session_controller.path = None  # a run is watched, not a session being edited
        window.workspace.set_vocab(vocab, categories, first.weights, made_by=f"run: {self.path.name}",
                                   kind="session")
        window.train_panel.load_history({}, [])  # a fresh loss curve and timeline for this run
        controller = window.controller
        if controller.up_to_date:
            self._follow()
        else:  # the first matrix is projected first: the run's frames start from that basis
            controller.idle.connect(self._follow_once)

    def _follow_once(self) -> None:
        self.window.controller.idle.disconnect(self._follow_once)
        self._follow()

    def _follow(self) -> None:
        run = self.window.train_panel.run
        if run.running:  # one run at a time: the watch replaces a run in progress, once it stopped
            run.finished.connect(self._after_stop)
            run.stop()
            return
        run.finished.connect(self._run_finished)
        run.follow(partial(watch_job, run_id=self.run_id, tokens=self.window.workspace.vocab.tokens), self.path,
                   description=f"watching {self.path.name}")
        self.window.docks["Training"].raise_()
        self.window.controller.message.emit(f"Watching {self.path}: the view follows it as it trains")
        self.following.emit(str(self.path))

    def _after_stop(self, _outcome: str) -> None:
        self.window.train_panel.run.finished.disconnect(self._after_stop)
        self._follow()

    def _run_finished(self, outcome: str) -> None:
        run = self.window.train_panel.run
        run.finished.disconnect(self._run_finished)
        last = run.last
        if last is not None and last.step > 0 and self.window.workspace.weights is last.weights:
            # what made the matrix: this run, not one of the built-in objectives
            self.window.state.matrix.update(made_by=f"run: {self.path.name}, step {last.step:,}", kind="trained")
        now = run_id_of(self.path)
        if outcome == "done" and now is not None and now != self.run_id:
            # the training script started again, writing a new run to the same file: follow that one
            self.window.controller.message.emit(f"A new run started in {self.path.name}: following it")
            self.finished.emit("replaced")
            watch_run(self.window, self.path, confirm=False)  # the same watch, going on
            return
        self.window.controller.message.emit(f"The run {self.path.name} ended" if outcome == "done"
                                            else f"Stopped watching {self.path.name}")
        self.finished.emit(outcome)


def watch_run(window, path: str | Path, confirm: bool = True) -> RunWatch:
    """Follow the run file at `path` live in `window` (what --watch and File ▸ Watch run… call).
    The run replaces what the window shows: unsaved changes are offered to be saved first
    (`confirm`); the watch starts once answered (Cancel: it never does)."""
    watch = RunWatch(window, Path(path))
    window._run_watch = watch  # kept alive with the window
    if confirm:
        window.session_controller.confirm_replace(watch.start, f"Watching {Path(path).name}")
    else:
        watch.start()
    return watch


def watch_run_dialog(window) -> RunWatch | None:
    """File ▸ Watch run…: ask for a run file, then follow it."""
    path, _ = QFileDialog.getOpenFileName(window, "Watch a training run",
                                          str(Path.home()), f"Training runs (*{RUN_SUFFIX});;All files (*)")
    return watch_run(window, path) if path else None
