"""Vocabulary: the mapping between tokens and IDs, with counts and special tokens."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from explorer.core import ExplorerError

# Lowercase words (any script), numbers and in-word apostrophes: the "lowercase word regex" tokenizer.
WORD_RE = re.compile(r"[^\W_]+(?:'[^\W_]+)*")

# The one table of special tokens: each role, and how tokenizers spell it (BERT's [PAD],
# SentencePiece's <s>, GPT-2's <|endoftext|>). A loaded table is searched for each role's
# spellings in this order; the four `<role>` tokens are the ones a vocabulary built here adds.
SPECIAL_SPELLINGS: dict[str, tuple[str, ...]] = {
    "pad": ("[PAD]", "<pad>"),
    "unk": ("[UNK]", "<unk>"),
    "bos": ("<s>", "<bos>"),
    "eos": ("</s>", "<eos>", "<|endoftext|>"),
    "cls": ("[CLS]",),
    "sep": ("[SEP]",),
    "mask": ("[MASK]",),
}
SPECIAL_ROLES = tuple(SPECIAL_SPELLINGS)
DEFAULT_SPECIALS = {role: f"<{role}>" for role in ("pad", "unk", "bos", "eos")}
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
class SubwordSplitter:
    """Splits text into the pieces of a loaded (subword) tokenizer, for counting a corpus.

    A vocabulary built this way has its own IDs, so it maps the pieces through its
    own index rather than using the tokenizer's IDs.
    """

    def __init__(self, base) -> None:
        self.base = base
        self.kind = f"{getattr(base, 'kind', 'tokenizer')} pieces"

    def split(self, text: str) -> list[str]:
        return self.base.split(text)

    def display_piece(self, piece: str) -> str:
        show = getattr(self.base, "display_piece", None)
        return show(piece) if show else piece

    def to_dict(self) -> dict:
        return {"kind": "split", "base": self.base.to_dict()}


def _hf_from_dict(data: dict):
    # Imported here: `tokenizers` must stay off the path to the window's first paint.
    from explorer.core.tokens.subword import HFTokenizer

    return HFTokenizer.from_dict(data)


TOKENIZER_FACTORIES = {
    "words": lambda d: WordTokenizer(lowercase=True),
    "whitespace": lambda d: WordTokenizer(lowercase=False),
    "hf": _hf_from_dict,
    "split": lambda d: SubwordSplitter(tokenizer_from_dict(d["base"])),
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
    warnings: list[str] = field(default_factory=list, repr=False, compare=False)
    _display: list[str] | None = field(default=None, repr=False, compare=False)

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

    @property
    def display_tokens(self) -> list[str]:
        """Tokens as a person reads them (GPT-2 byte-level pieces decoded, Ġ kept)."""
        if self._display is None:
            show = getattr(self.tokenizer, "display_piece", None)
            self._display = [show(t) for t in self.tokens] if show else self.tokens
        return self._display

    def special_tokens(self) -> list[str]:
        """The special tokens, in ID order, each once."""
        return [self.tokens[i] for i in sorted(set(self.specials.values())) if 0 <= i < len(self.tokens)]

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


def normalize_specials(specials: Sequence[str]) -> list[tuple[str, str]]:
    """(role, token) pairs from roles ("pad") or tokens ("<pad>", "[PAD]", "<|endoftext|>")."""
    by_token = {token: role for role, token in DEFAULT_SPECIALS.items()}
    out: list[tuple[str, str]] = []
    for item in specials:
        item = str(item).strip()
        if not item:
            continue
        if item.lower() in DEFAULT_SPECIALS:
            role, token = item.lower(), DEFAULT_SPECIALS[item.lower()]
        elif item in by_token:
            role, token = by_token[item], item
        else:
            bare = item.strip("<>[]|").lower()
            role = bare if bare in SPECIAL_ROLES else item
            token = item
        if token not in (t for _, t in out):
            out.append((role, token))
    return out


def vocab_from_counts(
    counter: dict[str, int],
    min_count: int = 1,
    max_size: int | None = None,
    order: str = "freq",
    specials: Sequence[str] = (),
    source: str = "",
    tokenizer=None,
    kind: str = "corpus",
) -> Vocabulary:
    """A vocabulary from token counts (dict order = first seen).

    `order` is alpha (brown=0, dog=1, fox=2, ...), freq (most frequent first,
    ties alphabetical) or first (order of first appearance). `specials` (roles or
    tokens) take fixed IDs at the front; `max_size` counts them.
    """
    if order not in ORDERS:
        raise ExplorerError(f"unknown order {order!r}; choose one of {', '.join(ORDERS)}")
    if max_size is not None and max_size < 1:
        raise ExplorerError(f"max size must be at least 1, not {max_size}")
    pairs = normalize_specials(specials)
    special_tokens = {token for _, token in pairs}
    kept = [(t, c) for t, c in counter.items() if c >= min_count and t not in special_tokens]
    if max_size is not None:
        # Keep the most frequent ones, then apply the requested order.
        top = sorted(kept, key=lambda tc: (-tc[1], tc[0]))[: max(0, max_size - len(pairs))]
        keep = {t for t, _ in top}
        kept = [tc for tc in kept if tc[0] in keep]
    if order == "alpha":
        kept.sort(key=lambda tc: tc[0])
    elif order == "freq":
        kept.sort(key=lambda tc: (-tc[1], tc[0]))
    tokens = [token for _, token in pairs] + [t for t, _ in kept]
    counts = [int(counter.get(token, 0)) for _, token in pairs] + [c for _, c in kept]
    specials_ids: dict[str, int] = {}
    for i, (role, _) in enumerate(pairs):
        specials_ids.setdefault(role, i)
    return Vocabulary(
        tokens=tokens,
        counts=np.array(counts, dtype=np.int64),
        specials=specials_ids,
        source=source,
        kind=kind,
        tokenizer=tokenizer,
    )


def build_vocab(
    lines: Iterable[str],
    tokenizer: WordTokenizer | None = None,
    min_count: int = 1,
    max_size: int | None = None,
    order: str = "freq",
    specials: Sequence[str] = (),
    source: str = "",
) -> Vocabulary:
    """Count tokens over `lines` (or blocks of lines) and build a vocabulary.

    `order` is alpha (brown=0, dog=1, fox=2, ...), freq (most frequent first,
    ties alphabetical) or first (order of first appearance). `specials` are
    roles from DEFAULT_SPECIALS (or literal tokens) that take fixed IDs at the front.
    A loaded subword tokenizer (one with `encode_pieces`) counts its pieces; the
    vocabulary then maps pieces through its own IDs.
    """
    if order not in ORDERS:
        raise ExplorerError(f"unknown order {order!r}; choose one of {', '.join(ORDERS)}")
    tokenizer = tokenizer or WordTokenizer()
    if hasattr(tokenizer, "encode_pieces"):
        tokenizer = SubwordSplitter(tokenizer)
    counter: Counter[str] = Counter()
    for line in lines:
        counter.update(tokenizer.split(line))
    return vocab_from_counts(counter, min_count, max_size, order, specials, source, tokenizer)
