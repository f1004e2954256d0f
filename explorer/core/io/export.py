"""Writers for the formats other tools read: TensorBoard projector, word2vec, GloVe, .npy, CSV.

Numbers in text formats are written with 9 significant digits, enough for every float32
to read back bit-exactly (by us, by gensim, by numpy). Every writer goes through a temp
file and a rename, so a failed export never leaves half a file under the asked name.
Writers take the optional `progress` / `should_cancel` keyword arguments of long jobs.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Callable, Sequence
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from explorer.core import Cancelled, ExplorerError
from explorer.core.io.atomic import temp_beside
from explorer.core.tokens.vocab import Vocabulary

# name -> (label, default file name or suffix)
FORMATS = {
    "projector": ("TensorBoard projector (vectors.tsv + metadata.tsv)", ""),
    "word2vec": ("word2vec text", ".txt"),
    "word2vec-bin": ("word2vec binary", ".bin"),
    "glove": ("GloVe text", ".txt"),
    "npy": ("NumPy .npy (+ .vocab.txt)", ".npy"),
    "csv": ("CSV of projected coordinates", ".csv"),
    "loss-csv": ("CSV of the loss curve", ".csv"),
}
ROWS_PER_CHUNK = 2048


def _check(progress, should_cancel, done: int, total: int) -> None:
    if should_cancel is not None and should_cancel():
        raise Cancelled()
    if progress is not None:
        progress(min(1.0, done / max(1, total)))


@contextmanager
def _atomic(path: Path, mode: str = "w"):
    path = Path(path)
    fd, tmp = temp_beside(path)  # mode 0666 less the umask, as the final file should be
    try:
        kwargs = {"encoding": "utf-8", "newline": ""} if "b" not in mode else {}
        with os.fdopen(fd, mode, **kwargs) as f:
            yield f
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _check_shapes(vocab: Vocabulary, weights: np.ndarray) -> np.ndarray:
    weights = np.asarray(weights)
    if weights.ndim != 2 or weights.shape[0] != len(vocab):
        raise ExplorerError(f"matrix of shape {weights.shape} does not fit {len(vocab)} tokens")
    return np.ascontiguousarray(weights, dtype=np.float32)


def _check_tokens(tokens: Sequence[str], fmt: str, path: Path) -> None:
    """word2vec and GloVe separate fields with spaces: a token must hold no whitespace."""
    for i, token in enumerate(tokens):
        if not token or any(ch.isspace() for ch in token):
            raise ExplorerError(
                f"token {i} ({token!r}) is empty or contains whitespace, which {fmt} cannot hold; "
                "export as projector TSV or .npy instead", path)


def _rows_text(weights: np.ndarray, sep: str, progress, should_cancel):
    """Yield text blocks of formatted rows (9 significant digits: float32 round-trips)."""
    n, dim = weights.shape
    fmt = sep.join(["%.9g"] * dim)
    for start in range(0, n, ROWS_PER_CHUNK):
        _check(progress, should_cancel, start, n)
        block = weights[start:start + ROWS_PER_CHUNK].astype(np.float64).tolist()
        yield start, [fmt % tuple(row) for row in block]


def export_word2vec(path, vocab: Vocabulary, weights: np.ndarray, *, binary: bool = False,
                    progress=None, should_cancel=None) -> Path:
    """word2vec C format: a `rows dim` header, then `token v1 v2 ...` (text) or
    `token ` + little-endian float32 bytes + newline (binary, as word2vec.c writes it)."""
    path = Path(path)
    weights = _check_shapes(vocab, weights)
    fmt = "word2vec binary" if binary else "word2vec text"
    _check_tokens(vocab.tokens, fmt, path)
    n, dim = weights.shape
    if binary:
        little = weights.astype("<f4", copy=False)
        with _atomic(path, "wb") as f:
            f.write(f"{n} {dim}\n".encode())
            for start in range(0, n, ROWS_PER_CHUNK):
                _check(progress, should_cancel, start, n)
                buf = io.BytesIO()
                for i in range(start, min(n, start + ROWS_PER_CHUNK)):
                    buf.write(vocab.tokens[i].encode("utf-8") + b" ")
                    buf.write(little[i].tobytes())
                    buf.write(b"\n")
                f.write(buf.getvalue())
    else:
        with _atomic(path) as f:
            f.write(f"{n} {dim}\n")
            for start, lines in _rows_text(weights, " ", progress, should_cancel):
                f.write("".join(f"{vocab.tokens[start + j]} {line}\n" for j, line in enumerate(lines)))
    if progress is not None:
        progress(1.0)
    return path


def export_glove(path, vocab: Vocabulary, weights: np.ndarray, *, progress=None, should_cancel=None) -> Path:
    """GloVe text: `token v1 v2 ...` per line, no header."""
    path = Path(path)
    weights = _check_shapes(vocab, weights)
    _check_tokens(vocab.tokens, "GloVe text", path)
    with _atomic(path) as f:
        for start, lines in _rows_text(weights, " ", progress, should_cancel):
            f.write("".join(f"{vocab.tokens[start + j]} {line}\n" for j, line in enumerate(lines)))
    if progress is not None:
        progress(1.0)
    return path


def _tsv_field(text: str) -> str:
    # The projector splits on tabs and lines and has no quoting: keep each field on one cell.
    return text.replace("\t", " ").replace("\r", " ").replace("\n", " ")


def projector_label(token: str) -> str:
    """The token as metadata.tsv shows it: an empty or whitespace-only token (" ", U+3000,
    U+00A0, a tab) is written as `\\uXXXX` escapes of its characters, and an empty one as `""`.

    The projector drops every metadata line that JavaScript's `trim()` leaves empty (it
    strips spaces of every kind, U+FEFF too), then refuses the export: its line count no
    longer matches the vectors."""
    if all(ch.isspace() or ch == "\ufeff" for ch in token):
        return "".join(f"\\u{ord(ch):04x}" for ch in token) or '""'
    return token


def projector_paths(out) -> tuple[Path, Path]:
    """`out` is a folder (created if needed) or the wanted vectors file name (`*.tsv`)."""
    out = Path(out)
    if out.suffix.lower() == ".tsv":
        stem = out.name[: -len(".tsv")]
        meta_name = "metadata.tsv" if stem == "vectors" else f"{stem}.metadata.tsv"
        return out, out.with_name(meta_name)
    return out / "vectors.tsv", out / "metadata.tsv"


def metadata_field(value) -> str:
    """A metadata value as metadata.tsv holds it: "" for missing, whole numbers without ".0",
    other numbers as the shortest text that reads back as the same float32."""
    if isinstance(value, (float, np.floating)):
        if np.isnan(value):
            return ""
        value = np.float32(value)
        if value.is_integer() and abs(value) < 2**24:
            return str(int(value))
        return str(value)
    return str(value)


def export_projector(out, vocab: Vocabulary, weights: np.ndarray, categories: Sequence[str] | None = None,
                     *, metadata=None, progress=None, should_cancel=None) -> tuple[Path, Path]:
    """TensorBoard projector files: vectors.tsv (tab-separated numbers, one row per token) and
    metadata.tsv (the token alone without a header, or a header row then token, count, category
    and the columns of `metadata`, an explorer.core.io.metadata.Metadata).
    Whitespace-only tokens are written escaped (`projector_label`)."""
    weights = _check_shapes(vocab, weights)
    vectors_path, meta_path = projector_paths(out)
    if weights.shape[1] < 2:
        raise ExplorerError(f"the projector needs at least 2 dimensions; this matrix has {weights.shape[1]}",
                            vectors_path)
    if not Path(out).suffix:
        Path(out).mkdir(parents=True, exist_ok=True)
    columns: list[tuple[str, Sequence]] = [("token", [projector_label(t) for t in vocab.tokens])]
    if vocab.counts is not None:
        columns.append(("count", [str(int(c)) for c in vocab.counts]))
    if categories is not None:
        if len(categories) != len(vocab):
            raise ExplorerError(f"{len(categories)} categories for {len(vocab)} tokens")
        columns.append(("category", list(categories)))
    if metadata is not None:
        taken = {name for name, _ in columns}
        for name in metadata.names:
            values = metadata.values(name)
            if len(values) != len(vocab):
                raise ExplorerError(f"metadata column {name!r} has {len(values)} values for {len(vocab)} tokens")
            shown = name if name not in taken else f"{name} (metadata)"  # the header names stay unique
            taken.add(shown)
            columns.append((shown, [metadata_field(v) for v in values.tolist()]))
    with _atomic(vectors_path) as f:
        for _start, lines in _rows_text(weights, "\t", progress, should_cancel):
            f.write("".join(line + "\n" for line in lines))
    with _atomic(meta_path) as f:
        if len(columns) > 1:
            f.write("\t".join(name for name, _ in columns) + "\n")
        for i in range(len(vocab)):
            f.write("\t".join(_tsv_field(str(values[i])) for _, values in columns) + "\n")
    if progress is not None:
        progress(1.0)
    return vectors_path, meta_path


def vocab_path_for_npy(path) -> Path:
    path = Path(path)
    return path.with_name(path.stem + ".vocab.txt")


def export_npy(path, vocab: Vocabulary, weights: np.ndarray, *, write_vocab: bool = True,
               progress=None, should_cancel=None) -> Path:
    """The matrix as float32 .npy; the tokens, one per line, in `<stem>.vocab.txt` next to it
    (when no token holds a line break)."""
    path = Path(path)
    weights = _check_shapes(vocab, weights)
    with _atomic(path, "wb") as f:
        np.save(f, weights, allow_pickle=False)
    if write_vocab and not any(("\n" in t or "\r" in t) for t in vocab.tokens):
        with _atomic(vocab_path_for_npy(path)) as f:
            f.write("".join(t + "\n" for t in vocab.tokens))
    if progress is not None:
        progress(1.0)
    return path


def export_coordinates(path, tokens: Sequence[str], coords: np.ndarray, ids: Sequence[int] | None = None,
                       *, progress=None, should_cancel=None) -> Path:
    """CSV with columns id, token, x, y (and z in 3D), quoted where a token needs it."""
    path = Path(path)
    coords = np.asarray(coords, dtype=np.float64)
    if coords.ndim != 2 or coords.shape[1] not in (2, 3):
        raise ExplorerError(f"coordinates must be 2D or 3D, got shape {coords.shape}")
    ids = list(range(len(coords))) if ids is None else [int(i) for i in ids]
    if len(ids) != len(coords):
        raise ExplorerError(f"{len(ids)} ids for {len(coords)} points")
    header = ["id", "token", "x", "y", "z"][: 2 + coords.shape[1]]
    with _atomic(path) as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(header)
        for start in range(0, len(coords), ROWS_PER_CHUNK * 4):
            _check(progress, should_cancel, start, len(coords))
            for j, row in enumerate(coords[start:start + ROWS_PER_CHUNK * 4].tolist(), start):
                writer.writerow([ids[j], tokens[ids[j]], *(repr(v) for v in row)])
    if progress is not None:
        progress(1.0)
    return path


def loss_rows(history: dict) -> tuple[list[str], list[list]]:
    """The loss curve of a session's history as (header, rows).

    Accepts `{"loss": [[step, loss, ...], ...]}` or a list of dicts; extra list entries are
    named from `history.get("loss_columns")` when given.
    """
    curve = (history or {}).get("loss") or []
    if not curve:
        return ["step", "loss"], []
    if isinstance(curve[0], dict):
        header = list(dict.fromkeys(k for row in curve for k in row))
        return header, [[row.get(k, "") for k in header] for row in curve]
    width = max(len(row) for row in curve)
    header = list(history.get("loss_columns") or [])[:width]
    default = ["step", "loss", "epoch", "tokens_seen"]
    header += [default[i] if i < len(default) else f"value{i}" for i in range(len(header), width)]
    return header, [list(row) + [""] * (width - len(row)) for row in curve]


def export_loss_curve(path, history: dict, *, progress=None, should_cancel=None) -> Path:
    path = Path(path)
    header, rows = loss_rows(history)
    if not rows:
        raise ExplorerError("there is no loss curve yet: train first", path)
    with _atomic(path) as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    if progress is not None:
        progress(1.0)
    return path


def project_for_export(weights: np.ndarray, dims: int = 2, method: str = "pca") -> np.ndarray:
    """Coordinates for `--format csv` when no view has projected the matrix yet."""
    from explorer.core.projection.project import ProjectionSettings, project

    return project(weights, ProjectionSettings(method=method, dims=dims)).coords


def export(fmt: str, out, vocab: Vocabulary, weights: np.ndarray, *, categories=None, history=None,
           coords: np.ndarray | None = None, dims: int = 2, metadata=None, progress: Callable | None = None,
           should_cancel: Callable | None = None):
    """Dispatch on a FORMATS name; returns the path(s) written. `metadata` goes into the
    projector's metadata.tsv (the other formats have no place for it)."""
    kw = {"progress": progress, "should_cancel": should_cancel}
    if fmt == "projector":
        return export_projector(out, vocab, weights, categories, metadata=metadata, **kw)
    if fmt == "word2vec":
        return export_word2vec(out, vocab, weights, **kw)
    if fmt == "word2vec-bin":
        return export_word2vec(out, vocab, weights, binary=True, **kw)
    if fmt == "glove":
        return export_glove(out, vocab, weights, **kw)
    if fmt == "npy":
        return export_npy(out, vocab, weights, **kw)
    if fmt == "csv":
        if coords is None:
            coords = project_for_export(_check_shapes(vocab, weights), dims)
        return export_coordinates(out, vocab.tokens, coords, **kw)
    if fmt == "loss-csv":
        return export_loss_curve(out, history or {}, **kw)
    raise ExplorerError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")
