"""Pretrained vectors onto the current vocabulary (the Initialization panel's mode b).

Each vocabulary token takes the file's row for the same token (optionally
matching case-insensitively); rows the file lacks are filled by a strategy:
random with the pretrained rows' per-dimension mean and std (seeded), zeros,
or the mean vector. The coverage report says how many were found.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from explorer.core import ExplorerError
from explorer.core.matrix.memory import check_matrix
from explorer.core.tokens.vocab import Vocabulary

FILLS = {
    "random": "random, with the pretrained mean and std",
    "zeros": "zeros",
    "mean": "the mean pretrained vector",
    "subwords": "composed from the model's character n-grams (a fastText .bin)",
}


@dataclass
class Coverage:
    total: int
    found: int
    found_case_insensitive: int  # of `found`, matched only after lowercasing
    missing_examples: list[str] = field(default_factory=list)

    @property
    def missing(self) -> int:
        return self.total - self.found

    @property
    def fraction(self) -> float:
        return self.found / self.total if self.total else 0.0

    def as_dict(self) -> dict:
        return {"total": self.total, "found": self.found, "missing": self.missing,
                "fraction": round(self.fraction, 6), "found_case_insensitive": self.found_case_insensitive,
                "missing_examples": self.missing_examples}

    def summary(self) -> str:
        text = f"{self.found:,} of {self.total:,} tokens found ({100 * self.fraction:.1f}%), {self.missing:,} missing"
        if self.found_case_insensitive:
            text += f"; {self.found_case_insensitive:,} matched ignoring case"
        return text


@dataclass
class MappedVectors:
    weights: np.ndarray  # len(vocab) x dim, float32
    coverage: Coverage
    found: np.ndarray  # bool per vocabulary row: came from the file
    fill: str


def map_vectors(vocab: Vocabulary, file_tokens: list[str], file_weights: np.ndarray, *,
                case_insensitive: bool = False, fill: str = "random", seed: int = 0,
                expected_dim: int | None = None, adopt_dim: bool = True,
                source: str = "", subwords=None) -> MappedVectors:
    """The matrix for `vocab` built from a file's (tokens, weights).

    `expected_dim` is the current matrix's dim: when the file's differs, this is an
    error unless `adopt_dim` (then the matrix takes the file's dimension).
    `fill="subwords"` gives each missing word what fastText gives a word it never saw: the
    mean of its character n-grams' rows in `subwords` (the file's
    `explorer.core.io.fasttext.SubwordModel`); a word none of whose n-grams exists gets zeros.
    """
    if fill not in FILLS:
        raise ExplorerError(f"unknown fill strategy {fill!r}; choose one of {', '.join(FILLS)}")
    if fill == "subwords" and subwords is None:
        raise ExplorerError("only a fastText .bin model has character n-grams to compose missing words "
                            "from; choose another fill for this file", source or None)
    file_weights = np.asarray(file_weights, dtype=np.float32)
    if file_weights.ndim != 2 or len(file_weights) != len(file_tokens):
        raise ValueError("file_weights must be one row per token")
    dim = file_weights.shape[1]
    if expected_dim is not None and expected_dim != dim and not adopt_dim:
        raise ExplorerError(
            f"dimension mismatch: the vectors have {dim} dimensions but the current matrix has "
            f"{expected_dim}; adopt the file's dimension instead, or choose another file", source or None)
    index = {t: i for i, t in enumerate(file_tokens)}
    if len(index) != len(file_tokens):  # keep the first row of a repeated token
        index = {}
        for i, t in enumerate(file_tokens):
            index.setdefault(t, i)
    lower: dict[str, int] | None = None
    rows = np.full(len(vocab), -1, dtype=np.int64)
    by_case = 0
    for i, token in enumerate(vocab.tokens):
        j = index.get(token)
        if j is None and case_insensitive:
            if lower is None:
                lower = {}
                for k, t in enumerate(file_tokens):
                    lower.setdefault(t.lower(), k)
            j = lower.get(token.lower())
            by_case += j is not None
        if j is not None:
            rows[i] = j
    found = rows >= 0
    check_matrix(len(vocab), dim, what="the mapped matrix", path=source or None)
    out = np.empty((len(vocab), dim), dtype=np.float32)
    out[found] = file_weights[rows[found]]
    missing = np.flatnonzero(~found)
    if len(missing):
        if len(file_weights) == 0:
            out[missing] = 0.0
        elif fill == "zeros":
            out[missing] = 0.0
        elif fill == "mean":
            out[missing] = file_weights.mean(axis=0, dtype=np.float64)
        elif fill == "subwords":
            if subwords.dim != dim:
                raise ExplorerError(f"the n-gram table has {subwords.dim} dimensions, the vectors {dim}",
                                    source or None)
            for i in missing.tolist():
                out[i] = subwords.compose(vocab.tokens[i])[0]
        else:
            mean = file_weights.mean(axis=0, dtype=np.float64)
            std = file_weights.std(axis=0, dtype=np.float64)
            rng = np.random.default_rng(seed)
            out[missing] = rng.normal(mean, std, size=(len(missing), dim))
    pad = vocab.pad_id
    if pad is not None and not found[pad]:
        out[pad] = 0.0
    examples = [vocab.tokens[i] for i in missing[:20]]
    coverage = Coverage(len(vocab), int(found.sum()), int(by_case), examples)
    return MappedVectors(out, coverage, found, fill)
