"""`embedding-explorer export`: every format from a session, errors as one line and exit 2."""

import json

import numpy as np
import pytest

from explorer.cli import main
from explorer.core.io.session import Session, load_session, save_session
from explorer.core.tokens.demo import category_labels, demo_vocabulary
from explorer.core.training.snapshot import Snapshot


@pytest.fixture
def session_file(tmp_path):
    vocab = demo_vocabulary()
    rng = np.random.default_rng(0)
    w = rng.standard_normal((len(vocab), 6)).astype(np.float32)
    snap = rng.standard_normal((len(vocab), 6)).astype(np.float32)
    path = tmp_path / "s.eexp"
    save_session(path, Session(vocab, w, categories=category_labels(vocab), snapshots=[Snapshot(100, 0, 3.0, 6400, snap)],
                               history={"loss": [[0, 4.0], [100, 3.0]]}))
    return path, vocab, w, snap


def test_export_word2vec_binary_reads_back_in_gensim(session_file, tmp_path, capsys):
    from gensim.models import KeyedVectors

    path, vocab, w, _ = session_file
    out = tmp_path / "v.bin"
    assert main(["export", str(path), "--format", "word2vec-bin", "--out", str(out)]) == 0
    assert capsys.readouterr().out.strip() == str(out)
    kv = KeyedVectors.load_word2vec_format(str(out), binary=True)
    assert kv.index_to_key == vocab.tokens and kv.vectors.tobytes() == w.tobytes()


def test_export_projector_to_a_folder(session_file, tmp_path, capsys):
    path, vocab, w, _ = session_file
    out = tmp_path / "proj"
    assert main(["export", str(path), "--format", "projector", "--out", str(out)]) == 0
    assert (out / "metadata.tsv").read_text().splitlines()[0] == "token\tcount\tcategory"
    assert np.loadtxt(out / "vectors.tsv", delimiter="\t", dtype=np.float32).tobytes() == w.tobytes()
    assert str(out / "metadata.tsv") in capsys.readouterr().out


def test_export_a_snapshot_and_the_loss_curve(session_file, tmp_path):
    path, vocab, _, snap = session_file
    assert main(["export", str(path), "--format", "npy", "--snapshot", "100", "--out", str(tmp_path / "m.npy")]) == 0
    assert np.load(tmp_path / "m.npy").tobytes() == snap.tobytes()
    assert main(["export", str(path), "--format", "loss-csv", "--out", str(tmp_path / "l.csv")]) == 0
    assert (tmp_path / "l.csv").read_text().splitlines() == ["step,loss", "0,4.0", "100,3.0"]


def test_export_csv_coordinates(session_file, tmp_path):
    path, vocab, _, _ = session_file
    out = tmp_path / "c.csv"
    assert main(["export", str(path), "--format", "csv", "--dims", "3", "--out", str(out)]) == 0
    lines = out.read_text().splitlines()
    assert lines[0] == "id,token,x,y,z" and len(lines) == len(vocab) + 1


def test_export_from_a_vectors_file(shared_data, tmp_path):
    from gensim.models import KeyedVectors

    source = shared_data / "gensim" / "test_glove.txt"
    out = tmp_path / "w.txt"
    try:
        code = main(["export", str(source), "--format", "word2vec", "--out", str(out)])
    except ImportError:
        pytest.skip("explorer.core.io.vectors is not written yet")
    assert code == 0
    ref = KeyedVectors.load_word2vec_format(str(source), no_header=True)
    back = KeyedVectors.load_word2vec_format(str(out))
    assert back.index_to_key == ref.index_to_key and np.array_equal(back.vectors, ref.vectors)


@pytest.mark.parametrize("argv, out, message", [
    (["--format", "npy", "--snapshot", "7"], "m.npy", "no snapshot at step 7"),
    (["--format", "word2vec"], "missing/v.txt", "folder does not exist"),
])
def test_errors_are_one_line_and_exit_2(session_file, tmp_path, capsys, argv, out, message):
    assert main(["export", str(session_file[0]), *argv, "--out", str(tmp_path / out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err and err.count("\n") == 1


def test_a_broken_session_names_the_file(tmp_path, capsys):
    bad = tmp_path / "bad.eexp"
    bad.write_bytes(b"PK\x03\x04 broken")
    assert main(["export", str(bad), "--format", "npy", "--out", str(tmp_path / "m.npy")]) == 2
    assert str(bad) in capsys.readouterr().err


def test_a_session_is_recognised_by_its_content_whatever_its_name(tmp_path, capsys, shared_data):
    run = tmp_path / "run.session"
    assert main(["train", "--corpus", "demo", "--dim", "8", "--epochs", "1", "--out", str(run)]) == 0
    capsys.readouterr()
    pairs = tmp_path / "pairs.tsv"
    pairs.write_text("dog\tcat\t9\ndog\tapple\t1\napple\tpear\t8\n")
    assert main(["evaluate", str(run), "--similarity", str(pairs), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["pairs_used"] == 3
    out = tmp_path / "v.txt"
    assert main(["export", str(run), "--format", "word2vec", "--out", str(out)]) == 0
    session = load_session(run)
    assert out.read_text().splitlines()[0] == f"{len(session.vocab)} 8"
    assert main(["export", str(run), "--format", "loss-csv", "--out", str(tmp_path / "l.csv")]) == 0  # sessions only
