"""Vocabulary loading and building, against peers in the same run.

1. GPT-2's 50,257-token vocabulary (encoder.json + vocab.bpe), ready to encode
   text and with its tokens in ID order, against the `tokenizers` library's own
   raw load (`Tokenizer(BPE.from_file(...))` with the byte-level pre-tokenizer,
   then `get_vocab()` sorted by ID; also reported without the token list), and
   plain `json.load(encoder.json)` as a floor. Target: under 1 s.
2. Building a vocabulary from the KJV corpus (~790k words, whitespace tokens,
   min count 1) against gensim's `Word2Vec.build_vocab(LineSentence(...))` on
   the same file with the same tokenization. Target: ratio (gensim / us) >= 1.

`ratio` is the corpus ratio; `gpt2_ratio` is tokenizers-raw / us. --quick uses
the first 3,000 verses of the corpus.
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path

from _common import SHARED_DATA, median_seconds, options, report

GPT2 = SHARED_DATA / "tokenizers" / "gpt2"
KJV = SHARED_DATA / "corpora" / "kjv-verses.txt"
QUICK_LINES = 3000


def gpt2_figures(repeats: int) -> dict:
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers

    from explorer.core.io.vocab_files import load_vocabulary

    def ours():
        vocab = load_vocabulary(GPT2)
        assert len(vocab) == 50_257 and vocab.encode("Hello world")[1] == [15496, 995]

    def tokenizers_raw(token_list: bool = True):
        tokenizer = Tokenizer(models.BPE.from_file(str(GPT2 / "encoder.json"), str(GPT2 / "vocab.bpe")))
        tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
        tokenizer.decoder = decoders.ByteLevel()
        assert tokenizer.encode("Hello world").ids == [15496, 995]
        if token_list:  # what a vocabulary needs: the tokens in ID order
            vocab = tokenizer.get_vocab()
            tokens = sorted(vocab, key=vocab.__getitem__)
            assert len(tokens) == 50_257

    def json_only():
        with open(GPT2 / "encoder.json", encoding="utf-8") as f:
            json.load(f)

    ours()  # warm the file cache and the imports for everyone
    us = median_seconds(ours, repeats)
    raw = median_seconds(tokenizers_raw, repeats)
    model_only = median_seconds(lambda: tokenizers_raw(token_list=False), repeats)
    floor = median_seconds(json_only, repeats)
    return {"gpt2_load_seconds": us, "gpt2_tokenizers_raw_seconds": raw,
            "gpt2_tokenizers_model_only_seconds": model_only, "gpt2_json_load_seconds": floor,
            "gpt2_ratio": raw / us, "gpt2_under_1s": us < 1.0}


def corpus_figures(corpus: Path, repeats: int) -> dict:
    from gensim.models import Word2Vec
    from gensim.models.word2vec import LineSentence

    from explorer.core.io.vocab_files import load_vocabulary

    sizes = {}

    def ours():
        sizes["us"] = len(load_vocabulary(corpus, "corpus", tokenizer="whitespace", min_count=1))

    def ours_words():
        sizes["us_words"] = len(load_vocabulary(corpus, "corpus", tokenizer="words", min_count=1))

    def gensim():
        model = Word2Vec(vector_size=100, min_count=1, workers=1)
        model.build_vocab(LineSentence(str(corpus)))
        sizes["gensim"] = len(model.wv)

    ours()
    gensim()
    us = median_seconds(ours, repeats)
    peer = median_seconds(gensim, repeats)
    words = median_seconds(ours_words, repeats)
    if sizes["us"] != sizes["gensim"]:
        raise SystemExit(f"different vocabularies: us {sizes['us']}, gensim {sizes['gensim']}")
    return {"corpus_build_seconds": us, "gensim_build_vocab_seconds": peer, "corpus_build_words_regex_seconds": words,
            "corpus_vocab_size": sizes["us"], "ratio": peer / us}


def main() -> None:
    args = options(__doc__)
    corpus = KJV
    tmp = None
    if args.quick:
        tmp = tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False, encoding="utf-8")
        with open(KJV, encoding="utf-8") as f:
            for _, line in zip(range(QUICK_LINES), f):
                tmp.write(line)
        tmp.close()
        corpus = Path(tmp.name)
    start = time.perf_counter()
    try:
        figures = {
            "peer": "gensim Word2Vec.build_vocab (corpus); tokenizers BPE.from_file (GPT-2 load)",
            "target": "GPT-2 vocabulary loads in < 1 s; building the KJV vocabulary is at least as fast "
                      "as gensim's build_vocab (ratio >= 1)",
            **corpus_figures(corpus, args.repeats),
            **gpt2_figures(args.repeats),
            "corpus": f"{'first %d verses of ' % QUICK_LINES if args.quick else ''}kjv-verses.txt",
        }
    finally:
        if tmp is not None:
            Path(tmp.name).unlink(missing_ok=True)
    figures["wall_seconds"] = time.perf_counter() - start
    report("vocabulary load and build", figures, args.json)


if __name__ == "__main__":
    main()
