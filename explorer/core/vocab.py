"""Vocabulary: the mapping between tokens and IDs, with counts and special tokens."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from explorer.core import ExplorerError

# Lowercase words, numbers and in-word apostrophes: the "lowercase word regex" tokenizer.
WORD_RE = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")

SPECIAL_ROLES = ("pad", "unk", "bos", "eos", "cls", "sep", "mask")
DEFAULT_SPECIALS = {"pad": "<pad>", "unk": "<unk>", "bos": "<bos>", "eos": "<eos>"}
ORDERS = ("alpha", "freq", "first")


class WordTokenizer:
    """Splits text into lowercase words (regex) or on whitespace, keeping case."""

    def __init__(self, lowercase: bool = True) -> None:
        self.lowercase = lowercase
        self.kind = "words" if lowercase else "whitespace"

    def split(self, text: str) -> list[str]:
        return WORD_RE.findall(text.lower()) if self.lowercase else text.split()

    def to_dict(self) -> dict:
        return {"kind": self.kind}


# Tokenizer kind -> factory(dict) -> tokenizer; each tokenizer's to_dict() round-trips
# through here, which is how sessions save "the vocabulary, with its tokenizer".
TOKENIZER_FACTORIES = {
    "words": lambda d: WordTokenizer(lowercase=True),
    "whitespace": lambda d: WordTokenizer(lowercase=False),
}


def tokenizer_from_dict(data: dict | None):
    if not data:
        return None
    factory = TOKENIZER_FACTORIES.get(data.get("kind"))
    if factory is None:
        raise ExplorerError(f"unknown tokenizer kind {data.get('kind')!r}")
    return factory(data)


@dataclass
class Vocabulary:
    """Tokens in ID order, optional counts, and special-token roles (role -> id)."""

    tokens: list[str]
    counts: np.ndarray | None = None
    specials: dict[str, int] = field(default_factory=dict)
    source: str = ""
    kind: str = "words"
    tokenizer: object | None = None
    _index: dict[str, int] | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.counts is not None:
            self.counts = np.asarray(self.counts, dtype=np.int64)
            if len(self.counts) != len(self.tokens):
                raise ValueError("counts must have one entry per token")

    def __len__(self) -> int:
        return len(self.tokens)

    @property
    def index(self) -> dict[str, int]:
        if self._index is None:
            self._index = {token: i for i, token in enumerate(self.tokens)}
        return self._index

    def id_of(self, token: str) -> int | None:
        return self.index.get(token)

    def count_of(self, token_id: int) -> int | None:
        return None if self.counts is None else int(self.counts[token_id])

    @property
    def unk_id(self) -> int | None:
        return self.specials.get("unk")

    @property
    def pad_id(self) -> int | None:
        return self.specials.get("pad")

    def encode(self, text: str) -> tuple[list[str], list[int | None]]:
        """Tokenize `text` with this vocabulary's tokenizer.

        Returns the pieces and their IDs; an unknown piece maps to the unknown
        token's ID, or to None when the vocabulary has no unknown token.
        """
        if self.tokenizer is not None and hasattr(self.tokenizer, "encode_pieces"):
            return self.tokenizer.encode_pieces(text)
        splitter = self.tokenizer if self.tokenizer is not None else WordTokenizer()
        pieces = splitter.split(text)
        return pieces, [self.index.get(p, self.unk_id) for p in pieces]


def build_vocab(
    lines: Iterable[str],
    tokenizer: WordTokenizer | None = None,
    min_count: int = 1,
    max_size: int | None = None,
    order: str = "freq",
    specials: Sequence[str] = (),
    source: str = "",
) -> Vocabulary:
    """Count tokens over `lines` and build a vocabulary.

    `order` is alpha (brown=0, dog=1, fox=2, ...), freq (most frequent first,
    ties alphabetical) or first (order of first appearance). `specials` are
    roles from DEFAULT_SPECIALS that take fixed IDs at the front.
    """
    if order not in ORDERS:
        raise ExplorerError(f"unknown order {order!r}; choose one of {', '.join(ORDERS)}")
    tokenizer = tokenizer or WordTokenizer()
    counter: Counter[str] = Counter()
    for line in lines:
        counter.update(tokenizer.split(line))
    kept = [(t, c) for t, c in counter.items() if c >= min_count]  # dict order = first seen
    if max_size is not None:
        # Keep the most frequent ones, then apply the requested order.
        top = sorted(kept, key=lambda tc: (-tc[1], tc[0]))[: max(0, max_size - len(specials))]
        keep = {t for t, _ in top}
        kept = [tc for tc in kept if tc[0] in keep]
    if order == "alpha":
        kept.sort(key=lambda tc: tc[0])
    elif order == "freq":
        kept.sort(key=lambda tc: (-tc[1], tc[0]))
    special_tokens = [DEFAULT_SPECIALS[role] for role in specials]
    tokens = special_tokens + [t for t, _ in kept if t not in special_tokens]
    counts = [0] * len(special_tokens) + [c for t, c in kept if t not in special_tokens]
    return Vocabulary(
        tokens=tokens,
        counts=np.array(counts, dtype=np.int64),
        specials={role: i for i, role in enumerate(specials)},
        source=source,
        kind="corpus",
        tokenizer=tokenizer,
    )
