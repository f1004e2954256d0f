"""`embedding-explorer train`: train embeddings on a corpus headless and save a session."""

from __future__ import annotations

import json
import sys
import time

NAME = "train"
HELP = "train embeddings (skip-gram, CBOW or a tiny language model) on a corpus and save a session"

SNAPSHOTS_KEPT = 8  # the session's timeline: at most this many snapshots, spanning the run


def add_arguments(parser) -> None:
    parser.add_argument("--corpus", required=True, metavar="FILE",
                        help="text file, one sentence per line (`demo` = the built-in demo corpus)")
    parser.add_argument("--vocab", metavar="FILE",
                        help="vocabulary file (word list, corpus, tokenizer); default: built from the corpus")
    parser.add_argument("--objective", default="sgns", choices=("sgns", "cbow", "lm", "classify"),
                        help="sgns (skip-gram), cbow, lm (next-token, one attention block) or classify "
                             "(__label__ lines); default sgns")
    parser.add_argument("--init", default="word2vec", metavar="SCHEME",
                        help="init scheme of the starting matrix (default word2vec)")
    parser.add_argument("--dim", type=int, default=100, help="embedding dimension (default 100)")
    parser.add_argument("--epochs", type=int, default=5, help="passes over the corpus (default 5)")
    parser.add_argument("--window", type=int, default=5, help="context window (default 5)")
    parser.add_argument("--negative", type=int, default=5, help="negative samples (default 5)")
    parser.add_argument("--min-count", type=int, default=5,
                        help="drop words rarer than this when building the vocabulary (default 5)")
    parser.add_argument("--sample", type=float, default=1e-3, help="subsampling threshold (default 1e-3; 0 = off)")
    parser.add_argument("--lr", type=float, help="learning rate (default: 0.025 sgns/cbow, 0.003 lm, 0.01 classify)")
    parser.add_argument("--batch-size", type=int, default=8192, help="tokens per step (default 8192)")
    parser.add_argument("--context-length", type=int, default=32, help="lm: tokens of context (default 32)")
    parser.add_argument("--positional", default="sinusoidal", choices=("sinusoidal", "learned"),
                        help="lm: positional encoding (default sinusoidal)")
    parser.add_argument("--untied", action="store_true", help="lm: an output layer of its own (default tied)")
    parser.add_argument("--freeze", action="store_true", help="keep the embedding matrix fixed (fine-tune the rest)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"),
                        help="default auto: sgns/cbow train on the CPU (word2vec's per-pair kernel), "
                             "lm/classify on CUDA when there is a GPU; cuda: sgns/cbow use the torch path")
    parser.add_argument("--workers", type=int, default=1,
                        help="sgns/cbow: threads training at once (Hogwild, like word2vec's -threads and "
                             "gensim's workers); 1 (default) gives the same result for the same seed")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    parser.add_argument("--out", required=True, metavar="SESSION", help="session file to write (.eexp)")
    parser.add_argument("--json", action="store_true", help="print a JSON summary")


def _bar(fraction: float, words_per_second: float, eta: float, loss: float) -> None:
    percent = int(100 * fraction)
    bar = "#" * (percent // 4)
    sys.stderr.write(f"\rtraining [{bar:<25}] {percent:3d}%  {words_per_second:,.0f} words/s  "
                     f"ETA {eta:4.0f} s  loss {loss:.4f} ")
    sys.stderr.flush()


def run(args) -> int:
    from pathlib import Path

    from explorer.core import ExplorerError
    from explorer.core.io.samples import vocab_file
    from explorer.core.io.session import Session, save_session
    from explorer.core.io.vocab_files import load_vocabulary
    from explorer.core.matrix.init import initialize
    from explorer.core.matrix.schemes import SCHEMES, InitConfig
    from explorer.core.tokens.corpus import load_corpus
    from explorer.core.training.timeline import Timeline
    from explorer.core.training.train import TrainConfig, train

    if args.init not in SCHEMES:
        raise ExplorerError(f"unknown init scheme {args.init!r}; choose one of {', '.join(SCHEMES)}")
    if args.dim < 1 or args.epochs < 1 or args.window < 1 or args.negative < 0 or args.workers < 1:
        raise ExplorerError("--dim, --epochs, --window and --workers must be at least 1, --negative at least 0")
    out = Path(args.out)
    if out.parent and not out.parent.exists():
        raise ExplorerError("the folder for --out does not exist", out.parent)
    vocab = load_vocabulary(vocab_file(args.vocab)) if args.vocab is not None else None
    vocab, corpus = load_corpus(args.corpus, vocab, min_count=args.min_count,
                                keep_unknown=args.objective == "lm")
    init_config = InitConfig(args.init, args.dim, args.seed)
    weights = initialize(init_config, len(vocab), vocab.pad_id)
    config = TrainConfig(
        corpus=str(args.corpus), min_count=args.min_count, objective=args.objective, epochs=args.epochs,
        lr=args.lr, batch_size=args.batch_size, window=args.window, negative=args.negative, sample=args.sample,
        context_length=args.context_length, positional=args.positional, tied=not args.untied,
        freeze_embeddings=args.freeze, seed=args.seed, device=args.device, threads=args.threads,
        workers=args.workers,
        yield_seconds=0.5,
    )
    show = sys.stderr.isatty()
    history, timeline = [], Timeline(max_count=SNAPSHOTS_KEPT)
    start = time.perf_counter()
    last = None
    for snap in train(corpus, weights, config):
        last = snap
        if snap.note:
            print(f"note: {snap.note}", file=sys.stderr)
        if snap.step:
            history.append([snap.step, snap.loss])
            timeline.add(snap)  # thinned as the run grows: bounded memory
        if show and snap.step:
            eta = snap.elapsed * (1 - snap.progress) / max(snap.progress, 1e-9)
            _bar(snap.progress, snap.words_per_second, eta, snap.loss)
    seconds = time.perf_counter() - start
    if show:
        sys.stderr.write("\n")
    words = int(last.tokens_seen)
    categories = None
    if args.corpus == "demo":
        from explorer.core.tokens.demo import category_labels

        categories = category_labels(vocab)
    save_session(out, Session(
        vocab=vocab, weights=last.weights, initial_weights=weights, categories=categories,
        state={"init": init_config.to_dict(), "train": config.to_dict()},
        history={"loss": history, "words": words, "seconds": seconds}, snapshots=timeline.snapshots,
    ))
    summary = {
        "objective": args.objective, "vocab_size": len(vocab), "dim": args.dim, "epochs": args.epochs,
        "words": words, "seconds": round(seconds, 3),
        "words_per_second": round(words / seconds, 1) if seconds > 0 else 0.0,
        "final_loss": last.loss, "steps": last.step, "workers": args.workers, "out": str(out),
    }
    if args.json:
        print(json.dumps(summary))
    else:
        print(f"trained {args.objective} on {words:,} words in {seconds:.1f} s "
              f"({summary['words_per_second']:,.0f} words/s), final loss {last.loss:.4f}; wrote {out}")
    return 0
