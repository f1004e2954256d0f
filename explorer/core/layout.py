"""Qt-free helpers for the 2D scatter: picking, selection, label placement,
rasterizing many points with numpy, density images, colour modes, k-means.

Everything here works on plain numpy arrays, in data or device (pixel)
coordinates, so the view stays thin and this logic is tested headless.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence

import numpy as np

from explorer.core import Cancelled, ExplorerError


# -- picking ----------------------------------------------------------------------
class SpatialGrid:
    """A uniform grid over 2D points for nearest-point queries (hover, click).

    Built in O(N log N) with one argsort; cheap enough to rebuild lazily on
    the first query after the points moved (live training moves them every frame).
    """

    def __init__(self, xy: np.ndarray, cells_per_side: int | None = None) -> None:
        self.xy = np.asarray(xy, dtype=np.float32)
        n = len(self.xy)
        finite = np.isfinite(self.xy).all(axis=1) if n else np.zeros(0, bool)
        if n and finite.any():
            lo = self.xy[finite].min(axis=0).astype(np.float64)
            hi = self.xy[finite].max(axis=0).astype(np.float64)
        else:
            lo, hi = np.zeros(2), np.ones(2)
        self.side = cells_per_side or max(1, min(2048, int(math.sqrt(max(n, 1) / 4))))
        self.lo = lo
        self.cell = np.maximum((hi - lo) / self.side, 1e-12)
        cx, cy = self._cell_of(self.xy[:, 0], self.xy[:, 1])
        keys = np.where(finite, cy * self.side + cx, self.side * self.side)  # non-finite: a bin of their own
        self.order = np.argsort(keys, kind="stable").astype(np.int64)
        self.starts = np.searchsorted(keys[self.order], np.arange(self.side * self.side + 1))

    def _cell_of(self, x, y):
        fx = np.nan_to_num((np.asarray(x, np.float64) - self.lo[0]) / self.cell[0], nan=0, posinf=1e9, neginf=-1e9)
        fy = np.nan_to_num((np.asarray(y, np.float64) - self.lo[1]) / self.cell[1], nan=0, posinf=1e9, neginf=-1e9)
        cx = np.clip(np.clip(fx, -1, self.side), 0, self.side - 1).astype(np.int64)
        cy = np.clip(np.clip(fy, -1, self.side), 0, self.side - 1).astype(np.int64)
        return cx, cy

    def candidates(self, x0: float, y0: float, x1: float, y1: float) -> np.ndarray:
        """Indices of points in grid cells touching the rectangle (a superset)."""
        if len(self.xy) == 0:
            return np.zeros(0, np.int64)
        (cx0, cx1), (cy0, cy1) = self._cell_of([x0, x1], [y0, y1])
        if (cx1 - cx0 + 1) * (cy1 - cy0 + 1) > 4096:  # a huge area: scanning everything is faster
            return np.arange(len(self.xy))
        parts = [self.order[self.starts[row * self.side + cx0]:self.starts[row * self.side + cx1 + 1]]
                 for row in range(cy0, cy1 + 1)]
        return np.concatenate(parts) if parts else np.zeros(0, np.int64)

    def nearest(self, x: float, y: float, rx: float, ry: float) -> int | None:
        """The point closest to (x, y) within the ellipse of radii (rx, ry), or None.

        rx, ry are the pick radius in data units along each axis (a pixel radius
        divided by the view's pixels per unit), so picking is round on screen.
        """
        if rx <= 0 or ry <= 0 or not (math.isfinite(x) and math.isfinite(y)):
            return None
        ids = self.candidates(x - rx, y - ry, x + rx, y + ry)
        if len(ids) == 0:
            return None
        pts = self.xy[ids]
        d = ((pts[:, 0] - x) / rx) ** 2 + ((pts[:, 1] - y) / ry) ** 2
        d = np.where(np.isfinite(d), d, np.inf)
        best = int(np.argmin(d))
        # ties (coincident points) go to the one drawn last, i.e. on top
        if d[best] > 1.0:
            return None
        ties = ids[d == d[best]]
        return int(ties.max())


# -- selection --------------------------------------------------------------------
def points_in_rect(xy: np.ndarray, x0: float, y0: float, x1: float, y1: float) -> np.ndarray:
    """IDs of the points inside the axis-aligned rectangle (corners in any order)."""
    xy = np.asarray(xy)
    lo_x, hi_x = sorted((x0, x1))
    lo_y, hi_y = sorted((y0, y1))
    inside = (xy[:, 0] >= lo_x) & (xy[:, 0] <= hi_x) & (xy[:, 1] >= lo_y) & (xy[:, 1] <= hi_y)
    return np.flatnonzero(inside)


def points_in_polygon(xy: np.ndarray, polygon: Sequence[Sequence[float]]) -> np.ndarray:
    """IDs of the points inside a closed polygon (even-odd rule), e.g. a lasso."""
    xy = np.asarray(xy, dtype=np.float64)
    poly = np.asarray(polygon, dtype=np.float64).reshape(-1, 2)
    if len(poly) < 3 or len(xy) == 0:
        return np.zeros(0, np.int64)
    lo, hi = poly.min(axis=0), poly.max(axis=0)
    box = np.flatnonzero((xy[:, 0] >= lo[0]) & (xy[:, 0] <= hi[0]) & (xy[:, 1] >= lo[1]) & (xy[:, 1] <= hi[1]))
    px, py = xy[box, 0], xy[box, 1]
    inside = np.zeros(len(box), dtype=bool)
    xj, yj = poly[-1]
    for xi, yi in poly:
        crosses = (yi > py) != (yj > py)
        with np.errstate(divide="ignore", invalid="ignore"):
            x_at = (xj - xi) * (py - yi) / (yj - yi) + xi
        inside ^= crosses & (px < x_at)
        xj, yj = xi, yi
    return box[inside]


# -- labels -----------------------------------------------------------------------
def place_labels(anchors: np.ndarray, sizes: np.ndarray, *, gap: float = 4.0,
                 bounds: tuple[float, float, float, float] | None = None,
                 obstacles: np.ndarray | None = None) -> list[tuple[int, tuple[float, float, float, float]]]:
    """Greedy label placement in pixel coordinates, in priority order.

    anchors: (n, 2) point positions; sizes: (n, 2) text width/height. Each label
    tries above, below, right and left of its point, and takes the first spot that
    overlaps no placed label (nor an obstacle box, nor leaves `bounds`); labels
    with no free spot are suppressed. Returns [(index, (x0, y0, x1, y1))].
    """
    anchors = np.asarray(anchors, dtype=np.float64).reshape(-1, 2)
    sizes = np.asarray(sizes, dtype=np.float64).reshape(-1, 2)
    placed: list[tuple[int, tuple[float, float, float, float]]] = []
    boxes = np.zeros((len(anchors) + (0 if obstacles is None else len(obstacles)), 4))
    count = 0
    if obstacles is not None and len(obstacles):
        boxes[:len(obstacles)] = obstacles
        count = len(obstacles)
    for i, ((x, y), (w, h)) in enumerate(zip(anchors, sizes)):
        if not (math.isfinite(x) and math.isfinite(y)):
            continue
        spots = ((x - w / 2, y - gap - h), (x - w / 2, y + gap), (x + gap + 2, y - h / 2),
                 (x - gap - 2 - w, y - h / 2))
        for left, top in spots:
            box = (left, top, left + w, top + h)
            if bounds is not None and (box[0] < bounds[0] or box[1] < bounds[1]
                                       or box[2] > bounds[2] or box[3] > bounds[3]):
                continue
            b = boxes[:count]
            if count and np.any((b[:, 0] < box[2]) & (b[:, 2] > box[0]) & (b[:, 1] < box[3]) & (b[:, 3] > box[1])):
                continue
            boxes[count] = box
            count += 1
            placed.append((i, box))
            break
    return placed


def boxes_overlap(a: Sequence[float], b: Sequence[float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


# -- rasterizing points -----------------------------------------------------------
def sprite_offsets(diameter: float) -> tuple[np.ndarray, np.ndarray]:
    """Pixel offsets (K, 2) of a disc of this diameter and each pixel's coverage 0..1
    (4x4 supersampled), for anti-aliased sprites."""
    r = diameter / 2
    reach = int(math.ceil(r))
    sub = (np.arange(4) + 0.5) / 4 - 0.5
    offsets, coverage = [], []
    for dy in range(-reach, reach + 1):
        for dx in range(-reach, reach + 1):
            sx = dx + sub[None, :]
            sy = dy + sub[:, None]
            cov = float(((sx * sx + sy * sy) <= r * r).mean())
            if cov > 0:
                offsets.append((dx, dy))
                coverage.append(cov)
    return np.array(offsets, dtype=np.int64).reshape(-1, 2), np.array(coverage, dtype=np.float32)


def sprite_table(colors: np.ndarray, coverage: np.ndarray, background: Sequence[int],
                 ring: np.ndarray | None = None, ring_color: Sequence[int] | None = None) -> np.ndarray:
    """Opaque ARGB32 sprite pixels (P, K) for P RGBA colours, pre-blended over the
    background: an anti-aliased rim that needs no read-back when stamping.
    `ring` (K,) 0..1 optionally mixes `ring_color` in (an outline)."""
    colors = np.asarray(colors, dtype=np.float32).reshape(-1, 4)
    bg = np.asarray(background[:3], dtype=np.float32)
    alpha = (colors[:, 3:4] / 255.0)[:, None, :] * coverage[None, :, None]  # (P, K, 1)
    rgb = colors[:, None, :3]
    if ring is not None and ring_color is not None:
        mix = ring[None, :, None]
        rgb = rgb * (1 - mix) + np.asarray(ring_color[:3], np.float32)[None, None, :] * mix
    out = rgb * alpha + bg[None, None, :] * (1 - alpha)
    out = np.clip(np.rint(out), 0, 255).astype(np.uint32)
    return (np.uint32(0xFF000000) | (out[..., 0] << 16) | (out[..., 1] << 8) | out[..., 2]).astype(np.uint32)


def stamp_sprites(buf: np.ndarray, px: np.ndarray, py: np.ndarray, color_index: np.ndarray,
                  offsets: np.ndarray, table: np.ndarray, rows: np.ndarray | None = None) -> int:
    """Draw one sprite per point into `buf` (H x W uint32 ARGB), in order (later on top).

    offsets: (K, 2) integer pixel offsets (dx, dy); table: (P, K) opaque ARGB per
    palette colour (see sprite_table). Points whose sprite does not fit entirely in
    the buffer are skipped: give the buffer a margin as wide as the sprite's radius
    around the area shown and they are exactly the invisible ones. One gather and
    one scatter per pixel: no per-point Python. `rows` may hold table[color_index]
    already (cached while colours stay). Returns the number of points drawn.
    """
    h, w = buf.shape
    if len(px) == 0:
        return 0
    reach = int(np.abs(offsets).max(initial=0))
    with np.errstate(invalid="ignore"):  # NaN rows (outside a projection's sample) fall outside
        ix = np.rint(px).astype(np.int32)
        iy = np.rint(py).astype(np.int32)
    ok = (ix >= reach) & (ix < w - reach) & (iy >= reach) & (iy < h - reach)
    if not ok.all():
        sel = np.flatnonzero(ok)
        ix, iy, color_index = ix[sel], iy[sel], color_index[sel]
        rows = None if rows is None else rows[sel]
    base = iy * np.int32(w) + ix
    doff = (offsets[:, 1] * w + offsets[:, 0]).astype(np.int32)
    idx = base[:, None] + doff[None, :]
    buf.reshape(-1)[idx.ravel()] = (table[color_index] if rows is None else rows).ravel()
    return len(base)


def pack_rgb(rgb: np.ndarray) -> np.ndarray:
    """(N, 3) uint8 -> (N,) uint32 0x00RRGGBB."""
    rgb = np.asarray(rgb, dtype=np.uint32)
    return (rgb[:, 0] << 16) | (rgb[:, 1] << 8) | rgb[:, 2]


def density_image(px: np.ndarray, py: np.ndarray, width: int, height: int,
                  colors: np.ndarray | None = None, *, min_alpha: float = 0.35) -> tuple[np.ndarray, int]:
    """A (height x width) premultiplied-ARGB density image of points at pixel coords.

    A cell's opacity grows with log(count of its points), and a cell holding one
    point is still clearly visible, so no point disappears. Its colour is that of
    the point drawn last there, as when drawing points in order (colors: (N,)
    uint32 0xRRGGBB, see pack_rgb; grey if None). Returns (image, points binned).
    """
    size = width * height
    with np.errstate(invalid="ignore"):  # NaN rows (outside a projection's sample) fall outside
        ix = np.floor(px).astype(np.int32)
        iy = np.floor(py).astype(np.int32)
    inside = (ix.view(np.uint32) < np.uint32(width)) & (iy.view(np.uint32) < np.uint32(height))
    flat = iy * np.int32(width) + ix
    flat[~inside] = size  # one spare cell for the points outside: no masked copies
    counts = np.bincount(flat, minlength=size + 1)[:size]
    image = np.zeros(size, dtype=np.uint32)
    filled = np.flatnonzero(counts)
    if len(filled) == 0:
        return image.reshape(height, width), 0
    c = counts[filled].astype(np.float32)
    if colors is None:
        rgb = np.full(len(filled), 0x3C3C3C, dtype=np.uint32)
    else:
        top = np.zeros(size + 1, dtype=np.uint32)
        top[flat] = colors  # the last write wins: the point on top
        rgb = top[filled]
    alpha = min_alpha + (1 - min_alpha) * np.log1p(c) / np.log1p(c.max())
    a8 = np.rint(alpha * 255).astype(np.uint32)
    scale = alpha.astype(np.float32)
    r = np.rint(((rgb >> 16) & 255) * scale).astype(np.uint32)
    g = np.rint(((rgb >> 8) & 255) * scale).astype(np.uint32)
    b = np.rint((rgb & 255) * scale).astype(np.uint32)
    image[filled] = (a8 << 24) | (r << 16) | (g << 8) | b
    return image.reshape(height, width), int(counts.sum())


# -- colour modes -----------------------------------------------------------------
def match_tokens(tokens: Sequence[str], text: str, regex: bool = False,
                 lowered: Sequence[str] | None = None) -> np.ndarray:
    """IDs of tokens matching a search: case-insensitive substring, or a regex.

    A bad regex raises ExplorerError with the pattern in the message.
    """
    if not text:
        return np.zeros(0, np.int64)
    if regex:
        try:
            pattern = re.compile(text, re.IGNORECASE)
        except re.error as exc:
            raise ExplorerError(f"bad regular expression {text!r}: {exc}") from None
        return np.array([i for i, t in enumerate(tokens) if pattern.search(t)], dtype=np.int64)
    needle = text.lower()
    lowered = lowered if lowered is not None else [t.lower() for t in tokens]
    return np.array([i for i, t in enumerate(lowered) if needle in t], dtype=np.int64)


def frequency_bins(counts: np.ndarray | None, n: int) -> tuple[np.ndarray, list[str]]:
    """Bin tokens by count on a log scale: (bin per token, 0 = rarest; legend texts)."""
    if counts is None:
        return np.zeros(n, dtype=np.int64), ["no counts"]
    counts = np.asarray(counts, dtype=np.float64)
    top = max(float(counts.max(initial=0)), 1.0)
    edges = [0.0] + [10.0 ** e for e in range(1, int(math.ceil(math.log10(top))) + 1)]
    if len(edges) < 2:
        edges = [0.0, 10.0]
    edges[-1] = max(edges[-1], top + 1)
    bins = np.clip(np.searchsorted(edges, counts, side="right") - 1, 0, len(edges) - 2)
    names = []
    for lo, hi in zip(edges[:-1], edges[1:]):
        lo_i = int(lo)
        hi_i = int(hi) - 1 if hi < top + 1 else int(top)
        names.append(f"{lo_i:,}–{hi_i:,}" if hi_i > lo_i else f"{lo_i:,}")
    return bins.astype(np.int64), names


def sequential_colors(n: int) -> list[tuple[int, int, int]]:
    """n colours along a viridis-like ramp, from light green (bin 0, rare) to dark
    purple (frequent); the ramp skips viridis' yellow, which vanishes on white."""
    ramp = np.array([(170, 220, 50), (94, 201, 98), (33, 145, 140), (59, 82, 139), (68, 1, 84)], float)
    if n <= 1:
        return [tuple(int(v) for v in ramp[2])]
    out = []
    for t in np.linspace(0, 1, n):
        pos = t * (len(ramp) - 1)
        i = min(int(pos), len(ramp) - 2)
        c = ramp[i] + (ramp[i + 1] - ramp[i]) * (pos - i)
        out.append(tuple(int(round(v)) for v in c))
    return out


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
