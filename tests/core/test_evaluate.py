"""Word-similarity Spearman and 3CosAdd analogies, on real evaluation files."""

import numpy as np
import pytest

from explorer.core import ExplorerError
from explorer.core.analysis.evaluate import analogies, evaluate, isotropy, read_pairs, similarity
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
