"""Vocabulary sources: word lists, corpora, JSON, tokenizer files, vectors files, and bad input."""

from __future__ import annotations

import json
import shutil
import tracemalloc

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from explorer.core import Cancelled, ExplorerError
from explorer.core.io.detect import detect_kind
from explorer.core.io.textio import InvalidEncoding, is_number, iter_blocks
from explorer.core.io.vocab_files import describe, detect_format, load_vocabulary
from explorer.core.tokens.vocab import Vocabulary, build_vocab


def write(path, data: bytes | str):
    if isinstance(data, str):
        data = data.encode("utf-8")
    path.write_bytes(data)
    return path


# -- word lists ------------------------------------------------------------------------------
def test_word_list_takes_tokens_literally_in_line_order(tmp_path):
    path = write(tmp_path / "words.txt", "#hashtag\n##ing\nthe\n#\n[UNK]\n")
    vocab = load_vocabulary(path)
    assert vocab.tokens == ["#hashtag", "##ing", "the", "#", "[UNK]"]
    assert vocab.counts is None
    assert vocab.kind == "wordlist"
    assert vocab.specials == {"unk": 4}
    assert vocab.source == str(path)


@pytest.mark.parametrize("sep", ["\t", " ", "   "])
def test_word_list_with_a_count_column(tmp_path, sep):
    path = write(tmp_path / "counts.txt", f"the{sep}120\nof{sep}80\n#tag{sep}3\n")
    vocab = load_vocabulary(path)
    assert vocab.tokens == ["the", "of", "#tag"]
    assert vocab.counts.tolist() == [120, 80, 3]


def test_word_list_options_min_count_max_size_specials_are_explicit(tmp_path):
    path = write(tmp_path / "counts.txt", "the\t120\nof\t80\nrare\t1\nzebra\t2\n")
    vocab = load_vocabulary(path, min_count=2, specials=["unk"])
    assert vocab.tokens == ["<unk>", "the", "of", "zebra"]
    assert vocab.specials["unk"] == 0
    assert any("min count" in w for w in vocab.warnings) and any("shift" in w for w in vocab.warnings)
    assert load_vocabulary(path, max_size=2).tokens == ["the", "of"]


def test_mixed_count_column_names_the_line(tmp_path):
    path = write(tmp_path / "mixed.txt", "the 5\nof 4\nand\n")
    with pytest.raises(ExplorerError) as info:
        load_vocabulary(path, "wordlist")
    assert info.value.line == 3 and str(path) in str(info.value)


def test_blank_lines_bom_and_crlf(tmp_path):
    path = write(tmp_path / "messy.txt", b"\xef\xbb\xbfthe\r\n\r\nof\r\n   \r\nand\r\n\r\n")
    vocab = load_vocabulary(path)
    assert vocab.tokens == ["the", "of", "and"]  # no BOM, no \r, blank lines skipped
    assert any("blank line" in w and "line 2" in w for w in vocab.warnings)


def test_duplicate_tokens_name_both_lines(tmp_path):
    path = write(tmp_path / "dup.txt", "the\nof\nand\nof\n")
    with pytest.raises(ExplorerError) as info:
        load_vocabulary(path)
    message = str(info.value)
    assert info.value.line == 4 and "line 2" in message and "'of'" in message and str(path) in message


def test_duplicates_can_be_dropped_explicitly_with_a_warning(tmp_path):
    path = write(tmp_path / "dup.txt", "the\nof\nand\nof\nzebra\n")
    vocab = load_vocabulary(path, dedupe=True)
    assert vocab.tokens == ["the", "of", "and", "zebra"]
    assert vocab.id_of("zebra") == 3
    assert any("lines 2 and 4" in w for w in vocab.warnings)


def test_a_line_with_several_words_in_a_word_list_is_an_error(tmp_path):
    path = write(tmp_path / "w.txt", "".join(f"w{i}\n" for i in range(60)) + "new york city\n")
    with pytest.raises(ExplorerError) as info:
        load_vocabulary(path, "wordlist")
    assert info.value.line == 61 and "corpus" in str(info.value)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    tokens=st.lists(st.text(st.characters(blacklist_categories=("Cs", "Zs", "Zl", "Zp", "Cc")), min_size=1,
                            max_size=8), min_size=1, max_size=40, unique=True),
    counts=st.booleans(), crlf=st.booleans(), bom=st.booleans(),
)
def test_generated_word_lists_round_trip(tmp_path, tokens, counts, crlf, bom):
    tokens = [t for t in tokens if t.split() == [t] and t.strip() == t] or ["x"]
    newline = "\r\n" if crlf else "\n"
    lines = [f"{t}\t{i + 1}" if counts else t for i, t in enumerate(tokens)]
    data = ("\ufeff" if bom else "") + newline.join(lines) + newline
    path = write(tmp_path / "gen.txt", data)
    vocab = load_vocabulary(path, "wordlist")
    assert vocab.tokens == tokens
    assert (vocab.counts is not None) == counts
    assert [vocab.id_of(t) for t in tokens] == list(range(len(tokens)))


# -- bad input ---------------------------------------------------------------------------------
def test_empty_file(tmp_path):
    path = write(tmp_path / "empty.txt", b"")
    for fmt in (None, "wordlist", "corpus"):
        with pytest.raises(ExplorerError, match="empty") as info:
            load_vocabulary(path, fmt)
        assert str(path) in str(info.value)


def test_only_blank_lines(tmp_path):
    path = write(tmp_path / "blank.txt", "\n\n  \n")
    with pytest.raises(ExplorerError, match="no tokens") as info:
        load_vocabulary(path, "wordlist")
    assert info.value.line == 1


@pytest.mark.parametrize("data", [b"\x00\x01\x02binary\x00" * 200, bytes(range(256)) * 64,
                                  b"\xff\xfeh\x00i\x00"])
def test_binary_file_is_refused_with_an_offset(tmp_path, data):
    path = write(tmp_path / "blob.dat", data)
    with pytest.raises(ExplorerError) as info:
        load_vocabulary(path, "wordlist")
    assert str(path) in str(info.value)
    assert info.value.offset is not None
    assert "binary" in str(info.value) or "UTF-16" in str(info.value)
    with pytest.raises(ExplorerError):
        detect_kind(path)


def test_invalid_utf8_names_the_line_and_counts_affected_lines(tmp_path):
    path = write(tmp_path / "latin1.txt", "the\ncaf\xe9\nof\nna\xefve\nand\n".encode("latin-1"))
    with pytest.raises(InvalidEncoding) as info:
        load_vocabulary(path)
    error = info.value
    assert error.line == 2 and error.affected_lines == 2
    assert str(path) in str(error) and "2 lines are affected" in str(error) and "replacement" in str(error)
    vocab = load_vocabulary(path, errors="replace")
    assert vocab.tokens == ["the", "caf\ufffd", "of", "na\ufffdve", "and"]
    assert any("2 lines" in w and "line 2" in w for w in vocab.warnings)


def test_invalid_utf8_in_a_corpus_far_into_the_file(tmp_path):
    good = ("in the beginning was the word\n" * 50_000).encode()
    path = write(tmp_path / "corpus.txt", good + b"bad \x97 byte here\n" + good)
    with pytest.raises(InvalidEncoding) as info:
        load_vocabulary(path, "corpus")
    assert info.value.line == 50_001 and info.value.affected_lines == 1
    vocab = load_vocabulary(path, "corpus", errors="replace")
    assert vocab.counts[vocab.id_of("the")] == 200_000


@pytest.mark.parametrize("content, expected", [
    ('{"name": "model", "layers": 12}', "not an integer ID"),
    ("[1, 2, 3]", "not a token string"),
    ("42", "not a vocabulary"),
    ('{"a": 0, "b": 2}', "outside 0..1"),
    ('{"a": 0,\n "b": 0}', "both 'a' and 'b'"),
    ('{"a": 0,\n "b": }', "not valid JSON"),
    ("{}", "empty"),
])
def test_json_that_is_not_a_vocabulary(tmp_path, content, expected):
    path = write(tmp_path / "thing.json", content)
    with pytest.raises(ExplorerError, match=expected) as info:
        load_vocabulary(path)
    assert str(path) in str(info.value) and info.value.line is not None


def test_json_vocabularies(tmp_path):
    assert load_vocabulary(write(tmp_path / "l.json", '["b", "a", "#c"]')).tokens == ["b", "a", "#c"]
    vocab = load_vocabulary(write(tmp_path / "m.json", '{"x": 1, "<unk>": 0}'))
    assert vocab.tokens == ["<unk>", "x"] and vocab.unk_id == 0


def test_a_100_mb_single_line_file_is_refused_quickly_with_bounded_memory(tmp_path):
    path = tmp_path / "one-line.txt"
    with open(path, "wb") as f:
        block = b"word " * (1 << 18)  # 1.25 MiB
        for _ in range(80):
            f.write(block)
    assert path.stat().st_size >= 100_000_000
    for fmt in ("wordlist", "corpus", None):
        tracemalloc.start()
        try:
            with pytest.raises(ExplorerError, match="longer than") as info:
                load_vocabulary(path, fmt)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert info.value.line == 1 and str(path) in str(info.value)
        assert peak < 48 * (1 << 20), f"peak {peak / (1 << 20):.0f} MiB"


# -- corpora -----------------------------------------------------------------------------------
FOX = "the quick brown fox jumps over the lazy dog\n"


def test_corpus_alphabetical_order_as_in_the_classic_example(tmp_path):
    vocab = load_vocabulary(write(tmp_path / "fox.txt", FOX * 3), "corpus", order="alpha")
    assert vocab.tokens[:3] == ["brown", "dog", "fox"]
    assert vocab.counts[vocab.id_of("the")] == 6


def test_corpus_orders_min_count_max_size_and_specials(tmp_path):
    path = write(tmp_path / "c.txt", "b a c\na b\nb\nz\n")
    assert load_vocabulary(path, "corpus", order="freq").tokens == ["b", "a", "c", "z"]
    assert load_vocabulary(path, "corpus", order="first").tokens == ["b", "a", "c", "z"]
    assert load_vocabulary(path, "corpus", order="alpha").tokens == ["a", "b", "c", "z"]
    assert load_vocabulary(path, "corpus", min_count=2).tokens == ["b", "a"]
    vocab = load_vocabulary(path, "corpus", max_size=4, specials=["pad", "<unk>"], order="alpha")
    assert vocab.tokens == ["<pad>", "<unk>", "a", "b"]
    assert vocab.specials == {"pad": 0, "unk": 1}
    assert vocab.encode("a q") == (["a", "q"], [2, 1])  # unknown -> <unk>
    with pytest.raises(ExplorerError, match="order"):
        load_vocabulary(path, "corpus", order="random")


def test_unknown_words_are_marked_when_there_is_no_unknown_token(tmp_path):
    vocab = load_vocabulary(write(tmp_path / "c.txt", FOX), "corpus")
    pieces, ids = vocab.encode("The lazy cat")
    assert pieces == ["the", "lazy", "cat"] and ids[2] is None and ids[0] == vocab.id_of("the")


def test_whitespace_tokenizer_keeps_case(tmp_path):
    vocab = load_vocabulary(write(tmp_path / "c.txt", "The cat. the Cat\n"), "corpus", tokenizer="whitespace")
    assert set(vocab.tokens) == {"The", "cat.", "the", "Cat"}


def test_kjv_corpus(shared_data):
    vocab = load_vocabulary(shared_data / "corpora" / "kjv-verses.txt")
    assert vocab.kind == "corpus"
    assert vocab.tokens[:3] == ["the", "and", "of"]
    assert 750_000 < vocab.counts.sum() < 850_000
    assert 10_000 < len(vocab) < 16_000
    assert vocab.counts.tolist() == sorted(vocab.counts.tolist(), reverse=True)
    assert vocab.tokens == build_vocab((shared_data / "corpora" / "kjv-verses.txt").read_text().splitlines()).tokens


@pytest.mark.parametrize("name", ["lee.cor", "lee_background.cor"])
def test_gensim_corpora(shared_data, name):
    path = shared_data / "gensim" / name
    assert detect_format(path) == "corpus" and detect_kind(path) == "corpus"
    vocab = load_vocabulary(path, min_count=2, specials=["pad", "unk", "bos", "eos"], errors="replace")
    assert vocab.tokens[:4] == ["<pad>", "<unk>", "<bos>", "<eos>"]
    assert vocab.counts[4:].min() >= 2


def test_real_invalid_utf8_in_lee_cor(shared_data):
    path = shared_data / "gensim" / "lee.cor"  # a latin-1 pound sign (0xa3) on line 41
    with pytest.raises(InvalidEncoding) as info:
        load_vocabulary(path)
    assert info.value.line == 41 and info.value.affected_lines >= 1 and "0xa3" in str(info.value)
    vocab = load_vocabulary(path, errors="replace")
    assert any("line 41" in w for w in vocab.warnings)


def test_corpus_counted_with_a_loaded_tokenizer(shared_data):
    path = shared_data / "gensim" / "lee.cor"
    vocab = load_vocabulary(path, "corpus", tokenizer=shared_data / "tokenizers" / "bert", specials=["unk"],
                            errors="replace")
    assert any(t.startswith("##") for t in vocab.tokens)
    assert "hurricane" in vocab.index or "##ane" in vocab.index or len(vocab) > 1000
    pieces, ids = vocab.encode("The senators met")
    assert pieces[0] == "the"
    assert all(i == vocab.id_of(p) or (i == 0 and p not in vocab.index) for p, i in zip(pieces, ids))


def test_progress_and_cancel(tmp_path):
    path = write(tmp_path / "big.txt", FOX * 60_000)  # ~2.6 MB: several chunks
    seen = []
    load_vocabulary(path, "corpus", progress=seen.append)
    assert seen[0] == 0.0 and seen[-1] == 1.0 and seen == sorted(seen) and len(seen) > 3
    with pytest.raises(Cancelled):
        load_vocabulary(path, "corpus", should_cancel=lambda: True)


def test_iter_blocks_line_numbers_cover_every_line(tmp_path):
    lines = [f"line {i}" if i % 7 else "" for i in range(1, 5001)]
    path = write(tmp_path / "n.txt", "\n".join(lines))
    seen = []
    for first, block in iter_blocks(path, chunk_bytes=1000):
        for i, text in enumerate(block.split("\n")):
            seen.append((first + i, text))
    assert seen == list(enumerate(lines, start=1))


# -- tokenizer files and vectors ---------------------------------------------------------------
@pytest.mark.parametrize("rel", ["tokenizers/gpt2/encoder.json", "tokenizers/gpt2", "tokenizers/gpt2/vocab.bpe"])
def test_gpt2_from_either_file_or_the_folder(shared_data, rel):
    path = shared_data / rel
    assert detect_format(path) == "gpt2" and detect_kind(path) == "tokenizer"
    vocab = load_vocabulary(path)
    assert len(vocab) == 50_257 and vocab.tokens[50_256] == "<|endoftext|>"
    assert vocab.specials == {"eos": 50_256}
    assert describe(vocab)["specials"] == ["<|endoftext|>"]


def test_gpt2_encoder_without_merges(shared_data, tmp_path):
    shutil.copy(shared_data / "tokenizers" / "gpt2" / "encoder.json", tmp_path / "encoder.json")
    with pytest.raises(ExplorerError, match="vocab.bpe"):
        load_vocabulary(tmp_path / "encoder.json", "gpt2")
    vocab = load_vocabulary(tmp_path / "encoder.json")  # detected as a plain JSON map
    assert len(vocab) == 50_257 and vocab.kind == "json"


def test_gpt2_bad_merges_line_is_named(shared_data, tmp_path):
    shutil.copy(shared_data / "tokenizers" / "gpt2" / "encoder.json", tmp_path / "encoder.json")
    write(tmp_path / "vocab.bpe", "#version: 0.2\nĠ t\nthis is bad\n")
    with pytest.raises(ExplorerError) as info:
        load_vocabulary(tmp_path)
    assert info.value.line == 3 and "vocab.bpe" in str(info.value)


def test_bert_vocab_txt_and_tokenizer_json_agree(shared_data):
    bert = shared_data / "tokenizers" / "bert"
    assert detect_format(bert / "vocab.txt") == "wordpiece"
    from_txt = load_vocabulary(bert / "vocab.txt")
    from_json = load_vocabulary(bert / "tokenizer.json")
    assert len(from_txt) == len(from_json) == 30_522
    assert from_txt.tokens == from_json.tokens
    assert from_txt.specials == from_json.specials == {"pad": 0, "unk": 100, "cls": 101, "sep": 102, "mask": 103}
    text = "The unaffable King's queens, naïvely!"
    assert from_txt.encode(text) == from_json.encode(text)


def test_vectors_token_column(shared_data):
    vectors = pytest.importorskip("explorer.core.io.vectors")
    if not hasattr(vectors, "read_vector_tokens"):
        pytest.skip("read_vector_tokens is not implemented yet")
    path = shared_data / "gensim" / "test_glove.txt"
    assert detect_format(path) == "vectors"
    vocab = load_vocabulary(path)
    assert len(vocab) == 76 and vocab.kind == "vectors"
    assert np.all([" " not in t for t in vocab.tokens])


def test_unknown_format_is_an_error(tmp_path):
    with pytest.raises(ExplorerError, match="unknown vocabulary format"):
        load_vocabulary(write(tmp_path / "a.txt", "a\n"), "xml")


def test_describe_is_json_ready(tmp_path):
    vocab = load_vocabulary(write(tmp_path / "c.txt", FOX), "corpus", specials=["pad"])
    summary = json.loads(json.dumps(describe(vocab)))
    assert summary["size"] == 9 and summary["format"] == "corpus"
    assert summary["specials"] == ["<pad>"] and summary["first"][0] == "<pad>"


def test_is_number_reads_fields_as_float_does_in_bytes_or_text():
    for field in (b"1e-05", "-2.5E+3", b" 7 ", "nan", b"inf", ".25"):
        assert is_number(field)
    for field in (b"at&t", "1,5", b"", "0x10", b"\xff"):
        assert not is_number(field)


def test_a_session_is_recognised_by_its_content_whatever_its_name(tmp_path):
    import numpy as np

    from explorer.core.io.session import Session, save_session

    saved = tmp_path / "run.eexp"
    save_session(saved, Session(vocab=Vocabulary(tokens=["a", "b", "c"]), weights=np.eye(3, dtype=np.float32)))
    renamed = saved.rename(tmp_path / "run.session")
    assert detect_kind(renamed) == "session"
    plain_zip = tmp_path / "other.session"
    import zipfile

    with zipfile.ZipFile(plain_zip, "w") as zf:
        zf.writestr("readme.txt", "not a session")
    with pytest.raises(ExplorerError, match="binary file"):  # any other zip is not taken for one
        detect_kind(plain_zip)


# -- compressed files ------------------------------------------------------------------------
@pytest.mark.parametrize("tool", ["gzip", "bz2", "lzma"])
def test_compressed_vocabularies_and_corpora_load_as_the_plain_files(shared_data, tmp_path, tool):
    import importlib

    compress = importlib.import_module(tool).compress
    suffix = {"gzip": ".gz", "bz2": ".bz2", "lzma": ".xz"}[tool]
    for rel, fmt, kind, options in (("tokenizers/bert/vocab.txt", "wordpiece", "tokenizer", {}),
                                    ("gensim/lee.cor", "corpus", "corpus", {"errors": "replace"}),
                                    ("gensim/test_glove.txt", "vectors", "vectors", {})):
        plain = shared_data / rel
        path = write(tmp_path / (plain.name + suffix), compress(plain.read_bytes()))
        assert detect_format(path) == detect_format(plain) == fmt, rel
        assert detect_kind(path) in (kind, "vocab"), rel
        got, want = load_vocabulary(path, **options), load_vocabulary(plain, **options)
        assert got.tokens == want.tokens, rel
        assert (got.counts is None and want.counts is None) or list(got.counts) == list(want.counts)


def test_invalid_utf8_in_a_compressed_corpus_names_its_line(shared_data, tmp_path):
    import bz2

    path = write(tmp_path / "lee.cor.bz2", bz2.compress((shared_data / "gensim" / "lee.cor").read_bytes()))
    with pytest.raises(ExplorerError, match=r"invalid UTF-8 \(byte 0xa3\)") as info:
        load_vocabulary(path, "corpus")
    assert info.value.line == 41 and str(path) in str(info.value)
    words = write(tmp_path / "words.txt", "BZh9\nBZh\nPK\n")  # the magic bytes' letters, as text
    assert load_vocabulary(words).tokens == ["BZh9", "BZh", "PK"]


def test_a_zero_row_vectors_header_is_no_vocabulary(tmp_path):
    path = write(tmp_path / "vectors.txt", b"0 3\nthe 1 2 3\n")
    with pytest.raises(ExplorerError, match="the header says 0 words") as info:
        load_vocabulary(path, "vectors")
    assert info.value.line == 1


def test_a_compressed_corpus_trains_as_the_plain_one(shared_data, tmp_path):
    import gzip
    import lzma

    from explorer.core.tokens.corpus import read_lines

    plain = shared_data / "gensim" / "lee_background.cor"
    for name, compress in (("lee.cor.gz", gzip.compress), ("lee.cor.xz", lzma.compress)):
        path = write(tmp_path / name, compress(plain.read_bytes()))
        assert read_lines(path) == read_lines(plain)
    cut = write(tmp_path / "cut.cor.gz", gzip.compress(plain.read_bytes())[:5000])
    with pytest.raises(ExplorerError, match=r"damaged compressed data \(truncated\?\)") as info:
        read_lines(cut)
    assert str(cut) in str(info.value)
