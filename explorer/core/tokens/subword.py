"""Real subword tokenizers, through the Hugging Face `tokenizers` library.

`HFTokenizer` wraps a `tokenizers.Tokenizer` built from
- GPT-2's `encoder.json` + `vocab.bpe` (byte-level BPE),
- BERT's `vocab.txt` (WordPiece, lowercased when the vocabulary is uncased),
- any `tokenizer.json` (BPE / WordPiece / Unigram), with padding and truncation off.

It encodes text into (pieces, ids), shows byte-level pieces readably (`Ġ` marks
a leading space, other bytes decoded as UTF-8), and round-trips through sessions
as the tokenizer's own JSON (`to_dict` / `from_dict`, which
`explorer.core.tokens.vocab.TOKENIZER_FACTORIES` calls for "hf").
Reading a tokenizer from a file or folder is `explorer.core.io.vocab_files.load_tokenizer`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

from explorer.core import ExplorerError
from explorer.core.guard import is_library_error

BERT_SPECIALS = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")
# Special-token text -> role, for tokenizers that do not say which is which.
ROLE_OF = {
    "[PAD]": "pad", "<pad>": "pad", "[UNK]": "unk", "<unk>": "unk", "[CLS]": "cls", "<cls>": "cls",
    "[SEP]": "sep", "<sep>": "sep", "[MASK]": "mask", "<mask>": "mask", "<s>": "bos", "</s>": "eos",
    "<bos>": "bos", "<eos>": "eos", "<|endoftext|>": "eos",
}


@lru_cache(maxsize=1)
def _byte_decoder() -> dict[str, int]:
    """GPT-2's byte <-> printable-character table, inverted (character -> byte)."""
    keep = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) \
        + list(range(ord("®"), ord("ÿ") + 1))
    chars = keep[:]
    n = 0
    for b in range(256):
        if b not in keep:
            keep.append(b)
            chars.append(256 + n)
            n += 1
    return {chr(c): b for b, c in zip(keep, chars)}


_CONTROL_NAMES = {"\n": "↵", "\t": "⇥", "\r": "␍", " ": "Ġ"}


def readable_byte_piece(piece: str) -> str:
    """A byte-level BPE piece as a person reads it: 'ĠcafÃ©' -> 'Ġcafé', 'Ċ' -> '↵'.

    A leading space stays `Ġ`; bytes that are not whole UTF-8 characters show as <0xE6>.
    """
    rest = piece[1:] if piece[:1] == "Ġ" else piece
    if rest.isascii() and rest.isprintable():  # the common case: byte-level chars map to themselves
        return piece
    table = _byte_decoder()
    try:
        raw = bytes(table[c] for c in piece)
    except KeyError:
        return piece  # not a byte-level piece (e.g. an added special token)
    lead = ""
    if raw.startswith(b" "):
        lead, raw = "Ġ", raw[1:]
    out = []
    i = 0
    while i < len(raw):
        for size in (1, 2, 3, 4):  # the shortest valid UTF-8 sequence from here
            try:
                ch = raw[i:i + size].decode("utf-8")
            except UnicodeDecodeError:
                continue
            out.append(_CONTROL_NAMES.get(ch, ch if ch.isprintable() or ch == " " else f"<0x{ord(ch):02X}>"))
            i += size
            break
        else:
            out.append(f"<0x{raw[i]:02X}>")
            i += 1
    return lead + "".join(out)


class HFTokenizer:
    """A `tokenizers.Tokenizer` with the small interface the app needs."""

    def __init__(self, tokenizer, kind: str) -> None:
        tokenizer.no_padding()
        tokenizer.no_truncation()
        self.tokenizer = tokenizer
        self.kind = kind  # "gpt2-bpe", "wordpiece", or "<model> (tokenizer.json)"
        self.byte_level = "ByteLevel" in str(tokenizer.pre_tokenizer) or "ByteLevel" in str(tokenizer.decoder)
        self._specials_as_text = None  # a copy that reads special tokens in the text as plain text

    # -- encoding -------------------------------------------------------------
    def encode_pieces(self, text: str, parse_specials: bool = True) -> tuple[list[str], list[int | None]]:
        """The tokenizer's pieces of `text` and their IDs (no [CLS]/[SEP] added).

        `parse_specials`: a special token written in the text (`<|endoftext|>`) is that token,
        as the tokenizers library does; False: it is text, split like any other."""
        tokenizer = self.tokenizer if parse_specials else self._plain_text_tokenizer()
        try:
            encoding = tokenizer.encode(text, add_special_tokens=False)
        except BaseException as exc:  # the library raises plain Exception (e.g. WordPiece without [UNK])
            if not is_library_error(exc):  # a Rust panic is a BaseException
                raise
            raise ExplorerError(f"this tokenizer cannot encode the text ({exc})") from None
        return list(encoding.tokens), list(encoding.ids)

    def _plain_text_tokenizer(self):
        # A copy, so that a worker encoding with the tokenizer meanwhile is not switched over.
        if self._specials_as_text is None:
            from tokenizers import Tokenizer

            plain = Tokenizer.from_str(self.tokenizer.to_str())
            plain.encode_special_tokens = True  # the library's switch: specials in the text are text
            self._specials_as_text = plain
        return self._specials_as_text

    def split(self, text: str) -> list[str]:
        """Pieces of `text`, line by line (for counting a corpus); encodes lines in parallel."""
        lines = [line for line in text.split("\n") if line.strip()]
        pieces: list[str] = []
        try:
            encodings = self.tokenizer.encode_batch(lines, add_special_tokens=False)
        except BaseException as exc:  # the library raises plain Exception (e.g. WordPiece without [UNK])
            if not is_library_error(exc):  # a Rust panic is a BaseException
                raise
            raise ExplorerError(f"this tokenizer cannot encode the text ({exc})") from None
        for encoding in encodings:
            pieces.extend(encoding.tokens)
        return pieces

    def display_piece(self, piece: str) -> str:
        return readable_byte_piece(piece) if self.byte_level else piece

    def display(self, pieces: Sequence[str]) -> list[str]:
        return [self.display_piece(p) for p in pieces]

    def special_ids(self) -> dict[str, int]:
        """role -> ID for the tokenizer's special tokens (pad, unk, cls, sep, mask, bos, eos)."""
        out: dict[str, int] = {}
        for token_id, added in sorted(self.tokenizer.get_added_tokens_decoder().items()):
            if added.special:
                role = ROLE_OF.get(added.content, added.content)
                out.setdefault(role, int(token_id))
        unk = getattr(self.tokenizer.model, "unk_token", None)
        if unk and "unk" not in out:
            unk_id = self.tokenizer.token_to_id(unk)
            if unk_id is not None:
                out["unk"] = unk_id
        return out

    # -- sessions -------------------------------------------------------------
    def to_dict(self) -> dict:
        return {"kind": "hf", "flavor": self.kind, "json": self.tokenizer.to_str()}

    @classmethod
    def from_dict(cls, data: dict) -> HFTokenizer:
        from tokenizers import Tokenizer

        try:
            tokenizer = Tokenizer.from_str(data["json"])
        except BaseException as exc:  # the library raises its own exception types
            if not is_library_error(exc):  # a Rust panic is a BaseException
                raise
            raise ExplorerError(f"damaged tokenizer in the session ({exc})") from None
        return cls(tokenizer, data.get("flavor", "tokenizer.json"))


def encode_text(vocab, text: str, parse_specials: bool = True) -> tuple[list[str], list[int | None]]:
    """Typed text as `vocab`'s pieces and IDs (None: not in the vocabulary, no unknown token).

    `parse_specials=True`: a special token written in the text (`hello<|endoftext|>world`,
    `[SEP]`) is that token, as the tokenizers library reads text by default (tiktoken's
    `allowed_special="all"`); False: it is text like any other, split into ordinary pieces
    (tiktoken's `disallowed_special=()`)."""
    if isinstance(vocab.tokenizer, HFTokenizer):
        return vocab.tokenizer.encode_pieces(text, parse_specials)
    specials = vocab.special_tokens()
    if not parse_specials or not specials:
        return vocab.encode(text)
    # Word vocabularies: the specials cut the text; the word tokenizer splits the rest.
    pattern = "(" + "|".join(re.escape(t) for t in sorted(specials, key=len, reverse=True)) + ")"
    pieces: list[str] = []
    ids: list[int | None] = []
    for i, part in enumerate(re.split(pattern, text)):
        if i % 2:  # a special token (re.split puts the separators at odd places)
            pieces.append(part)
            ids.append(vocab.index[part])
        elif part:
            more, more_ids = vocab.encode(part)
            pieces += more
            ids += more_ids
    return pieces, ids


# -- builders ------------------------------------------------------------------
def gpt2_tokenizer(encoder: str | Path, merges: str | Path, specials: Sequence[str] = ("<|endoftext|>",)
                   ) -> HFTokenizer:
    """GPT-2 byte-level BPE from encoder.json and vocab.bpe (read by the library itself)."""
    from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers

    try:
        model = models.BPE.from_file(str(encoder), str(merges))
    except BaseException as exc:  # the library raises its own exception types
        if not is_library_error(exc):  # a Rust panic is a BaseException
            raise
        raise ExplorerError(f"the tokenizers library cannot read this BPE ({exc})", merges) from None
    tokenizer = Tokenizer(model)
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    if specials:
        tokenizer.add_special_tokens([AddedToken(t, special=True) for t in specials])
    return HFTokenizer(tokenizer, "gpt2-bpe")


def wordpiece_tokenizer(tokens: Sequence[str], lowercase: bool | None = None) -> HFTokenizer:
    """BERT WordPiece from the tokens of vocab.txt in ID order; specials are [PAD] [UNK] [CLS] [SEP] [MASK].

    `lowercase=None` lowercases when the vocabulary has no upper-case letters (uncased BERT).
    """
    from tokenizers import AddedToken, Tokenizer, decoders, models, normalizers, pre_tokenizers

    if lowercase is None:
        lowercase = not any(t != t.lower() for t in tokens if not (t.startswith("[") and t.endswith("]")))
    vocab = {t: i for i, t in enumerate(tokens)}
    unk = "[UNK]" if "[UNK]" in vocab else ("<unk>" if "<unk>" in vocab else None)
    model = models.WordPiece(vocab, unk_token=unk or "[UNK]", max_input_chars_per_word=100)
    tokenizer = Tokenizer(model)
    tokenizer.normalizer = normalizers.BertNormalizer(clean_text=True, handle_chinese_chars=True,
                                                      strip_accents=None, lowercase=lowercase)
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tokenizer.decoder = decoders.WordPiece(prefix="##")
    present = [t for t in BERT_SPECIALS if t in vocab]
    if present:
        tokenizer.add_special_tokens([AddedToken(t, special=True) for t in present])
    return HFTokenizer(tokenizer, "wordpiece")


def json_tokenizer(text: str, path=None) -> HFTokenizer:
    """Any Hugging Face tokenizer.json (BPE / WordPiece / Unigram / WordLevel)."""
    from tokenizers import Tokenizer

    try:
        tokenizer = Tokenizer.from_str(text)
    except BaseException as exc:
        if not is_library_error(exc):  # a Rust panic is a BaseException
            raise
        raise ExplorerError(f"not a tokenizer.json the tokenizers library can read ({exc})", path) from None
    model = type(tokenizer.model).__name__
    return HFTokenizer(tokenizer, f"{model.lower()} (tokenizer.json)")
