"""The run file explorer.Run appends to: round trip, thinning, crash safety, following."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import numpy as np
import pytest

from explorer.core import ExplorerError
from explorer.core.io.run_log import (
    FRAME, MAGIC, RunFollower, RunWriter, kept_records, load_run, make_vocab, scan_run, tail_run,
)
from explorer.core.io.session import is_session_file, load_session
from explorer.core.io.sources import load_matrix
from explorer.core.training.snapshot import Snapshot
from explorer.core.training.timeline import Timeline

ROOT = Path(__file__).resolve().parents[2]


def matrices(n: int, rows: int = 30, dim: int = 8, seed: int = 0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.normal(size=(rows, dim)).astype(np.float32) for _ in range(n)]


def write_run(path, mats, every=None, losses=None, **kw) -> None:
    vocab = make_vocab([f"tok{i}" for i in range(mats[0].shape[0])])
    writer = RunWriter(path, vocab, every=every, durable=False, **kw)
    for step, m in enumerate(mats):
        writer.log(step, m, None if losses is None else losses[step])
    writer.close()


def test_round_trip_is_bit_exact_and_a_session(tmp_path):
    path = tmp_path / "run.eerun"
    mats = matrices(5)
    write_run(path, mats, losses=[5.0, 4.0, 3.0, 2.0, 1.0])
    assert is_session_file(path)
    session = load_session(path)
    assert [s.step for s in session.snapshots] == [0, 1, 2, 3, 4]
    for snap, m in zip(session.snapshots, mats):
        assert snap.weights.dtype == np.float32 and np.array_equal(snap.weights, m)
    assert np.array_equal(session.weights, mats[-1]) and np.array_equal(session.initial_weights, mats[0])
    assert session.vocab.tokens[:2] == ["tok0", "tok1"]
    assert session.history["loss"] == [[0, 5.0], [1, 4.0], [2, 3.0], [3, 2.0], [4, 1.0]]
    vocab, weights = load_matrix(path)  # what the subcommands open
    assert len(vocab) == 30 and np.array_equal(weights, mats[-1])


def test_log_copies_now(tmp_path):
    path = tmp_path / "run.eerun"
    m = np.ones((4, 3), np.float32)
    writer = RunWriter(path, None, durable=False)
    writer.log(0, m)
    m[:] = 7.0  # the loop goes on changing its matrix
    writer.log(1, m)
    writer.close()
    session = load_session(path)
    assert session.vocab.tokens == ["0", "1", "2", "3"]
    assert (session.snapshots[0].weights == 1.0).all() and (session.snapshots[1].weights == 7.0).all()


def test_torch_tensors_are_copied(tmp_path):
    torch = pytest.importorskip("torch")
    path = tmp_path / "run.eerun"
    emb = torch.nn.Embedding(6, 4)
    before = emb.weight.detach().numpy().copy()
    writer = RunWriter(path, make_vocab(list("abcdef")), durable=False)
    writer.log(0, emb.weight)
    with torch.no_grad():
        emb.weight.add_(1.0)
    writer.log(1, emb.weight.to(torch.float64))
    writer.close()
    snaps = load_session(path).snapshots
    assert np.array_equal(snaps[0].weights, before)
    assert np.allclose(snaps[1].weights, before + 1.0)


def test_every_keeps_a_matrix_every_n_steps_with_the_mean_loss(tmp_path):
    path = tmp_path / "run.eerun"
    mats = matrices(12)
    write_run(path, mats, every=5, losses=[float(i) for i in range(12)])
    session = load_session(path)
    assert [s.step for s in session.snapshots] == [0, 5, 10]
    assert np.array_equal(session.snapshots[1].weights, mats[5])
    # each snapshot's loss is the mean of the losses logged since the previous snapshot
    assert [s.loss for s in session.snapshots] == [0.0, np.mean([1, 2, 3, 4, 5]), np.mean([6, 7, 8, 9, 10])]


@pytest.mark.parametrize("copy", ["copy_file_range", "through memory"])
def test_thinning_follows_the_timeline_and_bounds_the_file(tmp_path, monkeypatch, copy):
    if copy == "through memory":  # as where os.copy_file_range does not exist (macOS, Windows)
        monkeypatch.delattr(os, "copy_file_range", raising=False)
    path = tmp_path / "run.eerun"
    mats = matrices(150, rows=20, dim=4)
    write_run(path, mats, max_count=8, losses=[1.0] * 150)
    with open(path, "rb") as f:
        contents = scan_run(f, path)
    steps = [int(r.meta["step"]) for r in kept_records(contents)]
    timeline = Timeline(max_count=8)
    for i, m in enumerate(mats):
        timeline.add(Snapshot(i, 0, 1.0, 0, m))
    expected = [s.step for s in timeline.snapshots]
    if expected[-1] != 149:
        expected.append(149)  # the latest always stays
    assert steps == expected
    assert len(contents.records) <= 2 * 8 + 1  # rewritten once it held twice the bound
    assert os.path.getsize(path) < (2 * 8 + 2) * (mats[0].nbytes + 400)
    session = load_session(path)
    assert [s.step for s in session.snapshots] == expected
    assert np.array_equal(session.snapshots[-1].weights, mats[-1])
    assert [s for s, _ in session.history["loss"]] == list(range(150))  # every loss stays


def test_load_keeps_what_the_windows_timeline_holds(tmp_path):
    path = tmp_path / "run.eerun"
    mats = matrices(20)
    write_run(path, mats)
    session = load_run(path, max_bytes=mats[0].nbytes * 6)
    steps = [s.step for s in session.snapshots]
    assert len(steps) == 6 and steps[0] == 0 and steps[-1] == 19


def test_float16_halves_the_snapshots(tmp_path):
    a, b = tmp_path / "a.eerun", tmp_path / "b.eerun"
    mats = matrices(3, rows=200, dim=16)
    write_run(a, mats)
    write_run(b, mats, dtype="float16")
    assert os.path.getsize(b) < 0.6 * os.path.getsize(a)
    loaded = load_session(b).weights
    assert loaded.dtype == np.float32 and np.allclose(loaded, mats[-1], atol=1e-2)


def test_bad_files_name_the_file(tmp_path):
    other = tmp_path / "notes.txt"
    other.write_text("my notes\n")
    with pytest.raises(ExplorerError, match="not a run file"):
        RunWriter(other, None)
    assert other.read_text() == "my notes\n"  # nothing the user had is lost
    path = tmp_path / "run.eerun"
    write_run(path, matrices(3))
    data = bytearray(path.read_bytes())
    with open(path, "rb") as f:
        second = scan_run(f, path).records[1]
    data[second.offset:second.offset + 2] = b"XX"  # a damaged record inside the file
    bad = tmp_path / "bad.eerun"
    bad.write_bytes(bytes(data))
    with pytest.raises(ExplorerError, match=rf"bad\.eerun, byte {second.offset}: damaged run file"):
        load_session(bad)
    flipped = bytearray(path.read_bytes())
    flipped[second.data_offset + 5] ^= 0xFF  # a payload bit flipped: the checksum says so
    bad.write_bytes(bytes(flipped))
    with pytest.raises(ExplorerError, match="checksum"):
        load_run(bad)
    cut = tmp_path / "cut.eerun"
    cut.write_bytes(MAGIC + b"RC")
    with pytest.raises(ExplorerError, match="cut.eerun: damaged run file: its header"):
        load_session(cut)


def test_a_torn_tail_is_left_out(tmp_path):
    path = tmp_path / "run.eerun"
    mats = matrices(4)
    write_run(path, mats)
    with open(path, "rb") as f:
        last = scan_run(f, path).records[-1]
    torn = tmp_path / "torn.eerun"
    torn.write_bytes(path.read_bytes()[:last.data_offset + 10])  # killed writing the last matrix
    session = load_session(torn)
    assert [s.step for s in session.snapshots] == [0, 1, 2]
    assert np.array_equal(session.weights, mats[2])


CHILD = textwrap.dedent("""
    import sys, threading, numpy as np
    from explorer.core.io import run_log
    path, mode = sys.argv[1], sys.argv[2]
    run_log.COPY_CHUNK = 1 << 16
    writer = run_log.RunWriter(path, None)
    rng = np.random.default_rng(0)
    for step in range(3):
        writer.log(step, np.full((2000, 64), step, np.float32), loss=1.0)
    writer.flush()
    if mode == "stall":  # the fourth snapshot's write stops half way: the parent kills it there
        f = writer._file
        write, count = f.write, [0]
        def stalling(data):
            count[0] += 1
            if count[0] == 4:
                f.flush()
                print("half", flush=True)
                threading.Event().wait()
            return write(data)
        f.write = stalling
        writer.log(3, np.full((2000, 64), 3, np.float32), loss=1.0)
        threading.Event().wait()
    print("ready", flush=True)
    step = 3
    while True:  # log as fast as possible until killed
        writer.log(step, rng.normal(size=(2000, 64)).astype(np.float32), loss=1.0)
        step += 1
""")


def run_child(path: Path, mode: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-c", CHILD, str(path), mode], stdout=subprocess.PIPE, text=True,
                            env=env)


def test_sigkill_mid_write_loses_only_the_snapshot_being_written(tmp_path):
    path = tmp_path / "run.eerun"
    child = run_child(path, "stall")
    try:
        assert child.stdout.readline().strip() == "half"  # waits for the child: mid-record now
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        child.kill()
    with open(path, "rb") as f:
        contents = scan_run(f, path)
    assert contents.torn and not contents.closed and os.path.getsize(path) > contents.end + FRAME.size
    session = load_session(path)
    assert [s.step for s in session.snapshots] == [0, 1, 2]
    assert all((s.weights == s.step).all() for s in session.snapshots)
    follower = RunFollower(path)  # a window following it sees the three, then that the writer is gone
    assert [s.step for s in follower.poll()] == [0, 1, 2]
    assert follower.poll() == [] and follower.writer_gone


def test_sigkill_while_logging_keeps_every_whole_snapshot(tmp_path):
    path = tmp_path / "run.eerun"
    child = run_child(path, "free")
    try:
        assert child.stdout.readline().strip() == "ready"
        size = os.path.getsize(path)
        while os.path.getsize(path) <= size:  # waits until it writes past the flushed ones
            pass
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        child.kill()
    session = load_session(path)
    steps = [s.step for s in session.snapshots]
    assert steps[:3] == [0, 1, 2] and steps == sorted(steps)


def test_following_a_run_as_it_is_logged(tmp_path):
    path = tmp_path / "run.eerun"
    mats = matrices(40, rows=50, dim=6)
    started = threading.Event()
    seen = threading.Condition()
    got = []

    def loop():
        writer = RunWriter(path, make_vocab([f"w{i}" for i in range(50)]), durable=False, max_count=6)
        started.set()
        for step, m in enumerate(mats):
            writer.log(step, m, loss=1.0 / (step + 1))
            if step % 10 == 0:  # now and then, wait for the follower to see this one
                writer.flush()
                with seen:
                    seen.wait_for(lambda: any(s.step == step for s in got), timeout=30)
        writer.close()

    thread = threading.Thread(target=loop)
    thread.start()
    started.wait(30)
    for snap in tail_run(path, poll_seconds=0.005):
        if snap is not None:
            with seen:
                got.append(snap)
                seen.notify_all()
    thread.join(30)
    steps = [s.step for s in got]
    assert steps == sorted(set(steps)) and steps[0] == 0 and steps[-1] == 39
    assert {0, 10, 20, 30} <= set(steps)  # the ones it waited for, across the rewrites
    assert all(np.array_equal(s.weights, mats[s.step]) for s in got)


def test_tail_stops_when_asked(tmp_path):
    path = tmp_path / "run.eerun"
    writer = RunWriter(path, None, durable=False)
    stop = threading.Event()
    items = []
    for item in tail_run(path, stop, poll_seconds=0.001):
        items.append(item)
        if len(items) == 3:
            stop.set()
    assert items == [None, None, None]  # heartbeats while nothing is logged; then it ended
    writer.close()


def test_a_script_that_forgets_close_still_ends_its_run(tmp_path):
    path = tmp_path / "run.eerun"
    code = ("import numpy as np; from explorer.core.io.run_log import RunWriter; "
            f"w = RunWriter({str(path)!r}, None); "
            "[w.log(i, np.full((500, 16), i, np.float32)) for i in range(3)]")
    subprocess.run([sys.executable, "-c", code], check=True, env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=120)
    with open(path, "rb") as f:
        contents = scan_run(f, path)
    assert contents.closed and len(contents.records) == 3


def test_a_missing_folder_is_named(tmp_path):
    with pytest.raises(ExplorerError, match=r"nowhere: the folder does not exist"):
        RunWriter(tmp_path / "nowhere" / "run.eerun", None)


def test_a_new_run_at_the_same_path_ends_the_follow(tmp_path):
    from explorer.core.io.run_log import run_id_of

    path = tmp_path / "run.eerun"
    first = RunWriter(path, None, durable=False)
    first.log(0, np.zeros((3, 2), np.float32))
    first.flush()
    old_id = run_id_of(path)
    follower = RunFollower(path, old_id)
    assert [s.step for s in follower.poll()] == [0] and not follower.ended
    first.close()  # the script is started again: a new run, written to the same file
    second = RunWriter(path, None, durable=False)
    second.log(0, np.ones((3, 2), np.float32))
    second.flush()
    assert run_id_of(path) not in (None, old_id)
    assert follower.poll() == [] and follower.replaced and follower.ended  # none of the new run's
    assert list(tail_run(path, run_id=old_id)) == []  # following the old run: nothing to follow
    assert [s.step for s in tail_run_until_one(path)] == [0]  # whichever run is there: the new one
    second.close()


def tail_run_until_one(path):
    for snap in tail_run(path, poll_seconds=0.001):
        if snap is not None:
            return [snap]
    return []


def test_steps_give_each_snapshot_its_progress(tmp_path):
    path = tmp_path / "run.eerun"
    writer = RunWriter(path, None, durable=False, steps=100)
    for step in (0, 49, 99):
        writer.log(step, np.zeros((2, 2), np.float32))
    writer.close()
    assert [s.progress for s in load_session(path).snapshots] == [0.01, 0.5, 1.0]
    with pytest.raises(ExplorerError, match="steps must be"):
        RunWriter(tmp_path / "x.eerun", None, steps=0)


def test_a_watched_run_measures_each_drawn_frames_stability_once(tmp_path, monkeypatch):
    """Stability compares consecutive drawn frames of the whole run, one neighbour search a
    frame (not one per snapshot handed over, nor two)."""
    from explorer.core.analysis import stability
    from explorer.core.io.run_log import watch_job
    from explorer.core.projection.project import ProjectionSettings
    from explorer.core.training.live import FrameGate

    path = tmp_path / "run.eerun"
    mats = matrices(6, rows=40, dim=6)
    write_run(path, mats, losses=[1.0] * 6)
    searched = []
    real = stability.StabilityTracker.neighbours
    monkeypatch.setattr(stability.StabilityTracker, "neighbours",
                        lambda self, w: searched.append(w.copy()) or real(self, w))

    class Open(FrameGate):  # every frame drawn
        def take(self):
            return True

    drawn = [f for f in watch_job(path, ProjectionSettings(), None, Open(), Timeline(), poll_seconds=0.001)
             if f.coords is not None and f.snapshot is not None]
    assert [f.snapshot.step for f in drawn] == list(range(6))
    assert len(searched) == len(drawn)  # once a drawn frame
    assert all(np.array_equal(w, m) for w, m in zip(searched, mats))
    assert drawn[0].stability is None  # nothing before the first
    tracker = stability.StabilityTracker(40, 6)
    expected = [tracker.update(m) for m in mats]
    assert [f.stability for f in drawn[1:]] == pytest.approx(expected[1:])
