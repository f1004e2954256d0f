"""Qt-free picking and selection for the 2D scatter: a spatial grid for
nearest-point queries, and points inside a rectangle or lasso polygon.

Works on plain numpy arrays in data coordinates, so the view stays thin and
this logic is tested headless.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np


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
