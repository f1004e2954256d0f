"""`embedding-explorer train` and `evaluate` from the command line."""

import json

import numpy as np
import pytest

from explorer.cli import main
from explorer.core.io.session import load_session


def test_train_on_demo_writes_a_session_that_reads_back(tmp_path, capsys):
    out = tmp_path / "demo.eexp"
    code = main(["train", "--corpus", "demo", "--dim", "16", "--epochs", "2", "--seed", "1",
                 "--out", str(out), "--json"])
    assert code == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert {"words", "seconds", "words_per_second", "final_loss"} <= set(summary)
    assert summary["words"] > 0 and summary["words_per_second"] > 0
    session = load_session(out)
    assert session.weights.shape == (len(session.vocab), 16)
    assert "dog" in session.vocab.tokens
    train, init = session.state["train"], session.state["init"]
    assert train["objective"] == "sgns" and train["epochs"] == 2 and train["corpus"] == "demo"
    assert init["scheme"] == "word2vec" and init["dim"] == 16
    assert session.history["loss"] and session.snapshots
    # the timeline: at most 8 snapshots, up to the last step, which states its own epoch
    steps = [s.step for s in session.snapshots]
    assert len(steps) <= 8 and steps == sorted(steps) and steps[-1] == session.history["loss"][-1][0]
    assert session.snapshots[-1].epoch == 1
    assert not np.array_equal(session.weights, session.initial_weights)
    assert abs(session.history["loss"][-1][1] - summary["final_loss"]) < 1e-9


def test_evaluate_a_trained_session(tmp_path, capsys, shared_data):
    out = tmp_path / "demo.eexp"
    assert main(["train", "--corpus", "demo", "--dim", "16", "--epochs", "1", "--out", str(out)]) == 0
    capsys.readouterr()
    pairs = tmp_path / "pairs.tsv"
    pairs.write_text("# w1\tw2\tscore\ndog\tcat\t9\ndog\tapple\t1\napple\tpear\t8\nunknownword\tdog\t2\n")
    code = main(["evaluate", str(out), "--similarity", str(pairs),
                 "--analogies", str(shared_data / "gensim" / "questions-words.txt"), "--json"])
    assert code == 0
    result = json.loads(capsys.readouterr().out)
    assert result["pairs_used"] == 3 and result["pairs_oov"] == 1
    assert -1.0 <= result["spearman"] <= 1.0
    assert {"analogy_accuracy", "analogies_used"} <= set(result)


@pytest.mark.parametrize("argv,needle", [
    (["train", "--corpus", "/no/such/corpus.txt", "--out", "x.eexp"], "no such corpus file"),
    (["train", "--corpus", "demo", "--init", "bogus", "--out", "x.eexp"], "unknown init scheme"),
    (["evaluate", "/no/such.eexp", "--similarity", "x"], "no such file"),
])
def test_user_errors_are_one_line_and_exit_2(argv, needle, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert needle in err and "Traceback" not in err


def test_train_language_model_cli(tmp_path, capsys):
    out = tmp_path / "lm.eexp"
    assert main(["train", "--corpus", "demo", "--objective", "lm", "--dim", "16", "--epochs", "1",
                 "--batch-size", "2048", "--context-length", "8", "--out", str(out), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["objective"] == "lm" and np.isfinite(summary["final_loss"])
    assert load_session(out).state["train"]["objective"] == "lm"


@pytest.mark.parametrize("objective,workers", [("sgns", 1), ("cbow", 1), ("sgns", 2), ("cbow", 2)])
def test_train_word2vec_objectives_cli(tmp_path, capsys, objective, workers):
    """`train --objective sgns|cbow` learns the demo: dog's neighbours are animals."""
    from explorer.core.analysis.neighbors import neighbors_of
    from explorer.core.tokens.demo import CATEGORIES

    out = tmp_path / f"{objective}.eexp"
    assert main(["train", "--corpus", "demo", "--objective", objective, "--dim", "64", "--epochs", "6",
                 "--workers", str(workers), "--out", str(out), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["objective"] == objective and summary["workers"] == workers
    session = load_session(out)
    assert session.state["train"]["objective"] == objective and session.state["train"]["workers"] == workers
    vocab = session.vocab
    near = [vocab.tokens[i] for i, _ in neighbors_of(session.weights, vocab.index["dog"], 3)]
    assert all(n in CATEGORIES["animal"] for n in near), near


def test_same_seed_same_session_weights_with_one_worker(tmp_path, capsys):
    outs = [tmp_path / "a.eexp", tmp_path / "b.eexp"]
    for out in outs:
        assert main(["train", "--corpus", "demo", "--dim", "16", "--epochs", "1", "--seed", "5",
                     "--out", str(out)]) == 0
    a, b = (load_session(o).weights for o in outs)
    assert np.array_equal(a, b)
