"""Word-similarity Spearman and 3CosAdd analogies, on real evaluation files."""

import numpy as np
import pytest

from explorer.core import ExplorerError
from explorer.core.analysis.evaluate import (
    analogies, evaluate, isotropy, lookup_table, read_pairs, similarity,
)
from explorer.core.tokens.vocab import Vocabulary


def test_reads_the_real_similarity_files(shared_data):
    ws = read_pairs(shared_data / "gensim" / "wordsim353.tsv")
    sl = read_pairs(shared_data / "gensim" / "simlex999.txt")
    assert len(ws) == 353 and len(sl) == 999
    assert all(isinstance(score, float) for _, _, score in ws)


def test_spearman_is_one_when_cosines_follow_the_scores(tmp_path):
    vocab = Vocabulary(tokens=["a", "b", "c", "d"])
    angles = np.array([0.0, 0.3, 1.0, 1.5])
    weights = np.stack([np.cos(angles), np.sin(angles)], 1).astype(np.float32)
    pairs = tmp_path / "p.tsv"
    pairs.write_text("# header\na\tb\t9\na\tc\t5\na\td\t1\nA\tB\t9\nx\ta\t3\n")
    rho, used, oov = similarity(vocab, weights, pairs)
    assert rho == pytest.approx(1.0) and used == 4 and oov == 1  # "A B" found lowercased


def test_analogy_3cosadd_excludes_the_inputs(tmp_path):
    vocab = Vocabulary(tokens=["man", "king", "woman", "queen", "apple"])
    w = np.array([[1, 0, 0], [1, 1, 0], [0, 0, 1], [0, 1, 1], [5, 5, 5]], dtype=np.float32)
    q = tmp_path / "q.txt"
    q.write_text(": royal\nman king woman queen\nman king woman apple\nman king woman zzz\n")
    acc, used, oov = analogies(vocab, w, q)
    assert used == 2 and oov == 1 and acc == pytest.approx(0.5)


def test_evaluate_reports_every_field_on_google_analogies(shared_data):
    vocab = Vocabulary(tokens=["athens", "greece", "baghdad", "iraq", "paris", "france"])
    rng = np.random.default_rng(0)
    w = rng.normal(size=(6, 8)).astype(np.float32)
    result = evaluate(vocab, w, shared_data / "gensim" / "wordsim353.tsv",
                      shared_data / "gensim" / "questions-words.txt").to_dict()
    assert set(result) >= {"spearman", "pairs_used", "pairs_oov", "analogy_accuracy", "analogies_used"}
    assert result["pairs_oov"] == 353 and result["spearman"] is None
    assert result["analogies_used"] > 0 and 0.0 <= result["analogy_accuracy"] <= 1.0


def test_malformed_lines_name_file_and_line(tmp_path):
    bad = tmp_path / "bad.tsv"
    bad.write_text("# ok\na\tb\t1\na\tb\tnot-a-number\n")
    with pytest.raises(ExplorerError, match=r"bad.tsv, line 3"):
        read_pairs(bad)
    q = tmp_path / "q.txt"
    q.write_text(": s\na b c\n")
    with pytest.raises(ExplorerError, match=r"q.txt, line 2"):
        analogies(Vocabulary(tokens=["a"]), np.ones((1, 2), np.float32), q)


def test_isotropy_is_high_for_a_sphere_and_low_for_a_shared_direction():
    rng = np.random.default_rng(0)
    round_cloud = rng.normal(size=(2000, 16))
    shifted = round_cloud + 5.0
    assert isotropy(round_cloud) > 0.5
    assert isotropy(shifted) < isotropy(round_cloud)


# -- gensim's conventions, checked against gensim itself on real data ------------------
def _gensim_scores(kv, data, restrict, case_sensitive):
    pairs = kv.evaluate_word_pairs(str(data / "wordsim353.tsv"), restrict_vocab=restrict,
                                   case_insensitive=not case_sensitive)
    _, sections = kv.evaluate_word_analogies(str(data / "questions-words.txt"), restrict_vocab=restrict,
                                             case_insensitive=not case_sensitive)
    total = sections[-1]
    return pairs[1].statistic, len(total["correct"]), len(total["correct"]) + len(total["incorrect"])


def _assert_same_as_gensim(kv, vocab, data, restrict=300_000):
    for case_sensitive in (False, True):
        ours = evaluate(vocab, kv.vectors, data / "wordsim353.tsv", data / "questions-words.txt",
                        restrict_vocab=restrict, case_sensitive=case_sensitive)
        spearman, correct, used = _gensim_scores(kv, data, restrict, case_sensitive)
        assert ours.spearman == pytest.approx(spearman, abs=1e-6)
        assert ours.analogies_used == used
        assert ours.analogy_accuracy == pytest.approx(correct / used, abs=1e-6)


def test_a_word2vec_trained_on_news_scores_as_gensim_scores_it(shared_data):
    """Real, mixed-case tokens ('The', 'the', 'Australian'): upper-cased lookup, the most
    frequent case variant, and restrict_vocab on pairs too."""
    from gensim.models import Word2Vec

    data = shared_data / "gensim"
    sentences = [line.split() for line in (data / "lee_background.cor").read_text(encoding="utf-8").splitlines()]
    kv = Word2Vec(sentences, vector_size=24, min_count=2, epochs=3, workers=1, seed=1).wv
    assert {"The", "the"} <= set(kv.index_to_key)
    counts = np.array([kv.get_vecattr(k, "count") for k in kv.index_to_key])
    vocab = Vocabulary(tokens=list(kv.index_to_key), counts=counts)
    _assert_same_as_gensim(kv, vocab, data)
    _assert_same_as_gensim(kv, vocab, data, restrict=500)
    few = evaluate(vocab, kv.vectors, data / "wordsim353.tsv", restrict_vocab=500)
    assert few.pairs_used < evaluate(vocab, kv.vectors, data / "wordsim353.tsv").pairs_used


def test_answers_that_are_case_variants_of_an_input_are_skipped_as_gensim_does(shared_data):
    """MiniLM's real word table (it solves many analogies), with a capitalized near-copy of
    every third word after it: 'King' is the best candidate for man : king :: woman : ?,
    and only skipping case variants of the inputs finds 'queen'."""
    from gensim.models import KeyedVectors
    from safetensors.numpy import load_file

    table = load_file(shared_data / "vectors" / "minilm-embeddings.safetensors")["embeddings.word_embeddings.weight"]
    tokens = (shared_data / "tokenizers" / "bert" / "vocab.txt").read_text(encoding="utf-8").splitlines()[:3000]
    words = [i for i, t in enumerate(tokens) if t.isascii() and t.isalpha()][::3]
    noise = np.random.default_rng(0).normal(scale=1e-3, size=(len(words), table.shape[1]))
    weights = np.vstack([table[:3000], table[words] + noise.astype(np.float32)])
    tokens = tokens + [tokens[i].capitalize() for i in words]
    kv = KeyedVectors(weights.shape[1])
    kv.add_vectors(tokens, weights)
    vocab = Vocabulary(tokens=tokens, counts=np.arange(len(tokens), 0, -1))  # sorted by frequency
    _assert_same_as_gensim(kv, vocab, shared_data / "gensim")
    result = evaluate(vocab, weights, analogies_path=shared_data / "gensim" / "questions-words.txt")
    assert result.analogies_used > 100 and result.analogy_accuracy > 0.5


def test_the_most_frequent_case_variant_stands_for_the_word(tmp_path):
    assert lookup_table(Vocabulary(tokens=["apple", "Apple", "pear"], counts=[1, 10, 5]))["APPLE"] == 1
    assert lookup_table(Vocabulary(tokens=["apple", "Apple"]))["APPLE"] == 0  # no counts: the first
    vocab = Vocabulary(tokens=["apple", "Apple", "pear", "plum"])
    w = np.array([[1, 0], [0, 1], [1, 1], [1, 2]], dtype=np.float32)
    pairs = tmp_path / "p.tsv"
    pairs.write_text("APPLE\tpear\t9\nApple\tPlum\t8\napple\tplum\t1\n")
    assert similarity(vocab, w, pairs)[1:] == (3, 0)
    assert similarity(vocab, w, pairs, case_sensitive=True)[1:] == (1, 2)  # only 'apple plum'
