"""What an embedding lookup is: token -> ID -> row of W, the one-hot product it replaces,
and a sentence turned into a (sequence x dim) matrix plus positional encodings.

torch is imported inside the functions that time it (never at module level: the window's
first paint must not wait for it).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from explorer.core import ExplorerError
from explorer.core.analysis.neighbors import row_norms
from explorer.core.tokens.vocab import Vocabulary

# -- token -> ID -> row ---------------------------------------------------------------


def resolve(vocab: Vocabulary, text: str) -> int:
    """The ID for `text`: the token itself, else a case-insensitive match, else a number read as an ID."""
    text = text.strip()
    if not text:
        raise ExplorerError("type a token or an ID")
    token_id = vocab.id_of(text)
    if token_id is not None:
        return token_id
    display = getattr(vocab, "display_tokens", vocab.tokens)
    if display is not vocab.tokens:  # e.g. GPT-2 byte-level pieces, shown decoded
        for i, shown in enumerate(display):
            if shown == text:
                return i
    lowered = text.lower()
    if lowered != text and vocab.id_of(lowered) is not None:
        return vocab.id_of(lowered)
    if text.lstrip("-").isdigit():
        value = int(text)
        if 0 <= value < len(vocab):
            return value
        raise ExplorerError(f"ID {value} is outside the vocabulary (0..{len(vocab) - 1})")
    raise ExplorerError(f"{text!r} is not in the vocabulary")


@dataclass(frozen=True)
class Lookup:
    token_id: int
    token: str
    count: int | None
    row: np.ndarray  # (dim,) a view of W's row
    norm: float  # L2 norm of the row
    percentile: float  # share of rows (0..100) whose norm is below this one
    norm_rank: int  # 1 = largest norm


def look_up(vocab: Vocabulary, weights: np.ndarray, token_id: int,
            norms: np.ndarray | None = None) -> Lookup:
    """Everything the Lookup tab shows for one ID. Pass `norms` (row_norms(weights)) to reuse them."""
    if not 0 <= int(token_id) < len(vocab):
        raise ExplorerError(f"ID {token_id} is outside the vocabulary (0..{len(vocab) - 1})")
    norms = row_norms(weights) if norms is None else norms
    norm = float(norms[token_id])
    below = int(np.count_nonzero(norms < norm))
    above = int(np.count_nonzero(norms > norm))
    return Lookup(int(token_id), vocab.tokens[token_id], vocab.count_of(token_id), weights[token_id],
                  norm, 100.0 * below / len(norms), above + 1)


# -- one-hot X . W == lookup ----------------------------------------------------------

MAX_ONE_HOT_IDS = 64  # X is (ids x vocab): 64 x 400,000 float32 is already 100 MB


@dataclass
class OneHotResult:
    ids: list[int]
    one_hot: np.ndarray  # X: (len(ids), vocab) of 0/1
    product: np.ndarray  # X . W: (len(ids), dim)
    lookup: np.ndarray  # embedding(ids, W): (len(ids), dim)
    equal: bool  # the two are identical, number for number
    max_abs_diff: float
    seconds_matmul: float  # median time of X . W (torch.matmul) on the current matrix
    seconds_lookup: float  # median time of torch.nn.functional.embedding(ids, W)
    multiplications: int  # done by X . W: len(ids) x vocab x dim
    useful_multiplications: int  # those not by zero: len(ids) x dim
    shape: tuple[int, int] = (0, 0)  # W's shape

    @property
    def speedup(self) -> float:
        return self.seconds_matmul / self.seconds_lookup if self.seconds_lookup > 0 else float("inf")


def one_hot_equivalence(weights: np.ndarray, ids, repeats: int | None = None) -> OneHotResult:
    """Build the one-hot matrix X for `ids`, compute X . W and the embedding lookup, check that
    they are equal and time each on `weights`. The lookup skips the multiplications by zero."""
    import torch
    import torch.nn.functional as F

    ids = [int(i) for i in ids]
    vocab_size, dim = weights.shape
    if not ids:
        raise ExplorerError("give at least one ID, e.g. 2, 3, 1")
    if len(ids) > MAX_ONE_HOT_IDS:
        raise ExplorerError(f"give at most {MAX_ONE_HOT_IDS} IDs (X would be {len(ids)} × {vocab_size:,})")
    bad = [i for i in ids if not 0 <= i < vocab_size]
    if bad:
        raise ExplorerError(f"ID {bad[0]} is outside the vocabulary (0..{vocab_size - 1})")
    W = torch.from_numpy(np.ascontiguousarray(weights, dtype=np.float32))  # shares memory
    index = torch.tensor(ids, dtype=torch.long)
    X = F.one_hot(index, vocab_size).to(torch.float32)
    with torch.no_grad():
        product = X @ W
        looked_up = F.embedding(index, W)
        seconds_matmul = _median_seconds(lambda: X @ W, repeats)
        seconds_lookup = _median_seconds(lambda: F.embedding(index, W), repeats)
    product_np, lookup_np = product.numpy(), looked_up.numpy()
    return OneHotResult(
        ids=ids, one_hot=X.numpy(), product=product_np, lookup=lookup_np,
        equal=bool(np.array_equal(product_np, lookup_np)),
        max_abs_diff=float(np.max(np.abs(product_np - lookup_np))) if product_np.size else 0.0,
        seconds_matmul=seconds_matmul, seconds_lookup=seconds_lookup,
        multiplications=len(ids) * vocab_size * dim, useful_multiplications=len(ids) * dim,
        shape=(vocab_size, dim),
    )


def parse_ids(text: str) -> list[int]:
    """'[2, 3, 1]' or '2 3 1' -> [2, 3, 1]."""
    cleaned = text.replace("[", " ").replace("]", " ").replace(",", " ").split()
    try:
        return [int(v) for v in cleaned]
    except ValueError:
        raise ExplorerError(f"IDs must be whole numbers, e.g. 2, 3, 1; got {text!r}") from None


def _median_seconds(fn, repeats: int | None, budget: float = 0.25) -> float:
    """Median time of fn(); `repeats` None = as many runs as fit in `budget` seconds (3 to 200)."""
    start = time.perf_counter()
    fn()  # warm up
    if repeats is None:
        once = max(time.perf_counter() - start, 1e-7)
        repeats = int(min(200, max(3, budget / once)))
    times = []
    for _ in range(max(1, repeats)):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


# -- a sentence as a matrix, plus positional encodings ------------------------------------

PE_KINDS = ("none", "sinusoidal", "learned")


@dataclass
class SentenceView:
    pieces: list[str]  # what the tokenizer produced
    ids: list[int]
    token_rows: np.ndarray  # (seq, dim): W[ids]
    pe_rows: np.ndarray  # (seq, dim): positional encodings for positions 0..seq-1 (zeros for "none")
    pe_kind: str = "none"
    skipped: list[str] = field(default_factory=list)  # pieces with no ID (no unknown token)

    @property
    def sums(self) -> np.ndarray:
        return self.token_rows + self.pe_rows


def sentence_matrix(vocab: Vocabulary, weights: np.ndarray, text: str, pe: str = "sinusoidal",
                    learned: np.ndarray | None = None, max_tokens: int = 512) -> SentenceView:
    """text -> tokens (the vocabulary's own tokenizer) -> IDs -> rows of W, with positional rows.

    `pe` is "none", "sinusoidal", or "learned" (then `learned` is a (positions x dim) table,
    e.g. MiniLM's embeddings.position_embeddings.weight).
    """
    if pe not in PE_KINDS:
        raise ExplorerError(f"unknown positional encoding {pe!r}; choose one of {', '.join(PE_KINDS)}")
    if weights is None:
        raise ExplorerError("there is no matrix yet")
    pieces, ids = vocab.encode(text)
    kept = [(p, i) for p, i in zip(pieces, ids) if i is not None]
    skipped = [p for p, i in zip(pieces, ids) if i is None]
    if len(kept) > max_tokens:
        raise ExplorerError(f"the text has {len(kept)} tokens; at most {max_tokens} are shown")
    pieces = [p for p, _ in kept]
    ids = [int(i) for _, i in kept]
    token_rows = np.asarray(weights[ids] if ids else np.zeros((0, weights.shape[1])), dtype=np.float32)
    pe_rows = positional_rows(pe, len(ids), weights.shape[1], learned)
    return SentenceView(pieces, ids, token_rows, pe_rows, pe, skipped)


def positional_rows(pe: str, seq_len: int, dim: int, learned: np.ndarray | None = None) -> np.ndarray:
    if pe == "none":
        return np.zeros((seq_len, dim), dtype=np.float32)
    if pe == "sinusoidal":
        from explorer.core.matrix.positional import sinusoidal

        return sinusoidal(seq_len, dim)
    if learned is None:
        raise ExplorerError("load a learned positional table first (e.g. a MiniLM safetensors file)")
    if learned.shape[1] != dim:
        raise ExplorerError(f"the positional table has {learned.shape[1]} dims, the matrix has {dim}")
    if seq_len > learned.shape[0]:
        raise ExplorerError(f"the positional table covers {learned.shape[0]} positions; the text has {seq_len} tokens")
    return np.asarray(learned[:seq_len], dtype=np.float32)


def find_position_tensor(names) -> str | None:
    """The name of a learned positional table among tensor names, if any."""
    names = list(names)
    for name in names:
        if name.endswith("position_embeddings.weight"):
            return name
    for key in ("position", "wpe", "pos_emb"):
        for name in names:
            if key in name.lower():
                return name
    return None


def load_positional_table(path: str | Path, tensor_name: str | None = None) -> np.ndarray:
    """A learned positional table (positions x dim) from a safetensors file."""
    path = Path(path)
    if not path.exists():
        raise ExplorerError("no such file", path)
    from safetensors import safe_open

    try:
        with safe_open(str(path), framework="numpy") as f:
            names = list(f.keys())
            name = tensor_name or find_position_tensor(names)
            if name is None:
                raise ExplorerError(f"no positional table in it (tensors: {', '.join(names[:8])})", path)
            if name not in names:
                raise ExplorerError(f"no tensor named {name!r} (tensors: {', '.join(names[:8])})", path)
            table = f.get_tensor(name)
    except ExplorerError:
        raise
    except Exception as exc:  # safetensors raises its own types for malformed headers
        raise ExplorerError(f"not a readable safetensors file ({exc})", path) from None
    if table.ndim != 2:
        raise ExplorerError(f"tensor {name!r} has shape {table.shape}, expected positions x dim", path)
    return np.asarray(table, dtype=np.float32)


# The teaching example: four tokens, 3-dim embeddings, positional rows that add 0.01 per step.
TEACHING_TOKENS = ["I", "love", "machine", "learning"]
TEACHING_EMBEDDINGS = np.array([[0.1, 0.3, 0.5], [0.2, 0.4, 0.6], [0.3, 0.5, 0.7], [0.4, 0.6, 0.8]])
TEACHING_POSITIONS = np.array([[0.01, 0.02, 0.03], [0.02, 0.03, 0.04], [0.03, 0.04, 0.05], [0.04, 0.05, 0.06]])


def teaching_example() -> SentenceView:
    """'I love machine learning': the table from the teaching material, exactly."""
    return SentenceView(list(TEACHING_TOKENS), list(range(len(TEACHING_TOKENS))),
                        TEACHING_EMBEDDINGS.copy(), TEACHING_POSITIONS.copy(), "teaching example")
