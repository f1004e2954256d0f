"""The replay timeline: bounded memory, spanning the run, each snapshot keeping its true epoch."""

import numpy as np

from explorer.core.matrix.init import initialize
from explorer.core.matrix.schemes import InitConfig
from explorer.core.tokens.corpus import load_corpus
from explorer.core.tokens.demo import demo_vocabulary
from explorer.core.training.snapshot import Snapshot
from explorer.core.training.timeline import Timeline
from explorer.core.training.train import TrainConfig, train


def _snapshot(step: int, progress: float = 0.5, epoch: int = 0) -> Snapshot:
    return Snapshot(step=step, epoch=epoch, loss=1.0, tokens_seen=step, progress=progress,
                    weights=np.zeros((10, 10), dtype=np.float32))


def test_timeline_stays_within_its_bound_and_spans_the_run():
    timeline = Timeline(max_bytes=10 * 400, max_count=64)
    for step in range(1000):
        timeline.add(_snapshot(step))
    timeline.add(_snapshot(1000, progress=1.0))
    assert len(timeline) <= 10
    assert timeline[0].step == 0 and timeline[-1].step == 1000
    steps = [s.step for s in timeline.snapshots]
    assert steps == sorted(steps)


def test_the_count_bound_holds_whatever_the_memory_allows():
    timeline = Timeline(max_count=8)
    for step in range(500):
        timeline.add(_snapshot(step, progress=step / 500))
        assert len(timeline) <= 8
    assert timeline.nbytes == len(timeline) * 400


def test_thinning_keeps_each_snapshot_with_its_true_epoch():
    vocab, corpus = load_corpus("demo", demo_vocabulary())
    weights = initialize(InitConfig("word2vec", 16, 0), len(vocab))
    timeline, seen = Timeline(max_count=8), {}
    for snap in train(corpus, weights, TrainConfig(epochs=4, yield_every=3)):
        seen[snap.step] = snap.epoch
        timeline.add(snap)
    assert len(seen) > 8 * 2  # enough snapshots that the timeline had to thin
    kept = timeline.snapshots
    assert len(kept) <= 8 and kept[0].step == 0 and kept[-1].progress == 1.0
    assert all(s.epoch == seen[s.step] for s in kept)  # each kept one says its own epoch
    assert [s.epoch for s in kept] == sorted(s.epoch for s in kept)
    assert kept[0].epoch == 0 and kept[-1].epoch == 3 and len({s.epoch for s in kept}) >= 3


def test_a_saved_run_is_kept_as_it_was():
    saved = [_snapshot(step, epoch=step // 10) for step in (0, 10, 20, 30)]
    timeline = Timeline(snapshots=saved)
    assert [(s.step, s.epoch) for s in timeline] == [(0, 0), (10, 1), (20, 2), (30, 3)]
