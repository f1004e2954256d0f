"""Projections of the embedding matrix to 2D/3D, and alignment between frames.

`project(weights, settings, previous)` is the one entry point: it runs PCA,
truncated SVD, t-SNE or UMAP (when umap-learn is installed) on the matrix, or on
a random sample of its rows, and returns a `Projection` that says what it did
(method, components, explained variance, how many rows it shows).

Stable frames (live training): pass the previous `Projection` back in.
- PCA/SVD reuse its basis (fitted once, re-fitted only with `refit=True`; a refit
  keeps the axes' signs of the previous frame);
- t-SNE warm-starts from the previous layout (no early exaggeration) and UMAP
  starts from it too; their result is then aligned to the previous layout with an
  orthogonal Procrustes rotation, so points move only as much as the matrix does.

Long runs take the `progress` / `should_cancel` keywords (see explorer.core).
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np

from explorer.core import Cancelled, ExplorerError
from explorer.core.events import Evented

METHODS = ("pca", "svd", "tsne", "umap", "axes")
METHOD_LABELS = {"pca": "PCA", "svd": "Truncated SVD", "tsne": "t-SNE", "umap": "UMAP", "axes": "Semantic axes"}
AXIS_METRICS = ("projection", "cosine", "dot")  # a token's place along a semantic axis
UMAP_METRICS = ("euclidean", "cosine")
TSNE_PRE_DIMS = 50  # t-SNE/UMAP run on the top 50 principal components of wider matrices
KRYLOV_MIN_DIM = 512  # below this the (dim x dim) Gram matrix is cheap: solve it exactly


def umap_available() -> bool:
    try:
        import umap  # noqa: F401
    except Exception:  # ImportError, or numba failing to initialise
        return False
    return True


def available_methods() -> list[str]:
    return [m for m in METHODS if m != "umap" or umap_available()]


# -- PCA / SVD bases ------------------------------------------------------------

@dataclass(frozen=True)
class PCABasis:
    """A fitted linear projection: reuse it on later snapshots so points do not jump.

    For truncated SVD the mean is zero (no centring)."""

    mean: np.ndarray  # (dim,)
    components: np.ndarray  # (k, dim), rows are unit axes
    explained_variance_ratio: np.ndarray  # (k,)
    # Live frames (explorer.core.projection.live_basis): the (dim x b) orthonormal block the
    # next frame's subspace iteration starts from; None for a basis fitted once.
    block: np.ndarray | None = field(default=None, repr=False, compare=False)
    fitted_rows: int | None = None  # a very tall matrix's basis is fitted on this many sampled rows

    def transform(self, weights: np.ndarray) -> np.ndarray:
        x = np.asarray(weights, dtype=np.float32)
        coords = x @ self.components.T
        if np.any(self.mean):
            coords -= self.mean @ self.components.T  # (x - m) C^T without copying x
        return coords.astype(np.float32, copy=False)


GRAM_CHUNK_ROWS = 16384  # rows centred at a time: 16384 x 768 float32 is 50 MB


def _top_eigenvectors(x: np.ndarray, mean: np.ndarray | None, k: int, solver: str,
                      seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Top-k eigenpairs of (x - mean)^T (x - mean): (eigenvalues desc, vectors as rows)."""
    n, d = x.shape
    if solver == "auto":
        solver = "krylov" if (k <= 3 and d >= KRYLOV_MIN_DIM and n >= 4 * d) else "exact"
    m = None if mean is None else mean.astype(np.float32)
    if solver == "exact":
        # float32 BLAS over row chunks (centring a chunk, never a copy of the whole
        # matrix), accumulated and solved in float64.
        gram = np.zeros((d, d), dtype=np.float64)
        for start in range(0, n, GRAM_CHUNK_ROWS):
            block = x[start:start + GRAM_CHUNK_ROWS]
            if m is not None:
                block = block - m
            gram += block.T @ block
        if k < d // 2:  # only the top k eigenpairs (LAPACK syevr): much cheaper than all d
            from scipy.linalg import eigh

            vals, vecs = eigh(gram, subset_by_index=[d - k, d - 1])
        else:
            vals, vecs = np.linalg.eigh(gram)
        order = np.argsort(vals)[::-1][:k]
        return np.maximum(vals[order], 0.0), vecs[:, order].T
    # Randomized block Krylov (Musco & Musco 2015): a few thin matrix products
    # instead of the full (d x d) Gram matrix, then an exact Rayleigh-Ritz step.
    block, iterations = k + 10, 5
    rng = np.random.default_rng(seed)
    q, _ = np.linalg.qr(rng.standard_normal((d, block)))
    q = q.astype(np.float32)
    shift = None if m is None else m[None, :]

    def apply(v: np.ndarray) -> np.ndarray:  # (x - m) v, without centring x
        out = x @ v
        if shift is not None:
            out -= shift @ v
        return out

    def apply_t(u: np.ndarray) -> np.ndarray:  # (x - m)^T u
        out = x.T @ u
        if shift is not None:
            out -= shift.T @ u.sum(axis=0, keepdims=True)
        return out

    krylov = [q]
    for _ in range(iterations):
        q, _ = np.linalg.qr(apply_t(apply(q)).astype(np.float64))
        q = q.astype(np.float32)
        krylov.append(q)
    basis, _ = np.linalg.qr(np.hstack(krylov).astype(np.float64))
    projected = apply(basis.astype(np.float32)).astype(np.float64)
    small = projected.T @ projected
    vals, vecs = np.linalg.eigh(small)
    order = np.argsort(vals)[::-1][:k]
    return np.maximum(vals[order], 0.0), (basis @ vecs[:, order]).T


def _sum_squares(x: np.ndarray, mean: np.ndarray | None, chunk: int = 8192) -> float:
    """Sum of squares of (x - mean), in float64, without a full-size temporary."""
    m = None if mean is None else mean.astype(np.float32)
    total = 0.0
    for start in range(0, len(x), chunk):
        block = x[start:start + chunk]
        if m is not None:
            block = block - m
        total += float(np.einsum("ij,ij->", block, block, dtype=np.float64))
    return total


def _fix_signs(components: np.ndarray) -> np.ndarray:
    """Largest loading positive, so that refits of the same data are comparable."""
    if components.size == 0:
        return components
    idx = np.abs(components).argmax(axis=1)
    signs = np.sign(components[np.arange(len(components)), idx])
    return components * np.where(signs == 0, 1, signs)[:, None]


TALL_ROWS = 500_000  # above this many rows the basis is fitted on a sample of them ...
TALL_FIT_ROWS = 200_000  # ... of this many rows, seeded
KRYLOV_MIN_ENTRIES = 100_000_000  # a sample this big (rows x dim) is solved by block Krylov


def _fit_linear(weights: np.ndarray, n_components: int, centre: bool, solver: str,
                seed: int) -> PCABasis:
    x = np.asarray(weights)
    if x.dtype != np.float32:
        x = x.astype(np.float32)
    n, d = x.shape
    if n == 0 or d == 0:
        raise ExplorerError(f"cannot project an empty matrix ({n} x {d})")
    if n > TALL_ROWS:
        return _fit_tall(x, n_components, centre, solver, seed)
    mean64 = x.mean(axis=0, dtype=np.float64)
    total = _sum_squares(x, mean64 if centre else None)
    k = min(n_components, d)
    vals, comps = _top_eigenvectors(x, mean64 if centre else None, k, solver, seed)
    comps = _fix_signs(comps)
    if centre:
        ratio = vals / total if total > 0 else np.zeros(k)
    else:  # as sklearn's TruncatedSVD: variance of each projected axis / total variance
        proj = x @ comps.T.astype(np.float32)
        var_total = _sum_squares(x, mean64) / n
        ratio = proj.astype(np.float64).var(axis=0) / var_total if var_total > 0 else np.zeros(k)
    if k < n_components:  # dim < n_components: pad with zero axes
        pad = n_components - k
        comps = np.vstack([comps, np.zeros((pad, d))])
        ratio = np.concatenate([ratio, np.zeros(pad)])
    mean = mean64.astype(np.float32) if centre else np.zeros(d, dtype=np.float32)
    return PCABasis(mean, comps.astype(np.float32), np.asarray(ratio, dtype=np.float64))


def _fit_tall(x: np.ndarray, n_components: int, centre: bool, solver: str, seed: int) -> PCABasis:
    """The basis of a very tall matrix, fitted on a seeded sample of TALL_FIT_ROWS rows.

    Mean and explained variance are still every row's (three cheap passes: mean, total,
    the projected axes). Measured at 2,000,000 x 300 (8 strong directions plus noise, 2 busy
    cores): 48 s fitted on every row, 7 s this way; the plane is 0.7 degrees from the full
    fit's (whose 2nd and 3rd variances are close: a clearer gap gives less) and the stated
    variances differ by < 1e-5."""
    ids = np.sort(np.random.default_rng(seed).choice(len(x), TALL_FIT_ROWS, replace=False))
    part = x[ids]
    if solver == "auto" and n_components <= 3 and part.size >= KRYLOV_MIN_ENTRIES:
        solver = "krylov"
    fitted = _fit_linear(part, n_components, centre, solver, seed)
    mean64 = x.mean(axis=0, dtype=np.float64)
    var_total = _sum_squares(x, mean64) / len(x)
    projected = (x @ fitted.components.T).astype(np.float64)
    ratio = projected.var(axis=0) / var_total if var_total > 0 else np.zeros(len(fitted.components))
    mean = mean64.astype(np.float32) if centre else np.zeros(x.shape[1], dtype=np.float32)
    return PCABasis(mean, fitted.components, np.asarray(ratio, dtype=np.float64), fitted_rows=len(ids))


def fit_pca(weights: np.ndarray, n_components: int = 2, *, solver: str = "auto",
            seed: int = 0) -> PCABasis:
    """PCA from the (dim x dim) covariance, never an (n x n) problem.

    solver "exact": float32 BLAS Gram matrix + float64 eigensolver;
    "krylov": randomized block Krylov with Rayleigh-Ritz, for 1-3 components of a
    wide matrix (50,257 x 768 in well under a second); "auto" picks. Over TALL_ROWS rows
    the axes are fitted on a seeded sample (`PCABasis.fitted_rows`, see `_fit_tall`).
    """
    return _fit_linear(weights, n_components, True, solver, seed)


def fit_svd(weights: np.ndarray, n_components: int = 2, *, solver: str = "auto",
            seed: int = 0) -> PCABasis:
    """Truncated SVD: the top right singular vectors of the uncentred matrix."""
    return _fit_linear(weights, n_components, False, solver, seed)


# -- alignment ------------------------------------------------------------------

def procrustes_align(coords: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """Rotate/reflect and translate `coords` onto `reference` (same rows), no scaling.

    Orthogonal Procrustes: R = U V^T from the SVD of coords_c^T reference_c.
    """
    a = np.asarray(coords, dtype=np.float64)
    b = np.asarray(reference, dtype=np.float64)
    ma, mb = a.mean(axis=0), b.mean(axis=0)
    u, _, vt = np.linalg.svd((a - ma).T @ (b - mb))
    return ((a - ma) @ (u @ vt) + mb).astype(np.float32)


def axis_signs(coords: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """-1 for each axis of `coords` that points the opposite way to `reference` (same rows), else 1."""
    a = np.asarray(coords, dtype=np.float32)
    dots = ((a - a.mean(0)) * (reference - reference.mean(0))).sum(axis=0)
    return np.where(dots < 0, -1, 1).astype(np.float32)


def match_signs(coords: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """Flip axes of `coords` that point the opposite way to `reference` (same rows)."""
    return np.asarray(coords, dtype=np.float32) * axis_signs(coords, reference)


# -- settings and results -------------------------------------------------------

@dataclass
class ProjectionSettings(Evented):
    """What the user chose (evented: the Projection dock binds to it; the CLI builds one).

    The state's part is live: hand a worker, or a `Projection`, a `copy()`."""

    method: str = "pca"  # one of METHODS
    dims: int = 2  # 2 or 3
    perplexity: float = 30.0  # t-SNE
    sphereize: bool = False  # centre, then scale each row to unit length
    sample: int | None = None  # project (and show) a random sample of this many rows
    seed: int = 0
    n_neighbors: int = 15  # UMAP
    min_dist: float = 0.1  # UMAP
    umap_metric: str = "euclidean"  # UMAP, one of UMAP_METRICS
    # Semantic axes: each "A-B" (a token, a comma list or a /regex/ per end); z only in 3D.
    x_axis: str = ""
    y_axis: str = ""
    z_axis: str = ""
    axis_metric: str = "projection"  # one of AXIS_METRICS
    rows: tuple = ()  # isolation: project (and show) only these row IDs; empty: every row

    def _check_rows(self, value):
        rows = tuple(sorted({int(i) for i in value}))  # a set of rows: order and repeats do not matter
        if rows and rows[0] < 0:
            raise ExplorerError(f"row IDs are not negative: {rows[0]}")
        return rows

    def validate(self) -> ProjectionSettings:
        if self.method not in METHODS:
            raise ExplorerError(f"unknown projection method {self.method!r} (choose from {', '.join(METHODS)})")
        if self.dims not in (2, 3):
            raise ExplorerError(f"a projection has 2 or 3 components, not {self.dims}")
        if self.sample is not None and self.sample < 3:
            raise ExplorerError(f"the sample must hold at least 3 rows, not {self.sample}")
        if self.perplexity <= 0:
            raise ExplorerError(f"the perplexity must be positive, not {self.perplexity}")
        if self.method == "umap" and not umap_available():
            raise ExplorerError("UMAP needs umap-learn: pip install 'embedding-explorer[umap]'")
        if self.axis_metric not in AXIS_METRICS:
            raise ExplorerError(f"unknown axis metric {self.axis_metric!r} (choose from {', '.join(AXIS_METRICS)})")
        if self.umap_metric not in UMAP_METRICS:
            raise ExplorerError(f"unknown UMAP metric {self.umap_metric!r} (choose from {', '.join(UMAP_METRICS)})")
        if not 0.0 <= self.min_dist <= 1.0:
            raise ExplorerError(f"UMAP's min_dist is between 0 and 1, not {self.min_dist:g}")
        if self.rows and len(self.rows) < 3:
            raise ExplorerError(f"an isolated projection needs at least 3 rows, not {len(self.rows)}")
        if self.method == "axes":
            needed = ("x", "y", "z")[:self.dims]
            missing = [f"{'an' if name == 'x' else 'a'} {name} axis" for name in needed
                       if not getattr(self, f"{name}_axis").strip()]
            if missing:
                raise ExplorerError(f"semantic axes need {' and '.join(missing)}, each 'A-B' (e.g. woman-man)")
        return self


@dataclass(frozen=True)
class Projection:
    """A layout of (a sample of) the matrix's rows, and how it was made."""

    coords: np.ndarray  # (len(ids) or n_total, dims) float32
    method: str
    dims: int
    n_total: int  # rows in the matrix
    ids: np.ndarray | None = None  # row IDs shown, in order; None: every row in ID order
    explained: np.ndarray | None = None  # per-axis explained variance ratio (PCA/SVD)
    axis_titles: tuple[str, ...] = ()
    basis: PCABasis | None = field(default=None, repr=False)  # PCA/SVD, reused on later frames
    settings: ProjectionSettings = field(default_factory=ProjectionSettings)
    warm_started: bool = False  # t-SNE/UMAP started from the previous layout
    perplexity: float | None = None  # the perplexity t-SNE really used (clamped to the sample)
    # A layout on its way (t-SNE/UMAP, handed to `on_layout`): `step` of `steps` iterations/epochs.
    interim: bool = False
    step: int = 0
    steps: int = 0

    @property
    def sample_size(self) -> int:
        return len(self.coords)

    @property
    def sampled(self) -> bool:
        return self.ids is not None and len(self.ids) < self.n_total

    @property
    def row_ids(self) -> np.ndarray:
        return np.arange(self.n_total) if self.ids is None else self.ids

    def full_coords(self) -> np.ndarray:
        """One row per token, in ID order (NaN rows: tokens outside the sample), as views draw them."""
        if self.ids is None:
            return self.coords
        coords = np.full((self.n_total, self.dims), np.nan, dtype=np.float32)
        coords[self.ids] = self.coords
        return coords

    @property
    def statement(self) -> str:
        """One line for the screen: the method and how many rows it shows, never hidden."""
        name = METHOD_LABELS[self.method]
        extra = ""
        if self.method == "tsne" and self.perplexity is not None:
            extra = f", perplexity {self.perplexity:g}"
        if self.settings.sphereize:
            extra += ", sphereized"
        if self.basis is not None and self.basis.fitted_rows:
            extra += f", axes fitted on a random {self.basis.fitted_rows:,} of them"
        if self.interim:
            unit = "epoch" if self.method == "umap" else "iteration"
            extra += f" ({unit} {self.step:,} of {self.steps:,})"
        if self.settings.rows:
            return f"{name} {self.dims}D of {self.sample_size:,} isolated tokens (of {self.n_total:,}){extra}"
        if self.sampled:
            return (f"{name} {self.dims}D of a random sample of {self.sample_size:,} of "
                    f"{self.n_total:,} tokens{extra}")
        return f"{name} {self.dims}D of all {self.n_total:,} tokens{extra}"


Progress = Callable[[float], None] | None
ShouldCancel = Callable[[], bool] | None
OnLayout = Callable[[Projection], None] | None


def _check(should_cancel: ShouldCancel) -> None:
    if should_cancel is not None and should_cancel():
        raise Cancelled("projection cancelled")


def sample_ids(n_total: int, size: int | None, seed: int = 0) -> np.ndarray | None:
    """Sorted random row IDs, or None when the sample would hold every row."""
    if size is None or size >= n_total:
        return None
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(n_total, size=size, replace=False))


def sphereize(x: np.ndarray) -> np.ndarray:
    """Shift rows by the centroid, then scale each to unit length (zero rows stay zero)."""
    centred = np.asarray(x, dtype=np.float32) - np.asarray(x, dtype=np.float32).mean(axis=0)
    norms = np.linalg.norm(centred, axis=1, keepdims=True)
    return centred / np.where(norms > 0, norms, 1).astype(np.float32)


def isolated_ids(rows, n_total: int) -> np.ndarray:
    """The sorted row IDs of an isolated projection, checked against the matrix."""
    ids = np.array(sorted({int(i) for i in rows}), dtype=np.int64)
    if len(ids) < 3:
        raise ExplorerError(f"an isolated projection needs at least 3 rows, not {len(ids)}")
    if ids[0] < 0 or ids[-1] >= n_total:
        bad = ids[0] if ids[0] < 0 else ids[-1]
        raise ExplorerError(f"cannot isolate row {bad}: the matrix has rows 0 to {n_total - 1}")
    return ids


def projected_ids(settings: ProjectionSettings, n_total: int) -> np.ndarray | None:
    """The rows a projection with these settings shows (None: every row): the isolated rows,
    else the random sample."""
    if settings.rows:
        return isolated_ids(settings.rows, n_total)
    return sample_ids(n_total, settings.sample, settings.seed)


def compatible_with(previous: Projection | None, settings: ProjectionSettings, n_total: int) -> bool:
    """`previous` shows the same rows the same way (method, dims, sphereize, isolated rows or
    sample and seed), so a new frame may continue from it."""
    if previous is None or previous.n_total != n_total or previous.settings.method != settings.method \
            or previous.dims != settings.dims or previous.settings.sphereize != settings.sphereize:
        return False
    if tuple(previous.settings.rows) != tuple(settings.rows):
        return False
    return bool(settings.rows) or (previous.settings.sample == settings.sample
                                   and previous.settings.seed == settings.seed)


def _same_rows(previous: Projection | None, ids: np.ndarray | None, n_total: int) -> bool:
    if previous is None or previous.n_total != n_total:
        return False
    if previous.ids is None or ids is None:
        return previous.ids is None and ids is None
    return np.array_equal(previous.ids, ids)


def _axis_titles(method: str, dims: int, explained: np.ndarray | None) -> tuple[str, ...]:
    prefix = {"pca": "PC", "svd": "SV", "tsne": "t-SNE ", "umap": "UMAP "}[method]
    titles = []
    for i in range(dims):
        title = f"{prefix}{i + 1}"
        if explained is not None:
            title += f" ({100 * explained[i]:.1f}% of variance)"
        titles.append(title)
    return tuple(titles)


def project(weights: np.ndarray, settings: ProjectionSettings | None = None,
            previous: Projection | None = None, *, refit: bool = False,
            progress: Progress = None, should_cancel: ShouldCancel = None,
            tokens: list[str] | None = None, on_layout: OnLayout = None) -> Projection:
    """Project `weights` (rows x dim) as `settings` say; `previous` keeps frames stable.

    `settings.rows` isolates those rows (the sample is then ignored). Semantic axes resolve
    their ends in `tokens` (the vocabulary, in ID order). t-SNE/UMAP hand `on_layout`
    interim Projections (`interim=True`) of the layout so far, from the calling thread, at
    most ~8 a second; the returned Projection is the final one."""
    settings = (settings or ProjectionSettings()).copy().validate()  # the result keeps its own
    weights = np.asarray(weights)
    if weights.ndim != 2 or weights.shape[0] < 2:
        raise ExplorerError(f"cannot project a matrix of shape {weights.shape}: it needs at least 2 rows")
    n_total = weights.shape[0]
    compatible = compatible_with(previous, settings, n_total)
    ids = previous.ids if compatible else projected_ids(settings, n_total)
    if settings.method == "axes":
        from explorer.core.projection.axes import semantic_axes

        coords, titles = semantic_axes(weights, ids, settings, tokens)
        if progress is not None:
            progress(1.0)
        return Projection(coords, "axes", settings.dims, n_total, ids, None, titles, None, settings)
    x = weights if ids is None else weights[ids]
    x = np.asarray(x, dtype=np.float32)
    if settings.sphereize:
        x = sphereize(x)
    _check(should_cancel)
    same_rows = _same_rows(previous, ids, n_total)
    method = settings.method
    if method in ("pca", "svd"):
        basis = previous.basis if compatible and not refit and previous.basis is not None \
            and previous.basis.components.shape[1] == x.shape[1] else None
        if basis is None:
            fit = fit_pca if method == "pca" else fit_svd
            basis = fit(x, settings.dims, seed=settings.seed)
        coords = basis.transform(x)
        if refit and same_rows and previous.coords.shape == coords.shape:
            # Flip the basis with the points: later frames, and trails drawn through the
            # basis, must land where these points are shown.
            signs = axis_signs(coords, previous.coords)
            basis = replace(basis, components=basis.components * signs[:, None])
            coords = coords * signs
        if progress is not None:
            progress(1.0)
        explained = basis.explained_variance_ratio
        return Projection(coords, method, settings.dims, n_total, ids, explained,
                          _axis_titles(method, settings.dims, explained), basis, settings)
    # Nonlinear methods: on the top principal (or, for cosine UMAP, singular: no centring,
    # so angles survive) components of wide matrices.
    if x.shape[1] > TSNE_PRE_DIMS:
        reduce = fit_svd if method == "umap" and settings.umap_metric == "cosine" else fit_pca
        x = reduce(x, TSNE_PRE_DIMS, solver="exact").transform(x)
    _check(should_cancel)
    warm = compatible and same_rows and not refit
    init = previous.coords if warm else None
    aligned_to = previous.coords if same_rows and previous is not None else None
    used = None

    def made(coords: np.ndarray, **interim) -> Projection:
        if aligned_to is not None and aligned_to.shape == coords.shape:
            coords = procrustes_align(coords, aligned_to)
        return Projection(np.asarray(coords, dtype=np.float32), method, settings.dims, n_total, ids, None,
                          _axis_titles(method, settings.dims, None), None, settings, warm,
                          used, **interim)

    layout = None
    if on_layout is not None:
        throttle = LayoutThrottle()

        def layout(coords: np.ndarray, step: int, steps: int) -> None:
            if throttle.due(coords):
                on_layout(made(np.array(coords, dtype=np.float32), interim=True, step=step, steps=steps))

    if method == "tsne":
        used = clamp_perplexity(settings.perplexity, len(x))
        coords, used = run_tsne(x, settings.dims, settings.perplexity, init=init, seed=settings.seed,
                                progress=progress, should_cancel=should_cancel, on_layout=layout)
    else:
        coords = run_umap(x, settings.dims, settings.n_neighbors, init=init, seed=settings.seed,
                          min_dist=settings.min_dist, metric=settings.umap_metric,
                          progress=progress, should_cancel=should_cancel, on_layout=layout)
    return made(coords)


LAYOUT_INTERVAL = 0.125  # at most 8 interim layouts a second
LAYOUT_MIN_SPREAD = 1e-2  # an axis spread below this share of the widest: a collapsed layout


class LayoutThrottle:
    """Lets an interim layout through when it shows something (finite, not collapsed onto a
    line or a point) and the last one is at least LAYOUT_INTERVAL seconds old.

    Early t-SNE layouts are tiny (std ~0.01 during early exaggeration) but already show the
    clusters forming: the spread is judged relative to the widest axis, not absolutely."""

    def __init__(self, interval: float = LAYOUT_INTERVAL) -> None:
        self.interval = interval
        self._last: float | None = None

    def due(self, coords: np.ndarray) -> bool:
        import time

        now = time.monotonic()
        if self._last is not None and now - self._last < self.interval:
            return False
        coords = np.asarray(coords)
        if not np.isfinite(coords).all():
            return False
        spread = coords.std(axis=0)
        if spread.max() <= 0 or spread.min() < LAYOUT_MIN_SPREAD * spread.max():
            return False
        self._last = now
        return True


# -- t-SNE ----------------------------------------------------------------------

TSNE_EARLY_ITER = 250
TSNE_ITER = 500
TSNE_WARM_ITER = 150  # a warm start from the previous layout: no early exaggeration


def tsne_backend() -> str:
    """'opentsne' (FFT-accelerated, progress and cancel) when installed, else 'sklearn'."""
    try:
        import openTSNE  # noqa: F401
    except ImportError:
        return "sklearn"
    return "opentsne"


def clamp_perplexity(perplexity: float, n: int) -> float:
    """t-SNE needs perplexity < n / 3 (roughly three neighbours per unit of perplexity)."""
    return float(max(1.0, min(perplexity, (n - 1) / 3.0)))


def run_tsne(x: np.ndarray, dims: int = 2, perplexity: float = 30.0, *, init: np.ndarray | None = None,
             seed: int = 0, n_iter: int | None = None, backend: str | None = None,
             progress: Progress = None, should_cancel: ShouldCancel = None,
             on_layout: Callable[[np.ndarray, int, int], None] | None = None) -> tuple[np.ndarray, float]:
    """t-SNE of `x` with PCA initialisation, or a warm start from `init`. Returns (coords, perplexity).

    openTSNE calls `on_layout(embedding, iteration, iterations)` every 10 iterations (the
    embedding is openTSNE's own array: copy it); scikit-learn's t-SNE has no such hook."""
    x = np.ascontiguousarray(x, dtype=np.float64 if (backend or tsne_backend()) == "sklearn" else np.float32)
    n = len(x)
    perplexity = clamp_perplexity(perplexity, n)
    if n < 4:
        raise ExplorerError(f"t-SNE needs at least 4 rows, not {n}")
    backend = backend or tsne_backend()
    if backend == "opentsne":
        return _tsne_opentsne(x, dims, perplexity, init, seed, n_iter, progress, should_cancel,
                              on_layout), perplexity
    return _tsne_sklearn(x, dims, perplexity, init, seed, n_iter, progress, should_cancel), perplexity


def _tsne_sklearn(x, dims, perplexity, init, seed, n_iter, progress, should_cancel) -> np.ndarray:
    from sklearn.manifold import TSNE

    _check(should_cancel)
    kwargs = dict(n_components=dims, perplexity=perplexity, random_state=seed, learning_rate="auto",
                  method="barnes_hut" if dims <= 3 else "exact")
    if init is not None:
        kwargs.update(init=np.asarray(init, dtype=np.float64), early_exaggeration=1.0,
                      max_iter=max(250, n_iter or TSNE_WARM_ITER))
    else:
        kwargs.update(init="pca", max_iter=max(250, n_iter or TSNE_EARLY_ITER + TSNE_ITER))
    from threadpoolctl import threadpool_limits

    # As for openTSNE: OpenMP threads cost more than they save on small inputs.
    with threadpool_limits(limits=1 if len(x) < 5000 else None):
        try:
            coords = TSNE(**kwargs).fit_transform(x)
        except TypeError:  # scikit-learn < 1.5 calls it n_iter
            kwargs["n_iter"] = kwargs.pop("max_iter")
            coords = TSNE(**kwargs).fit_transform(x)
    _check(should_cancel)
    if progress is not None:
        progress(1.0)
    return coords.astype(np.float32)


def _tsne_opentsne(x, dims, perplexity, init, seed, n_iter, progress, should_cancel, on_layout) -> np.ndarray:
    from openTSNE import TSNE
    from openTSNE.tsne import OptimizationInterrupt

    logging.getLogger("openTSNE").setLevel(logging.ERROR)  # its warm-start variance warning
    phases = [(TSNE_WARM_ITER if n_iter is None else n_iter, None)] if init is not None else \
        [(TSNE_EARLY_ITER, "early"), (TSNE_ITER if n_iter is None else n_iter, None)]
    total = sum(p[0] for p in phases) + 20  # + affinities, counted as 20 iterations
    done = [20]

    def callback(iteration, _error, embedding) -> bool:
        if progress is not None:
            progress(min(1.0, (done[0] + iteration) / total))
        if on_layout is not None:
            on_layout(embedding, done[0] - 20 + iteration, total - 20)
        return bool(should_cancel is not None and should_cancel())

    # Threads only pay off on big inputs: on small ones OpenMP's start-up and spinning
    # cost more than they save (43 s instead of 3 s for 240 rows on a busy 2-core machine).
    n_jobs = 1 if len(x) < 5000 else max(1, os.cpu_count() or 1)
    tsne = TSNE(n_components=dims, perplexity=perplexity, random_state=seed, n_jobs=n_jobs,
                negative_gradient_method="auto" if dims <= 2 else "bh",
                callbacks=callback, callbacks_every_iters=10, verbose=False)
    if init is not None:
        initialization = np.asarray(init, dtype=np.float32).copy()
    else:
        # PCA initialisation scaled to std 1e-4, as openTSNE (and Kobak & Berens) recommend.
        pcs = fit_pca(x, dims, solver="exact").transform(x).astype(np.float64)
        std = pcs[:, 0].std() or 1.0
        initialization = pcs / std * 1e-4
    embedding = tsne.prepare_initial(x, initialization=initialization)
    _check(should_cancel)
    if progress is not None:
        progress(done[0] / total)
    try:
        for iters, phase in phases:
            embedding.optimize(n_iter=iters, inplace=True, propagate_exception=True,
                               exaggeration=tsne.early_exaggeration if phase == "early" else tsne.exaggeration,
                               momentum=tsne.initial_momentum if phase == "early" else tsne.final_momentum)
            done[0] += iters
    except OptimizationInterrupt:
        raise Cancelled("t-SNE cancelled") from None
    _check(should_cancel)
    if progress is not None:
        progress(1.0)
    return np.asarray(embedding, dtype=np.float32)


# -- UMAP -----------------------------------------------------------------------

UMAP_GRAPH_SHARE = 0.2  # of the progress bar: the neighbour graph and spectral start, before the epochs


def run_umap(x: np.ndarray, dims: int = 2, n_neighbors: int = 15, *, init: np.ndarray | None = None,
             seed: int = 0, min_dist: float = 0.1, metric: str = "euclidean", progress: Progress = None,
             should_cancel: ShouldCancel = None,
             on_layout: Callable[[np.ndarray, int, int], None] | None = None) -> np.ndarray:
    """UMAP (umap-learn, the `umap` extra); starts from `init` when given.

    umap-learn has no per-epoch callback, but it runs its epochs through a tqdm bar whose
    keywords it takes (`tqdm_kwds`): the bar's output goes to `_EpochWatch`, which reports
    progress, cancels, and hands `on_layout` the layout being optimised (see there)."""
    try:
        import umap
    except ImportError:
        raise ExplorerError("UMAP needs umap-learn: pip install 'embedding-explorer[umap]'") from None
    n_neighbors = max(2, min(n_neighbors, len(x) - 1))
    watch = _EpochWatch(progress, should_cancel, on_layout)
    reducer = umap.UMAP(n_components=dims, n_neighbors=n_neighbors, min_dist=min_dist, metric=metric,
                        random_state=seed, n_jobs=1,  # a seed makes umap-learn single-threaded anyway
                        init=np.asarray(init, dtype=np.float64) if init is not None else "spectral",
                        tqdm_kwds={"disable": False, "file": watch, "mininterval": LAYOUT_INTERVAL})
    _check(should_cancel)
    coords = reducer.fit_transform(x)  # raises Cancelled from inside, through the watch
    _check(should_cancel)
    if progress is not None:
        progress(1.0)
    return coords.astype(np.float32)


def _release_bar_lock(frame) -> None:
    """tqdm's `refresh` takes the class-wide bar lock and releases it after `display()` without
    a try/finally: an exception raised from the bar's file (a Cancel) would leave it held, and
    every later bar (the next UMAP) would wait on it forever. Release it for the refresh the
    exception is about to leave."""
    while frame is not None:
        bar = frame.f_locals.get("self") if frame.f_code.co_name == "refresh" else None
        if bar is not None and hasattr(bar, "_lock") and not frame.f_locals.get("nolock", False):
            bar._lock.release()
            return
        frame = frame.f_back


class _EpochWatch:
    """The file umap-learn's epoch bar writes to, at most every LAYOUT_INTERVAL seconds.

    Each write comes from inside the optimiser's loop over epochs; the layout it optimises
    in place (`head_embedding`) and the epoch (`n` of `n_epochs`) are that frame's locals,
    read (never written) between two epochs. Should a later umap-learn rename them, UMAP
    still runs and can be cancelled; only its progress and interim layouts go unreported."""

    OPTIMISERS = ("optimize_layout_euclidean", "optimize_layout_generic")

    def __init__(self, progress: Progress, should_cancel: ShouldCancel, on_layout) -> None:
        self.progress, self.should_cancel, self.on_layout = progress, should_cancel, on_layout
        self.cancelled = False

    def write(self, _text: str) -> None:
        if self.cancelled:  # the bar closing after a cancel writes once more
            return
        if self.should_cancel is not None and self.should_cancel():
            self.cancelled = True
            _release_bar_lock(sys._getframe(1))
            raise Cancelled("UMAP cancelled")
        frame = sys._getframe(1)
        while frame is not None and frame.f_code.co_name not in self.OPTIMISERS:
            frame = frame.f_back
        if frame is None:
            return
        state = frame.f_locals
        last, epochs, layout = state.get("n"), state.get("n_epochs"), state.get("head_embedding")
        if not isinstance(last, int) or not isinstance(epochs, int) or epochs <= 0:
            return  # the bar's first line, before any epoch
        epoch = last + 1
        if self.progress is not None:
            self.progress(UMAP_GRAPH_SHARE + (1 - UMAP_GRAPH_SHARE) * min(1.0, epoch / epochs))
        if self.on_layout is not None and isinstance(layout, np.ndarray):
            self.on_layout(layout, epoch, epochs)

    def flush(self) -> None:
        pass


def with_settings(settings: ProjectionSettings, **changes) -> ProjectionSettings:
    return replace(settings, **changes)
