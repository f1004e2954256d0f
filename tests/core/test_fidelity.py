"""Projection fidelity: the share of each point's 10 nearest neighbours (cosine, full space)
kept among its 10 nearest on screen, among the projected rows."""

import numpy as np
import pytest
from sklearn.neighbors import NearestNeighbors

from explorer.core import ExplorerError
from explorer.core.analysis import fidelity
from explorer.core.analysis.fidelity import knn_preserved
from explorer.core.projection.project import ProjectionSettings, project


def plane_circle(n=400, d=50, seed=0):
    """Unit rows on a circle in a random plane: cosine order = distance order in that plane."""
    rng = np.random.default_rng(seed)
    plane, _ = np.linalg.qr(rng.standard_normal((d, 2)))
    angles = rng.uniform(0, 2 * np.pi, n)
    return (np.stack([np.cos(angles), np.sin(angles)], axis=1) @ plane.T).astype(np.float32)


def brute_force(weights, coords, k):
    """The definition, with scikit-learn's exhaustive search on both sides."""
    true = NearestNeighbors(n_neighbors=k + 1, metric="cosine", algorithm="brute").fit(weights)
    shown = NearestNeighbors(n_neighbors=k + 1).fit(coords)
    t = true.kneighbors(weights, return_distance=False)[:, 1:]
    s = shown.kneighbors(coords, return_distance=False)[:, 1:]
    return np.array([len(set(a) & set(b)) / k for a, b in zip(t, s)])


def test_a_plane_under_pca_keeps_every_neighbourhood():
    x = plane_circle()
    result = knn_preserved(x, project(x, ProjectionSettings("pca")))
    assert result.mean > 0.97 and result.rows == 400 and not result.sampled and result.k == 10
    assert result.per_token.shape == (400,) and np.isfinite(result.per_token).all()


def test_random_high_dimensional_rows_lose_most_neighbourhoods():
    x = np.random.default_rng(1).standard_normal((500, 100)).astype(np.float32)
    result = knn_preserved(x, project(x, ProjectionSettings("pca")))
    assert result.mean < 0.15
    assert "nearest neighbours kept on screen (mean over 500 projected tokens)" in result.statement


def test_matches_the_definition_also_in_small_chunks(monkeypatch):
    rng = np.random.default_rng(2)
    x = (rng.standard_normal((300, 3)) @ rng.standard_normal((3, 30)) + 0.3 * rng.standard_normal((300, 30)))
    x = x.astype(np.float32)
    p = project(x, ProjectionSettings("pca"))
    expected = brute_force(x, p.coords, 10)
    whole = knn_preserved(x, p)
    monkeypatch.setattr(fidelity, "QUERY_BLOCK_ENTRIES", 7 * 300)  # 7 query rows at a time
    chunked = knn_preserved(x, p)
    np.testing.assert_allclose(whole.per_token, expected, atol=1e-6)
    np.testing.assert_allclose(chunked.per_token, expected, atol=1e-6)
    assert whole.mean == pytest.approx(expected.mean())


def test_a_stated_sample_measures_some_rows_against_all_projected_rows():
    x = plane_circle(n=600)
    p = project(x, ProjectionSettings("pca"))
    result = knn_preserved(x, p, max_rows=50, seed=3)
    assert result.sampled and result.rows == 50 and np.isfinite(result.per_token).sum() == 50
    full = knn_preserved(x, p)
    measured = np.isfinite(result.per_token)
    np.testing.assert_allclose(result.per_token[measured], full.per_token[measured])
    assert "a random sample of 50 projected tokens" in result.statement


def test_only_projected_rows_are_measured_and_searched():
    x = np.random.default_rng(4).standard_normal((300, 8)).astype(np.float32)
    rows = tuple(range(0, 300, 3))
    p = project(x, ProjectionSettings("pca", rows=rows))
    result = knn_preserved(x, p)
    assert result.rows == 100 and np.isnan(result.per_token[1]) and np.isfinite(result.per_token[0])
    np.testing.assert_allclose(result.per_token[list(rows)], brute_force(x[list(rows)], p.coords, 10), atol=1e-6)


def test_few_rows_and_coinciding_points():
    x = np.array([[1, 0], [0, 1], [1, 1], [-1, 0]], dtype=np.float32)
    p = project(x, ProjectionSettings("pca"))
    assert knn_preserved(x, p).k == 3  # all the others
    # Every point on the same spot: the point itself is never counted as its own neighbour.
    found = fidelity.screen_neighbours(np.zeros((5, 2)), np.arange(5), 2)
    assert found.shape == (5, 2) and not (found == np.arange(5)[:, None]).any()
    with pytest.raises(ExplorerError, match="matrix has 3"):
        knn_preserved(x[:3], p)
