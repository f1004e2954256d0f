"""`embedding-explorer project`: 2D/3D coordinates of every token (or a sample) as CSV."""

from __future__ import annotations

from explorer.commands._progress import progress_bar

NAME = "project"
HELP = "project a session or vectors file with PCA, SVD, t-SNE or UMAP and write coordinates as CSV"


def add_arguments(parser) -> None:
    parser.add_argument("source", metavar="SESSION_OR_VECTORS",
                        help="a session (.eexp), vectors file (word2vec, GloVe, fastText, .npy, safetensors, ...) "
                             "or sample:minilm")
    parser.add_argument("--vocab", metavar="FILE", help="tokens for formats that carry none (.npy, safetensors)")
    parser.add_argument("--tensor", metavar="NAME", help="which tensor of a safetensors/PyTorch file to use")
    parser.add_argument("--method", choices=("pca", "svd", "tsne", "umap"), default="pca",
                        help="pca (default), svd (truncated, uncentred), tsne, or umap (needs umap-learn)")
    parser.add_argument("--dims", type=int, choices=(2, 3), default=2, help="2 (default) or 3 components")
    parser.add_argument("--sample", type=int, metavar="N",
                        help="project a random sample of N tokens (the file then holds N rows)")
    parser.add_argument("--seed", type=int, default=0, help="seed for the sample and t-SNE/UMAP (default 0)")
    parser.add_argument("--perplexity", type=float, default=30.0, help="t-SNE perplexity (default 30)")
    parser.add_argument("--sphereize", action="store_true", help="centre, then scale rows to unit length first")
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


def run(args) -> int:
    from pathlib import Path

    from explorer.core import ExplorerError
    from explorer.core.io.sources import load_matrix
    from explorer.core.projection.project import ProjectionSettings, project

    out = Path(args.out)
    if not out.parent.exists() and str(out.parent):
        raise ExplorerError("the folder does not exist", out.parent)
    settings = ProjectionSettings(args.method, args.dims, perplexity=args.perplexity, sphereize=args.sphereize,
                                  sample=args.sample, seed=args.seed).validate()
    vocab, weights = load_matrix(args.source, vocab_path=args.vocab, tensor_name=args.tensor)
    if weights is None or len(weights) == 0:
        raise ExplorerError("holds no matrix", args.source)
    progress, close = progress_bar(f"{settings.method} {settings.dims}D")
    try:
        result = project(weights, settings, progress=progress)
    finally:
        close()
    rows = write_coords(out, vocab, result)
    explained = ""
    if result.explained is not None:
        explained = " (explained variance " + ", ".join(f"{100 * v:.1f}%" for v in result.explained) + ")"
    print(f"{result.statement}{explained}: wrote {rows:,} rows to {out}")
    return 0
