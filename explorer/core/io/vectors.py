"""Pretrained vectors: read every common format into a Vocabulary and a float32 matrix.

Formats (`sniff_format` names them):
- ``glove``: text, one ``token v1 ... vd`` line per token, no header;
- ``word2vec``: the same with a ``rows dim`` header line; ``fasttext`` is that
  format in a ``.vec`` file;
- ``word2vec_binary``: word2vec's C binary format (header line, then
  ``token<space>`` followed by dim little-endian float32 per row);
- ``npy`` / ``npz``: numpy arrays (tokens from a vocabulary file, or from a
  string array inside the .npz); never unpickled;
- ``safetensors`` and ``torch`` (PyTorch checkpoints, loaded only with
  ``weights_only=True``): hold several tensors, listed by `list_tensors` and
  picked by name;
- ``tsv``: TensorBoard projector ``vectors.tsv`` (numbers only) with its
  ``metadata.tsv`` (tokens; a header row when it has several columns);
- ``fasttext_bin``: a Facebook fastText model (.bin, new format with magic bytes
  ``BA 16 4F 2F`` or the old one): the words, and the subword n-gram table that
  composes a vector for a word outside the vocabulary (`LoadedVectors.subwords`,
  a `explorer.core.io.fasttext.SubwordModel`); read with gensim (the extra
  ``embedding-explorer[fasttext]``);
- ``model_folder``: a Hugging Face-style folder (config.json, model.safetensors or
  its shards, or pytorch_model.bin, and a tokenizer): the input-embedding table is
  picked by name, the tokens come from the tokenizer and the positional table
  rides along (`LoadedVectors.positional`); see `explorer.core.io.model_folder`.

The text formats and word2vec binary may be gzip, bzip2 or xz compressed (``wiki.vec.gz``):
they are decompressed as they are read, with progress by compressed bytes.

Text is parsed in bulk: the file is read in chunks of whole lines, token spans
and number fields are found with numpy, and all numbers of a chunk are parsed
at once (`explorer.core.io._fastfloat`) into a preallocated matrix. Only
when something is wrong does the reader look at single lines, to say which.

Bad input raises ExplorerError naming the file and line (or byte for binary):
ragged rows, non-numbers, NaN/inf, headers whose counts lie, truncated binaries,
duplicate tokens, pickles. Invalid UTF-8 in tokens is replaced (U+FFFD) with a
warning that counts the affected tokens. What the user must still answer is a typed
error: `NeedsVocabulary` (a table without tokens) and `NeedsTensorChoice` (which table).
Both are ExplorerErrors whose `str()` is the whole message ("FILE: ..."); their attributes
are stable API for the window's dialog: `path` (the file), `message` (without the file),
and for NeedsTensorChoice `choices` (name -> shape of each candidate table).
"""

from __future__ import annotations

import json
import mmap
import tokenize
import zipfile
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from explorer.core import Cancelled, ExplorerError
from explorer.core.io._fastfloat import PAD, parse_fields
from explorer.core.io.compressed import UNBOUNDED, compression_of_file, inner_name, open_stream, read_head
from explorer.core.io.fasttext import is_fasttext_bin
from explorer.core.io.textio import describe_binary, is_number, refuse_foreign
from explorer.core.matrix.memory import check_bytes, check_matrix
from explorer.core.tokens.vocab import SPECIAL_SPELLINGS, Vocabulary

CHUNK_BYTES = 1 << 20
THREADS = 2  # blocks parsed at once (numpy releases the GIL); the reader thread assembles them
FORMAT_LABELS = {
    "glove": "GloVe text",
    "word2vec": "word2vec text",
    "fasttext": "fastText .vec",
    "word2vec_binary": "word2vec binary",
    "npy": "NumPy .npy",
    "npz": "NumPy .npz",
    "safetensors": "safetensors",
    "torch": "PyTorch checkpoint",
    "tsv": "TensorBoard projector TSV",
    "fasttext_bin": "fastText binary model",
    "model_folder": "model folder",
}
TEXT_FORMATS = ("glove", "word2vec", "fasttext", "tsv", "word2vec_binary")  # may be compressed
TENSOR_FORMATS = ("safetensors", "torch", "npz")
PICKLE_SUFFIXES = {".pkl", ".pickle", ".kv", ".model", ".joblib"}
PREFERRED_TENSORS = ("word_embeddings", "embed_tokens", "wte", "tok_embeddings", "token_embedding",
                     "embeddings", "embedding", "emb")
MAX_REPORTED = 8  # rows listed in one error message
MAX_COUNT = 2**63 - 1  # a token ID beyond int64 cannot be a real file's


class NeedsVocabulary(ExplorerError):
    """The file holds a matrix but no tokens (.npy, safetensors, a checkpoint, a bare TSV):
    the user is asked for its vocabulary file. Attributes: `path`, `message`."""


class NeedsTensorChoice(ExplorerError):
    """The file holds several 2-D tensors and none is named like an embedding table: the user
    is asked which one. Attributes: `path`, `message`, and `choices`, mapping each candidate's
    name to its shape (a tuple of ints), in the file's order."""

    def __init__(self, message: str, path, choices: dict[str, tuple[int, ...]]) -> None:
        super().__init__(message, path)
        self.choices = choices


@dataclass
class LoadedVectors:
    vocab: Vocabulary
    weights: np.ndarray  # float32, rows x dim
    format: str
    warnings: list[str] = field(default_factory=list)
    tensor_name: str | None = None
    # A fastText .bin's character n-gram table (explorer.core.io.fasttext.SubwordModel): composes
    # vectors for words outside the vocabulary. None for every other format.
    subwords: object | None = None
    # The learned positional table (positions x dim) of a model folder's checkpoint, else None.
    positional: np.ndarray | None = None
    tensor_file: str | None = None  # the file (shard) the table was read from, for model folders
    positional_name: str | None = None  # the positional table's tensor name, for model folders

    @property
    def label(self) -> str:
        return FORMAT_LABELS.get(self.format, self.format)


Progress = Callable[[float], None] | None
ShouldCancel = Callable[[], bool] | None


# -- format detection ------------------------------------------------------------------
def _head(path: Path, n: int = 65536) -> bytes:
    """The first bytes of what the file holds (decompressed)."""
    return read_head(path, n)


def _parse_header(line: bytes, path: Path, size: int) -> tuple[int, int] | None:
    """(rows, dim) of a word2vec 'rows dim' first line, None when the line is not one. A header
    no file can match (0 rows or dimensions, counts beyond what the file's size can hold) is an
    ExplorerError naming line 1, before anything is allocated."""
    parts = line.split()
    if len(parts) != 2 or not all(p.isdigit() for p in parts):
        return None
    counts = {}
    for part, what in ((parts[1], "dimensions"), (parts[0], "vectors")):
        # Each vector and each of its numbers takes a byte at least. Comparing the digits first
        # keeps int() off numbers of thousands of digits (which it refuses).
        digits = part.lstrip(b"0") or b"0"
        if len(digits) > len(str(size)) or int(digits) > size:
            shown = part[:24].decode() + ("…" if len(part) > 24 else "")
            raise ExplorerError(f"the header says {shown} {what}, more than the whole file ({size:,} bytes) "
                                "can hold", path, line=1)
        counts[what] = int(digits)
    rows, dim = counts["vectors"], counts["dimensions"]
    if rows == 0:
        raise ExplorerError("the header says 0 words: the file holds no vectors", path, line=1)
    if dim == 0:
        raise ExplorerError("the header says the vectors have 0 dimensions", path, line=1)
    return rows, dim


def sniff_format(path: str | Path) -> str:
    """Which of FORMAT_LABELS `path` is. Refuses pickles; ExplorerError when unknown."""
    path = Path(path)
    if not path.exists():
        raise ExplorerError("no such file", path)
    if path.is_dir():
        from explorer.core.io.model_folder import is_model_folder

        if is_model_folder(path):
            return "model_folder"
        raise ExplorerError("is a folder, not a vectors file (a model folder holds config.json and "
                            "model.safetensors, its shards, or pytorch_model.bin)", path)
    if path.stat().st_size == 0:
        raise ExplorerError("the file is empty", path)
    fmt = _sniff_content(path)
    compressed = compression_of_file(path)
    if compressed and fmt not in TEXT_FORMATS:
        from explorer.core.io.textio import COMPRESSED, _decompress_hint

        tool, suffix = next((t, s) for _m, f, t, s in COMPRESSED + ((b"", "bzip2", "bunzip2", ".bz2"),)
                            if f == compressed)
        raise ExplorerError(f"a {compressed}-compressed {FORMAT_LABELS[fmt]}: decompress it first "
                            f"({_decompress_hint(path, tool, suffix)})", path, offset=0)
    return fmt


def _sniff_content(path: Path) -> str:
    compressed = compression_of_file(path) is not None
    suffix = Path(inner_name(path)).suffix.lower() if compressed else path.suffix.lower()
    size = UNBOUNDED if compressed else path.stat().st_size
    head = _head(path)
    if not head:
        raise ExplorerError("the file is empty (once decompressed)", path)
    if is_fasttext_bin(head):
        return "fasttext_bin"
    refuse_foreign(head, path, zip_ok=True)  # zstd; compressed twice; zips are .npz or checkpoints
    if head.startswith(b"\x93NUMPY"):
        return "npy"
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(path) as z:
                names = z.namelist()
        except zipfile.BadZipFile:
            raise ExplorerError("looks like a zip archive but cannot be opened (truncated?)", path) from None
        if any(n.endswith("data.pkl") for n in names):
            return "torch"
        if any(n.endswith(".npy") for n in names):
            return "npz"
        raise ExplorerError("a zip archive that is neither a .npz nor a PyTorch checkpoint: extract the "
                            "vectors file from it first", path)
    if suffix == ".safetensors" or _looks_like_safetensors(head):
        return "safetensors"
    if suffix in {".pt", ".pth", ".ckpt"}:
        return "torch"  # legacy (non-zip) checkpoints: torch.load(weights_only=True) is still safe
    if _is_pickle(head) or suffix in PICKLE_SUFFIXES:
        raise ExplorerError(
            "refused: this is a Python pickle (for example a gensim .kv or .model save). Loading a "
            "pickle can run arbitrary code. Save it as word2vec text or binary instead "
            "(KeyedVectors.save_word2vec_format) and open that", path)
    first_line = head.split(b"\n", 1)[0]
    fields = first_line.split(b"\t") if b"\t" in first_line else first_line.split()
    if suffix == ".tsv" and b"\t" in first_line and all(is_number(x) for x in fields):
        return "tsv"  # a projector TSV whose first row is two whole numbers is no word2vec header
    header = _parse_header(first_line, path, size)
    if header is not None:
        return "word2vec_binary" if _binary_after_header(head, header[1]) else (
            "fasttext" if suffix == ".vec" else "word2vec")
    if suffix == ".tsv" and fields and all(is_number(x) for x in fields):
        return "tsv"
    binary = describe_binary(head)
    if binary:
        raise ExplorerError(f"{binary}, not a vectors format: no text vectors, word2vec binary, .npy, .npz, "
                            "safetensors, PyTorch checkpoint or fastText model", path, offset=0)
    if len(fields) >= 2:
        return "glove"
    raise ExplorerError("not a vectors file: the first line is neither a 'rows dim' header nor "
                        "'token number number ...'", path, line=1)


def _looks_like_safetensors(head: bytes) -> bool:
    if len(head) < 10:
        return False
    n = int.from_bytes(head[:8], "little")
    return 0 < n < 100_000_000 and head[8:9] == b"{"


def _is_pickle(head: bytes) -> bool:
    return len(head) >= 2 and head[0] == 0x80 and 2 <= head[1] <= 5


def _binary_after_header(head: bytes, dim: int) -> bool:
    body = head.split(b"\n", 1)[1] if b"\n" in head else b""
    line, newline, _ = body.partition(b"\n")
    if not newline:
        return len(body) > 0 and not _is_text(body)
    parts = line.split()
    if len(parts) >= 2 and all(is_number(p) for p in parts[1:]):
        return False  # text (whether or not its rows have the header's length)
    return True


def _is_text(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


# -- public API ------------------------------------------------------------------------
def load_vectors(path: str | Path, vocab_path: str | Path | None = None, tensor_name: str | None = None,
                 *, progress: Progress = None, should_cancel: ShouldCancel = None) -> LoadedVectors:
    """Read a vectors file of any supported format into a LoadedVectors (new objects only)."""
    path = Path(path)
    fmt = sniff_format(path)
    row_lines = None
    if fmt == "model_folder":
        return _load_model_folder(path, vocab_path, tensor_name, progress)
    if fmt == "fasttext_bin":
        from explorer.core.io.fasttext import load_fasttext_bin

        tokens, weights, subwords, warnings = load_fasttext_bin(path, progress=progress)
        _check_not_empty(path, tokens, weights)
        vocab = _vocabulary(tokens, path, kind="vectors")
        _check_duplicates(path, vocab, None)
        vocab.subwords = subwords  # Workspace.set_vocab picks it up (workspace.subwords)
        if progress:
            progress(1.0)
        return LoadedVectors(vocab, weights, fmt, warnings, None, subwords=subwords)
    if fmt in ("glove", "word2vec", "fasttext", "tsv"):
        if fmt == "tsv":
            tokens, weights, warnings, row_lines = _read_text(path, has_tokens=False, progress=progress,
                                                              should_cancel=should_cancel)
            tokens = _tokens_for(path, len(weights), vocab_path, fmt, warnings)
            weights = weights[: len(tokens)]
        else:
            tokens, weights, warnings, row_lines = _read_text(path, has_tokens=True, progress=progress,
                                                              should_cancel=should_cancel)
        name = None
    elif fmt == "word2vec_binary":
        tokens, weights, warnings = _read_binary(path, progress=progress, should_cancel=should_cancel)
        name = None
    else:
        weights, name, embedded_tokens = _read_tensor(path, fmt, tensor_name)
        warnings = []
        if embedded_tokens is not None and vocab_path is None:
            tokens = embedded_tokens
            if len(tokens) > len(weights):
                raise ExplorerError(f"the file's token list has {len(tokens):,} tokens but the matrix only "
                                    f"{len(weights):,} rows", path)
        else:
            tokens = _tokens_for(path, len(weights), vocab_path, fmt, warnings)
        weights = weights[: len(tokens)]
        _check_finite_matrix(path, weights, name)
    _check_not_empty(path, tokens, weights)
    vocab = _vocabulary(tokens, path, kind="vectors")
    _check_duplicates(path, vocab, row_lines)
    weights = np.ascontiguousarray(weights, dtype=np.float32)
    if progress:
        progress(1.0)
    return LoadedVectors(vocab, weights, fmt, warnings, name)


def _load_model_folder(path: Path, vocab_path, tensor_name, progress) -> LoadedVectors:
    """A Hugging Face-style folder: its input-embedding table, its tokenizer's vocabulary."""
    from explorer.core.io.model_folder import load_folder

    table = load_folder(path, tensor_name, progress=progress)
    weights, warnings = table.weights, list(table.warnings)
    _check_finite_matrix(table.tensor_file, weights, table.tensor_name)
    if vocab_path is not None:
        vocab = _vocabulary(read_token_list(vocab_path, rows=len(weights)), path, kind="vectors")
    elif table.tokens_vocab is not None:
        vocab = table.tokens_vocab
    else:
        raise NeedsVocabulary(f"the model folder has no tokenizer (tokenizer.json, vocab.txt, vocab.json + "
                              f"merges.txt): give its vocabulary file for {table.tensor_name} "
                              f"({weights.shape[0]:,} x {weights.shape[1]})", path)
    rows = len(weights)
    if len(vocab) > rows:
        raise ExplorerError(f"the tokenizer has {len(vocab):,} tokens but {table.tensor_name} only {rows:,} rows",
                            path)
    if len(vocab) < rows:
        warnings.append(f"{table.tensor_name} has {rows:,} rows but the tokenizer {len(vocab):,} tokens: "
                        f"the last {rows - len(vocab):,} rows (padding) were left out")
        weights = weights[: len(vocab)]
    vocab.source = str(path)  # the folder: the Inspector finds the positional table there
    for warning in vocab.warnings:
        warnings.append(warning)
    if progress:
        progress(1.0)
    return LoadedVectors(vocab, np.ascontiguousarray(weights, dtype=np.float32), "model_folder", warnings,
                         table.tensor_name, positional=table.positional, tensor_file=str(table.tensor_file),
                         positional_name=table.position_name)


def read_vector_tokens(path: str | Path) -> Vocabulary:
    """The token column of a text or binary vectors file, in file order; numbers are not parsed."""
    path = Path(path)
    fmt = sniff_format(path)
    if fmt in ("glove", "word2vec", "fasttext"):
        tokens, _, _, row_lines = _read_text(path, has_tokens=True, parse_numbers=False)
    elif fmt == "word2vec_binary":
        tokens, _, _ = _read_binary(path, parse_numbers=False)
        row_lines = None
    elif fmt in ("fasttext_bin", "model_folder"):
        return load_vectors(path).vocab
    else:
        raise NeedsVocabulary(f"a {FORMAT_LABELS[fmt]} file holds no tokens: open its vocabulary file", path)
    _check_not_empty(path, tokens, None)
    vocab = _vocabulary(tokens, path, kind="vectors")
    _check_duplicates(path, vocab, row_lines)
    return vocab


def list_tensors(path: str | Path) -> dict[str, tuple[int, ...]]:
    """Name -> shape of every tensor in a safetensors file, PyTorch checkpoint or .npz."""
    path = Path(path)
    fmt = sniff_format(path)
    if fmt == "safetensors":
        from safetensors import safe_open

        try:
            with safe_open(str(path), framework="numpy") as f:
                return {k: tuple(f.get_slice(k).get_shape()) for k in f.keys()}
        except Exception as exc:  # safetensors raises its own error types
            raise ExplorerError(f"cannot read safetensors: {exc}", path) from None
    if fmt == "torch":
        return {k: tuple(v.shape) for k, v in _torch_tensors(path).items()}
    if fmt == "npz":
        with _open_npz(path) as z:
            return {k: tuple(v.shape) for k, v in _npz_members(path, z).items()}
    if fmt == "npy":
        return {"": tuple(_load_npy(path).shape)}
    if fmt == "model_folder":
        from explorer.core.io.model_folder import open_folder

        return open_folder(path).shapes()
    raise ExplorerError(f"a {FORMAT_LABELS[fmt]} file holds one table, not named tensors", path)


# -- text -------------------------------------------------------------------------------
def _count_newlines(path: Path, start: int) -> tuple[int, bool]:
    """Newlines after byte `start`, and whether the file ends without one."""
    count = 0
    last = b"\n"
    with open(path, "rb") as f:
        f.seek(start)
        while chunk := f.read(16 << 20):
            count += chunk.count(b"\n")
            last = chunk[-1:]
    return count, last != b"\n"


def _blocks(path: Path, start: int, should_cancel: ShouldCancel, progress: Progress, size: int):
    """Yield (block of whole lines ending in newline, bytes read so far)."""
    rest = b""
    with open_stream(path) as f:
        f.skip(start)
        done = start
        while True:
            if should_cancel and should_cancel():
                raise Cancelled()
            chunk = f.read(CHUNK_BYTES)
            if not chunk:
                if rest:
                    yield rest + b"\n", done
                return
            done += len(chunk)
            data = rest + chunk
            cut = data.rfind(b"\n") + 1
            if cut == 0:
                rest = data
                continue
            rest = data[cut:]
            if progress:
                progress(0.05 + 0.9 * (f.fraction() if f.compressed else done / max(size, 1)))
            yield data[:cut], done


def _line_of(nl: np.ndarray, position: int, base_line: int) -> int:
    return base_line + int(np.searchsorted(nl, position))


def _fields(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start and end positions of the whitespace-separated fields of a block."""
    gaps = np.flatnonzero(a <= 32)
    wide = gaps[1:] - gaps[:-1] > 1
    return gaps[:-1][wide] + 1, gaps[1:][wide]


@dataclass
class _Block:
    """What one block of whole lines held (computed in a worker thread)."""

    n_lines: int
    lines: np.ndarray  # indices (in the block) of the lines that hold a row
    tokens: list[str]
    replaced: list[int]  # lines (absolute) of tokens whose invalid UTF-8 was replaced
    rows: np.ndarray | None  # float32, len(lines) x dim
    bad_rows: np.ndarray  # absolute lines of rows with NaN/inf


def _block_dim(block: bytes, has_tokens: bool) -> int | None:
    """The most common number of values per line in a block (None when it holds none)."""
    counts: dict[int, int] = {}
    for line in block.split(b"\n")[:2000]:
        n = len(line.split()) - int(has_tokens)
        if n > 0:
            counts[n] = counts.get(n, 0) + 1
    return max(counts, key=counts.get) if counts else None


def _parse_block(path: Path, block: bytes, base_line: int, dim: int, has_tokens: bool,
                 parse_numbers: bool) -> _Block:
    a = np.frombuffer(b" " * PAD + block + b" " * PAD, dtype=np.uint8)
    fs, fe = _fields(a)
    nl = np.flatnonzero(a == 10)
    line_starts = np.empty_like(nl)
    line_starts[0] = PAD
    line_starts[1:] = nl[:-1] + 1
    skip = int(has_tokens)
    width = dim + skip
    if len(fs) == len(nl) * width and len(nl) and np.array_equal(fs[::width], line_starts):
        # The usual case: every line is one token and dim numbers.
        lines = np.arange(len(nl))
        token_first = token_last = np.arange(0, len(fs), width)
        number_fields = None  # every field but the token ones
    else:
        first = np.searchsorted(fs, line_starts)
        count = np.searchsorted(fs, nl) - first
        n_tok = count - dim if has_tokens else np.zeros_like(count)
        nonblank = count > 0
        odd = np.flatnonzero(nonblank & ((n_tok != 1) if has_tokens else (count != dim)))
        if len(odd):
            n_tok = n_tok.copy()
            for i in odd:
                n_tok[i] = _odd_line(path, a, fs, fe, int(first[i]), int(count[i]), dim, has_tokens,
                                     base_line + int(i))
        lines = np.flatnonzero(nonblank)
        first, n_tok = first[lines], n_tok[lines]
        numeric = np.ones(len(fs), dtype=bool)
        numeric[first[n_tok > 0]] = False
        for i in np.flatnonzero(n_tok > 1):
            numeric[first[i]: first[i] + n_tok[i]] = False
        token_first, token_last = first, first + n_tok - 1
        number_fields = np.flatnonzero(numeric)
    tokens: list[str] = []
    replaced: list[int] = []
    if has_tokens and len(lines):  # a block of blank lines holds no token (not one empty token)
        t_start, t_end = fs[token_first], fe[token_last]
        raw = b"\n".join([block[s - PAD: e - PAD] for s, e in zip(t_start.tolist(), t_end.tolist())])
        try:
            tokens = raw.decode("utf-8").split("\n")
        except UnicodeDecodeError:
            for k, token in enumerate(raw.split(b"\n")):
                try:
                    tokens.append(token.decode("utf-8"))
                except UnicodeDecodeError:
                    tokens.append(token.decode("utf-8", errors="replace"))
                    replaced.append(base_line + int(lines[k]))
    rows = None
    bad_rows = np.empty(0, dtype=np.int64)
    if parse_numbers:
        if number_fields is None:
            values, slow = parse_fields(a, fs, fe)
            if has_tokens:
                slow = slow[slow % width != 0]
            nfs = fs
        else:
            nfs = fs[number_fields]
            values, slow = parse_fields(a, nfs, fe[number_fields])
        for i in slow.tolist():
            text = a[nfs[i]: _field_end(a, nfs[i])].tobytes()
            try:
                values[i] = float(text)
            except ValueError:
                shown = text.decode("utf-8", errors="replace")
                raise ExplorerError(f"not a number: {shown!r}", path,
                                    line=_line_of(nl, int(nfs[i]), base_line)) from None
        if number_fields is None:
            rows = values.reshape(len(lines), width)[:, skip:].astype(np.float32)
        else:
            rows = values.reshape(len(lines), dim).astype(np.float32)
        with np.errstate(over="ignore", invalid="ignore"):  # inf or overflowing sums: each row is checked next
            row_sums = rows.sum(axis=1)
        if not np.isfinite(row_sums).all():
            bad_rows = base_line + lines[~np.isfinite(rows).all(axis=1)]
    return _Block(len(nl), lines, tokens, replaced, rows, bad_rows)


def _read_text(path: Path, *, has_tokens: bool, parse_numbers: bool = True, progress: Progress = None,
               should_cancel: ShouldCancel = None):
    """Tokens (list[str]), weights (float32 or None), warnings and the line of each row.

    Blocks are parsed by two worker threads (numpy releases the GIL) and put
    together in file order, so the first error in the file is the one reported.
    """
    size = path.stat().st_size
    with open_stream(path) as f:
        first_line = f.readline()
        compressed = f.compressed
    header = _parse_header(first_line, path, UNBOUNDED if compressed else size) if has_tokens else None
    start = len(first_line) if header else 0
    if not header and first_line.startswith(b"\xef\xbb\xbf"):  # a UTF-8 byte-order mark
        start = 3
    base_line = 2 if header else 1  # the line number of the first line of the next block
    dim = header[1] if header else None
    out = None
    capacity = 0
    grow = False  # a compressed file without header: the matrix grows as rows come
    if parse_numbers:
        if compressed:  # counting lines first would decompress the file twice
            capacity = header[0] if header else 0
            grow = header is None
        else:
            newlines, unterminated = _count_newlines(path, start)
            capacity = newlines + int(unterminated)
            if header:
                capacity = min(capacity, header[0])
    if progress:
        progress(0.05)
    tokens: list[str] = []
    row_lines: list[np.ndarray] = []
    bad_rows: list[int] = []
    n_bad_rows = 0
    replaced: list[int] = []
    rows = 0
    pending: deque = deque()

    def collect(block_result: _Block, block_base: int) -> None:
        nonlocal out, rows, n_bad_rows, capacity
        n = len(block_result.lines)
        row_lines.append(block_base + block_result.lines)
        tokens.extend(block_result.tokens)
        replaced.extend(block_result.replaced)
        if block_result.rows is not None:
            if grow and rows + n > capacity:
                capacity = max(rows + n, 2 * capacity, 4096)
                check_matrix(capacity, dim, what="the vectors", path=path)
                grown = new_matrix(capacity, dim)
                if out is not None:
                    grown[:rows] = out[:rows]
                out = grown
            if rows + n > capacity:
                if header:
                    raise ExplorerError(
                        f"the header (line 1) says {header[0]:,} vectors, but there are more",
                        path, line=int(block_base + block_result.lines[capacity - rows]))
                raise ExplorerError("the file changed while it was read", path)
            if out is None:
                check_matrix(capacity, dim, what="the vectors", path=path)
                out = new_matrix(capacity, dim)
            out[rows: rows + n] = block_result.rows
            n_bad_rows += len(block_result.bad_rows)
            bad_rows.extend(block_result.bad_rows[:MAX_REPORTED].tolist())
        rows += n

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        try:
            for block, _done in _blocks(path, start, should_cancel, progress, size):
                if dim is None:
                    dim = _block_dim(block, has_tokens)
                    if dim is None:
                        base_line += block.count(b"\n")
                        continue
                pending.append((pool.submit(_parse_block, path, block, base_line, dim, has_tokens,
                                            parse_numbers), base_line))
                base_line += block.count(b"\n")
                while len(pending) > THREADS:
                    future, block_base = pending.popleft()
                    collect(future.result(), block_base)
            while pending:
                future, block_base = pending.popleft()
                collect(future.result(), block_base)
        finally:
            for future, _ in pending:
                future.cancel()
    if dim is None:
        raise ExplorerError("the file holds no vectors", path)
    if n_bad_rows:
        shown = ", ".join(str(r) for r in bad_rows[:MAX_REPORTED])
        more = f" and {n_bad_rows - MAX_REPORTED:,} more" if n_bad_rows > MAX_REPORTED else ""
        raise ExplorerError(f"NaN or infinite values in {n_bad_rows:,} row(s): lines {shown}{more}. "
                            "Such rows break every distance; fix or remove them", path, line=bad_rows[0])
    if header and rows != header[0]:
        raise ExplorerError(f"the header says {header[0]:,} vectors of {header[1]} dimensions, but the file "
                            f"has {rows:,}", path, line=1)
    warnings = []
    if replaced:
        warnings.append(f"{path.name}: {len(replaced):,} token(s) were not valid UTF-8 (first on line "
                        f"{replaced[0]}); their bad bytes were replaced by \ufffd")
    if parse_numbers:
        if out is None:
            out = np.empty((0, dim), dtype=np.float32)
        elif rows < len(out):
            out = out[:rows].copy() if rows < len(out) // 2 else np.resize(out, (rows, dim))
    lines_of_rows = np.concatenate(row_lines) if row_lines else np.empty(0, dtype=np.int64)
    return tokens, out, warnings, lines_of_rows


def _field_end(a: np.ndarray, start: int) -> int:
    end = start
    while end < len(a) and a[end] > 32:
        end += 1
    return end


def _odd_line(path, a, fs, fe, first, count, dim, has_tokens, line) -> int:
    """A line whose field count is not 1 token + dim numbers: a token with spaces, or an error."""
    fields = [a[fs[k]: fe[k]].tobytes() for k in range(first, first + count)]
    if not has_tokens:
        raise ExplorerError(f"{count} values, expected {dim} like the first row", path, line=line)
    numbers = count - 1
    if count > dim + 1:
        extra = fields[1: count - dim]
        if not any(is_number(x) for x in extra):
            return count - dim  # a token with spaces in it ("at&t corp"), then dim numbers
        numbers = count - 1
    if count == 1:
        raise ExplorerError(f"a token with no numbers (expected {dim})", path, line=line)
    raise ExplorerError(f"{numbers} numbers, expected {dim} (ragged rows: every row must have the "
                        "same length)", path, line=line)


# -- binary -----------------------------------------------------------------------------
POPULATE_MIN_BYTES = 64 << 20


def new_matrix(rows: int, dim: int) -> np.ndarray:
    """An uninitialised float32 matrix for a reader to fill. A big one is mapped with its pages
    populated in one call where the system offers it (Linux MAP_POPULATE): faulted in one page at
    a time as the reader writes (and, with transparent huge pages, compacted), 2.4 GB took 3-12 s
    on a busy VM, populated 0.9 s."""
    nbytes = rows * dim * 4
    populate = getattr(mmap, "MAP_POPULATE", None)
    if populate is None or nbytes < POPULATE_MIN_BYTES:
        return np.empty((rows, dim), dtype=np.float32)
    try:
        region = mmap.mmap(-1, nbytes, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS | populate)
    except (OSError, ValueError, OverflowError):
        return np.empty((rows, dim), dtype=np.float32)
    return np.frombuffer(region, dtype=np.float32).reshape(rows, dim)  # the array keeps the mapping


BINARY_CHUNK_BYTES = 16 << 20
MAX_TOKEN_BYTES = 1 << 20  # a longer "token" means this is not word2vec binary


def _read_binary(path: Path, *, parse_numbers: bool = True, progress: Progress = None,
                 should_cancel: ShouldCancel = None):
    """word2vec binary: tokens, the float32 matrix (or None), warnings.

    The file is read in 16 MiB chunks; the compiled walk (`_binscan`) finds the rows of a
    chunk and copies their payloads straight into the matrix, and the chunk's tokens are
    decoded at once. Peak memory is the matrix plus two chunks."""
    from explorer.core.io._binscan import kernels

    size = path.stat().st_size
    with open_stream(path) as f:
        first_line = f.readline()
        header = _parse_header(first_line, path, UNBOUNDED if f.compressed else size)
        if header is None:
            raise ExplorerError("word2vec binary needs a 'rows dim' header", path, line=1)
        n_rows, dim = header
        row_bytes = 4 * dim
        scan_rows, gather_tokens = kernels(n_rows)
        capacity = n_rows if f.compressed else min(n_rows, size // max(row_bytes, 1) + 1)
        out = None
        if parse_numbers:
            check_matrix(capacity, dim, what="the vectors", path=path)
            out = new_matrix(capacity, dim)
            sums = np.empty(capacity, dtype=np.float32)
            ones = np.ones(dim, dtype=np.float32)
        out_u8 = out.reshape(-1).view(np.uint8) if out is not None else np.empty(0, dtype=np.uint8)
        tokens: list[str] = []
        replaced = 0
        first_replaced = None
        # One buffer for the whole file (no fresh 16 MiB allocation, and its page faults, per chunk):
        # the unfinished row at its end moves to its front before the next read.
        buf = np.empty(BINARY_CHUNK_BYTES + row_bytes + MAX_TOKEN_BYTES + 2, dtype=np.uint8)
        kept = 0  # bytes at the front of buf carried over from the previous chunk
        offset = len(first_line)  # file offset (decompressed) of buf[0]
        done = 0
        while done < n_rows:
            if should_cancel and should_cancel():
                raise Cancelled()
            if progress:
                progress(f.fraction() if f.compressed else (offset / max(size, 1)))
            got = f.readinto(buf[kept: kept + BINARY_CHUNK_BYTES])
            eof = got == 0
            filled = kept + got
            data = buf[:filled]
            most = min(n_rows, capacity) - done
            slots = min(most, filled // (row_bytes + 1) + 1)
            starts = np.empty(slots, dtype=np.int64)
            ends = np.empty(slots, dtype=np.int64)
            n, pos = scan_rows(data, row_bytes, slots, starts, ends, out_u8, done, out is not None)
            n, pos = int(n), int(pos)
            if n and out is not None:
                # Row sums while the rows are still in cache, NaN/inf when a value is (checked below);
                # as a product with ones, BLAS's: 3x numpy's sum over rows of a few hundred numbers.
                with np.errstate(over="ignore", invalid="ignore"):
                    np.dot(out[done:done + n], ones, out=sums[done:done + n])
            if n:
                empty = np.flatnonzero(ends[:n] == starts[:n])
                if len(empty):
                    k = int(empty[0])
                    raise ExplorerError(f"vector {done + k + 1:,} has an empty token", path,
                                        offset=offset + int(starts[k]))
                packed = np.empty(int((ends[:n] - starts[:n]).sum()) + n, dtype=np.uint8)
                used = int(gather_tokens(data, starts, ends, n, packed))
                block_tokens, bad = _decode_tokens(packed[: used - 1].tobytes(), n, data, starts, ends)
                if bad:
                    replaced += len(bad)
                    first_replaced = first_replaced or done + bad[0] + 1
                tokens.extend(block_tokens)
                done += n
            kept = filled - pos
            buf[:kept] = buf[pos:filled].copy() if kept and pos else buf[:kept]
            offset += pos
            if done >= n_rows:
                break
            if eof:
                rest = buf[:kept].tobytes()
                skip = len(rest) - len(rest.lstrip(b"\r\n"))
                raise ExplorerError(
                    f"the file ends inside vector {done + 1:,} of {n_rows:,} that the header promised "
                    "(truncated?)", path, offset=offset + skip)
            if done >= capacity:
                raise ExplorerError("the header promises more vectors than the file can hold", path, line=1)
            if kept > MAX_TOKEN_BYTES + row_bytes:
                raise ExplorerError(f"vector {done + 1:,}: no space after its token within "
                                    f"{MAX_TOKEN_BYTES:,} bytes; this is not word2vec binary", path,
                                    offset=offset)
        carry = buf[:kept].tobytes()
        trailing = (carry + f.read(64)).strip()
        if trailing:
            raise ExplorerError(f"the header says {n_rows:,} vectors, but more data follows them",
                                path, offset=offset)
    warnings = []
    if replaced:
        warnings.append(f"{path.name}: {replaced:,} token(s) were not valid UTF-8 (first in vector "
                        f"{first_replaced}); their bad bytes were replaced by \ufffd")
    if out is not None:
        sums = sums[:n_rows]
        bad = np.empty(0, dtype=np.int64)
        if not np.isfinite(sums).all():  # (or when finite values overflow: then look at each value)
            suspects = np.flatnonzero(~np.isfinite(sums))
            bad = suspects[~np.isfinite(out[suspects]).all(axis=1)]
        if len(bad):
            shown = ", ".join(str(b + 1) for b in bad[:MAX_REPORTED])
            raise ExplorerError(f"NaN or infinite values in {len(bad):,} vector(s): numbers {shown}",
                                path)
        if len(out) != n_rows:
            out = out[:n_rows]
    return tokens, out, warnings


def _decode_tokens(packed: bytes, n: int, buf, starts, ends) -> tuple[list[str], list[int]]:
    """The n tokens of a chunk, and the indices of those whose invalid UTF-8 was replaced."""
    try:
        tokens = packed.decode("utf-8").split("\n")
        if len(tokens) == n:
            return tokens, []
    except UnicodeDecodeError:
        pass
    tokens, bad = [], []
    data = buf.tobytes() if not isinstance(buf, bytes) else buf
    for k, (s, e) in enumerate(zip(starts[:n].tolist(), ends[:n].tolist())):
        raw = data[s:e]
        try:
            tokens.append(raw.decode("utf-8"))
        except UnicodeDecodeError:
            tokens.append(raw.decode("utf-8", errors="replace"))
            bad.append(k)
    return tokens, bad


# -- tensors ----------------------------------------------------------------------------
def _load_npy(path: Path) -> np.ndarray:
    try:
        return np.load(path, allow_pickle=False)
    except MemoryError:
        raise ExplorerError("the array header declares more data than fits in memory (a damaged header?)",
                            path) from None
    except (ValueError, SyntaxError, OSError, EOFError, TypeError, tokenize.TokenError) as exc:
        # A damaged header reaches numpy's literal parser: SyntaxError / TokenError, not ValueError.
        if isinstance(exc, ValueError) and "pickle" in str(exc).lower():
            raise ExplorerError("refused: the array holds Python objects, which would need unpickling "
                                "(that can run code)", path) from None
        raise ExplorerError(f"cannot read .npy: {exc}", path) from None


def _open_npz(path: Path):
    try:
        return np.load(path, allow_pickle=False)
    except (ValueError, OSError, zipfile.BadZipFile) as exc:
        raise ExplorerError(f"cannot read .npz: {exc}", path) from None


def _npz_members(path: Path, z) -> dict[str, np.ndarray]:
    """Every array of an open .npz; a damaged member is an ExplorerError."""
    try:
        return {k: z[k] for k in z.files}
    except Exception as exc:  # zipfile, zlib, lzma and numpy's header parser raise their own types
        if isinstance(exc, ValueError) and "pickle" in str(exc).lower():
            raise ExplorerError("refused: an array holds Python objects, which would need unpickling "
                                "(that can run code)", path) from None
        raise ExplorerError(f"cannot read .npz: {type(exc).__name__}: {exc}", path) from None


def _torch_tensors(path: Path) -> dict:
    import pickle

    import torch

    try:
        obj = torch.load(str(path), map_location="cpu", weights_only=True)
    except pickle.UnpicklingError:
        raise ExplorerError(
            "refused: the checkpoint holds Python objects besides tensors, and is only ever loaded "
            "with weights_only=True (a full unpickling could run code)",
            path) from None
    except (RuntimeError, EOFError, OSError, ValueError) as exc:
        raise ExplorerError(f"cannot read the PyTorch checkpoint: {str(exc).splitlines()[0]}", path) from None
    found: dict[str, object] = {}

    def walk(prefix: str, value) -> None:
        if isinstance(value, torch.Tensor):
            found[prefix] = value
        elif isinstance(value, dict):
            for k, v in value.items():
                walk(f"{prefix}.{k}" if prefix else str(k), v)
        elif isinstance(value, (list, tuple)):
            for k, v in enumerate(value):
                walk(f"{prefix}.{k}" if prefix else str(k), v)

    walk("", obj)
    if not found:
        raise ExplorerError("the checkpoint holds no tensors", path)
    return found


def pick_tensor(path: Path, shapes: dict[str, tuple[int, ...]], tensor_name: str | None) -> str:
    if tensor_name is not None:
        if tensor_name not in shapes:
            raise ExplorerError(f"no tensor named {tensor_name!r}; the file holds: "
                                + ", ".join(f"{k} {list(v)}" for k, v in shapes.items()), path)
        if len(shapes[tensor_name]) != 2:
            raise ExplorerError(f"tensor {tensor_name!r} has shape {list(shapes[tensor_name])}; an "
                                "embedding table needs 2 dimensions (rows x dim)", path)
        return tensor_name
    tables = [k for k, v in shapes.items() if len(v) == 2]
    if len(tables) == 1:
        return tables[0]
    for hint in PREFERRED_TENSORS:
        for k in tables:
            if hint in k.lower().split(".")[-2:] or k.lower().split(".")[-2:-1] == [hint] or \
                    any(hint == part for part in k.lower().split(".")):
                return k
    if not tables:
        raise ExplorerError("holds no 2-D tensor (rows x dim): "
                            + ", ".join(f"{k} {list(v)}" for k, v in shapes.items()), path)
    raise NeedsTensorChoice("holds several tables; choose one by name: "
                            + ", ".join(f"{k} {list(shapes[k])}" for k in tables), path,
                            {k: shapes[k] for k in tables})


def _read_tensor(path: Path, fmt: str, tensor_name: str | None):
    """(matrix, tensor name, tokens found in the file or None)."""
    if fmt == "npy":
        array = _load_npy(path)
        if array.ndim != 2:
            raise ExplorerError(f"the array has shape {list(array.shape)}; need rows x dim", path)
        return _float_matrix(path, array), None, None
    if fmt == "npz":
        with _open_npz(path) as z:
            arrays = _npz_members(path, z)
            shapes = {k: tuple(v.shape) for k, v in arrays.items()}
        tokens = None
        for k, v in arrays.items():
            if v.ndim == 1 and v.dtype.kind in "US" and k.lower() in {"vocab", "tokens", "words", "vocabulary"}:
                tokens = [x.decode("utf-8", "replace") if isinstance(x, bytes) else str(x) for x in v.tolist()]
        numeric = {k: s for k, s in shapes.items() if arrays[k].dtype.kind in "fiu"}
        name = pick_tensor(path, numeric, tensor_name)
        return _float_matrix(path, arrays[name], name), name, tokens
    if fmt == "safetensors":
        shapes = list_tensors(path)
        name = pick_tensor(path, shapes, tensor_name)
        check_matrix(*shapes[name], what=f"tensor {name!r}", path=path)
        from safetensors import safe_open

        try:
            with safe_open(str(path), framework="numpy") as f:
                array = f.get_tensor(name)
        except (TypeError, ValueError):  # e.g. bfloat16, which numpy lacks
            with safe_open(str(path), framework="pt") as f:
                array = f.get_tensor(name).float().numpy()
        except Exception as exc:
            raise ExplorerError(f"cannot read tensor {name!r}: {exc}", path) from None
        return _float_matrix(path, array, name), name, None
    tensors = _torch_tensors(path)
    shapes = {k: tuple(v.shape) for k, v in tensors.items()}
    name = pick_tensor(path, shapes, tensor_name)
    return _float_matrix(path, tensors[name].detach().float().cpu().numpy(), name), name, None


def _float_matrix(path: Path, array: np.ndarray, name: str | None = None) -> np.ndarray:
    if array.dtype.kind not in "fiu":
        raise ExplorerError(f"tensor {name or ''} holds {array.dtype}, not numbers", path)
    with np.errstate(over="ignore"):  # values beyond float32 become inf, refused by _check_finite_matrix
        return np.ascontiguousarray(array, dtype=np.float32)


def _check_finite_matrix(path: Path, weights: np.ndarray, name: str | None) -> None:
    finite = np.isfinite(weights).all(axis=1)
    if not finite.all():
        bad = np.flatnonzero(~finite)
        shown = ", ".join(str(int(b)) for b in bad[:MAX_REPORTED])
        where = f" of {name}" if name else ""
        raise ExplorerError(f"NaN or infinite values in {len(bad):,} row(s){where}: rows {shown}", path)


# -- vocabulary files for formats without tokens -----------------------------------------
def _tokens_for(path: Path, rows: int, vocab_path, fmt: str, warnings: list[str]) -> list[str]:
    if vocab_path is None and fmt == "tsv":
        for candidate in (path.with_name("metadata.tsv"), path.with_name(path.stem.replace("vectors", "metadata")
                                                                          + ".tsv")):
            if candidate.exists() and candidate != path:
                vocab_path = candidate
                break
    if vocab_path is None:
        raise NeedsVocabulary(f"a {FORMAT_LABELS[fmt]} file holds no tokens: give its vocabulary file too "
                              "(one token per line, a tokenizer's vocab.txt / encoder.json / tokenizer.json, "
                              "or a projector metadata.tsv)", path)
    tokens = read_token_list(vocab_path, rows=rows)
    if len(tokens) > rows:
        raise ExplorerError(f"the vocabulary has {len(tokens):,} tokens but the matrix only {rows:,} rows",
                            vocab_path)
    if len(tokens) < rows:
        warnings.append(f"the matrix has {rows:,} rows but the vocabulary {len(tokens):,} tokens: "
                        f"the last {rows - len(tokens):,} rows (padding?) were left out")
    return tokens


def read_token_list(path: str | Path, *, rows: int | None = None) -> list[str]:
    """Tokens in ID order from a vocabulary file: one per line (first column of a TSV, header
    skipped when it has several columns), a token->id JSON map, or a tokenizer.json.
    `rows` (the matrix's) bounds the IDs of a JSON map, whose gaps become <unusedN>."""
    path = Path(path)
    if path.is_dir():
        for name in ("vocab.txt", "encoder.json", "tokenizer.json"):
            if (path / name).exists():
                return read_token_list(path / name, rows=rows)
        raise ExplorerError("no vocab.txt, encoder.json or tokenizer.json in this folder", path)
    if not path.exists():
        raise ExplorerError("no such file", path)
    compressed = compression_of_file(path) is not None
    suffix = Path(inner_name(path)).suffix.lower() if compressed else path.suffix.lower()

    def content() -> bytes:
        if not compressed:
            return path.read_bytes()
        from explorer.core.io.compressed import read_all
        from explorer.core.io.textio import MAX_JSON_BYTES

        return read_all(path, MAX_JSON_BYTES, "vocabulary file")

    if suffix == ".json":
        try:
            data = json.loads(content().decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError) as exc:  # ValueError: also ints of 5,000 digits
            raise ExplorerError(f"not valid JSON: {type(exc).__name__}: {exc}", path) from None
        if isinstance(data, dict) and isinstance(data.get("model"), dict):
            mapping = data["model"].get("vocab")
            if isinstance(mapping, list):  # unigram: [[piece, score], ...]
                if not mapping or not all(isinstance(p, list) and p and isinstance(p[0], str) for p in mapping):
                    raise ExplorerError("expected the unigram vocabulary as [[piece, score], ...]", path)
                return [p[0] for p in mapping]
            added = data.get("added_tokens") or []
            if isinstance(mapping, dict) and isinstance(added, list):
                mapping = {**mapping, **{a["content"]: a["id"] for a in added
                                         if isinstance(a, dict) and isinstance(a.get("content"), str)}}
            data = mapping
        if not isinstance(data, dict) or not all(type(v) is int for v in data.values()):
            raise ExplorerError("expected a JSON object mapping token -> id", path)
        if not data:
            raise ExplorerError("the vocabulary file holds no token", path)
        top = max(data.values())
        if min(data.values()) < 0:
            raise ExplorerError(f"negative ID {min(data.values())}: IDs start at 0", path)
        if rows is not None and top >= rows:
            raise ExplorerError(f"ID {top:,} is beyond the matrix's {rows:,} rows", path)
        if top > MAX_COUNT:
            raise ExplorerError(f"ID {str(top)[:24]}… is far too large (at most {MAX_COUNT:,})", path)
        check_bytes(8 * (top + 1), what="the token list", path=path)  # gaps are filled: the top ID sets the size
        tokens = [None] * (top + 1)
        for token, i in data.items():
            tokens[i] = token
        return [t if t is not None else f"<unused{i}>" for i, t in enumerate(tokens)]
    check_bytes(path.stat().st_size, what="the vocabulary file", path=path)
    raw = content()
    refuse_foreign(raw[:16], path)  # a zstd vocab.txt would otherwise become tokens of garbage
    text = raw.decode("utf-8", errors="replace")
    if text.startswith("\ufeff"):
        text = text[1:]
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    lines = [line[:-1] if line.endswith("\r") else line for line in lines]
    if any("\t" in line for line in lines[:1]):
        lines = [line.split("\t", 1)[0] for line in lines[1:]]  # projector metadata with a header row
    if not lines:
        raise ExplorerError("the vocabulary file is empty", path)
    return lines


# -- shared -----------------------------------------------------------------------------
def _check_not_empty(path: Path, tokens: list[str], weights: np.ndarray | None) -> None:
    """An empty vocabulary or a 0-dimension matrix is not a result: every view needs a point."""
    if not tokens:
        raise ExplorerError("the file holds no vectors (no token at all)", path)
    if weights is not None and weights.shape[1] == 0:
        raise ExplorerError("the vectors have 0 dimensions", path)


def _vocabulary(tokens: list[str], path: Path, kind: str) -> Vocabulary:
    specials = {}
    for role, spellings in SPECIAL_SPELLINGS.items():
        for token in spellings:  # a role takes its first spelling found
            i = _find(tokens, token)
            if i is not None:
                specials[role] = i
                break
    return Vocabulary(tokens=tokens, specials=specials, source=str(path), kind=kind)


def _find(tokens: list[str], token: str) -> int | None:
    # Specials sit near the start of a vocabulary: look there before scanning everything.
    head = tokens[:1000]
    if token in head:
        return head.index(token)
    return None


def _check_duplicates(path: Path, vocab: Vocabulary, row_lines: np.ndarray | None) -> None:
    """Duplicate tokens are an error: which row would a lookup mean?"""
    if vocab._index is None:  # the lookup table, built the fast way (2,000,000 tokens: half the time)
        vocab._index = dict(zip(vocab.tokens, range(len(vocab.tokens))))
    if len(vocab.index) == len(vocab.tokens):
        return
    seen: dict[str, int] = {}
    for i, token in enumerate(vocab.tokens):
        if token in seen:
            j = seen[token]
            if row_lines is not None and len(row_lines) == len(vocab.tokens):
                raise ExplorerError(f"duplicate token {token!r}: it is also on line {int(row_lines[j])}",
                                    path, line=int(row_lines[i]))
            raise ExplorerError(f"duplicate token {token!r}: rows {j + 1} and {i + 1}", path)
        seen[token] = i
