"""A PCA/SVD basis that follows a changing matrix (live training, timeline replay).

A basis fitted once on the random start keeps showing the start's variance after the
matrix has learned. `track(weights, settings, previous)` instead moves the basis with the
matrix, one pass over it per frame, and keeps the picture continuous:

1. **Subspace iteration, warm-started**: the previous frame's block `Q` (dim x b, b = k + 4
   oversampling vectors, kept in `PCABasis.block`) is multiplied by the current covariance
   in one chunked pass over the rows (`Y = X Q`, `Z = X^T Y`, column sums and sums of
   squares in the same pass, so the mean and the total variance are this frame's too).
2. **Rayleigh-Ritz** on span(Q) (`Y^T Y`, b x b) gives this frame's best axes in that span
   and their exact variances; the top k are shown.
3. **Alignment**: the shown axes are rotated/reflected inside their plane onto the previous
   frame's axes (orthogonal Procrustes, k x k), so points never jump or flip; the plane is
   what the matrix says, only its orientation is inherited.
4. The next frame's block is orth(C Q W): one more step of subspace iteration.

`converge=True` (a run's last frame) repeats the pass until the plane stops moving, so the
view ends on the plane a fresh PCA of the final matrix gives.

Axis titles state each shown axis's share of this frame's variance.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from explorer.core import ExplorerError
from explorer.core.projection.project import (
    PCABasis,
    Projection,
    ProjectionSettings,
    _axis_titles,
    compatible_with,
    project,
    projected_ids,
    sphereize,
)

OVERSAMPLE = 4  # extra block vectors: the top k converge at rate (lambda_{k+5} / lambda_k) per frame
FUSED_MIN_ENTRIES = 4_000_000  # matrices this big read once through the numba kernel
PASS_CHUNK = 2048  # rows per chunk: 2048 x 768 float32 (6 MB) stays in cache for X^T Y
CONVERGE_ITERATIONS = 50  # at most this many passes on a converging frame
CONVERGED = 1e-7  # ... stopping when 1 - cos(largest principal angle) to the last pass is below


def rows_for(weights: np.ndarray, settings: ProjectionSettings, previous: Projection | None):
    """(ids, x): the rows a projection with these settings shows, prepared (isolated or
    sampled, sphereized)."""
    n_total = len(weights)
    ids = previous.ids if compatible_with(previous, settings, n_total) else projected_ids(settings, n_total)
    x = weights if ids is None else weights[ids]
    x = np.asarray(x, dtype=np.float32)
    if settings.sphereize:
        x = sphereize(x)
    return ids, x


def one_pass(x: np.ndarray, q: np.ndarray, chunk: int = PASS_CHUNK):
    """One pass over the rows of `x` (n x d float32) with the block `q` (d x b):
    returns (Y = x q, Z = x^T Y (float64), column sums (float64), sum of squares).

    Big matrices: a fused numba kernel reads each row once (row ranges in threads, the GIL
    released); small ones, or without numba: BLAS over chunks of rows small enough to stay in
    cache for x^T Y."""
    x = np.ascontiguousarray(x, dtype=np.float32)
    # Small matrices (the demo) gain nothing from the kernel, and must not wait for its first
    # compilation (seconds, once per machine: it is cached on disk) in the middle of a run.
    kernel = _fused_kernel() if x.size >= FUSED_MIN_ENTRIES else None
    if kernel is not None:
        return _fused_pass(kernel, x, q)
    return _blas_pass(x, q, chunk)


def _blas_pass(x: np.ndarray, q: np.ndarray, chunk: int):
    n, d = x.shape
    b = q.shape[1]
    q32 = np.ascontiguousarray(q, dtype=np.float32)
    y = np.empty((n, b + 1), dtype=np.float32)
    y[:, b] = 1.0  # a column of ones: x^T y then also gives the column sums
    z = np.zeros((d, b + 1), dtype=np.float64)
    sumsq = 0.0
    for start in range(0, n, chunk):
        block = x[start:start + chunk]
        part = y[start:start + chunk]
        np.matmul(block, q32, out=part[:, :b])
        z += block.T @ part
        flat = block.reshape(-1)
        sumsq += float(np.dot(flat, flat))
    return y[:, :b], z[:, :b], z[:, b].copy(), sumsq


_KERNEL: dict = {}


def _fused_kernel():
    """The compiled row kernel (numba, cached on disk), or None without numba."""
    if "fn" in _KERNEL:
        return _KERNEL["fn"]
    try:
        from numba import njit
    except Exception:  # not installed, or failing to initialise
        _KERNEL["fn"] = None
        return None

    @njit(nogil=True, fastmath=True, cache=True)
    def rows(x, qt, lo, hi, y, zt):  # pragma: no cover - compiled
        d = x.shape[1]
        b = qt.shape[0]
        sq = 0.0
        for i in range(lo, hi):
            row = x[i]
            s2 = np.float32(0.0)
            for k in range(d):
                s2 += row[k] * row[k]
            sq += s2
            for j in range(b):
                a = np.float32(0.0)
                qj = qt[j]
                for k in range(d):
                    a += row[k] * qj[k]
                y[i, j] = a
                zj = zt[j]
                for k in range(d):
                    zj[k] += a * row[k]
            sums = zt[b]
            for k in range(d):
                sums[k] += row[k]
        return sq

    _KERNEL["fn"] = rows
    return rows


def _threads() -> int:
    import os

    return max(1, min(4, os.cpu_count() or 1))


_POOL: dict = {}


def _fused_pass(kernel, x: np.ndarray, q: np.ndarray):
    n, d = x.shape
    b = q.shape[1]
    qt = np.ascontiguousarray(np.asarray(q, dtype=np.float32).T)
    y = np.empty((n, b), dtype=np.float32)
    parts = max(1, min(_threads(), n // 4096))
    zt = np.zeros((parts, b + 1, d), dtype=np.float32)  # per part: Z^T rows, then the column sums
    bounds = np.linspace(0, n, parts + 1).astype(np.int64)
    if parts == 1:
        sums = [kernel(x, qt, 0, n, y, zt[0])]
    else:
        if "pool" not in _POOL:
            from concurrent.futures import ThreadPoolExecutor

            _POOL["pool"] = ThreadPoolExecutor(max_workers=_threads(), thread_name_prefix="live-basis")
        futures = [_POOL["pool"].submit(kernel, x, qt, int(bounds[i]), int(bounds[i + 1]), y, zt[i])
                   for i in range(parts)]
        sums = [f.result() for f in futures]
    total = zt.astype(np.float64).sum(axis=0)
    return y, total[:b].T.copy(), total[b].copy(), float(sum(sums))


def _orth(m: np.ndarray) -> np.ndarray:
    q, _ = np.linalg.qr(np.asarray(m, dtype=np.float64))
    return q


def initial_block(components: np.ndarray, dim: int, b: int, seed: int = 0) -> np.ndarray:
    """A (dim x b) orthonormal block whose first columns span `components` (rows), the rest random."""
    rng = np.random.default_rng(seed)
    start = np.hstack([np.asarray(components, dtype=np.float64).T,
                       rng.standard_normal((dim, b - len(components)))])
    q = _orth(start)
    # Keep the given axes' directions (QR may flip signs).
    signs = np.sign(np.sum(q[:, :len(components)] * components.T, axis=0))
    q[:, :len(components)] *= np.where(signs == 0, 1, signs)
    return q


def _align(axes: np.ndarray, reference: np.ndarray | None) -> np.ndarray:
    """The k x k rotation/reflection R making axes @ R closest to `reference` (both d x k)."""
    k = axes.shape[1]
    if reference is None or reference.shape != axes.shape or not np.any(reference):
        return np.eye(k)
    u, _, vt = np.linalg.svd(axes.T @ reference)
    return u @ vt


def subspace_cosine(a: np.ndarray, b: np.ndarray) -> float:
    """The smallest cosine of the principal angles between the spans of the rows of a and b."""
    qa, qb = _orth(np.asarray(a).T), _orth(np.asarray(b).T)
    return float(np.linalg.svd(qa.T @ qb, compute_uv=False).min())


def _step(x: np.ndarray, q: np.ndarray, k: int, centre: bool, reference: np.ndarray | None):
    """One frame: (components k x d, coords n x k, explained (k,), mean, next block)."""
    n = len(x)
    y, z, colsum, sumsq = one_pass(x, q)
    mean = colsum / n
    mq = mean @ q  # (b,)
    centred_total = max(sumsq - n * float(mean @ mean), 0.0)
    if centre:
        y64 = y.astype(np.float64) - mq
        cq = z - n * np.outer(mean, mq)
    else:
        y64 = y.astype(np.float64)
        cq = z
    vals, w = np.linalg.eigh(y64.T @ y64)
    order = np.argsort(vals)[::-1]
    vals, w = vals[order], w[:, order]
    axes = q @ w[:, :k]  # d x k Ritz vectors
    rotation = _align(axes, reference)
    axes = axes @ rotation
    coords = y64 @ (w[:, :k] @ rotation)
    if centre:
        cov = rotation.T @ np.diag(np.maximum(vals[:k], 0.0)) @ rotation
        explained = np.diag(cov) / centred_total if centred_total > 0 else np.zeros(k)
    else:  # as sklearn's TruncatedSVD: variance of each projected axis / total variance
        var_total = centred_total / n
        explained = coords.var(axis=0) / var_total if var_total > 0 else np.zeros(k)
    next_block = _orth(cq @ w)
    return axes.T, coords, np.asarray(explained, dtype=np.float64), mean, next_block


def track(weights: np.ndarray, settings: ProjectionSettings, previous: Projection | None, *,
          converge: bool = False, tokens=None) -> Projection:
    """This frame's Projection, its PCA/SVD basis moved on from `previous`'s (see the module).

    Without a compatible previous basis, a fresh fit (whose axes later frames follow).
    Semantic axes have no basis to follow: they are recomputed on this frame's matrix, their
    ends found in `tokens`."""
    settings = settings.copy().validate()
    if settings.method == "axes":
        return project(weights, settings, previous, tokens=tokens)
    if settings.method not in ("pca", "svd"):
        raise ExplorerError(f"a live basis is PCA, SVD or semantic axes, not {settings.method}")
    weights = np.asarray(weights)
    if weights.ndim != 2 or weights.shape[0] < 2:
        raise ExplorerError(f"cannot project a matrix of shape {weights.shape}: it needs at least 2 rows")
    n_total, dim = weights.shape
    k = settings.dims
    b = min(k + OVERSAMPLE, dim)
    usable = compatible_with(previous, settings, n_total) and previous.basis is not None \
        and previous.basis.components.shape == (k, dim) and dim > k
    if not usable:
        fresh = project(weights, settings)  # a first fit; later frames follow it
        if dim <= k:
            return fresh
        block = initial_block(fresh.basis.components, dim, b, settings.seed)
        return replace(fresh, basis=replace(fresh.basis, block=block))
    ids, x = rows_for(weights, settings, previous)
    q = previous.basis.block
    if q is None or q.shape != (dim, b):
        q = initial_block(previous.basis.components, dim, b, settings.seed)
    reference = previous.basis.components.T.astype(np.float64)
    centre = settings.method == "pca"
    components, coords, explained, mean, q_next = _step(x, q, k, centre, reference)
    if converge:
        for _ in range(CONVERGE_ITERATIONS):
            before = components
            components, coords, explained, mean, q_next = _step(x, q_next, k, centre, reference)
            if 1.0 - subspace_cosine(before, components) < CONVERGED:
                break
    basis = PCABasis((mean if centre else np.zeros(dim)).astype(np.float32),
                     components.astype(np.float32), explained, block=q_next)
    # coords are (x - mean) @ components^T, what basis.transform gives, without another pass.
    return Projection(coords.astype(np.float32), settings.method, k, n_total, ids, explained,
                      _axis_titles(settings.method, k, explained), basis, settings)


def fresh_plane_cosine(weights: np.ndarray, projection: Projection) -> float:
    """How well `projection`'s plane matches a fresh PCA/SVD of `weights` (1.0: the same)."""
    fresh = project(weights, projection.settings)
    return subspace_cosine(fresh.basis.components, projection.basis.components)
