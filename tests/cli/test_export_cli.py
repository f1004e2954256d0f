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


# -- gif / mp4: a recorded run ---------------------------------------------------------------------
@pytest.fixture
def run_file(tmp_path):
    """A demo session with a five-snapshot timeline whose points move and spread."""
    vocab = demo_vocabulary()
    rng = np.random.default_rng(1)
    start = rng.standard_normal((len(vocab), 6)).astype(np.float32) * 0.05
    goal = rng.standard_normal((len(vocab), 6)).astype(np.float32)
    snaps = [Snapshot(40 * k, k, 4.0 - 0.4 * k if k else float("nan"), 640 * k, start + (goal - start) * k / 4)
             for k in range(5)]
    path = tmp_path / "run.eexp"
    save_session(path, Session(vocab, snaps[-1].weights, categories=category_labels(vocab), snapshots=snaps,
                               state={"train": {"epochs": 5}}, history={"loss": [[40 * k, 4.0] for k in range(5)]}))
    return path


def _video(path):
    from explorer.core.io.video import read_video

    return read_video(path)


def test_export_gif_has_a_frame_per_snapshot_at_the_asked_size_and_the_points_move(run_file, tmp_path, capsys):
    out = tmp_path / "run.gif"
    assert main(["export", str(run_file), "--format", "gif", "--out", str(out), "--fps", "5",
                 "--size", "320x240", "--hold", "0"]) == 0
    assert capsys.readouterr().out.strip() == str(out)
    frames, meta = _video(out)
    assert len(frames) == 5 and frames[0].shape == (240, 320, 3)
    assert meta["duration"] == 200 and meta["loop"] == 0
    for a, b in zip(frames, frames[1:]):
        assert np.count_nonzero(np.any(a != b, axis=2)) > 500  # every frame shows the points elsewhere
    assert not [p for p in tmp_path.iterdir() if p.suffix == ".tmp"]


def test_export_mp4_reads_back_with_smoothed_frames_and_the_hold(run_file, tmp_path):
    out = tmp_path / "run.mp4"
    assert main(["export", str(run_file), "--format", "mp4", "--out", str(out), "--fps", "10",
                 "--size", "400x300", "--smooth", "3", "--hold", "1"]) == 0
    frames, meta = _video(out)
    # 5 snapshots, 3 frames each way between them: 13 frames; the last one held 1 s more (10 frames)
    assert len(frames) == 13 + 10 and frames[0].shape == (300, 400, 3)
    assert meta["codec"] == "h264" and meta["fps"] == 10
    assert np.abs(frames[0].astype(int) - frames[12].astype(int)).max() > 100
    assert np.abs(frames[12].astype(int) - frames[-1].astype(int)).mean() < 1  # held


def test_export_gif_draws_the_trails_asked_for(run_file, tmp_path):
    plain, trails = tmp_path / "plain.gif", tmp_path / "trails.gif"
    common = ["--format", "gif", "--fps", "5", "--size", "320x240", "--hold", "0"]
    assert main(["export", str(run_file), *common, "--out", str(plain)]) == 0
    assert main(["export", str(run_file), *common, "--out", str(trails), "--trails", "dog,apple"]) == 0
    a, b = _video(plain)[0], _video(trails)[0]
    assert np.count_nonzero(np.any(a[-1] != b[-1], axis=2)) > 200  # the last frame shows the paths


@pytest.mark.parametrize("argv, message", [
    (["missing.eexp", "--format", "gif"], "missing.eexp: no such file"),
    (["RUN", "--format", "gif", "--size", "tiny"], "a size looks like 800x600"),
    (["RUN", "--format", "mp4", "--fps", "0"], "fps must be above 0"),
    (["RUN", "--format", "gif", "--trails", "dog,unicorn"], "'unicorn' is not a token of this session"),
    (["PLAIN", "--format", "gif"], "no training timeline to record"),
    (["RUN", "--format", "gif", "--out", "OUT.mp4"], "the file name says mp4 but the format asked is gif"),
    (["VECTORS", "--format", "mp4"], "needs a session file with a training timeline"),
])
def test_recording_errors_are_one_line_naming_the_file(run_file, session_file, tmp_path, capsys, argv, message):
    vectors = tmp_path / "v.txt"
    vectors.write_text("2 2\na 1 2\nb 3 4\n")
    plain = tmp_path / "plain.eexp"
    vocab = demo_vocabulary()
    save_session(plain, Session(vocab, np.ones((len(vocab), 4), np.float32)))
    names = {"RUN": run_file, "PLAIN": plain, "VECTORS": vectors, "missing.eexp": tmp_path / "missing.eexp",
             "OUT.mp4": tmp_path / "out.mp4"}
    argv = [str(names.get(a, a)) for a in argv]
    out = tmp_path / "out.gif"
    if "--out" not in argv:
        argv += ["--out", str(out)]
    assert main(["export", *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err and err.count("\n") == 1
    if argv[0] in (str(plain), str(vectors), str(tmp_path / "missing.eexp")):
        assert argv[0] in err  # the message names the file
    assert not out.exists() and not (tmp_path / "out.mp4").exists()
    assert not [p for p in tmp_path.iterdir() if p.suffix == ".tmp"]


# -- metadata columns (#17) ---------------------------------------------------------------
def _metadata_file(tmp_path, vocab):
    path = tmp_path / "meta.tsv"
    path.write_text("token\tpos\tlength\n" + "".join(f"{t}\t{'short' if len(t) < 4 else 'long'}\t{len(t)}\n"
                                                     for t in reversed(vocab.tokens)))
    return path


def test_export_projector_with_a_metadata_file(session_file, tmp_path):
    path, vocab, _, _ = session_file
    out = tmp_path / "proj"
    meta = _metadata_file(tmp_path, vocab)
    assert main(["export", str(path), "--format", "projector", "--metadata", str(meta), "--out", str(out)]) == 0
    lines = (out / "metadata.tsv").read_text().splitlines()
    assert lines[0] == "token\tcount\tcategory\tpos\tlength" and len(lines) == len(vocab) + 1
    token, _count, _category, pos, length = lines[1 + vocab.id_of("dog")].split("\t")  # matched by token
    assert (token, pos, length) == ("dog", "short", "3")


def test_export_projector_writes_the_sessions_metadata(tmp_path):
    from explorer.core.io.metadata import read_metadata

    vocab = demo_vocabulary()
    meta = read_metadata(_metadata_file(tmp_path, vocab), vocab)
    path = tmp_path / "s.eexp"
    save_session(path, Session(vocab, np.ones((len(vocab), 3), np.float32), metadata=meta))
    assert main(["export", str(path), "--format", "projector", "--out", str(tmp_path / "v.tsv")]) == 0
    lines = (tmp_path / "v.metadata.tsv").read_text().splitlines()
    assert lines[0] == "token\tcount\tpos\tlength"
    assert lines[1 + vocab.id_of("banana")].split("\t")[2:] == ["long", "6"]


@pytest.mark.parametrize("argv, message", [
    (["--format", "npy", "--metadata", "meta.tsv"], "--metadata is written by --format projector only"),
    (["--format", "projector", "--metadata", "absent.tsv"], "absent.tsv: no such file"),
])
def test_metadata_errors_are_one_line(session_file, tmp_path, capsys, argv, message, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["export", str(session_file[0]), *argv, "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err and err.count("\n") == 1
