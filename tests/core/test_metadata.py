"""Metadata columns: the Projector's header rules, alignment to the vocabulary, numeric or text
columns, clear errors naming file and line, the workspace's metadata and the dock's filter."""

from __future__ import annotations

import numpy as np
import pytest

from explorer.core import ExplorerError
from explorer.core.io.metadata import Metadata, matching_ids, read_metadata
from explorer.core.state.workspace import Workspace
from explorer.core.tokens.vocab import Vocabulary

TOKENS = ["the", "dog", "cat", "runs", "##s"]


@pytest.fixture
def vocab():
    return Vocabulary(list(TOKENS))


def write(tmp_path, name, text, encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding) if isinstance(text, str) else text)
    return path


def test_one_column_has_no_header_and_gives_one_label_per_row(tmp_path, vocab):
    path = write(tmp_path, "labels.tsv", "det\nnoun\nnoun\nverb\nsuffix\n")
    meta = read_metadata(path, vocab)
    assert meta.names == ["label"] and not meta.is_numeric("label")
    assert list(meta.values("label")) == ["det", "noun", "noun", "verb", "suffix"]
    assert meta.source == str(path) and meta.aligned_by == ""


def test_several_columns_have_a_header_numbers_become_floats_and_the_token_column_is_the_vocabulary(
        tmp_path, vocab):
    path = write(tmp_path, "meta.tsv", "Token\tpos\tfreq\nthe\tdet\t100\ndog\tnoun\t\ncat\tnoun\t3.5\n"
                                       "runs\tverb\t1e2\n##s\t\t-1\n")
    meta = read_metadata(path, vocab)
    assert meta.names == ["pos", "freq"]  # the token column is the vocabulary's own tokens
    assert meta.is_numeric("freq") and meta.values("freq").dtype == np.float32
    assert np.array_equal(meta.values("freq"), [100, np.nan, 3.5, 100, -1], equal_nan=True)
    assert list(meta.values("pos")) == ["det", "noun", "noun", "verb", ""]
    assert meta.kind("pos") == "text" and meta.kind("freq") == "number"


def test_rows_in_another_order_or_fewer_are_matched_by_token(tmp_path, vocab):
    path = write(tmp_path, "meta.csv", "word,pos\ncat,noun\nunknown,x\nthe,det\ncat,dup\n")
    meta = read_metadata(path, vocab)
    assert list(meta.values("pos")) == ["det", "", "noun", "", ""]
    assert (meta.aligned_by, meta.missing, meta.extra) == ("word", 3, 1)
    assert "matched by its 'word' column" in meta.summary() and "1 rows name tokens not in" in meta.summary()
    permuted = write(tmp_path, "perm.tsv", "token\tn\n" + "".join(f"{t}\t{i}\n" for i, t in
                                                             reversed(list(enumerate(TOKENS)))))
    back = read_metadata(permuted, vocab)
    assert back.aligned_by == "token" and np.array_equal(back.values("n"), np.arange(5))


def test_one_row_per_token_is_row_order_even_when_a_label_column_holds_other_words(tmp_path, vocab):
    path = write(tmp_path, "meta.tsv", "label\tn\nA\t1\nB\t2\ndog\t3\nD\t4\nE\t5\n")
    meta = read_metadata(path, vocab)
    assert meta.names == ["label", "n"] and list(meta.values("label")) == ["A", "B", "dog", "D", "E"]


def test_csv_quoting_and_crlf_and_a_byte_order_mark(tmp_path, vocab):
    text = "\ufefftoken,note\r\n" + "".join(f'{t},"a, b {i}"\r\n' for i, t in enumerate(TOKENS))
    meta = read_metadata(write(tmp_path, "m.csv", text), vocab)
    assert list(meta.values("note")) == [f"a, b {i}" for i in range(5)]


def test_the_delimiter_is_sniffed_when_the_name_does_not_say(tmp_path, vocab):
    meta = read_metadata(write(tmp_path, "m.txt", "token,n\n" + "".join(f"{t},{i}\n" for i, t in
                                                                      enumerate(TOKENS))), vocab)
    assert meta.names == ["n"]
    labels = read_metadata(write(tmp_path, "labels.txt", "a, b\nc\nd, e, f\ng\nh\n"), vocab)
    assert list(labels.values("label")) == ["a, b", "c", "d, e, f", "g", "h"]  # commas in labels: one column


def test_our_projector_export_reads_back(tmp_path):
    from explorer.core.io.export import export_projector

    vocab = Vocabulary(["a", " ", "b"], counts=np.array([3, 2, 1]))
    meta = Metadata({"pos": np.array(["x", "y", ""], dtype=object),
                     "score": np.array([0.5, np.nan, 2], dtype=np.float32)})
    _, meta_path = export_projector(tmp_path, vocab, np.eye(3, dtype=np.float32), metadata=meta)
    back = read_metadata(meta_path, vocab)
    assert back.names == ["count", "pos", "score"]
    assert list(back.values("pos")) == ["x", "y", ""]
    assert np.array_equal(back.values("score"), meta.values("score"), equal_nan=True)


@pytest.mark.parametrize("text, needle, line", [
    ("token\tpos\nthe\tdet\ndog\n", "1 fields where the header has 2", 3),
    ("token\tpos\tpos\nthe\ta\tb\n", "columns 2 and 3 are both named 'pos'", 1),
    ("", "the file is empty", None),
    ("\n\n", "the file is empty", None),
    ("a\nb\n", "2 labels for 5 tokens", None),
    ("id\tpos\n1\ta\n", "1 rows for 5 tokens, and no token column", None),
    ("".join(f"{t}\tx\n" for t in TOKENS), "starts with a header line: add one", None),
    ("token\tpos\nzebra\ta\n", "none of them names a token", None),
])
def test_bad_files_name_the_file_and_the_line(tmp_path, vocab, text, needle, line):
    path = write(tmp_path, "bad.tsv", text)
    with pytest.raises(ExplorerError) as info:
        read_metadata(path, vocab)
    assert needle in str(info.value) and info.value.path == str(path) and info.value.line == line


def test_invalid_utf8_names_the_line_and_byte(tmp_path, vocab):
    path = write(tmp_path, "bad.tsv", b"token\tpos\nthe\tdet\ndog\tn\xffoun\n")
    with pytest.raises(ExplorerError, match=r"bad\.tsv, line 3: invalid UTF-8 at byte 23") as info:
        read_metadata(path, vocab)
    assert info.value.line == 3


def test_a_missing_file_and_a_folder_are_named(tmp_path, vocab):
    with pytest.raises(ExplorerError, match="no such file"):
        read_metadata(tmp_path / "absent.tsv", vocab)
    with pytest.raises(ExplorerError, match="a folder"):
        read_metadata(tmp_path, vocab)


def test_fifty_thousand_rows_read_into_columns(tmp_path):
    tokens = [f"t{i}" for i in range(50_000)]
    text = "token\tband\tscore\n" + "".join(f"{t}\tb{i % 7}\t{i / 3}\n" for i, t in enumerate(tokens))
    meta = read_metadata(write(tmp_path, "big.tsv", text), Vocabulary(tokens))
    assert len(meta) == 50_000 and meta.is_numeric("score") and not meta.is_numeric("band")
    assert meta.values("band")[49_999] == f"b{49_999 % 7}"


# -- filter ---------------------------------------------------------------------------
@pytest.fixture
def meta():
    return Metadata({"pos": np.array(["det", "noun", "Noun", "verb", ""], dtype=object),
                     "freq": np.array([100, np.nan, 3.5, 100, -1], dtype=np.float32)})


@pytest.mark.parametrize("column, value, ids", [
    ("pos", "noun", [1, 2]), ("pos", "det, verb", [0, 3]), ("pos", "/^n|b$/", [1, 2, 3]), ("pos", "", [4]),
    ("freq", "100", [0, 3]), ("freq", ">= 3.5", [0, 2, 3]), ("freq", "<0", [4]), ("freq", "-1..4", [2, 4]),
    ("freq", "", [1]),
])
def test_matching_ids(meta, column, value, ids):
    assert matching_ids(meta, column, value).tolist() == ids


def test_a_filter_that_cannot_be_read_says_what_is_expected(meta):
    with pytest.raises(ExplorerError, match="holds numbers"):
        matching_ids(meta, "freq", "many")
    with pytest.raises(ExplorerError, match="not a valid regular expression"):
        matching_ids(meta, "pos", "/(/")
    with pytest.raises(ExplorerError, match="no metadata column 'size'"):
        matching_ids(meta, "size", "1")


# -- workspace ------------------------------------------------------------------------
def test_the_workspace_holds_metadata_and_a_new_vocabulary_clears_it(vocab, meta):
    workspace = Workspace(vocab)
    seen = []
    workspace.events.metadata_changed.connect(seen.append)
    assert workspace.metadata is None
    workspace.set_metadata(meta)
    assert workspace.metadata is meta and seen == [meta]
    workspace.set_vocab(Vocabulary(list(TOKENS)))  # the same tokens: the same rows
    assert workspace.metadata is meta and seen == [meta]
    workspace.set_vocab(Vocabulary(["x", "y"]))
    assert workspace.metadata is None and seen == [meta, None]
    with pytest.raises(ValueError, match="has 5 values for 2 tokens"):
        workspace.set_metadata(meta)
    assert workspace.metadata is None


def test_a_caller_hands_the_new_vocabularys_metadata(vocab, meta):
    workspace = Workspace(Vocabulary(["x"]))
    order = []
    workspace.events.vocab_changed.connect(lambda v: order.append(("vocab", workspace.metadata)))
    workspace.events.metadata_changed.connect(lambda m: order.append(("metadata", m)))
    workspace.set_vocab(vocab, metadata=meta)
    assert order == [("vocab", meta), ("metadata", meta)]


def test_rows_may_name_tokens_as_the_window_shows_them(tmp_path):
    class Shown(Vocabulary):
        @property
        def display_tokens(self):
            return [t.replace("\u0120", "_") for t in self.tokens]

    vocab = Shown(["\u0120the", "\u0120dog", "x"])
    meta = read_metadata(write(tmp_path, "m.tsv", "token\tpos\n_dog\tnoun\n\u0120the\tdet\n"), vocab)
    assert list(meta.values("pos")) == ["det", "noun", ""] and meta.missing == 1


def test_progress_and_cancel(tmp_path, vocab):
    from explorer.core import Cancelled

    path = write(tmp_path, "m.tsv", "token\tpos\n" + "".join(f"{t}\tx\n" for t in TOKENS))
    seen = []
    read_metadata(path, vocab, progress=seen.append)
    assert seen == sorted(seen) and seen[-1] == 1.0
    with pytest.raises(Cancelled):
        read_metadata(path, vocab, should_cancel=lambda: True)
