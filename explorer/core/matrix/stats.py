"""What an embedding matrix looks like, in numbers: for the Initialization panel,
its Compare view and `embedding-explorer init`.

Big matrices are sampled, and every figure says on how many rows or values it
was computed, so the panel can state it ("mean cosine over 2,000 random rows").
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from explorer.core import Cancelled

VALUE_SAMPLE = 1_000_000  # values in the weight histogram
COSINE_SAMPLE = 2_000  # rows for the mean pairwise cosine
RANK_SAMPLE = 5_000  # rows for the effective rank


@dataclass
class MatrixStats:
    rows: int
    dim: int
    mean: float
    std: float
    norm_mean: float
    norm_std: float
    mean_cosine: float  # NaN when fewer than two rows have a nonzero norm
    cosine_rows: int  # rows the mean cosine was computed on
    effective_rank: float
    rank_rows: int
    identical_rows: bool  # every row equal: no token can be told apart
    weight_hist: tuple[np.ndarray, np.ndarray] = field(repr=False)  # (counts, edges)
    norm_hist: tuple[np.ndarray, np.ndarray] = field(repr=False)
    weight_values: int = 0  # values in the weight histogram

    def as_dict(self) -> dict:
        return {
            "rows": self.rows, "dim": self.dim, "mean": self.mean, "std": self.std,
            "norm_mean": self.norm_mean, "norm_std": self.norm_std,
            "mean_cosine": None if np.isnan(self.mean_cosine) else self.mean_cosine,
            "cosine_sample_rows": self.cosine_rows,
            "effective_rank": self.effective_rank, "effective_rank_sample_rows": self.rank_rows,
            "identical_rows": self.identical_rows,
        }

    def summary(self) -> str:
        cosine = "n/a" if np.isnan(self.mean_cosine) else f"{self.mean_cosine:.3f}"
        return (f"mean {self.mean:.3g} · std {self.std:.3g} · row norm {self.norm_mean:.3g} · "
                f"mean cosine {cosine} · effective rank {self.effective_rank:.1f} of {min(self.rows, self.dim)}")


def _one_thread():
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - comes with scikit-learn
        import contextlib

        return contextlib.nullcontext()
    return threadpool_limits(limits=1)


def _sample_rows(n: int, k: int, rng: np.random.Generator) -> np.ndarray | slice:
    return slice(None) if n <= k else np.sort(rng.choice(n, size=k, replace=False))


def mean_cosine(weights: np.ndarray, sample: int = COSINE_SAMPLE, seed: int = 0) -> tuple[float, int]:
    """Mean cosine similarity over all pairs of distinct rows (of a random sample of rows).

    Near 0 for isotropic random vectors; near 1 when all rows point the same way.
    Zero rows have no direction and are left out. Returns (mean, rows used).
    """
    rng = np.random.default_rng(seed)
    rows = weights[_sample_rows(len(weights), sample, rng)].astype(np.float64)
    norms = np.linalg.norm(rows, axis=1)
    rows = rows[norms > 0] / norms[norms > 0, None]
    n = len(rows)
    if n < 2:
        return float("nan"), n
    total = rows.sum(axis=0)
    # sum over i != j of cos(i, j) = |sum of unit rows|^2 - n
    return float((total @ total - n) / (n * (n - 1))), n


def effective_rank(weights: np.ndarray, sample: int = RANK_SAMPLE, seed: int = 0) -> tuple[float, int]:
    """exp(entropy of the normalized singular values) (Roy & Vetterli, 2007).

    1 for a rank-one matrix, min(rows, dim) when every direction is used equally;
    0 for the zero matrix. Returns (value, rows used).
    """
    rng = np.random.default_rng(seed)
    rows = weights[_sample_rows(len(weights), sample, rng)].astype(np.float64)
    gram = rows.T @ rows if rows.shape[0] >= rows.shape[1] else rows @ rows.T
    with _one_thread():  # BLAS threads fighting other jobs on few cores slow this down 10x
        eig = np.linalg.eigvalsh(gram)
    singular = np.sqrt(np.clip(eig, 0, None))
    total = singular.sum()
    if total <= 0:
        return 0.0, len(rows)
    p = singular[singular > total * 1e-12] / total
    return float(np.exp(-(p * np.log(p)).sum())), len(rows)


def matrix_stats(weights: np.ndarray, bins: int = 60, seed: int = 0,
                 value_sample: int = VALUE_SAMPLE, cosine_sample: int = COSINE_SAMPLE,
                 rank_sample: int = RANK_SAMPLE, progress=None, should_cancel=None) -> MatrixStats:
    """Every statistic the panel shows. Fast on 50,000 x 768 (samples rows and values).

    `progress(fraction)` after each figure and `should_cancel()` between them (raising
    Cancelled), as every long core job does: the panel runs it in a worker after the matrix
    is shown."""

    def step(done: float) -> None:
        if should_cancel is not None and should_cancel():
            raise Cancelled("statistics")
        if progress is not None:
            progress(done)

    weights = np.asarray(weights, dtype=np.float32)
    n, dim = weights.shape
    rng = np.random.default_rng(seed)
    step(0.0)
    squares = np.einsum("ij,ij->i", weights, weights).astype(np.float64)
    norms = np.sqrt(squares)
    mean = float(weights.mean(dtype=np.float64))
    if weights.size <= 4_000_000:
        std = float(weights.std(dtype=np.float64))
    else:  # one pass less; exact enough unless |mean| >> std
        std = float(np.sqrt(max(squares.sum() / weights.size - mean * mean, 0.0)))
    step(0.3)
    flat = weights.reshape(-1)
    if flat.size > value_sample:
        values = flat[rng.integers(0, flat.size, size=value_sample)]
    else:
        values = flat
    weight_hist = _histogram(values, bins)
    norm_hist = _histogram(norms, bins)
    step(0.45)
    cosine, cosine_rows = mean_cosine(weights, cosine_sample, seed)
    step(0.55)
    rank, rank_rows = effective_rank(weights, rank_sample, seed)
    step(0.9)
    # Equal rows: cheap to rule out on a few rows before looking at all of them.
    identical = bool(n > 1 and np.all(weights[:: max(1, n // 64)] == weights[:1])
                     and np.all(weights == weights[:1]))
    step(1.0)
    return MatrixStats(n, dim, mean, std, float(norms.mean()), float(norms.std()), cosine, cosine_rows,
                       rank, rank_rows, identical, weight_hist, norm_hist, int(values.size))


def _histogram(values: np.ndarray, bins: int) -> tuple[np.ndarray, np.ndarray]:
    lo, hi = float(values.min()), float(values.max())
    if lo == hi:  # a constant: one visible bar around the value
        pad = max(abs(lo) * 0.05, 1e-3)
        lo, hi = lo - pad, hi + pad
    return np.histogram(values, bins=bins, range=(lo, hi))
