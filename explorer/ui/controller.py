"""Runs the heavy steps (init, projection, file loading) off the GUI thread and
writes their results into the workspace and its state. Panels call it; views listen to it.

The projection follows `state.projection`: any change of a setting re-projects the current
matrix (one request per turn of the event loop, the latest winning), and each result is
written to `state.fit`.

t-SNE/UMAP are drawn as they go: their interim layouts (handed over by the worker, at most
~8 a second) are drawn and stated ("… (iteration 120 of 750)") without becoming
`state.fit.projection`, which changes only with the final layout; a cancelled or failed run
puts the picture it replaced back, and a newer request's arrival drops the older one's."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal

from explorer.core import Cancelled, ExplorerError
from explorer.core.matrix.schemes import InitConfig, describe
from explorer.core.projection.project import METHOD_LABELS
from explorer.core.projection.sampling import SLOW_METHODS, sample_for_method, sample_for_vocabulary
from explorer.core.state.workspace import Workspace
from explorer.ui.workers import Jobs, LatestJob, ProgressHandle

# Settings whose change needs a fresh fit (a new basis, a cold t-SNE); a change of the
# others (method, dims, sample, sphereize, seed) gives other rows or axes, and so one anyway.
REFIT_FIELDS = ("perplexity", "n_neighbors")


def _initialize(config: InitConfig, vocab_size: int, padding_idx: int | None) -> np.ndarray:
    # Imported in the worker: torch must not be on the path to the first paint.
    from explorer.core.matrix.init import initialize

    return initialize(config, vocab_size, padding_idx)


def _project(weights: np.ndarray, settings, previous, refit: bool = False, progress=None, should_cancel=None,
             tokens=None, on_layout=None):
    from explorer.core.projection.project import project

    return project(weights, settings, previous, refit=refit, progress=progress, should_cancel=should_cancel,
                   tokens=tokens, on_layout=on_layout)


def isolation_rows(weights: np.ndarray, selection, k: int, metric: str = "cosine") -> tuple:
    """The selected rows and each one's `k` nearest neighbours in the full space (run in a worker)."""
    from explorer.core.analysis.neighbors import NeighborIndex

    rows = {int(i) for i in selection}
    if k > 0:
        index = NeighborIndex(weights, codes=False)  # exact scores: a few queries need no codes
        for token_id in list(rows):
            rows.update(int(i) for i, _ in index.neighbors_of(token_id, k, metric))
    return tuple(sorted(rows))


class Controller(QObject):
    projection_ready = Signal(object, object)  # (coords N x k, explained variance ratio)
    projected = Signal(object)  # the explorer.core.projection.project.Projection just shown
    interim_shown = Signal(object)  # an interim t-SNE/UMAP Projection just drawn
    interim_dropped = Signal()  # its run ended without a final layout: the one before is drawn again
    projection_failed = Signal(str)  # a projection the settings asked for could not be made
    _layout_arrived = Signal(object, int)  # (interim Projection, request number), from a worker
    live_frame = Signal(object)  # a drawn live training Frame (after the view drew it)
    error = Signal(str)
    message = Signal(str)
    idle = Signal()  # no job runs and the view shows the current matrix
    long_job_started = Signal(object)  # ProgressHandle: the window shows a bar with Cancel
    long_job_finished = Signal(object)  # ProgressHandle

    def __init__(self, workspace: Workspace, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.state = workspace.state
        self.jobs = Jobs(self)
        self.projections = LatestJob(self.jobs, self)
        self.coords: np.ndarray | None = None  # N x k, one row per token (NaN: not in the sample)
        self._refit_pending = False  # until a fresh fit is shown
        self._projected_weights = None
        self._replays = 0  # timeline snapshots shown at the user's request (see show_replay)
        self._stopped = False  # the window closed
        self._requests = 0  # numbers each projection request: interim layouts name theirs
        self._ended = 0  # the newest request whose job has ended: its layouts come too late
        self._interim_of = 0  # the request whose interim layout is drawn now
        self.interim = None  # the interim Projection drawn now (None: the one shown is final)
        # A signal emitted in the worker reaches this GUI-thread object queued, in order.
        self._layout_arrived.connect(self._draw_interim)
        # State changes made together (a tour step, a session) make one projection.
        self._reproject_soon = QTimer(self, singleShot=True, interval=0)
        self._reproject_soon.timeout.connect(self.reproject)
        self._long_handles: set = set()  # the long jobs running (closing the window cancels them)
        self.loaders: dict[str, object] = {}  # file kind -> callable(path), filled by panels
        self.state.projection.events.changed.connect(self._settings_changed)
        workspace.events.weights_changed.connect(self._weights_changed)
        workspace.events.vocab_changed.connect(self._vocab_changed)
        self.jobs.running_changed.connect(self._check_idle)

    @property
    def projection(self):
        """The Projection shown (its basis/layout keep frames stable), or None."""
        return self.state.fit.projection

    @property
    def drawn(self):
        """The Projection whose coordinates the views draw: an interim layout while a
        t-SNE/UMAP runs, else the one shown."""
        return self.interim if self.interim is not None else self.projection

    def _settings_changed(self, name: str, value) -> None:
        settings = self.state.projection
        if name == "method":
            sample = sample_for_method(settings.sample, len(self.workspace.vocab), value)
            if sample != settings.sample:
                settings.sample = sample  # the Sample box shows it; its event re-projects
                return
        if name in REFIT_FIELDS:
            self._refit_pending = True
        self._reproject_soon.start()

    def _weights_changed(self, _weights, reason: str = "") -> None:
        # A new matrix (initialized or loaded) gets a fresh fit; training steps keep the
        # basis / layout of the previous frame so that points do not jump.
        if reason.startswith("init") or reason == "loaded":
            self._refit_pending = True
        self._reproject_soon.start()

    def _vocab_changed(self, vocab) -> None:
        self.state.fit.projection = None  # another vocabulary: nothing to keep stable
        settings = self.state.projection
        settings.sample = sample_for_vocabulary(settings.sample, len(vocab), settings.method)
        if self.workspace.weights is None:  # a bare vocabulary: give it a matrix
            self.reinitialize()

    def _check_idle(self, running: str) -> None:
        if not running and self.jobs.active == 0 and self.up_to_date:
            self.idle.emit()

    @property
    def up_to_date(self) -> bool:
        """The view shows a projection of the current matrix, as the settings say."""
        return (self.workspace.weights is not None and self._projected_weights is self.workspace.weights
                and self.coords is not None and self.projection is not None
                and self.projection.settings == self.state.projection)

    # -- initialization -------------------------------------------------------
    def reinitialize(self, config: InitConfig | None = None) -> None:
        """A fresh matrix from `config` (default: the state's init settings, which it becomes)."""
        config = (config or self.state.init).copy()
        vocab = self.workspace.vocab

        def done(weights: np.ndarray) -> None:
            if self.workspace.vocab is not vocab:
                return  # the vocabulary changed meanwhile: this matrix is stale
            self.state.init.update(scheme=config.scheme, dim=config.dim, seed=config.seed,
                                   params=dict(config.params))
            self.workspace.set_weights(weights, f"init {config.scheme}", initial=True,
                                       made_by=describe(config), kind="init")

        self.jobs.start(_initialize, config, len(vocab), vocab.pad_id,
                        description=f"initializing ({config.scheme})",
                        on_result=done, on_error=self._report)

    # -- projection -----------------------------------------------------------
    @property
    def n_components(self) -> int:
        return self.state.projection.dims

    @property
    def method(self) -> str:
        return self.state.projection.method

    def refit(self) -> None:
        """Fit the projection afresh on the current matrix (a new PCA basis, a cold t-SNE)."""
        self._refit_pending = True
        self.reproject()

    def reproject(self) -> None:
        """Project the current matrix as the settings say; while one runs, only the latest waits."""
        self._reproject_soon.stop()
        weights = self.workspace.weights
        if weights is None or self._stopped:
            return
        settings = self.state.projection
        previous = self.projection
        if previous is not None and previous.n_total != len(weights):
            previous = None  # another vocabulary: nothing to keep stable
        self._request(weights, settings, previous, self._refit_pending)

    def project_with(self, projection) -> None:
        """Show the current matrix through a saved fitted projection (its PCA/SVD basis and
        sample; a t-SNE/UMAP layout as saved), with no re-fit; the settings become its own.
        Supersedes any pending request (sessions call it after restoring the matrix)."""
        weights = self.workspace.weights
        if weights is None or projection.n_total != len(weights):
            return
        self.state.projection.update_from_dict(projection.settings.to_dict())
        self._reproject_soon.stop()  # what those settings asked for is this very projection
        self._refit_pending = False
        if projection.basis is None:  # a nonlinear layout: the saved one is the picture
            self.projections.cancel_pending()
            self._show(projection, weights, fresh=True)
            self._check_idle("")
            return
        self._request(weights, projection.settings, projection, False)

    def _request(self, weights, settings, previous, refit: bool) -> None:
        shown_before = self.projection
        replays = self._replays
        self._requests += 1
        number = self._requests

        def shown(result) -> None:
            if weights is not self.workspace.weights:
                return  # stale: the matrix changed and no request followed (a bare vocabulary)
            if self._replays != replays:
                # The user moved the timeline meanwhile: the snapshot the slider names stays on
                # screen (the end of a run is reprojected while the user may already scrub).
                self._projected_weights = weights
                self._check_idle("")
                return
            # A fresh fit when the basis or layout is not the one shown before, continued.
            kept = shown_before is not None and (result.warm_started or (
                result.basis is not None and result.basis is shown_before.basis))
            self._show(result, weights, fresh=not kept)

        def failed(exc: Exception) -> None:
            if isinstance(exc, ExplorerError):  # e.g. an axis end not in the vocabulary
                self.projection_failed.emit(str(exc))
                self.message.emit(str(exc))
            else:
                self._report(exc)

        kwargs = {"tokens": self.workspace.vocab.tokens}
        if settings.method in SLOW_METHODS:  # long: progress bar and Cancel, drawn as it goes
            description = f"{METHOD_LABELS[settings.method]} projection"
            kwargs["on_layout"] = lambda interim: self._layout_arrived.emit(interim, number)

            def start(fn, *args, on_finished=None, **options):
                def finished() -> None:
                    self._layouts_ended(number)
                    if on_finished is not None:
                        on_finished()
                return self.run_long(fn, *args, on_finished=finished, **options)
        else:
            description, start = "projecting", None
        self.projections.request(_project, weights, settings.copy(), previous, refit, on_result=shown,
                                 on_error=failed, description=description, start=start, **kwargs)

    def _draw_interim(self, projection, number: int) -> None:
        # Dropped when stale: a newer request is waiting or runs, or this one has ended.
        if number != self._requests or number <= self._ended or self._stopped:
            return
        if projection.n_total != len(self.workspace.vocab):
            return
        self.interim, self._interim_of = projection, number
        self.coords = projection.full_coords()
        self.projection_ready.emit(self.coords, np.zeros(projection.dims))
        self.interim_shown.emit(projection)

    def _layouts_ended(self, number: int) -> None:
        self._ended = max(self._ended, number)
        if self.interim is not None and self._interim_of == number:
            # Cancelled or failed before its final layout: the picture it replaced comes back.
            self.interim = None
            previous = self.projection
            if previous is not None and previous.n_total == len(self.workspace.vocab):
                self.coords = previous.full_coords()
                explained = previous.explained if previous.explained is not None else np.zeros(previous.dims)
                self.projection_ready.emit(self.coords, explained)
            self.interim_dropped.emit()

    def _show(self, result, weights: np.ndarray, fresh: bool) -> None:
        self.interim = None
        if fresh:
            self._refit_pending = False
        self.coords = result.full_coords()
        self._projected_weights = weights
        generation = self.state.fit.generation + (1 if fresh else 0)
        self.state.fit.update(projection=result, generation=generation)
        explained = result.explained if result.explained is not None else np.zeros(result.dims)
        self.projection_ready.emit(self.coords, explained)
        self.projected.emit(result)

    def show_replay(self, projection) -> None:
        """A timeline snapshot the user asked for: shown as a live frame, and a reprojection
        requested before it does not replace it when it ends."""
        self._replays += 1
        self.show_live(projection)

    def show_live(self, projection, draw: bool = True) -> None:
        """A live frame (training, timeline replay): when it is what the settings ask for
        (a PCA/SVD view), `projection` becomes the one shown, its basis continuing the previous
        one (no new fit generation), so axis titles, trails and later reprojections follow it.
        A t-SNE/UMAP view keeps its layout (the end of the run continues from it) and only
        draws the frame. With `draw`, the views draw its coordinates."""
        if projection.settings == self.state.projection:
            self.state.fit.projection = projection
        if draw:
            self.interim = None
            self.coords = projection.full_coords()
            explained = projection.explained if projection.explained is not None else np.zeros(projection.dims)
            self.projection_ready.emit(self.coords, explained)

    # -- long jobs ------------------------------------------------------------
    def run_long(self, fn, *args, description: str, on_result=None, on_error=None, on_finished=None, **kwargs):
        """Run `fn(*args, progress=..., should_cancel=..., **kwargs)` in a worker, with a
        progress bar and Cancel in the status bar. A cancelled job ends quietly."""
        handle = ProgressHandle(description)
        self._long_handles.add(handle)

        def failed(exc: Exception) -> None:
            if isinstance(exc, Cancelled):
                self.message.emit(f"Cancelled: {description}")
            elif on_error is not None:
                on_error(exc)
            else:
                self._report(exc)

        worker = self.jobs.start(fn, *args, progress=handle.progress, should_cancel=handle.should_cancel,
                                 description=description, on_result=on_result, on_error=failed,
                                 on_finished=lambda: self._long_finished(handle, on_finished), **kwargs)
        self.long_job_started.emit(handle)
        return handle, worker

    def _long_finished(self, handle, on_finished) -> None:
        self._long_handles.discard(handle)
        self.long_job_finished.emit(handle)
        if on_finished is not None:
            on_finished()

    def stop(self) -> None:
        """The window closes: no new job starts, and the running ones are stopped and awaited."""
        self._stopped = True
        self._reproject_soon.stop()
        self.projections.cancel_pending()
        for handle in list(self._long_handles):  # a t-SNE would run on for a minute unasked
            handle.cancel()
        self.jobs.stop_all()

    # -- files ----------------------------------------------------------------
    def open_path(self, path: str | Path, kind: str | None = None) -> None:
        """Hand a file to the loader registered for its kind (guessed when not given)."""
        from explorer.core.io.detect import detect_kind

        try:
            kind = kind or detect_kind(path)
            loader = self.loaders.get(kind)
            if loader is None:
                raise ExplorerError(f"cannot open {kind} files yet", path)
            loader(Path(path))
        except (ExplorerError, OSError) as exc:
            self._report(exc)

    def _report(self, exc: Exception) -> None:
        self.error.emit(str(exc) if isinstance(exc, (ExplorerError, OSError)) else
                        f"{type(exc).__name__}: {exc}")
