"""Qt-free picking for the 3D scatter: points projected through the camera to widget pixels,
the point under the cursor (front-most when several cover it), points in a screen rectangle
or lasso.

The camera arrives as two 4x4 matrices (numpy, row-major: `m @ column_vector`), the view and the
projection, as pyqtgraph's GLViewWidget builds them. Everything is in logical (device-independent)
pixels, as mouse events are: the projection depends only on the viewport's aspect ratio, so the
device pixel ratio drops out (the GL viewport is in device pixels, the same shape).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from explorer.core.view.picking import points_in_polygon


@dataclass(frozen=True)
class ScreenPoints:
    """Points as the camera sees them: pixel position (n, 2), y down from the top-left corner;
    depth (n,) along the view direction (larger = farther); `front` (n,) True when in front of
    the camera (points behind it have no meaningful pixel position)."""

    xy: np.ndarray
    depth: np.ndarray
    front: np.ndarray

    def __len__(self) -> int:
        return len(self.xy)

    def take(self, rows: np.ndarray) -> ScreenPoints:
        """These rows only (e.g. the points drawn over the rest)."""
        rows = np.asarray(rows, np.int64)
        return ScreenPoints(xy=self.xy[rows], depth=self.depth[rows], front=self.front[rows])


def project(xyz: np.ndarray, view: np.ndarray, projection: np.ndarray, width: float, height: float) -> ScreenPoints:
    """Project world points (n, 3) to widget pixels of a width x height viewport."""
    xyz = np.asarray(xyz).reshape(-1, 3)
    mvp = np.asarray(projection, np.float64).reshape(4, 4) @ np.asarray(view, np.float64).reshape(4, 4)
    px, py, pz = (xyz[:, k].astype(np.float64) for k in range(3))

    def row(r: int) -> np.ndarray:  # one clip coordinate; a skinny BLAS product is slower than this
        return px * mvp[r, 0] + py * mvp[r, 1] + pz * mvp[r, 2] + mvp[r, 3]

    w = row(3)
    with np.errstate(all="ignore"):
        front = np.isfinite(w) & (w > 1e-9)
        inv = np.where(front, 1.0 / w, 0.0)
        xy = np.empty((len(xyz), 2))
        xy[:, 0] = (row(0) * inv + 1.0) * (width / 2.0)
        xy[:, 1] = (1.0 - row(1) * inv) * (height / 2.0)
    front &= np.isfinite(xy).all(axis=1)
    return ScreenPoints(xy=xy, depth=np.where(front, w, np.inf), front=front)


def nearest(points: ScreenPoints, x: float, y: float, radius: float, cover: float = 0.0) -> int | None:
    """The point a person means at pixel (x, y), or None when none is within `radius` px.

    Points whose drawn disc covers the cursor (within `cover` px, the point's radius) hide what is
    behind them: the front-most of those wins. Otherwise the nearest within `radius`, and of points
    equally near, the front-most."""
    if len(points) == 0 or radius <= 0:
        return None
    d2 = ((points.xy[:, 0] - x) ** 2 + (points.xy[:, 1] - y) ** 2)
    d2 = np.where(points.front, d2, np.inf)
    near = np.flatnonzero(d2 <= radius * radius)
    if len(near) == 0:
        return None
    covering = near[d2[near] <= cover * cover]
    if len(covering):
        return int(covering[np.argmin(points.depth[covering])])
    best = d2[near].min()
    tied = near[d2[near] <= best + 1e-9]
    return int(tied[np.argmin(points.depth[tied])])


def in_rect(points: ScreenPoints, x0: float, y0: float, x1: float, y1: float) -> np.ndarray:
    """Indices of the points in front of the camera whose pixel lies in the rectangle (corners in any order)."""
    lo_x, hi_x = sorted((x0, x1))
    lo_y, hi_y = sorted((y0, y1))
    px, py = points.xy[:, 0], points.xy[:, 1]
    inside = points.front & (px >= lo_x) & (px <= hi_x) & (py >= lo_y) & (py <= hi_y)
    return np.flatnonzero(inside)


def in_polygon(points: ScreenPoints, polygon: Sequence[Sequence[float]]) -> np.ndarray:
    """Indices of the points in front of the camera whose pixel lies inside a lasso polygon (pixels)."""
    shown = np.flatnonzero(points.front)
    return shown[points_in_polygon(points.xy[shown], polygon)]
