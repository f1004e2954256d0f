"""Skip-gram with negative sampling: us vs gensim 4.x Word2Vec on the same corpus, same run.

Both train sg=1, negative=5, window=5, dim 100, 5 epochs, min_count 5, sample 1e-3 on
../shared/data/corpora/kjv-verses.txt, tokenized once (lowercase words) and given to
both. Speed: words/s = corpus words x epochs / training seconds (ratio = gensim's time
/ ours: above 1 we are faster). Quality: wordsim353 Spearman and Google analogy
accuracy of both matrices, scored by the same code (explorer.core.analysis.evaluate).
We train with 1 torch thread and as many workers as gensim (2, Hogwild like gensim's);
the app defaults to 1 worker, which is bit-reproducible and leaves a core to the window.
--quick: the first 3,000 verses, 1 epoch.
"""

from __future__ import annotations

import os
import sys
import time

from _common import SHARED_DATA, options, report

DIM, WINDOW, NEGATIVE, MIN_COUNT, EPOCHS, WORKERS = 100, 5, 5, 5, 5, 2


def main() -> None:
    args = options(__doc__)
    corpus_path = SHARED_DATA / "corpora" / "kjv-verses.txt"
    if not corpus_path.exists():
        report("sgns vs gensim", {"peer": "gensim Word2Vec", "ratio": float("nan"),
                                  "target": "skipped: ../shared/data is absent"}, args.json)
        return
    import torch

    from explorer.core.analysis.evaluate import evaluate
    from explorer.core.matrix.init import initialize
    from explorer.core.matrix.schemes import InitConfig
    from explorer.core.tokens.corpus import encode_lines, read_lines
    from explorer.core.tokens.vocab import WordTokenizer, build_vocab
    from explorer.core.training.train import TrainConfig, run_to_end

    lines = read_lines(corpus_path)
    epochs = EPOCHS
    if args.quick:
        lines, epochs = lines[:3000], 1
    tokenizer = WordTokenizer()
    sentences = [tokenizer.split(line) for line in lines]
    words = sum(map(len, sentences))

    # --- gensim
    from gensim.models import Word2Vec

    start = time.perf_counter()
    model = Word2Vec(vector_size=DIM, window=WINDOW, min_count=MIN_COUNT, sg=1, negative=NEGATIVE,
                     workers=WORKERS, epochs=epochs, seed=1, sample=1e-3)
    model.build_vocab(sentences)
    vocab_seconds_g = time.perf_counter() - start
    start = time.perf_counter()
    model.train(sentences, total_examples=len(sentences), epochs=epochs)
    gensim_seconds = time.perf_counter() - start

    # --- us (vocabulary, encoding, initialization timed apart from training, as for gensim)
    start = time.perf_counter()
    vocab = build_vocab(lines, tokenizer, min_count=MIN_COUNT, order="freq", source=str(corpus_path))
    corpus = encode_lines(lines, vocab)
    w0 = initialize(InitConfig("word2vec", DIM, 1), len(vocab))
    vocab_seconds = time.perf_counter() - start
    torch.set_num_threads(1)
    config = TrainConfig(objective="sgns", epochs=epochs, window=WINDOW, negative=NEGATIVE,
                         sample=1e-3, seed=1, yield_seconds=5.0, workers=WORKERS)
    start = time.perf_counter()
    final = run_to_end(corpus, w0, config)
    our_seconds = time.perf_counter() - start

    sim = SHARED_DATA / "gensim" / "wordsim353.tsv"
    ana = SHARED_DATA / "gensim" / "questions-words.txt"
    ours = evaluate(vocab, final.weights, sim, ana)
    from explorer.core.tokens.vocab import Vocabulary

    g_vocab = Vocabulary(tokens=list(model.wv.index_to_key))
    theirs = evaluate(g_vocab, model.wv.vectors, sim, ana)

    def diff(a, b):
        return None if a is None or b is None else a - b

    report("sgns vs gensim", {
        "peer": f"gensim {__import__('gensim').__version__} Word2Vec sg=1 negative=5 window=5 workers={WORKERS}",
        "ratio": gensim_seconds / our_seconds,
        "target": "ratio >= 1.0 (words/s vs gensim); Spearman and analogy accuracy within 0.03 of gensim",
        "corpus_words": words,
        "epochs": epochs,
        "our_seconds": our_seconds,
        "gensim_seconds": gensim_seconds,
        "our_words_per_second": words * epochs / our_seconds,
        "gensim_words_per_second": words * epochs / gensim_seconds,
        "our_spearman": ours.spearman,
        "gensim_spearman": theirs.spearman,
        "spearman_diff": diff(ours.spearman, theirs.spearman),
        "pairs_used": ours.pairs_used,
        "our_analogy_accuracy": ours.analogy_accuracy,
        "gensim_analogy_accuracy": theirs.analogy_accuracy,
        "analogy_diff": diff(ours.analogy_accuracy, theirs.analogy_accuracy),
        "analogies_used": ours.analogies_used,
        "vocab_size": len(vocab),
        "gensim_vocab_size": len(g_vocab),
        "final_loss": final.loss,
        "our_workers": config.workers,
        "cpu_count": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
    }, args.json)


if __name__ == "__main__":
    sys.exit(main())
