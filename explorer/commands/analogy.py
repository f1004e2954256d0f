"""`embedding-explorer analogy A B C`: A is to B as C is to ? (B - A + C, 3CosAdd)."""

from __future__ import annotations

NAME = "analogy"
HELP = "A is to B as C is to ?  (the tokens nearest B - A + C by cosine, inputs excluded)"


def add_arguments(parser) -> None:
    from explorer.commands.neighbors import add_source_arguments

    add_source_arguments(parser)
    parser.add_argument("a", metavar="A", help="e.g. man")
    parser.add_argument("b", metavar="B", help="e.g. king")
    parser.add_argument("c", metavar="C", help="e.g. woman")


def run(args) -> int:
    from explorer.commands.neighbors import open_source, print_results
    from explorer.core.analysis.lookup import resolve
    from explorer.core.analysis.neighbors import analogy

    vocab, weights = open_source(args)
    a, b, c = (resolve(vocab, t) for t in (args.a, args.b, args.c))
    results = analogy(weights, a, b, c, args.k)
    names = [vocab.tokens[i] for i in (a, b, c)]
    print_results(vocab, results, "cosine", args.json,
                  f"{names[0]} : {names[1]} :: {names[2]} : ?   ({names[1]} - {names[0]} + {names[2]}, cosine)")
    return 0
