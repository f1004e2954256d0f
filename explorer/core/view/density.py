"""Density of the projected points on a grid, for contour lines over the plot (issue #17 §8).

A 2D histogram (np.bincount, linear in the points: 2M points in well under a second) smoothed
with a gaussian (scipy.ndimage), and iso-levels enclosing shares of the points. Qt-free: the view draws
the lines (pyqtgraph's isocurve)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

GRID = 160  # cells along the longer side
SIGMA = 2.0  # the least smoothing, in cells (more for few points: Scott's rule)
MAX_SIGMA = 16.0
# Contour levels: the lines that enclose these shares of the points (highest density first),
# so a dense speck (a table's [unused] rows) does not leave the rest of the map without lines.
LEVELS = (0.9, 0.7, 0.5, 0.25)
MAX_POINTS = 250_000  # more points: a seeded sample of this many draws the same lines


def enclosing_levels(grid: np.ndarray, shares: tuple[float, ...]) -> tuple[float, ...]:
    """For each share p, the density above which the cells hold p of the total (ascending,
    distinct): the line at that level encloses the densest p of the points."""
    values = np.sort(grid.ravel())[::-1]
    total = float(values.sum())
    if total <= 0:
        return ()
    mass = np.cumsum(values, dtype=np.float64) / total
    levels = {float(values[min(int(np.searchsorted(mass, p)), len(values) - 1)]) for p in shares}
    return tuple(sorted(v for v in levels if v > 0))


@dataclass(frozen=True)
class Density:
    """grid[i, j]: smoothed points per cell at x = x0 + (i + 0.5) * dx, y = y0 + (j + 0.5) * dy."""

    grid: np.ndarray
    x0: float
    y0: float
    dx: float
    dy: float
    levels: tuple[float, ...]
    points: int


def density_grid(xy: np.ndarray, cells: int = GRID, sigma: float = SIGMA,
                 shares: tuple[float, ...] = LEVELS, max_points: int = MAX_POINTS) -> Density | None:
    """The smoothed density of the finite rows of `xy` (N x >=2); None with fewer than 3 points
    or no extent. `sigma`: the least smoothing, in cells. Past `max_points` a seeded sample
    stands for them (the grid is scaled to count every point)."""
    xy = np.asarray(xy)[:, :2]
    ok = np.isfinite(xy).all(axis=1)
    pts = xy[ok]
    total = len(pts)
    if total > max_points:
        pts = pts[np.random.default_rng(0).random(total, np.float32) < max_points / total]  # ~max_points
    pts = pts.astype(np.float64, copy=False)
    if len(pts) < 3:
        return None
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    extent = hi - lo
    if not (extent > 0).any():
        return None
    extent = np.where(extent > 0, extent, extent.max())
    cell = extent.max() / cells
    # Scott's bandwidth (std * n^(-1/6) in 2D): a few hundred points make a few smooth hills,
    # not one ring around each point; millions keep their detail.
    spread = float(np.median(pts.std(axis=0)[pts.std(axis=0) > 0]))
    sigma = float(np.clip(spread * len(pts) ** (-1 / 6) / cell, sigma, MAX_SIGMA))
    pad = 3 * sigma * cell  # the smoothed tails stay on the grid, so the lines close
    lo = lo - pad
    shape = np.ceil((extent + 2 * pad) / cell).astype(np.int64) + 1
    idx = np.minimum(((pts - lo) / cell).astype(np.int64), shape - 1)
    counts = np.bincount(idx[:, 0] * shape[1] + idx[:, 1], minlength=int(shape[0] * shape[1]))
    grid = ndimage.gaussian_filter(counts.reshape(shape).astype(np.float32), sigma, mode="constant")
    grid *= total / len(pts)
    levels = enclosing_levels(grid, shares)
    return Density(grid, float(lo[0]), float(lo[1]), float(cell), float(cell), levels, int(total))
