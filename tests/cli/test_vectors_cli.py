"""`embedding-explorer vectors` on what the other commands open too: a session and a run file."""

from __future__ import annotations

import json

import numpy as np
import pytest

from explorer.cli import main
from explorer.core.io.run_log import RunWriter, scan_run
from explorer.core.io.session import Session, save_session
from explorer.core.tokens.vocab import Vocabulary
from explorer.core.training.snapshot import Snapshot

TOKENS = ["man", "king", "woman", "queen", "apple"]


def run_json(capsys, argv):
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


@pytest.fixture
def run_file(tmp_path):
    """A closed run of three snapshots (steps 0, 10, 20) of a 5 x 4 matrix."""
    path = tmp_path / "run.eerun"
    writer = RunWriter(path, Vocabulary(tokens=TOKENS))
    for k in range(3):
        writer.log(10 * k, np.full((5, 4), k, dtype=np.float32), loss=None if k == 0 else 3.0 - k)
    writer.close()
    return path


def test_vectors_describes_a_run_file(run_file, capsys):
    out = run_json(capsys, ["vectors", str(run_file), "--json"])
    assert (out["format"], out["rows"], out["dim"]) == ("run", 5, 4)
    assert out["first_tokens"] == TOKENS and out["snapshots"] == 3 and out["steps"] == [0, 20]
    assert out["closed"] is True and out["latest_loss"] == 1.0 and out["warnings"] == []
    assert main(["vectors", str(run_file)]) == 0
    text = capsys.readouterr().out
    assert "5 x 4 (run)" in text and "3 snapshots, steps 0 to 20, closed, latest loss 1" in text


def test_vectors_on_a_run_cut_short_says_so(run_file, tmp_path, capsys):
    with open(run_file, "rb") as f:
        last = scan_run(f, run_file).records[-1]
    torn = tmp_path / "torn.eerun"
    torn.write_bytes(run_file.read_bytes()[:last.end - 8])  # the last snapshot cut short, as a kill leaves it
    out = run_json(capsys, ["vectors", str(torn), "--json"])
    assert out["closed"] is False and out["steps"] == [0, 10] and "cut short" in out["warnings"][0]
    assert main(["vectors", str(torn)]) == 0
    assert "still open" in capsys.readouterr().out


def test_vectors_describes_a_session(tmp_path, capsys):
    rng = np.random.default_rng(0)
    weights = rng.standard_normal((5, 6)).astype(np.float32)
    snaps = [Snapshot(step, 0, 2.0, 0, weights * step) for step in (5, 50)]
    path = tmp_path / "s.eexp"
    save_session(path, Session(vocab=Vocabulary(tokens=TOKENS), weights=weights, initial_weights=weights * 0,
                               snapshots=snaps, history={"loss": [[5, 2.0], [50, 1.5]]}))
    out = run_json(capsys, ["vectors", str(path), "--json"])
    assert (out["format"], out["rows"], out["dim"], out["snapshots"], out["steps"]) == ("session", 5, 6, 2, [5, 50])
    assert out["initial_weights"] is True and out["loss_points"] == 2 and out["first_tokens"] == TOKENS
    assert main(["vectors", str(path)]) == 0
    assert "5 x 6 (session)" in capsys.readouterr().out


@pytest.mark.parametrize("content, message", [
    (b"junk that is no zip", "not a session file"),
    (None, "damaged run file"),  # a run file whose header is cut short
])
def test_vectors_on_a_damaged_session_names_the_file(run_file, tmp_path, capsys, content, message):
    path = tmp_path / ("bad.eexp" if content else "bad.eerun")
    path.write_bytes(content if content else run_file.read_bytes()[:40])
    assert main(["vectors", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and str(path) in err and message in err and err.count("\n") == 1
