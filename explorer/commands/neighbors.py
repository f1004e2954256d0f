"""`embedding-explorer neighbors`: the nearest tokens to one token, in the full space."""

from __future__ import annotations

import json
import sys

from explorer.commands._progress import progress_bar

NAME = "neighbors"
HELP = "nearest neighbours of a token (cosine, euclidean or dot), in the full space"
METRICS = ("cosine", "euclidean", "dot")


def add_source_arguments(parser) -> None:
    parser.add_argument("source", metavar="SESSION_OR_VECTORS",
                        help="a session (.eexp), vectors file (word2vec, GloVe, fastText, .npy, safetensors, ...) "
                             "or sample:minilm")
    parser.add_argument("--vocab", metavar="FILE", help="tokens for formats that carry none (.npy, safetensors)")
    parser.add_argument("--tensor", metavar="NAME", help="which tensor of a safetensors/PyTorch file to use")
    parser.add_argument("-k", type=int, default=10, help="how many results (default 10)")
    parser.add_argument("--json", action="store_true", help="print a JSON list of {token, id, score}")


def add_arguments(parser) -> None:
    add_source_arguments(parser)
    parser.add_argument("--token", required=True, metavar="T", help="the token (or its ID)")
    parser.add_argument("--metric", choices=METRICS, default="cosine",
                        help="cosine (default) or dot: similarity, higher is nearer; euclidean: distance, lower is nearer")


def open_source(args):
    """(vocab, weights) from the SESSION_OR_VECTORS argument."""
    from explorer.core import ExplorerError
    from explorer.core.io.sources import load_matrix

    if args.k < 1:
        raise ExplorerError(f"-k must be at least 1, got {args.k}")
    progress, close = progress_bar(f"Loading {args.source}")
    try:
        vocab, weights = load_matrix(args.source, vocab_path=args.vocab, tensor_name=args.tensor, progress=progress)
    finally:
        close()
    if weights is None or len(weights) == 0:
        raise ExplorerError("holds no matrix", args.source)
    return vocab, weights


def print_results(vocab, results, metric: str, as_json: bool, title: str) -> None:
    from explorer.core.analysis.neighbors import describe_score

    rows = [{"token": vocab.tokens[i], "id": i, "score": round(describe_score(metric, s), 6)} for i, s in results]
    if as_json:
        print(json.dumps(rows, ensure_ascii=False))
        return
    label = "distance" if metric == "euclidean" else metric
    print(title)
    width = max([len(r["token"]) for r in rows] + [5])
    print(f"{'rank':>4}  {'token':<{width}}  {'id':>7}  {label:>9}")
    for rank, row in enumerate(rows, 1):
        print(f"{rank:>4}  {row['token']:<{width}}  {row['id']:>7}  {row['score']:>9.4f}")


def run(args) -> int:
    from explorer.core.analysis.lookup import resolve
    from explorer.core.analysis.neighbors import neighbors_of

    vocab, weights = open_source(args)
    subwords = getattr(vocab, "subwords", None)  # a fastText .bin's n-gram table
    if subwords is not None and args.token not in vocab.index and not args.token.isdigit():
        from explorer.core.analysis.report import oov_report

        report = oov_report(vocab, weights, subwords, args.token, None, args.k, args.metric)
        print_results(vocab, report.neighbours, args.metric, args.json,
                      f"{args.token!r} is {report.summary()}\nnearest to it by {args.metric}, "
                      f"in the full {weights.shape[1]}-dim space:")
        sys.stdout.flush()
        return 0
    token_id = resolve(vocab, args.token)
    results = neighbors_of(weights, token_id, args.k, args.metric)
    print_results(vocab, results, args.metric, args.json,
                  f"nearest to {vocab.tokens[token_id]!r} (ID {token_id}) by {args.metric}, "
                  f"in the full {weights.shape[1]}-dim space:")
    sys.stdout.flush()
    return 0
