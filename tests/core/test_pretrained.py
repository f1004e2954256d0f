"""Mapping a file's vectors onto the current vocabulary: coverage, case, fill, dimension."""

import numpy as np
import pytest

from explorer.core import ExplorerError
from explorer.core.io.vectors import load_vectors
from explorer.core.matrix.pretrained import map_vectors
from explorer.core.tokens.vocab import Vocabulary

FILE_TOKENS = ["the", "King", "queen", "dog"]
FILE = np.array([[1, 2], [3, 4], [5, 7], [9, 11]], dtype=np.float32)


def vocab(*tokens, pad=None):
    specials = {"pad": tokens.index(pad)} if pad else {}
    return Vocabulary(list(tokens), specials=specials)


def test_found_rows_come_from_the_file_and_coverage_counts_them():
    mapped = map_vectors(vocab("dog", "cat", "the"), FILE_TOKENS, FILE, fill="zeros")
    assert mapped.weights.tolist() == [[9, 11], [0, 0], [1, 2]]
    cov = mapped.coverage
    assert (cov.total, cov.found, cov.missing) == (3, 2, 1) and cov.missing_examples == ["cat"]
    assert cov.fraction == pytest.approx(2 / 3) and "2 of 3 tokens found" in cov.summary()
    assert mapped.found.tolist() == [True, False, True]


def test_case_insensitive_matching_is_optional_and_counted():
    strict = map_vectors(vocab("king", "queen"), FILE_TOKENS, FILE, fill="zeros")
    assert strict.coverage.found == 1
    loose = map_vectors(vocab("king", "queen"), FILE_TOKENS, FILE, fill="zeros", case_insensitive=True)
    assert loose.coverage.found == 2 and loose.coverage.found_case_insensitive == 1
    assert loose.weights[0].tolist() == [3, 4]


def test_fill_with_the_mean_vector():
    mapped = map_vectors(vocab("x", "the"), FILE_TOKENS, FILE, fill="mean")
    assert mapped.weights[0].tolist() == pytest.approx(FILE.mean(axis=0).tolist())


def test_random_fill_is_seeded_and_follows_the_pretrained_mean_and_std():
    rng = np.random.default_rng(0)
    file = (rng.standard_normal((500, 3)) * [1, 5, 0.1] + [10, 0, -3]).astype(np.float32)
    tokens = [f"t{i}" for i in range(500)]
    missing = vocab(*[f"m{i}" for i in range(4000)])
    a = map_vectors(missing, tokens, file, fill="random", seed=3)
    b = map_vectors(missing, tokens, file, fill="random", seed=3)
    assert a.weights.tobytes() == b.weights.tobytes()
    assert not np.array_equal(a.weights, map_vectors(missing, tokens, file, fill="random", seed=4).weights)
    assert np.allclose(a.weights.mean(axis=0), file.mean(axis=0), atol=0.2)
    assert np.allclose(a.weights.std(axis=0), file.std(axis=0), rtol=0.1)


def test_a_missing_padding_token_gets_a_zero_row():
    mapped = map_vectors(vocab("<pad>", "the", pad="<pad>"), FILE_TOKENS, FILE, fill="mean")
    assert not mapped.weights[0].any() and mapped.weights[1].tolist() == [1, 2]


def test_dimension_mismatch_is_an_error_or_adopts_the_file_dimension():
    with pytest.raises(ExplorerError, match="dimension mismatch: the vectors have 2 dimensions but the current "
                                           "matrix has 64"):
        map_vectors(vocab("the"), FILE_TOKENS, FILE, expected_dim=64, adopt_dim=False)
    adopted = map_vectors(vocab("the"), FILE_TOKENS, FILE, expected_dim=64, adopt_dim=True)
    assert adopted.weights.shape == (1, 2)


def test_unknown_fill_is_a_clear_error():
    with pytest.raises(ExplorerError, match="unknown fill strategy"):
        map_vectors(vocab("the"), FILE_TOKENS, FILE, fill="magic")


def test_real_file_onto_the_bert_vocabulary(shared_data):
    from explorer.core.io.vectors import read_token_list

    bert = Vocabulary(read_token_list(shared_data / "tokenizers" / "bert" / "vocab.txt"))
    loaded = load_vectors(shared_data / "gensim" / "lee_fasttext.vec")
    mapped = map_vectors(bert, loaded.vocab.tokens, loaded.weights, fill="zeros")
    assert mapped.weights.shape == (30522, 10)
    assert 1000 < mapped.coverage.found < 1762
    the = bert.index["the"]
    assert np.array_equal(mapped.weights[the], loaded.weights[loaded.vocab.index["the"]])


def _lee_bin():
    import importlib.util
    from pathlib import Path

    pytest.importorskip("gensim", reason="gensim (the fasttext extra) is not installed")
    path = Path(next(iter(importlib.util.find_spec("gensim").submodule_search_locations))) / "test" / \
        "test_data" / "lee_fasttext.bin"
    if not path.exists():
        pytest.skip(f"{path} is not shipped with this gensim")
    return path


def test_missing_words_composed_from_a_fasttext_models_ngrams_are_gensims_vectors(shared_data):
    """fill='subwords': what fastText gives a word it never saw, for each word the file lacks."""
    from gensim.models.fasttext import load_facebook_vectors

    from explorer.core.io.vectors import read_token_list

    path = _lee_bin()
    loaded = load_vectors(path)
    bert = Vocabulary(read_token_list(shared_data / "tokenizers" / "bert" / "vocab.txt"))
    mapped = map_vectors(bert, loaded.vocab.tokens, loaded.weights, fill="subwords", subwords=loaded.subwords)
    assert 1000 < mapped.coverage.found < 1762 and mapped.fill == "subwords"
    kv = load_facebook_vectors(str(path))
    missing = np.flatnonzero(~mapped.found)
    composed = [i for i in missing[:400] if bert.tokens[i] != "[PAD]" and loaded.subwords.ngrams(bert.tokens[i])]
    assert len(composed) > 300
    for i in composed:
        np.testing.assert_allclose(mapped.weights[i], kv[bert.tokens[i]], rtol=1e-5, atol=1e-6)
    the = bert.index["the"]
    assert np.array_equal(mapped.weights[the], loaded.weights[loaded.vocab.index["the"]])


def test_composing_needs_a_model_with_ngrams(shared_data):
    loaded = load_vectors(shared_data / "gensim" / "lee_fasttext.vec")  # the .vec: words only
    with pytest.raises(ExplorerError, match="only a fastText .bin model has character n-grams"):
        map_vectors(vocab("the", "zzzq"), loaded.vocab.tokens, loaded.weights, fill="subwords")
