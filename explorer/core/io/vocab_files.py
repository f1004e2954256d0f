"""Every way a user gets a vocabulary: word lists, corpora, tokenizer files, vectors files.

`load_vocabulary(path, fmt=None, ...)` detects the format from the name and the
first bytes (`detect_format`) unless `fmt` overrides it, and returns a new
`Vocabulary` whose `tokenizer` encodes text the way the source does. Every
problem is an `ExplorerError` naming the file and the line (or byte offset);
nothing is half-loaded, so the caller's current vocabulary stays as it was.

Formats (`FORMATS`):
- wordlist: one token per line, optional count column (`token<TAB>count` or
  `token count`). Tokens are literal (a leading `#` is part of the token);
  IDs are line order, blank lines are skipped (with a warning), a duplicate
  token is an error naming both lines unless `dedupe=True` (first one kept,
  with a warning).
- corpus: one document or sentence per line, counted with a tokenizer
  ("words": lowercase word regex, "whitespace", or a loaded tokenizer), then
  min count, max size, order (alpha / freq / first) and specials at the front.
- gpt2: `encoder.json` + `vocab.bpe` (byte-level BPE); wordpiece: BERT `vocab.txt`;
  tokenizer-json: a Hugging Face `tokenizer.json`. IDs are the tokenizer's.
- json: a JSON list of tokens, or an object mapping tokens to IDs 0..n-1.
- vectors: the token column of a GloVe / word2vec / fastText file.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from explorer.core import ExplorerError
from explorer.core.io.textio import (
    SNIFF_BYTES, TextStats, is_number, iter_blocks, line_of, read_text, sniff_binary,
)
from explorer.core.tokens.vocab import (
    DEFAULT_SPECIALS, ORDERS, Vocabulary, WordTokenizer, normalize_specials, vocab_from_counts,
)

FORMATS = {
    "wordlist": "word list (one token per line, optional count)",
    "corpus": "corpus text (one document or sentence per line)",
    "gpt2": "GPT-2 byte-level BPE (encoder.json + vocab.bpe)",
    "wordpiece": "BERT WordPiece vocab.txt",
    "tokenizer-json": "Hugging Face tokenizer.json",
    "json": "JSON list of tokens, or token -> ID map",
    "vectors": "token column of a vectors file",
}
# Format -> file kind of explorer.core.io.detect (which loader gets the file).
FORMAT_KINDS = {"wordlist": "vocab", "json": "vocab", "corpus": "corpus", "gpt2": "tokenizer",
                "wordpiece": "tokenizer", "tokenizer-json": "tokenizer", "vectors": "vectors"}
CORPUS_TOKENIZERS = {"words": "lowercase words (regex)", "whitespace": "whitespace (keeps case)"}
VECTOR_SUFFIXES = {".vec", ".bin", ".npy", ".npz", ".safetensors", ".pt", ".pth"}
SNIFF_TEXT_BYTES = 64 * 1024
MAX_COUNT = 2**63 - 1  # counts are int64

class DuplicateToken(ExplorerError):
    """A word list names a token twice; `load_vocabulary(..., dedupe=True)` keeps the first."""


Progress = Callable[[float], None] | None
ShouldCancel = Callable[[], bool] | None


# -- detection -----------------------------------------------------------------
def detect_format(path: str | Path) -> str:
    """Guess one of FORMATS from the name and the first bytes of `path`."""
    path = Path(path)
    if path.is_dir():
        if (path / "tokenizer.json").is_file():
            return "tokenizer-json"
        if ((path / "encoder.json").is_file() and (path / "vocab.bpe").is_file()) or \
                ((path / "vocab.json").is_file() and (path / "merges.txt").is_file()):
            return "gpt2"
        if (path / "vocab.txt").is_file():
            return "wordpiece"
        raise ExplorerError("this folder holds no tokenizer (tokenizer.json, encoder.json + vocab.bpe, "
                            "or vocab.txt)", path)
    if not path.exists():
        raise ExplorerError("no such file", path)
    from explorer.core.io.compressed import compression_of_file, inner_name, read_head

    name = (inner_name(path) if compression_of_file(path) else path.name).lower()
    suffix = Path(name).suffix
    if name == "vocab.bpe" or (name.endswith("encoder.json") and path.with_name("vocab.bpe").is_file()):
        return "gpt2"
    if suffix in VECTOR_SUFFIXES:
        return "vectors"
    head = read_head(path, SNIFF_TEXT_BYTES)
    if not head:
        raise ExplorerError("the file is empty", path)
    from explorer.core.io.fasttext import is_fasttext_bin

    if is_fasttext_bin(head):
        return "vectors"  # a fastText model: its words
    sniff_binary(head[:SNIFF_BYTES], path)
    if suffix == ".json":
        return "tokenizer-json" if b'"model"' in head and b'"vocab"' in head else "json"
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff")
    lines = text.split("\n")
    if len(head) == SNIFF_TEXT_BYTES and len(lines) > 1:
        lines = lines[:-1]  # the last one may be cut
    lines = [line.strip() for line in lines if line.strip()][:500]
    if not lines:
        return "wordlist"
    first = lines[0].split()
    if len(first) >= 3 and all(is_number(x) for x in first[1:]):
        return "vectors"  # GloVe: token then numbers
    if len(first) == 2 and all(x.isdigit() for x in first) and len(lines) > 1 \
            and len(lines[1].split()) > 2 and all(is_number(x) for x in lines[1].split()[1:]):
        return "vectors"  # word2vec header: rows dim
    entries = sum(_is_entry(line) for line in lines)
    if entries >= 0.95 * len(lines):
        if name.endswith("vocab.txt") and any(line in ("[UNK]", "[CLS]") for line in lines[:2000]):
            return "wordpiece"
        return "wordlist"
    return "corpus"


def _is_entry(line: str) -> bool:
    """A word-list line: one token, or a token and an integer count."""
    if "\t" in line:
        return line.rpartition("\t")[2].strip().lstrip("-").isdigit()
    parts = line.split()
    return len(parts) == 1 or (len(parts) == 2 and parts[1].isdigit())


def kind_of(path: str | Path) -> str:
    """The file kind ('vocab', 'corpus', 'tokenizer', 'vectors') of a vocabulary source."""
    return FORMAT_KINDS[detect_format(path)]


# -- the one entry point -------------------------------------------------------
def load_vocabulary(
    path: str | Path,
    fmt: str | None = None,
    *,
    min_count: int = 1,
    max_size: int | None = None,
    order: str = "freq",
    specials: Sequence[str] = (),
    tokenizer="words",
    errors: str = "strict",
    dedupe: bool = False,
    progress: Progress = None,
    should_cancel: ShouldCancel = None,
) -> Vocabulary:
    """Load a vocabulary from a word list, corpus, tokenizer file/folder or vectors file.

    `fmt` overrides the detected format (see FORMATS). Corpus options: `tokenizer`
    ("words", "whitespace", an HFTokenizer, or a path to a tokenizer), `min_count`,
    `max_size`, `order` (alpha | freq | first) and `specials` (roles such as "pad"
    or tokens such as "<pad>", given fixed IDs at the front). For word lists,
    `order` is ignored (IDs are line order), `min_count` drops rows below it when
    there is a count column, `max_size` keeps the first rows, and missing
    `specials` are added at the front. Tokenizer formats keep the tokenizer's IDs.
    `errors="replace"` loads invalid UTF-8 with U+FFFD (counted in `vocab.warnings`).
    """
    path = Path(path)
    fmt = fmt or detect_format(path)
    if fmt not in FORMATS:
        raise ExplorerError(f"unknown vocabulary format {fmt!r}; choose one of {', '.join(FORMATS)}", path)
    if order not in ORDERS:
        raise ExplorerError(f"unknown order {order!r}; choose one of {', '.join(ORDERS)}")
    if min_count < 1:
        raise ExplorerError(f"min count must be at least 1, not {min_count}")
    if max_size is not None and max_size < 1:
        raise ExplorerError(f"max size must be at least 1, not {max_size}")
    if progress is not None:
        progress(0.0)
    if fmt == "corpus":
        vocab = load_corpus(path, tokenizer=tokenizer, min_count=min_count, max_size=max_size, order=order,
                            specials=specials, errors=errors, progress=progress, should_cancel=should_cancel)
    elif fmt == "wordlist":
        vocab = load_wordlist(path, errors=errors, dedupe=dedupe, progress=progress, should_cancel=should_cancel)
        vocab = _trim_list(vocab, min_count, max_size, specials)
    else:
        if fmt == "gpt2":
            vocab = load_gpt2(path)
        elif fmt == "wordpiece":
            vocab = load_wordpiece(path, errors=errors, dedupe=dedupe, should_cancel=should_cancel)
        elif fmt == "tokenizer-json":
            vocab = load_tokenizer_json(path)
        elif fmt == "json":
            vocab = load_json(path)
        else:
            vocab = load_vector_tokens(path)
        if fmt in ("json", "vectors"):
            vocab = _trim_list(vocab, min_count, max_size, specials)
        elif min_count != 1 or max_size is not None or specials:
            vocab.warnings.append(f"{path}: min count, max size and specials do not apply to a tokenizer's "
                                  "vocabulary (its IDs are fixed); ignored")
    if not len(vocab):  # every format refuses this itself; an empty vocabulary is never a result
        raise ExplorerError("no tokens: the vocabulary is empty", path)
    if progress is not None:
        progress(1.0)
    if not vocab.source:
        vocab.source = str(path)
    return vocab


# -- word lists ----------------------------------------------------------------
def load_wordlist(path, *, errors: str = "strict", dedupe: bool = False, progress: Progress = None,
                  should_cancel: ShouldCancel = None, kind: str = "wordlist") -> Vocabulary:
    """One token per line with an optional count column; IDs are line order."""
    path = Path(path)
    stats = TextStats()
    tokens: list[str] = []
    counts: list[int] = []
    lines_of: dict[str, int] = {}  # token -> line it is on
    has_counts: bool | None = None
    count_line = 0
    blank, first_blank = 0, None
    duplicates: list[tuple[str, int, int]] = []
    for first, block in iter_blocks(path, errors=errors, stats=stats, progress=progress,
                                    should_cancel=should_cancel):
        for i, line in enumerate(block.split("\n")):
            line_no = first + i
            token, count = _parse_entry(line, path, line_no)
            if token is None:
                blank += 1
                first_blank = first_blank or line_no
                continue
            if has_counts is None:
                has_counts, count_line = count is not None, line_no
            elif has_counts != (count is not None):
                said = "has a count column" if has_counts else "has no count column"
                raise ExplorerError(f"this line {'lacks a count' if has_counts else 'has a count'}, but "
                                    f"line {count_line} {said}; every line must agree", path, line=line_no)
            seen = lines_of.get(token)
            if seen is not None:
                if not dedupe:
                    raise DuplicateToken(f"duplicate token {token!r}: also on line {seen} (IDs would be "
                                        "ambiguous; load with de-duplication to keep the first)", path,
                                        line=line_no)
                duplicates.append((token, seen, line_no))
                continue
            lines_of[token] = line_no
            tokens.append(token)
            if count is not None:
                counts.append(count)
    if not tokens:
        raise ExplorerError("no tokens: the file holds only blank lines", path, line=1)
    upper = any(t != t.lower() for t in tokens[:5000])
    vocab = Vocabulary(tokens=tokens, counts=np.array(counts, dtype=np.int64) if has_counts else None,
                       source=str(path), kind=kind, tokenizer=WordTokenizer(lowercase=not upper))
    vocab._index = lines_of if not duplicates else None
    if vocab._index is not None:  # line numbers -> IDs, reusing the dict
        for i, token in enumerate(tokens):
            lines_of[token] = i
    vocab.specials = _find_specials(tokens, vocab.index)
    vocab.warnings.extend(stats.warnings(path))
    if blank:
        vocab.warnings.append(f"{path}: skipped {blank:,} blank line{'s' if blank > 1 else ''} "
                              f"(first: line {first_blank}); IDs follow the non-blank lines")
    if duplicates:
        token, a, b = duplicates[0]
        vocab.warnings.append(f"{path}: dropped {len(duplicates):,} duplicate token"
                              f"{'s' if len(duplicates) > 1 else ''}, keeping the first of each "
                              f"(e.g. {token!r} on lines {a} and {b})")
    return vocab


def _parse_entry(line: str, path, line_no: int) -> tuple[str | None, int | None]:
    if "\t" in line:
        token, _, count = line.rpartition("\t")
        token, count = token.strip(), count.strip()
        if not token and not count:
            return None, None
        if not token:
            raise ExplorerError("empty token before the tab", path, line=line_no)
        if not count:
            return token, None
        if not (count.isascii() and count.isdigit()):  # "²".isdigit() is True, but int() refuses it
            raise ExplorerError(f"the column after the tab must be a count (a whole number), got {count!r}",
                                path, line=line_no)
        return token, _count(count, path, line_no)
    parts = line.split()
    if not parts:
        return None, None
    if len(parts) == 1:
        return parts[0], None
    if len(parts) == 2 and parts[1].isascii() and parts[1].isdigit():
        return parts[0], _count(parts[1], path, line_no)
    raise ExplorerError(f"expected a token, optionally followed by a count; got {line.strip()[:60]!r} "
                        "(is this a corpus? choose the corpus format)", path, line=line_no)


def _count(text: str, path, line_no: int) -> int:
    """A count column's value; counts are stored as int64."""
    # The length first: int() refuses numbers of thousands of digits (ValueError).
    digits = text.lstrip("0") or "0"
    if len(digits) > len(str(MAX_COUNT)) or int(digits) > MAX_COUNT:
        raise ExplorerError(f"the count {text[:30]}… is too large (at most {MAX_COUNT:,})", path, line=line_no)
    return int(digits)


def _find_specials(tokens: list[str], index: dict[str, int]) -> dict[str, int]:
    from explorer.core.tokens.subword import ROLE_OF  # light: no `tokenizers` import at module level

    out: dict[str, int] = {}
    for token, role in ROLE_OF.items():
        i = index.get(token)
        if i is not None and i < 1000:
            out.setdefault(role, i)
    return dict(sorted(out.items(), key=lambda kv: kv[1]))


def _trim_list(vocab: Vocabulary, min_count: int, max_size: int | None, specials: Sequence[str]) -> Vocabulary:
    """Options on a list whose IDs come from the file: applied only when asked, with a warning."""
    tokens, counts = vocab.tokens, vocab.counts
    notes = []
    if min_count > 1 and counts is not None:
        keep = np.flatnonzero(counts >= min_count)
        if not len(keep):  # an empty vocabulary is not a result
            raise ExplorerError(f"no token has a count of at least {min_count} (the highest is "
                                f"{int(counts.max()) if len(counts) else 0})", vocab.source or None)
        if len(keep) < len(tokens):
            notes.append(f"min count {min_count} dropped {len(tokens) - len(keep):,} tokens; IDs renumbered")
            tokens, counts = [tokens[i] for i in keep], counts[keep]
    pairs = [(role, token) for role, token in normalize_specials(specials) if token not in vocab.index]
    if pairs:
        notes.append(f"added {len(pairs)} special token(s) at the front: other IDs shift by {len(pairs)}")
        tokens = [t for _, t in pairs] + tokens
        if counts is not None:
            counts = np.concatenate([np.zeros(len(pairs), dtype=np.int64), counts])
    if max_size is not None and len(tokens) > max_size:
        notes.append(f"kept the first {max_size:,} of {len(tokens):,} tokens")
        tokens = tokens[:max_size]
        counts = None if counts is None else counts[:max_size]
    if not notes:
        return vocab
    out = Vocabulary(tokens=list(tokens), counts=counts, source=vocab.source, kind=vocab.kind,
                     tokenizer=vocab.tokenizer)
    out.specials = _find_specials(out.tokens, out.index)
    for role, token in normalize_specials(specials):
        if out.id_of(token) is not None:
            out.specials[role] = out.id_of(token)
    out.warnings = vocab.warnings + [f"{vocab.source}: {note}" for note in notes]
    return out


# -- corpora -------------------------------------------------------------------
def load_corpus(path, *, tokenizer="words", min_count: int = 1, max_size: int | None = None,
                order: str = "freq", specials: Sequence[str] = (), errors: str = "strict",
                progress: Progress = None, should_cancel: ShouldCancel = None) -> Vocabulary:
    """Count a corpus (one document or sentence per line) and build a vocabulary."""
    path = Path(path)
    splitter = corpus_tokenizer(tokenizer)
    stats = TextStats()
    counter: Counter[str] = Counter()
    split = splitter.split
    for _, block in iter_blocks(path, errors=errors, stats=stats, progress=progress,
                                should_cancel=should_cancel):
        counter.update(split(block))  # the tokenizers never join across lines
    if not counter:
        raise ExplorerError("no tokens found with the "
                            f"{getattr(splitter, 'kind', 'chosen')} tokenizer", path, line=1)
    vocab = vocab_from_counts(counter, min_count, max_size, order, specials, str(path), splitter)
    if len(vocab) == len(normalize_specials(specials)):
        raise ExplorerError(f"no token occurs at least {min_count} times", path)
    vocab.warnings.extend(stats.warnings(path))
    return vocab


def load_tokenizer(path: str | Path) -> HFTokenizer:
    """A tokenizer from a file or folder (for counting a corpus with it)."""
    from explorer.core.tokens.subword import HFTokenizer

    vocab = load_vocabulary(path)
    if not isinstance(vocab.tokenizer, HFTokenizer):
        raise ExplorerError("this is not a tokenizer (GPT-2 encoder.json + vocab.bpe, BERT vocab.txt "
                            "or tokenizer.json)", path)
    return vocab.tokenizer


def corpus_tokenizer(tokenizer):
    """'words' | 'whitespace' | a loaded tokenizer | a path to one -> an object with split()."""
    from explorer.core.tokens.vocab import SubwordSplitter

    if tokenizer is None or tokenizer == "words":
        return WordTokenizer(lowercase=True)
    if tokenizer == "whitespace":
        return WordTokenizer(lowercase=False)
    if isinstance(tokenizer, (str, Path)):
        if not Path(tokenizer).exists():
            raise ExplorerError(f"unknown corpus tokenizer {str(tokenizer)!r}: use words, whitespace, "
                                "or the path of a tokenizer file or folder")
        tokenizer = load_tokenizer(tokenizer)
    if hasattr(tokenizer, "encode_pieces"):
        return SubwordSplitter(tokenizer)
    if hasattr(tokenizer, "split"):
        return tokenizer
    raise ExplorerError(f"cannot count a corpus with {tokenizer!r}")


# -- tokenizer files -----------------------------------------------------------
def load_gpt2(path) -> Vocabulary:
    """GPT-2: encoder.json (token -> ID) and vocab.bpe (merges), from either file or their folder;
    in a Hugging Face folder the same pair is vocab.json and merges.txt."""
    from explorer.core.tokens.subword import gpt2_tokenizer

    path = Path(path)
    folder = path if path.is_dir() else path.parent
    # Hugging Face folders name the same pair vocab.json and merges.txt.
    hf_pair = not (folder / "encoder.json").is_file() and (folder / "vocab.json").is_file() \
        and (folder / "merges.txt").is_file()
    encoder = path if path.is_file() and path.suffix.lower() == ".json" else \
        folder / ("vocab.json" if hf_pair else "encoder.json")
    merges_path = path if path.is_file() and path.name.lower().endswith((".bpe", "merges.txt")) else \
        folder / ("merges.txt" if hf_pair else "vocab.bpe")
    if not encoder.is_file():
        raise ExplorerError(f"GPT-2 merges need their encoder.json next to them ({encoder} is missing)", path)
    mapping, text = _read_json(encoder)
    tokens = _tokens_from_map(mapping, encoder, text)
    if not merges_path.is_file():
        raise ExplorerError(f"GPT-2 needs vocab.bpe (the merges) next to encoder.json; {merges_path} is "
                            "missing (open it as the json format for the tokens alone)", encoder)
    # Added tokens such as <|endoftext|> sit at the end of the ID range.
    specials = [t for t in tokens[-100:] if t.startswith("<|") and t.endswith("|>")]
    try:
        tokenizer = gpt2_tokenizer(encoder, merges_path, specials)
    except ExplorerError:
        _read_merges(merges_path, mapping)  # names the bad line, when one is to blame
        raise
    vocab = Vocabulary(tokens=tokens, source=str(path), kind="gpt2", tokenizer=tokenizer)
    vocab._index = mapping
    vocab.specials = tokenizer.special_ids()
    return vocab


def _read_merges(path: Path, vocab: dict[str, int]) -> list[tuple[str, str]]:
    text = read_text(path, what="merges file")
    merges = []
    for i, line in enumerate(text.split("\n")):
        line = line.rstrip("\r")
        if not line or (i == 0 and line.startswith("#version")):
            continue
        parts = line.split(" ")
        if len(parts) != 2:
            raise ExplorerError(f"a merge must be two pieces separated by one space, got {line[:60]!r}",
                                path, line=i + 1)
        a, b = parts
        if a not in vocab or b not in vocab or a + b not in vocab:
            missing = next(p for p in (a, b, a + b) if p not in vocab)
            raise ExplorerError(f"merge {line!r} uses {missing!r}, which encoder.json does not have",
                                path, line=i + 1)
        merges.append((a, b))
    return merges


def load_wordpiece(path, *, errors: str = "strict", dedupe: bool = False,
                   should_cancel: ShouldCancel = None) -> Vocabulary:
    """BERT vocab.txt: one WordPiece token per line (## marks a word continuation)."""
    from explorer.core.tokens.subword import wordpiece_tokenizer

    path = Path(path)
    file = path / "vocab.txt" if path.is_dir() else path
    vocab = load_wordlist(file, errors=errors, dedupe=dedupe, should_cancel=should_cancel, kind="wordpiece")
    if vocab.counts is not None:
        raise ExplorerError("a WordPiece vocab.txt has one token per line and no counts", file)
    vocab.tokenizer = wordpiece_tokenizer(vocab.tokens)
    vocab.specials = vocab.tokenizer.special_ids()
    return vocab


def load_tokenizer_json(path) -> Vocabulary:
    """A Hugging Face tokenizer.json; padding and truncation are switched off."""
    from explorer.core.tokens.subword import json_tokenizer

    path = Path(path)
    file = path / "tokenizer.json" if path.is_dir() else path
    text = read_text(file, what="tokenizer.json")
    data = _parse_json(text, file)
    if not isinstance(data, dict) or not isinstance(data.get("model"), dict):
        raise ExplorerError("not a tokenizer.json: it has no \"model\" object", file, line=1)
    tokenizer = json_tokenizer(text, file)
    hf = tokenizer.tokenizer
    by_id = {i: t for t, i in hf.get_vocab(with_added_tokens=True).items()}
    size = max(by_id) + 1 if by_id else 0
    if size == 0:
        raise ExplorerError("this tokenizer has an empty vocabulary", file)
    tokens = [by_id.get(i) for i in range(size)]
    vocab = Vocabulary(tokens=[t if t is not None else f"<unused {i}>" for i, t in enumerate(tokens)],
                       source=str(path), kind="tokenizer-json", tokenizer=tokenizer)
    vocab.specials = tokenizer.special_ids()
    gaps = sum(t is None for t in tokens)
    if gaps:
        vocab.warnings.append(f"{file}: {gaps} IDs have no token; shown as <unused ID>")
    return vocab


# -- JSON and vectors ----------------------------------------------------------
def load_json(path) -> Vocabulary:
    """A JSON list of tokens (IDs in order) or an object mapping tokens to IDs 0..n-1."""
    path = Path(path)
    data, text = _read_json(path)
    if isinstance(data, dict) and isinstance(data.get("model"), dict):
        return load_tokenizer_json(path)
    if isinstance(data, list):
        for i, item in enumerate(data):
            if not isinstance(item, str):
                where = text.find(json.dumps(item)) if isinstance(item, (int, float, bool)) else -1
                raise ExplorerError(f"item {i} of the list is {type(item).__name__}, not a token string "
                                    "(a vocabulary is a list of tokens or an object of token: ID)",
                                    path, line=line_of(text, where) if where >= 0 else None)
        tokens = data
        if not tokens:
            raise ExplorerError("the list of tokens is empty", path, line=1)
        seen: dict[str, int] = {}
        for i, token in enumerate(tokens):
            if token in seen:
                raise ExplorerError(f"duplicate token {token!r} at positions {seen[token]} and {i}", path,
                                    line=line_of(text, _find_nth(text, json.dumps(token), 2)))
            seen[token] = i
    elif isinstance(data, dict):
        tokens = _tokens_from_map(data, path, text)
    else:
        raise ExplorerError(f"not a vocabulary: the JSON holds a {type(data).__name__}; expected a list of "
                            "tokens or an object mapping tokens to IDs", path, line=1)
    vocab = Vocabulary(tokens=list(tokens), source=str(path), kind="json",
                       tokenizer=WordTokenizer(lowercase=not any(t != t.lower() for t in tokens[:5000])))
    vocab.specials = _find_specials(vocab.tokens, vocab.index)
    return vocab


def _find_nth(text: str, needle: str, n: int) -> int:
    at = -1
    for _ in range(n):
        at = text.find(needle, at + 1)
        if at < 0:
            return -1
    return at


def _read_json(path: Path):
    text = read_text(path, what="JSON file")
    return _parse_json(text, path), text


def _parse_json(text: str, path: Path):
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ExplorerError(f"not valid JSON ({exc.msg}, column {exc.colno})", path, line=exc.lineno) from None
    except ValueError as exc:  # an integer of thousands of digits: int() refuses it
        raise ExplorerError(f"not a vocabulary: {str(exc).split(';')[0]}", path) from None
    except RecursionError:
        raise ExplorerError("not a vocabulary: the JSON nests too deeply", path) from None


def _tokens_from_map(mapping, path: Path, text: str) -> list[str]:
    """Tokens in ID order from {token: id}; IDs must be 0..n-1, each once."""
    if not isinstance(mapping, dict):
        raise ExplorerError(f"not a vocabulary: expected an object mapping tokens to IDs, found a "
                            f"{type(mapping).__name__}", path, line=1)
    if not mapping:
        raise ExplorerError("not a vocabulary: the object is empty", path, line=1)
    n = len(mapping)
    ids = list(mapping.values())
    if all(type(i) is int for i in ids) and sorted(ids) == list(range(n)):  # the common case, fast
        return sorted(mapping, key=mapping.__getitem__)
    tokens: list[str | None] = [None] * n
    for token, token_id in mapping.items():  # the shape first: is this a token -> ID map at all?
        if not isinstance(token_id, int) or isinstance(token_id, bool):
            where = text.find(json.dumps(token))
            raise ExplorerError(f"not a vocabulary: the value of {token!r} is {json.dumps(token_id)[:40]}, "
                                "not an integer ID", path, line=line_of(text, where) if where >= 0 else None)
    for token, token_id in mapping.items():
        if not 0 <= token_id < n:
            where = text.find(json.dumps(token))
            raise ExplorerError(f"ID {token_id} of {token!r} is outside 0..{n - 1}: IDs must run from 0 "
                                "without gaps", path, line=line_of(text, where) if where >= 0 else None)
        other = tokens[token_id]
        if other is not None:
            raise ExplorerError(f"ID {token_id} is given to both {other!r} and {token!r}", path,
                                line=line_of(text, text.find(json.dumps(token))))
        tokens[token_id] = token
    return tokens  # n distinct IDs in 0..n-1: no gaps


def load_vector_tokens(path) -> Vocabulary:
    """The token column of a vectors file (numbers not parsed), via the vectors reader."""
    try:
        from explorer.core.io.vectors import read_vector_tokens
    except ImportError:
        raise ExplorerError("reading the tokens of a vectors file is not available in this build", path) from None
    vocab = read_vector_tokens(path)
    vocab.kind = "vectors"
    if vocab.tokenizer is None:  # text typed later is split into words, keeping case if the tokens do
        vocab.tokenizer = WordTokenizer(lowercase=not any(t != t.lower() for t in vocab.tokens[:5000]))
    if not vocab.source:
        vocab.source = str(path)
    if not vocab.specials:
        vocab.specials = _find_specials(vocab.tokens, vocab.index)
    return vocab


def describe(vocab: Vocabulary) -> dict:
    """A JSON-friendly summary: size, format, specials, first tokens, tokenizer."""
    tokenizer = vocab.tokenizer
    return {
        "size": len(vocab),
        "format": vocab.kind,
        "source": vocab.source,
        "tokenizer": getattr(tokenizer, "kind", None),
        "specials": vocab.special_tokens(),
        "special_ids": dict(vocab.specials),
        "has_counts": vocab.counts is not None,
        "first": vocab.tokens[:10],
        "warnings": list(vocab.warnings),
    }


__all__ = ["FORMATS", "CORPUS_TOKENIZERS", "DEFAULT_SPECIALS", "detect_format", "load_vocabulary", "describe",
           "kind_of"]
