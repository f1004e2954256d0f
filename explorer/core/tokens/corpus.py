"""Corpora for training: text lines encoded into id arrays with a Vocabulary.

A corpus is the built-in demo (`"demo"`) or a text file, one sentence (or
document) per line. Lines may carry fastText labels (`__label__pos some text`),
which the classification objective uses. Tokens missing from the vocabulary are
dropped, as word2vec does (the language model maps them to `<unk>` when the
vocabulary has one).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from explorer.core import Cancelled, ExplorerError
from explorer.core.tokens.vocab import Vocabulary, WordTokenizer, build_vocab

LABEL_PREFIX = "__label__"
DEMO = "demo"


@dataclass
class EncodedCorpus:
    """Token ids of every sentence, flattened, with sentence boundaries."""

    ids: np.ndarray  # (n_tokens,) int64, every id < vocab_size
    offsets: np.ndarray  # (n_sentences + 1,) int64: sentence s is ids[offsets[s]:offsets[s+1]]
    vocab_size: int
    raw_words: int = 0  # tokens read, before dropping those not in the vocabulary
    labels: np.ndarray | None = None  # (n_sentences,) label id per sentence, -1 = none
    label_names: list[str] = field(default_factory=list)
    source: str = ""

    def __len__(self) -> int:
        return int(len(self.ids))

    @property
    def n_sentences(self) -> int:
        return int(len(self.offsets) - 1)

    def counts(self) -> np.ndarray:
        return np.bincount(self.ids, minlength=self.vocab_size).astype(np.int64)

    def sentence_ids(self) -> np.ndarray:
        return np.repeat(np.arange(self.n_sentences, dtype=np.int64), np.diff(self.offsets))


def split_label(line: str) -> tuple[str | None, str]:
    """`__label__x text` -> ("x", "text"); a line without a label -> (None, line)."""
    if line.startswith(LABEL_PREFIX):
        head, _, rest = line.partition(" ")
        return head[len(LABEL_PREFIX):], rest
    return None, line


def read_lines(path: str | Path) -> list[str]:
    """A corpus file's lines (undecodable bytes replaced), or an ExplorerError naming it.
    A gzip, bzip2 or xz file is decompressed."""
    path = Path(path)
    if not path.exists():
        raise ExplorerError("no such corpus file", path)
    if path.is_dir():
        raise ExplorerError("is a folder, not a corpus file", path)
    import bz2
    import gzip
    import lzma
    import zlib

    opener = open
    try:
        with open(path, "rb") as f:
            head = f.read(10)
        # gzip, bzip2 and xz corpora are read as they are (this layer sits below explorer.core.io,
        # whose compressed.py says the same by the same bytes).
        opener = (gzip.open if head.startswith(b"\x1f\x8b") else
                  lzma.open if head.startswith(b"\xfd7zXZ\x00") else
                  bz2.open if head[:3] == b"BZh" and head[4:10] in (b"1AY&SY", b"\x17rE8P\x90") else open)
        with opener(path, "rt", encoding="utf-8", errors="replace") as f:
            return f.read().splitlines()
    except (EOFError, lzma.LZMAError, zlib.error) as exc:
        raise ExplorerError(f"damaged compressed data (truncated?): {exc}", path) from None
    except OSError as exc:
        if opener is not open:
            raise ExplorerError(f"damaged compressed data (truncated?): {exc}", path) from None
        raise ExplorerError(f"cannot read corpus ({exc.strerror or exc})", path) from None


def corpus_lines(source: str | Path) -> list[str]:
    if str(source) == DEMO:
        from explorer.core.tokens.demo import demo_corpus

        return demo_corpus()
    return read_lines(source)


def encode_lines(lines: list[str], vocab: Vocabulary, *, keep_unknown: bool = False,
                 source: str = "", progress=None, should_cancel=None) -> EncodedCorpus:
    """Encode each line with `vocab`'s tokenizer; unknown tokens are dropped
    (or mapped to `<unk>` when `keep_unknown` and the vocabulary has one)."""
    index = vocab.index
    unk = vocab.unk_id if keep_unknown else None
    plain = vocab.tokenizer is None or isinstance(vocab.tokenizer, WordTokenizer)
    splitter = vocab.tokenizer if isinstance(vocab.tokenizer, WordTokenizer) else WordTokenizer()
    chunks: list[list[int]] = []
    lengths = np.zeros(len(lines), dtype=np.int64)
    labels = np.full(len(lines), -1, dtype=np.int64)
    label_ids: dict[str, int] = {}
    raw = 0
    step = max(1, len(lines) // 50)
    for n, line in enumerate(lines):
        if n % step == 0:
            if should_cancel is not None and should_cancel():
                raise Cancelled()
            if progress is not None:
                progress(n / max(1, len(lines)))
        label, text = split_label(line)
        if label is not None:
            labels[n] = label_ids.setdefault(label, len(label_ids))
        if plain:
            pieces = splitter.split(text)
            raw += len(pieces)
            if unk is None:
                ids = [i for i in map(index.get, pieces) if i is not None]
            else:
                ids = [index.get(p, unk) for p in pieces]
        else:
            pieces, found = vocab.encode(text)
            raw += len(pieces)
            ids = [i if i is not None else unk for i in found]
            ids = [i for i in ids if i is not None]
        chunks.append(ids)
        lengths[n] = len(ids)
    flat = np.fromiter((i for ids in chunks for i in ids), dtype=np.int64, count=int(lengths.sum()))
    offsets = np.zeros(len(lines) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    if progress is not None:
        progress(1.0)
    return EncodedCorpus(
        ids=flat, offsets=offsets, vocab_size=len(vocab), raw_words=raw,
        labels=labels if label_ids else None,
        label_names=list(label_ids), source=source,
    )


def load_corpus(source: str | Path, vocab: Vocabulary | None = None, *,
                min_count: int = 1, keep_unknown: bool = False, progress=None,
                should_cancel=None) -> tuple[Vocabulary, EncodedCorpus]:
    """Read a corpus (a file, or "demo") and encode it.

    The vocabulary is `vocab` (callers load one from a file with
    `explorer.core.io.vocab_files.load_vocabulary`), else one built from the corpus
    with `min_count`.
    """
    lines = corpus_lines(source)
    name = str(source)
    if vocab is None:
        texts = (split_label(line)[1] for line in lines)
        vocab = build_vocab(texts, WordTokenizer(), min_count=min_count, order="freq", source=name)
        if len(vocab) == 0:
            raise ExplorerError(f"no word occurs at least {min_count} times", None if name == DEMO else name)
    corpus = encode_lines(lines, vocab, keep_unknown=keep_unknown, source=name,
                          progress=progress, should_cancel=should_cancel)
    if len(corpus) == 0:
        raise ExplorerError("the corpus has no token of the vocabulary", None if name == DEMO else name)
    return vocab, corpus


def concat(parts: list[EncodedCorpus]) -> EncodedCorpus:
    """One corpus from several encoded in pieces (labels renumbered by name)."""
    if len(parts) == 1:
        return parts[0]
    names: dict[str, int] = {}
    labels, ids, lengths = [], [], []
    any_labels = any(p.labels is not None for p in parts)
    for p in parts:
        ids.append(p.ids)
        lengths.append(np.diff(p.offsets))
        if any_labels:
            mapping = np.array([names.setdefault(n, len(names)) for n in p.label_names] + [-1], dtype=np.int64)
            labels.append(mapping[p.labels] if p.labels is not None else np.full(p.n_sentences, -1))
    lengths_all = np.concatenate(lengths) if lengths else np.zeros(0, dtype=np.int64)
    offsets = np.zeros(len(lengths_all) + 1, dtype=np.int64)
    np.cumsum(lengths_all, out=offsets[1:])
    return EncodedCorpus(
        ids=np.concatenate(ids) if ids else np.zeros(0, dtype=np.int64), offsets=offsets,
        vocab_size=parts[0].vocab_size if parts else 0, raw_words=sum(p.raw_words for p in parts),
        labels=np.concatenate(labels) if any_labels else None, label_names=list(names),
        source=parts[0].source if parts else "",
    )
