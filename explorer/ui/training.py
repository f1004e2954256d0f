"""The Qt side of a training run: a superqt generator worker runs
`explorer.core.training.live.training_job` (train, project each drawn frame in the worker)
and this object turns its frames into signals for the GUI.

- Frames: the view draws a frame's coordinates, then releases the `FrameGate` so the
  worker projects the next one (stale frames are dropped, never queued).
- End: the final (or, after a NaN, the last good) matrix is written to the workspace
  with reason "trained" and what made it ("trained: <objective>, epoch k of n").
  Closing the window quits the worker (`controller.jobs.stop_all`).
- Replay: after a run (or a restored one) `replay(i)` shows snapshot i of the timeline,
  its basis tracked along the timeline as live frames are.
- Any other source of Frames (a gensim run, a replayed log) runs through `follow(job, ...)`.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QObject, Qt, Signal

from explorer.core.projection.live_basis import track
from explorer.core.training.config import OBJECTIVE_LABELS, TrainConfig
from explorer.core.training.live import Frame, FrameGate, fast_gil_switching, live_settings, training_job
from explorer.core.training.snapshot import Snapshot
from explorer.core.training.timeline import Timeline

REPLAY_SYNC_LIMIT = 2_000_000  # matrix entries whose replay frames are computed on the GUI thread


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
        self._replayed: dict = {}  # the timeline replayed, one Projection per snapshot
        self._replay_job = None  # big matrices: replay frames are computed in a worker
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
        if self.workspace.weights is None:
            self.controller.error.emit("no matrix to train yet: initialize one first")
            return
        self.follow(training_job, source, self.workspace.vocab, self.workspace.weights, config,
                    description=f"training ({config.objective})", config=config)

    def follow(self, job, *args, description: str, config: TrainConfig | None = None) -> None:
        """Run any generator job that yields Frames through the same path as `start()`:
        frame signal, view, loss curve, timeline, Pause/Stop, `finished` (and the final
        matrix written to the workspace).

        follow(job, *args, description: str, config: TrainConfig | None = None)

        The job is called as `job(*args, settings, previous, gate, timeline)`: the run's
        live projection settings, the view's Projection to start from (or None), this run's
        FrameGate and Timeline; pass them on to `explorer.core.training.live.frames`, e.g.

            def job(snapshots, settings, previous, gate, timeline):
                return (yield from frames(snapshots, settings, previous, gate, timeline,
                                          tokens=vocab.tokens))  # semantic axes need them
            run.follow(job, my_snapshots, description="replaying gensim")

        `config` is the run's TrainConfig (for "epoch k of n" and the panel; default: the
        state's, copied)."""
        if self.worker is not None:
            return
        self.gate = self.gate_type()
        self.timeline = Timeline()
        self.config = config if config is not None else self.workspace.state.train.copy()
        self.last = None
        self.basis = None
        self._replayed = {}
        self._outcome = "done"
        self.vocab = self.workspace.vocab
        self.settings = live_settings(self.workspace.state.projection.copy())
        worker = self.controller.jobs.start(
            job, *args, self.settings, self._view_projection(), self.gate, self.timeline, description=description, on_yield=self._on_frame,
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
        """A saved run's snapshots: replay shows them again, as it did before saving."""
        self.timeline = Timeline(snapshots=snapshots)
        self.vocab = self.workspace.vocab
        self.settings = live_settings(self.workspace.state.projection.copy())  # PCA/SVD or axes
        self.basis = None
        self._replayed = {}

    def _view_projection(self):
        """The projection the view shows, when the run's frames can start from its basis."""
        shown = self.workspace.state.fit.projection
        if shown is None or shown.n_total != len(self.workspace.vocab) or shown.settings != self.settings:
            return None
        # Semantic axes have no basis: each frame recomputes them (cheap), from the shown one.
        return shown if shown.basis is not None or shown.method == "axes" else None

    # -- worker callbacks (GUI thread) ------------------------------------------
    def _on_frame(self, frame: Frame) -> None:
        if frame.stage == "pacing":  # a paced run waiting: nothing new to show
            return
        if frame.snapshot is not None:
            self.last = frame.snapshot
        if frame.coords is not None:
            self.basis = frame.projection
            if self.workspace.vocab is self.vocab and len(frame.coords) == len(self.vocab):
                self.controller.show_live(frame.projection)  # titles state this frame's variance
            self.gate.release()
        self.frame.emit(frame)
        if frame.coords is not None and self.workspace.vocab is self.vocab:
            self.controller.live_frame.emit(frame)  # e.g. the Inspector's neighbours follow it

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
            if self.basis is not None:  # the final matrix is shown in the run's last basis
                self.controller.show_live(self.basis, draw=False)
            made_by = (f"trained: {OBJECTIVE_LABELS[self.config.objective]}, "
                       f"epoch {last.epoch + 1} of {self.config.epochs}")
            self.workspace.set_weights(last.weights, "trained", made_by=made_by, kind="trained")
        self.finished.emit(self._outcome)

    # -- replay -------------------------------------------------------------------
    def replay(self, index: int) -> None:
        """Show snapshot `index` of the timeline in the view (no retraining).

        The basis follows the matrix along the timeline as it did live: snapshot 0 gets a
        fresh fit, each later one is tracked from the one before (`live_basis.track`), the
        last one converged. Computed once per snapshot and kept, so a run and the same run
        restored from a session replay the same frames. Frames not computed yet are computed
        on the spot for small matrices, else in a worker (the latest request wins)."""
        if not len(self.timeline) or self.workspace.vocab is not self.vocab:
            return
        index = max(0, min(index, len(self.timeline) - 1))
        frames = self._replay_frames()
        if index < len(frames):
            self.controller.show_replay(frames[index])
            return
        weights = self.timeline[0].weights
        if weights.size <= REPLAY_SYNC_LIMIT:
            self.controller.show_replay(self.replay_projection(index))
            return
        if self._replay_job is None:
            from explorer.ui.workers import LatestJob

            self._replay_job = LatestJob(self.controller.jobs, self)
        timeline, vocab = self.timeline, self.vocab

        def shown(projection) -> None:
            if self.timeline is timeline and self.workspace.vocab is vocab:
                self.controller.show_replay(projection)

        self._replay_job.request(self.replay_projection, index, on_result=shown,
                                 on_error=self.controller._report, description="replaying the timeline")

    def _replay_frames(self) -> list:
        cache = self._replayed
        if cache.get("timeline") is not self.timeline.snapshots or len(cache.get("frames", ())) > len(self.timeline):
            cache.clear()
            cache.update(timeline=self.timeline.snapshots, frames=[])
        return cache["frames"]

    def replay_projection(self, index: int):
        """The Projection `replay(index)` shows (see there); computes the frames up to it."""
        index = max(0, min(index, len(self.timeline) - 1))
        shown = self._replay_frames()
        last = len(self.timeline) - 1
        while len(shown) <= index:
            j = len(shown)
            snap = self.timeline[j]
            previous = shown[-1] if shown else None
            # The last snapshot's basis is converged, as the live run's last frame (sessions
            # keep no progress, so "last" is its place in the timeline).
            shown.append(track(snap.weights, self.settings, previous, converge=j == last,
                               tokens=self.vocab.tokens))
        return shown[index]
