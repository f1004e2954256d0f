"""Pretrained vectors: every real file, every format, and every kind of bad input."""

import json
import pickle
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from explorer.core import Cancelled, ExplorerError
from explorer.core.io import vectors as vf
from explorer.core.io.vectors import (
    NeedsTensorChoice, NeedsVocabulary, list_tensors, load_vectors, read_vector_tokens, sniff_format,
)

REAL = {  # file -> (format, rows, dim)
    "test_glove.txt": ("glove", 76, 50),
    "word2vec_pre_kv_c": ("word2vec", 1750, 10),
    "euclidean_vectors.bin": ("word2vec_binary", 2747, 10),
    "high_precision.kv.bin": ("word2vec_binary", 2, 2),
    "high_precision.kv.txt": ("word2vec", 2, 2),
    "lee_fasttext.vec": ("fasttext", 1762, 10),
    "toy-model.vec": ("fasttext", 22, 5),
    "pang_lee_polarity_fasttext.vec": ("fasttext", 1694, 100),
    "crime-and-punishment.vec": ("fasttext", 291, 5),
}


@pytest.mark.parametrize("name", list(REAL))
def test_real_files_load_exactly_as_gensim_reads_them(shared_data, name):
    gensim = pytest.importorskip("gensim.models")
    path = shared_data / "gensim" / name
    fmt, rows, dim = REAL[name]
    loaded = load_vectors(path)
    assert (loaded.format, loaded.weights.shape) == (fmt, (rows, dim))
    assert loaded.weights.dtype == np.float32 and len(loaded.vocab) == rows
    kv = gensim.KeyedVectors.load_word2vec_format(str(path), binary=fmt == "word2vec_binary",
                                                  no_header=fmt == "glove", unicode_errors="replace")
    assert kv.index_to_key == loaded.vocab.tokens
    assert np.array_equal(kv.vectors, loaded.weights)


def test_non_ascii_tokens_survive(shared_data):
    glove = load_vectors(shared_data / "gensim" / "test_glove.txt")
    assert "é" in glove.vocab.index
    crime = load_vectors(shared_data / "gensim" / "crime-and-punishment.vec")
    assert crime.vocab.tokens[:3] == ["и", "в", "на"]


def test_invalid_utf8_is_replaced_with_a_warning_that_counts_tokens(shared_data):
    loaded = load_vectors(shared_data / "gensim" / "pang_lee_polarity_fasttext.vec")
    assert len(loaded.warnings) == 1 and "5 token(s) were not valid UTF-8" in loaded.warnings[0]
    assert "line 150" in loaded.warnings[0]
    assert any("\ufffd" in t for t in loaded.vocab.tokens) and "</s>" in loaded.vocab.index


def test_a_header_whose_counts_lie_names_file_and_line(shared_data):
    path = shared_data / "gensim" / "pretrained.vec"
    with pytest.raises(ExplorerError) as info:
        load_vectors(path)
    assert str(path) in str(info.value) and "line 1" in str(info.value)
    assert "says 3 vectors" in str(info.value) and "has 1" in str(info.value)


def test_high_precision_values_are_exact(shared_data):
    loaded = load_vectors(shared_data / "gensim" / "high_precision.kv.txt")
    assert loaded.weights[0, 0] == np.float32(-0.0007369244245224787)
    binary = load_vectors(shared_data / "gensim" / "high_precision.kv.bin")
    assert np.allclose(binary.weights, loaded.weights, rtol=1e-3)  # the binary was saved rounded


def test_read_vector_tokens_gives_the_token_column(shared_data):
    for name in ("lee_fasttext.vec", "test_glove.txt", "euclidean_vectors.bin"):
        path = shared_data / "gensim" / name
        assert read_vector_tokens(path).tokens == load_vectors(path).vocab.tokens


def test_minilm_safetensors_with_bert_vocab_is_semantic(shared_data):
    path = shared_data / "vectors" / "minilm-embeddings.safetensors"
    tensors = list_tensors(path)
    assert tensors["embeddings.word_embeddings.weight"] == (30522, 384)
    assert len(tensors) == 3
    loaded = load_vectors(path, vocab_path=shared_data / "tokenizers" / "bert" / "vocab.txt")
    assert loaded.tensor_name == "embeddings.word_embeddings.weight"
    assert loaded.weights.shape == (30522, 384) and loaded.vocab.specials["pad"] == 0
    w = loaded.weights / np.linalg.norm(loaded.weights, axis=1, keepdims=True)
    king = loaded.vocab.index["king"]
    nearest = [loaded.vocab.tokens[i] for i in np.argsort(-(w @ w[king]))[1:11]]
    assert "queen" in nearest
    with pytest.raises(ExplorerError, match="30,522 tokens but the matrix only 512 rows"):
        load_vectors(path, vocab_path=shared_data / "tokenizers" / "bert" / "vocab.txt",
                     tensor_name="embeddings.position_embeddings.weight")


def test_a_table_without_tokens_asks_for_a_vocabulary(shared_data):
    with pytest.raises(NeedsVocabulary, match="holds no tokens"):  # a question for the user, by its type
        load_vectors(shared_data / "vectors" / "minilm-embeddings.safetensors")


# -- generated files ----------------------------------------------------------------------
def write(tmp_path, name, text, mode="w"):
    path = tmp_path / name
    if mode == "wb":
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def error_of(path, **kwargs) -> ExplorerError:
    with pytest.raises(ExplorerError) as info:
        load_vectors(path, **kwargs)
    assert str(path) in str(info.value)
    return info.value


def test_ragged_rows_name_the_line(tmp_path):
    path = write(tmp_path, "g.txt", "a 1 2 3\nb 4 5 6\nc 7 8\nd 1 1 1\n")
    exc = error_of(path)
    assert exc.line == 3 and "2 numbers, expected 3" in str(exc)
    path = write(tmp_path, "g2.txt", "a 1 2 3\nb 4 5 6 7\n")
    assert error_of(path).line == 2


def test_non_numeric_values_name_the_line(tmp_path):
    path = write(tmp_path, "g.txt", "a 1 2 3\nb 4 x5 6\n")
    exc = error_of(path)
    assert exc.line == 2 and "x5" in str(exc)
    for bad in ("1,5", "1.2.3", "1-2", "--1", ".", "-", "0x10"):
        path = write(tmp_path, "h.txt", f"a 1 2 3\nb 4 {bad} 6\n")
        assert error_of(path).line == 2, bad


def test_nan_and_inf_are_rejected_with_their_rows(tmp_path):
    path = write(tmp_path, "g.txt", "a 1 2\nb nan 2\nc 1 2\nd 1 -inf\n")
    exc = error_of(path)
    assert "2 row(s)" in str(exc) and "lines 2, 4" in str(exc) and exc.line == 2


def test_a_header_with_fewer_rows_than_the_file_names_the_first_extra_line(tmp_path):
    path = write(tmp_path, "w.vec", "2 2\na 1 2\nb 3 4\nc 5 6\n")
    exc = error_of(path)
    assert exc.line == 4 and "says 2 vectors" in str(exc)


def test_a_header_whose_dim_lies_is_a_ragged_row(tmp_path):
    path = write(tmp_path, "w.vec", "2 3\na 1 2\nb 3 4\n")
    assert error_of(path).line == 2


def test_duplicate_tokens_name_both_lines(tmp_path):
    path = write(tmp_path, "g.txt", "a 1 2\nb 3 4\na 5 6\n")
    exc = error_of(path)
    assert exc.line == 3 and "also on line 1" in str(exc)


def test_truncated_binary_names_the_vector_and_byte(shared_data, tmp_path):
    data = (shared_data / "gensim" / "euclidean_vectors.bin").read_bytes()
    path = write(tmp_path, "cut.bin", data[: len(data) // 2], "wb")
    exc = error_of(path)
    assert "truncated" in str(exc) and exc.offset is not None and "vector 1,386 of 2,747" in str(exc)


def test_binary_roundtrip_with_and_without_newlines(tmp_path):
    w = np.arange(6, dtype=np.float32).reshape(3, 2) / 7
    for sep in (b"", b"\n"):
        body = b"".join(t.encode() + b" " + row.astype("<f4").tobytes() + sep for t, row in zip("xyz", w))
        path = write(tmp_path, "v.bin", b"3 2\n" + body, "wb")
        loaded = load_vectors(path)
        assert loaded.format == "word2vec_binary" and loaded.vocab.tokens == ["x", "y", "z"]
        assert np.array_equal(loaded.weights, w)


@pytest.mark.parametrize("suffix", [".pkl", ".kv", ".bin", ".model"])
def test_pickles_are_refused(tmp_path, suffix):
    path = tmp_path / f"model{suffix}"
    path.write_bytes(pickle.dumps({"vectors": [1, 2]}))
    assert "pickle" in str(error_of(path))


def test_npy_with_objects_is_refused_and_plain_npy_needs_a_vocabulary(tmp_path):
    np.save(tmp_path / "o.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    vocab = write(tmp_path, "vocab.txt", "a\nb\nc\n")
    assert "Python objects" in str(error_of(tmp_path / "o.npy", vocab_path=vocab))
    w = np.random.default_rng(0).standard_normal((3, 4)).astype(np.float32)
    np.save(tmp_path / "w.npy", w)
    assert "holds no tokens" in str(error_of(tmp_path / "w.npy"))
    assert isinstance(error_of(tmp_path / "w.npy"), NeedsVocabulary)
    loaded = load_vectors(tmp_path / "w.npy", vocab_path=vocab)
    assert loaded.format == "npy" and loaded.vocab.tokens == ["a", "b", "c"] and np.array_equal(loaded.weights, w)


def test_npz_with_its_own_tokens_and_a_tensor_choice(tmp_path):
    w = np.ones((3, 2), dtype=np.float32)
    np.savez(tmp_path / "m.npz", first=w, other=np.zeros((3, 5)), tokens=np.array(["x", "y", "z"]))
    assert list_tensors(tmp_path / "m.npz") == {"first": (3, 2), "other": (3, 5), "tokens": (3,)}
    assert "choose one by name" in str(error_of(tmp_path / "m.npz"))
    with pytest.raises(NeedsTensorChoice) as asked:
        load_vectors(tmp_path / "m.npz")
    assert asked.value.choices == {"first": (3, 2), "other": (3, 5)}  # the 2-D tables, not the tokens
    loaded = load_vectors(tmp_path / "m.npz", tensor_name="other")
    assert loaded.weights.shape == (3, 5) and loaded.vocab.tokens == ["x", "y", "z"]


class Evil:
    """Not a tensor: a checkpoint holding it needs full unpickling."""


def test_torch_checkpoints_load_only_tensors(tmp_path):
    torch = pytest.importorskip("torch")
    w = torch.randn(4, 3)
    torch.save({"model": {"embed.weight": w, "bias": torch.zeros(3)}}, tmp_path / "c.pt")
    vocab = write(tmp_path, "vocab.txt", "a\nb\nc\nd\n")
    assert list_tensors(tmp_path / "c.pt") == {"model.embed.weight": (4, 3), "model.bias": (3,)}
    loaded = load_vectors(tmp_path / "c.pt", vocab_path=vocab)
    assert loaded.tensor_name == "model.embed.weight" and np.array_equal(loaded.weights, w.numpy())
    torch.save({"w": w, "x": Evil()}, tmp_path / "evil.pt")
    assert "weights_only=True" in str(error_of(tmp_path / "evil.pt", vocab_path=vocab))


def test_projector_tsv_with_metadata(tmp_path):
    w = np.arange(6, dtype=np.float32).reshape(3, 2) / 4
    np.savetxt(tmp_path / "vectors.tsv", w, delimiter="\t")
    write(tmp_path, "metadata.tsv", "word\tcount\nx\t1\ny\t2\nz\t3\n")
    loaded = load_vectors(tmp_path / "vectors.tsv")
    assert loaded.format == "tsv" and loaded.vocab.tokens == ["x", "y", "z"]
    assert np.array_equal(loaded.weights, w)


def test_special_tokens_are_found_by_each_role_s_spellings(tmp_path):
    text = "".join(f"{t} 1 {i}\n" for i, t in enumerate(["the", "<unk>", "[UNK]", "[PAD]", "</s>", "<|endoftext|>",
                                                          "[MASK]"]))
    vocab = load_vectors(write(tmp_path, "s.txt", text)).vocab
    # BERT's [UNK] is preferred to <unk>; </s> to <|endoftext|>; "the" is no special
    assert vocab.specials == {"unk": 2, "pad": 3, "eos": 4, "mask": 6}


def test_text_variants_crlf_bom_blank_lines_tabs_exponents_and_spaces_in_tokens(tmp_path):
    text = "\ufeffthe 1e-05 -2.5E+3\r\n\r\nat&t corp 0.5 +7\r\nx\t.25\t-0\r\nlast 3 4"
    loaded = load_vectors(write(tmp_path, "g.txt", text))
    assert loaded.vocab.tokens == ["the", "at&t corp", "x", "last"]
    assert loaded.weights.tolist() == [[1e-05, -2500.0], [0.5, 7.0], [0.25, -0.0], [3.0, 4.0]] or \
        np.array_equal(loaded.weights, np.array([[1e-05, -2500], [0.5, 7], [0.25, 0], [3, 4]], dtype=np.float32))


def test_chunk_boundaries_do_not_matter(tmp_path, monkeypatch):
    rng = np.random.default_rng(1)
    w = rng.standard_normal((500, 7)).astype(np.float32)
    lines = [f"tok{i} " + " ".join(f"{v:.6g}" for v in row) for i, row in enumerate(w)]
    path = write(tmp_path, "g.txt", "\n".join(lines) + "\n")
    whole = load_vectors(path)
    monkeypatch.setattr(vf, "CHUNK_BYTES", 97)
    seen = []
    chunked = load_vectors(path, progress=seen.append)
    assert np.array_equal(whole.weights, chunked.weights) and whole.vocab.tokens == chunked.vocab.tokens
    assert np.allclose(whole.weights, w, rtol=1e-5) and seen[-1] == 1.0 and len(seen) > 10


def test_loading_can_be_cancelled(tmp_path, monkeypatch):
    path = write(tmp_path, "g.txt", "".join(f"t{i} 1 2\n" for i in range(200)))
    monkeypatch.setattr(vf, "CHUNK_BYTES", 64)
    with pytest.raises(Cancelled):
        load_vectors(path, should_cancel=lambda: True)


def test_unknown_files_are_clear_errors(tmp_path):
    assert "empty" in str(error_of(write(tmp_path, "e.txt", "")))
    assert "not a vectors file" in str(error_of(write(tmp_path, "w.txt", "justoneword\n")))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=st.lists(st.lists(st.floats(-1e6, 1e6, allow_nan=False, width=32), min_size=3, max_size=3),
                       min_size=1, max_size=30),
       fmt=st.sampled_from(["{!r}", "{:.5g}", "{:.3e}", "{:.8f}"]))
def test_any_written_numbers_read_back_as_float_would(tmp_path_factory, values, fmt):
    tmp = tmp_path_factory.mktemp("h")
    lines = [f"w{i} " + " ".join(fmt.format(float(v)) for v in row) for i, row in enumerate(values)]
    path = tmp / "g.txt"
    path.write_text("\n".join(lines) + "\n")
    loaded = load_vectors(path)
    expected = np.array([[float(x) for x in line.split()[1:]] for line in lines], dtype=np.float32)
    assert np.array_equal(loaded.weights, expected)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(row=st.integers(0, 9), junk=st.sampled_from(["abc", "1..2", "nan", "inf", "", "1 2", "é"]))
def test_one_bad_row_anywhere_is_reported_at_its_line(tmp_path_factory, row, junk):
    tmp = tmp_path_factory.mktemp("h")
    lines = [f"w{i} 0.5 -1.25 3" for i in range(10)]
    lines[row] = f"w{row} 0.5 {junk} 3"
    path = tmp / "g.txt"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(ExplorerError) as info:
        load_vectors(path)
    assert info.value.line == row + 1 and str(path) in str(info.value)


def test_sniff_format_names(shared_data):
    assert sniff_format(shared_data / "gensim" / "word2vec_pre_kv_c") == "word2vec"
    assert sniff_format(shared_data / "vectors" / "minilm-embeddings.safetensors") == "safetensors"


# -- formats named and refused -------------------------------------------------------------
def _every_loader_refuses(path, message):
    """The window (detect_kind), the vectors loader, its token column and the vocabulary loader
    all give the same message, naming the file."""
    from explorer.core.io.detect import detect_kind
    from explorer.core.io.vocab_files import load_vocabulary

    for read in (detect_kind, sniff_format, load_vectors, read_vector_tokens, load_vocabulary):
        with pytest.raises(ExplorerError) as info:
            read(path)
        assert str(info.value) == f"{path}, byte 0: {message}", read.__name__


def _compressed(data: bytes, tool: str) -> bytes:
    import bz2
    import gzip
    import lzma
    import shutil
    import subprocess

    if tool == "gzip":
        return gzip.compress(data)
    if tool == "bzip2":
        return bz2.compress(data)
    if tool == "xz":
        return lzma.compress(data)
    if shutil.which("zstd") is None:
        pytest.skip("the zstd command is absent")
    return subprocess.run(["zstd", "-q", "-c"], input=data, capture_output=True, check=True).stdout


@pytest.mark.parametrize("tool, suffix", [("gzip", ".gz"), ("bzip2", ".bz2"), ("xz", ".xz")])
def test_compressed_vectors_load_as_the_plain_file_does(shared_data, tmp_path, tool, suffix):
    from explorer.core.io.detect import detect_kind
    from explorer.core.io.vocab_files import load_vocabulary

    for name, fmt in (("test_glove.txt", "glove"), ("lee_fasttext.vec", "fasttext"),
                      ("word2vec_pre_kv_c", "word2vec"), ("euclidean_vectors.bin", "word2vec_binary")):
        plain = shared_data / "gensim" / name
        path = write(tmp_path, name + suffix, _compressed(plain.read_bytes(), tool), "wb")
        assert detect_kind(path) == "vectors", name
        assert sniff_format(path) == fmt, name
        want, got = load_vectors(plain), load_vectors(path)
        assert got.vocab.tokens == want.vocab.tokens and got.format == fmt
        np.testing.assert_array_equal(got.weights, want.weights)
        assert read_vector_tokens(path).tokens == want.vocab.tokens
        assert load_vocabulary(path, "vectors").tokens == want.vocab.tokens
    # named .vec, the file still says by its bytes that it is compressed
    path = write(tmp_path, "glove.vec", _compressed((shared_data / "gensim" / "test_glove.txt").read_bytes(), tool),
                 "wb")
    assert load_vectors(path).weights.shape == (76, 50)


def test_compressed_vectors_report_progress_by_compressed_bytes(shared_data, tmp_path):
    import gzip

    data = (shared_data / "gensim" / "pang_lee_polarity_fasttext.vec").read_bytes()
    path = write(tmp_path, "polarity.vec.gz", gzip.compress(data), "wb")
    seen = []
    loaded = load_vectors(path, progress=seen.append)
    assert loaded.weights.shape == (1694, 100)
    assert seen == sorted(seen) and seen[-1] == 1.0 and len(seen) >= 3


def test_errors_in_a_compressed_file_name_the_file_and_line(shared_data, tmp_path):
    import bz2
    import gzip

    lines = (shared_data / "gensim" / "test_glove.txt").read_bytes().split(b"\n")
    lines[40] = b" ".join(lines[40].split()[:-1])  # one number short
    path = write(tmp_path, "glove.txt.bz2", bz2.compress(b"\n".join(lines)), "wb")
    with pytest.raises(ExplorerError, match="ragged rows") as info:
        load_vectors(path)
    assert info.value.line == 41 and str(path) in str(info.value)
    truncated = gzip.compress((shared_data / "gensim" / "lee_fasttext.vec").read_bytes())
    path = write(tmp_path, "cut.vec.gz", truncated[: len(truncated) // 2], "wb")
    with pytest.raises(ExplorerError, match=r"damaged gzip data \(truncated\?\)") as info:
        load_vectors(path)
    assert str(path) in str(info.value)


def test_a_zstd_file_still_says_how_to_decompress_it(shared_data, tmp_path):
    glove = (shared_data / "gensim" / "test_glove.txt").read_bytes()
    blob = _compressed(glove, "zstd")
    path = write(tmp_path, "test_glove.txt.zst", blob, "wb")
    _every_loader_refuses(path, "zstd-compressed: decompress it first (unzstd test_glove.txt.zst)")
    path = write(tmp_path, "glove.vec", blob, "wb")
    _every_loader_refuses(path, "zstd-compressed: decompress it first (unzstd -c glove.vec > glove.vec.out)")


def test_a_compressed_table_without_tokens_says_decompress_it(tmp_path):
    import gzip
    import io

    buffer = io.BytesIO()
    np.save(buffer, np.zeros((3, 2), np.float32))
    path = write(tmp_path, "m.npy.gz", gzip.compress(buffer.getvalue()), "wb")
    with pytest.raises(ExplorerError) as info:
        load_vectors(path)
    assert str(info.value) == f"{path}, byte 0: a gzip-compressed NumPy .npy: decompress it first (gunzip m.npy.gz)"


def test_an_executable_is_a_binary_file_not_ragged_rows(tmp_path):
    import shutil

    from explorer.core.io.detect import detect_kind

    exe = Path(shutil.which("ls") or "/bin/ls")
    for path in (exe, Path(shutil.copy(exe, tmp_path / "ls.bin")), Path(shutil.copy(exe, tmp_path / "ls.vec"))):
        for read in (detect_kind, load_vectors):
            try:
                read(path)
            except ExplorerError as exc:
                message = str(exc)
            else:
                message = ""
            if read is detect_kind and path.suffix in (".bin", ".vec"):
                continue  # a vectors name: the vectors loader says what it is
            assert message.startswith(f"{path}, byte 0: ") and "binary file (an executable (ELF))" in message, message
            assert "ragged" not in message


def test_a_zip_of_a_vectors_file_says_extract_it(shared_data, tmp_path):
    import zipfile

    from explorer.core.io.detect import detect_kind

    path = tmp_path / "glove.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.write(shared_data / "gensim" / "test_glove.txt", "test_glove.txt")
    with pytest.raises(ExplorerError, match=r"a zip archive .*not an Embedding Explorer session: extract the "
                                            r"file you want from it first \(unzip glove.zip\)"):
        detect_kind(path)
    with pytest.raises(ExplorerError, match="neither a .npz nor a PyTorch checkpoint: extract the vectors file"):
        load_vectors(path)
    renamed = path.rename(tmp_path / "glove.vec")  # a vectors name: refused by the vectors loader
    with pytest.raises(ExplorerError, match="extract the vectors file from it first"):
        load_vectors(renamed)


def test_the_vectors_command_reads_a_compressed_file(shared_data, tmp_path, capsys):
    import gzip

    from explorer.cli import main

    path = write(tmp_path, "glove.txt.gz", gzip.compress((shared_data / "gensim" / "test_glove.txt").read_bytes()),
                 "wb")
    assert main(["vectors", str(path), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert (info["rows"], info["dim"], info["format"]) == (76, 50, "glove")


def test_a_gzipped_vocabulary_for_a_table_is_read(tmp_path):
    import gzip

    np.save(tmp_path / "m.npy", np.zeros((76, 50), np.float32))
    vocab = write(tmp_path, "vocab.txt.gz", gzip.compress(b"\n".join(f"w{i}".encode() for i in range(76))), "wb")
    loaded = load_vectors(tmp_path / "m.npy", vocab_path=vocab)
    assert loaded.vocab.tokens[:2] == ["w0", "w1"] and len(loaded.vocab) == 76


@pytest.mark.parametrize("compiled", [False, True])
def test_word2vec_binary_walk_compiled_or_not_reads_the_same(shared_data, tmp_path, monkeypatch, compiled):
    """Big files take the numba walk, small ones the Python one: both read every row alike,
    with tokens of invalid UTF-8, CRLF row ends and truncation reported the same way."""
    pytest.importorskip("numba")
    from explorer.core.io import _binscan

    monkeypatch.setattr(_binscan, "COMPILE_MIN_ROWS", 0 if compiled else 10**12)
    rng = np.random.default_rng(5)
    m = rng.standard_normal((300, 7)).astype(np.float32)
    words = [f"w{i}".encode() for i in range(300)]
    words[3] = b"caf\xe9"  # latin-1: replaced, with a warning
    body = b"".join(w + b" " + m[i].tobytes() + (b"\r\n" if i % 2 else b"\n") for i, w in enumerate(words))
    path = write(tmp_path, "m.bin", b"300 7\n" + body, "wb")
    loaded = load_vectors(path)
    np.testing.assert_array_equal(loaded.weights, m)
    assert loaded.vocab.tokens[3] == "caf\ufffd" and loaded.vocab.tokens[299] == "w299"
    assert any("not valid UTF-8 (first in vector 4)" in w for w in loaded.warnings)
    for name in ("euclidean_vectors.bin", "high_precision.kv.bin"):
        real = load_vectors(shared_data / "gensim" / name)
        monkeypatch.setattr(_binscan, "COMPILE_MIN_ROWS", 10**12 if compiled else 0)
        other = load_vectors(shared_data / "gensim" / name)
        monkeypatch.setattr(_binscan, "COMPILE_MIN_ROWS", 0 if compiled else 10**12)
        assert real.vocab.tokens == other.vocab.tokens
        np.testing.assert_array_equal(real.weights, other.weights)
    cut = write(tmp_path, "cut.bin", b"300 7\n" + body[: len(body) // 2], "wb")
    with pytest.raises(ExplorerError, match=r"the file ends inside vector \d+ of 300 that the header promised"):
        load_vectors(cut)


@pytest.mark.parametrize("name", ["euclidean_vectors.bin", "lee_fasttext.vec", "test_glove.txt"])
def test_big_tables_read_into_populated_memory_read_the_same(shared_data, monkeypatch, name):
    """Tables of POPULATE_MIN_BYTES and more are read into a mapping populated at once: the same matrix."""
    import explorer.core.io.vectors as vectors

    plain = load_vectors(shared_data / "gensim" / name)
    monkeypatch.setattr(vectors, "POPULATE_MIN_BYTES", 0)
    mapped = load_vectors(shared_data / "gensim" / name)
    assert mapped.vocab.tokens == plain.vocab.tokens
    np.testing.assert_array_equal(mapped.weights, plain.weights)
    import mmap

    if hasattr(mmap, "MAP_POPULATE"):  # Linux
        root = mapped.weights
        while isinstance(root, np.ndarray):
            root = root.base
        assert isinstance(root, memoryview) and isinstance(root.obj, mmap.mmap) and mapped.weights.flags.writeable


def test_word2vec_binary_rejects_nan_and_inf_rows_but_not_big_finite_ones(tmp_path):
    m = np.ones((6, 3), np.float32)
    m[1, 2] = np.nan
    m[4, 0] = -np.inf
    m[2] = [3e38, 3e38, -1]  # finite, though its sum overflows
    body = b"".join(f"w{i} ".encode() + m[i].tobytes() + b"\n" for i in range(6))
    path = write(tmp_path, "m.bin", b"6 3\n" + body, "wb")
    with pytest.raises(ExplorerError, match=r"NaN or infinite values in 2 vector\(s\): numbers 2, 5") as info:
        load_vectors(path)
    assert str(path) in str(info.value)
    m[1, 2] = m[4, 0] = 0
    body = b"".join(f"w{i} ".encode() + m[i].tobytes() + b"\n" for i in range(6))
    np.testing.assert_array_equal(load_vectors(write(tmp_path, "ok.bin", b"6 3\n" + body, "wb")).weights, m)
