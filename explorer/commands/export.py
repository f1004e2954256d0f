"""`embedding-explorer export SESSION --format ... --out PATH`: write vectors for other tools."""

from __future__ import annotations

import sys

NAME = "export"
HELP = "export a session's (or vectors file's) matrix as projector TSV, word2vec, GloVe, .npy or CSV"
FORMAT_CHOICES = ("projector", "word2vec", "word2vec-bin", "glove", "npy", "csv", "loss-csv")


def add_arguments(parser) -> None:
    parser.add_argument("session", metavar="SESSION", help="a session file (.eexp, or any name), any vectors file "
                        "or sample:minilm")
    parser.add_argument("--format", required=True, choices=FORMAT_CHOICES,
                        help="projector: vectors.tsv + metadata.tsv (OUT is a folder or a .tsv name); "
                             "word2vec / word2vec-bin: word2vec C text / binary; glove: GloVe text; "
                             "npy: float32 matrix (+ OUT's .vocab.txt); csv: projected coordinates "
                             "(id, token, x, y[, z]); loss-csv: the loss curve of a trained session")
    parser.add_argument("--out", required=True, metavar="PATH", help="where to write")
    parser.add_argument("--vocab", metavar="FILE", help="tokens for vectors files that carry none (.npy, ...)")
    parser.add_argument("--dims", type=int, choices=(2, 3), default=2, help="csv: 2 or 3 coordinates (PCA)")
    parser.add_argument("--snapshot", type=int, metavar="STEP",
                        help="export the training snapshot taken at this step instead of the final matrix")


def _progress_bar(label: str):
    if not sys.stderr.isatty():
        return None
    def show(fraction: float) -> None:
        filled = int(30 * fraction)
        sys.stderr.write(f"\r{label} [{'#' * filled}{'.' * (30 - filled)}] {100 * fraction:3.0f}%")
        if fraction >= 1.0:
            sys.stderr.write("\n")
        sys.stderr.flush()
    return show


def run(args) -> int:
    from explorer.core import ExplorerError
    from explorer.core.io.export import export
    from explorer.core.io.sources import is_session

    source = args.session
    categories = None
    history: dict = {}
    if is_session(source):
        from explorer.core.io.session import load_session

        session = load_session(source)
        vocab, weights = session.vocab, session.weights
        categories, history = session.categories, session.history
        if args.snapshot is not None:
            steps = {s.step: s.weights for s in session.snapshots}
            if args.snapshot not in steps:
                have = ", ".join(str(s) for s in steps) or "none"
                raise ExplorerError(f"no snapshot at step {args.snapshot} (snapshots: {have})", source)
            weights = steps[args.snapshot]
    else:
        if args.format == "loss-csv":
            raise ExplorerError("a vectors file has no loss curve; export loss-csv from a session", source)
        if args.snapshot is not None:
            raise ExplorerError("--snapshot needs a session file", source)
        from explorer.core.io.sources import load_matrix

        vocab, weights = load_matrix(source, vocab_path=args.vocab)
    written = export(args.format, args.out, vocab, weights, categories=categories, history=history,
                     dims=args.dims, progress=_progress_bar(f"export {args.format}"))
    paths = written if isinstance(written, tuple) else (written,)
    if args.format == "npy":
        from explorer.core.io.export import vocab_path_for_npy

        if vocab_path_for_npy(written).exists():
            paths = (written, vocab_path_for_npy(written))
    for path in paths:
        print(path)
    return 0
