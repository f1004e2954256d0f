"""The init race's small plots: a fixed token sample laid out per run, tracked frame to
frame without flips, every run turned to face the first, computed by a worker generator."""

import itertools

import numpy as np

from explorer.core.tokens.demo import demo_vocabulary
from explorer.core.training import race_view
from explorer.core.training.config import TrainConfig
from explorer.core.training.race_view import RaceFrame, RaceLayout, procrustes, race_frames, race_sample


def _clustered(n=120, dim=16, k=4, spread=0.05, seed=0):
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(k, dim))
    labels = np.arange(n) % k
    return centres[labels] + spread * rng.normal(size=(n, dim)), labels


def test_the_sample_is_every_token_of_a_small_vocabulary_else_a_seeded_sorted_draw():
    assert np.array_equal(race_sample(124), np.arange(124))
    big = race_sample(50_000, 300, seed=3)
    assert len(big) == 300 == len(set(big.tolist())) and np.all(np.diff(big) > 0)
    assert np.array_equal(big, race_sample(50_000, 300, seed=3))
    assert not np.array_equal(big, race_sample(50_000, 300, seed=4))


def test_procrustes_undoes_a_rotation_and_a_reflection():
    rng = np.random.default_rng(1)
    xy = rng.normal(size=(50, 2))
    angle = 1.1
    rot = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]]) @ np.diag([1, -1])
    assert np.allclose(procrustes(xy @ rot, xy), xy)


def test_a_layout_separates_clusters_and_has_unit_rms():
    weights, labels = _clustered()
    xy = RaceLayout(["a"], np.arange(len(weights))).update("a", weights)
    assert xy.shape == (len(weights), 2)
    assert np.isclose(np.sqrt((xy ** 2).sum(1).mean()), 1.0)
    within = np.mean([xy[labels == c].std(0).sum() for c in range(4)])
    assert within < 0.3  # clusters are tight compared with the unit spread


def test_frames_never_flip_even_when_the_matrix_flips_sign():
    weights, _ = _clustered()
    layout = RaceLayout(["a"], np.arange(len(weights)))
    first = layout.update("a", weights)
    again = layout.update("a", -weights)  # the same geometry, every coordinate negated
    assert np.allclose(again, first, atol=1e-6)
    moved = layout.update("a", weights + 0.01 * np.random.default_rng(2).normal(size=weights.shape))
    assert np.median(np.linalg.norm(moved - first, axis=1)) < 0.05


def test_every_run_is_turned_to_face_the_first():
    weights, _ = _clustered()
    rng = np.random.default_rng(5)
    q, _r = np.linalg.qr(rng.normal(size=(weights.shape[1], weights.shape[1])))
    layout = RaceLayout(["a", "b"], np.arange(len(weights)))
    a = layout.update("a", weights)
    b = layout.update("b", 0.02 * weights @ q)  # the same structure, rotated and much smaller
    assert np.allclose(a, b, atol=1e-6)


def test_identical_rows_lay_out_as_one_point_not_nan():
    xy = RaceLayout(["zeros"], np.arange(10)).update("zeros", np.zeros((10, 8), np.float32))
    assert np.isfinite(xy).all() and not np.abs(xy).any()


def test_race_frames_start_with_each_runs_layout_and_end_with_isotropy():
    from explorer.core.matrix.init import initialize
    from explorer.core.matrix.schemes import InitConfig
    vocab = demo_vocabulary()
    starts = {s: initialize(InitConfig(s, 16, 0), len(vocab), vocab.pad_id) for s in ("normal", "word2vec")}
    items = [i for i in race_frames("demo", vocab, starts, TrainConfig(epochs=1, seed=0)) if i is not None]
    assert all(isinstance(i, RaceFrame) for i in items)
    first = items[:2]
    assert [f.name for f in first] == ["normal", "word2vec"] and all(f.step == 0 for f in first)
    assert all(f.coords.shape == (len(vocab), 2) for f in first)
    for name in starts:
        mine = [f for f in items if f.name == name]
        assert mine[-1].progress >= 1.0 and mine[-1].coords is not None
        assert mine[-1].isotropy is not None and 0.0 <= mine[-1].isotropy <= 1.0
        assert all(np.isfinite(f.loss) for f in mine if f.step > 0)


def test_a_paced_race_waits_in_short_slices_yielding_between_them(monkeypatch):
    """A fake clock: the race reports progress 0.5 then 1.0; with pace 10 s it must wait to 5 s
    and 10 s, in slices of at most PACE_SLICE, yielding None each slice (so Stop acts)."""
    from explorer.core.training import train as core_train
    from explorer.core.training.snapshot import Snapshot

    clock = {"t": 0.0}
    slept = []
    monkeypatch.setattr(race_view.time, "perf_counter", lambda: clock["t"])

    def sleep(seconds):
        slept.append(seconds)
        clock["t"] += seconds

    monkeypatch.setattr(race_view.time, "sleep", sleep)
    weights = np.random.default_rng(0).normal(size=(124, 8)).astype(np.float32)

    def fake_race(corpus, starts, config, should_cancel=None):
        for progress in (0.5, 1.0):
            yield "a", Snapshot(step=int(10 * progress), epoch=0, loss=1.0, tokens_seen=0,
                                weights=weights, progress=progress)

    monkeypatch.setattr(core_train, "race", fake_race)
    vocab = demo_vocabulary()
    items = list(itertools.islice(race_frames("demo", vocab, {"a": weights}, TrainConfig(pace=10.0)), 10_000))
    frames = [i for i in items if isinstance(i, RaceFrame)]
    assert [f.progress for f in frames] == [0.0, 0.5, 1.0]
    assert max(slept) <= race_view.PACE_SLICE + 1e-9
    assert abs(sum(slept) - 10.0) < 1e-6  # waited until the schedule, no longer
    after_start = items[items.index(frames[0]) + 1:]
    assert sum(1 for i in after_start if i is None) >= len(slept)  # a yield after every slice
