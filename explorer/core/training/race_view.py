"""The init race, seen: for each run of "Compare inits", a small 2D layout of a fixed
sample of tokens that moves live, every run's layout facing the same way (no Qt).

    layout = RaceLayout(["normal", "truncated_normal"], race_sample(len(vocab)))
    xy = layout.update("normal", weights)      # (len(sample), 2), unit RMS, aligned

How a layout follows its run (the live view's lesson, on a small sample):
- basis: the sample's top-2 principal plane, tracked by one warm-started subspace
  iteration per frame (from the previous frame's basis), so it follows what the matrix
  learns without jumping when two directions have nearly equal variance;
- scale: centred, unit root-mean-square, so a std-0.02 start and an N(0, 1) start fill
  their plots alike (their scale is in the loss and the numbers, not in the picture);
- orientation: an orthogonal Procrustes rotation (or reflection) onto the run's previous
  layout plus the first run's current one, so points never flip between frames and the
  plots face the same way wherever the runs learned the same thing.

`race_frames` is the generator a worker runs: it trains the runs interleaved
(`explorer.core.training.train.race`) and yields `RaceFrame`s whose layouts it computed
in the worker, at most every `RACE_FRAME_SECONDS` per run (and at the end).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace

import numpy as np

from explorer.core import ExplorerError
from explorer.core.analysis.evaluate import isotropy

RACE_SAMPLE = 300  # tokens drawn in each small plot
RACE_FRAME_SECONDS = 0.1  # a run's layout is recomputed at most this often
REFERENCE_WEIGHT = 0.5  # how much the first run's layout steers the others' orientation
PACE_SLICE = 0.05  # a paced race waits in slices this long, so Stop acts at once


def race_sample(n: int, size: int = RACE_SAMPLE, seed: int = 0) -> np.ndarray:
    """The token IDs the small plots show: all of them up to `size`, else a seeded sample (sorted)."""
    if n <= size:
        return np.arange(n, dtype=np.int64)
    return np.sort(np.random.default_rng(seed).choice(n, size=size, replace=False)).astype(np.int64)


def _orthonormal(m: np.ndarray) -> np.ndarray:
    q, _ = np.linalg.qr(m)
    return q


def _unit_rms(xy: np.ndarray) -> np.ndarray:
    xy = xy - xy.mean(0)
    rms = math.sqrt(float((xy ** 2).sum(1).mean())) if len(xy) else 0.0
    return xy / rms if rms > 1e-12 else np.zeros_like(xy)


def procrustes(xy: np.ndarray, target: np.ndarray) -> np.ndarray:
    """`xy` rotated (or reflected) to lie closest to `target` (orthogonal Procrustes)."""
    u, _s, vt = np.linalg.svd(xy.T @ target)
    return xy @ (u @ vt)


class RaceLayout:
    """The small plots' layouts: one tracked 2D basis per run, all facing the same way."""

    def __init__(self, names: list[str], sample: np.ndarray, reference_weight: float = REFERENCE_WEIGHT) -> None:
        self.names = list(names)
        self.sample = np.asarray(sample, dtype=np.int64)
        self.reference_weight = reference_weight
        self.bases: dict[str, np.ndarray] = {}  # run -> (dim, 2) orthonormal
        self.layouts: dict[str, np.ndarray] = {}  # run -> its latest (len(sample), 2) layout

    def update(self, name: str, weights: np.ndarray) -> np.ndarray:
        """Run `name`'s layout of the sample for this matrix (also kept as its latest)."""
        x = np.asarray(weights)[self.sample].astype(np.float64)  # the sample's rows only
        x = x - x.mean(0)
        dim = x.shape[1]
        if dim < 2 or not np.isfinite(x).all():
            xy = np.zeros((len(self.sample), 2))
            self.layouts[name] = xy
            return xy
        basis = self.bases.get(name)
        if basis is None:  # the first frame: the sample's principal plane
            _u, _s, vt = np.linalg.svd(x, full_matrices=False)
            basis = vt[:2].T if len(vt) >= 2 else _orthonormal(np.eye(dim, 2))
        else:  # one pass of subspace iteration, warm-started from the previous basis
            moved = x.T @ (x @ basis)
            if np.linalg.norm(moved) > 1e-12:
                basis = _orthonormal(moved)
        self.bases[name] = basis
        xy = _unit_rms(x @ basis)
        target = np.zeros_like(xy)
        previous = self.layouts.get(name)
        if previous is not None and previous.shape == xy.shape:
            target += previous
        reference = self.layouts.get(self.names[0]) if self.names and name != self.names[0] else None
        if reference is not None and reference.shape == xy.shape:
            target += self.reference_weight * reference
        if np.abs(target).sum() > 0 and np.abs(xy).sum() > 0:
            xy = procrustes(xy, target)
        self.layouts[name] = xy
        return xy


@dataclass
class RaceFrame:
    """One report of one run of the race (what the GUI draws)."""

    name: str  # the run (its init scheme)
    step: int
    epoch: int
    loss: float  # nan at step 0
    progress: float  # 0..1 of this run
    isotropy: float | None = None  # at the run's end
    coords: np.ndarray | None = None  # the sample's layout (None: not recomputed this time)


def race_frames(source, vocab, starts: dict[str, np.ndarray], config, *, sample_size: int = RACE_SAMPLE,
                frame_seconds: float = RACE_FRAME_SECONDS, yield_seconds: float = 0.05):
    """Generator for "Compare inits", run by a worker: yields None while it encodes the corpus
    (or waits for the pace), then one `RaceFrame` per run at step 0 (its starting layout) and
    one per snapshot of each run; `coords` is set at most every `frame_seconds` per run and on
    each run's last snapshot. `config.pace` (seconds, 0: full speed) spreads the race over that
    long, waiting in slices of `PACE_SLICE` so a Stop between yields acts at once."""
    from explorer.core.training.live import encode_in_blocks
    from explorer.core.training.train import race

    corpus = yield from encode_in_blocks(source, vocab, config.objective == "lm")
    if len(corpus) == 0:
        raise ExplorerError("the corpus has no token of the current vocabulary", str(source))
    layout = RaceLayout(list(starts), race_sample(len(vocab), sample_size, config.seed))
    for name, weights in starts.items():
        yield RaceFrame(name, 0, 0, float("nan"), 0.0, None, layout.update(name, weights))
    pace = float(getattr(config, "pace", 0.0) or 0.0)
    started = time.perf_counter()
    drawn: dict[str, float] = {}
    for name, snap in race(corpus, starts, replace(config, yield_seconds=yield_seconds)):
        if pace > 0:  # ahead of the presenter's schedule: wait, yielding so Stop still acts
            while (wait := snap.progress * pace - (time.perf_counter() - started)) > 0:
                time.sleep(min(PACE_SLICE, wait))
                yield None
        now = time.perf_counter()
        last = snap.progress >= 1.0
        coords = None
        if last or now - drawn.get(name, -math.inf) >= frame_seconds:
            coords = layout.update(name, snap.weights)
            drawn[name] = now
        iso = isotropy(snap.weights) if last else None
        yield RaceFrame(name, snap.step, snap.epoch, snap.loss, snap.progress, iso, coords)
