"""Exports read back identically by gensim, numpy, csv and our own loaders."""

import csv
import importlib

import numpy as np
import pytest

from explorer.core import Cancelled, ExplorerError
from explorer.core.tokens.demo import category_labels, demo_vocabulary
from explorer.core.io.export import (
    export, export_coordinates, export_glove, export_loss_curve, export_npy, export_projector,
    export_word2vec, loss_rows,
)
from explorer.core.tokens.vocab import Vocabulary


def _matrix(n, dim, seed=0):
    rng = np.random.default_rng(seed)
    w = (rng.standard_normal((n, dim)) * rng.choice([1e-6, 1.0, 1e4], size=(n, 1))).astype(np.float32)
    w[0, 0] = np.float32(1e-45)  # subnormal
    w[0, 1] = -0.0
    return w


@pytest.fixture
def demo():
    vocab = demo_vocabulary()
    return vocab, _matrix(len(vocab), 12)


def _our_loader():
    try:
        return importlib.import_module("explorer.core.io.vectors").load_vectors
    except ImportError:
        pytest.skip("explorer.core.io.vectors is not written yet")


@pytest.mark.parametrize("binary", [False, True])
def test_word2vec_round_trips_bit_exactly_through_gensim(tmp_path, demo, binary):
    from gensim.models import KeyedVectors

    vocab, w = demo
    path = export_word2vec(tmp_path / ("v.bin" if binary else "v.txt"), vocab, w, binary=binary)
    kv = KeyedVectors.load_word2vec_format(str(path), binary=binary)
    assert list(kv.index_to_key) == vocab.tokens
    assert kv.vectors.dtype == np.float32 and kv.vectors.tobytes() == w.tobytes()


def test_glove_round_trips_through_gensim_without_header(tmp_path, demo):
    from gensim.models import KeyedVectors

    vocab, w = demo
    path = export_glove(tmp_path / "g.txt", vocab, w)
    assert len(path.read_text().split("\n", 1)[0].split()) == 13  # token + 12 numbers: no header
    kv = KeyedVectors.load_word2vec_format(str(path), binary=False, no_header=True)
    assert list(kv.index_to_key) == vocab.tokens and kv.vectors.tobytes() == w.tobytes()


def test_gensim_written_file_and_ours_agree_on_values(tmp_path, demo):
    """gensim's own writer and ours give the same vectors for the same input."""
    from gensim.models import KeyedVectors

    vocab, w = demo
    kv = KeyedVectors(w.shape[1])
    kv.add_vectors(vocab.tokens, w)
    kv.save_word2vec_format(str(tmp_path / "gensim.bin"), binary=True)
    export_word2vec(tmp_path / "ours.bin", vocab, w, binary=True)
    a = KeyedVectors.load_word2vec_format(str(tmp_path / "gensim.bin"), binary=True)
    b = KeyedVectors.load_word2vec_format(str(tmp_path / "ours.bin"), binary=True)
    assert a.index_to_key == b.index_to_key and a.vectors.tobytes() == b.vectors.tobytes()


def test_non_ascii_tokens_survive(tmp_path, shared_data):
    from gensim.models import KeyedVectors

    kv = KeyedVectors.load_word2vec_format(str(shared_data / "gensim" / "crime-and-punishment.vec"))
    vocab = Vocabulary(list(kv.index_to_key))
    for binary in (False, True):
        path = export_word2vec(tmp_path / f"c{binary}.vec", vocab, kv.vectors, binary=binary)
        back = KeyedVectors.load_word2vec_format(str(path), binary=binary)
        assert back.index_to_key == kv.index_to_key and back.vectors.tobytes() == kv.vectors.tobytes()


@pytest.mark.parametrize("fmt", ["word2vec", "word2vec-bin", "glove"])
def test_a_token_with_whitespace_is_a_clear_error_and_writes_nothing(tmp_path, fmt):
    vocab = Vocabulary(["ok", "new york"])
    out = tmp_path / "x.txt"
    with pytest.raises(ExplorerError, match="'new york'.*whitespace") as info:
        export(fmt, out, vocab, np.zeros((2, 3), np.float32))
    assert str(out) in str(info.value)
    assert list(tmp_path.iterdir()) == []


def test_projector_single_column_has_no_header(tmp_path):
    vocab = Vocabulary(["a", "b", "c"])
    w = _matrix(3, 4)
    vectors, meta = export_projector(tmp_path / "out", vocab, w)
    assert meta.read_text() == "a\nb\nc\n"
    back = np.loadtxt(vectors, delimiter="\t", dtype=np.float32)
    assert back.tobytes() == w.tobytes()


def test_projector_several_columns_get_a_header(tmp_path, demo):
    vocab, w = demo
    cats = category_labels(vocab)
    vectors, meta = export_projector(tmp_path / "vectors.tsv", vocab, w, cats)
    assert vectors.name == "vectors.tsv" and meta.name == "metadata.tsv"
    rows = [line.split("\t") for line in meta.read_text().splitlines()]
    assert rows[0] == ["token", "count", "category"]
    assert [r[0] for r in rows[1:]] == vocab.tokens and rows[1][2] == cats[0]
    assert [int(r[1]) for r in rows[1:]] == vocab.counts.tolist()
    back = np.loadtxt(vectors, delimiter="\t", dtype=np.float32)
    assert back.tobytes() == w.tobytes()


def test_npy_round_trips_with_its_token_file(tmp_path, demo):
    vocab, w = demo
    path = export_npy(tmp_path / "m.npy", vocab, w)
    assert np.load(path, allow_pickle=False).tobytes() == w.tobytes()
    assert (tmp_path / "m.vocab.txt").read_text().splitlines() == vocab.tokens


def test_coordinates_csv_quotes_awkward_tokens(tmp_path):
    tokens = ["plain", 'quo"te', "com,ma", "ünï"]
    coords = np.array([[0.1, 0.2], [1e-300, -2.5], [3, 4], [5, 6]])
    path = export_coordinates(tmp_path / "c.csv", tokens, coords)
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["id", "token", "x", "y"]
    assert [r[1] for r in rows[1:]] == tokens
    assert np.array_equal(np.array([[float(r[2]), float(r[3])] for r in rows[1:]]), coords)


def test_csv_format_projects_with_pca_in_3d(tmp_path, demo):
    vocab, w = demo
    path = export("csv", tmp_path / "c.csv", vocab, w, dims=3)
    header = path.read_text().splitlines()[0]
    assert header == "id,token,x,y,z"
    assert len(path.read_text().splitlines()) == len(vocab) + 1


def test_loss_curve_csv(tmp_path):
    history = {"loss": [[10, 3.25, 1], [20, 2.5, 1]]}
    assert loss_rows(history)[0] == ["step", "loss", "epoch"]
    path = export_loss_curve(tmp_path / "loss.csv", history)
    assert path.read_text() == "step,loss,epoch\n10,3.25,1\n20,2.5,1\n"
    with pytest.raises(ExplorerError, match="no loss curve"):
        export_loss_curve(tmp_path / "empty.csv", {})


def test_cancel_leaves_no_file_and_progress_reaches_one(tmp_path, demo):
    vocab, w = demo
    with pytest.raises(Cancelled):
        export_word2vec(tmp_path / "v.txt", vocab, w, should_cancel=lambda: True)
    assert list(tmp_path.iterdir()) == []
    seen = []
    export_glove(tmp_path / "g.txt", vocab, w, progress=seen.append)
    assert seen[-1] == 1.0


@pytest.mark.parametrize("fmt, name", [("word2vec", "v.txt"), ("word2vec-bin", "v.bin"), ("glove", "g.txt"),
                                       ("projector", "vectors.tsv"), ("npy", "m.npy")])
def test_our_loader_reads_back_what_we_export(tmp_path, demo, fmt, name):
    load_vectors = _our_loader()
    vocab, w = demo
    export(fmt, tmp_path / name, vocab, w)
    kwargs = {"vocab_path": tmp_path / "m.vocab.txt"} if fmt == "npy" else {}
    loaded = load_vectors(tmp_path / name, **kwargs)
    assert loaded.vocab.tokens == vocab.tokens
    assert loaded.weights.tobytes() == w.tobytes()


# What JavaScript's String.prototype.trim() strips (ECMAScript WhiteSpace and LineTerminator).
JS_TRIMMED = "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a" \
             "\u2028\u2029\u202f\u205f\u3000\ufeff"


def _projector_reads(vectors_path, meta_path):
    """(rows of vectors, metadata lines) as TensorBoard's projector parses them: it drops the
    lines that trim() leaves empty, and reads a first line holding a tab as the header."""
    rows = [line for line in vectors_path.read_text(encoding="utf-8").split("\n") if line.strip(JS_TRIMMED)]
    lines = [line for line in meta_path.read_text(encoding="utf-8").split("\n") if line.strip(JS_TRIMMED)]
    return rows, lines[1:] if "\t" in lines[0] else lines


@pytest.mark.parametrize("with_counts", [False, True])
def test_whitespace_only_tokens_survive_the_projectors_trim(tmp_path, with_counts):
    tokens = ["a", " ", "\u3000", "\u00a0", "\t", "b"]
    vocab = Vocabulary(tokens=tokens, counts=[6, 5, 4, 3, 2, 1] if with_counts else None)
    w = _matrix(len(tokens), 3)
    rows, lines = _projector_reads(*export_projector(tmp_path / "p", vocab, w))
    assert len(rows) == len(lines) == 6  # "Number of tensors (6) do not match ... metadata (4)" before
    labels = [line.split("\t")[0] for line in lines]
    assert labels == ["a", "\\u0020", "\\u3000", "\\u00a0", "\\u0009", "b"]


def test_the_projector_needs_two_dimensions(tmp_path):
    vocab = Vocabulary(tokens=["a", "b"])
    with pytest.raises(ExplorerError, match="the projector needs at least 2 dimensions"):
        export_projector(tmp_path / "p", vocab, np.ones((2, 1), np.float32))
    assert not (tmp_path / "p").exists()


def test_every_export_follows_the_umask(tmp_path, demo):
    import os
    import stat

    vocab, w = demo
    coords = w[:, :2]
    old = os.umask(0o022)
    try:
        written = [
            *export("projector", tmp_path / "proj.tsv", vocab, w),
            export("word2vec", tmp_path / "v.txt", vocab, w),
            export("word2vec-bin", tmp_path / "v.bin", vocab, w),
            export("glove", tmp_path / "g.txt", vocab, w),
            export("npy", tmp_path / "m.npy", vocab, w), tmp_path / "m.vocab.txt",
            export("csv", tmp_path / "c.csv", vocab, w, coords=coords),
            export("loss-csv", tmp_path / "l.csv", vocab, w, history={"loss": [[0, 1.0]]}),
        ]
    finally:
        os.umask(old)
    assert len(written) == 9
    assert {p.name: oct(stat.S_IMODE(p.stat().st_mode)) for p in written} == {p.name: "0o644" for p in written}
