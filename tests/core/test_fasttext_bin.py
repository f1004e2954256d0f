"""Facebook fastText .bin models: words, subword n-grams, and out-of-vocabulary words composed
from them, checked against gensim on gensim's own test models."""

from __future__ import annotations

import importlib.util
import json
import struct
from pathlib import Path

import numpy as np
import pytest

from explorer.core import ExplorerError
from explorer.core.io.detect import detect_kind
from explorer.core.io.vectors import load_vectors, read_vector_tokens, sniff_format

gensim = pytest.importorskip("gensim", reason="gensim (the fasttext extra) is not installed")
TEST_DATA = Path(next(iter(importlib.util.find_spec("gensim").submodule_search_locations))) / "test" / "test_data"


def model(name: str) -> Path:
    path = TEST_DATA / name
    if not path.exists():
        pytest.skip(f"{path} is not shipped with this gensim")
    return path


@pytest.fixture(scope="module")
def lee():
    """gensim's lee_fasttext.bin (the old format, no magic bytes), ours and gensim's."""
    from gensim.models.fasttext import load_facebook_vectors

    path = model("lee_fasttext.bin")
    return path, load_vectors(path), load_facebook_vectors(str(path))


@pytest.mark.parametrize("name", ["lee_fasttext.bin", "lee_fasttext_new.bin", "crime-and-punishment.bin",
                                  "non_ascii_fasttext.bin"])
def test_fasttext_models_are_named_and_load_their_words_as_gensim_does(name):
    from gensim.models.fasttext import load_facebook_vectors

    path = model(name)
    assert detect_kind(path) == "vectors"
    assert sniff_format(path) == "fasttext_bin"
    loaded = load_vectors(path)
    kv = load_facebook_vectors(str(path))
    assert loaded.format == "fasttext_bin" and loaded.label == "fastText binary model"
    assert loaded.vocab.tokens == list(kv.index_to_key)
    np.testing.assert_array_equal(loaded.weights, kv.vectors)
    assert loaded.subwords is not None and loaded.subwords.min_n == kv.min_n and loaded.subwords.max_n == kv.max_n
    np.testing.assert_array_equal(loaded.subwords.ngram_vectors, kv.vectors_ngrams)
    assert read_vector_tokens(path).tokens == loaded.vocab.tokens


@pytest.mark.parametrize("word", ["unseenwordxyz", "kingdoms", "naïveté", "Привет", "x"])
def test_an_oov_word_is_composed_from_its_ngrams_exactly_as_gensim_does(lee, word):
    from gensim.models.fasttext import ft_ngram_hashes
    from gensim.models.fasttext_inner import compute_ngrams_bytes

    _path, loaded, kv = lee
    assert word not in loaded.vocab.index
    vector, ngrams = loaded.subwords.compose(word)
    assert ngrams == [g.decode("utf-8") for g in compute_ngrams_bytes(word, kv.min_n, kv.max_n)]
    assert loaded.subwords.rows_of(ngrams).tolist() == ft_ngram_hashes(word, kv.min_n, kv.max_n, kv.bucket)
    np.testing.assert_allclose(vector, kv.get_vector(word), rtol=1e-5, atol=1e-6)


def test_oov_neighbours_equal_gensim_s(lee):
    from explorer.core.analysis.report import oov_report

    _path, loaded, kv = lee
    report = oov_report(loaded.vocab, loaded.weights, loaded.subwords, "unseenword", None, k=10)
    ours = [(loaded.vocab.tokens[i], s) for i, s in report.neighbours]
    theirs = kv.most_similar("unseenword", topn=10)
    assert [t for t, _ in ours] == [t for t, _ in theirs]
    np.testing.assert_allclose([s for _, s in ours], [s for _, s in theirs], rtol=1e-4)
    assert report.ngrams[:3] == ["<un", "<uns", "<uns" + "e"]
    assert report.summary().startswith(f"not in the vocabulary: composed from {len(report.ngrams)} n-grams <un, <uns,")
    # the index comes back for the next request, and is reused
    again = oov_report(loaded.vocab, loaded.weights, loaded.subwords, "otherword", report.index, k=3)
    assert again.index is report.index and len(again.neighbours) == 3


def test_oov_report_without_a_subword_model_says_so(lee):
    from explorer.core.analysis.report import oov_report

    _path, loaded, _kv = lee
    with pytest.raises(ExplorerError, match="no subword model"):
        oov_report(loaded.vocab, loaded.weights, None, "unseenword", None)


def test_the_workspace_keeps_the_subword_model_of_the_vocabulary_it_holds(lee):
    from explorer.core.state.workspace import Workspace
    from explorer.core.tokens.vocab import Vocabulary

    _path, loaded, _kv = lee
    ws = Workspace(Vocabulary(tokens=["a", "b"]))
    assert ws.subwords is None
    ws.set_vocab(loaded.vocab, None, loaded.weights, made_by="pretrained: lee_fasttext.bin")
    assert ws.subwords is loaded.subwords
    ws.set_vocab(Vocabulary(tokens=["a", "b"]), None, np.zeros((2, 10), np.float32))
    assert ws.subwords is None


def test_neighbors_command_answers_an_unseen_word(lee, capsys):
    from explorer.cli import main

    path, loaded, kv = lee
    assert main(["neighbors", str(path), "--token", "unseenword", "-k", "5", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["token"] for r in rows] == [t for t, _ in kv.most_similar("unseenword", topn=5)]
    assert main(["neighbors", str(path), "--token", "unseenword", "-k", "3"]) == 0
    out = capsys.readouterr().out
    assert "not in the vocabulary: composed from" in out and "<un" in out


def test_a_truncated_fasttext_model_names_the_file(tmp_path):
    # magic, version, then the args block of a real model: dim 100, window 5, epoch 5, ...
    header = struct.pack("<iiiiiiiiiiiid", 0x2F4F16BA, 12, 100, 5, 5, 5, 5, 1, 1, 2000000, 3, 6, 0.0001)
    for name in ("model.bin", "cc.en.300.bin", "model"):
        path = tmp_path / name
        path.write_bytes(header + b"\x00" * 64 + b"the\x00" + bytes(range(256)))
        assert detect_kind(path) == "vectors"
        with pytest.raises(ExplorerError) as info:
            load_vectors(path)
        assert str(info.value).startswith(str(path)) and "(truncated?)" in str(info.value)
    half = tmp_path / "half.bin"
    half.write_bytes(model("lee_fasttext.bin").read_bytes()[:100_000])
    with pytest.raises(ExplorerError, match=r"more than the file's 100,000 bytes \(truncated\?\)"):
        load_vectors(half)
    almost = tmp_path / "almost.bin"  # the counts fit, the end is missing: gensim's error, named
    almost.write_bytes(model("lee_fasttext.bin").read_bytes()[:135_000])
    with pytest.raises(ExplorerError, match="cannot read this fastText binary model") as info:
        load_vectors(almost)
    assert str(info.value).startswith(str(almost))


def test_without_gensim_the_message_says_what_to_install(monkeypatch, lee):
    import builtins

    real = builtins.__import__

    def no_gensim(name, *args, **kwargs):
        if name.startswith("gensim"):
            raise ImportError("No module named 'gensim'")
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_gensim)
    with pytest.raises(ExplorerError, match=r"install embedding-explorer\[fasttext\]"):
        load_vectors(lee[0])


def test_a_header_asking_for_more_than_the_file_holds_is_refused_before_reading(tmp_path):
    data = bytearray(model("lee_fasttext_new.bin").read_bytes())
    bucket_at = 8 + 8 * 4  # magic, version, then dim ws epoch minCount neg wordNgrams loss model bucket
    struct.pack_into("<i", data, bucket_at, 2**30)
    path = tmp_path / "lying.bin"
    path.write_bytes(bytes(data))
    with pytest.raises(ExplorerError, match=r"the header says 1,763 words and 1,073,741,824 n-gram rows of 10 "
                                            r"dimensions .* more than the file's [\d,]+ bytes") as info:
        load_vectors(path)
    assert str(info.value).startswith(f"{path}, byte 8:")


def test_words_running_to_the_end_of_the_file_are_refused_not_read_forever(tmp_path):
    """gensim reads a word byte by byte up to its NUL and never stops when the file ends first
    (found by fuzzing): the words are walked before gensim is called."""
    data = bytearray(model("lee_fasttext_new.bin").read_bytes())
    data[2000:] = b"x" * (len(data) - 2000)  # no NUL after byte 2,000: the words never end
    path = tmp_path / "endless.bin"
    path.write_bytes(bytes(data))
    with pytest.raises(ExplorerError, match=r"the file ends inside word [\d,]+ of the 1,763 its header promises"):
        load_vectors(path)
