"""What each frame of a recorded run shows (no Qt): the points of every timeline snapshot,
the axis titles, the title's step / epoch / loss, the trails, and a view range that follows
the points without jumping.

The basis, `basis=`:
- "live" (default): as the window replays the timeline (`TrainingRun.replay`): a fresh fit
  on the first snapshot, each later one tracked from the one before
  (`live_basis.track`: the plane follows what the matrix learns, aligned so points never
  jump), the last one converged. The clip shows what the window shows.
- "last" / "first": one basis for every frame: the given one (a session's fitted
  projection) when it fits these rows, else one fitted on that snapshot; only the weights
  change between frames.
Trails are the trail tokens' rows of every snapshot so far drawn through the frame's own
basis, so each ends at its token's point (as tours draw them).

`explorer.ui.recording` draws these frames with the real 2D view; `explorer.core.io.video`
encodes them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from explorer.core import Cancelled, ExplorerError
from explorer.core.projection.live_basis import track
from explorer.core.projection.project import Projection, ProjectionSettings, project
from explorer.core.training.snapshot import Snapshot

BASES = ("live", "last", "first")
RANGES = ("follow", "fixed")  # the view follows the points / one range holds every frame's points
PAD = 0.08  # fraction of the points' extent left around them
SHRINK = 0.25  # per frame, how far the range moves towards a smaller one (growing is at once)
TRAIL_LIMIT = 240  # points per trail at most (as tours keep them)


@dataclass(frozen=True)
class RecordingFrame:
    index: int  # 0-based, in the clip
    snapshot: int  # the timeline snapshot shown (the one left behind, between two)
    between: float  # 0: that snapshot itself; 0 < t < 1: t of the way to the next (interpolated)
    step: int
    epoch: int  # 0-based, as Snapshot keeps it
    loss: float
    coords: np.ndarray  # (tokens, 2) float32, one row per token (NaN rows: not in the sample)
    x_range: tuple[float, float]
    y_range: tuple[float, float]
    trails: np.ndarray | None = None  # (trail tokens, points so far, 2)
    title: str = ""
    axis_titles: tuple[str, str] = ("", "")


def frame_title(step: int, epoch: int, epochs: int | None, loss: float, statement: str = "",
                approximate: bool = False) -> str:
    """'step 1,234 · epoch 3 of 20 · loss 2.3456' (the loss shown as '–' before the first step;
    '≈' before the step of a frame interpolated between two snapshots)."""
    epoch_text = f"epoch {epoch + 1}" + (f" of {epochs}" if epochs else "")
    loss_text = f"loss {loss:.4f}" if math.isfinite(loss) else "loss –"
    head = f"step {'≈' if approximate else ''}{step:,} · {epoch_text} · {loss_text}"
    return f"{head}  —  {statement}" if statement else head


def _bounds(xy: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    finite = xy[np.isfinite(xy).all(axis=1)]
    if not len(finite):
        return None
    return finite.min(axis=0).astype(np.float64), finite.max(axis=0).astype(np.float64)


def _padded(lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    extent = np.maximum(hi - lo, 1e-9)
    extent = np.maximum(extent, extent.max() * 1e-3)  # a flat cloud still gets a visible axis
    mid = (lo + hi) / 2
    half = extent * (0.5 + PAD)
    return np.array([mid[0] - half[0], mid[0] + half[0], mid[1] - half[1], mid[1] + half[1]])


@dataclass
class RecordingPlan:
    """The frames of one recorded run. `projection(i)` is snapshot i's Projection (the fixed
    basis, or tracked from snapshot i - 1's), `coords(i)` its points (both cached);
    `frame(i)` is clip frame i with its range and trails; `len()` is the frame count.

    `between` > 1 adds `between - 1` frames between each two snapshots, their points moved
    linearly from one snapshot's to the next (what a linear basis shows of the weights in
    between), so a run saved with few snapshots still plays smoothly.

    Nothing is projected until asked: `prepare()` projects every snapshot (the heavy part,
    one pass over the matrix each), so a window runs it in a worker and then draws."""

    snapshots: Sequence[Snapshot]
    settings: ProjectionSettings
    basis: Projection | None = None  # a fixed basis offered (the session's); fitted when it does not fit
    epochs: int | None = None  # the run's epochs, for "epoch 3 of 20"
    trail_ids: list[int] = field(default_factory=list)
    fit_on: str = "live"  # "live": tracked along the timeline; "last" / "first": one fixed basis
    between: int = 1
    view_range: str = "follow"
    tokens: Sequence[str] | None = None  # the vocabulary: semantic axes find their ends in it
    _coords: dict = field(default_factory=dict, repr=False)
    _tracked: list = field(default_factory=list, repr=False)
    _ranges: list = field(default_factory=list, repr=False)

    def __len__(self) -> int:
        return (len(self.snapshots) - 1) * self.between + 1

    def position(self, i: int) -> tuple[int, float]:
        """Clip frame i -> (snapshot, fraction of the way to the next one)."""
        k, r = divmod(i, self.between)
        return k, r / self.between

    def points(self, i: int) -> np.ndarray:
        """The points of clip frame i (interpolated between snapshots when `between` > 1)."""
        k, t = self.position(i)
        if t == 0:
            return self.coords(k)
        return ((1 - t) * self.coords(k) + t * self.coords(k + 1)).astype(np.float32)

    @property
    def live(self) -> bool:
        return self.fit_on == "live"

    def fixed_basis(self) -> Projection:
        """The one basis of a fixed plan: the one offered when it fits, else fitted (once)."""
        basis, first = self.basis, self.snapshots[0].weights
        usable = basis is not None and basis.basis is not None and basis.n_total == first.shape[0] \
            and basis.dims == 2 and basis.settings.method == self.settings.method \
            and basis.settings.sphereize == self.settings.sphereize \
            and basis.settings.sample == self.settings.sample \
            and basis.basis.components.shape[1] == first.shape[1]
        if not usable:
            fitted_on = self.snapshots[-1] if self.fit_on == "last" else self.snapshots[0]
            self.basis = project(fitted_on.weights, self.settings)
        return self.basis

    @property
    def statement(self) -> str:
        """What the frames show ('PCA 2D of all 124 tokens'), as the view states it."""
        return (self.projection(0) if self.live else self.fixed_basis()).statement

    def prepare(self, progress=None, should_cancel=None) -> RecordingPlan:
        """Project every snapshot now (cached for `frame`); a long job (progress, Cancel)."""
        total = len(self.snapshots)
        for k in range(total):
            if should_cancel is not None and should_cancel():
                raise Cancelled()
            self.coords(k)
            if progress is not None:
                progress((k + 1) / total)
        self._range(len(self) - 1)
        return self

    @property
    def n_tokens(self) -> int:
        return int(self.snapshots[0].weights.shape[0])

    def projection(self, k: int) -> Projection:
        """Snapshot k as the frame shows it (a live basis is tracked through 0..k, once)."""
        if not self.live:
            return project(self.snapshots[k].weights, self.settings, self.fixed_basis())
        last = len(self.snapshots) - 1
        while len(self._tracked) <= k:
            j = len(self._tracked)
            snap = self.snapshots[j]
            previous = self._tracked[-1] if self._tracked else None
            # The last snapshot's basis is converged, as the window replays it (sessions keep
            # no progress: "last" is its place in the timeline).
            self._tracked.append(track(snap.weights, self.settings, previous, converge=j == last,
                                       tokens=self.tokens))
        return self._tracked[k]

    def axis_titles(self, k: int = -1) -> tuple[str, str]:
        k = k % len(self.snapshots)
        shown = self.projection(k) if self.live else self.fixed_basis()
        titles = tuple(shown.axis_titles[:2]) or ("x", "y")
        return titles[0], titles[1]

    def coords(self, i: int) -> np.ndarray:
        if i not in self._coords:
            self._coords[i] = np.asarray(self.projection(i).full_coords()[:, :2], dtype=np.float32)
        return self._coords[i]

    def _trail_rows(self, j: int, k: int, ids: np.ndarray) -> np.ndarray:
        """The trail tokens of snapshot j through snapshot k's basis (as `Trails.paths` draws them)."""
        if not self.live or j == k:
            return self.coords(j)[ids]
        shown = self.projection(k)
        weights = self.snapshots[j].weights
        x = np.asarray(weights[ids], dtype=np.float32)
        if self.settings.sphereize:  # centred on the projected rows' mean, as project() does
            fitted = weights if shown.ids is None else weights[shown.ids]
            x = x - np.asarray(fitted, dtype=np.float32).mean(axis=0)
            norms = np.linalg.norm(x, axis=1, keepdims=True)
            x = x / np.where(norms > 0, norms, 1)
        coords = shown.basis.transform(x)[:, :2].astype(np.float32)
        if shown.ids is not None:
            coords[~np.isin(ids, shown.ids)] = np.nan
        return coords

    def _range(self, i: int) -> np.ndarray:
        """"follow": grows at once to hold every point, shrinks a little per frame (no jumps);
        "fixed": one range, every point of every snapshot inside it."""
        if self.view_range == "fixed":
            if not self._ranges:
                bounds = [b for b in (_bounds(self.coords(k)) for k in range(len(self.snapshots))) if b]
                if bounds:
                    lo = np.min([b[0] for b in bounds], axis=0)
                    hi = np.max([b[1] for b in bounds], axis=0)
                    self._ranges.append(_padded(lo, hi))
                else:
                    self._ranges.append(np.array([-1.0, 1.0, -1.0, 1.0]))
            return self._ranges[0]
        while len(self._ranges) <= i:
            k = len(self._ranges)
            bounds = _bounds(self.points(k))
            target = _padded(*bounds) if bounds is not None else np.array([-1.0, 1.0, -1.0, 1.0])
            if k == 0:
                shown = target
            else:
                last = self._ranges[-1]
                eased = last + SHRINK * (target - last)
                shown = np.array([min(target[0], eased[0]), max(target[1], eased[1]),
                                  min(target[2], eased[2]), max(target[3], eased[3])])
            self._ranges.append(shown)
        return self._ranges[i]

    def trails(self, i: int) -> np.ndarray | None:
        if not self.trail_ids:
            return None
        ids = np.asarray(self.trail_ids, dtype=np.int64)
        k, t = self.position(i)
        picks = np.arange(k + 1)  # the snapshots passed, then where the points are now
        if len(picks) > TRAIL_LIMIT:  # evenly thinned, the first and the latest kept
            picks = np.unique(np.round(np.linspace(0, k, TRAIL_LIMIT)).astype(np.int64))
        rows = [self._trail_rows(int(j), k, ids) for j in picks]
        if t:
            rows.append(self.points(i)[ids])
        return np.stack(rows, axis=1)

    def frame(self, i: int) -> RecordingFrame:
        if not 0 <= i < len(self):
            raise IndexError(i)
        k, t = self.position(i)
        snap = self.snapshots[k]
        step, epoch, loss = int(snap.step), int(snap.epoch), float(snap.loss)
        if t:  # between two snapshots: the step so far; epoch and loss of the stretch being run
            after = self.snapshots[k + 1]
            step = int(round((1 - t) * snap.step + t * after.step))
            epoch, loss = int(after.epoch), float(after.loss)
        r = self._range(i)
        return RecordingFrame(
            index=i, snapshot=k, between=t, step=step, epoch=epoch, loss=loss,
            coords=self.points(i), x_range=(float(r[0]), float(r[1])), y_range=(float(r[2]), float(r[3])),
            trails=self.trails(i), axis_titles=self.axis_titles(k if t < 0.5 else k + 1),
            title=frame_title(step, epoch, self.epochs, loss, self.statement, approximate=bool(t)))


def recording_settings(state: dict | None) -> ProjectionSettings:
    """The session's projection settings as replay uses them: PCA/SVD or semantic axes in 2D
    (t-SNE/UMAP views replay, and record, through PCA, as live frames are drawn)."""
    saved = dict((state or {}).get("projection") or {})
    known = {name: saved[name] for name in ("method", "sphereize", "sample", "seed", "x_axis", "y_axis",
                                             "axis_metric", "rows") if name in saved}
    settings = ProjectionSettings(**known) if known else ProjectionSettings()
    if settings.method not in ("pca", "svd", "axes"):
        settings.method = "pca"
    settings.dims = 2
    return settings.validate()


def plan_recording(snapshots: Sequence[Snapshot], settings: ProjectionSettings | None = None,
                   basis: Projection | None = None, *, epochs: int | None = None,
                   trail_ids: Sequence[int] = (), fit_on: str = "live", between: int = 1,
                   view_range: str = "follow", tokens: Sequence[str] | None = None) -> RecordingPlan:
    """A plan for `snapshots` (oldest first), checked; nothing is projected yet. `fit_on`:
    "live" tracks the basis along the timeline as the window replays it (`basis` is then
    unused); "last" / "first" keep one basis for every frame: `basis` (the window's, a
    session's) when it fits these rows and settings, else one fitted once on that snapshot.
    Semantic axes (with `tokens`) are recomputed on every snapshot, as the window shows them:
    they have no basis to keep fixed."""
    snapshots = list(snapshots)
    if len(snapshots) < 1:
        raise ExplorerError("this session has no training timeline to record: train first "
                            "(the window's Start, or `embedding-explorer train`), then save the session")
    if fit_on not in BASES:
        raise ExplorerError(f"the basis is 'live', 'last' or 'first', not {fit_on!r}")
    if view_range not in RANGES:
        raise ExplorerError(f"the view range is 'follow' or 'fixed', not {view_range!r}")
    if not isinstance(between, int) or isinstance(between, bool) or not 1 <= between <= 100:
        raise ExplorerError(f"frames per snapshot is a whole number from 1 to 100, not {between!r}")
    settings = (settings or ProjectionSettings()).copy()
    settings.dims = 2
    if settings.method == "axes" and tokens is not None:
        fit_on = "live"
        settings.z_axis = ""
    elif settings.method not in ("pca", "svd"):
        settings.method = "pca"  # t-SNE/UMAP views replay through PCA, as live frames are drawn
    n = snapshots[0].weights.shape[0]
    for s in snapshots:
        if s.weights.shape != snapshots[0].weights.shape:
            raise ExplorerError(f"snapshot at step {s.step} has shape {s.weights.shape}, "
                                f"the first {snapshots[0].weights.shape}")
    bad = [int(i) for i in trail_ids if not 0 <= int(i) < n]
    if bad:
        raise ExplorerError(f"trail token ID {bad[0]} is outside the vocabulary (0 to {n - 1})")
    return RecordingPlan(snapshots, settings, basis if fit_on != "live" else None, epochs=epochs,
                         trail_ids=[int(i) for i in trail_ids], fit_on=fit_on, between=between,
                         view_range=view_range, tokens=None if tokens is None else list(tokens))
