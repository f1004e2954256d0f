"""Projections: PCA/SVD against scikit-learn, t-SNE, sampling, sphereize, stable frames."""

import numpy as np
import pytest
from sklearn.decomposition import PCA, TruncatedSVD

from explorer.core import Cancelled, ExplorerError
from explorer.core.projection.project import (
    Projection, ProjectionSettings, available_methods, fit_pca, fit_svd, procrustes_align, project,
    run_tsne, sample_ids, sphereize, umap_available,
)
from explorer.core.projection.sampling import (
    default_sample, sample_for_method, sample_for_vocabulary, suggested_sample,
)


def structured(n=600, d=160, seed=0, offset=0.3):
    """Embedding-like rows: a few strong directions plus noise, off-centre."""
    rng = np.random.default_rng(seed)
    scales = np.linspace(3.0, 0.5, 6)[:, None]
    low = rng.standard_normal((n, 6)) @ (rng.standard_normal((6, d)) * scales)
    return (low + 0.3 * rng.standard_normal((n, d)) + offset).astype(np.float32)


def clusters(n=240, d=20, k=4, seed=0):
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((k, d)) * 6
    labels = rng.integers(0, k, n)
    return (centres[labels] + rng.standard_normal((n, d))).astype(np.float32), labels


@pytest.mark.parametrize("solver", ["exact", "krylov"])
@pytest.mark.parametrize("k", [2, 3])
def test_pca_matches_sklearn(solver, k):
    x = structured()
    ours = fit_pca(x, k, solver=solver)
    ref = PCA(k, svd_solver="full").fit(x.astype(np.float64))
    np.testing.assert_allclose(ours.explained_variance_ratio, ref.explained_variance_ratio_, rtol=1e-3)
    cosines = np.abs((ours.components * ref.components_).sum(axis=1))
    assert cosines.min() > 0.999
    coords = ours.transform(x)
    ref_coords = ref.transform(x) * np.sign((ours.components * ref.components_).sum(axis=1))
    np.testing.assert_allclose(coords, ref_coords, atol=1e-3 * np.abs(ref_coords).max())


def test_pca_auto_uses_krylov_for_wide_matrices_and_agrees_with_exact():
    x = structured(n=1200, d=256, seed=3)
    auto, exact = fit_pca(x, 2), fit_pca(x, 2, solver="exact")
    np.testing.assert_allclose(auto.explained_variance_ratio, exact.explained_variance_ratio, rtol=1e-4)
    assert np.abs((auto.components * exact.components).sum(axis=1)).min() > 0.9999


def test_pca_signs_are_fixed_so_refits_agree():
    x = structured()
    a, b = fit_pca(x, 2), fit_pca(x.copy(), 2, solver="krylov", seed=7)
    assert ((a.components * b.components).sum(axis=1) > 0.999).all()


def test_pca_pads_when_dim_is_below_the_components():
    x = np.random.default_rng(0).standard_normal((50, 2)).astype(np.float32)
    basis = fit_pca(x, 3)
    assert basis.transform(x).shape == (50, 3)
    assert basis.explained_variance_ratio[2] == 0
    assert basis.explained_variance_ratio[:2].sum() == pytest.approx(1.0)


def test_svd_matches_sklearn_truncated_svd():
    x = structured(offset=1.0)
    ours = fit_svd(x, 2)
    ref = TruncatedSVD(2, algorithm="arpack").fit(x.astype(np.float64))
    assert np.abs((ours.components * ref.components_).sum(axis=1)).min() > 0.999
    np.testing.assert_allclose(ours.explained_variance_ratio, ref.explained_variance_ratio_, rtol=1e-3)
    assert not ours.mean.any()  # SVD does not centre


def test_project_pca_reports_explained_variance_in_axis_titles():
    x = structured()
    result = project(x, ProjectionSettings("pca", 3))
    assert isinstance(result, Projection)
    assert result.coords.shape == (600, 3) and result.coords.dtype == np.float32
    assert result.dims == 3 and result.sample_size == 600 and not result.sampled
    assert result.axis_titles[0].startswith("PC1 (") and "% of variance" in result.axis_titles[0]
    assert result.explained[0] >= result.explained[1] >= result.explained[2] > 0
    assert "all 600 tokens" in result.statement


def test_sample_is_reported_and_reused_between_frames():
    x = structured(n=500)
    settings = ProjectionSettings("pca", 2, sample=120, seed=4)
    first = project(x, settings)
    assert first.sampled and first.sample_size == 120 and len(first.ids) == 120
    assert "sample of 120 of 500 tokens" in first.statement
    np.testing.assert_array_equal(first.coords, first.basis.transform(x[first.ids]))
    second = project(x * 1.01, settings, first)
    np.testing.assert_array_equal(second.ids, first.ids)
    assert sample_ids(500, 500) is None and sample_ids(500, None) is None


def test_a_projection_keeps_the_settings_it_was_made_with():
    x = structured(n=100)
    settings = ProjectionSettings("pca", 2, sample=50)  # as the live state part is
    result = project(x, settings)
    settings.update(sample=None, sphereize=True)  # the user changes the settings later
    assert result.settings.sample == 50 and not result.settings.sphereize
    assert result.settings != settings


def test_tsne_and_umap_start_on_a_sample_that_follows_the_vocabulary():
    assert default_sample(124, "tsne") is None  # the demo: every row
    assert default_sample(30_522, "tsne") == default_sample(30_522, "umap") == 5000
    assert default_sample(30_522, "pca") is None  # PCA is fast: every row
    assert sample_for_method(None, 30_522, "tsne") == 5000
    assert sample_for_method(800, 30_522, "tsne") == 800  # a chosen sample stays
    assert sample_for_vocabulary(None, 30_522, "tsne") == 5000  # the demo's t-SNE, then a big table
    assert sample_for_vocabulary(5000, 124, "tsne") is None  # no longer a sample of the new one
    assert sample_for_vocabulary(2000, 50_257, "tsne") == 2000
    assert suggested_sample(124) == 124 and suggested_sample(30_522) == 5000


def test_sphereize_centres_and_normalizes_rows():
    x = structured()
    s = sphereize(x)
    np.testing.assert_allclose(np.linalg.norm(s, axis=1), 1.0, rtol=1e-5)
    centred = x - x.mean(axis=0)
    cos = (s * centred).sum(axis=1) / np.linalg.norm(centred, axis=1)
    np.testing.assert_allclose(cos, 1.0, rtol=1e-5)
    result = project(x, ProjectionSettings("pca", 2, sphereize=True))
    assert "sphereized" in result.statement
    assert np.abs(result.coords).max() <= 1.0 + 1e-5  # unit rows project inside the unit disc


def test_bad_settings_are_clear_errors():
    x = structured(n=20, d=5)
    with pytest.raises(ExplorerError, match="2 or 3"):
        project(x, ProjectionSettings("pca", 4))
    with pytest.raises(ExplorerError, match="unknown projection method"):
        project(x, ProjectionSettings("lda"))
    with pytest.raises(ExplorerError, match="at least 2 rows"):
        project(x[:1], ProjectionSettings("pca"))


def _moves(a: np.ndarray, b: np.ndarray) -> float:
    """Mean displacement between frames as a fraction of the layout's extent."""
    extent = float(np.ptp(a, axis=0).max())
    return float(np.linalg.norm(a - b, axis=1).mean()) / extent


def _slowly_changing(x: np.ndarray, steps: int, seed: int = 1, rate: float = 0.01):
    rng = np.random.default_rng(seed)
    scale = float(np.abs(x).mean())
    for _ in range(steps):
        x = x + rate * scale * rng.standard_normal(x.shape).astype(np.float32)
        yield x


def test_stable_frames_pca_reuses_its_basis():
    x = structured(seed=5)
    frame = project(x, ProjectionSettings("pca", 2))
    for nxt in _slowly_changing(x, 4):
        new = project(nxt, ProjectionSettings("pca", 2), frame)
        assert new.basis is frame.basis  # the basis is fixed while training
        assert _moves(frame.coords, new.coords) < 0.02
        frame = new
    refit = project(nxt, ProjectionSettings("pca", 2), frame, refit=True)
    assert refit.basis is not frame.basis
    assert _moves(frame.coords, refit.coords) < 0.05  # a refit keeps the axes' directions


def test_without_sign_matching_a_refit_could_flip_axes():
    """The sign fix is what keeps refits still: a flipped frame would move a lot."""
    x = structured(seed=5)
    frame = project(x, ProjectionSettings("pca", 2))
    flipped = frame.coords * np.array([-1, 1], dtype=np.float32)
    assert _moves(frame.coords, flipped) > 0.2


def test_procrustes_undoes_a_rotation_and_shift():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((100, 2)).astype(np.float32)
    angle = 1.1
    rot = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    b = (a @ rot + 5).astype(np.float32)
    np.testing.assert_allclose(procrustes_align(b, a), a, atol=1e-4)


def test_tsne_separates_clusters_with_progress():
    x, labels = clusters()
    fractions = []
    result = project(x, ProjectionSettings("tsne", 2, perplexity=20), progress=fractions.append)
    assert result.coords.shape == (240, 2) and result.explained is None
    assert result.axis_titles == ("t-SNE 1", "t-SNE 2")
    assert "perplexity 20" in result.statement
    assert fractions and fractions[-1] == 1.0 and fractions == sorted(fractions)
    centroids = np.array([result.coords[labels == c].mean(axis=0) for c in range(4)])
    spread = max(np.linalg.norm(result.coords[labels == c] - centroids[c], axis=1).mean() for c in range(4))
    gaps = [np.linalg.norm(centroids[i] - centroids[j]) for i in range(4) for j in range(i + 1, 4)]
    assert min(gaps) > 2 * spread


def test_tsne_clamps_perplexity_for_small_samples():
    x, _ = clusters(n=30)
    result = project(x, ProjectionSettings("tsne", 3, perplexity=50))
    assert result.coords.shape == (30, 3)
    assert result.perplexity < 10


def test_tsne_warm_start_keeps_frames_stable():
    x, _ = clusters(seed=2)
    settings = ProjectionSettings("tsne", 2, perplexity=20)
    frame = project(x, settings)
    for nxt in _slowly_changing(x, 2, rate=0.005):
        new = project(nxt, settings, frame)
        assert new.warm_started
        assert _moves(frame.coords, new.coords) < 0.05
        frame = new


def test_tsne_cancel_raises_cancelled():
    x, _ = clusters()
    calls = []

    def should_cancel():
        calls.append(1)
        return len(calls) > 2

    with pytest.raises(Cancelled):
        project(x, ProjectionSettings("tsne", 2), should_cancel=should_cancel)


def test_sklearn_tsne_backend_also_works():
    x, _ = clusters(n=80)
    coords, perplexity = run_tsne(x, 2, 10, backend="sklearn")
    assert coords.shape == (80, 2) and np.isfinite(coords).all() and perplexity == 10


def test_umap_is_listed_only_when_installed():
    assert ("umap" in available_methods()) == umap_available()
    if not umap_available():
        with pytest.raises(ExplorerError, match="umap-learn"):
            project(structured(n=30, d=5), ProjectionSettings("umap"))


@pytest.mark.skipif(not umap_available(), reason="umap-learn is not installed (extra 'umap')")
def test_umap_projects_in_3d():
    x, _ = clusters(n=120)
    result = project(x, ProjectionSettings("umap", 3))
    assert result.coords.shape == (120, 3) and np.isfinite(result.coords).all()


def test_a_projection_continues_only_from_one_of_the_same_rows_and_kind():
    from explorer.core.projection.project import compatible_with

    x = np.random.default_rng(0).standard_normal((50, 8)).astype(np.float32)
    p = project(x, ProjectionSettings(sample=20, seed=1))
    assert compatible_with(p, ProjectionSettings(sample=20, seed=1), 50)
    assert compatible_with(p, ProjectionSettings(sample=20, seed=1, perplexity=5), 50)  # t-SNE only
    for other in (ProjectionSettings(sample=20, seed=2), ProjectionSettings(sample=None),
                  ProjectionSettings(sample=20, seed=1, dims=3), ProjectionSettings(sample=20, seed=1, method="svd"),
                  ProjectionSettings(sample=20, seed=1, sphereize=True)):
        assert not compatible_with(p, other, 50)
    assert not compatible_with(p, ProjectionSettings(sample=20, seed=1), 51)
    assert not compatible_with(None, ProjectionSettings(), 50)
    assert p.basis.block is None  # a basis fitted once carries no tracking block


def test_isolation_projects_only_the_given_rows_and_says_so():
    from explorer.core.projection.project import compatible_with

    x = structured(n=300, d=20)
    settings = ProjectionSettings("pca", rows=(40, 7, 99, 7, 12), sample=100)  # the sample is ignored
    result = project(x, settings)
    assert list(result.ids) == [7, 12, 40, 99] and result.settings.rows == (7, 12, 40, 99)
    ref = PCA(2).fit_transform(x[[7, 12, 40, 99]].astype(np.float64))
    np.testing.assert_allclose(np.abs(result.coords), np.abs(ref), atol=1e-3)
    assert result.statement == "PCA 2D of 4 isolated tokens (of 300)"
    assert np.isnan(result.full_coords()[0]).all() and np.isfinite(result.full_coords()[7]).all()
    assert compatible_with(result, ProjectionSettings("pca", rows=(99, 40, 12, 7)), 300)
    assert not compatible_with(result, ProjectionSettings("pca", rows=(7, 12, 40)), 300)
    assert not compatible_with(result, ProjectionSettings("pca", sample=100), 300)
    with pytest.raises(ExplorerError, match="cannot isolate row 300: the matrix has rows 0 to 299"):
        project(x, ProjectionSettings("pca", rows=(1, 2, 300)))
    with pytest.raises(ExplorerError, match="at least 3 rows, not 2"):
        project(x, ProjectionSettings("pca", rows=(1, 2)))
    with pytest.raises(ExplorerError, match="not negative"):
        ProjectionSettings(rows=(-1, 2, 3))


def test_isolated_tsne_runs_on_those_rows():
    x, _ = clusters()
    rows = tuple(range(0, 240, 2))
    result = project(x, ProjectionSettings("tsne", perplexity=10, rows=rows))
    assert result.coords.shape == (120, 2) and list(result.ids) == list(rows)
    assert result.statement.startswith("t-SNE 2D of 120 isolated tokens (of 240)")


def test_tsne_hands_interim_layouts_as_it_goes():
    x, labels = clusters()
    interim = []
    result = project(x, ProjectionSettings("tsne", perplexity=20), on_layout=interim.append)
    assert interim and all(p.interim and p.coords.shape == (240, 2) for p in interim)
    steps = [p.step for p in interim]
    assert steps == sorted(set(steps)) and all(p.steps == 750 for p in interim)
    assert f"(iteration {steps[0]} of 750)" in interim[0].statement
    assert not result.interim and "iteration" not in result.statement
    assert not np.array_equal(interim[-1].coords, result.coords)  # copies, not openTSNE's live array


def test_interim_layouts_are_throttled_and_never_degenerate(monkeypatch):
    import time

    from explorer.core.projection.project import LayoutThrottle

    now = [100.0]
    monkeypatch.setattr(time, "monotonic", lambda: now[0])
    throttle = LayoutThrottle()
    spread = np.random.default_rng(0).standard_normal((50, 2))
    assert throttle.due(spread)
    now[0] += 0.05
    assert not throttle.due(spread)  # 20 a second would be too many
    now[0] += 0.1
    line = np.stack([spread[:, 0], 1e-6 * spread[:, 1]], axis=1)
    assert not throttle.due(line) and not throttle.due(np.zeros((50, 2)))
    assert not throttle.due(np.where(np.eye(50, 2) > 0, np.nan, spread))
    assert throttle.due(spread * 1e-4)  # small is fine: early t-SNE layouts are tiny


needs_umap = pytest.mark.skipif(not umap_available(), reason="umap-learn is not installed (extra 'umap')")


@needs_umap
def test_umap_gets_min_dist_and_metric(monkeypatch):
    import umap

    made = []
    real = umap.UMAP

    class Spy(real):
        def __init__(self, **kwargs):
            made.append(kwargs)
            super().__init__(**kwargs)

    monkeypatch.setattr(umap, "UMAP", Spy)
    x, labels = clusters(n=160, k=2)
    tight = project(x, ProjectionSettings("umap", min_dist=0.0, umap_metric="cosine"))
    loose = project(x, ProjectionSettings("umap", min_dist=0.99, umap_metric="cosine"))
    assert [(m["min_dist"], m["metric"]) for m in made] == [(0.0, "cosine"), (0.99, "cosine")]

    def cluster_spread(p):  # mean distance to the cluster centre, over the layout's extent
        c = p.coords
        return np.mean([np.linalg.norm(c[labels == k] - c[labels == k].mean(0), axis=1).mean()
                        for k in range(2)]) / np.ptp(c, axis=0).max()

    assert cluster_spread(loose) > cluster_spread(tight)
    with pytest.raises(ExplorerError, match="unknown UMAP metric 'manhattan'"):
        ProjectionSettings("umap", umap_metric="manhattan").validate()
    with pytest.raises(ExplorerError, match="min_dist is between 0 and 1"):
        ProjectionSettings("umap", min_dist=2.0).validate()


@needs_umap
def test_umap_reports_epochs_layouts_and_cancels():
    x, _ = clusters(n=150)
    interim, fractions = [], []
    result = project(x, ProjectionSettings("umap"), on_layout=interim.append, progress=fractions.append)
    assert interim and all(p.interim and p.coords.shape == (150, 2) for p in interim)
    assert "(epoch " in interim[0].statement and interim[0].steps == 500
    assert fractions[-1] == 1.0 and fractions == sorted(fractions) and len(fractions) > 2
    assert not result.interim
    calls = []

    def should_cancel():  # lets the graph be built, then stops during the epochs
        calls.append(1)
        return len(calls) > 3

    with pytest.raises(Cancelled):
        project(x, ProjectionSettings("umap"), should_cancel=should_cancel)
    # The cancel left no progress-bar lock held: a later UMAP runs to its end (it hung before).
    import threading

    done = []
    later = threading.Thread(target=lambda: done.append(project(x, ProjectionSettings("umap"))), daemon=True)
    later.start()
    later.join(timeout=120)
    assert done and done[0].coords.shape == (150, 2)


def test_a_very_tall_matrix_fits_its_axes_on_a_stated_sample(monkeypatch):
    from explorer.core.projection import project as module
    from explorer.core.projection.live_basis import subspace_cosine

    monkeypatch.setattr(module, "TALL_ROWS", 3000)
    monkeypatch.setattr(module, "TALL_FIT_ROWS", 1000)
    x = structured(n=4000, d=40, seed=6)
    result = project(x, ProjectionSettings("pca"))
    assert result.basis.fitted_rows == 1000 and result.coords.shape == (4000, 2)
    assert result.statement == "PCA 2D of all 4,000 tokens, axes fitted on a random 1,000 of them"
    ref = PCA(2).fit(x.astype(np.float64))
    assert subspace_cosine(result.basis.components, ref.components_) > 0.995  # 1,000 rows: within 6 degrees
    # The stated variances are every row's, along the sampled axes.
    total = x.astype(np.float64).var(axis=0).sum()
    np.testing.assert_allclose(result.explained, result.coords.astype(np.float64).var(axis=0) / total, rtol=1e-4)
    np.testing.assert_allclose(result.explained, ref.explained_variance_ratio_, rtol=5e-3)
    np.testing.assert_allclose(result.basis.mean, x.mean(axis=0), atol=1e-5)
    small = project(x[:3000], ProjectionSettings("pca"))
    assert small.basis.fitted_rows is None and "fitted on" not in small.statement


def test_interim_layouts_of_a_warm_start_do_not_jump_from_the_previous_frame():
    x, _ = clusters(seed=2)
    settings = ProjectionSettings("tsne", perplexity=20)
    frame = project(x, settings)
    interim = []
    nxt = project(x * 1.001, settings, frame, on_layout=interim.append)
    assert nxt.warm_started and interim and interim[0].steps == 150
    assert _moves(frame.coords, interim[0].coords) < 0.05  # aligned to the frame on screen
