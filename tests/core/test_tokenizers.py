"""Real tokenizers (through `tokenizers`): GPT-2 BPE, BERT WordPiece, tokenizer.json; sessions."""

from __future__ import annotations

import numpy as np
import pytest

from explorer.core.io.session import Session, load_session, save_session
from explorer.core.io.vocab_files import load_vocabulary
from explorer.core.tokens.subword import HFTokenizer, readable_byte_piece
from explorer.core.tokens.vocab import TOKENIZER_FACTORIES, Vocabulary, WordTokenizer, tokenizer_from_dict


@pytest.fixture(scope="module")
def gpt2():
    from tests.conftest import SHARED_DATA

    if not SHARED_DATA.is_dir():
        pytest.skip(f"real data folder {SHARED_DATA} is absent")
    return load_vocabulary(SHARED_DATA / "tokenizers" / "gpt2")


@pytest.fixture(scope="module")
def bert():
    from tests.conftest import SHARED_DATA

    if not SHARED_DATA.is_dir():
        pytest.skip(f"real data folder {SHARED_DATA} is absent")
    return load_vocabulary(SHARED_DATA / "tokenizers" / "bert" / "vocab.txt")


def test_gpt2_ids_are_the_real_ones(gpt2):
    assert isinstance(gpt2.tokenizer, HFTokenizer) and gpt2.tokenizer.kind == "gpt2-bpe"
    pieces, ids = gpt2.encode("Hello world")
    assert pieces == ["Hello", "Ġworld"] and ids == [15496, 995]
    assert gpt2.encode("a<|endoftext|>b")[1] == [64, 50256, 65]  # the special token stays whole
    assert gpt2.tokens[995] == "Ġworld"


def test_gpt2_pieces_are_shown_readably(gpt2):
    pieces, _ = gpt2.encode(" café\n日")
    shown = gpt2.tokenizer.display(pieces)
    assert "Ġcafé" in shown and "↵" in shown
    assert "".join(shown).count("<0x") >= 1  # part of a multi-byte character, shown as bytes
    assert gpt2.display_tokens[40304] == "Ġcafé"
    assert gpt2.display_tokens[50256] == "<|endoftext|>"


@pytest.mark.parametrize("piece, shown", [
    ("Ġthe", "Ġthe"), ("the", "the"), ("ĠcafÃ©", "Ġcafé"), ("Ċ", "↵"), ("ĠĠ", "ĠĠ"), ("Ġæ", "Ġ<0xE6>"),
    ("<|endoftext|>", "<|endoftext|>"),
])
def test_readable_byte_piece(piece, shown):
    assert readable_byte_piece(piece) == shown


def test_bert_wordpiece(bert):
    assert bert.tokenizer.kind == "wordpiece"
    pieces, ids = bert.encode("Unaffable KINGS")
    assert pieces == ["una", "##ffa", "##ble", "kings"]  # lowercased: the vocabulary is uncased
    assert ids == [bert.id_of(p) for p in pieces]
    assert bert.specials == {"pad": 0, "unk": 100, "cls": 101, "sep": 102, "mask": 103}
    assert bert.encode("[CLS] hi [SEP]")[1] == [101, bert.id_of("hi"), 102]
    assert bert.encode("\u2603")[1] == [100]  # no piece for a snowman: the unknown token


def test_tokenizer_json_has_padding_and_truncation_off(shared_data):
    vocab = load_vocabulary(shared_data / "tokenizers" / "bert" / "tokenizer.json")
    pieces, ids = vocab.encode("one two")
    assert len(ids) == 2  # the file pads to 128: disabled
    long_text = "word " * 400
    assert len(vocab.encode(long_text)[1]) == 400  # and truncates to 128: disabled


def test_tokenizers_round_trip_through_to_dict(gpt2, bert):
    for vocab in (gpt2, bert):
        data = vocab.tokenizer.to_dict()
        assert data["kind"] in TOKENIZER_FACTORIES
        again = tokenizer_from_dict(data)
        text = "The unaffable King's café, 1999!"
        assert again.encode_pieces(text) == vocab.tokenizer.encode_pieces(text)
        assert again.kind == vocab.tokenizer.kind


def test_session_keeps_the_real_tokenizer(gpt2, tmp_path):
    small = Vocabulary(tokens=gpt2.tokens, specials=gpt2.specials, source=gpt2.source, kind=gpt2.kind,
                       tokenizer=gpt2.tokenizer)
    weights = np.zeros((len(small), 2), dtype=np.float32)
    path = tmp_path / "gpt2.eexp"
    save_session(path, Session(vocab=small, weights=weights))
    loaded = load_session(path).vocab
    assert isinstance(loaded.tokenizer, HFTokenizer)
    assert loaded.encode("Hello world") == (["Hello", "Ġworld"], [15496, 995])


def test_corpus_vocabulary_built_with_a_subword_tokenizer_round_trips(bert, tmp_path):
    from explorer.core.tokens.vocab import build_vocab

    vocab = build_vocab(["the unaffable king", "the king"], tokenizer=bert.tokenizer, order="alpha")
    assert vocab.tokens == ["##ble", "##ffa", "king", "the", "una"]
    assert vocab.encode("unaffable") == (["una", "##ffa", "##ble"], [4, 1, 0])  # its own IDs
    again = tokenizer_from_dict(vocab.tokenizer.to_dict())
    assert again.split("the king") == ["the", "king"]


def test_word_tokenizers_round_trip():
    for lowercase in (True, False):
        tokenizer = WordTokenizer(lowercase)
        assert tokenizer_from_dict(tokenizer.to_dict()).split("The Cat's") == tokenizer.split("The Cat's")
    assert WordTokenizer().split("Ünïcode Воля naïve 12") == ["ünïcode", "воля", "naïve", "12"]


def test_special_tokens_typed_in_text_are_tokens_or_text(shared_data):
    from explorer.core.io.vocab_files import load_vocabulary
    from explorer.core.tokens.subword import encode_text

    gpt2 = load_vocabulary(shared_data / "tokenizers" / "gpt2")
    assert encode_text(gpt2, "hello<|endoftext|>world") == (["hello", "<|endoftext|>", "world"], [31373, 50256, 6894])
    pieces, ids = encode_text(gpt2, "hello<|endoftext|>world", parse_specials=False)
    assert 50256 not in ids and "".join(pieces) == "hello<|endoftext|>world"
    assert encode_text(gpt2, "hello<|endoftext|>world")[1] == [31373, 50256, 6894]  # the copy changed nothing
    words = Vocabulary(tokens=["<pad>", "<unk>", "hello", "world"], specials={"pad": 0, "unk": 1})
    assert encode_text(words, "hello<unk>world") == (["hello", "<unk>", "world"], [2, 1, 3])
    assert encode_text(words, "hello<unk>world", parse_specials=False) == (["hello", "unk", "world"], [2, 1, 3])
