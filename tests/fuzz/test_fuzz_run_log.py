"""Fuzz run files (explorer.core.io.run_log, what explorer.Run writes).

Bases are real runs: the demo vocabulary with categories and a loss per snapshot, and a
thinned one (rewritten twice, so its header carries the thinning state and the history).
Cases damage the bytes, replace a record's JSON with random JSON (its checksum made to
match, so the reader really parses it), or cut the file anywhere, as a killed writer
does. Opening (load_session) and following (RunFollower) must end in a value or an
ExplorerError naming the file; a cut file must open with exactly the snapshots written
before the cut."""

from __future__ import annotations

import tempfile
from functools import lru_cache
from pathlib import Path

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from explorer.core.io.run_log import MAGIC, RunFollower, RunWriter, _frame, _meta_bytes, make_vocab, scan_run
from explorer.core.io.session import load_session
from explorer.core.tokens.demo import category_labels, demo_vocabulary
from tests.fuzz._harness import check_session, fuzz_settings, mutated, run_case
from tests.fuzz.test_fuzz_session import JSON


@lru_cache(maxsize=None)
def _bases() -> tuple[tuple[bytes, tuple[int, ...]], ...]:
    """(file bytes, the steps of its whole snapshot records in file order) for each base run."""
    rng = np.random.default_rng(0)
    demo = demo_vocabulary()
    out = []
    with tempfile.TemporaryDirectory() as folder:
        for name, count, extra in (("plain", 4, {}), ("thinned", 30, {"max_count": 4})):
            path = Path(folder) / f"{name}.eerun"
            writer = RunWriter(path, demo, categories=category_labels(demo), durable=False, **extra)
            for step in range(count):
                writer.log(step * 5, rng.standard_normal((len(demo), 4)).astype(np.float32), loss=3.0 / (step + 1))
            writer.close()
            with open(path, "rb") as f:
                steps = tuple(int(r.meta["step"]) for r in scan_run(f, path).records)
            out.append((path.read_bytes(), steps))
        small = Path(folder) / "small.eerun"  # no vocabulary: rows named by number
        writer = RunWriter(small, make_vocab(None), durable=False)
        writer.log(0, np.ones((3, 2), np.float32))
        writer.close()
        out.append((small.read_bytes(), (0,)))
    return tuple(out)


def _records(blob: bytes, path: Path):
    path.write_bytes(blob)
    with open(path, "rb") as f:
        contents = scan_run(f, path)
    return contents


def _with_meta(blob: bytes, record, meta) -> bytes:
    """`blob` with `record`'s JSON replaced by `meta`, its frame and checksum made to fit."""
    payload = np.frombuffer(blob[record.data_offset:record.end], np.uint8) if record.nbytes else None
    frame, _ = _frame(record.kind, _meta_bytes(meta), payload)
    return blob[:record.offset] + frame + (b"" if payload is None else payload.tobytes()) + blob[record.end:]


def _follow(path: Path):
    follower = RunFollower(path)
    try:
        return follower.poll()
    finally:
        follower.close()


@fuzz_settings(0.5)
@given(data=st.data())
def test_run_damaged_real_runs(scratch, data):
    base, steps = data.draw(st.sampled_from(_bases()))
    how = data.draw(st.sampled_from(["bytes", "meta", "meta", "cut"]))
    path = scratch.fresh() / "run.eerun"
    if how == "bytes":
        blob = data.draw(mutated(base))
    elif how == "meta":
        contents = _records(base, path)
        records = [None] + contents.records  # None: the header
        chosen = data.draw(st.sampled_from(records))
        if chosen is None:
            from explorer.core.io.run_log import read_record

            with open(path, "rb") as f:
                chosen = read_record(f, len(MAGIC), len(base), path)
        meta = dict(chosen.meta)
        if meta and data.draw(st.booleans()):
            key = data.draw(st.sampled_from(sorted(meta)))
            meta[key] = data.draw(JSON)
        else:
            meta = data.draw(JSON)
        blob = _with_meta(base, chosen, meta)
    else:
        blob = base[:data.draw(st.integers(0, len(base)))]
    path.write_bytes(blob)
    opened = run_case("run_log", load_session, path, check=check_session)
    run_case("run_follow", _follow, path)
    if how == "cut" and not isinstance(opened, Exception):
        # a killed writer: the whole records before the cut, nothing else
        with open(path, "rb") as f:
            kept = tuple(int(r.meta["step"]) for r in scan_run(f, path).records)
        assert kept == steps[:len(kept)]
        assert [s.step for s in opened.snapshots][-1] == kept[-1]
