"""The live basis follows the matrix (issue 16 §2), live frames from any snapshots, pacing,
and the neighbourhood-stability curve (§3)."""

import numpy as np
import pytest

from explorer.core import ExplorerError
from explorer.core.analysis.stability import StabilityTracker, mean_jaccard
from explorer.core.projection.live_basis import fresh_plane_cosine, subspace_cosine, track
from explorer.core.projection.project import ProjectionSettings, project
from explorer.core.training.live import Frame, FrameGate, frames
from explorer.core.training.snapshot import Snapshot
from explorer.core.training.timeline import Timeline


class OpenGate(FrameGate):
    """Every frame is drawn (the GUI would drop some)."""

    def take(self) -> bool:
        return True


def _drift(n=600, d=48, steps=30, seed=0):
    """A random start that grows a 3-dimensional structure: what training does to a matrix."""
    rng = np.random.default_rng(seed)
    start = rng.standard_normal((n, d)).astype(np.float32) * 0.1
    target = (rng.standard_normal((n, 3)) * [3, 2, 1.5]) @ rng.standard_normal((3, d))
    for i, t in enumerate(np.linspace(0, 1, steps)):
        yield Snapshot(step=i, epoch=0, loss=1.0 - t, tokens_seen=i * 100,
                       weights=(start + t * target).astype(np.float32), progress=float(t))


def _run(snapshots, settings, previous=None, gate=None, pace=0.0):
    timeline = Timeline()
    gen = frames(snapshots, settings, previous, gate or OpenGate(), timeline, pace=pace)
    shown = []
    while True:
        try:
            shown.append(next(gen))
        except StopIteration as done:
            return shown, done.value, timeline


@pytest.mark.parametrize("dims", [2, 3])
def test_the_view_ends_on_a_fresh_pca_of_the_final_matrix(dims):
    settings = ProjectionSettings(dims=dims)
    snaps = list(_drift())
    start = project(snaps[0].weights, settings)  # what the view showed before the run
    shown, last, timeline = _run(snaps, settings, start)
    final = snaps[-1].weights
    assert fresh_plane_cosine(final, last) >= 0.99
    # A basis fitted once on the random start does not see the structure.
    assert subspace_cosine(project(final, settings).basis.components, start.basis.components) < 0.5
    assert len(timeline) == len(snaps)
    assert [f.snapshot.step for f in shown] == [s.step for s in snaps]


def test_axis_titles_give_the_current_frames_variance():
    settings = ProjectionSettings()
    snaps = list(_drift())
    shown, last, _ = _run(snaps, settings, project(snaps[0].weights, settings))
    first, end = shown[0].projection, last
    # The start is isotropic noise: a few percent per axis; the end is a 3-dimensional structure.
    assert first.explained.sum() < 0.2 < 0.8 < end.explained.sum()
    for projection in (first, end):
        for title, share in zip(projection.axis_titles, projection.explained):
            assert f"({100 * share:.1f}% of variance)" in title
    # The stated share is the variance of the shown coordinates, of this frame's matrix.
    x = snaps[-1].weights
    total = ((x - x.mean(0)) ** 2).sum()
    shares = ((end.coords - end.coords.mean(0)) ** 2).sum(0) / total
    np.testing.assert_allclose(shares, end.explained, rtol=1e-3)


def _move(a, b):
    """The median point's move from a to b, as a share of b's extent."""
    return float(np.median(np.linalg.norm(a - b, axis=1)) / np.ptp(b, axis=0).max())


def test_points_never_jump_or_flip_between_frames():
    settings = ProjectionSettings()
    snaps = list(_drift(steps=40))
    shown, last, _ = _run(snaps, settings, project(snaps[0].weights, settings))
    moves = [_move(a.coords, b.coords) for a, b in zip(shown, shown[1:])]
    assert np.median(moves) <= 0.02  # the median point moves <= 2% of the layout's extent
    # No axis flips from one frame to the next...
    for a, b in zip(shown, shown[1:]):
        assert np.all(np.sum((a.coords - a.coords.mean(0)) * (b.coords - b.coords.mean(0)), axis=0) > 0)
    # ... and the tracking adds no jump: points move about as much as in one fixed basis (the
    # final one), where only the matrix moves them.
    fixed = last.basis
    for (a, b), move in zip(zip(shown, shown[1:]), moves):
        still = _move(fixed.transform(a.snapshot.weights), fixed.transform(b.snapshot.weights))
        assert move <= 2 * still + 0.02


def test_a_fixed_basis_is_what_the_tracking_replaces():
    """Control: a sign flip of one axis is a jump the check above catches."""
    settings = ProjectionSettings()
    x = next(_drift()).weights
    p = project(x, settings)
    flipped = p.coords * np.array([-1, 1], dtype=np.float32)
    assert _move(p.coords, flipped) > 0.02


def test_svd_sample_and_sphereize_are_followed_too():
    for settings in (ProjectionSettings(method="svd"), ProjectionSettings(sample=200, seed=3),
                     ProjectionSettings(sphereize=True, dims=3)):
        snaps = list(_drift())
        shown, last, _ = _run(snaps, settings)
        assert last.method == settings.method and last.settings.sample == settings.sample
        assert last.coords.shape == ((settings.sample or 600), settings.dims)
        assert fresh_plane_cosine(snaps[-1].weights, last) >= 0.99
        if settings.sample:
            assert all(np.array_equal(f.projection.ids, last.ids) for f in shown)


def test_only_drawn_frames_are_projected():
    class EveryOther(FrameGate):
        n = 0

        def take(self):
            self.n += 1
            return self.n % 2 == 0

    shown, last, _ = _run(_drift(steps=10), ProjectionSettings(), gate=EveryOther())
    drawn = [f.coords is not None for f in shown]
    assert drawn == [False, True] * 4 + [False, True]
    assert shown[-1].coords is not None and shown[-1].projection is last  # the last is always drawn
    assert all(f.stability is None for f in shown if f.coords is None)


def test_stability_is_stated_and_rises_as_the_space_settles():
    shown, _, _ = _run(_drift(steps=30), ProjectionSettings())
    drawn = [f for f in shown if f.coords is not None]
    assert drawn[0].stability is None  # nothing to compare with yet
    values = [f.stability for f in drawn[1:]]
    assert all(0.0 <= v <= 1.0 for v in values)
    assert drawn[1].stability_sample == 500 and drawn[1].stability_pool == 600
    assert np.mean(values[-5:]) > np.mean(values[:5])  # the structure settles


def test_stability_tracker_counts_neighbourhoods_kept():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((300, 16)).astype(np.float32)
    tracker = StabilityTracker(300, 16, sample=50, k=10)
    assert tracker.update(x) is None
    assert tracker.update(x.copy()) == 1.0  # the same matrix: every neighbourhood kept
    assert tracker.update(rng.standard_normal((300, 16)).astype(np.float32)) < 0.2  # another one
    top = tracker.neighbours(x)
    assert top.shape == (50, 10)
    assert not np.any(top == tracker.sample_ids[:, None])  # a token is not its own neighbour
    assert mean_jaccard(np.array([[1, 2]]), np.array([[2, 3]])) == pytest.approx(1 / 3)


def test_a_big_vocabulary_uses_a_stated_pool():
    tracker = StabilityTracker(50_257, 768)
    assert tracker.sample == 500 and 500 < tracker.pool < 50_257
    assert set(tracker.sample_ids) <= set(tracker.pool_ids)


class FakeClock:
    """Stands in for the `time` module inside explorer.core.training.live: sleeping advances it."""

    def __init__(self):
        self.now = 0.0
        self.sleeps = []

    def perf_counter(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def clock(monkeypatch):
    import explorer.core.training.live as live

    fake = FakeClock()
    monkeypatch.setattr(live, "time", fake)
    return fake


def test_pace_spreads_the_run_and_yields_often(clock):
    snaps = list(_drift(steps=5))
    yielded = []
    for frame in frames(iter(snaps), ProjectionSettings(), None, OpenGate(), Timeline(), pace=4.0):
        yielded.append((clock.now, frame))
    assert clock.now >= 4.0 - 1e-6  # spread over the pace (to the microsecond)
    assert max(clock.sleeps) <= 0.05  # waits in slices...
    gaps = np.diff([0.0] + [t for t, _ in yielded])
    assert gaps.max() <= 0.05 + 1e-9  # ... yielding between them: Pause / Stop act at once
    trained = [(t, f) for t, f in yielded if f.stage == "training"]
    assert [f.snapshot.step for _, f in trained] == [s.step for s in snaps]
    for t, f in trained:  # snapshot i is not shown before pace x its progress
        assert t >= 4.0 * f.snapshot.progress - 1e-6
    assert all(f.snapshot is None for _, f in yielded if f.stage == "pacing")


def test_time_outside_the_generator_does_not_count_towards_the_pace(clock):
    """A paused run (the consumer away) is not hurried afterwards: only the run's own time counts."""
    snaps = list(_drift(steps=3))
    gen = frames(iter(snaps), ProjectionSettings(), None, OpenGate(), Timeline(), pace=3.0)
    assert next(gen).stage == "training"  # progress 0: no wait
    clock.now += 10.0  # "paused" longer than the whole pace
    rest = list(gen)
    assert "pacing" in [f.stage for f in rest]
    assert clock.now >= 13.0  # the 3 s of pace still spent after the pause


def test_no_pace_means_no_wait(clock):
    list(frames(_drift(steps=5), ProjectionSettings(), None, OpenGate(), Timeline()))
    assert clock.sleeps == []


def test_track_starts_from_a_fit_without_a_previous_projection():
    x = next(_drift()).weights
    p = track(x, ProjectionSettings(), None)
    fresh = project(x, ProjectionSettings())
    np.testing.assert_allclose(p.coords, fresh.coords, atol=1e-5)
    assert p.basis.block.shape == (x.shape[1], 6)


def test_frame_fields_default_to_nothing_drawn():
    frame = Frame("training", 0.5)
    assert frame.coords is None and frame.stability is None and frame.stability_sample == 0


def test_the_fused_pass_and_the_blas_pass_agree():
    from explorer.core.projection import live_basis

    rng = np.random.default_rng(2)
    x = rng.standard_normal((9000, 40)).astype(np.float32) + 0.5
    q = np.linalg.qr(rng.standard_normal((40, 6)))[0]
    blas = live_basis._blas_pass(x, q, 1000)
    exact = (x @ q.astype(np.float32), x.astype(np.float64).T @ (x @ q), x.sum(0, dtype=np.float64),
             float((x.astype(np.float64) ** 2).sum()))
    kernel = live_basis._fused_kernel()
    passes = [blas] + ([live_basis._fused_pass(kernel, x, q)] if kernel is not None else [])
    for got in passes:
        for a, b in zip(got, exact):
            np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-3)


def test_the_pace_starts_at_the_first_snapshot(clock):
    """Setting up a run (loading torch, encoding) before the first snapshot does not eat the pace."""
    def slow_start():
        clock.now += 5.0  # seconds before the first snapshot arrives
        yield from _drift(steps=4)

    list(frames(slow_start(), ProjectionSettings(), None, OpenGate(), Timeline(), pace=2.0))
    assert clock.now >= 5.0 + 2.0 - 1e-6
    assert sum(clock.sleeps) >= 2.0 - 1e-6


def test_a_rounding_remainder_of_the_pace_ends_the_wait(clock):
    """A remainder too small to move a clock of seconds (2e-16 after 5 s) once looped forever."""
    clock.now = 5.0

    def late_start():
        yield from _drift(steps=3)

    shown = [f for f in frames(late_start(), ProjectionSettings(), None, OpenGate(), Timeline(), pace=2.0)
             if f.stage == "training"]
    assert len(shown) == 3 and clock.now >= 5.0 + 2.0 - 1e-6


def test_live_training_keeps_semantic_axes_recomputed_on_each_frame():
    from explorer.core.training.live import live_settings

    tokens = [f"t{i}" for i in range(600)]
    settings = ProjectionSettings("axes", x_axis="t1,t2-t3", y_axis="/^t4\\d$/-t5")
    assert live_settings(settings) is settings
    assert live_settings(ProjectionSettings("tsne")).method == "pca"
    timeline = Timeline()
    gen = frames(_drift(steps=6), settings, None, OpenGate(), timeline, tokens=tokens)
    shown = list(gen)
    assert len(shown) == 6 and all(f.projection.method == "axes" for f in shown)
    for frame in shown:  # each frame is the axes of that frame's matrix, not of the start
        w = frame.snapshot.weights
        d = w[[1, 2]].mean(0) - w[3]
        np.testing.assert_allclose(frame.coords[:, 0], w @ d / np.linalg.norm(d), rtol=1e-4, atol=1e-4)
    assert shown[-1].projection.axis_titles == ("t3 → t1, t2", "t5 → /^t4\\d$/ (10 tokens)")
    replayed = track(shown[-1].snapshot.weights, settings, shown[-2].projection, converge=True, tokens=tokens)
    np.testing.assert_array_equal(replayed.coords, shown[-1].projection.coords)  # a replay shows the same
    with pytest.raises(ExplorerError, match="need the vocabulary's tokens"):
        list(frames(_drift(steps=2), settings, None, OpenGate(), Timeline()))
    with pytest.raises(ExplorerError, match="a live basis is PCA, SVD or semantic axes, not tsne"):
        track(shown[0].snapshot.weights, ProjectionSettings("tsne"), None)
