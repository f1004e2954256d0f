"""What the Inspector computes, headless: a token's report, analogies, excerpts of big
matrices, a sample sentence, the positional table of the checkpoint a matrix came from."""

from __future__ import annotations

import numpy as np
import pytest

from explorer.core.analysis.neighbors import NeighborIndex, neighbors_of
from explorer.core.analysis.report import (
    analogy_job, default_sentence, excerpt, index_for, positional_table_of, token_report,
)
from explorer.core.tokens.demo import demo_vocabulary
from explorer.core.tokens.vocab import Vocabulary


@pytest.fixture(scope="module")
def vocab():
    return demo_vocabulary(0)


@pytest.fixture
def weights(vocab):
    return np.random.default_rng(0).standard_normal((len(vocab), 16)).astype(np.float32)


def test_a_report_holds_the_row_its_norm_and_its_neighbours(vocab, weights):
    dog = vocab.id_of("dog")
    report = token_report(vocab, weights, weights, None, None, dog, 7, "euclidean")
    np.testing.assert_array_equal(report.lookup.row, weights[dog])
    assert report.lookup.norm == pytest.approx(float(np.linalg.norm(weights[dog])), rel=1e-6)
    expected = neighbors_of(weights, dog, 7, "euclidean")
    assert [i for i, _ in report.neighbours] == [i for i, _ in expected]
    np.testing.assert_allclose([s for _, s in report.neighbours], [s for _, s in expected], rtol=1e-5)
    counts, edges = report.histogram
    assert counts.sum() == len(vocab) and edges[0] <= report.lookup.norm <= edges[-1]
    assert report.drift is None and report.neighbour_drift is None  # still as initialized


def test_a_trained_matrix_reports_drift(vocab, weights):
    dog = vocab.id_of("dog")
    trained = weights.copy()
    trained[dog] = -trained[dog]
    report = token_report(vocab, trained, weights, None, None, dog, 10, "cosine")
    assert report.drift.cosine == pytest.approx(-1.0)
    assert len(report.neighbour_drift.before) == len(report.neighbour_drift.after) == 10
    assert report.initial_index.matches(weights) and report.index.matches(trained)


def test_an_index_of_the_same_matrix_is_reused_and_a_stale_one_is_not(vocab, weights):
    index = NeighborIndex(weights)
    assert index_for(weights, index) is index
    assert token_report(vocab, weights, None, index, None, 3, 5, "cosine").index is index
    other = weights + 1
    assert index_for(other, index) is not index and index_for(other, index).matches(other)
    assert index_for(weights, None).matches(weights)


def test_analogy_job_finds_the_fourth_corner(vocab, weights):
    a, b, c, target = (vocab.id_of(t) for t in ("cat", "dog", "cow", "lima"))
    w = weights.copy()
    unit = lambda i: w[i] / np.linalg.norm(w[i])  # noqa: E731
    w[target] = (unit(a) - unit(b) + unit(c)) * 5
    index, results = analogy_job(w, None, (a, c), (b,), 5)
    assert index.matches(w) and len(results) == 5
    assert results[0][0] == target and not {a, b, c} & {i for i, _ in results}


@pytest.mark.parametrize("n, wanted, expected", [
    (0, (), []),
    (3, (), [0, 1, 2]),
    (10, (), [0, 1, 2, 3, None, 9]),
    (100, (50, 4), [0, 1, 2, 3, 4, None, 50, None, 99]),
    (10, (200, -1), [0, 1, 2, 3, None, 9]),  # IDs outside the matrix are ignored
])
def test_excerpt_keeps_the_head_the_wanted_and_the_last(n, wanted, expected):
    assert excerpt(n, wanted) == expected


def test_the_default_sentence_uses_known_tokens(vocab):
    text = default_sentence(vocab)
    _pieces, ids = vocab.encode(text)
    assert ids and all(i is not None and i != vocab.unk_id for i in ids)
    bare = Vocabulary(tokens=["x", "y", "z"])
    assert default_sentence(bare) == "x y z"


def test_the_positional_table_of_a_checkpoint(tmp_path):
    from safetensors.numpy import save_file

    table = np.arange(8 * 4, dtype=np.float32).reshape(8, 4)
    path = tmp_path / "model.safetensors"
    save_file({"embeddings.position_embeddings.weight": table}, str(path))
    np.testing.assert_array_equal(positional_table_of(str(path), 4), table)
    assert positional_table_of(str(path), 5) is None  # another width than the matrix
    assert positional_table_of(str(tmp_path / "missing.safetensors"), 4) is None
    (tmp_path / "words.txt").write_text("a\n")
    assert positional_table_of(str(tmp_path / "words.txt"), 4) is None
    assert positional_table_of("demo", 4) is None
    broken = tmp_path / "broken.safetensors"
    broken.write_bytes(b"garbage")
    assert positional_table_of(str(broken), 4) is None
