"""`embedding-explorer vocab FILE ...`: summaries, JSON, tokenizing, and one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from explorer.cli import main
from tests.conftest import ROOT


def run_json(capsys, *argv):
    code = main(["vocab", *map(str, argv), "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    return json.loads(out)


def test_gpt2_summary_json(capsys, shared_data):
    data = run_json(capsys, shared_data / "tokenizers" / "gpt2" / "encoder.json")
    assert data["size"] == 50_257 and data["format"] == "gpt2"
    assert data["specials"] == ["<|endoftext|>"]
    assert data["first"] == ["!", '"', "#", "$", "%", "&", "'", "(", ")", "*"]


def test_tokenize_with_gpt2(capsys, shared_data):
    data = run_json(capsys, shared_data / "tokenizers" / "gpt2", "--tokenize", "Hello world")
    assert data["tokens"] == ["Hello", "Ġworld"] and data["ids"] == [15496, 995]


def test_tokenize_with_bert(capsys, shared_data):
    data = run_json(capsys, shared_data / "tokenizers" / "bert" / "vocab.txt", "--tokenize", "unaffable")
    assert data["tokens"] == ["una", "##ffa", "##ble"] and data["format"] == "wordpiece"
    assert data["specials"] == ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


def test_corpus_options(capsys, shared_data):
    data = run_json(capsys, shared_data / "corpora" / "kjv-verses.txt", "--order", "alpha", "--min-count", "5",
                    "--max-size", "500", "--specials", "pad", "unk")
    assert data["size"] == 500 and data["format"] == "corpus"
    assert data["specials"] == ["<pad>", "<unk>"] and data["first"][:2] == ["<pad>", "<unk>"]
    assert data["first"][2:] == sorted(data["first"][2:])


def test_format_override_and_comma_specials(capsys, tmp_path):
    path = tmp_path / "words.txt"
    path.write_text("the\nof\nand\n")
    data = run_json(capsys, path, "--format", "corpus", "--order", "first", "--specials", "bos,eos")
    assert data["first"] == ["<bos>", "<eos>", "the", "of", "and"]


def test_readable_summary(capsys, shared_data):
    assert main(["vocab", str(shared_data / "tokenizers" / "gpt2"), "--tokenize", " café"]) == 0
    out = capsys.readouterr().out
    assert "50,257 tokens" in out and "gpt2-bpe" in out and "Ġcafé" in out


@pytest.mark.parametrize("content, expected", [
    (b"", "empty"),
    (b"\x00\x01binary" * 100, "binary"),
    (b"the\nof\nthe\n", "line 3: duplicate token 'the': also on line 1"),
    (b"ok\ncaf\xe9\n", "line 2: invalid UTF-8"),
])
def test_errors_are_one_line_without_traceback(capsys, tmp_path, content, expected):
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    assert main(["vocab", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and expected in err and str(path) in err and "Traceback" not in err


def test_invalid_utf8_can_be_loaded_with_replacement(capsys, tmp_path):
    path = tmp_path / "bad.txt"
    path.write_bytes(b"ok\ncaf\xe9\n")
    assert main(["vocab", str(path)]) == 2
    assert "--replace-invalid" in capsys.readouterr().err
    data = run_json(capsys, path, "--replace-invalid")
    assert data["size"] == 2 and "1 line" in data["warnings"][0]


def test_json_not_a_vocabulary(capsys, tmp_path):
    path = tmp_path / "config.json"
    path.write_text('{\n  "hidden_size": 768,\n  "layers": [1, 2]\n}\n')
    assert main(["vocab", str(path)]) == 2
    err = capsys.readouterr().err
    assert "line 3" in err and "not an integer ID" in err and "layers" in err


def test_missing_file_through_the_real_entry_point(tmp_path):
    result = subprocess.run([sys.executable, "-m", "explorer", "vocab", str(tmp_path / "nope.txt"), "--json"],
                            cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.strip() == f"error: {tmp_path / 'nope.txt'}: no such file"
    assert result.stdout == ""


def test_tokenize_text_that_looks_like_an_option(capsys, shared_data):
    data = run_json(capsys, shared_data / "tokenizers" / "gpt2", "--tokenize=--")
    assert data["tokens"] == ["--"] and data["ids"] == [438]
    data = run_json(capsys, shared_data / "tokenizers" / "gpt2", "--tokenize=-x")
    assert data["tokens"] == ["-", "x"]


def test_special_tokens_in_the_text_are_parsed_or_read_as_text(capsys, shared_data):
    gpt2 = shared_data / "tokenizers" / "gpt2"
    parsed = run_json(capsys, gpt2, "--tokenize", "hello<|endoftext|>world")
    assert parsed["specials_in_text"] == "parse"  # the default, as the tokenizers library reads text
    assert parsed["tokens"] == ["hello", "<|endoftext|>", "world"] and parsed["ids"] == [31373, 50256, 6894]
    text = run_json(capsys, gpt2, "--tokenize", "hello<|endoftext|>world", "--specials-in-text", "text")
    assert text["specials_in_text"] == "text" and 50256 not in text["ids"]
    assert "".join(text["tokens"]) == "hello<|endoftext|>world" and text["tokens"][1] == "<"
    assert main(["vocab", str(gpt2), "--tokenize", "a<|endoftext|>", "--specials-in-text", "text"]) == 0
    assert "read as plain text" in capsys.readouterr().out
