"""Intrinsic evaluation of an embedding matrix: word similarity and analogies.

- Similarity: Spearman rank correlation between human scores and cosine similarity
  on pairs files such as wordsim353.tsv or simlex999.txt (`#` comment lines,
  tab-separated `word1 word2 score`).
- Analogies: accuracy of 3CosAdd (b - a + c, excluding the three inputs) on the
  Google `questions-words.txt` format (`: section` lines, then `a b c d`).

Words are looked up as written, then lowercased, as gensim does.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from explorer.core import ExplorerError
from explorer.core.tokens.vocab import Vocabulary


@dataclass
class Evaluation:
    spearman: float | None = None
    pairs_used: int = 0
    pairs_oov: int = 0
    analogy_accuracy: float | None = None
    analogies_used: int = 0
    analogies_oov: int = 0

    def to_dict(self) -> dict:
        return asdict(self)


def _lookup(vocab: Vocabulary, word: str) -> int | None:
    i = vocab.index.get(word)
    return vocab.index.get(word.lower()) if i is None else i


def _read_text(path: Path) -> list[str]:
    if not path.exists():
        raise ExplorerError("no such evaluation file", path)
    try:
        return path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError as exc:
        raise ExplorerError(f"cannot read ({exc.strerror or exc})", path) from None


def read_pairs(path: str | Path) -> list[tuple[str, str, float]]:
    """(word1, word2, score) of a similarity file; a malformed line names its number."""
    path = Path(path)
    pairs = []
    for n, line in enumerate(_read_text(path), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        parts = line.split("\t") if "\t" in line else line.split()
        if len(parts) < 3:
            raise ExplorerError("expected `word1<TAB>word2<TAB>score`", path, line=n)
        try:
            score = float(parts[2])
        except ValueError:
            raise ExplorerError(f"score {parts[2]!r} is not a number", path, line=n) from None
        pairs.append((parts[0].strip(), parts[1].strip(), score))
    return pairs


def read_analogies(path: str | Path) -> list[tuple[str, str, str, str]]:
    path = Path(path)
    questions = []
    for n, line in enumerate(_read_text(path), 1):
        if not line.strip() or line.startswith(":") or line.lstrip().startswith("#"):
            continue
        parts = line.split()
        if len(parts) != 4:
            raise ExplorerError("expected four words `a b c d` (a is to b as c is to d)", path, line=n)
        questions.append(tuple(parts))
    return questions


def _spearman(a: np.ndarray, b: np.ndarray) -> float:
    from scipy.stats import spearmanr  # scipy comes with scikit-learn

    return float(spearmanr(a, b).correlation)


def similarity(vocab: Vocabulary, weights: np.ndarray, path: str | Path) -> tuple[float | None, int, int]:
    """(Spearman, pairs used, pairs with an out-of-vocabulary word)."""
    human, model, oov = [], [], 0
    norms = np.linalg.norm(weights, axis=1)
    for w1, w2, score in read_pairs(path):
        i, j = _lookup(vocab, w1), _lookup(vocab, w2)
        if i is None or j is None:
            oov += 1
            continue
        human.append(score)
        model.append(float(weights[i] @ weights[j]) / max(float(norms[i] * norms[j]), 1e-12))
    rho = _spearman(np.array(human), np.array(model)) if len(human) >= 2 else None
    if rho is not None and not np.isfinite(rho):
        rho = None
    return rho, len(human), oov


def analogies(vocab: Vocabulary, weights: np.ndarray, path: str | Path,
              restrict: int | None = 300000, batch: int = 512) -> tuple[float | None, int, int]:
    """3CosAdd accuracy over questions whose four words are in the (first `restrict`) vocabulary."""
    n = len(vocab) if restrict is None else min(restrict, len(vocab))
    unit = weights[:n].astype(np.float32)
    unit = unit / np.maximum(np.linalg.norm(unit, axis=1, keepdims=True), 1e-12)
    rows, oov = [], 0
    for q in read_analogies(path):
        ids = [_lookup(vocab, w) for w in q]
        if any(i is None or i >= n for i in ids):
            oov += 1
            continue
        rows.append(ids)
    if not rows:
        return None, 0, oov
    q = np.array(rows, dtype=np.int64)
    correct = 0
    for lo in range(0, len(q), batch):
        chunk = q[lo:lo + batch]
        target = unit[chunk[:, 1]] - unit[chunk[:, 0]] + unit[chunk[:, 2]]
        scores = target @ unit.T
        r = np.arange(len(chunk))
        for col in range(3):
            scores[r, chunk[:, col]] = -np.inf
        correct += int((scores.argmax(1) == chunk[:, 3]).sum())
    return correct / len(q), len(q), oov


def evaluate(vocab: Vocabulary, weights: np.ndarray, similarity_path=None,
             analogies_path=None) -> Evaluation:
    result = Evaluation()
    if similarity_path is not None:
        result.spearman, result.pairs_used, result.pairs_oov = similarity(vocab, weights, similarity_path)
    if analogies_path is not None:
        result.analogy_accuracy, result.analogies_used, result.analogies_oov = analogies(
            vocab, weights, analogies_path)
    return result


def isotropy(weights: np.ndarray) -> float:
    """Partition-function isotropy (Mu & Viswanath 2018): min_c Z(c) / max_c Z(c) over the
    principal directions c, Z(c) = sum_w exp(w . c). 1 = perfectly isotropic."""
    x = np.asarray(weights, dtype=np.float64)
    if x.size == 0 or not np.isfinite(x).all():
        return float("nan")
    _, _, vt = np.linalg.svd(x - x.mean(0), full_matrices=False)
    dirs = np.vstack([vt, -vt])
    logits = x @ dirs.T
    top = logits.max(0)
    log_z = top + np.log(np.exp(logits - top).sum(0))
    return float(np.exp(log_z.min() - log_z.max()))
