"""The Qt side of a training run: a superqt generator worker that trains, projects each
snapshot IN THE WORKER with the view's fixed PCA basis (explorer.core.projection.project.project with
the previous Projection), and hands the GUI only what it can draw.

- Frames: the worker yields a small `Frame` at least every ~50 ms (so Pause/Stop act at
  once); it carries coordinates only when the GUI has drawn the previous ones
  (`FrameGate`), so stale frames are dropped, never queued.
- History: every snapshot goes into a `Timeline` of bounded memory, thinned (every
  other one dropped) as the run grows; after the run a slider replays it.
- End: the final (or, after a NaN, the last good) matrix is written to the workspace
  with reason "trained". Closing the window quits the worker (`controller.jobs.stop_all`).

torch is imported only inside the worker function.
"""

from __future__ import annotations

import sys
import threading
import time
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QObject, Qt, Signal

ENCODE_BLOCK = 4000  # lines encoded between two yields
FRAME_INTERVAL = 1 / 30  # at most this many projected frames per second reach the GUI
TIMELINE_BYTES = 256 * 2**20  # snapshots kept for replay, at most this much memory
TIMELINE_MAX = 64
# While a worker trains, the GUI thread must get the GIL back quickly: with Python's
# default 5 ms switch interval, every Qt call made while painting can wait that long,
# and a frame's painting stalls the event loop for ~100 ms. 0.5 ms keeps stalls < 50 ms.
TRAINING_SWITCH_INTERVAL = 0.0005
_switch = {"users": 0, "saved": None}


def fast_gil_switching(on: bool) -> None:
    """Shorten the GIL switch interval while any training worker runs (reference counted)."""
    if on:
        if _switch["users"] == 0:
            _switch["saved"] = sys.getswitchinterval()
            sys.setswitchinterval(TRAINING_SWITCH_INTERVAL)
        _switch["users"] += 1
    elif _switch["users"] > 0:
        _switch["users"] -= 1
        if _switch["users"] == 0 and _switch["saved"] is not None:
            sys.setswitchinterval(_switch["saved"])


@dataclass
class Frame:
    stage: str  # "encoding" | "training"
    fraction: float  # 0..1 of this stage
    snapshot: object | None = None  # explorer.core.training.train.Snapshot
    coords: np.ndarray | None = None  # N x k in the run's fixed PCA basis (None: not drawn)
    explained: np.ndarray | None = None
    projection: object | None = None  # explorer.core.projection.project.Projection of this frame


class FrameGate:
    """Lets a new projected frame through only once the GUI has drawn the previous one."""

    def __init__(self) -> None:
        self._free = threading.Event()
        self._free.set()
        self._last = 0.0

    def take(self) -> bool:
        now = time.perf_counter()
        if self._free.is_set() and now - self._last >= FRAME_INTERVAL:
            self._free.clear()
            self._last = now
            return True
        return False

    def release(self) -> None:
        self._free.set()


class Timeline:
    """Snapshots of one run within a memory bound: when full, every other one is dropped
    (the first and the latest always stay), so the kept ones span the whole run."""

    def __init__(self, max_bytes: int = TIMELINE_BYTES, max_count: int = TIMELINE_MAX) -> None:
        self.max_bytes, self.max_count = max_bytes, max_count
        self.snapshots: list = []
        self._stride = 1
        self._seen = 0
        self._lock = threading.Lock()

    def capacity(self, snapshot) -> int:
        size = max(1, snapshot.weights.nbytes)
        return max(4, min(self.max_count, self.max_bytes // size))

    def add(self, snapshot) -> None:
        with self._lock:
            self._seen += 1
            if self.snapshots and (self._seen - 1) % self._stride and snapshot.progress < 1.0:
                return
            self.snapshots.append(snapshot)
            if len(self.snapshots) > self.capacity(snapshot):
                last = self.snapshots[-1]
                self.snapshots = self.snapshots[:-1][::2] + [last]
                self._stride *= 2

    def __len__(self) -> int:
        return len(self.snapshots)

    def __getitem__(self, i: int):
        return self.snapshots[i]

    @property
    def nbytes(self) -> int:
        return sum(s.weights.nbytes for s in self.snapshots)


def training_job(source, vocab, weights, config, settings, previous, gate: FrameGate, timeline: Timeline):
    """Generator run by the worker: encode the corpus, train, project, yield Frames.

    Each drawn frame is projected here, in the worker, with the view's projection kept
    fixed (`previous`'s PCA basis, else one fitted on the first snapshot)."""
    from explorer.core.projection.project import project
    from explorer.core.tokens.corpus import concat, corpus_lines, encode_lines
    from explorer.core.training.train import train

    lines = corpus_lines(source)
    parts = []
    keep_unknown = config.objective == "lm"
    for lo in range(0, max(1, len(lines)), ENCODE_BLOCK):
        parts.append(encode_lines(lines[lo:lo + ENCODE_BLOCK], vocab, keep_unknown=keep_unknown,
                                  source=str(source)))
        yield Frame("encoding", min(1.0, (lo + ENCODE_BLOCK) / max(1, len(lines))))
    corpus = concat(parts)
    if len(corpus) == 0:
        from explorer.core import ExplorerError

        raise ExplorerError("the corpus has no token of the current vocabulary", str(source))
    projection = previous
    for snap in train(corpus, weights, config):
        timeline.add(snap)
        frame = Frame("training", snap.progress, snap)
        if gate.take() or snap.progress >= 1.0:
            projection = project(snap.weights, settings, projection)
            frame.coords, frame.explained = full_coords(projection), projection.explained
            frame.projection = projection
        yield frame
    return projection


def live_settings(settings):
    """Live frames use the view's PCA/SVD settings as they are (a fixed basis, so the final
    reprojection lands exactly where the last frame was); t-SNE/UMAP views get PCA frames."""
    from dataclasses import replace

    if settings is None:
        from explorer.core.projection.project import ProjectionSettings

        return ProjectionSettings()
    return settings if settings.method in ("pca", "svd") else replace(settings, method="pca")


def full_coords(projection) -> np.ndarray:
    """One row per token (NaN rows for tokens outside a sample), as the view expects."""
    if projection.ids is None:
        return projection.coords
    coords = np.full((projection.n_total, projection.dims), np.nan, dtype=np.float32)
    coords[projection.ids] = projection.coords
    return coords


def race_job(source, vocab, starts: dict, config):
    """Generator for "Compare inits": yields (scheme, snapshot-without-weights-needed, isotropy)."""
    from dataclasses import replace

    from explorer.core.analysis.evaluate import isotropy
    from explorer.core.tokens.corpus import concat, corpus_lines, encode_lines
    from explorer.core.training.train import race

    lines = corpus_lines(source)
    parts = []
    for lo in range(0, max(1, len(lines)), ENCODE_BLOCK):
        parts.append(encode_lines(lines[lo:lo + ENCODE_BLOCK], vocab, keep_unknown=config.objective == "lm"))
        yield None
    corpus = concat(parts)
    for name, snap in race(corpus, starts, replace(config, yield_seconds=0.05)):
        iso = isotropy(snap.weights) if snap.progress >= 1.0 else None
        yield name, snap.step, snap.loss, snap.progress, iso


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
        self.gate = FrameGate()
        self.timeline = Timeline()
        self.basis = None
        self.last = None
        self._vocab = None
        self.settings = None
        self.paused_at = self.stopped_at = None  # perf_counter() when the worker paused / quit
        self.state = "idle"  # idle | running | paused
        self._outcome = "done"

    @property
    def running(self) -> bool:
        return self.worker is not None

    def start(self, source, config) -> None:
        if self.worker is not None:
            return
        weights = self.workspace.weights
        if weights is None:
            self.controller.error.emit("no matrix to train yet: initialize one first")
            return
        self.gate = FrameGate()
        self.timeline = Timeline()
        self.last = None
        self.basis = None
        self._outcome = "done"
        self._vocab = self.workspace.vocab
        self.settings = live_settings(getattr(self.controller, "settings", None))
        previous = getattr(self.controller, "projection", None)
        if previous is not None and (previous.n_total != len(weights) or previous.basis is None
                                     or previous.settings != self.settings):
            previous = None
        worker = self.controller.jobs.start(
            training_job, source, self._vocab, weights, config, self.settings, previous,
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

    # -- worker callbacks (GUI thread) ------------------------------------------
    def _on_frame(self, frame: Frame) -> None:
        if frame.snapshot is not None:
            self.last = frame.snapshot
        if frame.coords is not None:
            self.basis = frame.projection
            if self.workspace.vocab is self._vocab and len(frame.coords) == len(self._vocab):
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
        if last is not None and last.step > 0 and self.workspace.vocab is self._vocab:
            self.workspace.set_weights(last.weights, "trained")
        self.finished.emit(self._outcome)

    # -- replay -------------------------------------------------------------------
    def replay(self, index: int) -> None:
        """Show snapshot `index` of the timeline in the view (fixed basis, no retraining)."""
        if not len(self.timeline) or self.workspace.vocab is not self._vocab:
            return
        snap = self.timeline[max(0, min(index, len(self.timeline) - 1))]
        from explorer.core.projection.project import project

        projection = project(snap.weights, self.settings, self.basis)  # the run's fixed basis
        if self.basis is None:  # a restored run: fit once, then every step only transforms
            self.basis = projection
        self.controller.projection_ready.emit(full_coords(projection), projection.explained)
