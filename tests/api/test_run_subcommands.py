"""Every subcommand that opens a session opens a run file that explorer.Run wrote."""

from __future__ import annotations

import csv

import numpy as np
import pytest

from explorer.api import Run
from explorer.cli import main, parse_arguments
from explorer.core.tokens.demo import demo_vocabulary


@pytest.fixture(scope="module")
def run_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("run") / "mine.eerun"
    vocab = demo_vocabulary()
    rng = np.random.default_rng(0)
    start = rng.normal(size=(len(vocab), 16)).astype(np.float32)
    with Run(path, tokens=vocab, durable=False) as run:
        for step in range(4):
            weights = start.copy()
            weights[vocab.id_of("dog")] = weights[vocab.id_of("cat")] * (1 + step)  # cat and dog converge
            run.log(step * 10, weights, loss=4.0 - step)
    return path


def test_project_a_run(run_file, tmp_path, capsys):
    out = tmp_path / "xy.csv"
    assert main(["project", str(run_file), "--out", str(out)]) == 0
    rows = list(csv.DictReader(out.open()))
    assert len(rows) == len(demo_vocabulary()) and rows[0]["token"] == demo_vocabulary().tokens[0]


def test_neighbors_in_a_run_use_its_last_matrix(run_file, capsys):
    assert main(["neighbors", str(run_file), "--token", "cat", "-k", "1"]) == 0
    assert "dog" in capsys.readouterr().out.split("rank", 1)[1]


def test_export_a_run(run_file, tmp_path):
    vectors = tmp_path / "v.txt"
    assert main(["export", str(run_file), "--format", "word2vec", "--out", str(vectors)]) == 0
    header = vectors.read_text().split("\n", 1)[0]
    assert header == f"{len(demo_vocabulary())} 16"
    losses = tmp_path / "loss.csv"
    assert main(["export", str(run_file), "--format", "loss-csv", "--out", str(losses)]) == 0
    assert losses.read_text().split() == ["step,loss", "0,4.0", "10,3.0", "20,2.0", "30,1.0"]


def test_a_bad_run_file_is_named(tmp_path, capsys):
    bad = tmp_path / "bad.eerun"
    bad.write_bytes(b"EERUN\x00\x01\n" + b"garbage" * 10)
    assert main(["project", str(bad), "--out", str(tmp_path / "x.csv")]) == 2
    assert f"{bad}, byte 8: damaged run file" in capsys.readouterr().err


def test_watch_is_a_window_option():
    args = parse_arguments(["--watch", "run.eerun"])
    assert args.watch == "run.eerun" and args.command is None
