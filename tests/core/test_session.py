import numpy as np
import pytest

from explorer.core import ExplorerError
from explorer.core.io.session import Session, load_session, save_session
from explorer.core.matrix.schemes import InitConfig
from explorer.core.tokens.demo import demo_vocabulary


def test_round_trip_is_bit_exact(tmp_path):
    vocab = demo_vocabulary()
    rng = np.random.default_rng(0)
    weights = rng.standard_normal((len(vocab), 8)).astype(np.float32)
    snap = rng.standard_normal((len(vocab), 8)).astype(np.float32)
    session = Session(vocab, weights, initial_weights=weights * 2, init_config=InitConfig("xavier_normal", 8, 3),
                      history={"loss": [[1, 2.5]]}, snapshots=[(10, snap)], view={"selection": [1, 2]})
    path = tmp_path / "s.eexp"
    save_session(path, session)
    back = load_session(path)
    assert back.vocab.tokens == vocab.tokens
    assert np.array_equal(back.vocab.counts, vocab.counts)
    assert back.vocab.encode("the dog")[1] == vocab.encode("the dog")[1]
    assert back.weights.tobytes() == weights.tobytes()
    assert back.initial_weights.tobytes() == (weights * 2).tobytes()
    assert back.snapshots[0][0] == 10 and back.snapshots[0][1].tobytes() == snap.tobytes()
    assert back.init_config == InitConfig("xavier_normal", 8, 3)
    assert back.history == {"loss": [[1, 2.5]]} and back.view == {"selection": [1, 2]}


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
from explorer.core.io.session import default_recovery_path, session_from_workspace  # noqa: E402
from explorer.core.state.workspace import Workspace  # noqa: E402


def _session(rows_dim=(None, 8), seed=0, **kw):
    vocab = demo_vocabulary()
    rng = np.random.default_rng(seed)
    weights = rng.standard_normal((len(vocab), rows_dim[1])).astype(np.float32)
    return Session(vocab, weights, **kw)


def test_special_float_values_and_view_state_round_trip_bit_exact(tmp_path):
    session = _session()
    w = session.weights
    w[0, :4] = [np.nan, np.inf, -np.inf, -0.0]
    w[1, 0] = np.float32(1e-45)  # a subnormal
    view = {"projection": {"method": "pca", "dims": 3}, "camera": {"distance": 2.5, "azimuth": 30},
            "selection": [3, 4], "colours": "category", "theme": "dark",
            "bookmarks": [{"name": "Animals", "selection": [1]}, {"name": "Ünïcode ✓", "camera": {}}]}
    session.view = view
    session.history = {"loss": [[1, 3.5], [2, float("nan")]]}
    save_session(tmp_path / "s.eexp", session)
    back = load_session(tmp_path / "s.eexp")
    assert back.weights.tobytes() == w.tobytes()
    assert back.view == view and back.bookmarks[1]["name"] == "Ünïcode ✓"
    assert np.isnan(back.history["loss"][1][1])


def test_session_from_workspace_carries_selection_and_config():
    vocab = demo_vocabulary()
    ws = Workspace(vocab, ["x"] * len(vocab))
    with pytest.raises(ExplorerError, match="no matrix"):
        session_from_workspace(ws)
    ws.set_weights(np.ones((len(vocab), 4), np.float32))
    ws.init_config = InitConfig("uniform", 4, 7)
    ws.select([5, 6])
    s = session_from_workspace(ws)
    assert s.view["selection"] == [5, 6] and s.init_config.seed == 7 and s.categories[0] == "x"


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
    (lambda m: m.update(snapshot_steps=[1, 2]), "snapshot"),
    (lambda m: m.update(view=[1]), "view state"),
])
def test_damaged_metadata_is_a_clear_error_naming_the_file(tmp_path, mutate, message):
    good = tmp_path / "good.eexp"
    save_session(good, _session())
    with zipfile.ZipFile(good) as zf:
        meta = json.loads(zf.read("session.json"))
        tensors = zf.read("tensors.safetensors")
    mutate(meta)
    bad = tmp_path / "bad.eexp"
    _zip(bad, {"session.json": json.dumps(meta), "tensors.safetensors": tensors})
    with pytest.raises(ExplorerError, match=message) as info:
        load_session(bad)
    assert str(bad) in str(info.value)


def test_unknown_init_config_keys_from_a_later_release_are_ignored(tmp_path):
    good = tmp_path / "good.eexp"
    save_session(good, _session(init_config=InitConfig("uniform", 8, 2)))
    with zipfile.ZipFile(good) as zf:
        meta = json.loads(zf.read("session.json"))
        tensors = zf.read("tensors.safetensors")
    meta["init_config"]["future_option"] = True
    _zip(good, {"session.json": json.dumps(meta), "tensors.safetensors": tensors})
    assert load_session(good).init_config == InitConfig("uniform", 8, 2)


def test_recovery_path_follows_xdg_data_home(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert default_recovery_path() == tmp_path / "embedding-explorer" / "recovery.eexp"
