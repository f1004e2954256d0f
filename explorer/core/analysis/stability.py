"""Neighbourhood stability while a matrix trains: does the space settle? (no Qt, no torch)

    tracker = StabilityTracker(n_tokens)          # a fixed sample, e.g. 500 tokens
    tracker.update(weights)   # None for the first frame, then the mean Jaccard overlap
                              # of each sampled token's top-10 with the previous frame's

Each sampled token's top-k cosine neighbours are found among a fixed pool of tokens: the
whole vocabulary while `sample x pool x dim` stays within a budget (so the update costs a
few milliseconds), else a fixed random pool of the size the budget allows (stated as
`pool`). The sample and the pool never change during a run, so the curve compares like
with like. 1.0: no sampled token changed a neighbour; near 0: the neighbourhoods churn.
"""

from __future__ import annotations

import numpy as np

STABILITY_SAMPLE = 500  # tokens whose neighbourhoods are followed
STABILITY_K = 10  # top-k neighbours compared
FLOP_BUDGET = 2.5e8  # sample x pool x dim multiply-adds per update (a few ms with BLAS)


class StabilityTracker:
    """Mean Jaccard overlap of each sampled token's top-k between consecutive frames."""

    def __init__(self, n_tokens: int, dim: int | None = None, sample: int = STABILITY_SAMPLE,
                 k: int = STABILITY_K, seed: int = 0) -> None:
        rng = np.random.default_rng(seed)
        self.n_tokens = int(n_tokens)
        self.sample_ids = np.sort(rng.choice(self.n_tokens, size=min(sample, self.n_tokens), replace=False))
        self.k = max(1, min(k, self.n_tokens - 1))
        dim = dim or 768
        pool = int(max(FLOP_BUDGET // max(1, len(self.sample_ids) * dim), 4 * self.k + 1))
        if pool >= self.n_tokens:
            self.pool_ids = None  # every token
        else:  # the sample's own tokens, then others at random
            others = np.setdiff1d(np.arange(self.n_tokens), self.sample_ids)
            extra = rng.choice(others, size=max(0, pool - len(self.sample_ids)), replace=False)
            self.pool_ids = np.sort(np.concatenate([self.sample_ids, extra]))
        self._previous: np.ndarray | None = None

    @property
    def sample(self) -> int:
        """How many tokens the curve follows."""
        return len(self.sample_ids)

    @property
    def pool(self) -> int:
        """Among how many tokens their neighbours are found."""
        return self.n_tokens if self.pool_ids is None else len(self.pool_ids)

    def neighbours(self, weights: np.ndarray) -> np.ndarray:
        """(sample x k) token IDs: each sampled token's k nearest by cosine (itself excluded)."""
        w = np.asarray(weights, dtype=np.float32)
        pool_ids = np.arange(self.n_tokens) if self.pool_ids is None else self.pool_ids
        pool = w if self.pool_ids is None else w[pool_ids]
        queries = w[self.sample_ids]

        def unit(m):
            norms = np.linalg.norm(m, axis=1, keepdims=True)
            return m / np.where(norms > 0, norms, 1)

        scores = unit(queries) @ unit(pool).T
        scores[np.isnan(scores)] = -np.inf  # NaN rows: never neighbours
        # Exclude each token itself.
        own = np.searchsorted(pool_ids, self.sample_ids)
        hit = own < len(pool_ids)
        hit[hit] = pool_ids[own[hit]] == self.sample_ids[hit]
        scores[np.flatnonzero(hit), own[hit]] = -np.inf
        k = min(self.k, scores.shape[1] - 1)
        top = np.argpartition(-scores, k - 1, axis=1)[:, :k]
        return pool_ids[top]

    def update(self, weights: np.ndarray) -> float | None:
        """This frame's stability against the previous update's (None on the first)."""
        current = self.neighbours(weights)
        previous, self._previous = self._previous, current
        if previous is None:
            return None
        return mean_jaccard(previous, current)


class RunStability:
    """One tracker across a whole run (a watched run hands its frames over one snapshot at
    a time): a new one only when the number of tokens changes. `measured=False`: measures
    nothing (a frame that only redraws a matrix already measured)."""

    def __init__(self, measured: bool = True) -> None:
        self.tracker: StabilityTracker | None = None
        self.measured = measured

    def update(self, weights: np.ndarray) -> tuple[float | None, int, int]:
        """(stability against the previous drawn frame or None, sample size, pool size)."""
        if not self.measured:
            return None, 0, 0
        if self.tracker is None or self.tracker.n_tokens != len(weights):
            self.tracker = StabilityTracker(len(weights), weights.shape[1])
        value = self.tracker.update(weights)
        return value, self.tracker.sample, self.tracker.pool


def mean_jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Mean over rows of |a_i & b_i| / |a_i | b_i| (rows: distinct IDs, as many in a as in b)."""
    a, b = np.asarray(a), np.asarray(b)
    if not len(a):
        return 1.0
    inter = (a[:, :, None] == b[:, None, :]).sum(axis=(1, 2))
    union = a.shape[1] + b.shape[1] - inter
    return float(np.mean(np.where(union > 0, inter / np.maximum(union, 1), 1.0)))
