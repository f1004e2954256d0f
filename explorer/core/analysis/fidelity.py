"""Projection fidelity: how many of each point's true neighbours are its neighbours on screen.

For each measured projected row: the share of its k nearest neighbours in the full space
(cosine similarity) that are also among its k nearest in the projection (euclidean), both
sought among the projected rows, the row itself excluded. 1.0: the picture keeps every
neighbourhood; a random layout keeps about k / rows.

The full-space side is exact: chunked matrix products of unit rows and `argpartition`, so
memory stays bounded (QUERY_BLOCK_ENTRIES similarities at a time) whatever the row count;
the 2-3D side is scikit-learn's KD-tree.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from explorer.core import Cancelled, ExplorerError

DEFAULT_K = 10
QUERY_BLOCK_ENTRIES = 8_000_000  # similarities held at once: 32 MB of float32


@dataclass(frozen=True)
class Fidelity:
    per_token: np.ndarray  # (n_total,) float32, NaN for rows not measured
    mean: float  # over the measured rows
    rows: int  # rows measured
    sampled: bool  # True: a random subset of the projected rows was measured
    k: int  # neighbours compared (fewer than asked when few rows are projected)

    @property
    def statement(self) -> str:
        over = f"a random sample of {self.rows:,} projected tokens" if self.sampled \
            else f"{self.rows:,} projected tokens"
        return f"{100 * self.mean:.0f}% of {self.k} nearest neighbours kept on screen (mean over {over})"


def _unit_rows(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return x / np.where(norms > 0, norms, 1)  # zero rows stay zero: similarity 0 to all


def _top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """Column indices of each row's k largest scores (unordered)."""
    return np.argpartition(-scores, k - 1, axis=1)[:, :k]


def full_space_neighbours(x: np.ndarray, queries: np.ndarray, k: int, progress=None,
                          should_cancel=None) -> np.ndarray:
    """(len(queries), k) indices into `x` of each query row's k most cosine-similar rows, itself excluded."""
    unit = _unit_rows(x)
    out = np.empty((len(queries), k), dtype=np.int64)
    block = max(1, QUERY_BLOCK_ENTRIES // max(1, len(x)))
    for start in range(0, len(queries), block):
        if should_cancel is not None and should_cancel():
            raise Cancelled("fidelity cancelled")
        rows = queries[start:start + block]
        sims = unit[rows] @ unit.T
        sims[np.arange(len(rows)), rows] = -np.inf  # never its own neighbour
        out[start:start + len(rows)] = _top_k(sims, k)
        if progress is not None:
            progress(min(1.0, (start + len(rows)) / len(queries)))
    return out


def screen_neighbours(coords: np.ndarray, queries: np.ndarray, k: int) -> np.ndarray:
    """(len(queries), k) indices into `coords` of each query's k nearest points on screen, itself excluded."""
    from sklearn.neighbors import NearestNeighbors

    coords = np.asarray(coords, dtype=np.float64)
    tree = NearestNeighbors(n_neighbors=k + 1, algorithm="kd_tree").fit(coords)
    found = tree.kneighbors(coords[queries], return_distance=False)
    # Drop the query itself; where points coincide it may not come first, or not at all.
    is_self = found == queries[:, None]
    keep = np.where(is_self.any(axis=1, keepdims=True), ~is_self, np.arange(k + 1) < k)
    return found[keep].reshape(len(queries), k)


def knn_preserved(weights: np.ndarray, projection, k: int = DEFAULT_K, max_rows: int | None = None,
                  seed: int = 0, progress=None, should_cancel=None) -> Fidelity:
    """How well `projection` keeps each projected row's k nearest neighbours (see the module).

    `max_rows`: measure a seeded random subset of at most that many projected rows (their
    neighbours are still sought among all projected rows)."""
    weights = np.asarray(weights)
    ids = projection.row_ids
    coords = np.asarray(projection.coords)
    if len(weights) != projection.n_total:
        raise ExplorerError(f"the projection is of {projection.n_total:,} rows, the matrix has {len(weights):,}")
    m = len(ids)
    if m < 3:
        raise ExplorerError(f"fidelity needs at least 3 projected rows, not {m}")
    if not np.isfinite(coords).all():
        raise ExplorerError("the projection has non-finite coordinates")
    k = min(k, m - 1)
    queries = np.arange(m)
    sampled = max_rows is not None and max_rows < m
    if sampled:
        queries = np.sort(np.random.default_rng(seed).choice(m, size=max(1, max_rows), replace=False))
    true = full_space_neighbours(weights[ids], queries, k, progress, should_cancel)
    shown = screen_neighbours(coords, queries, k)
    kept = (true[:, :, None] == shown[:, None, :]).any(axis=2).sum(axis=1)
    share = (kept / k).astype(np.float32)
    per_token = np.full(projection.n_total, np.nan, dtype=np.float32)
    per_token[ids[queries]] = share
    return Fidelity(per_token, float(share.mean()), len(queries), bool(sampled), k)
