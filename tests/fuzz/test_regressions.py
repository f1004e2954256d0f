"""Inputs the fuzzers found that once escaped as something other than an ExplorerError (or
loaded into an inconsistent value), each fixed in its reader; kept here so they stay fixed."""

from __future__ import annotations

import io
import json
import struct

import numpy as np
import pytest

from explorer.core import ExplorerError
from explorer.core.io.vectors import load_vectors, read_vector_tokens
from explorer.core.io.vocab_files import load_vocabulary


def _shift_central_directory(blob: bytes, by: int) -> bytes:
    """A zip whose end record says the central directory starts `by` bytes later than it does:
    zipfile then seeks before the start of the file (OSError EINVAL) to read a member."""
    at = blob.rfind(b"PK\x05\x06")
    offset = struct.unpack_from("<I", blob, at + 16)[0]
    return blob[:at + 16] + struct.pack("<I", offset + by) + blob[at + 20:]


def test_wordpiece_list_without_unk_encodes_with_a_clear_error(tmp_path):
    # was: the tokenizers library's plain Exception ("Missing [UNK] token") from vocab.encode
    path = tmp_path / "vocab.txt"
    path.write_text("[\n")
    vocab = load_vocabulary(path, "wordpiece")
    with pytest.raises(ExplorerError, match="cannot encode"):
        vocab.encode("The quick brown fox")


def test_a_tokenizer_json_that_panics_the_library_is_a_clear_error(tmp_path):
    # was: pyo3_runtime.PanicException (a BaseException) out of Tokenizer.from_str
    path = tmp_path / "tokenizer.json"
    path.write_text(json.dumps({"version": "1.0", "truncation": None, "padding": None, "added_tokens": [],
                                "normalizer": None, "pre_tokenizer": None, "post_processor": None,
                                "decoder": None, "model": {"type": "BPE", "vocab": {"ð": 0}, "unk_token": "ð",
                                                           "merges": ["ð ð"] * 5}}))
    with pytest.raises(ExplorerError, match="tokenizers library") as info:
        load_vocabulary(path)
    assert str(path) in str(info.value)


def test_an_npy_with_a_broken_header_is_a_clear_error(tmp_path):
    # was: tokenize.TokenError / SyntaxError from numpy's header parser
    buf = io.BytesIO()
    np.save(buf, np.zeros((3, 2), np.float32))
    blob = buf.getvalue().replace(b"{'descr'", b"{xxxxxxx'descr'", 1)
    path = tmp_path / "m.npy"
    path.write_bytes(blob)
    (tmp_path / "vocab.txt").write_text("a\nb\nc\n")
    with pytest.raises(ExplorerError, match="cannot read .npy"):
        load_vectors(path, vocab_path=tmp_path / "vocab.txt")


def test_an_npz_with_a_damaged_member_is_a_clear_error(tmp_path):
    # was: OSError / zipfile.BadZipFile raised while reading a member (only opening was guarded)
    buf = io.BytesIO()
    np.savez(buf, embeddings=np.zeros((3, 2), np.float32), vocab=np.array(["a", "b", "c"]))
    path = tmp_path / "m.npz"
    path.write_bytes(_shift_central_directory(buf.getvalue(), 10_000))
    with pytest.raises(ExplorerError, match="cannot read .npz"):
        load_vectors(path)
    path.write_bytes(buf.getvalue().replace(b"embeddings.npy", b"embeddingsXnpy", 1))  # local != central name
    with pytest.raises(ExplorerError, match="cannot read .npz"):
        load_vectors(path)


def test_an_npz_token_list_longer_than_its_matrix_is_refused(tmp_path):
    # was: a vocabulary of 4 tokens with a matrix of 2 rows
    path = tmp_path / "m.npz"
    np.savez(path, embeddings=np.zeros((2, 3), np.float32), vocab=np.array(["a", "b", "c", "d"]))
    with pytest.raises(ExplorerError, match="4 tokens but the matrix only 2 rows"):
        load_vectors(path)


def test_a_session_whose_zip_points_outside_the_file_is_a_clear_error(tmp_path):
    # was: OSError (EINVAL) re-raised by load_session
    from explorer.core.io.session import Session, load_session, save_session
    from explorer.core.tokens.demo import demo_vocabulary

    vocab = demo_vocabulary()
    path = tmp_path / "s.eexp"
    save_session(path, Session(vocab, np.zeros((len(vocab), 2), np.float32)))
    path.write_bytes(_shift_central_directory(path.read_bytes(), 10_000))
    with pytest.raises(ExplorerError, match="cannot read the session") as info:
        load_session(path)
    assert str(path) in str(info.value)


def test_whitespace_after_the_last_row_adds_no_empty_token(tmp_path):
    # was: a vocabulary of 3 tokens (the last one "") for a 2-row matrix
    path = tmp_path / "vectors.txt"
    path.write_bytes(b"2 2\nkangaroo 0.5 -0.25\nhorse 1.0 2.0\n ")
    loaded = load_vectors(path)
    assert loaded.vocab.tokens == ["kangaroo", "horse"] and loaded.weights.shape == (2, 2)
    assert read_vector_tokens(path).tokens == ["kangaroo", "horse"]
    glove = tmp_path / "glove.txt"
    glove.write_bytes(b"a 1 2\nb 3 4\n  \t ")
    assert load_vectors(glove).vocab.tokens == ["a", "b"]


@pytest.mark.parametrize("data, message", [
    (b"the\t270\nof\t999999999999999999999119\n", "too large"),  # was: OverflowError (int64 counts)
    (b"word\t\xc2\xb2\nother\t3\n", "must be a count"),  # "²".isdigit() is True: was ValueError from int()
    (b"a 1\nb \xd9\xa3\n", "expected a token"),  # Arabic-Indic digit three, likewise
])
def test_word_list_counts_that_are_not_int64_are_clear_errors(tmp_path, data, message):
    path = tmp_path / "words.txt"
    path.write_bytes(data)
    with pytest.raises(ExplorerError, match=message) as info:
        load_vocabulary(path, "wordlist")
    assert info.value.line == 2 or info.value.line == 1


def test_a_min_count_above_every_count_is_an_error_not_an_empty_vocabulary(tmp_path):
    # was: a Vocabulary with no token at all (found as b"0\r0" with min count 2)
    path = tmp_path / "words.txt"
    path.write_bytes(b"a\t1\nb\t1\n")
    with pytest.raises(ExplorerError, match="no token has a count of at least 2") as info:
        load_vocabulary(path, min_count=2)
    assert str(path) in str(info.value)
    assert len(load_vocabulary(path, min_count=1)) == 2


def test_an_npy_header_declaring_terabytes_is_a_clear_error(tmp_path):
    # was: numpy's _ArrayMemoryError (a MemoryError) out of np.load
    buf = io.BytesIO()
    np.save(buf, np.zeros((76, 50), np.float32))
    path = tmp_path / "m.npy"
    path.write_bytes(buf.getvalue().replace(b"(76, 50)", b"(99999999999999, 50)", 1))
    (tmp_path / "vocab.txt").write_text("a\n")
    with pytest.raises(ExplorerError, match="memory") as info:
        load_vectors(path, vocab_path=tmp_path / "vocab.txt")
    assert str(path) in str(info.value)


@pytest.mark.parametrize("header, what", [
    (b"300 99999999999999999999910", "99999999999999999999910 dimensions"),  # was: OverflowError (make fuzz)
    (b"2 " + b"9" * 5000, "9{24}… dimensions"),  # int() refuses 5,000 digits: was ValueError
    (b"99999999999999999999999999 2", "9{24}… vectors"),
])
def test_a_word2vec_header_no_file_can_hold_is_refused_at_line_1(tmp_path, header, what):
    path = tmp_path / "vectors.txt"
    path.write_bytes(header + b"\nthe 1.0 2.0\nof 3.0 4.0\n")
    for read in (load_vectors, read_vector_tokens, lambda p: load_vocabulary(p, "vectors")):
        with pytest.raises(ExplorerError, match=f"the header says {what}.*more than the whole file") as info:
            read(path)
        assert info.value.path == str(path) and info.value.line == 1


def test_the_vectors_command_refuses_a_huge_header_dimension(tmp_path, capsys):
    # was: an OverflowError traceback out of `embedding-explorer vectors FILE`
    from explorer.cli import main

    path = tmp_path / "vectors.txt"
    path.write_bytes(b"300 99999999999999999999910\nthe 1.0 2.0\n")
    assert main(["vectors", str(path)]) != 0
    err = capsys.readouterr().err
    assert f"{path}, line 1: the header says 99999999999999999999910 dimensions" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("name, data", [
    ("vectors.bin", b"0 1\n"),  # was: accepted as an empty vocabulary (make fuzz)
    ("vectors.bin", b"0 1\n\x00\x00"),
    ("vectors.txt", b"0 3\n"),
    ("model.vec", b"0 3\nthe 1 2 3\n"),
])
def test_a_header_of_0_words_is_refused(tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data)
    for read in (load_vectors, read_vector_tokens):
        with pytest.raises(ExplorerError, match="the header says 0 words") as info:
            read(path)
        assert info.value.path == str(path) and info.value.line == 1


def test_tables_with_no_token_or_no_dimension_are_refused(tmp_path):
    # an empty token array in a .npz, a rows x 0 .npy: were a 0 x d / n x 0 result
    path = tmp_path / "m.npz"
    np.savez(path, embeddings=np.zeros((3, 2), np.float32), vocab=np.array([], dtype="<U1"))
    with pytest.raises(ExplorerError, match="no vectors"):
        load_vectors(path)
    np.save(tmp_path / "m.npy", np.zeros((2, 0), np.float32))
    (tmp_path / "vocab.txt").write_text("a\nb\n")
    with pytest.raises(ExplorerError, match="0 dimensions"):
        load_vectors(tmp_path / "m.npy", vocab_path=tmp_path / "vocab.txt")


@pytest.mark.parametrize("data, message", [
    (b"a\t" + b"9" * 5000 + b"\n", "too large"),  # int() refuses 5,000 digits: was ValueError
    (b"a " + b"0" * 5000 + b"7\n", None),  # leading zeros: the count 7
])
def test_word_list_counts_of_thousands_of_digits(tmp_path, data, message):
    path = tmp_path / "words.txt"
    path.write_bytes(data)
    if message is None:
        assert load_vocabulary(path, "wordlist").counts.tolist() == [7]
        return
    with pytest.raises(ExplorerError, match=message) as info:
        load_vocabulary(path, "wordlist")
    assert info.value.line == 1


@pytest.mark.parametrize("data, message", [
    (b'{"a": ' + b"9" * 5000 + b"}", "digits"),  # was: ValueError out of json.loads
    (b"[" * 100_000, "nests too deeply"),  # was: RecursionError
])
def test_json_vocabularies_json_itself_refuses_are_clear_errors(tmp_path, data, message):
    path = tmp_path / "vocab.json"
    path.write_bytes(data)
    with pytest.raises(ExplorerError, match=message) as info:
        load_vocabulary(path)
    assert info.value.path == str(path)


@pytest.mark.parametrize("data, message", [
    (b'{"a": 100000000000000000000}', "beyond the matrix's 3 rows"),  # was: OverflowError ([None] * n)
    (b'{"a": -1}', "negative ID"),  # was: IndexError
    (b'{"a": ' + b"9" * 5000 + b"}", "not valid JSON"),  # was: ValueError
    (b'{"model": {"vocab": [1, 2]}}', "unigram"),  # was: TypeError (p[0] of an int)
    (b"{}", "holds no token"),
])
def test_a_json_vocabulary_for_a_matrix_with_impossible_ids(tmp_path, data, message):
    np.save(tmp_path / "m.npy", np.zeros((3, 2), np.float32))
    (tmp_path / "vocab.json").write_bytes(data)
    with pytest.raises(ExplorerError, match=message) as info:
        load_vectors(tmp_path / "m.npy", vocab_path=tmp_path / "vocab.json")
    assert info.value.path in (str(tmp_path / "vocab.json"), str(tmp_path / "m.npy"))
