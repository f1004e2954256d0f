"""`embedding-explorer init`: initialize a matrix (or map pretrained vectors) and print its statistics."""

from __future__ import annotations

import contextlib
import json
import sys

NAME = "init"
HELP = "initialize an embedding matrix with a scheme (or pretrained vectors) and print its statistics"


def add_arguments(parser) -> None:
    from explorer.core.matrix.pretrained import FILLS
    from explorer.core.matrix.schemes import SCHEMES

    parser.add_argument("--vocab", metavar="FILE",
                        help="vocabulary (word list, corpus, tokenizer); default: the built-in demo's, or the "
                             "vectors file's own when --vectors is given alone")
    parser.add_argument("--scheme", default="normal", choices=list(SCHEMES), metavar="NAME",
                        help="init scheme: " + ", ".join(SCHEMES) + " (default normal)")
    parser.add_argument("--dim", type=int, help="embedding dimension (default 64; the file's with --vectors)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                        help="a scheme parameter, e.g. --param std=0.02 --param mode=fan_out")
    parser.add_argument("--vectors", metavar="FILE", help="pretrained vectors mapped onto --vocab (reports coverage)")
    parser.add_argument("--vectors-vocab", metavar="FILE", help="tokens for a vectors file that carries none")
    parser.add_argument("--tensor", metavar="NAME", help="which tensor of a safetensors/PyTorch file")
    parser.add_argument("--fill", default="random", choices=tuple(FILLS),
                        help="rows the vectors file lacks: random (pretrained mean/std), zeros, mean, or "
                             "subwords (a fastText .bin: composed from character n-grams, as fastText does)")
    parser.add_argument("--ignore-case", action="store_true", help="match vocabulary and file tokens ignoring case")
    parser.add_argument("--json", action="store_true", help="print one JSON object")


@contextlib.contextmanager
def progress_bar(label: str):
    """A terminal progress bar on stderr (only when stderr is a terminal)."""
    if not sys.stderr.isatty():
        yield None
        return
    shown = [-1]

    def progress(fraction: float) -> None:
        percent = int(100 * max(0.0, min(1.0, fraction)))
        if percent != shown[0]:
            shown[0] = percent
            bar = "#" * (percent // 4)
            sys.stderr.write(f"\r{label} [{bar:<25}] {percent:3d}%")
            sys.stderr.flush()

    try:
        yield progress
    finally:
        if shown[0] >= 0:
            sys.stderr.write("\r" + " " * (len(label) + 34) + "\r")
            sys.stderr.flush()


def _params(items: list[str], scheme: str) -> dict:
    from explorer.core import ExplorerError
    from explorer.core.matrix.schemes import SCHEMES

    params = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep:
            raise ExplorerError(f"--param needs NAME=VALUE, got {item!r}")
        default = SCHEMES[scheme].params.get(name)
        if default is None:
            raise ExplorerError(f"{scheme} takes no parameter {name!r}"
                                + (f"; it takes {', '.join(SCHEMES[scheme].params)}" if SCHEMES[scheme].params else ""))
        if isinstance(default, str):
            params[name] = value
        else:
            try:
                params[name] = float(value)
            except ValueError:
                raise ExplorerError(f"--param {name} must be a number, got {value!r}") from None
    return params


def _load_vocab(path: str):
    from explorer.core.io.samples import vocab_file
    from explorer.core.io.vocab_files import load_vocabulary

    return load_vocabulary(vocab_file(path))


def run(args) -> int:
    import numpy as np

    from explorer.core import ExplorerError
    from explorer.core.matrix.schemes import InitConfig
    from explorer.core.matrix.stats import matrix_stats

    if args.dim is not None and args.dim < 1:
        raise ExplorerError(f"--dim must be at least 1, got {args.dim}")
    result: dict = {"scheme": args.scheme, "seed": args.seed}
    coverage = None
    if args.vectors:
        from explorer.core.io.samples import vectors_file
        from explorer.core.io.vectors import load_vectors

        path, vocab_path, tensor = vectors_file(args.vectors, args.vectors_vocab, args.tensor)
        with progress_bar("loading vectors") as progress:
            loaded = load_vectors(path, vocab_path=vocab_path, tensor_name=tensor, progress=progress)
        file_dim = loaded.weights.shape[1]
        if args.dim is not None and args.dim != file_dim:
            raise ExplorerError(f"dimension mismatch: the vectors have {file_dim} dimensions, --dim says "
                                f"{args.dim}; leave --dim out to adopt the file's", args.vectors)
        result.update({"vectors": str(args.vectors), "format": loaded.format, "warnings": loaded.warnings})
        if args.vocab:
            from explorer.core.matrix.pretrained import map_vectors

            vocab = _load_vocab(args.vocab)
            mapped = map_vectors(vocab, loaded.vocab.tokens, loaded.weights, case_insensitive=args.ignore_case,
                                 fill=args.fill, seed=args.seed, subwords=loaded.subwords)
            weights = mapped.weights
            coverage = mapped.coverage
            result.update({"scheme": "pretrained", "fill": args.fill})
        else:
            vocab, weights = loaded.vocab, loaded.weights
            result["scheme"] = "pretrained"
    else:
        if args.vocab:
            vocab = _load_vocab(args.vocab)
        else:
            from explorer.core.tokens.demo import demo_vocabulary

            vocab = demo_vocabulary(args.seed)
        from explorer.core.matrix.init import initialize

        config = InitConfig(args.scheme, args.dim or 64, args.seed, _params(args.param, args.scheme))
        weights = initialize(config, len(vocab), vocab.pad_id)
        result["params"] = config.params
    stats = matrix_stats(np.asarray(weights))
    result.update(stats.as_dict())
    result["vocab"] = str(args.vocab) if args.vocab else ("vectors file" if args.vectors else "demo")
    if coverage is not None:
        result["coverage"] = coverage.as_dict()
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
        return 0
    print(f"{result['rows']:,} x {result['dim']}  scheme {result['scheme']}  seed {args.seed}")
    for key in ("mean", "std", "norm_mean", "mean_cosine", "effective_rank"):
        value = result[key]
        print(f"  {key:<15} {'n/a' if value is None else f'{value:.6g}'}")
    print(f"  (mean cosine over {stats.cosine_rows:,} rows, effective rank over {stats.rank_rows:,} rows)")
    if stats.identical_rows:
        print("  every row is identical: no token can be told apart from another")
    if coverage is not None:
        print(f"  coverage        {coverage.summary()}")
    for warning in result.get("warnings", []):
        print(f"warning: {warning}")
    return 0
