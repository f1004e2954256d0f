"""The bundled samples (`sample:gpt2`, `sample:bert`, `sample:minilm`) wherever a subcommand
takes a file, and the window's optional positional FILE."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from explorer.cli import main, parse_arguments


def run_json(capsys, argv):
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


def test_vocab_reads_each_sample(capsys):
    gpt2 = run_json(capsys, ["vocab", "sample:gpt2", "--json"])
    assert gpt2["size"] == 50257 and gpt2["format"] == "gpt2" and gpt2["special_ids"] == {"eos": 50256}
    bert = run_json(capsys, ["vocab", "sample:bert", "--json", "--tokenize", "rambutan"])
    assert bert["size"] == 30522 and bert["tokens"] == ["ram", "##bu", "##tan"]
    minilm = run_json(capsys, ["vocab", "sample:minilm", "--json"])  # a table's sample: its tokens
    assert minilm["size"] == 30522 and minilm["format"] == "wordpiece"


def test_a_corpus_can_be_split_by_a_sample_tokenizer(capsys, tmp_path):
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("unbelievable rambutan\n", encoding="utf-8")
    summary = run_json(capsys, ["vocab", str(corpus), "--format", "corpus", "--tokenizer", "sample:bert", "--json"])
    assert set(summary["first"]) >= {"ram", "##bu", "##tan"}


def test_neighbors_of_king_in_the_minilm_sample_list_queen(capsys):
    rows = run_json(capsys, ["neighbors", "sample:minilm", "--token", "king", "--json"])
    assert "queen" in [r["token"] for r in rows[:3]]
    assert main(["neighbors", "sample:minilm", "--token", "king"]) == 0
    assert "queen" in capsys.readouterr().out


def test_analogy_vectors_and_init_take_the_sample_too(capsys, tmp_path):
    rows = run_json(capsys, ["analogy", "sample:minilm", "man", "king", "woman", "-k", "3", "--json"])
    assert rows[0]["token"] == "queen"
    info = run_json(capsys, ["vectors", "sample:minilm", "--json"])
    assert (info["rows"], info["dim"], info["tensor"]) == (30522, 384, "embeddings.word_embeddings.weight")
    assert info["file"] == "sample:minilm" and len(info["tensors"]) == 2
    words = tmp_path / "words.txt"
    words.write_text("king\nqueen\nzzzznotaword\n", encoding="utf-8")
    mapped = run_json(capsys, ["init", "--vocab", str(words), "--vectors", "sample:minilm", "--json"])
    assert mapped["rows"] == 3 and mapped["dim"] == 384 and mapped["coverage"]["found"] == 2
    bert_rows = run_json(capsys, ["init", "--vocab", "sample:bert", "--dim", "4", "--json"])
    assert bert_rows["rows"] == 30522


def test_project_and_export_read_the_sample(capsys, tmp_path):
    out = tmp_path / "coords.csv"
    assert main(["project", "sample:minilm", "--sample", "300", "--out", str(out)]) == 0
    assert len(out.read_text(encoding="utf-8").splitlines()) == 301
    npy = tmp_path / "minilm.npy"
    assert main(["export", "sample:minilm", "--format", "npy", "--out", str(npy)]) == 0
    assert np.load(npy).shape == (30522, 384)


def test_a_sample_given_as_vocab_for_a_table(capsys, tmp_path):
    table = tmp_path / "table.npy"
    np.save(table, np.eye(30522, 4, dtype=np.float32))
    rows = run_json(capsys, ["neighbors", str(table), "--vocab", "sample:bert", "--token", "[PAD]", "-k", "1",
                             "--json"])
    assert rows[0]["token"] != "[PAD]"


def test_unknown_samples_and_a_vocabulary_used_as_vectors_are_refused(capsys):
    assert main(["vocab", "sample:gtp2"]) == 2
    err = capsys.readouterr().err
    assert "no sample named 'gtp2'; the samples are sample:gpt2, sample:bert, sample:minilm" in err
    assert main(["neighbors", "sample:gpt2", "--token", "the"]) == 2
    assert "sample:gpt2 is a vocabulary (GPT-2 vocabulary), not vectors; the samples with vectors: sample:minilm" \
        in capsys.readouterr().err


# -- the window's FILE ----------------------------------------------------------------------------

@pytest.mark.parametrize("argv, file, command", [
    (["run.eexp"], "run.eexp", None),
    (["sample:minilm"], "sample:minilm", None),
    (["--size", "800x600", "words.txt"], "words.txt", None),
    (["--size=800x600", "--present", "words.txt"], "words.txt", None),
    (["--scr", "out.png", "words.txt"], "words.txt", None),  # an abbreviated option still takes its value
    (["./vocab"], "./vocab", None),
    (["--", "vocab"], "vocab", None),  # a file named like a subcommand, after --
    (["--theme", "dark"], None, None),
    (["vocab", "sample:gpt2"], None, "vocab"),  # the subcommand wins
    ([], None, None),
])
def test_the_first_positional_is_a_file_unless_it_names_a_subcommand(argv, file, command):
    args = parse_arguments(argv)
    assert (args.open_file, args.command) == (file, command)


def test_window_options_still_apply_with_a_file():
    args = parse_arguments(["--size", "800x600", "--view", "3d", "run.eexp"])
    assert (args.size, args.view, args.open_file) == ("800x600", "3d", "run.eexp")


def test_a_file_then_a_subcommand_is_refused(capsys):
    with pytest.raises(SystemExit) as info:
        parse_arguments(["run.eexp", "vocab", "x.txt"])
    assert info.value.code == 2 and "give it without a subcommand" in capsys.readouterr().err


def _screenshot(tmp_path, *argv):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.run([sys.executable, "-m", "explorer", "--screenshot", str(tmp_path / "shot.png"),
                           "--size", "900x600", *argv], capture_output=True, text=True, timeout=180, env=env,
                          cwd=tmp_path)


def test_the_window_opens_the_positional_file(tmp_path):
    """What a double click runs (`Exec=embedding-explorer %f`): the file is opened, or its error shown."""
    missing = _screenshot(tmp_path, "nowhere.eexp")
    assert missing.returncode == 1 and "nowhere.eexp" in missing.stderr and "no such file" in missing.stderr
    words = tmp_path / "words.txt"
    words.write_text("".join(f"word{i}\n" for i in range(40)), encoding="utf-8")
    opened = _screenshot(tmp_path, str(words))
    assert opened.returncode == 0, opened.stderr
    assert (tmp_path / "shot.png").stat().st_size > 0


def test_the_window_options_take_samples_and_refuse_unknown_ones(tmp_path):
    opened = _screenshot(tmp_path, "--vectors", "sample:minilm")
    assert opened.returncode == 0, opened.stderr
    unknown = _screenshot(tmp_path, "--vocab", "sample:nope")
    assert unknown.returncode == 1
    assert "no sample named 'nope'; the samples are sample:gpt2, sample:bert, sample:minilm" in unknown.stderr
    wrong = _screenshot(tmp_path, "--session", "sample:gpt2")
    assert wrong.returncode == 1 and "sample:gpt2 is a sample vocabulary or table, not a session" in wrong.stderr
