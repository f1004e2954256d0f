"""`embedding-explorer project`: 2D/3D coordinates of every token (or a sample) as CSV."""

from __future__ import annotations

from explorer.commands._progress import progress_bar

NAME = "project"
HELP = "project a session or vectors file with PCA, SVD, t-SNE, UMAP or semantic axes and write coordinates as CSV"
KNN_SAMPLE = 5000  # --json measures neighbourhoods kept on at most this many projected rows


def add_arguments(parser) -> None:
    parser.add_argument("source", metavar="SESSION_OR_VECTORS",
                        help="a session (.eexp), vectors file (word2vec, GloVe, fastText, .npy, safetensors, ...) "
                             "or sample:minilm")
    parser.add_argument("--vocab", metavar="FILE", help="tokens for formats that carry none (.npy, safetensors)")
    parser.add_argument("--tensor", metavar="NAME", help="which tensor of a safetensors/PyTorch file to use")
    parser.add_argument("--method", choices=("pca", "svd", "tsne", "umap", "axes"), default="pca",
                        help="pca (default), svd (truncated, uncentred), tsne, umap (needs umap-learn), "
                             "or axes (semantic axes: --x, --y, --z)")
    parser.add_argument("--dims", type=int, choices=(2, 3), help="2 (default) or 3 components (axes: 3 with --z)")
    parser.add_argument("--sample", type=int, metavar="N",
                        help="project a random sample of N tokens (the file then holds N rows)")
    parser.add_argument("--seed", type=int, default=0, help="seed for the sample and t-SNE/UMAP (default 0)")
    parser.add_argument("--perplexity", type=float, default=30.0, help="t-SNE perplexity (default 30)")
    parser.add_argument("--n-neighbors", type=int, default=15, help="UMAP neighbours (default 15)")
    parser.add_argument("--min-dist", type=float, default=0.1, help="UMAP min_dist, 0 to 1 (default 0.1)")
    parser.add_argument("--umap-metric", choices=("euclidean", "cosine"), default="euclidean",
                        help="UMAP's distance in the full space (default euclidean)")
    parser.add_argument("--x", metavar="A-B", default="",
                        help="semantic x axis from B to A: each end a token, a comma list (king,man) or a /regex/; "
                             "tokens with '-' as 'A - B'")
    parser.add_argument("--y", metavar="A-B", default="", help="semantic y axis, as --x")
    parser.add_argument("--z", metavar="A-B", default="", help="semantic z axis, as --x (makes the projection 3D)")
    parser.add_argument("--axis-metric", choices=("projection", "cosine", "dot"), default="projection",
                        help="a token's place on a semantic axis d = A - B: projection v.d/|d| (default), "
                             "cosine cos(v, d), or dot v.d")
    parser.add_argument("--sphereize", action="store_true", help="centre, then scale rows to unit length first")
    parser.add_argument("--json", action="store_true",
                        help="print a JSON summary (method, rows, sampled, knn_preserved over at most "
                             f"{KNN_SAMPLE:,} projected rows: knn_sample)")
    parser.add_argument("--out", required=True, metavar="CSV", help="where to write id,token,x,y[,z]")


def write_coords(path, vocab, projection) -> int:
    """Write id,token,x,y[,z] (one row per projected token, in ID order); returns the row count."""
    import csv
    import os
    from pathlib import Path

    from explorer.core.io.atomic import temp_beside

    path = Path(path)
    columns = ["id", "token", "x", "y", "z"][:2 + projection.dims]
    fd, tmp = temp_beside(path)  # follows the umask, unlike mkstemp
    try:
        with os.fdopen(fd, "w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f, lineterminator="\n")
            writer.writerow(columns)
            for token_id, row in zip(projection.row_ids.tolist(), projection.coords.tolist()):
                writer.writerow([token_id, vocab.tokens[token_id], *(f"{v:.6g}" for v in row)])
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return projection.sample_size


def summary(result, fidelity, out) -> dict:
    """The --json object: what was projected, and how many neighbourhoods the picture keeps."""
    return {
        "method": result.method, "dims": result.dims, "statement": result.statement,
        "rows": result.sample_size, "tokens": result.n_total, "sampled": result.sampled,
        "isolated": bool(result.settings.rows), "axis_titles": list(result.axis_titles),
        "explained_variance": None if result.explained is None else [float(v) for v in result.explained],
        "knn_preserved": round(fidelity.mean, 6), "knn_k": fidelity.k,
        "knn_sample": fidelity.rows,  # rows measured: fewer than "rows" means a seeded random sample
        "out": str(out),
    }


def run(args) -> int:
    import json
    from pathlib import Path

    from explorer.core import ExplorerError
    from explorer.core.io.sources import load_matrix
    from explorer.core.projection.project import ProjectionSettings, project

    out = Path(args.out)
    if not out.parent.exists() and str(out.parent):
        raise ExplorerError("the folder does not exist", out.parent)
    dims = args.dims or (3 if args.method == "axes" and args.z else 2)
    settings = ProjectionSettings(args.method, dims, perplexity=args.perplexity, sphereize=args.sphereize,
                                  sample=args.sample, seed=args.seed, n_neighbors=args.n_neighbors,
                                  min_dist=args.min_dist, umap_metric=args.umap_metric, x_axis=args.x,
                                  y_axis=args.y, z_axis=args.z, axis_metric=args.axis_metric).validate()
    vocab, weights = load_matrix(args.source, vocab_path=args.vocab, tensor_name=args.tensor)
    if weights is None or len(weights) == 0:
        raise ExplorerError("holds no matrix", args.source)
    progress, close = progress_bar(f"{settings.method} {settings.dims}D")
    try:
        result = project(weights, settings, progress=progress, tokens=vocab.tokens)
    finally:
        close()
    fidelity = None
    if args.json:  # measured before writing: a failure leaves no half-done output behind
        from explorer.core.analysis.fidelity import knn_preserved

        fidelity = knn_preserved(weights, result, max_rows=KNN_SAMPLE, seed=args.seed)
    rows = write_coords(out, vocab, result)
    if args.json:
        print(json.dumps(summary(result, fidelity, out), ensure_ascii=False))
        return 0
    explained = ""
    if result.explained is not None:
        explained = " (explained variance " + ", ".join(f"{100 * v:.1f}%" for v in result.explained) + ")"
    axes = f" ({'; '.join(result.axis_titles)})" if result.method == "axes" else ""
    print(f"{result.statement}{axes}{explained}: wrote {rows:,} rows to {out}")
    return 0
