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


@dataclass
class OOVReport:
    """A word outside the vocabulary, composed from its character n-grams (fastText models).

    `vector` (float32, dim) is the mean of the n-grams' rows, as fastText and gensim compute
    it; `ngrams` are the n-grams used, in fastText's order (``<wh``, ``<whe``, ..., ``whe``, ...);
    `neighbours` are (token ID, score) best first, over the whole vocabulary; `index` is the
    NeighborIndex used (pass it back next time). The Inspector shows it as
    "not in the vocabulary: composed from {len(ngrams)} n-grams <wh, whe, …>" (`summary()`).
    """

    word: str
    vector: np.ndarray
    ngrams: list[str]
    neighbours: list  # (token ID, score), best first
    index: NeighborIndex

    def summary(self, shown: int = 6) -> str:
        """"not in the vocabulary: composed from 46 n-grams <un, <uns, <unse, …" (no n-gram: says so)."""
        if not self.ngrams:
            return "not in the vocabulary, and no n-gram of it is known: its vector is zero"
        head = ", ".join(self.ngrams[:shown]) + (", …" if len(self.ngrams) > shown else "")
        n = len(self.ngrams)
        return f"not in the vocabulary: composed from {n} n-gram{'s' if n != 1 else ''} {head}"


def oov_report(vocab: Vocabulary, weights: np.ndarray, subwords, word: str, index: NeighborIndex | None,
               k: int = 10, metric: str = "cosine") -> OOVReport:
    """The Inspector's report for `word`, a word not in `vocab`, from the model's subword table.

    `subwords` is `workspace.subwords` (an `explorer.core.io.fasttext.SubwordModel`, whose
    `compose(word) -> (vector, ngrams)`); None means the matrix has no subword table, and is
    an ExplorerError saying so. `index` is a NeighborIndex built on `weights` or None (a new one
    is built); a plain function, to run in a worker for big matrices. A word that is in the
    vocabulary is reported too (its n-gram composition), though the Inspector shows its row.
    """
    if subwords is None:
        raise ExplorerError(f"{word!r} is not in the vocabulary, and this matrix has no subword model "
                            "(only fastText .bin models compose words from n-grams)")
    if subwords.dim != weights.shape[1]:
        raise ExplorerError(f"the subword table has {subwords.dim} dims, the matrix {weights.shape[1]}")
    index = index_for(weights, index)
    vector, ngrams = subwords.compose(word)
    if ngrams and float(np.abs(vector).sum()) > 0:
        neighbours = index.query(vector, k, metric)
    else:
        neighbours = []  # a zero vector is equally far from everything
    return OOVReport(word, vector, ngrams, neighbours, index)


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
    of the matrix' width (e.g. MiniLM's safetensors, or a model folder); else None."""
    source = Path(source or "")
    if source.is_dir():  # a Hugging Face-style model folder (wpe.weight, *.position_embeddings.weight)
        return _folder_positional_table(source, dim)
    if source.suffix.lower() != ".safetensors" or not source.is_file():
        return None
    try:
        table = load_positional_table(source)
    except ExplorerError:
        return None
    return table if table.shape[1] == dim else None


def _folder_positional_table(folder: Path, dim: int | None) -> np.ndarray | None:
    """The positional table of a model folder's safetensors (single file or the shard the index
    names for it); None when there is none of width `dim`. (explorer.core.io.model_folder picks
    the embedding table; this layer sits below io, so it reads the index itself.)"""
    import json

    if not dim:
        return None
    files: dict[str, Path] = {}
    index = folder / "model.safetensors.index.json"
    try:
        if index.is_file():
            weight_map = json.loads(index.read_text(encoding="utf-8")).get("weight_map", {})
            files = {name: folder / Path(shard).name for name, shard in weight_map.items() if isinstance(shard, str)}
        elif (folder / "model.safetensors").is_file():
            from safetensors import safe_open

            with safe_open(str(folder / "model.safetensors"), framework="numpy") as f:
                files = {name: folder / "model.safetensors" for name in f.keys()}
    except Exception:  # a damaged index or header: no positional table, the table itself says why
        return None
    for suffix in ("position_embeddings.weight", "wpe.weight", "embed_positions.weight"):
        for name, file in files.items():
            if name == suffix or name.endswith("." + suffix):
                try:
                    table = load_positional_table(file, name)
                except ExplorerError:
                    continue
                if table.ndim == 2 and table.shape[1] == dim:
                    return table
    return None
