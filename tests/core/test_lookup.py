"""token -> ID -> row, the one-hot equivalence, and a sentence as a matrix with positions."""

from __future__ import annotations

import numpy as np
import pytest

from explorer.core import ExplorerError
from explorer.core.analysis.lookup import (
    load_positional_table, look_up, one_hot_equivalence, parse_ids, resolve, sentence_matrix, teaching_example,
)
from explorer.core.matrix.positional import sinusoidal
from explorer.core.tokens.vocab import Vocabulary, build_vocab


@pytest.fixture
def vocab():
    return build_vocab(["the cat sat on the mat", "the dog sat"], order="freq", specials=("pad", "unk"))


@pytest.fixture
def weights(vocab):
    return np.random.default_rng(0).standard_normal((len(vocab), 6)).astype(np.float32)


def test_teaching_example_is_exactly_the_table():
    view = teaching_example()
    assert view.pieces == ["I", "love", "machine", "learning"]
    assert np.allclose(view.token_rows, [[0.1, 0.3, 0.5], [0.2, 0.4, 0.6], [0.3, 0.5, 0.7], [0.4, 0.6, 0.8]])
    assert np.allclose(view.pe_rows, [[0.01, 0.02, 0.03], [0.02, 0.03, 0.04], [0.03, 0.04, 0.05], [0.04, 0.05, 0.06]])
    expected = [[0.11, 0.32, 0.53], [0.22, 0.43, 0.64], [0.33, 0.54, 0.75], [0.44, 0.65, 0.86]]
    assert np.allclose(view.sums, expected, atol=1e-12)
    assert np.round(view.sums, 2).tolist() == expected  # to the printed decimals


def test_resolve_token_id_and_case(vocab):
    assert resolve(vocab, "cat") == vocab.id_of("cat")
    assert resolve(vocab, " CAT ") == vocab.id_of("cat")
    assert resolve(vocab, "3") == 3
    with pytest.raises(ExplorerError, match="not in the vocabulary"):
        resolve(vocab, "zebra")
    with pytest.raises(ExplorerError, match="outside"):
        resolve(vocab, str(len(vocab)))


def test_look_up_norm_and_percentile(vocab, weights):
    weights[4] *= 100  # the largest norm
    result = look_up(vocab, weights, 4)
    assert result.token == vocab.tokens[4] and result.token_id == 4
    assert result.count == vocab.count_of(4)
    assert result.norm == pytest.approx(float(np.linalg.norm(weights[4])), rel=1e-6)
    assert result.norm_rank == 1
    assert result.percentile == pytest.approx(100.0 * (len(vocab) - 1) / len(vocab))
    np.testing.assert_array_equal(result.row, weights[4])


def test_one_hot_times_w_equals_the_lookup(vocab, weights):
    result = one_hot_equivalence(weights, [2, 3, 1], repeats=2)
    assert result.one_hot.shape == (3, len(vocab))
    assert result.one_hot.sum(axis=1).tolist() == [1, 1, 1]
    assert result.one_hot[0, 2] == 1 and result.one_hot[1, 3] == 1 and result.one_hot[2, 1] == 1
    np.testing.assert_array_equal(result.lookup, weights[[2, 3, 1]])
    assert result.equal and result.max_abs_diff == 0.0
    assert result.multiplications == 3 * len(vocab) * 6 and result.useful_multiplications == 18
    assert result.seconds_matmul > 0 and result.seconds_lookup > 0


def test_one_hot_rejects_bad_ids(weights):
    with pytest.raises(ExplorerError, match="outside"):
        one_hot_equivalence(weights, [0, 99])
    assert parse_ids("[2, 3, 1]") == [2, 3, 1] and parse_ids("2 3 1") == [2, 3, 1]
    with pytest.raises(ExplorerError, match="whole numbers"):
        parse_ids("2, x")


def test_sentence_matrix_with_sinusoidal_positions(vocab, weights):
    view = sentence_matrix(vocab, weights, "The cat sat on the mat", pe="sinusoidal")
    assert view.pieces == ["the", "cat", "sat", "on", "the", "mat"]
    assert view.ids == [vocab.id_of(p) for p in view.pieces]
    np.testing.assert_array_equal(view.token_rows, weights[view.ids])
    np.testing.assert_allclose(view.pe_rows, sinusoidal(6, 6))
    np.testing.assert_allclose(view.sums, weights[view.ids] + sinusoidal(6, 6))
    # the same token at two positions: same row, different sum
    np.testing.assert_array_equal(view.token_rows[0], view.token_rows[4])
    assert not np.allclose(view.sums[0], view.sums[4])


def test_unknown_words_map_to_unk_and_none_pe_is_zero(vocab, weights):
    view = sentence_matrix(vocab, weights, "the zebra", pe="none")
    assert view.ids == [vocab.id_of("the"), vocab.unk_id]
    assert not view.pe_rows.any()


def test_sinusoidal_properties():
    pe = sinusoidal(50, 16)
    assert pe.shape == (50, 16)
    np.testing.assert_allclose(pe[0, 0::2], 0.0)  # sin(0)
    np.testing.assert_allclose(pe[0, 1::2], 1.0)  # cos(0)
    assert np.abs(pe).max() <= 1.0
    np.testing.assert_allclose(pe[:, 0::2] ** 2 + pe[:, 1::2] ** 2, 1.0, rtol=1e-5)  # each pair on the unit circle
    assert len({tuple(np.round(row, 5)) for row in pe}) == 50  # every position distinct


def test_learned_positions_from_minilm(shared_data):
    from safetensors import safe_open

    path = shared_data / "vectors/minilm-embeddings.safetensors"
    table = load_positional_table(path)
    assert table.shape == (512, 384) and table.dtype == np.float32
    tokens = (shared_data / "tokenizers/bert/vocab.txt").read_text(encoding="utf-8").splitlines()
    with safe_open(str(path), framework="numpy") as f:
        words = f.get_tensor("embeddings.word_embeddings.weight")
    vocab = Vocabulary(tokens=tokens, specials={"unk": tokens.index("[UNK]")})
    view = sentence_matrix(vocab, words, "the king", pe="learned", learned=table)
    assert view.ids == [tokens.index("the"), tokens.index("king")]
    np.testing.assert_array_equal(view.pe_rows, table[:2])
    np.testing.assert_allclose(view.sums, words[view.ids] + table[:2])


def test_learned_positions_errors(tmp_path, weights, vocab):
    with pytest.raises(ExplorerError, match="load a learned"):
        sentence_matrix(vocab, weights, "the cat", pe="learned")
    broken = tmp_path / "broken.safetensors"
    broken.write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{not json}")
    with pytest.raises(ExplorerError) as info:
        load_positional_table(broken)
    assert str(broken) in str(info.value)
    with pytest.raises(ExplorerError, match="dims"):
        sentence_matrix(vocab, weights, "the cat", pe="learned", learned=np.zeros((10, 4), np.float32))


def test_one_hot_caps_the_number_of_ids(weights):
    with pytest.raises(ExplorerError, match="at most 64 IDs"):
        one_hot_equivalence(weights, [0] * 65)
