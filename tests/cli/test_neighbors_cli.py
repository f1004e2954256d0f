"""`embedding-explorer neighbors` and `analogy` on sessions and real vectors."""

from __future__ import annotations

import json

import numpy as np
import pytest

from explorer.cli import main
from explorer.core.io.session import Session, save_session
from explorer.core.tokens.vocab import Vocabulary


@pytest.fixture
def toy_session(tmp_path):
    tokens = ["man", "king", "woman", "queen", "apple", "pear", "car"]
    rng = np.random.default_rng(0)
    weights = rng.standard_normal((len(tokens), 8)).astype(np.float32) * 0.1
    royal, male, female = rng.standard_normal((3, 8)).astype(np.float32)
    weights[0], weights[1] = male, male + royal
    weights[2], weights[3] = female, female + royal
    weights[5] = weights[4] + 0.01  # pear right next to apple
    path = tmp_path / "toy.eexp"
    save_session(path, Session(vocab=Vocabulary(tokens=tokens), weights=weights))
    return path


def run_json(capsys, argv):
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


def test_neighbors_json_lists_token_id_score(toy_session, capsys):
    rows = run_json(capsys, ["neighbors", str(toy_session), "--token", "apple", "-k", "3", "--json"])
    assert len(rows) == 3 and set(rows[0]) == {"token", "id", "score"}
    assert rows[0]["token"] == "pear" and rows[0]["id"] == 5
    assert 0.98 < rows[0]["score"] <= 1.0
    assert all(r["token"] != "apple" for r in rows)


def test_neighbors_euclidean_reports_distances_ascending(toy_session, capsys):
    rows = run_json(capsys, ["neighbors", str(toy_session), "--token", "4", "--metric", "euclidean", "--json"])
    distances = [r["score"] for r in rows]
    assert rows[0]["token"] == "pear" and distances == sorted(distances)
    assert len(rows) == 6  # k=10 capped at the other 6 tokens


def test_neighbors_text_output_says_full_space(toy_session, capsys):
    assert main(["neighbors", str(toy_session), "--token", "apple", "-k", "2"]) == 0
    out = capsys.readouterr().out
    assert "full 8-dim space" in out and "pear" in out


def test_analogy_on_a_session(toy_session, capsys):
    rows = run_json(capsys, ["analogy", str(toy_session), "man", "king", "woman", "-k", "2", "--json"])
    assert rows[0]["token"] == "queen"
    assert not {"man", "king", "woman"} & {r["token"] for r in rows}


def test_unknown_token_is_one_line_and_exit_2(toy_session, capsys):
    assert main(["neighbors", str(toy_session), "--token", "zebra"]) == 2
    err = capsys.readouterr().err
    assert err.strip() == "error: 'zebra' is not in the vocabulary"
    assert main(["analogy", str(tmp_missing := toy_session.with_name("missing.eexp")), "a", "b", "c"]) == 2
    assert str(tmp_missing) in capsys.readouterr().err


def test_minilm_analogy_through_a_session(shared_data, tmp_path, capsys):
    from safetensors import safe_open

    tokens = (shared_data / "tokenizers/bert/vocab.txt").read_text(encoding="utf-8").splitlines()
    with safe_open(str(shared_data / "vectors/minilm-embeddings.safetensors"), framework="numpy") as f:
        weights = f.get_tensor("embeddings.word_embeddings.weight")
    path = tmp_path / "minilm.eexp"
    save_session(path, Session(vocab=Vocabulary(tokens=tokens), weights=weights))
    rows = run_json(capsys, ["analogy", str(path), "man", "king", "woman", "--json"])
    assert rows[0]["token"] == "queen"
    rows = run_json(capsys, ["neighbors", str(path), "--token", "king", "--json"])
    assert "queen" in [r["token"] for r in rows]


def test_minilm_safetensors_with_vocab(shared_data, capsys):
    pytest.importorskip("explorer.core.io.vectors", reason="the vectors reader is not there yet")
    rows = run_json(capsys, ["neighbors", str(shared_data / "vectors/minilm-embeddings.safetensors"),
                             "--vocab", str(shared_data / "tokenizers/bert/vocab.txt"),
                             "--tensor", "embeddings.word_embeddings.weight", "--token", "king", "--json"])
    assert "queen" in [r["token"] for r in rows]
