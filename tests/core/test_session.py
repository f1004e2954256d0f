import numpy as np
import pytest

from explorer.core import ExplorerError
from explorer.core.io.session import Session, load_session, save_session
from explorer.core.matrix.schemes import InitConfig
from explorer.core.projection.project import ProjectionSettings, project
from explorer.core.state.app import AppState
from explorer.core.tokens.demo import demo_vocabulary
from explorer.core.training.snapshot import Snapshot


def test_round_trip_is_bit_exact(tmp_path):
    vocab = demo_vocabulary()
    rng = np.random.default_rng(0)
    weights = rng.standard_normal((len(vocab), 8)).astype(np.float32)
    snap = rng.standard_normal((len(vocab), 8)).astype(np.float32)
    state = {"init": InitConfig("xavier_normal", 8, 3).to_dict(), "explore": {"selection": [1, 2]}}
    session = Session(vocab, weights, initial_weights=weights * 2, state=state, history={"loss": [[1, 2.5]]},
                      snapshots=[Snapshot(step=10, epoch=1, loss=2.5, tokens_seen=640, weights=snap)])
    path = tmp_path / "s.eexp"
    save_session(path, session)
    back = load_session(path)
    assert back.vocab.tokens == vocab.tokens
    assert np.array_equal(back.vocab.counts, vocab.counts)
    assert back.vocab.encode("the dog")[1] == vocab.encode("the dog")[1]
    assert back.weights.tobytes() == weights.tobytes()
    assert back.initial_weights.tobytes() == (weights * 2).tobytes()
    first = back.snapshots[0]
    assert (first.step, first.epoch, first.loss, first.tokens_seen) == (10, 1, 2.5, 640)
    assert first.weights.tobytes() == snap.tobytes()
    assert back.state == state and back.history == {"loss": [[1, 2.5]]}
    assert back.projection is None


@pytest.mark.parametrize("settings", [ProjectionSettings(), ProjectionSettings(method="svd", dims=3),
                                      ProjectionSettings(sample=50, sphereize=True, seed=4)])
def test_the_fitted_projection_round_trips_and_shows_the_same_points(tmp_path, settings):
    session = _session()
    fitted = project(session.weights, settings)
    session.projection = fitted
    save_session(tmp_path / "s.eexp", session)
    back = load_session(tmp_path / "s.eexp").projection
    for name in ("mean", "components", "explained_variance_ratio"):
        assert getattr(back.basis, name).tobytes() == getattr(fitted.basis, name).tobytes()
    assert back.coords.tobytes() == fitted.coords.tobytes()  # the matrix through the saved basis: no fit
    assert back.settings == fitted.settings and back.axis_titles == fitted.axis_titles
    assert (back.ids is None and fitted.ids is None) or back.ids.tobytes() == fitted.ids.tobytes()
    # The window keeps showing it without a refit: `project` reuses a compatible basis.
    again = project(session.weights, settings, back)
    assert again.basis is back.basis


def test_a_nonlinear_projection_is_not_kept(tmp_path):
    session = _session()
    session.projection = project(session.weights, ProjectionSettings(method="tsne", sample=40))
    with pytest.raises(ExplorerError, match="PCA or SVD"):
        save_session(tmp_path / "s.eexp", session)
    assert not (tmp_path / "s.eexp").exists()


def test_newer_format_version_is_a_clear_error(tmp_path):
    import json
    import zipfile

    path = tmp_path / "future.eexp"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("session.json", json.dumps({"format": "embedding-explorer-session", "version": 99}))
        zf.writestr("tensors.safetensors", b"")
    with pytest.raises(ExplorerError, match="newer"):
        load_session(path)


def test_a_text_file_is_not_a_session(tmp_path):
    path = tmp_path / "x.eexp"
    path.write_text("hello")
    with pytest.raises(ExplorerError, match="not a session"):
        load_session(path)


# -- added with the sessions issue ------------------------------------------------------
import json  # noqa: E402
import os  # noqa: E402
import signal  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import textwrap  # noqa: E402
import zipfile  # noqa: E402
from pathlib import Path  # noqa: E402

from explorer.core import Cancelled  # noqa: E402
from tests.conftest import ROOT  # noqa: E402
from explorer.core.io.session import (  # noqa: E402
    RecoveryLock, default_recovery_folder, is_session_file, left_behind, new_recovery_path, session_from_workspace,
)
from explorer.core.state.workspace import Workspace  # noqa: E402


def _session(rows_dim=(None, 8), seed=0, **kw):
    vocab = demo_vocabulary()
    rng = np.random.default_rng(seed)
    weights = rng.standard_normal((len(vocab), rows_dim[1])).astype(np.float32)
    return Session(vocab, weights, **kw)


def test_special_float_values_and_state_round_trip_bit_exact(tmp_path):
    session = _session()
    w = session.weights
    w[0, :4] = [np.nan, np.inf, -np.inf, -0.0]
    w[1, 0] = np.float32(1e-45)  # a subnormal
    state = {"projection": {"method": "pca", "dims": 3},
             "view": {"mode": "3d", "camera3d": {"distance": 2.5, "azimuth": 30}, "colour": "category",
                      "theme": "dark"},
             "explore": {"selection": [3, 4]},
             "presentation": {"bookmarks": [{"name": "Animals", "explore": {"selection": [1]}},
                                            {"name": "Ünïcode ✓", "view": {}}]}}
    session.state = state
    session.history = {"loss": [[1, 3.5], [2, float("nan")]]}
    session.snapshots = [Snapshot(step=0, epoch=0, loss=float("nan"), tokens_seen=0, weights=w)]
    save_session(tmp_path / "s.eexp", session)
    back = load_session(tmp_path / "s.eexp")
    assert back.weights.tobytes() == w.tobytes()
    assert back.state == state and back.bookmarks[1]["name"] == "Ünïcode ✓"
    assert np.isnan(back.history["loss"][1][1]) and np.isnan(back.snapshots[0].loss)


def test_session_from_workspace_carries_every_setting_and_the_fitted_basis():
    vocab = demo_vocabulary()
    ws = Workspace(vocab, ["x"] * len(vocab))
    with pytest.raises(ExplorerError, match="no matrix"):
        session_from_workspace(ws)
    ws.set_weights(np.random.default_rng(0).standard_normal((len(vocab), 4)).astype(np.float32))
    ws.state.init.update(scheme="uniform", dim=4, seed=7)
    ws.state.explore.selection = (5, 6)
    ws.state.view.update(colour="cluster", range2d=((0, 1), (2, 3)))
    fitted = project(ws.weights)
    ws.state.fit.projection = fitted
    s = session_from_workspace(ws)
    assert s.state == ws.state.capture() and s.categories[0] == "x"
    assert s.state["explore"]["selection"] == [5, 6] and s.state["init"]["seed"] == 7
    assert s.state["view"]["range2d"] == [[0, 1], [2, 3]] and s.projection is fitted
    ws.state.fit.projection = project(ws.weights, ProjectionSettings(method="tsne", sample=40))
    assert session_from_workspace(ws).projection is None  # no basis to keep: the window fits one


def test_progress_and_cancel_leave_the_previous_file(tmp_path):
    path = tmp_path / "s.eexp"
    first = _session(seed=1)
    save_session(path, first)
    seen = []
    save_session(tmp_path / "t.eexp", _session(seed=2), progress=seen.append)
    assert seen and seen[-1] == 1.0 and seen == sorted(seen)
    with pytest.raises(Cancelled):
        save_session(path, _session(seed=3), should_cancel=lambda: True)
    assert load_session(path).weights.tobytes() == first.weights.tobytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.eexp", "t.eexp"]  # no temp file left


CHILD = textwrap.dedent("""
    import sys
    import numpy as np
    from explorer.core.io.session import Session, save_session
    from explorer.core.tokens.vocab import Vocabulary
    rows, dim = 4000, 1024   # 16 MB per save: slow enough to be caught mid-write
    vocab = Vocabulary([f"t{i}" for i in range(rows)])
    weights = np.full((rows, dim), 7.0, dtype=np.float32)
    while True:
        save_session(sys.argv[1], Session(vocab, weights))
""")


def test_killing_a_save_midway_leaves_the_previous_file_intact(tmp_path):
    from explorer.core.tokens.vocab import Vocabulary

    path = tmp_path / "s.eexp"
    vocab = Vocabulary([f"t{i}" for i in range(4000)])
    previous = np.random.default_rng(0).standard_normal((4000, 1024)).astype(np.float32)
    save_session(path, Session(vocab, previous))
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(path)],
                             cwd=Path(__file__).resolve().parents[2])
    try:
        while not list(tmp_path.glob(".s.eexp.*.tmp")):  # wait for a save in progress
            assert child.poll() is None, "the saving child died"
            os.sched_yield()
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert child.returncode == -signal.SIGKILL
    back = load_session(path)  # loads cleanly: either the previous file or a complete new one
    ours = back.weights.tobytes()
    assert ours == previous.tobytes() or ours == np.full((4000, 1024), 7.0, np.float32).tobytes()
    assert back.vocab.tokens == vocab.tokens


def _zip(path, members):
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)


def test_zip_slip_and_extra_members_are_rejected_and_nothing_is_written(tmp_path):
    good = tmp_path / "good.eexp"
    save_session(good, _session())
    with zipfile.ZipFile(good) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    for evil in ["../evil.txt", "/tmp/evil.txt", "sub/../../evil.txt", "session.json/../x"]:
        bad = tmp_path / "bad.eexp"
        _zip(bad, {**members, evil: b"pwned"})
        with pytest.raises(ExplorerError, match="unexpected member") as info:
            load_session(bad)
        assert str(bad) in str(info.value)
    assert not (tmp_path.parent / "evil.txt").exists() and not Path("/tmp/evil.txt").exists()


def test_loading_never_executes_code(tmp_path):
    """A pickle payload in place of the tensors is an error, never run."""
    import pickle

    marker = tmp_path / "executed"

    class Evil:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    good = tmp_path / "good.eexp"
    save_session(good, _session())
    with zipfile.ZipFile(good) as zf:
        meta = zf.read("session.json")
    bad = tmp_path / "bad.eexp"
    _zip(bad, {"session.json": meta, "tensors.safetensors": pickle.dumps(Evil())})
    with pytest.raises(ExplorerError, match="damaged session tensors"):
        load_session(bad)
    assert not marker.exists()


@pytest.mark.parametrize("mutate, message", [
    (lambda m: m.update(version=0), "not a positive number"),
    (lambda m: m.update(version="1"), "not a positive number"),
    (lambda m: m.update(format="something-else"), "not an Embedding Explorer session"),
    (lambda m: m["vocab"].update(tokens=["a", "b"], counts=None), "does not fit 2 tokens"),
    (lambda m: m["vocab"].update(tokens=[1, 2]), "list of strings"),
    (lambda m: m["vocab"].update(tokenizer={"kind": "martian"}), "martian"),
    (lambda m: m.update(categories=["a"]), "one entry per token"),
    (lambda m: m["snapshots"].append(dict(m["snapshots"][0])), "snapshot.1"),
    (lambda m: m["snapshots"][0].update(epoch="first"), "damaged session"),
    (lambda m: m.update(state=[1]), "the state must map part names"),
    (lambda m: m["state"].update(view=3), "the state must map part names"),
    (lambda m: m["state"]["presentation"].update(bookmarks=3), "bookmarks must be a list"),
    (lambda m: m.update(history=[1]), "history"),
    (lambda m: m["projection"]["settings"].update(method="tsne"), "PCA or SVD"),
    (lambda m: m["projection"]["settings"].update(dims=3), "projection.components"),
    (lambda m: m["projection"].update(sampled=True), "sample"),
    (lambda m: m["projection"].update(axis_titles=["x"]), "axis titles"),
    (lambda m: m.update(projection="pca"), "projection must be an object"),
])
def test_damaged_metadata_is_a_clear_error_naming_the_file(tmp_path, mutate, message):
    good = tmp_path / "good.eexp"
    session = _session()
    session.state = AppState().capture()
    session.snapshots = [Snapshot(step=5, epoch=0, loss=1.0, tokens_seen=9, weights=session.weights)]
    session.projection = project(session.weights)
    save_session(good, session)
    with zipfile.ZipFile(good) as zf:
        meta = json.loads(zf.read("session.json"))
        tensors = zf.read("tensors.safetensors")
    mutate(meta)
    bad = tmp_path / "bad.eexp"
    _zip(bad, {"session.json": json.dumps(meta), "tensors.safetensors": tensors})
    with pytest.raises(ExplorerError, match=message) as info:
        load_session(bad)
    assert str(bad) in str(info.value)


def test_unknown_settings_from_a_later_release_are_skipped_on_restore(tmp_path):
    good = tmp_path / "good.eexp"
    save_session(good, _session(state={"init": InitConfig("uniform", 8, 2).to_dict()}))
    with zipfile.ZipFile(good) as zf:
        meta = json.loads(zf.read("session.json"))
        tensors = zf.read("tensors.safetensors")
    meta["state"]["init"]["future_option"] = True
    meta["state"]["future_part"] = {"x": 1}
    _zip(good, {"session.json": json.dumps(meta), "tensors.safetensors": tensors})
    state = AppState()
    assert state.restore(load_session(good).state) == ["init.future_option"]
    assert state.init == InitConfig("uniform", 8, 2)


def _version_1_file(path, vocab, weights, snapshot, meta):
    """A session as version 1 wrote it: a `view` dict, and snapshots as steps only."""
    from safetensors.numpy import save as save_tensors

    header = {"format": "embedding-explorer-session", "version": 1,
              "vocab": {"tokens": vocab.tokens, "counts": vocab.counts.tolist(), "specials": vocab.specials,
                        "source": "demo", "kind": "words", "tokenizer": None}, **meta}
    _zip(path, {"session.json": json.dumps(header),
                "tensors.safetensors": save_tensors({"weights": weights, "snapshot.0": snapshot})})


def test_a_version_1_session_is_read_into_the_state(tmp_path):
    vocab = demo_vocabulary()
    w = np.random.default_rng(0).standard_normal((len(vocab), 8)).astype(np.float32)
    view = {"projection": {"method": "svd", "dims": 2, "perplexity": 12.0}, "camera": {"x": [-1, 1], "y": [0, 2]},
            "selection": [3, 4], "current": 5, "colours": "cluster", "theme": "dark", "snapshot": None,
            "inspector": {"tab": "neighbours"},
            "bookmarks": [{"name": "Zoomed", "camera": {"x": [0, 1], "y": [0, 1]}, "selection": [7]}],
            "bookmark_index": 0}
    path = tmp_path / "old.eexp"
    _version_1_file(path, vocab, w, w * 2, {
        "init_config": {"scheme": "uniform", "dim": 8, "seed": 3, "params": {}},
        "train_config": {"objective": "cbow", "epochs": 2, "corpus": "demo"},
        "history": {"loss": [[10, 2.5]]}, "snapshot_steps": [10], "view": view})
    back = load_session(path)
    assert back.weights.tobytes() == w.tobytes() and back.projection is None
    snap = back.snapshots[0]
    assert (snap.step, snap.epoch, snap.loss) == (10, 0, 2.5) and snap.weights.tobytes() == (w * 2).tobytes()
    state = AppState()
    assert state.restore(back.state) == []  # every entry found its place
    assert state.init == InitConfig("uniform", 8, 3)
    assert (state.train.objective, state.train.epochs, state.train.corpus) == ("cbow", 2, "demo")
    assert (state.projection.method, state.projection.perplexity) == ("svd", 12.0)
    assert state.view.range2d == ((-1, 1), (0, 2)) and state.view.colour == "cluster"
    assert state.view.theme == "dark" and state.view.mode == "2d"
    assert state.explore.selection == (3, 4) and state.explore.current == 5
    assert state.presentation.bookmarks == ({"name": "Zoomed", "view": {"range2d": [[0, 1], [0, 1]]},
                                             "explore": {"selection": [7]}},)
    assert state.presentation.bookmark_index == 0


def test_a_version_1_3d_camera_becomes_the_3d_view(tmp_path):
    vocab = demo_vocabulary()
    w = np.zeros((len(vocab), 3), np.float32)
    camera = {"distance": 4.0, "elevation": 10, "azimuth": 30, "center": [0, 0, 0]}
    path = tmp_path / "old.eexp"
    _version_1_file(path, vocab, w, w, {"view": {"projection": {"method": "pca", "dims": 3}, "camera": camera}})
    state = AppState()
    assert state.restore(load_session(path).state) == []
    assert state.view.mode == "3d" and state.view.camera3d == camera and state.projection.dims == 3


@pytest.mark.parametrize("meta, message", [
    ({"view": [1]}, "view state"),
    ({"view": {"bookmarks": {"a": 1}}}, "bookmarks must be a list"),
    ({"snapshot_steps": [1, 2]}, "snapshot"),
    ({"init_config": [1]}, "damaged session"),
])
def test_a_damaged_version_1_session_is_a_clear_error(tmp_path, meta, message):
    vocab = demo_vocabulary()
    w = np.zeros((len(vocab), 2), np.float32)
    path = tmp_path / "old.eexp"
    _version_1_file(path, vocab, w, w, meta)
    with pytest.raises(ExplorerError, match=message) as info:
        load_session(path)
    assert str(path) in str(info.value)


def test_recovery_path_follows_xdg_data_home(monkeypatch, tmp_path):
    import os
    import re

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert default_recovery_folder() == tmp_path / "embedding-explorer"
    path = new_recovery_path(default_recovery_folder())
    assert path.parent == tmp_path / "embedding-explorer"
    assert re.fullmatch(rf"recovery-{os.getpid()}-\d+\.eexp", path.name)
    assert new_recovery_path(tmp_path) != new_recovery_path(tmp_path)  # two windows of one process


def test_a_recovery_file_is_left_behind_only_once_its_process_is_gone(tmp_path):
    """A real second process autosaves and holds its lock; killed (no clean exit), its file
    is offered, and while one instance offers it no other one does."""
    vocab = demo_vocabulary()
    other = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import sys
        from explorer.core.io.session import RecoveryLock, new_recovery_path
        lock = RecoveryLock(new_recovery_path({str(tmp_path)!r}))
        assert lock.acquire()
        lock.path.write_bytes(b"autosaved")
        print(lock.path, flush=True)
        sys.stdin.read()  # runs until killed
        """)], cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        path = Path(other.stdout.readline().strip())
        assert path.exists() and left_behind(tmp_path) == []  # its instance runs
    finally:
        other.kill()
        other.wait(timeout=30)
    save_session(tmp_path / "recovery-1-2.eexp", Session(vocab, np.zeros((len(vocab), 2), np.float32)))
    found = left_behind(tmp_path, own=tmp_path / "recovery-1-2.eexp")  # our own file is never offered
    assert [lock.path for lock in found] == [path]
    assert left_behind(tmp_path, own=tmp_path / "recovery-1-2.eexp") == []  # held while we offer it
    found[0].remove()
    assert not path.exists() and not path.with_name(path.name + ".lock").exists()


def test_a_lock_excludes_another_window_of_the_same_process(tmp_path):
    path = tmp_path / "recovery-1-1.eexp"
    mine, other = RecoveryLock(path), RecoveryLock(path)
    assert mine.acquire() and not other.acquire()
    mine.release()
    assert other.acquire()
    other.release()


def test_sessions_are_recognised_by_content(tmp_path):
    vocab = demo_vocabulary()
    path = tmp_path / "run.session"
    save_session(path, Session(vocab, np.zeros((len(vocab), 2), np.float32)))
    assert is_session_file(path)
    other = tmp_path / "other.zip"
    with zipfile.ZipFile(other, "w") as zf:
        zf.writestr("data.json", "{}")
    text = tmp_path / "words.txt"
    text.write_text("the\nof\n")
    assert not is_session_file(other) and not is_session_file(text) and not is_session_file(tmp_path / "none")


def test_a_saved_session_follows_the_umask(tmp_path):
    import os
    import stat

    vocab = demo_vocabulary()
    old = os.umask(0o022)
    try:
        save_session(tmp_path / "s.eexp", Session(vocab, np.zeros((len(vocab), 2), np.float32)))
        os.umask(0o077)
        save_session(tmp_path / "private.eexp", Session(vocab, np.zeros((len(vocab), 2), np.float32)))
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "s.eexp").stat().st_mode) == 0o644
    assert stat.S_IMODE((tmp_path / "private.eexp").stat().st_mode) == 0o600


def test_a_run_file_is_a_session_by_its_bytes_whatever_its_name(tmp_path):
    from explorer.core.io.detect import detect_kind
    from explorer.core.io.run_log import RunWriter

    path = tmp_path / "training-log.bin"  # not a session's name: found by content
    writer = RunWriter(path, None, durable=False)
    writer.log(3, np.arange(12, dtype=np.float32).reshape(4, 3), loss=0.5)
    writer.close()
    assert is_session_file(path) and detect_kind(path) == "session"
    session = load_session(path)
    assert session.weights.tolist() == np.arange(12).reshape(4, 3).tolist()
    assert [s.step for s in session.snapshots] == [3] and session.history == {"loss": [[3, 0.5]]}
    assert session.state == {"view": {"range2d": None}}  # no saved framing: the view fits the points


# -- metadata columns (#17) ---------------------------------------------------------------
def _with_metadata():
    from explorer.core.io.metadata import Metadata

    session = _session()
    n = len(session.vocab)
    kinds = np.empty(n, dtype=object)
    kinds[:] = [("word" if i % 3 else "") for i in range(n)]
    scores = np.arange(n, dtype=np.float32) / 7
    scores[2] = np.nan
    session.metadata = Metadata({"kind": kinds, "score": scores}, "/data/meta.tsv", "token", 4, 1)
    return session


def test_metadata_round_trips(tmp_path):
    session = _with_metadata()
    save_session(tmp_path / "s.eexp", session)
    back = load_session(tmp_path / "s.eexp").metadata
    assert back.names == ["kind", "score"] and back.is_numeric("score") and not back.is_numeric("kind")
    assert back.values("score").tobytes() == session.metadata.values("score").tobytes()  # NaN included
    assert list(back.values("kind")) == list(session.metadata.values("kind"))
    assert (back.source, back.aligned_by, back.missing, back.extra) == ("/data/meta.tsv", "token", 4, 1)


def test_a_session_without_metadata_and_the_workspaces_metadata(tmp_path):
    save_session(tmp_path / "s.eexp", _session())
    assert load_session(tmp_path / "s.eexp").metadata is None  # sessions saved before #17 open as they were
    session = _with_metadata()
    workspace = Workspace(session.vocab)
    workspace.set_weights(session.weights)
    workspace.set_metadata(session.metadata)
    assert session_from_workspace(workspace).metadata is session.metadata


@pytest.mark.parametrize("mutate, message", [
    (lambda m: m.update(metadata=[1]), "metadata must be an object"),
    (lambda m: m["metadata"]["columns"][0].update(values=["x"]), "'kind' needs 124 texts"),
    (lambda m: m["metadata"]["columns"][1].update(name="kind"), "no name of its own"),
    (lambda m: m["metadata"]["columns"].append({"name": "more", "kind": "number"}), "'more' needs 124 numbers"),
])
def test_damaged_metadata_columns_are_a_clear_error(tmp_path, mutate, message):
    good = tmp_path / "good.eexp"
    save_session(good, _with_metadata())
    with zipfile.ZipFile(good) as zf:
        meta = json.loads(zf.read("session.json"))
        tensors = zf.read("tensors.safetensors")
    mutate(meta)
    bad = tmp_path / "bad.eexp"
    _zip(bad, {"session.json": json.dumps(meta), "tensors.safetensors": tensors})
    with pytest.raises(ExplorerError, match=message) as info:
        load_session(bad)
    assert str(bad) in str(info.value)


def test_a_loaded_sessions_vocabulary_brings_its_metadata_into_the_workspace(tmp_path):
    session = _with_metadata()
    save_session(tmp_path / "with.eexp", session)
    save_session(tmp_path / "without.eexp", _session())
    workspace = Workspace(session.vocab)
    back = load_session(tmp_path / "with.eexp")
    workspace.set_vocab(back.vocab, weights=back.weights)  # what the window's restore does
    assert workspace.metadata is back.metadata and workspace.metadata.names == ["kind", "score"]
    workspace.set_vocab(load_session(tmp_path / "without.eexp").vocab)  # the same tokens, saved without
    assert workspace.metadata is None


def test_a_fasttext_models_ngram_table_round_trips_and_composes_the_same_words(tmp_path):
    from explorer.core.io.fasttext import SubwordModel

    vocab = demo_vocabulary()
    rng = np.random.default_rng(3)
    weights = rng.standard_normal((len(vocab), 8)).astype(np.float32)
    subwords = SubwordModel(rng.standard_normal((50, 8)).astype(np.float32), 3, 6, source="model.bin")
    path = tmp_path / "ft.eexp"
    save_session(path, Session(vocab=vocab, weights=weights, subwords=subwords))
    back = load_session(path)
    assert (back.subwords.min_n, back.subwords.max_n, back.subwords.source) == (3, 6, "model.bin")
    assert back.subwords.ngram_vectors.tobytes() == subwords.ngram_vectors.tobytes()
    assert back.vocab.subwords is back.subwords  # what Workspace.set_vocab takes with the weights
    vector, grams = back.subwords.compose("zebroid")
    expected, expected_grams = subwords.compose("zebroid")
    assert grams == expected_grams and vector.tobytes() == expected.tobytes()
    assert load_session(_saved(tmp_path, vocab, weights)).subwords is None  # no model: none


def _saved(tmp_path, vocab, weights):
    path = tmp_path / "plain.eexp"
    save_session(path, Session(vocab=vocab, weights=weights))
    return path


def test_a_subword_table_that_does_not_fit_the_matrix_is_a_clear_error(tmp_path):
    from explorer.core.io.fasttext import SubwordModel

    vocab = demo_vocabulary()
    weights = np.zeros((len(vocab), 8), np.float32)
    path = tmp_path / "bad.eexp"
    save_session(path, Session(vocab=vocab, weights=weights,
                               subwords=SubwordModel(np.zeros((5, 7), np.float32), 3, 6)))
    with pytest.raises(ExplorerError, match="subword table should have 8 columns"):
        load_session(path)
