"""Nearest neighbours, analogies and drift in the full space."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from explorer.core import ExplorerError
from explorer.core.analysis.neighbors import (
    NeighborIndex, analogy, jaccard, moved_most, nearest, neighbor_drift, neighbors_of, row_drift, top_k,
)
from explorer.core.tokens.vocab import Vocabulary


def brute(weights, query, metric):
    w = weights.astype(np.float64)
    q = query.astype(np.float64)
    if metric == "cosine":
        return (w @ q) / (np.linalg.norm(w, axis=1) * np.linalg.norm(q))
    if metric == "dot":
        return w @ q
    return -np.linalg.norm(w - q, axis=1)


@pytest.fixture
def matrix():
    return np.random.default_rng(1).standard_normal((500, 16)).astype(np.float32)


@pytest.mark.parametrize("metric", ["cosine", "euclidean", "dot"])
def test_index_and_nearest_agree_with_brute_force(matrix, metric):
    query = matrix[7] + 0.1
    expected = np.argsort(-brute(matrix, query, metric), kind="stable")[:10].tolist()
    index = NeighborIndex(matrix)
    got_index = index.query(query, 10, metric)
    got_plain = nearest(matrix, query, 10, metric)
    assert [i for i, _ in got_index] == expected
    assert [i for i, _ in got_plain] == expected
    np.testing.assert_allclose([s for _, s in got_index], brute(matrix, query, metric)[expected], rtol=1e-4, atol=1e-4)


def test_neighbors_of_excludes_the_token_and_sorts_best_first(matrix):
    result = NeighborIndex(matrix).neighbors_of(3, k=5)
    ids = [i for i, _ in result]
    scores = [s for _, s in result]
    assert 3 not in ids and len(ids) == 5
    assert scores == sorted(scores, reverse=True)
    assert ids == [i for i, _ in neighbors_of(matrix, 3, 5)]


def test_index_keeps_the_matrix_and_only_its_norms(matrix):
    index = NeighborIndex(matrix)
    assert index.weights is matrix and index.matches(matrix)
    assert index.norms.dtype == np.float32 and index.norms.shape == (500,)
    np.testing.assert_allclose(index.norms, np.linalg.norm(matrix, axis=1), rtol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(index.unit(3)), 1.0, rtol=1e-5)


def test_nan_rows_are_skipped_not_returned(matrix):
    broken = matrix.copy()
    broken[:20] = np.nan
    result = NeighborIndex(broken).query(matrix[30], k=5)
    assert len(result) == 5 and all(i >= 20 and np.isfinite(s) for i, s in result)
    assert result[0][0] == 30


def test_zero_rows_do_not_break_cosine():
    weights = np.zeros((4, 3), dtype=np.float32)
    weights[1] = [1, 0, 0]
    weights[2] = [0.9, 0.1, 0]
    result = NeighborIndex(weights).neighbors_of(1, k=3)
    assert result[0][0] == 2
    assert all(np.isfinite(s) for _, s in result)


def test_unknown_metric_and_bad_id_are_user_errors(matrix):
    with pytest.raises(ExplorerError, match="unknown metric"):
        nearest(matrix, matrix[0], 3, "manhattan")
    with pytest.raises(ExplorerError, match="outside the vocabulary"):
        NeighborIndex(matrix).neighbors_of(500)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(-5, 5, allow_nan=False), min_size=1, max_size=60), st.integers(0, 70))
def test_top_k_returns_the_k_largest(values, k):
    scores = np.array(values)
    result = top_k(scores, k)
    assert len(result) == min(k, len(values))
    assert [s for _, s in result] == sorted(values, reverse=True)[:len(result)]


def test_analogy_excludes_its_inputs_and_finds_the_fourth_corner():
    rng = np.random.default_rng(0)
    base = rng.standard_normal((50, 8)).astype(np.float32)
    royal, male, female = rng.standard_normal((3, 8)).astype(np.float32)
    base[0], base[1] = male * 3, (male + royal) * 3  # man, king
    base[2], base[3] = female * 3, (female + royal) * 3  # woman, queen
    result = analogy(base, 0, 1, 2, k=3)
    assert result[0][0] == 3
    assert not {0, 1, 2} & {i for i, _ in result}


def test_drift_of_an_unchanged_and_a_moved_row(matrix):
    after = matrix.copy()
    after[5] = -matrix[5]
    after[9] += 0.01
    same = row_drift(matrix, after, 0)
    assert same.cosine == pytest.approx(1.0) and same.distance == 0.0
    flipped = row_drift(matrix, after, 5)
    assert flipped.cosine == pytest.approx(-1.0)
    assert flipped.distance == pytest.approx(2 * np.linalg.norm(matrix[5]), rel=1e-5)
    ranked = moved_most(matrix, after, n=3)
    assert [m.token_id for m in ranked][:2] == [5, 9]
    assert moved_most(matrix, after, n=1, by="cosine")[0].token_id == 5


def test_neighbor_drift_jaccard(matrix):
    unchanged = neighbor_drift(matrix, matrix.copy(), 4, k=10)
    assert unchanged.jaccard == 1.0 and len(unchanged.kept) == 10
    shuffled = np.random.default_rng(5).standard_normal(matrix.shape).astype(np.float32)
    moved = neighbor_drift(matrix, shuffled, 4, k=10)
    assert moved.jaccard < 0.5
    assert moved.jaccard == jaccard([i for i, _ in moved.before], [i for i, _ in moved.after])
    assert jaccard([1, 2, 3], [2, 3, 4]) == pytest.approx(0.5)


def test_drift_needs_matching_shapes(matrix):
    with pytest.raises(ExplorerError, match="at init"):
        row_drift(matrix[:10], matrix, 0)


def minilm(shared_data):
    """MiniLM's word table and BERT's vocab, read directly (the format readers live elsewhere)."""
    from safetensors import safe_open

    tokens = (shared_data / "tokenizers/bert/vocab.txt").read_text(encoding="utf-8").splitlines()
    with safe_open(str(shared_data / "vectors/minilm-embeddings.safetensors"), framework="numpy") as f:
        weights = f.get_tensor("embeddings.word_embeddings.weight")
    return Vocabulary(tokens=tokens), weights


@pytest.fixture(scope="module")
def minilm_index(request):
    from tests.conftest import SHARED_DATA

    if not SHARED_DATA.is_dir():
        pytest.skip(f"real data folder {SHARED_DATA} is absent")
    vocab, weights = minilm(SHARED_DATA)
    return vocab, NeighborIndex(weights)


def test_minilm_man_king_woman_gives_queen(minilm_index):
    vocab, index = minilm_index
    ids = [vocab.id_of(t) for t in ("man", "king", "woman")]
    result = index.analogy(*ids, k=5)
    assert vocab.tokens[result[0][0]] == "queen"


def test_minilm_neighbours_of_king_include_queen(minilm_index):
    vocab, index = minilm_index
    tokens = [vocab.tokens[i] for i, _ in index.neighbors_of(vocab.id_of("king"), k=10)]
    assert "queen" in tokens and "king" not in tokens


# -- the int8 codes of big tables: a faster first pass, the same top k -----------------------

def structured(rows, dim=24, seed=0):
    """Rows in a few strong directions plus noise (as real tables: many near neighbours)."""
    rng = np.random.default_rng(seed)
    mix = rng.standard_normal((6, dim)) * np.linspace(3, 0.5, 6)[:, None]
    return (rng.standard_normal((rows, 6)) @ mix + 0.3 * rng.standard_normal((rows, dim))).astype(np.float32)


def same_top_k(got, expected):
    """The same rows in the same order, and the same scores; scores are BLAS's float32 sums, whose
    last bit depends on where a row falls in its blocks, so rows tied to that bit may swap (also
    across the top k's cut: a row just outside it in one pass may be inside in the other)."""
    assert len(got) == len(expected) and len({i for i, _ in got}) == len(got)
    np.testing.assert_allclose([s for _, s in got], [s for _, s in expected], rtol=0, atol=1e-6)
    for (i, s), (j, t) in zip(got, expected):
        assert i == j or abs(s - t) <= 1e-6


def test_codes_bound_every_cosine():
    weights = structured(3003)  # not a multiple of 4: the scan's last rows are taken one by one
    index = NeighborIndex(weights, codes=True)
    assert index.codes is not None and index.codes.codes.dtype == np.int8
    rng = np.random.default_rng(1)
    for query in [*rng.standard_normal((5, 24)), weights[7]]:
        unit = (query / np.linalg.norm(query)).astype(np.float32)
        lower, upper = index.codes.bounds(unit)
        exact = brute(weights, unit, "cosine")
        assert np.all(lower <= exact) and np.all(exact <= upper)
        assert np.median(upper - lower) < 0.1  # bounds tight enough to leave few rows to score


@pytest.mark.parametrize("k", [1, 10, 60])
def test_codes_give_the_full_pass_top_k(k):
    weights = structured(5000)
    full, fast = NeighborIndex(weights, codes=False), NeighborIndex(weights, codes=True)
    assert full.codes is None and fast.codes is not None
    for token in range(0, 5000, 97):
        same_top_k(fast.neighbors_of(token, k), full.neighbors_of(token, k))
    rng = np.random.default_rng(2)
    for query in rng.standard_normal((10, 24)).astype(np.float32):
        same_top_k(fast.query(query, k, exclude=(3, 4)), full.query(query, k, exclude=(3, 4)))
    same_top_k(fast.analogy(1, 2, 3, k), full.analogy(1, 2, 3, k))


def test_codes_on_near_duplicates_and_zero_rows_still_give_the_full_pass_top_k():
    weights = structured(6000)
    weights[100:5000] = weights[100] * np.linspace(1, 2, 4900, dtype=np.float32)[:, None]  # one direction
    weights[5000:5010] = 0.0
    full, fast = NeighborIndex(weights, codes=False), NeighborIndex(weights, codes=True)
    for token in (100, 101, 4999, 5003, 5500):
        same_top_k(fast.neighbors_of(token, 10), full.neighbors_of(token, 10))
    zero = np.zeros(24, dtype=np.float32)
    assert fast.query(zero, 5) == full.query(zero, 5)


def test_codes_only_for_big_finite_float32_tables(matrix):
    assert NeighborIndex(matrix).codes is None  # small: one exact pass is as quick
    broken = structured(2000)
    broken[3] = np.inf
    assert NeighborIndex(broken, codes=True).codes is None  # its exact score is not finite
    assert NeighborIndex(structured(2000).astype(np.float64), codes=True).codes is None


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(2, 40), st.integers(1, 12))
def test_codes_agree_with_the_full_pass_on_any_table(seed, rows, k):
    rng = np.random.default_rng(seed)
    weights = (rng.standard_normal((rows, 5)) * rng.choice([1e-3, 1.0, 50.0], (rows, 1))).astype(np.float32)
    weights[rng.random(rows) < 0.2] = weights[0]  # exact duplicates: ties broken by ID
    full, fast = NeighborIndex(weights, codes=False), NeighborIndex(weights, codes=True)
    token = int(rng.integers(rows))
    same_top_k(fast.neighbors_of(token, k), full.neighbors_of(token, k))


def test_minilm_codes_give_the_same_neighbours(minilm_index):
    vocab, full = minilm_index
    fast = NeighborIndex(full.weights, codes=True)
    for token in ("king", "paris", "running", "the", "##ing", "[CLS]", "7"):
        same_top_k(fast.neighbors_of(vocab.id_of(token), 20), full.neighbors_of(vocab.id_of(token), 20))


def test_top_k_breaks_ties_by_the_lower_id_across_the_cut():
    assert top_k(np.array([1.0, 1.0], dtype=np.float32), 1) == [(0, 1.0)]
    scores = np.zeros(1000, dtype=np.float32)
    scores[[900, 400, 7]] = 2.0
    assert [i for i, _ in top_k(scores, 2)] == [7, 400]
    assert [i for i, _ in top_k(scores, 4)] == [7, 400, 900, 0]


def test_no_codes_when_memory_is_short(monkeypatch):
    import explorer.core.matrix.memory as memory

    weights = structured(2000)
    monkeypatch.setattr(memory, "available_bytes", lambda: weights.size)  # codes would take half of it
    index = NeighborIndex(weights, codes=True)
    assert index.codes is None
    same_top_k(index.neighbors_of(5, 10), NeighborIndex(weights, codes=False).neighbors_of(5, 10))
