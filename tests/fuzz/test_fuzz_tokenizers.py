"""Fuzz the tokenizer readers: GPT-2 encoder.json + vocab.bpe, BERT vocab.txt, tokenizer.json.

Bases are cut from the real files in ../shared/data (the first merges of GPT-2 with the
tokens they make, the first 3,000 BERT tokens) so that a case takes milliseconds; a few
cases use the whole files. A loaded tokenizer must also encode text without failing."""

from __future__ import annotations

import json
from functools import lru_cache

from hypothesis import given
from hypothesis import strategies as st

from explorer.core import ExplorerError
from explorer.core.io.vocab_files import load_vocabulary
from tests.fuzz._harness import check_vocabulary, fuzz_settings, mutated, run_case, shared

GPT2_MERGES = 1500
BERT_TOKENS = 3000
SAMPLE = "The quick brown fox, café naïve 東京 \t\n  ##ing [CLS] <|endoftext|> 😀"


@lru_cache(maxsize=None)
def _gpt2_base() -> tuple[bytes, bytes]:
    encoder = json.loads(shared("tokenizers/gpt2/encoder.json").read_text(encoding="utf-8"))
    merges = shared("tokenizers/gpt2/vocab.bpe").read_text(encoding="utf-8").split("\n")
    keep = {t: i for t, i in encoder.items() if i < 256 + GPT2_MERGES}
    keep["<|endoftext|>"] = len(keep)
    return (json.dumps(keep, ensure_ascii=False).encode("utf-8"),
            ("\n".join(merges[: GPT2_MERGES + 1]) + "\n").encode("utf-8"))


@lru_cache(maxsize=None)
def _bert_vocab_base() -> bytes:
    return b"\n".join(shared("tokenizers/bert/vocab.txt").read_bytes().split(b"\n")[:BERT_TOKENS]) + b"\n"


@lru_cache(maxsize=None)
def _tokenizer_json_bases() -> tuple[bytes, ...]:
    data = json.loads(shared("tokenizers/bert/tokenizer.json").read_text(encoding="utf-8"))
    data["model"]["vocab"] = {t: i for t, i in data["model"]["vocab"].items() if i < BERT_TOKENS}
    data["added_tokens"] = [a for a in data["added_tokens"] if a["id"] < BERT_TOKENS]
    bert = json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8")
    from tokenizers import Tokenizer, models, pre_tokenizers

    encoder, merges = _gpt2_base()
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "e.json").write_bytes(encoder)
        (Path(folder) / "m.bpe").write_bytes(merges)
        tok = Tokenizer(models.BPE.from_file(str(Path(folder) / "e.json"), str(Path(folder) / "m.bpe")))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    gpt2 = json.dumps(json.loads(tok.to_str()), ensure_ascii=False, indent=1).encode("utf-8")
    return bert, gpt2


def check_tokenizer_vocabulary(vocab, text: str = SAMPLE) -> None:
    check_vocabulary(vocab)
    for sample in (SAMPLE, text):
        try:
            pieces, ids = vocab.encode(sample)
        except ExplorerError:  # e.g. a WordPiece list without [UNK]: a clear message, not a crash
            continue
        assert len(pieces) == len(ids)
        assert all(i is None or 0 <= i < len(vocab) for i in ids), "an ID outside the vocabulary"


TEXT = st.text(max_size=40)


# -- GPT-2 -----------------------------------------------------------------------------------
@fuzz_settings(0.6)
@given(data=st.data())
def test_gpt2_mutated_real_files(scratch, data):
    encoder, merges = _gpt2_base()
    if data.draw(st.integers(0, 30)) == 0:  # now and then the whole real pair
        encoder = shared("tokenizers/gpt2/encoder.json").read_bytes()
        merges = shared("tokenizers/gpt2/vocab.bpe").read_bytes()
    which = data.draw(st.sampled_from(["encoder", "merges", "both"]))
    if which in ("encoder", "both"):
        encoder = data.draw(mutated(encoder))
    if which in ("merges", "both"):
        merges = data.draw(mutated(merges))
    folder = scratch.fresh()
    (folder / "encoder.json").write_bytes(encoder)
    (folder / "vocab.bpe").write_bytes(merges)
    target = folder / data.draw(st.sampled_from(["encoder.json", "vocab.bpe", "."]))
    fmt = data.draw(st.sampled_from([None, "gpt2"]))
    text = data.draw(TEXT)
    run_case("gpt2", load_vocabulary, target, fmt, check=lambda v: check_tokenizer_vocabulary(v, text))


PIECE = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=6)


@st.composite
def gpt2_files(draw):
    pieces = draw(st.lists(PIECE, min_size=0, max_size=40, unique=True))
    ids = list(range(len(pieces)))
    if draw(st.booleans()):
        ids = draw(st.permutations(ids))
    mapping: dict = dict(zip(pieces, ids))
    if draw(st.integers(0, 5)) == 0 and pieces:  # damaged IDs
        mapping[pieces[0]] = draw(st.one_of(st.integers(-3, 10**9), st.none(), st.text(max_size=3),
                                            st.floats(allow_nan=True)))
    merges = ["#version: 0.2"] if draw(st.booleans()) else []
    for _ in range(draw(st.integers(0, 30))):
        if pieces and draw(st.booleans()):
            a, b = draw(st.sampled_from(pieces)), draw(st.sampled_from(pieces))
            merges.append(f"{a} {b}")
        else:
            merges.append(draw(st.text(max_size=12)))
    encoder = json.dumps(mapping, ensure_ascii=draw(st.booleans()))
    return encoder.encode("utf-8", "surrogatepass"), "\n".join(merges).encode("utf-8", "surrogatepass")


@fuzz_settings(0.4)
@given(files=gpt2_files(), target=st.sampled_from(["encoder.json", "vocab.bpe", "."]), text=TEXT)
def test_gpt2_generated(scratch, files, target, text):
    folder = scratch.fresh()
    (folder / "encoder.json").write_bytes(files[0])
    (folder / "vocab.bpe").write_bytes(files[1])
    run_case("gpt2", load_vocabulary, folder / target, check=lambda v: check_tokenizer_vocabulary(v, text))


# -- BERT vocab.txt -------------------------------------------------------------------------
@fuzz_settings(0.6)
@given(data=st.data())
def test_wordpiece_mutated_real_files(scratch, data):
    base = _bert_vocab_base()
    if data.draw(st.integers(0, 30)) == 0:
        base = shared("tokenizers/bert/vocab.txt").read_bytes()
    folder = scratch.fresh()
    (folder / "vocab.txt").write_bytes(data.draw(mutated(base)))
    target = folder / data.draw(st.sampled_from(["vocab.txt", "."]))
    fmt = data.draw(st.sampled_from([None, "wordpiece"]))
    options = {"errors": data.draw(st.sampled_from(["strict", "replace"])), "dedupe": data.draw(st.booleans())}
    text = data.draw(TEXT)
    run_case("wordpiece", load_vocabulary, target, fmt, **options,
             check=lambda v: check_tokenizer_vocabulary(v, text))


@fuzz_settings(0.4)
@given(lines=st.lists(st.one_of(PIECE, PIECE.map(lambda p: "##" + p),
                                st.sampled_from(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "", " "])),
                      max_size=80),
       dedupe=st.booleans(), text=TEXT)
def test_wordpiece_generated(scratch, lines, dedupe, text):
    folder = scratch.fresh()
    (folder / "vocab.txt").write_bytes("\n".join(lines).encode("utf-8", "surrogatepass"))
    run_case("wordpiece", load_vocabulary, folder / "vocab.txt", "wordpiece", dedupe=dedupe,
             check=lambda v: check_tokenizer_vocabulary(v, text))


# -- tokenizer.json ---------------------------------------------------------------------------
@fuzz_settings(0.6)
@given(data=st.data())
def test_tokenizer_json_mutated_real_files(scratch, data):
    base = data.draw(st.sampled_from(_tokenizer_json_bases()))
    if data.draw(st.integers(0, 30)) == 0:
        base = shared("tokenizers/bert/tokenizer.json").read_bytes()
    path = scratch.fresh() / "tokenizer.json"
    path.write_bytes(data.draw(mutated(base)))
    fmt = data.draw(st.sampled_from([None, "tokenizer-json"]))
    text = data.draw(TEXT)
    run_case("tokenizer.json", load_vocabulary, path, fmt, check=lambda v: check_tokenizer_vocabulary(v, text))


JSON = st.recursive(st.none() | st.booleans() | st.integers(-2, 10**6) | st.floats() | st.text(max_size=8),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner,
                                                                                  max_size=4),
                    max_leaves=12)


@st.composite
def tokenizer_json(draw):
    """A structurally plausible tokenizer.json whose parts are replaced by random JSON."""
    pieces = draw(st.lists(PIECE, max_size=30, unique=True))
    kind = draw(st.sampled_from(["BPE", "WordPiece", "WordLevel", "Unigram", "Nonsense"]))
    model: dict = {"type": kind}
    if kind == "Unigram":
        model["vocab"] = [[p, draw(st.floats(-20, 0))] for p in pieces]
        model["unk_id"] = draw(st.one_of(st.none(), st.integers(-1, 40)))
    else:
        model["vocab"] = {p: i for i, p in enumerate(pieces)}
        model["unk_token"] = draw(st.sampled_from(["[UNK]", "<unk>", pieces[0] if pieces else "x"]))
    if kind == "BPE":
        model["merges"] = [f"{draw(st.sampled_from(pieces))} {draw(st.sampled_from(pieces))}"
                           for _ in range(draw(st.integers(0, 8)))] if pieces else []
    data = {"version": "1.0", "truncation": None, "padding": None, "added_tokens": [],
            "normalizer": None, "pre_tokenizer": None, "post_processor": None, "decoder": None, "model": model}
    for _ in range(draw(st.integers(0, 3))):  # damage: random JSON somewhere
        key = draw(st.sampled_from(sorted(data) + ["model.vocab", "model.type", "added_tokens.0"]))
        value = draw(JSON)
        if key.startswith("model."):
            model[key[6:]] = value
        elif key == "added_tokens.0":
            data["added_tokens"] = [{"id": draw(st.integers(-1, 50)), "content": draw(st.text(max_size=5)),
                                     "special": draw(st.booleans()), "single_word": False, "lstrip": False,
                                     "rstrip": False, "normalized": draw(st.booleans())}]
        else:
            data[key] = value
    return json.dumps(data, ensure_ascii=draw(st.booleans())).encode("utf-8", "surrogatepass")


@fuzz_settings(0.4)
@given(blob=tokenizer_json(), text=TEXT)
def test_tokenizer_json_generated(scratch, blob, text):
    path = scratch.fresh() / "tokenizer.json"
    path.write_bytes(blob)
    run_case("tokenizer.json", load_vocabulary, path, check=lambda v: check_tokenizer_vocabulary(v, text))
