"""Live training as plain generators a worker runs (no Qt): train, project each drawn
frame in the worker, and hand the GUI only what it can draw.

- Frames: `training_job` yields a small `Frame` per snapshot (at least every ~50 ms, so
  Pause/Stop act at once); it carries coordinates only when the GUI has drawn the
  previous ones (`FrameGate`), so stale frames are dropped, never queued.
- Projection: each drawn frame is projected with a basis that follows the matrix
  (`explorer.core.projection.live_basis.track`: subspace iteration warm-started from the
  previous frame's basis, aligned to it), so the view shows what was learned and points
  never jump; the last frame's basis is converged (a fresh PCA's plane).
- Stability: each drawn frame states how much the sampled tokens' top-10 neighbourhoods
  kept since the previous drawn frame (`explorer.core.analysis.stability`).
- History: every snapshot goes into a `Timeline` of bounded memory for replay.
- Pace: `frames(..., pace=N)` spreads a run over at least N seconds (waiting in the worker
  in slices of <= 50 ms, yielding "pacing" frames so Pause/Stop still act at once).
- `frames` turns any iterable of Snapshots into Frames (training_job uses it; so can any
  other job, through `TrainingRun.follow`).
- `race_job` runs "Compare inits": the same training from several starting matrices.

torch is imported only inside the jobs, in the worker thread.
"""

from __future__ import annotations

import sys
import threading
import time
from dataclasses import dataclass, replace

import numpy as np

from explorer.core import ExplorerError
from explorer.core.analysis.evaluate import isotropy
from explorer.core.analysis.stability import RunStability
from explorer.core.projection.live_basis import track
from explorer.core.projection.project import Projection, ProjectionSettings
from explorer.core.tokens.corpus import concat, corpus_lines, encode_lines
from explorer.core.training.config import TrainConfig
from explorer.core.training.snapshot import Snapshot
from explorer.core.training.timeline import Timeline

ENCODE_BLOCK = 4000  # lines encoded between two yields
FRAME_INTERVAL = 1 / 30  # at most this many projected frames per second reach the GUI
LIVE_YIELD_SECONDS = 0.05  # a live run yields a snapshot at least this often
PACE_SLICE = 0.05  # a paced run waits in slices of at most this long, yielding between them
PACED_EVERY_STEP_ENTRIES = 4_000_000  # paced runs of matrices up to this size snapshot every step
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
    """What a live job yields.

    stage "encoding" (fraction of the corpus read), "training" (a snapshot; `coords` set
    when it is drawn) or "pacing" (a paced run waiting: no snapshot, nothing to show)."""

    stage: str  # "encoding" | "training" | "pacing"
    fraction: float  # 0..1 of this stage
    snapshot: Snapshot | None = None
    coords: np.ndarray | None = None  # one row per token in the run's basis (None: not drawn)
    explained: np.ndarray | None = None
    projection: Projection | None = None  # this frame's projection (the next one starts from it)
    # Drawn frames: mean Jaccard overlap of each sampled token's top-10 neighbours between
    # this drawn frame and the previous drawn one (None: the first drawn frame), on a fixed
    # sample of `stability_sample` tokens whose neighbours are sought among `stability_pool`.
    stability: float | None = None
    stability_sample: int = 0
    stability_pool: int = 0


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


def encode_in_blocks(source, vocab, keep_unknown: bool, item=lambda fraction: None):
    """Encode the corpus a block of lines at a time, yielding `item(fraction done)` after
    each block (so the worker can pause or stop); returns the encoded corpus."""
    lines = corpus_lines(source)
    parts = []
    for lo in range(0, max(1, len(lines)), ENCODE_BLOCK):
        parts.append(encode_lines(lines[lo:lo + ENCODE_BLOCK], vocab, keep_unknown=keep_unknown,
                                  source=str(source)))
        yield item(min(1.0, (lo + ENCODE_BLOCK) / max(1, len(lines))))
    return concat(parts)


def encode_corpus(source, vocab, keep_unknown: bool):
    """The whole corpus, encoded exactly as a live run encodes it."""
    blocks = encode_in_blocks(source, vocab, keep_unknown)
    while True:
        try:
            next(blocks)
        except StopIteration as done:
            return done.value


LIVE_METHODS = ("pca", "svd", "axes")  # methods cheap enough to redo on every drawn frame


def live_settings(settings: ProjectionSettings) -> ProjectionSettings:
    """Live frames use the view's PCA/SVD settings as they are (the basis follows the matrix,
    and the final reprojection lands exactly where the last frame was) and its semantic axes
    (recomputed on each frame's matrix); t-SNE/UMAP views get PCA frames."""
    return settings if settings.method in LIVE_METHODS else replace(settings, method="pca")


def frames(snapshots, settings: ProjectionSettings, previous: Projection | None, gate: FrameGate,
           timeline: Timeline, pace: float = 0.0, *, tokens=None, stability: RunStability | None = None):
    """Generator: turn any iterable of `Snapshot`s into `Frame`s; returns the last drawn
    frame's `Projection` (or `previous` when none was drawn).

    frames(snapshots, settings, previous, gate, timeline, pace=0.0, *, tokens=None, stability=None)
        -> Generator[Frame, None, Projection | None]

    - every snapshot is added to `timeline` and yielded as a "training" Frame;
    - a frame is drawn (coords, explained, projection, stability set) when `gate.take()`
      lets it through, and always for the last snapshot (progress >= 1), whose basis is
      converged: the view ends on the plane a fresh PCA of the final matrix gives;
    - the basis follows the matrix (`live_basis.track`), starting from `previous` (the
      view's projection) when compatible with `settings` (PCA/SVD: see `live_settings`);
      semantic axes are recomputed on each drawn frame, their ends found in `tokens`;
    - `stability` (a `RunStability`) carries the neighbourhood stability across calls (a
      watched run hands snapshots over one at a time); by default one for this call;
    - `pace` > 0: snapshot i is not yielded before `pace * progress_i` seconds after the
      first snapshot (time spent paused does not count, nor the set-up before the first
      snapshot, e.g. loading torch); meanwhile "pacing" Frames are yielded every <= 50 ms so
      that Pause and Stop act within 200 ms.
    """
    projection = previous
    stability = stability if stability is not None else RunStability()
    started = None  # the pace's clock starts at the first snapshot (not before torch is loaded)
    base = 0.0  # ... and at its progress
    suspended = 0.0  # seconds spent outside this generator (paused, or the GUI slow to take)

    def handed(frame):
        nonlocal suspended
        before = time.perf_counter()
        yield frame
        suspended += time.perf_counter() - before

    for snap in snapshots:
        timeline.add(snap)
        if started is None:
            started, base = time.perf_counter(), min(1.0, snap.progress)
        if pace > 0:
            while True:
                due = pace * (min(1.0, snap.progress) - base)
                ahead = due - (time.perf_counter() - started - suspended)
                if ahead <= 1e-6:  # not "<= 0": a sub-microsecond remainder may never shrink
                    break  # (added to a clock of seconds it is lost to rounding)
                time.sleep(min(PACE_SLICE, ahead))
                yield from handed(Frame("pacing", snap.progress))
        frame = Frame("training", snap.progress, snap)
        last = snap.progress >= 1.0
        if gate.take() or last:
            projection = track(snap.weights, settings, projection, converge=last, tokens=tokens)
            frame.coords, frame.explained = projection.full_coords(), projection.explained
            frame.projection = projection
            frame.stability, frame.stability_sample, frame.stability_pool = stability.update(snap.weights)
        yield from handed(frame)
    return projection


def training_job(source, vocab, weights: np.ndarray, config: TrainConfig, settings: ProjectionSettings,
                 previous: Projection | None, gate: FrameGate, timeline: Timeline):
    """Generator run by the worker: encode the corpus, train, then `frames(...)` (project
    each drawn frame in the worker with a basis that follows the matrix, paced by
    `config.pace`); returns the last drawn frame's Projection."""
    from explorer.core.training.train import train

    corpus = yield from encode_in_blocks(source, vocab, config.objective == "lm",
                                         lambda fraction: Frame("encoding", fraction))
    if len(corpus) == 0:
        raise ExplorerError("the corpus has no token of the current vocabulary", str(source))
    if config.pace > 0 and config.yield_every is None and weights.size <= PACED_EVERY_STEP_ENTRIES:
        # A paced run is watched: a snapshot after every step (small matrices: cheap copies),
        # so the audience sees it move rather than jump every 50 ms of training.
        config = replace(config, yield_every=1)
    return (yield from frames(train(corpus, weights, config), settings, previous, gate, timeline,
                              pace=config.pace, tokens=vocab.tokens))


def race_job(source, vocab, starts: dict[str, np.ndarray], config: TrainConfig):
    """Generator for "Compare inits": yields None while it encodes, then
    (scheme, step, loss, progress, isotropy at the end else None) as each run reports."""
    from explorer.core.training.train import race

    corpus = yield from encode_in_blocks(source, vocab, config.objective == "lm")
    for name, snap in race(corpus, starts, replace(config, yield_seconds=LIVE_YIELD_SECONDS)):
        iso = isotropy(snap.weights) if snap.progress >= 1.0 else None
        yield name, snap.step, snap.loss, snap.progress, iso
