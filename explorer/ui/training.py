"""The Qt side of a training run: a superqt generator worker runs
`explorer.core.training.live.training_job` (train, project each drawn frame in the worker)
and this object turns its frames into signals for the GUI.

- Frames: the view draws a frame's coordinates, then releases the `FrameGate` so the
  worker projects the next one (stale frames are dropped, never queued).
- End: the final (or, after a NaN, the last good) matrix is written to the workspace
  with reason "trained" and what made it ("trained: <objective>, epoch k of n").
  Closing the window quits the worker (`controller.jobs.stop_all`).
- Replay: after a run (or a restored one) `replay(i)` shows snapshot i of the timeline.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QObject, Qt, Signal

from explorer.core.projection.project import project
from explorer.core.training.config import OBJECTIVE_LABELS, TrainConfig
from explorer.core.training.live import Frame, FrameGate, fast_gil_switching, live_settings, training_job
from explorer.core.training.snapshot import Snapshot
from explorer.core.training.timeline import Timeline


class TrainingRun(QObject):
    """Starts, pauses, resumes and stops one training run; owned by the Training panel."""

    started = Signal()
    frame = Signal(object)  # Frame (GUI thread)
    paused = Signal()
    resumed = Signal()
    stopped = Signal()  # the worker quit at Stop (or on close); `finished` follows
    finished = Signal(str)  # "done" | "stopped" | "diverged" | "error"

    def __init__(self, workspace, controller, parent=None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.controller = controller
        self.worker = None
        self.gate_type = FrameGate  # tools/soak.py counts frames with a subclass
        self.gate = FrameGate()
        self.timeline = Timeline()
        self.config: TrainConfig | None = None  # the run's settings, as they were at Start
        self.basis = None  # the Projection the frames (and replays) are shown in
        self.last: Snapshot | None = None
        self.vocab = None
        self.settings = None
        self.paused_at = self.stopped_at = None  # perf_counter() when the worker paused / quit
        self.state = "idle"  # idle | running | paused
        self._outcome = "done"

    @property
    def running(self) -> bool:
        return self.worker is not None

    def start(self, source, config: TrainConfig) -> None:
        """Train on `source` with `config` (a copy: the settings may change meanwhile)."""
        if self.worker is not None:
            return
        weights = self.workspace.weights
        if weights is None:
            self.controller.error.emit("no matrix to train yet: initialize one first")
            return
        self.gate = self.gate_type()
        self.timeline = Timeline()
        self.config = config
        self.last = None
        self.basis = None
        self._outcome = "done"
        self.vocab = self.workspace.vocab
        self.settings = live_settings(self.workspace.state.projection.copy())
        worker = self.controller.jobs.start(
            training_job, source, self.vocab, weights, config, self.settings, self._view_projection(),
            self.gate, self.timeline,
            description=f"training ({config.objective})", on_yield=self._on_frame,
            on_result=self._on_result, on_error=self._on_error, on_finished=self._on_finished)
        worker.paused.connect(self._on_paused)
        worker.resumed.connect(self._on_resumed)
        worker.aborted.connect(self._on_aborted)
        # When the worker itself paused / quit (recorded in the worker thread, so the time
        # does not include the GUI's event queue): Pause and Stop must act within 200 ms.
        worker.paused.connect(self._mark_paused, Qt.DirectConnection)
        worker.aborted.connect(self._mark_stopped, Qt.DirectConnection)
        self.worker = worker
        fast_gil_switching(True)
        self.state = "running"
        self.started.emit()

    def pause(self) -> None:
        if self.worker is not None and self.state == "running":
            self.worker.pause()

    def resume(self) -> None:
        if self.worker is not None and self.state == "paused":
            self.worker.resume()

    def stop(self) -> None:
        if self.worker is not None:
            self._outcome = "stopped"
            self.worker.quit()

    def restore(self, snapshots: list[Snapshot]) -> None:
        """A saved run's snapshots: replay shows them again (the basis is fitted by the first)."""
        self.timeline = Timeline(snapshots=snapshots)
        self.vocab = self.workspace.vocab
        self.settings = live_settings(self.workspace.state.projection.copy())  # PCA/SVD only
        self.basis = None

    def _view_projection(self):
        """The projection the view shows, when the run's frames can start from its basis."""
        shown = self.workspace.state.fit.projection
        if shown is None or shown.n_total != len(self.workspace.vocab) or shown.basis is None \
                or shown.settings != self.settings:
            return None
        return shown

    # -- worker callbacks (GUI thread) ------------------------------------------
    def _on_frame(self, frame: Frame) -> None:
        if frame.snapshot is not None:
            self.last = frame.snapshot
        if frame.coords is not None:
            self.basis = frame.projection
            if self.workspace.vocab is self.vocab and len(frame.coords) == len(self.vocab):
                self.controller.projection_ready.emit(frame.coords, frame.explained)
            self.gate.release()
        self.frame.emit(frame)

    def _mark_paused(self) -> None:
        self.paused_at = time.perf_counter()

    def _mark_stopped(self) -> None:
        self.stopped_at = time.perf_counter()

    def _on_paused(self) -> None:
        self.state = "paused"
        self.paused.emit()

    def _on_resumed(self) -> None:
        self.state = "running"
        self.resumed.emit()

    def _on_aborted(self) -> None:
        self._outcome = "stopped"
        self.stopped.emit()

    def _on_result(self, projection) -> None:
        self.basis = projection  # the run's last Projection: its basis replays the timeline

    def _on_error(self, exc: Exception) -> None:
        from explorer.core.training.train import TrainingDiverged

        if isinstance(exc, TrainingDiverged):
            self._outcome = "diverged"
            if exc.last_good is not None:
                self.last = exc.last_good
            self.controller.error.emit(str(exc))
        else:
            self._outcome = "error"
            self.controller._report(exc)

    def _on_finished(self) -> None:
        fast_gil_switching(False)
        self.worker = None
        self.state = "idle"
        last = self.last
        if last is not None and last.step > 0 and self.workspace.vocab is self.vocab:
            made_by = (f"trained: {OBJECTIVE_LABELS[self.config.objective]}, "
                       f"epoch {last.epoch + 1} of {self.config.epochs}")
            self.workspace.set_weights(last.weights, "trained", made_by=made_by, kind="trained")
        self.finished.emit(self._outcome)

    # -- replay -------------------------------------------------------------------
    def replay(self, index: int) -> None:
        """Show snapshot `index` of the timeline in the view (fixed basis, no retraining)."""
        if not len(self.timeline) or self.workspace.vocab is not self.vocab:
            return
        snap = self.timeline[max(0, min(index, len(self.timeline) - 1))]
        projection = project(snap.weights, self.settings, self.basis or self._view_projection())
        if self.basis is None:  # a restored run: fitted once, then every step only transforms
            self.basis = projection
        self.controller.projection_ready.emit(projection.full_coords(), projection.explained)
