"""`embedding-explorer evaluate`: word-similarity Spearman and analogy accuracy of a matrix."""

from __future__ import annotations

import json

NAME = "evaluate"
HELP = "score a session or vectors file on word similarity (Spearman) and analogies (3CosAdd)"


def add_arguments(parser) -> None:
    parser.add_argument("source", metavar="SESSION_OR_VECTORS", help="a session (.eexp, or any name), vectors file or sample:minilm")
    parser.add_argument("--similarity", metavar="FILE",
                        help="word pairs with human scores (wordsim353.tsv, simlex999.txt: `w1<TAB>w2<TAB>score`)")
    parser.add_argument("--analogies", metavar="FILE", help="analogy questions (questions-words.txt: `a b c d`)")
    parser.add_argument("--vocab", metavar="FILE", help="tokens for a vectors file that carries none")
    parser.add_argument("--case-sensitive", action="store_true",
                        help="look words up as written (default, as gensim: upper-case both sides and take "
                             "the most frequent case variant)")
    parser.add_argument("--restrict-vocab", type=int, default=300_000, metavar="N",
                        help="look up, and answer analogies from, the first N tokens only (default 300000, "
                             "as gensim)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def run(args) -> int:
    from explorer.core import ExplorerError
    from explorer.core.analysis.evaluate import evaluate
    from explorer.core.io.sources import load_matrix

    if not args.similarity and not args.analogies:
        raise ExplorerError("give --similarity FILE and/or --analogies FILE")
    if args.restrict_vocab < 1:
        raise ExplorerError(f"--restrict-vocab must be at least 1, not {args.restrict_vocab}")
    vocab, weights = load_matrix(args.source, vocab_path=args.vocab)
    result = evaluate(vocab, weights, args.similarity, args.analogies, restrict_vocab=args.restrict_vocab,
                      case_sensitive=args.case_sensitive).to_dict()
    if args.json:
        print(json.dumps(result))
        return 0
    if args.similarity:
        rho = "n/a" if result["spearman"] is None else f"{result['spearman']:.4f}"
        print(f"similarity: Spearman {rho} on {result['pairs_used']} pairs "
              f"({result['pairs_oov']} with unknown words)")
    if args.analogies:
        acc = "n/a" if result["analogy_accuracy"] is None else f"{result['analogy_accuracy']:.4f}"
        print(f"analogies: accuracy {acc} on {result['analogies_used']} questions "
              f"({result['analogies_oov']} with unknown words)")
    return 0
