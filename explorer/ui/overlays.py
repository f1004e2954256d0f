"""What the plots draw over the points, computed in workers: the current token's nearest
neighbours (in the full space), projection fidelity, and the metadata columns the views colour
and label by (issue #17).

The views only draw (Scatter2D.set_neighbours / set_fidelity / set_metadata, and the 3D view's
methods of the same names where it has them); this module decides when to compute, runs the
work off the GUI thread (LatestJob: a newer request replaces a waiting one, a stale result is
dropped) and follows live training at a throttled pace."""

from __future__ import annotations

import shiboken6

import numpy as np
from PySide6.QtCore import QObject, QTimer

from explorer.core.analysis.neighbors import neighbors_of
from explorer.ui.workers import LatestJob

MAX_DRAWN_NEIGHBOURS = 15  # more lines than this from one point read as a hedgehog
LIVE_MS = 400  # live training recomputes the neighbours and fidelity at most this often
FIDELITY_K = 10
LONG_FIDELITY_ROWS = 20_000  # more projected rows: measured with a progress bar and Cancel
ALL_FIDELITY_ROWS = 50_000  # up to this many projected rows each is measured (and coloured) ...
FIDELITY_SAMPLE = 5_000  # ... past it a seeded sample of this many (the others grey), as the CLI does


def drawn_neighbours(weights: np.ndarray, token_id: int, k: int, metric: str) -> list[int]:
    """The IDs of the neighbours drawn on the plot: the first min(k, MAX_DRAWN_NEIGHBOURS) of
    the Inspector's list (explorer.core.analysis.neighbors.neighbors_of)."""
    return [i for i, _ in neighbors_of(weights, token_id, min(int(k), MAX_DRAWN_NEIGHBOURS), metric)]


def _measure(weights, projection, progress=None, should_cancel=None):
    from explorer.core.analysis.fidelity import knn_preserved

    # Each measured row is compared with every projected row in the full space: quadratic.
    rows = None if len(projection.row_ids) <= ALL_FIDELITY_ROWS else FIDELITY_SAMPLE
    return knn_preserved(weights, projection, k=FIDELITY_K, max_rows=rows, progress=progress,
                         should_cancel=should_cancel)


def fidelity_caption(fidelity) -> str:
    """e.g. "10-NN preserved: mean 0.43 over 30,522 rows" (the colour bar's caption)."""
    over = f"a sample of {fidelity.rows:,} rows" if fidelity.sampled else f"{fidelity.rows:,} rows"
    return f"{fidelity.k}-NN preserved: mean {mean_text(fidelity.mean)} over {over}"


def mean_text(mean: float) -> str:
    """Two decimals, or two significant digits below 0.1 (a 2D map of 30k rows keeps ~0.004)."""
    return f"{mean:.2f}" if mean >= 0.1 else f"{mean:.2g}"


class PlotOverlays(QObject):
    def __init__(self, window) -> None:
        super().__init__(window)
        self.window = window
        self.state = window.state
        controller = window.controller
        self.neighbour_job = LatestJob(controller.jobs, self)
        self.fidelity_job = LatestJob(controller.jobs, self)
        self.shown: tuple[int | None, list[int]] = (None, [])  # (token, neighbour IDs) drawn now
        self.fidelity = None  # explorer.core.analysis.fidelity.Fidelity of the projection shown
        self.error = ""  # the last failure of a fidelity measurement, in words
        self._live_weights = None  # the latest live training frame's matrix
        self._fidelity_of = None  # the projection the fidelity shown was measured on
        self._live_timer = QTimer(self, singleShot=True, interval=LIVE_MS)
        self._live_timer.timeout.connect(self._live_tick)

        explore, view = self.state.explore.events, self.state.view.events
        for event in (explore.current, explore.k, explore.metric, view.neighbours):
            event.connect(lambda *_: self.update_neighbours())
        view.colour.connect(lambda *_: self.update_fidelity())
        # The 3D view is made on first use, by the window's own handler of this event: after it.
        view.mode.connect(lambda *_: QTimer.singleShot(0, self._show_everywhere))
        self.state.fit.events.projection.connect(lambda *_: self._projection_moved())
        workspace = window.workspace
        workspace.events.weights_changed.connect(self._weights_changed)
        controller.live_frame.connect(self._live_frame)
        workspace.events.metadata_changed.connect(self._metadata_changed)
        if workspace.metadata is not None:  # a session's, there before the window
            self._metadata_changed(workspace.metadata)

    # -- what to compute on --------------------------------------------------------------
    def _weights(self):
        return self._live_weights if self._live_weights is not None else self.window.workspace.weights

    def _views(self):
        # (A result can arrive after its window was closed and deleted: nothing to draw on then.)
        return [v for v in (self.window.scatter2d, getattr(self.window, "scatter3d", None))
                if v is not None and shiboken6.isValid(v)]

    def _weights_changed(self, *_args) -> None:
        self._live_weights = None  # a new matrix (or the end of a run): it is what the views show
        self.update_neighbours()
        self._projection_moved()

    def _live_frame(self, frame) -> None:
        snapshot = getattr(frame, "snapshot", None)
        if snapshot is None or snapshot.weights is None:
            return
        self._live_weights = snapshot.weights
        if not self._live_timer.isActive():  # throttled: frames come many times a second
            self._live_timer.start()

    def _live_tick(self) -> None:
        self.update_neighbours()
        self.update_fidelity()

    # -- neighbours ------------------------------------------------------------------------
    def update_neighbours(self) -> None:
        """Find the current token's neighbours in a worker (or clear them) and draw them."""
        explore = self.state.explore
        token, weights = explore.current, self._weights()
        if token is None or not self.state.view.neighbours or weights is None or not 0 <= token < len(weights):
            self.neighbour_job.cancel_pending()
            self._show(None, [])
            return
        self.neighbour_job.request(drawn_neighbours, weights, int(token), explore.k, explore.metric,
                                   on_result=lambda ids, t=int(token): self._found(t, ids),
                                   on_error=lambda exc: self.window.controller.error.emit(str(exc)))

    def _found(self, token: int, ids: list[int]) -> None:
        if self.state.explore.current == token and self.state.view.neighbours:
            self._show(token, list(ids))

    def _show(self, token, ids) -> None:
        self.shown = (token, list(ids))
        self._show_everywhere()

    def _show_everywhere(self) -> None:
        token, ids = self.shown
        for view in self._views():
            setter = getattr(view, "set_neighbours", None)
            if setter is not None:
                setter(token, ids)
        if self.fidelity is not None:
            for view in self._views():
                setter = getattr(view, "set_fidelity", None)
                if setter is not None and len(self.fidelity.per_token) == len(getattr(view, "tokens", ())):
                    setter(self.fidelity.per_token, fidelity_caption(self.fidelity))
        metadata = self.window.workspace.metadata
        view3d = getattr(self.window, "scatter3d", None)
        if view3d is not None and metadata is not None and hasattr(view3d, "set_metadata") \
                and getattr(view3d, "metadata", None) is not metadata:
            view3d.set_metadata(metadata)

    # -- fidelity ----------------------------------------------------------------------------
    def _projection_moved(self) -> None:
        if self.state.view.colour != "fidelity":
            self.fidelity = None  # measured again when the mode is chosen
            return
        interim = getattr(self.state.fit.projection, "interim", False)  # a t-SNE/UMAP layout on its way
        if self._live_weights is not None or interim:  # at the throttled pace, the last colours kept
            if not self._live_timer.isActive():
                self._live_timer.start()
            return
        for view in self._views():  # another picture: the old colours would lie until it is measured
            setter = getattr(view, "set_fidelity", None)
            if setter is not None:
                setter(None)
        self.update_fidelity()

    def update_fidelity(self) -> None:
        """Measure the fidelity of the projection shown in a worker, when colouring by it."""
        projection, weights = self.state.fit.projection, self._weights()
        if self.state.view.colour != "fidelity" or projection is None or weights is None:
            return
        if projection is self._fidelity_of and self.fidelity is not None:
            self._show_everywhere()
            return
        if projection.n_total != len(weights):
            return
        rows = len(projection.row_ids)
        start = self.window.controller.run_long if rows > LONG_FIDELITY_ROWS else None
        self.fidelity_job.request(_measure, weights, projection, on_result=lambda f, p=projection: self._measured(p, f),
                                  on_error=self._failed, description="measuring projection fidelity", start=start)

    def _measured(self, projection, fidelity) -> None:
        moving = self._live_weights is not None or getattr(self.state.fit.projection, "interim", False)
        if projection is not self.state.fit.projection and not moving:
            return  # another projection is shown now (a live or interim frame's is close enough to draw)
        self.fidelity, self._fidelity_of, self.error = fidelity, projection, ""
        for view in self._views():
            setter = getattr(view, "set_fidelity", None)
            if setter is not None and len(fidelity.per_token) == len(getattr(view, "tokens", ())):
                setter(fidelity.per_token, fidelity_caption(fidelity))

    def _failed(self, exc: Exception) -> None:
        self.error = str(exc)
        for view in self._views():
            setter = getattr(view, "set_fidelity", None)
            if setter is not None:
                setter(None, "fidelity not measured")
        if self._live_weights is None:
            self.window.controller.error.emit(f"Fidelity: {exc}")
        else:  # live training: a status line, not a box per frame
            self.window.controller.message.emit(f"Fidelity: {exc}")

    # -- metadata ----------------------------------------------------------------------------
    def _metadata_changed(self, metadata) -> None:
        for view in self._views():
            setter = getattr(view, "set_metadata", None)
            if setter is not None:
                setter(metadata)
