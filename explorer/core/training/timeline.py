"""The snapshots of one run kept for replay, within a memory bound (no Qt, no torch).

    timeline = Timeline()
    for snap in train(corpus, weights, config):
        timeline.add(snap)          # thinned as the run grows; first and latest stay
    timeline[0].epoch               # each kept Snapshot states its true step, epoch and loss
"""

from __future__ import annotations

import threading

from explorer.core.training.snapshot import Snapshot

TIMELINE_BYTES = 256 * 2**20  # snapshots kept for replay, at most this much memory
TIMELINE_MAX = 64  # ... and at most this many


class Timeline:
    """Snapshots of one run within a memory bound: when full, every other one is dropped
    (the first and the latest always stay), so the kept ones span the whole run.

    The worker adds while the GUI reads: `add` holds a lock, and readers see whole lists."""

    def __init__(self, max_bytes: int = TIMELINE_BYTES, max_count: int = TIMELINE_MAX,
                 snapshots: list[Snapshot] | None = None) -> None:
        self.max_bytes, self.max_count = max_bytes, max_count
        self.snapshots: list[Snapshot] = list(snapshots or [])  # a saved run's, kept as they are
        self._stride = 1
        self._seen = 0
        self._lock = threading.Lock()

    def capacity(self, snapshot: Snapshot) -> int:
        size = max(1, snapshot.weights.nbytes)
        return max(4, min(self.max_count, self.max_bytes // size))

    def add(self, snapshot: Snapshot) -> None:
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

    def __getitem__(self, i: int) -> Snapshot:
        return self.snapshots[i]

    @property
    def nbytes(self) -> int:
        return sum(s.weights.nbytes for s in self.snapshots)
