"""Training objectives: generators of frozen snapshots (iterated with itertools.islice)."""

import itertools

import numpy as np
import pytest

from explorer.core import ExplorerError
from explorer.core.analysis.neighbors import neighbors_of
from explorer.core.matrix.init import initialize
from explorer.core.matrix.schemes import InitConfig
from explorer.core.tokens.corpus import encode_lines, load_corpus
from explorer.core.tokens.demo import CATEGORIES, demo_vocabulary
from explorer.core.tokens.vocab import WordTokenizer, build_vocab
from explorer.core.training.train import Snapshot, TrainConfig, TrainingDiverged, resolve_device, run_to_end, train


@pytest.fixture(scope="module")
def demo():
    vocab = demo_vocabulary()
    vocab, corpus = load_corpus("demo", vocab)
    return vocab, corpus


def _init(vocab, scheme="word2vec", dim=32, seed=0):
    return initialize(InitConfig(scheme, dim, seed), len(vocab))


@pytest.mark.parametrize("seed", [0, 1])
def test_demo_acceptance_dog_near_animals_apple_near_fruit(demo, seed):
    """A few seconds of SGNS on the demo (bounded by epochs, not wall time)."""
    vocab, corpus = demo
    final = run_to_end(corpus, _init(vocab, dim=64, seed=seed), TrainConfig(epochs=6, seed=seed))
    for word, category in (("dog", "animal"), ("apple", "fruit")):
        near = [vocab.tokens[i] for i, _ in neighbors_of(final.weights, vocab.index[word], 3)]
        assert all(n in CATEGORIES[category] for n in near), (word, near)


def test_sgns_loss_decreases_and_snapshots_are_frozen_copies(demo):
    vocab, corpus = demo
    w0 = _init(vocab)
    snaps = list(itertools.islice(train(corpus, w0, TrainConfig(epochs=3, yield_every=5, batch_size=1024)), 12))
    assert len(snaps) == 12
    assert snaps[0].step == 0 and np.array_equal(snaps[0].weights, w0)
    assert all(isinstance(s, Snapshot) for s in snaps)
    assert snaps[-1].loss < snaps[1].loss
    # copies: later training does not change an earlier snapshot, nor the input matrix
    assert not np.array_equal(snaps[1].weights, snaps[-1].weights)
    assert not np.shares_memory(snaps[1].weights, snaps[2].weights)
    assert np.array_equal(w0, _init(vocab))
    with pytest.raises(Exception):
        snaps[1].step = 3  # frozen


@pytest.mark.parametrize("objective", ["sgns", "cbow"])
def test_one_worker_is_bit_reproducible_however_the_run_is_cut_into_steps(demo, objective):
    """The same seed gives the same matrix with one worker, whether the kernel runs in
    large steps or small ones (steps follow the clock, so they differ run to run)."""
    vocab, corpus = demo
    a = run_to_end(corpus, _init(vocab), TrainConfig(objective=objective, epochs=2, seed=3))
    b = run_to_end(corpus, _init(vocab), TrainConfig(objective=objective, epochs=2, seed=3, batch_size=333))
    assert b.step > a.step  # really cut differently
    assert np.array_equal(a.weights, b.weights)
    assert a.progress == 1.0 and a.tokens_seen == 2 * len(corpus)
    c = run_to_end(corpus, _init(vocab), TrainConfig(objective=objective, epochs=2, seed=4))
    assert not np.array_equal(a.weights, c.weights)  # the seed matters


def test_kernel_learns_on_the_demo_related_words_nearer_than_unrelated(demo):
    """The CPU kernel's model alone: related words end nearer than unrelated ones."""
    import torch

    from explorer.core.training.train import _Kernel

    vocab, corpus = demo
    model = _Kernel(corpus, _init(vocab, dim=32), TrainConfig(epochs=4, seed=2), torch.device("cpu"))
    steps = list(model.steps())
    assert steps[-1].progress == 1.0 and steps[-1].tokens_seen == 4 * len(corpus)
    assert steps[-1].loss < steps[0].loss
    X = model.embedding()
    X = X / np.linalg.norm(X, axis=1, keepdims=True)

    def cos(a, b):
        return float(X[vocab.index[a]] @ X[vocab.index[b]])

    for a, b, far in (("dog", "cat", "apple"), ("apple", "pear", "dog"), ("cat", "cow", "pear")):
        assert cos(a, b) > cos(a, far) + 0.1, (a, b, far)


def test_noise_table_draws_the_unigram_power_distribution():
    from explorer.core.training.w2v_kernel import noise_table

    counts = np.array([100, 10, 1, 0, 5000, 7])
    prob, alias = noise_table(counts)
    n = len(counts)
    drawn = np.zeros(n)
    for i in range(n):  # the alias table's exact distribution
        drawn[i] += prob[i] / n
        drawn[alias[i]] += (1 - prob[i]) / n
    want = counts ** 0.75 / (counts ** 0.75).sum()
    assert np.allclose(drawn, want, atol=1e-6)


def test_long_lines_are_trained_in_pieces():
    from explorer.core.training.train import _Kernel

    offsets = np.array([0, 3, 25003, 25010], dtype=np.int64)
    assert list(_Kernel._segments(offsets, 10000)) == [0, 3, 10003, 20003, 25003, 25010]


def test_nan_stops_the_run_and_keeps_the_last_good_weights(demo):
    vocab, corpus = demo
    w0 = _init(vocab, "normal") * np.float32(1e20)  # dot products overflow to inf, then NaN
    seen = []
    with pytest.raises(TrainingDiverged) as info:
        for snap in train(corpus, w0, TrainConfig(epochs=2, yield_every=1)):
            seen.append(snap)
    last = info.value.last_good
    assert last is not None and np.isfinite(last.weights).all()
    assert last is seen[-1]
    assert "last good" in str(info.value)


def test_cbow_learns(demo):
    vocab, corpus = demo
    snaps = list(train(corpus, _init(vocab), TrainConfig(objective="cbow", epochs=3, yield_every=5)))
    assert snaps[-1].loss < snaps[1].loss
    assert not np.allclose(snaps[-1].weights, snaps[0].weights)


@pytest.mark.parametrize("positional,tied", [("sinusoidal", True), ("learned", False)])
def test_language_model_learns(demo, positional, tied):
    vocab, corpus = demo
    config = TrainConfig(objective="lm", epochs=1, batch_size=1024, context_length=16,
                         positional=positional, tied=tied, yield_every=10)
    snaps = list(itertools.islice(train(corpus, _init(vocab, "normal"), config), 8))
    assert snaps[-1].loss < snaps[1].loss
    assert not np.allclose(snaps[-1].weights, snaps[0].weights)


@pytest.mark.parametrize("objective", ["sgns", "cbow", "lm"])
def test_frozen_embeddings_stay_identical(demo, objective):
    vocab, corpus = demo
    w0 = _init(vocab, "normal")
    config = TrainConfig(objective=objective, epochs=1, freeze_embeddings=True, batch_size=1024,
                         context_length=8, yield_every=5)
    snaps = list(itertools.islice(train(corpus, w0, config), 4))
    assert all(np.array_equal(s.weights, w0) for s in snaps)
    assert np.isfinite(snaps[-1].loss)


def test_classification_head_learns_a_trivial_labelled_set():
    lines = [f"__label__animal the {w} runs" for w in ("dog", "cat", "cow", "fox")] * 10 + \
            [f"__label__fruit a {w} is ripe" for w in ("apple", "pear", "plum", "kiwi")] * 10
    vocab = build_vocab([line.split(" ", 1)[1] for line in lines], WordTokenizer())
    corpus = encode_lines(lines, vocab)
    assert corpus.label_names == ["animal", "fruit"]
    final = run_to_end(corpus, _init(vocab, "normal", 16),
                       TrainConfig(objective="classify", epochs=30, lr=0.05, batch_size=64))
    assert final.extra["accuracy"] == 1.0
    assert final.loss < 0.2


def test_classification_needs_labels(demo):
    vocab, corpus = demo
    with pytest.raises(ExplorerError, match="labelled lines"):
        next(iter(list(itertools.islice(train(corpus, _init(vocab), TrainConfig(objective="classify")), 2))))


def test_wrong_shapes_and_devices_are_clear_errors(demo):
    vocab, corpus = demo
    with pytest.raises(ExplorerError, match="shape"):
        next(train(corpus, np.zeros((3, 4), np.float32)))
    with pytest.raises(ExplorerError, match="device"):
        resolve_device("tpu")
    device, note = resolve_device("cuda")
    import torch

    if torch.cuda.is_available():
        assert device.type == "cuda" and note == ""
    else:
        assert device.type == "cpu" and "CUDA is not available" in note
        first = next(train(corpus, _init(vocab), TrainConfig(device="cuda")))
        assert "CUDA is not available" in first.note


@pytest.mark.parametrize("objective", ["sgns", "cbow"])
def test_two_hogwild_workers_train_too(demo, objective):
    vocab, corpus = demo
    w0 = _init(vocab, dim=64)
    final = run_to_end(corpus, w0, TrainConfig(objective=objective, epochs=6, workers=2))
    assert final.progress == 1.0 and final.tokens_seen == 6 * len(corpus)
    assert np.isfinite(final.weights).all() and not np.allclose(final.weights, w0)
    near = [vocab.tokens[i] for i, _ in neighbors_of(final.weights, vocab.index["dog"], 3)]
    assert all(n in CATEGORIES["animal"] for n in near), near


@pytest.mark.parametrize("objective", ["sgns", "cbow"])
def test_frames_come_every_yield_period_and_stop_acts_at_the_next(demo, objective):
    """A snapshot at least every yield_seconds (the kernel's steps are sized by the clock
    to half the period), so Pause/Stop, which act at yields, act within it."""
    from explorer.core import Cancelled
    from explorer.core.tokens.corpus import concat

    vocab, corpus = demo
    big = concat([corpus] * 16)  # ~720k tokens an epoch
    config = TrainConfig(objective=objective, epochs=30, yield_seconds=0.05, workers=2)  # ~20 s: far from the end
    asked = []
    gen = train(big, _init(vocab, dim=64), config, should_cancel=lambda: len(asked) >= 12)
    with pytest.raises(Cancelled):
        for snap in gen:
            asked.append(snap.progress)
    assert len(asked) == 12 and asked[-1] < 1.0  # stopped at the 12th frame, before the end
    # How often frames come is a speed (benchmarks/bench_event_loop_stall.py measures it; a
    # threshold here failed on a cold clone, where numba compiles the kernel first).
    assert len(set(asked)) == len(asked)  # every frame moved the run on
