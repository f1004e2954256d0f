"""Facebook fastText binary models (.bin): the words, and the subword n-gram table that gives
an out-of-vocabulary word a vector.

A fastText .bin holds, besides the word vectors a .vec file has, a table of hashed character
n-gram vectors ("buckets"). A word the model never saw still gets a vector: the mean of the
vectors of its n-grams (``<wh``, ``whe``, ... of ``<where>``), exactly as fastText and gensim
compute it. `SubwordModel.compose` does that, with no Qt and no gensim object kept.

Reading the file is gensim's `load_facebook_vectors` (the optional extra
``embedding-explorer[fasttext]``); both the current format (magic bytes ``BA 16 4F 2F``) and
the old one without magic (fastText before 0.2, e.g. gensim's ``lee_fasttext.bin``) are read.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from explorer.core import ExplorerError

FASTTEXT_MAGIC = b"\xba\x16\x4f\x2f"  # int32 793712314, little-endian, at offset 0
INSTALL_HINT = "install embedding-explorer[fasttext] (pip install 'embedding-explorer[fasttext]', which adds gensim)"


def is_fasttext_bin(head: bytes) -> bool:
    """Whether the first bytes are a fastText binary model's, new format or old."""
    return head.startswith(FASTTEXT_MAGIC) or is_old_fasttext_bin(head)


def is_old_fasttext_bin(head: bytes) -> bool:
    """fastText's old binary format has no magic: it starts with its 12 int32 training
    arguments and a double. Accept it only when every one of them is plausible, and the
    vocabulary counts that follow agree."""
    if len(head) < 12 * 4 + 8 + 3 * 4:
        return False
    (dim, ws, epoch, min_count, neg, word_ngrams, loss, model, bucket, minn, maxn,
     lr_update) = struct.unpack_from("<12i", head, 0)
    (t,) = struct.unpack_from("<d", head, 48)
    size, nwords, nlabels = struct.unpack_from("<3i", head, 56)
    return (0 < dim <= 100_000 and 0 < ws <= 10_000 and 0 < epoch <= 1_000_000 and 0 <= min_count
            and 0 <= neg <= 10_000 and 0 < word_ngrams <= 100 and loss in (1, 2, 3, 4) and model in (1, 2, 3)
            and 0 <= bucket <= 1 << 30 and 0 <= minn <= maxn <= 1000 and 0 <= lr_update and 0.0 <= t < 1.0
            and 0 < size and 0 <= nwords <= size and 0 <= nlabels <= size)


@dataclass
class SubwordModel:
    """The character n-gram table of a fastText model (Qt-free, picklable, no gensim object).

    `compose(word)` -> (vector, n-grams): the word's vector as fastText and gensim compute it
    for a word outside the vocabulary (the mean of its n-grams' rows), and the n-grams used,
    in fastText's order (``<wh``, ``<whe``, ..., ``whe``, ...). A word none of whose n-grams can be formed
    gets the zero vector and an empty list.
    """

    ngram_vectors: np.ndarray  # (bucket, dim) float32
    min_n: int
    max_n: int
    source: str = ""

    @property
    def bucket(self) -> int:
        return int(self.ngram_vectors.shape[0])

    @property
    def dim(self) -> int:
        return int(self.ngram_vectors.shape[1])

    def ngrams(self, word: str) -> list[str]:
        """The character n-grams of ``<word>``, min_n to max_n long, in fastText's order: by
        start position, then length (``<wh``, ``<whe``, ..., ``whe``, ...)."""
        extended = f"<{word}>"
        out = []
        for i in range(len(extended)):
            for n in range(self.min_n, self.max_n + 1):
                if i + n > len(extended):
                    break
                out.append(extended[i: i + n])
        return out

    def rows_of(self, ngrams: list[str]) -> np.ndarray:
        """Row of each n-gram in `ngram_vectors` (fastText's FNV-1a hash of its UTF-8 bytes, modulo
        the bucket count; bytes are hashed as signed chars, as fastText's C++ does)."""
        bucket = self.bucket
        rows = np.empty(len(ngrams), dtype=np.int64)
        for k, gram in enumerate(ngrams):
            h = 2166136261
            for byte in gram.encode("utf-8"):
                h ^= byte if byte < 128 else (byte - 256) & 0xFFFFFFFF  # int8 widened to uint32
                h = (h * 16777619) & 0xFFFFFFFF
            rows[k] = h % bucket
        return rows

    def compose(self, word: str) -> tuple[np.ndarray, list[str]]:
        """(float32 vector of dim, the n-grams it is the mean of)."""
        grams = self.ngrams(word) if self.bucket else []
        if not grams:
            return np.zeros(self.dim, dtype=np.float32), []
        rows = self.rows_of(grams)
        vector = self.ngram_vectors[rows].astype(np.float64).sum(axis=0) / len(rows)
        return vector.astype(np.float32), grams


def check_header(path: Path) -> None:
    """Refuse, before gensim allocates anything, a header whose counts the file cannot hold
    (a damaged or truncated model would otherwise ask for gigabytes)."""
    size = path.stat().st_size
    with open(path, "rb") as f:
        head = f.read(128)
    new = head.startswith(FASTTEXT_MAGIC)
    start = 8 if new else 0
    if len(head) < start + 12 * 4 + 8 + 12:
        raise ExplorerError("a fastText binary model too short to hold its header (truncated?)", path, offset=0)
    args = struct.unpack_from("<12i", head, start)
    dim, bucket = args[0], args[8]
    words, nwords, _labels = struct.unpack_from("<3i", head, start + 56)
    if dim <= 0 or dim > 100_000:
        raise ExplorerError(f"the header says {dim} dimensions: not a fastText model, or a damaged one", path,
                            offset=start)
    if words < 0 or nwords < 0 or bucket < 0:
        raise ExplorerError("the header holds negative counts: a damaged fastText model", path, offset=start)
    needed = 4 * dim * (nwords + bucket) + 10 * words
    if needed > size:
        raise ExplorerError(f"the header says {words:,} words and {bucket:,} n-gram rows of {dim} dimensions "
                            f"({needed:,} bytes at least), more than the file's {size:,} bytes (truncated?)",
                            path, offset=start)
    # gensim reads each word byte by byte up to its NUL, and loops forever when the file ends
    # first: walk the words here (one find per word on a memory map) and say where it stops.
    import mmap

    pos = start + 56 + 12 + 8 + (8 if new else 0)  # args, then size nwords nlabels, ntokens (, pruneidx_size)
    with open(path, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as mm:
        for i in range(words):
            nul = mm.find(b"\x00", pos)
            if nul < 0 or nul + 10 > size:
                raise ExplorerError(f"the file ends inside word {i + 1:,} of the {words:,} its header promises "
                                    "(truncated?)", path, offset=pos)
            pos = nul + 10  # the NUL, an int64 count and an int8 entry type


def load_fasttext_bin(path: str | Path, progress=None):
    """(tokens, word vectors float32, SubwordModel, warnings) of a fastText .bin model.

    The word vectors are the ones fastText gives its own words (gensim's `vectors`: each word's
    row with its n-grams folded in). ExplorerError names the file when it is damaged, and says
    what to install when gensim is missing.
    """
    path = Path(path)
    try:
        from gensim.models.fasttext import load_facebook_vectors
    except ImportError:
        raise ExplorerError(f"a Facebook fastText binary model: reading it needs gensim; {INSTALL_HINT}",
                            path) from None
    check_header(path)
    if progress:
        progress(0.05)
    try:
        kv = load_facebook_vectors(str(path))
    except MemoryError:
        raise ExplorerError("the fastText model does not fit in memory", path) from None
    except Exception as exc:  # gensim raises struct.error, ValueError, EOFError, UnicodeDecodeError, ...
        raise ExplorerError(f"cannot read this fastText binary model (damaged or truncated?): "
                            f"{type(exc).__name__}: {exc}", path) from None
    if progress:
        progress(0.95)
    tokens = [str(t) for t in kv.index_to_key]
    weights = np.ascontiguousarray(kv.vectors, dtype=np.float32)
    ngrams = np.ascontiguousarray(kv.vectors_ngrams, dtype=np.float32)
    warnings = []
    if not kv.bucket or len(ngrams) == 0:
        warnings.append(f"{path.name}: the model holds no subword n-grams: words outside its vocabulary "
                        "get no vector")
    subwords = SubwordModel(ngrams, int(kv.min_n), int(kv.max_n), source=str(path))
    return tokens, weights, subwords, warnings
