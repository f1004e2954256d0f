import numpy as np

from explorer.core.view.density import density_grid


def test_density_peaks_where_the_points_crowd():
    rng = np.random.default_rng(0)
    xy = np.vstack([rng.normal(0, 0.1, (5000, 2)), rng.normal(5, 0.1, (500, 2))]).astype(np.float32)
    d = density_grid(xy)
    i, j = np.unravel_index(np.argmax(d.grid), d.grid.shape)
    x, y = d.x0 + (i + 0.5) * d.dx, d.y0 + (j + 0.5) * d.dy
    assert abs(x) < 0.3 and abs(y) < 0.3  # the bigger crowd
    assert d.points == 5500
    assert len(d.levels) == 4 and all(a < b for a, b in zip(d.levels, d.levels[1:]))
    # the smoothed grid keeps (about) every point and its edges are empty: the lines close
    assert abs(d.grid.sum() - 5500) < 5
    assert d.grid[0].max() < d.levels[0] and d.grid[:, -1].max() < d.levels[0]
    # the outer line encloses 90% of the points, the inner one 25%: both around the big crowd
    assert d.grid[d.grid >= d.levels[0]].sum() >= 0.9 * d.grid.sum() - 1
    assert 0.25 * d.grid.sum() - 1 <= d.grid[d.grid >= d.levels[-1]].sum() < 0.5 * d.grid.sum()


def test_density_skips_rows_outside_a_sample_and_degenerate_input():
    xy = np.array([[0, 0], [1, 1], [np.nan, np.nan], [2, 0]], np.float32)
    assert density_grid(xy).points == 3
    assert density_grid(xy[:2]) is None
    assert density_grid(np.zeros((10, 2))) is None


def test_many_points_are_sampled_but_counted():
    rng = np.random.default_rng(1)
    xy = rng.normal(size=(3000, 2))
    full, sampled = density_grid(xy), density_grid(xy, max_points=1000)
    assert sampled.points == 3000 and abs(sampled.grid.sum() - 3000) < 30
    i, j = np.unravel_index(np.argmax(sampled.grid), sampled.grid.shape)
    assert abs(sampled.x0 + (i + 0.5) * sampled.dx) < 0.6 and abs(sampled.y0 + (j + 0.5) * sampled.dy) < 0.6
    assert full.points == 3000
