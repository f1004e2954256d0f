"""Nearest neighbours, analogies and drift, in the full embedding space (never in the projection).

Scores: higher is nearer. Cosine and dot are similarities; euclidean is the negated
distance (`distance = -score`), so that one ordering rule serves every metric.

`NeighborIndex` normalizes once: it keeps the row norms (and their inverses), never a
normalized copy of the matrix, so a 400,000 x 300 float32 matrix (480 MB) is explored
without doubling it. Each cosine query is then one matrix-vector product scaled by the
inverse norms and an `argpartition`: a single pass over the matrix, bounded by memory
bandwidth (about the time numpy takes to sum the matrix).

Big tables (`CODES_MIN_ROWS` rows and more; 2,000,000 x 300 is 2.4 GB) also keep the unit
rows as int8 codes (a quarter of the matrix) with, per row, a bound on what the rounding
can change of any cosine. A cosine query first scans the codes (a quarter of the bytes,
integer dot products), keeps the rows whose score can still reach the k-th best, and scores
those exactly as the full pass does: the same top k, at about a third of the time.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from explorer.core import Cancelled, ExplorerError

METRICS = ("cosine", "euclidean", "dot")
CHUNK_ROWS = 32768  # rows per block when a whole-matrix temporary would be too big
CODES_MIN_ROWS = 100_000  # below this one exact pass takes a few milliseconds: no codes are kept
CODE_MAX = 127  # int8 codes: each unit row is scale * codes, codes in -127..127
# Added to every bound: the exact scores are float32 sums of `dim` products, off the true
# cosine by far less than this (and the codes' scores by less still).
BOUND_SLACK = 1e-4
RESCORE_MAX_FRACTION = 1 / 64  # more candidates than this (near-duplicate rows): one exact pass instead


def _matvec(matrix: np.ndarray, vector: np.ndarray) -> np.ndarray:
    """matrix @ vector with BLAS's own threads: the product is bound by memory bandwidth,
    and on a quiet 2-core machine two threads halve it (400,000 x 300: 25 ms vs 45 ms)."""
    return matrix @ vector


def _check_metric(metric: str) -> None:
    if metric not in METRICS:
        raise ExplorerError(f"unknown metric {metric!r}; choose one of {', '.join(METRICS)}")


def top_k(scores: np.ndarray, k: int, exclude=(), *, inplace: bool = False) -> list[tuple[int, float]]:
    """The k highest finite scores as (id, score), best first (ties by lower id).

    With `inplace`, excluded entries of `scores` are overwritten (saves a copy per query).
    """
    scores = np.asarray(scores)
    n = len(scores)
    exclude = np.asarray(list(exclude), dtype=np.int64)
    if len(exclude):
        if not inplace:
            scores = scores.copy()
        scores[exclude] = -np.inf
    k = int(k)
    if k <= 0 or n == 0:
        return []
    # Candidates: the k + |exclude| largest (NaN sorts last, so it would land here: filtered below).
    want = min(n, k + len(exclude))
    candidates = np.argpartition(scores, n - want)[n - want:] if want < n else np.arange(n)
    candidates = candidates[np.isfinite(scores[candidates])]
    if want < n and len(candidates):  # rows tied with the last candidate: argpartition picks any of them
        candidates = np.union1d(candidates, np.flatnonzero(scores == scores[candidates].min()))
    if len(candidates) < k and want < n:  # non-finite scores crowded the candidates out: do it fully
        finite = np.flatnonzero(np.isfinite(scores))
        order = np.argpartition(scores[finite], max(0, len(finite) - k))[max(0, len(finite) - k):] \
            if len(finite) > k else np.arange(len(finite))
        candidates = finite[order]
    # Sort by score (descending), then by id, so results are stable across runs.
    candidates = candidates[np.lexsort((candidates, -scores[candidates].astype(np.float64)))]
    return [(int(i), float(scores[i])) for i in candidates[:k]]


def row_norms(weights: np.ndarray) -> np.ndarray:
    """L2 norm of every row, float32, computed in blocks (no full-size temporary)."""
    weights = np.asarray(weights)
    out = np.empty(len(weights), dtype=np.float32)
    for start in range(0, len(weights), CHUNK_ROWS):
        block = weights[start:start + CHUNK_ROWS].astype(np.float32, copy=False)
        out[start:start + CHUNK_ROWS] = np.sqrt(np.einsum("ij,ij->i", block, block))
    return out


class NeighborIndex:
    """A matrix prepared for fast repeated queries.

    Keeps a reference to `weights` (no copy) and its row norms; cosine scores are
    `(W @ q) * inv_norms / |q|`. Zero rows score 0 by cosine against anything. Big tables
    also keep int8 codes of the unit rows (`codes`, a quarter of the matrix), which cosine
    queries scan first (see the module's docstring).
    """

    def __init__(self, weights: np.ndarray, *, progress=None, should_cancel=None, codes: bool | None = None) -> None:
        """`codes`: keep int8 codes for fast cosine queries (None: for float32 tables of
        CODES_MIN_ROWS rows or more, when numba is there)."""
        weights = np.asarray(weights)
        if weights.ndim != 2:
            raise ExplorerError(f"expected a matrix (rows x dim), got shape {weights.shape}")
        self.weights = weights
        n = len(weights)
        self.norms = np.empty(n, dtype=np.float32)
        want_codes = n >= CODES_MIN_ROWS if codes is None else bool(codes)
        share = 0.5 if want_codes else 1.0  # of the progress bar: the codes take the other half
        for start in range(0, n, CHUNK_ROWS):
            if should_cancel is not None and should_cancel():
                raise Cancelled()
            block = np.asarray(weights[start:start + CHUNK_ROWS], dtype=np.float32)
            self.norms[start:start + len(block)] = np.sqrt(np.einsum("ij,ij->i", block, block))
            if progress is not None:
                progress(share * min(n, start + CHUNK_ROWS) / max(n, 1))
        with np.errstate(divide="ignore"):
            self.inv_norms = np.where(self.norms > 0, 1.0 / self.norms, 0.0).astype(np.float32)
        self._squared_norms: np.ndarray | None = None
        self.codes: _Codes | None = None
        if want_codes:
            self.codes = _Codes.build(weights, self.norms, self.inv_norms, should_cancel=should_cancel)
            if progress is not None:
                progress(1.0)

    def __len__(self) -> int:
        return len(self.weights)

    @property
    def dim(self) -> int:
        return int(self.weights.shape[1])

    def matches(self, weights: np.ndarray) -> bool:
        """Whether this index was built for exactly this array object."""
        return weights is self.weights

    def unit(self, token_id: int) -> np.ndarray:
        """The row scaled to length 1 (zeros stay zeros)."""
        return self.weights[token_id].astype(np.float32) * self.inv_norms[token_id]

    def scores(self, query: np.ndarray, metric: str = "cosine") -> np.ndarray:
        """Score of every row against `query` (higher = nearer); a fresh float32 array."""
        _check_metric(metric)
        query = np.asarray(query, dtype=np.float32).reshape(-1)
        if query.shape[0] != self.dim:
            raise ExplorerError(f"query has {query.shape[0]} numbers, the matrix has {self.dim} dims")
        if metric == "cosine":
            qn = float(np.linalg.norm(query))
            scores = _matvec(self.weights, query / qn if qn > 0 else query)
            scores *= self.inv_norms
            return scores
        dots = _matvec(self.weights, query)
        if metric == "dot":
            return dots
        # |w - q|^2 = |w|^2 - 2 w.q + |q|^2, without a (rows x dim) temporary.
        if self._squared_norms is None:
            self._squared_norms = self.norms ** 2
        dots *= -2.0
        dots += self._squared_norms
        dots += float(query @ query)
        np.maximum(dots, 0.0, out=dots)
        np.sqrt(dots, out=dots)
        dots *= -1.0
        return dots

    def query(self, query: np.ndarray, k: int = 10, metric: str = "cosine",
              exclude=()) -> list[tuple[int, float]]:
        if metric == "cosine" and self.codes is not None:
            found = self._query_codes(np.asarray(query, dtype=np.float32).reshape(-1), int(k), exclude)
            if found is not None:
                return found
        return top_k(self.scores(query, metric), k, exclude, inplace=True)

    def _query_codes(self, query: np.ndarray, k: int, exclude) -> list[tuple[int, float]] | None:
        """The cosine top k through the codes, or None where they cannot tell (then the full pass
        answers): the rows that may be in the top k, scored exactly as `scores` scores them."""
        n = len(self)
        exclude = np.unique(np.asarray(list(exclude), dtype=np.int64))
        if query.shape[0] != self.dim or k <= 0 or k + len(exclude) >= n:
            return None
        qn = float(np.linalg.norm(query))
        if not (np.isfinite(qn) and qn > 0):
            return None
        unit = query / qn
        lower, upper = self.codes.bounds(unit)
        lower[exclude] = -np.inf
        upper[exclude] = -np.inf
        # At least k rows score at least `floor` exactly, so every row of the top k can reach it.
        floor = np.partition(lower, n - k)[n - k]
        candidates = np.flatnonzero(upper >= floor)
        if len(candidates) > max(4096, n * RESCORE_MAX_FRACTION):
            return None
        # BLAS computes the full product in blocks of 4 rows: gathering a multiple of 4 rows makes
        # these scores the full pass's, bit for bit (except a row or two at its threads' seams).
        gathered = np.concatenate([candidates, np.repeat(candidates[:1], -len(candidates) % 4)])
        exact = _matvec(self.weights[gathered], unit)[:len(candidates)]
        exact *= self.inv_norms[candidates]
        return [(int(candidates[i]), s) for i, s in top_k(exact, k, inplace=True)]

    def neighbors_of(self, token_id: int, k: int = 10, metric: str = "cosine") -> list[tuple[int, float]]:
        _check_id(token_id, len(self))
        vector = self.unit(token_id) if metric == "cosine" else self.weights[token_id]
        return self.query(vector, k, metric, exclude=(token_id,))

    def analogy(self, a: int, b: int, c: int, k: int = 10) -> list[tuple[int, float]]:
        """a : b :: c : ?  (3CosAdd: the rows nearest, by cosine, to b - a + c on unit vectors)."""
        return self.arithmetic(positive=(b, c), negative=(a,), k=k)

    def arithmetic(self, positive=(), negative=(), k: int = 10) -> list[tuple[int, float]]:
        """Top-k by cosine to the sum of the unit rows of `positive` minus those of `negative`,
        excluding the inputs (as gensim's most_similar does)."""
        ids = [*positive, *negative]
        if not ids:
            raise ExplorerError("give at least one token")
        for i in ids:
            _check_id(i, len(self))
        target = np.zeros(self.dim, dtype=np.float32)
        for i in positive:
            target += self.unit(i)
        for i in negative:
            target -= self.unit(i)
        return self.query(target, k, "cosine", exclude=tuple(sorted(set(ids))))


class _Codes:
    """The unit rows of a float32 matrix as int8 codes: row i is about `scale[i] * codes[i]`,
    and `error[i]` is the length of what that leaves out. The cosine of row i with a unit query
    q = tau * r + f (r its own codes) is then within (1 + error[i]) * |f| + error[i] of
    `scale[i] * tau * (codes[i] . r)`, by Cauchy-Schwarz on the two residuals."""

    def __init__(self, codes: np.ndarray, scale: np.ndarray, error: np.ndarray) -> None:
        self.codes, self.scale, self.error = codes, scale, error

    @classmethod
    def build(cls, weights: np.ndarray, norms: np.ndarray, inv_norms: np.ndarray, *, should_cancel=None):
        """The codes of `weights`, or None where the full pass must answer: a matrix that is not
        float32 in C order, a row whose norm is not finite (its exact score is not), no numba, or
        too little memory for them (they take a quarter of the matrix: 600 MB at 2,000,000 x 300)."""
        from explorer.core.matrix.memory import MATRIX_FRACTION, available_bytes

        available = available_bytes()
        if available is not None and weights.size > MATRIX_FRACTION * available:
            return None
        kernels = _code_kernels()
        if kernels is None or weights.dtype != np.float32 or not weights.flags.c_contiguous \
                or not np.isfinite(norms).all():
            return None
        encode, _ = kernels
        n, dim = weights.shape
        codes = np.empty((n, dim), dtype=np.int8)
        scale = np.empty(n, dtype=np.float32)
        error = np.empty(n, dtype=np.float32)
        for start in range(0, n, CHUNK_ROWS * 4):
            if should_cancel is not None and should_cancel():
                raise Cancelled()
            _in_threads(encode, start, min(n, start + CHUNK_ROWS * 4), weights, inv_norms, codes, scale, error)
        return cls(codes, scale, error)

    def bounds(self, unit: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(lower, upper): float32 bounds on every row's cosine with the unit vector `unit`."""
        _, scan = _code_kernels()
        peak = float(np.abs(unit).max())
        tau = peak / CODE_MAX if peak > 0 else 1.0
        r = np.clip(np.rint(unit / tau), -CODE_MAX, CODE_MAX).astype(np.int8)
        residual = float(np.linalg.norm(unit.astype(np.float64) - tau * r.astype(np.float64)))
        n = len(self.codes)
        lower = np.empty(n, dtype=np.float32)
        upper = np.empty(n, dtype=np.float32)
        _in_threads(scan, 0, n, self.codes, r, self.scale, self.error, np.float32(tau),
                    np.float32(residual + BOUND_SLACK), lower, upper)
        return lower, upper


def _encode(lo, hi, weights, inv_norms, codes, scale, error):  # compiled by _code_kernels
    dim = weights.shape[1]
    for i in range(lo, hi):
        inv = inv_norms[i]
        peak = np.float32(0.0)
        for j in range(dim):
            peak = max(peak, abs(weights[i, j]))
        step = peak * inv / CODE_MAX if peak > 0 else np.float32(1.0)
        per_step = inv / step
        left = np.float32(0.0)
        for j in range(dim):
            c = min(np.float32(CODE_MAX), max(np.float32(-CODE_MAX), np.rint(weights[i, j] * per_step)))
            codes[i, j] = np.int8(c)
            left += (weights[i, j] * inv - c * step) ** 2
        # float32 here: its rounding (and that of `step`) is far within BOUND_SLACK
        scale[i] = step
        error[i] = np.sqrt(left)


def _scan(lo, hi, codes, r, scale, error, tau, residual, lower, upper):  # compiled by _code_kernels
    dim = codes.shape[1]
    i = lo
    while i < hi:
        # four rows at a time: each element of r loaded serves four rows (about 1.3x faster)
        rows = 4 if hi - i >= 4 else 1
        a0 = a1 = a2 = a3 = np.int32(0)
        if rows == 4:
            for j in range(dim):
                rj = np.int32(r[j])
                a0 += np.int32(codes[i, j]) * rj
                a1 += np.int32(codes[i + 1, j]) * rj
                a2 += np.int32(codes[i + 2, j]) * rj
                a3 += np.int32(codes[i + 3, j]) * rj
        else:
            for j in range(dim):
                a0 += np.int32(codes[i, j]) * np.int32(r[j])
        for t in range(rows):
            acc = a0 if t == 0 else a1 if t == 1 else a2 if t == 2 else a3
            approx = scale[i + t] * tau * np.float32(acc)
            bound = (np.float32(1.0) + error[i + t]) * residual + error[i + t]
            lower[i + t] = approx - bound
            upper[i + t] = approx + bound
        i += rows


_KERNELS: dict = {}


def _code_kernels():
    """(encode, scan) compiled with numba (cached on disk, the GIL released), or None without it."""
    if "kernels" not in _KERNELS:
        try:
            from numba import njit

            # fastmath: sums in any order (the scan's are of integers; the encoder's error sum
            # moves by rounding only, far within BOUND_SLACK)
            _KERNELS["kernels"] = (njit(nogil=True, cache=True, fastmath=True)(_encode),
                                   njit(nogil=True, cache=True, fastmath=True)(_scan))
        except Exception:  # numba missing, or failing to initialise: exact full passes only
            _KERNELS["kernels"] = None
    return _KERNELS["kernels"]


def _in_threads(kernel, lo: int, hi: int, *args) -> list:
    """`kernel(lo, hi, *args)` on row ranges in threads (it releases the GIL): one per core, at most 4."""
    import os

    parts = max(1, min(4, os.cpu_count() or 1, (hi - lo) // 65536))
    edges = np.linspace(lo, hi, parts + 1).astype(np.int64).tolist()
    if parts == 1:
        return [kernel(lo, hi, *args)]
    if "pool" not in _KERNELS:
        from concurrent.futures import ThreadPoolExecutor

        _KERNELS["pool"] = ThreadPoolExecutor(max_workers=4, thread_name_prefix="neighbours")
    futures = [_KERNELS["pool"].submit(kernel, a, b, *args) for a, b in zip(edges[:-1], edges[1:])]
    return [f.result() for f in futures]


def _check_id(token_id: int, size: int) -> None:
    if not 0 <= int(token_id) < size:
        raise ExplorerError(f"ID {token_id} is outside the vocabulary (0..{size - 1})")


def nearest(weights: np.ndarray, query: np.ndarray, k: int = 10, metric: str = "cosine",
            exclude: tuple[int, ...] = ()) -> list[tuple[int, float]]:
    """Top-k (id, score) for a query vector; higher score = nearer (euclidean is negated distance).

    One-off queries: no normalized copy is kept. For repeated queries build a NeighborIndex.
    """
    _check_metric(metric)
    weights = np.asarray(weights)
    query = np.asarray(query, dtype=np.float32).reshape(-1)
    dots = _matvec(weights, query)
    if metric == "dot":
        scores = dots
    else:
        norms = row_norms(weights)
        if metric == "cosine":
            scores = dots / np.maximum(norms * float(np.linalg.norm(query)), 1e-12)
        else:
            scores = -np.sqrt(np.maximum(norms.astype(np.float64) ** 2 - 2.0 * dots + float(query @ query), 0.0))
    return top_k(scores, k, exclude, inplace=True)


def neighbors_of(weights: np.ndarray, token_id: int, k: int = 10, metric: str = "cosine"):
    _check_id(token_id, len(weights))
    return nearest(weights, weights[token_id], k, metric, exclude=(token_id,))


def analogy(weights: np.ndarray, a: int, b: int, c: int, k: int = 10,
            index: NeighborIndex | None = None) -> list[tuple[int, float]]:
    """a : b :: c : ?  e.g. man : king :: woman : queen (king - man + woman).

    Without an index, one pass over `weights` and no normalized copy (for one-off queries).
    """
    if index is not None and index.matches(weights):
        return index.analogy(a, b, c, k)
    for i in (a, b, c):
        _check_id(i, len(weights))
    unit = [np.asarray(weights[i], dtype=np.float64) for i in (a, b, c)]
    unit = [u / n if (n := np.linalg.norm(u)) > 0 else u for u in unit]
    target = (unit[1] - unit[0] + unit[2]).astype(np.float32)
    return nearest(weights, target, k, "cosine", exclude=tuple({a, b, c}))


# -- drift: the matrix at init vs now -------------------------------------------------

@dataclass(frozen=True)
class RowDrift:
    token_id: int
    cosine: float  # between the row at init and now
    distance: float  # euclidean
    norm_before: float
    norm_after: float


def row_drift(initial: np.ndarray, current: np.ndarray, token_id: int) -> RowDrift:
    _check_shapes(initial, current)
    _check_id(token_id, len(current))
    before = np.asarray(initial[token_id], dtype=np.float64)
    after = np.asarray(current[token_id], dtype=np.float64)
    nb, na = float(np.linalg.norm(before)), float(np.linalg.norm(after))
    cosine = float(before @ after / (nb * na)) if nb > 0 and na > 0 else 0.0
    return RowDrift(int(token_id), cosine, float(np.linalg.norm(after - before)), nb, na)


@dataclass(frozen=True)
class NeighborDrift:
    token_id: int
    before: list[tuple[int, float]]
    after: list[tuple[int, float]]
    jaccard: float  # |before & after| / |before | after| over the ids
    kept: list[int]  # ids in both, in the order of `after`


def neighbor_drift(initial: np.ndarray, current: np.ndarray, token_id: int, k: int = 10,
                   metric: str = "cosine", initial_index: NeighborIndex | None = None,
                   current_index: NeighborIndex | None = None) -> NeighborDrift:
    _check_shapes(initial, current)
    if initial_index is not None and initial_index.matches(initial):
        before = initial_index.neighbors_of(token_id, k, metric)
    else:
        before = neighbors_of(initial, token_id, k, metric)
    if current_index is not None and current_index.matches(current):
        after = current_index.neighbors_of(token_id, k, metric)
    else:
        after = neighbors_of(current, token_id, k, metric)
    return NeighborDrift(int(token_id), before, after, jaccard([i for i, _ in before], [i for i, _ in after]),
                         [i for i, _ in after if i in {j for j, _ in before}])


def jaccard(a, b) -> float:
    a, b = set(a), set(b)
    return 1.0 if not a and not b else len(a & b) / len(a | b)


@dataclass(frozen=True)
class Moved:
    token_id: int
    distance: float
    cosine: float


def moved_most(initial: np.ndarray, current: np.ndarray, n: int = 20, by: str = "distance",
               *, progress=None, should_cancel=None) -> list[Moved]:
    """The n tokens whose rows moved most since init, by euclidean `distance` or by `cosine`
    (lowest cosine between the two rows first). Computed in blocks: no full-size temporary."""
    if by not in ("distance", "cosine"):
        raise ExplorerError(f"unknown ranking {by!r}; choose distance or cosine")
    _check_shapes(initial, current)
    rows = len(current)
    distance = np.empty(rows, dtype=np.float64)
    cosine = np.empty(rows, dtype=np.float64)
    for start in range(0, rows, CHUNK_ROWS):
        if should_cancel is not None and should_cancel():
            raise Cancelled()
        a = np.asarray(initial[start:start + CHUNK_ROWS], dtype=np.float32)
        b = np.asarray(current[start:start + CHUNK_ROWS], dtype=np.float32)
        diff = b - a
        distance[start:start + len(a)] = np.sqrt(np.einsum("ij,ij->i", diff, diff))
        na = np.sqrt(np.einsum("ij,ij->i", a, a))
        nb = np.sqrt(np.einsum("ij,ij->i", b, b))
        dots = np.einsum("ij,ij->i", a, b)
        cosine[start:start + len(a)] = np.where((na > 0) & (nb > 0), dots / np.maximum(na * nb, 1e-30), 0.0)
        if progress is not None:
            progress(min(rows, start + CHUNK_ROWS) / max(rows, 1))
    ranked = top_k(distance if by == "distance" else -cosine, n)
    return [Moved(i, float(distance[i]), float(cosine[i])) for i, _ in ranked]


def _check_shapes(initial: np.ndarray, current: np.ndarray) -> None:
    if initial is None:
        raise ExplorerError("no matrix at init to compare with")
    if np.shape(initial) != np.shape(current):
        raise ExplorerError(f"the matrix at init is {np.shape(initial)}, now it is {np.shape(current)}")


def describe_score(metric: str, score: float) -> float:
    """The score in the metric's own terms: cosine/dot similarity, or euclidean distance."""
    return -score if metric == "euclidean" else score
