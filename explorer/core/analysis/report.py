"""What the Inspector computes (no Qt): one token's report, analogies, which rows of a big
matrix to show, a sentence to start from, a positional table that came with the matrix.

`token_report` and `analogy_job` are plain functions so that the Inspector can run them in a
worker on big matrices; each takes the NeighborIndex it has (or None) and returns the one it
used, so that the next request need not build it again.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from explorer.core import ExplorerError
from explorer.core.analysis.lookup import Lookup, load_positional_table, look_up
from explorer.core.analysis.neighbors import NeighborDrift, NeighborIndex, RowDrift, neighbor_drift, row_drift
from explorer.core.tokens.vocab import Vocabulary

HEAD = 4  # leading rows/columns shown of a big matrix before "…"
SAMPLE_SENTENCES = ("the king and the queen", "the dog says woof", "the cat sat on the mat",
                    "I love machine learning")


@dataclass
class TokenReport:
    """One token: its row, its norm among all norms, its neighbours, and how far it moved."""

    index: NeighborIndex
    lookup: Lookup
    neighbours: list  # (token ID, score), best first
    histogram: tuple  # (counts, edges) of all row norms
    drift: RowDrift | None = None  # None: the matrix is still as initialized
    neighbour_drift: NeighborDrift | None = None
    initial_index: NeighborIndex | None = None


def index_for(weights: np.ndarray, index: NeighborIndex | None) -> NeighborIndex:
    """`index` when it was built on `weights`, else a new one."""
    return index if index is not None and index.matches(weights) else NeighborIndex(weights)


def token_report(vocab: Vocabulary, weights: np.ndarray, initial: np.ndarray | None,
                 index: NeighborIndex | None, initial_index: NeighborIndex | None,
                 token_id: int, k: int, metric: str) -> TokenReport:
    """Everything the Lookup, Neighbours and Drift tabs show about `token_id`."""
    index = index_for(weights, index)
    report = TokenReport(index, look_up(vocab, weights, token_id, norms=index.norms),
                         index.neighbors_of(token_id, k, metric),
                         np.histogram(index.norms[np.isfinite(index.norms)], bins=40))
    if initial is not None and initial is not weights and initial.shape == weights.shape:
        initial_index = index_for(initial, initial_index)
        report.initial_index = initial_index
        report.drift = row_drift(initial, weights, token_id)
        report.neighbour_drift = neighbor_drift(initial, weights, token_id, k, metric,
                                                initial_index=initial_index, current_index=index)
    return report


def analogy_job(weights: np.ndarray, index: NeighborIndex | None, positive, negative, k: int):
    """(the index used, the k nearest to the sum of `positive` minus `negative` rows)."""
    index = index_for(weights, index)
    return index, index.arithmetic(positive=positive, negative=negative, k=k)


def excerpt(n: int, wanted=(), head: int = HEAD) -> list[int | None]:
    """Indices to show of 0..n-1: the first `head`, the `wanted` ones and the last, with None for gaps."""
    keep = sorted({*range(min(head, n)), *(int(w) for w in wanted if 0 <= w < n), n - 1} if n else set())
    out: list[int | None] = []
    for i in keep:
        if out and out[-1] is not None and i > out[-1] + 1:
            out.append(None)
        out.append(i)
    return out


def default_sentence(vocab: Vocabulary) -> str:
    """A sample sentence whose every token is known to `vocab`, else its first tokens."""
    for text in SAMPLE_SENTENCES:
        _pieces, ids = vocab.encode(text)
        if ids and all(i is not None and i != vocab.unk_id for i in ids):
            return text
    return " ".join(vocab.display_tokens[i] for i in range(min(5, len(vocab))))


def positional_table_of(source: str | Path, dim: int | None) -> np.ndarray | None:
    """The learned positional table of the checkpoint the matrix came from, when it holds one
    of the matrix' width (e.g. MiniLM's safetensors); else None."""
    source = Path(source or "")
    if source.suffix.lower() != ".safetensors" or not source.is_file():
        return None
    try:
        table = load_positional_table(source)
    except ExplorerError:
        return None
    return table if table.shape[1] == dim else None
