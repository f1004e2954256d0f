"""k-means clustering of embedding rows (for colouring points by cluster)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from explorer.core import Cancelled


def kmeans(x: np.ndarray, k: int, *, seed: int = 0, iterations: int = 25, sample: int = 20000,
           progress: Callable[[float], None] | None = None,
           should_cancel: Callable[[], bool] | None = None) -> np.ndarray:
    """k-means labels for the rows of x (never copies x: distances via one matmul
    per iteration). k-means++ seeding on a sample. Returns int labels (N,)."""
    x = np.asarray(x)
    n = len(x)
    if n == 0:
        return np.zeros(0, np.int64)
    k = max(1, min(k, n))
    rng = np.random.default_rng(seed)
    pick = rng.choice(n, size=min(sample, n), replace=False)
    s = np.asarray(x[np.sort(pick)], dtype=np.float32)
    centers = [s[rng.integers(len(s))]]
    d2 = ((s - centers[0]) ** 2).sum(axis=1)
    for _ in range(1, k):
        total = d2.sum()
        j = rng.choice(len(s), p=d2 / total) if total > 0 else rng.integers(len(s))
        centers.append(s[j])
        d2 = np.minimum(d2, ((s - s[j]) ** 2).sum(axis=1))
    c = np.array(centers, dtype=np.float32)
    norms = np.einsum("ij,ij->i", x, x, dtype=np.float32) if x.dtype == np.float32 else (x * x).sum(1)
    labels = np.zeros(n, dtype=np.int64)
    chunk = 16384
    for it in range(iterations):
        if should_cancel is not None and should_cancel():
            raise Cancelled()
        new = np.empty(n, dtype=np.int64)
        sums = np.zeros_like(c, dtype=np.float64)
        cn = (c * c).sum(axis=1)
        for start in range(0, n, chunk):
            block = x[start:start + chunk]
            d = norms[start:start + chunk, None] - 2 * (block @ c.T) + cn[None, :]
            lab = d.argmin(axis=1)
            new[start:start + chunk] = lab
            _add_rows(sums, lab, block)
        sizes = np.bincount(new, minlength=len(c))
        nonempty = sizes > 0
        c[nonempty] = (sums[nonempty] / sizes[nonempty, None]).astype(np.float32)
        if progress is not None:
            progress((it + 1) / iterations)
        if it > 0 and np.array_equal(new, labels):
            labels = new
            break
        labels = new
    # Number clusters by size (largest first) so colours are stable across runs.
    order = np.argsort(-np.bincount(labels, minlength=len(c)), kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    return rank[labels]


def _add_rows(sums: np.ndarray, labels: np.ndarray, block: np.ndarray) -> None:
    """sums[j] += the rows of block labelled j, via a one-hot matmul (no copy of block)."""
    onehot = np.zeros((len(sums), len(block)), dtype=block.dtype if block.dtype.kind == "f" else np.float32)
    onehot[labels, np.arange(len(block))] = 1
    sums += onehot @ block
