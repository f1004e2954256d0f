"""Fuzz the vocabulary readers: word lists and corpora (explorer.core.io.vocab_files).

Mutated real files (../shared/data) and hypothesis-generated ones; every case ends in a
Vocabulary or an ExplorerError, within the time guard."""

from __future__ import annotations

from collections import Counter
from functools import lru_cache

from hypothesis import given
from hypothesis import strategies as st

from explorer.core.io.vocab_files import load_vocabulary
from tests.fuzz._harness import check_vocabulary, fuzz_settings, mutated, run_case, shared


@lru_cache(maxsize=None)
def _wordlist_bases() -> tuple[bytes, ...]:
    bert = shared("tokenizers/bert/vocab.txt").read_bytes().split(b"\n")
    # real tokens: specials, [unusedN], punctuation, ##pieces and words
    plain = b"\n".join(bert[:120] + bert[1990:2200] + bert[8000:8100]) + b"\n"
    words = Counter(shared("gensim/lee.cor").read_bytes().decode("latin-1").lower().split())
    counted = "".join(f"{w}\t{c}\n" for w, c in words.most_common(400)).encode("utf-8")
    spaced = "".join(f"{w} {c}\n" for w, c in words.most_common(150)).encode("utf-8")
    pairs = shared("gensim/wordsim353.tsv").read_bytes()[:3000]
    return plain, counted, spaced, pairs


@lru_cache(maxsize=None)
def _corpus_bases() -> tuple[bytes, ...]:
    kjv = shared("corpora/kjv-verses.txt").read_bytes()
    lee = shared("gensim/lee.cor").read_bytes()
    questions = shared("gensim/questions-words.txt").read_bytes()
    return kjv[:20_000], lee[:12_000], questions[:4000], kjv[2_000_000:2_030_000]


OPTIONS = st.fixed_dictionaries({
    "errors": st.sampled_from(["strict", "replace"]),
    "dedupe": st.booleans(),
    "min_count": st.sampled_from([1, 1, 2, 5]),
    "max_size": st.sampled_from([None, None, 1, 50]),
    "specials": st.sampled_from([(), (), ("pad", "unk"), ("<s>",)]),
    "order": st.sampled_from(["freq", "alpha", "first"]),
})


def _load(path, fmt, options):
    if fmt == "corpus":
        options = {k: v for k, v in options.items() if k != "dedupe"}
    return load_vocabulary(path, fmt, **options)


# -- word lists ------------------------------------------------------------------------------
@fuzz_settings(0.6)
@given(data=st.data())
def test_wordlist_mutated_real_files(scratch, data):
    base = data.draw(st.sampled_from(_wordlist_bases()))
    blob = data.draw(mutated(base))
    name = data.draw(st.sampled_from(["words.txt", "vocab.tsv", "list", "words.json"]))
    path = scratch.fresh() / name
    path.write_bytes(blob)
    fmt = data.draw(st.sampled_from([None, "wordlist"]))
    run_case("wordlist", _load, path, fmt, data.draw(OPTIONS), check=check_vocabulary)


TOKEN = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=12)
WORDLIST_LINE = st.one_of(
    TOKEN,
    st.tuples(TOKEN, st.integers(-5, 10**12)).map(lambda t: f"{t[0]}\t{t[1]}"),
    st.tuples(TOKEN, st.integers(0, 10**6)).map(lambda t: f"{t[0]} {t[1]}"),
    st.tuples(TOKEN, TOKEN, TOKEN).map(" ".join),
    st.just(""), st.just("\t"), st.just(" \t 5"), st.just("\ufeffword"),
)


@st.composite
def generated_text(draw, line):
    lines = draw(st.lists(line, min_size=0, max_size=60))
    sep = draw(st.sampled_from(["\n", "\r\n", "\r", "\n\n"]))
    text = sep.join(lines) + draw(st.sampled_from(["", "\n"]))
    blob = text.encode("utf-8", errors="surrogatepass")
    if draw(st.booleans()):
        blob = draw(st.sampled_from([b"", b"\xef\xbb\xbf", b"\xff\xfe"])) + blob
    if draw(st.integers(0, 4)) == 0:
        pos = draw(st.integers(0, len(blob)))
        blob = blob[:pos] + draw(st.binary(min_size=1, max_size=8)) + blob[pos:]
    return blob


@fuzz_settings(0.4)
@given(blob=generated_text(WORDLIST_LINE), fmt=st.sampled_from([None, "wordlist", "json"]), options=OPTIONS)
def test_wordlist_generated(scratch, blob, fmt, options):
    path = scratch.fresh() / "words.txt"
    path.write_bytes(blob)
    run_case("wordlist", _load, path, fmt, options, check=check_vocabulary)


# -- corpora ---------------------------------------------------------------------------------
@fuzz_settings(0.6)
@given(data=st.data())
def test_corpus_mutated_real_files(scratch, data):
    base = data.draw(st.sampled_from(_corpus_bases()))
    path = scratch.fresh() / data.draw(st.sampled_from(["corpus.txt", "lee.cor", "text"]))
    path.write_bytes(data.draw(mutated(base)))
    options = data.draw(OPTIONS)
    tokenizer = data.draw(st.sampled_from(["words", "whitespace"]))
    run_case("corpus", load_vocabulary, path, "corpus", tokenizer=tokenizer,
             **{k: v for k, v in options.items() if k != "dedupe"}, check=check_vocabulary)


SENTENCE = st.text(st.characters(blacklist_categories=("Cs",)), max_size=80)


@fuzz_settings(0.4)
@given(blob=generated_text(SENTENCE), options=OPTIONS, fmt=st.sampled_from([None, "corpus"]))
def test_corpus_generated(scratch, blob, options, fmt):
    path = scratch.fresh() / "corpus.txt"
    path.write_bytes(blob)
    run_case("corpus", _load, path, fmt, options, check=check_vocabulary)
