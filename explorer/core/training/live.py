"""Live training as plain generators a worker runs (no Qt): train, project each drawn
frame in the worker, and hand the GUI only what it can draw.

- Frames: `training_job` yields a small `Frame` per snapshot (at least every ~50 ms, so
  Pause/Stop act at once); it carries coordinates only when the GUI has drawn the
  previous ones (`FrameGate`), so stale frames are dropped, never queued.
- Projection: each drawn frame is projected with the previous frame's `Projection`,
  that is in the view's fixed PCA/SVD basis, so points never jump.
- History: every snapshot goes into a `Timeline` of bounded memory for replay.
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
from explorer.core.projection.project import Projection, ProjectionSettings, project
from explorer.core.tokens.corpus import concat, corpus_lines, encode_lines
from explorer.core.training.config import TrainConfig
from explorer.core.training.snapshot import Snapshot
from explorer.core.training.timeline import Timeline

ENCODE_BLOCK = 4000  # lines encoded between two yields
FRAME_INTERVAL = 1 / 30  # at most this many projected frames per second reach the GUI
LIVE_YIELD_SECONDS = 0.05  # a live run yields a snapshot at least this often
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
    snapshot: Snapshot | None = None
    coords: np.ndarray | None = None  # one row per token in the run's basis (None: not drawn)
    explained: np.ndarray | None = None
    projection: Projection | None = None  # this frame's projection (the next one starts from it)


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


def live_settings(settings: ProjectionSettings) -> ProjectionSettings:
    """Live frames use the view's PCA/SVD settings as they are (a fixed basis, so the final
    reprojection lands exactly where the last frame was); t-SNE/UMAP views get PCA frames."""
    return settings if settings.method in ("pca", "svd") else replace(settings, method="pca")


def training_job(source, vocab, weights: np.ndarray, config: TrainConfig, settings: ProjectionSettings,
                 previous: Projection | None, gate: FrameGate, timeline: Timeline):
    """Generator run by the worker: encode the corpus, train, project, yield Frames; returns
    the last frame's Projection.

    Each drawn frame is projected here, in the worker, with the basis kept fixed
    (`previous`'s: the view's, else one fitted on the first snapshot)."""
    from explorer.core.training.train import train

    corpus = yield from encode_in_blocks(source, vocab, config.objective == "lm",
                                         lambda fraction: Frame("encoding", fraction))
    if len(corpus) == 0:
        raise ExplorerError("the corpus has no token of the current vocabulary", str(source))
    projection = previous
    for snap in train(corpus, weights, config):
        timeline.add(snap)
        frame = Frame("training", snap.progress, snap)
        if gate.take() or snap.progress >= 1.0:
            projection = project(snap.weights, settings, projection)
            frame.coords, frame.explained = projection.full_coords(), projection.explained
            frame.projection = projection
        yield frame
    return projection


def race_job(source, vocab, starts: dict[str, np.ndarray], config: TrainConfig):
    """Generator for "Compare inits": yields None while it encodes, then
    (scheme, step, loss, progress, isotropy at the end else None) as each run reports."""
    from explorer.core.training.train import race

    corpus = yield from encode_in_blocks(source, vocab, config.objective == "lm")
    for name, snap in race(corpus, starts, replace(config, yield_seconds=LIVE_YIELD_SECONDS)):
        iso = isotropy(snap.weights) if snap.progress >= 1.0 else None
        yield name, snap.step, snap.loss, snap.progress, iso
