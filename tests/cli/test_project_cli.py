"""`embedding-explorer project`: coordinates as CSV from a session or a vectors file."""

from __future__ import annotations

import csv

import numpy as np
import pytest
from sklearn.decomposition import PCA

from explorer.cli import main
from explorer.core.io.session import Session, save_session
from explorer.core.tokens.vocab import Vocabulary


@pytest.fixture
def session_file(tmp_path):
    rng = np.random.default_rng(0)
    tokens = [f"tok{i}" for i in range(60)] + ["naïve", "with,comma"]
    weights = (rng.standard_normal((len(tokens), 12)) * np.linspace(3, 0.2, 12)).astype(np.float32)
    path = tmp_path / "run.eexp"
    save_session(path, Session(vocab=Vocabulary(tokens=tokens), weights=weights))
    return path, tokens, weights


def read(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def test_pca_2d_writes_id_token_x_y_matching_sklearn(session_file, tmp_path, capsys):
    path, tokens, weights = session_file
    out = tmp_path / "coords.csv"
    assert main(["project", str(path), "--method", "pca", "--dims", "2", "--out", str(out)]) == 0
    rows = read(out)
    assert rows[0] == ["id", "token", "x", "y"]
    assert len(rows) == 1 + len(tokens)
    assert [r[1] for r in rows[1:]] == tokens  # one row per token, in ID order, quoted as needed
    coords = np.array([[float(r[2]), float(r[3])] for r in rows[1:]])
    ref = PCA(2).fit_transform(weights.astype(np.float64))
    signs = np.sign((coords * ref).sum(axis=0))
    np.testing.assert_allclose(coords, ref * signs, atol=1e-4)
    assert "PCA 2D of all 62 tokens" in capsys.readouterr().out


def test_tsne_3d_on_a_sample_writes_z_and_sample_rows(session_file, tmp_path, capsys):
    path, tokens, _ = session_file
    out = tmp_path / "tsne.csv"
    assert main(["project", str(path), "--method", "tsne", "--dims", "3", "--sample", "25",
                 "--out", str(out)]) == 0
    rows = read(out)
    assert rows[0] == ["id", "token", "x", "y", "z"]
    assert len(rows) == 26
    ids = [int(r[0]) for r in rows[1:]]
    assert ids == sorted(set(ids)) and all(tokens[i] == r[1] for i, r in zip(ids, rows[1:]))
    assert np.isfinite(np.array([[float(v) for v in r[2:]] for r in rows[1:]])).all()
    assert "random sample of 25 of 62 tokens" in capsys.readouterr().out


def test_svd_on_real_glove_vectors(shared_data, tmp_path):
    out = tmp_path / "glove.csv"
    assert main(["project", str(shared_data / "gensim" / "test_glove.txt"), "--method", "svd",
                 "--out", str(out)]) == 0
    rows = read(out)
    assert len(rows) == 77 and rows[1][1] == "the"


def test_errors_are_one_line_with_exit_code_2(session_file, tmp_path, capsys, shared_data):
    path, _, _ = session_file
    assert main(["project", str(tmp_path / "missing.eexp"), "--out", str(tmp_path / "a.csv")]) == 2
    assert "missing.eexp: no such file" in capsys.readouterr().err
    assert main(["project", str(path), "--sample", "1", "--out", str(tmp_path / "a.csv")]) == 2
    assert "at least 3 rows" in capsys.readouterr().err
    bad = shared_data / "gensim" / "pretrained.vec"
    assert main(["project", str(bad), "--out", str(tmp_path / "b.csv")]) == 2
    err = capsys.readouterr().err
    assert "pretrained.vec, line" in err and "Traceback" not in err
    assert not (tmp_path / "a.csv").exists() and not (tmp_path / "b.csv").exists()


def test_coordinates_file_follows_the_umask(session_file, tmp_path):
    import os
    import stat

    path, _tokens, _weights = session_file
    out = tmp_path / "coords.csv"
    old = os.umask(0o022)
    try:
        assert main(["project", str(path), "--out", str(out)]) == 0
    finally:
        os.umask(old)
    assert stat.S_IMODE(out.stat().st_mode) == 0o644


@pytest.fixture
def minilm(shared_data):
    table = shared_data / "vectors" / "minilm-embeddings.safetensors"
    vocab = shared_data / "tokenizers" / "bert" / "vocab.txt"
    if not table.exists() or not vocab.exists():
        pytest.skip(f"the MiniLM table ({table}) or its vocabulary is absent")
    return table, vocab


def test_semantic_axes_on_minilm_write_every_row_and_a_json_summary(minilm, tmp_path, capsys):
    import json

    table, vocab = minilm
    out = tmp_path / "axes.csv"
    assert main(["project", str(table), "--vocab", str(vocab), "--method", "axes", "--x", "woman-man",
                 "--y", "big-small", "--json", "--out", str(out)]) == 0
    rows = read(out)
    assert rows[0] == ["id", "token", "x", "y"] and len(rows) == 1 + 30522
    x = {r[1]: float(r[2]) for r in rows[1:]}
    assert x["queen"] > x["king"] and x["actress"] > x["actor"]
    summary = json.loads(capsys.readouterr().out)
    assert summary["method"] == "axes" and summary["rows"] == 30522 and summary["sampled"] is False
    assert summary["axis_titles"] == ["man → woman", "small → big"]
    assert 0 <= summary["knn_preserved"] <= 1 and summary["knn_sample"] == 5000 and summary["knn_k"] == 10


def test_a_third_axis_and_the_axis_metric(session_file, tmp_path, capsys):
    path, tokens, _ = session_file
    out = tmp_path / "axes3.csv"
    assert main(["project", str(path), "--method", "axes", "--x", "tok1-tok2", "--y", "tok3,tok4-/^tok5\\d$/",
                 "--z", "naïve - tok7", "--axis-metric", "cosine", "--out", str(out)]) == 0
    rows = read(out)
    assert rows[0] == ["id", "token", "x", "y", "z"] and len(rows) == 63
    assert np.abs(np.array([[float(v) for v in r[2:]] for r in rows[1:]])).max() <= 1 + 1e-5  # cosines
    printed = capsys.readouterr().out
    assert "Semantic axes 3D of all 62 tokens (tok2 → tok1 (cosine);" in printed


def test_json_states_the_fidelity_of_a_pca(session_file, tmp_path, capsys):
    import json

    path, _, _ = session_file
    assert main(["project", str(path), "--json", "--sample", "40", "--out", str(tmp_path / "p.csv")]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["method"] == "pca" and summary["rows"] == 40 and summary["sampled"] is True
    assert summary["knn_sample"] == 40 and 0 < summary["knn_preserved"] <= 1


@pytest.mark.parametrize("argv, message", [
    (["--method", "axes", "--x", "tok1-tok2"], "semantic axes need a y axis"),
    (["--method", "axes", "--x", "tok1-nope", "--y", "tok3-tok4"], "x axis 'tok1-nope': no token 'nope'"),
    (["--method", "axes", "--x", "tok1-tok2", "--y", "tok3-tok4", "--dims", "3"], "need a z axis"),
    (["--method", "umap", "--min-dist", "3"], "min_dist is between 0 and 1"),
])
def test_axis_errors_are_one_line(session_file, tmp_path, capsys, argv, message):
    path, _, _ = session_file
    out = tmp_path / "bad.csv"
    assert main(["project", str(path), *argv, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert not out.exists()


@pytest.mark.skipif(not __import__("explorer.core.projection.project", fromlist=["x"]).umap_available(),
                    reason="umap-learn is not installed (extra 'umap')")
def test_umap_with_min_dist_and_cosine(session_file, tmp_path, capsys):
    path, tokens, _ = session_file
    out = tmp_path / "umap.csv"
    assert main(["project", str(path), "--method", "umap", "--min-dist", "0.5", "--umap-metric", "cosine",
                 "--out", str(out)]) == 0
    rows = read(out)
    assert len(rows) == 1 + len(tokens) and "UMAP 2D of all 62 tokens" in capsys.readouterr().out
