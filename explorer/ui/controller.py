"""Runs the heavy steps (init, projection, file loading) off the GUI thread and
writes their results into the workspace. Panels call it; views listen to it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, Signal

from explorer.core import Cancelled, ExplorerError
from explorer.core.matrix.schemes import InitConfig
from explorer.core.state.workspace import Workspace
from explorer.ui.workers import Jobs, ProgressHandle


def _initialize(config: InitConfig, vocab_size: int, padding_idx: int | None) -> np.ndarray:
    # Imported in the worker: torch must not be on the path to the first paint.
    from explorer.core.matrix.init import initialize

    return initialize(config, vocab_size, padding_idx)


def _project(weights: np.ndarray, settings, previous, refit: bool = False, progress=None, should_cancel=None):
    from explorer.core.projection.project import project

    return project(weights, settings, previous, refit=refit, progress=progress, should_cancel=should_cancel)


class Controller(QObject):
    projection_ready = Signal(object, object)  # (coords N x k, explained variance ratio)
    projected = Signal(object)  # the explorer.core.projection.project.Projection just shown
    settings_changed = Signal(object)  # ProjectionSettings
    error = Signal(str)
    message = Signal(str)
    idle = Signal()  # no job runs and the view shows the current matrix
    long_job_started = Signal(object)  # ProgressHandle: the window shows a bar with Cancel
    long_job_finished = Signal(object)  # ProgressHandle

    def __init__(self, workspace: Workspace, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.jobs = Jobs(self)
        from explorer.core.projection.project import ProjectionSettings

        self.settings = ProjectionSettings()  # method, dims, perplexity, sphereize, sample
        self.projection = None  # the last Projection shown (its basis/layout keep frames stable)
        self.coords: np.ndarray | None = None  # N x k, one row per token (NaN: not in the sample)
        self._projection_pending = False
        self._refit_pending = False
        self._projection_running = False
        self._projected_weights = None
        self.loaders: dict[str, object] = {}  # file kind -> callable(path), filled by panels
        workspace.events.weights_changed.connect(self._weights_changed)
        workspace.events.vocab_changed.connect(self._vocab_changed)
        self.jobs.running_changed.connect(self._check_idle)

    def _weights_changed(self, _weights, reason: str = "") -> None:
        # A new matrix (initialized or loaded) gets a fresh fit; training steps keep the
        # basis / layout of the previous frame so that points do not jump.
        if reason.startswith("init") or reason == "loaded":
            self._refit_pending = True
        self.reproject()

    def _vocab_changed(self, _vocab) -> None:
        self.projection = None  # another vocabulary: nothing to keep stable
        if self.workspace.weights is None:  # a bare vocabulary: give it a matrix
            self.reinitialize()

    def _check_idle(self, running: str) -> None:
        if not running and self.jobs.active == 0 and self.up_to_date:
            self.idle.emit()

    @property
    def up_to_date(self) -> bool:
        """The view shows a projection of the current matrix."""
        return (self.workspace.weights is not None and self._projected_weights is self.workspace.weights
                and self.coords is not None and self.coords.shape[1] == self.n_components
                and self.projection is not None and self.projection.settings == self.settings)

    # -- initialization -------------------------------------------------------
    def reinitialize(self, config: InitConfig | None = None) -> None:
        config = config or self.workspace.init_config
        vocab = self.workspace.vocab

        def done(weights: np.ndarray) -> None:
            if self.workspace.vocab is not vocab:
                return  # the vocabulary changed meanwhile: this matrix is stale
            self.workspace.init_config = config
            self.workspace.set_weights(weights, f"init {config.scheme}", initial=True)

        self.jobs.start(_initialize, config, len(vocab), vocab.pad_id,
                        description=f"initializing ({config.scheme})",
                        on_result=done, on_error=self._report)

    # -- projection -----------------------------------------------------------
    @property
    def n_components(self) -> int:
        return self.settings.dims

    @property
    def method(self) -> str:
        return self.settings.method

    def set_components(self, n: int) -> None:
        self.set_settings(dims=n)

    def set_method(self, method: str) -> None:
        self.set_settings(method=method)

    def set_settings(self, settings=None, **changes) -> None:
        """Change how the matrix is projected (a ProjectionSettings, or some of its fields)."""
        from dataclasses import replace

        new = replace(settings or self.settings, **changes)
        try:
            new.validate()
        except ExplorerError as exc:
            self._report(exc)
            return
        if new == self.settings and self.up_to_date:
            return
        self.settings = new
        self.settings_changed.emit(new)
        self.reproject()

    def refit(self) -> None:
        """Fit the projection afresh on the current matrix (a new PCA basis, a cold t-SNE)."""
        self._refit_pending = True
        self.reproject()

    def reproject(self) -> None:
        """Project the current matrix; while one runs, only the latest request waits."""
        if self.workspace.weights is None:
            return
        if self._projection_running:
            self._projection_pending = True
            return
        self._projection_running = True
        weights, settings = self.workspace.weights, self.settings
        refit, self._refit_pending = self._refit_pending, False
        previous = self.projection
        if previous is not None and previous.n_total != len(weights):
            previous = None  # another vocabulary: nothing to keep stable
        on_result = lambda result: self._projected(result, weights, settings)  # noqa: E731
        if settings.method in ("tsne", "umap"):  # long: progress bar and Cancel
            from explorer.core.projection.project import METHOD_LABELS

            def failed(exc: Exception) -> None:
                self._report(exc)

            self.run_long(_project, weights, settings, previous, refit,
                          description=f"{METHOD_LABELS[settings.method]} projection",
                          on_result=on_result, on_error=failed, on_finished=self._projection_done)
            return
        self.jobs.start(_project, weights, settings, previous, refit, description="projecting",
                        on_result=on_result, on_error=self._report, on_finished=self._projection_done)

    def _projected(self, result, weights: np.ndarray, settings) -> None:
        if weights is not self.workspace.weights or settings != self.settings:
            return  # stale: a newer request is waiting to be projected
        self.projection = result
        if result.ids is None:
            coords = result.coords
        else:
            coords = np.full((result.n_total, result.dims), np.nan, dtype=np.float32)
            coords[result.ids] = result.coords
        self.coords = coords
        self._projected_weights = weights
        explained = result.explained if result.explained is not None else np.zeros(result.dims)
        self.projection_ready.emit(coords, explained)
        self.projected.emit(result)

    def _projection_done(self) -> None:
        self._projection_running = False
        if self._projection_pending:
            self._projection_pending = False
            self.reproject()

    # -- long jobs ------------------------------------------------------------
    def run_long(self, fn, *args, description: str, on_result=None, on_error=None, on_finished=None, **kwargs):
        """Run `fn(*args, progress=..., should_cancel=..., **kwargs)` in a worker, with a
        progress bar and Cancel in the status bar. A cancelled job ends quietly."""
        handle = ProgressHandle(description)

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
        self.long_job_finished.emit(handle)
        if on_finished is not None:
            on_finished()

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
