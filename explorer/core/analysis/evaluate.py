"""Intrinsic evaluation of an embedding matrix: word similarity and analogies.

- Similarity: Spearman rank correlation between human scores and cosine similarity
  on pairs files such as wordsim353.tsv or simlex999.txt (`#` comment lines,
  tab-separated `word1 word2 score`).
- Analogies: accuracy of 3CosAdd (b - a + c) on the Google `questions-words.txt`
  format (`: section` lines, then `a b c d`).

Both follow gensim's conventions (`KeyedVectors.evaluate_word_pairs` and
`evaluate_word_analogies` with their defaults), so the numbers compare with papers:
- only the first `restrict_vocab` tokens (300,000) are looked up, for pairs and
  analogies alike, and only they are candidate answers;
- case-insensitive by default: the file's words and the tokens are both upper-cased,
  and of a token's case variants the most frequent one stands for them (by the
  vocabulary's counts; without counts the first, which is the most frequent in a file
  sorted by frequency, as gensim assumes);
- an analogy's answer is the best of the top 5 candidates (inputs excluded) that is not a
  case variant of an input; a question or pair with an unknown word is skipped and
  counted as out of vocabulary.
`case_sensitive=True` looks words up exactly as written.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from explorer.core import ExplorerError
from explorer.core.tokens.vocab import Vocabulary

RESTRICT_VOCAB = 300_000  # gensim's default
TOP_CANDIDATES = 5  # gensim's most_similar(topn=5) in evaluate_word_analogies


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


def _key(case_sensitive: bool):
    return str if case_sensitive else str.upper


def lookup_table(vocab: Vocabulary, restrict: int | None = RESTRICT_VOCAB,
                 case_sensitive: bool = False) -> dict[str, int]:
    """Word (upper-cased unless case-sensitive) -> token ID, over the first `restrict` tokens;
    of several case variants, the most frequent (the first when the counts tie or are unknown)."""
    key = _key(case_sensitive)
    counts = vocab.counts
    table: dict[str, int] = {}
    for i, token in enumerate(vocab.tokens[:restrict]):
        k = key(token)
        j = table.get(k)
        if j is None or (counts is not None and counts[i] > counts[j]):
            table[k] = i
    return table


def _unit(rows: np.ndarray) -> np.ndarray:
    rows = np.asarray(rows, dtype=np.float32)
    return rows / np.maximum(np.linalg.norm(rows, axis=-1, keepdims=True), np.float32(1e-12))


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


def similarity(vocab: Vocabulary, weights: np.ndarray, path: str | Path, *,
               restrict: int | None = RESTRICT_VOCAB, case_sensitive: bool = False) -> tuple[float | None, int, int]:
    """(Spearman, pairs used, pairs with an out-of-vocabulary word)."""
    table, key = lookup_table(vocab, restrict, case_sensitive), _key(case_sensitive)
    human, model, oov = [], [], 0
    for w1, w2, score in read_pairs(path):
        i, j = table.get(key(w1)), table.get(key(w2))
        if i is None or j is None:
            oov += 1
            continue
        human.append(score)
        model.append(float(_unit(weights[i]) @ _unit(weights[j])))
    rho = _spearman(np.array(human), np.array(model)) if len(human) >= 2 else None
    if rho is not None and not np.isfinite(rho):
        rho = None
    return rho, len(human), oov


def analogies(vocab: Vocabulary, weights: np.ndarray, path: str | Path, restrict: int | None = RESTRICT_VOCAB,
              batch: int = 512, *, case_sensitive: bool = False) -> tuple[float | None, int, int]:
    """3CosAdd accuracy over the questions whose four words are among the first `restrict` tokens."""
    table, key = lookup_table(vocab, restrict, case_sensitive), _key(case_sensitive)
    keys = [key(t) for t in vocab.tokens[:restrict]]  # a candidate's word, to compare with the inputs
    unit = _unit(weights[:len(keys)])
    rows, oov = [], 0
    for question in read_analogies(path):
        ids = [table.get(key(w)) for w in question]
        if None in ids:
            oov += 1
            continue
        rows.append(ids)
    if not rows:
        return None, 0, oov
    q = np.array(rows, dtype=np.int64)
    k = min(TOP_CANDIDATES, len(keys))
    correct = 0
    for lo in range(0, len(q), batch):
        chunk = q[lo:lo + batch]
        scores = (unit[chunk[:, 1]] - unit[chunk[:, 0]] + unit[chunk[:, 2]]) @ unit.T
        r = np.arange(len(chunk))
        for col in range(3):
            scores[r, chunk[:, col]] = -np.inf
        top = np.argpartition(-scores, k - 1, axis=1)[:, :k]
        top = np.take_along_axis(top, np.argsort(-np.take_along_axis(scores, top, 1), axis=1, kind="stable"), 1)
        for ids, candidates, best in zip(chunk, top, np.take_along_axis(scores, top, 1)):
            inputs = {keys[i] for i in ids[:3]}
            predicted = None
            for c in candidates[np.isfinite(best)]:
                predicted = keys[c]
                if predicted not in inputs:  # a case variant of an input is no answer
                    break
            correct += predicted == keys[ids[3]]
    return correct / len(q), len(q), oov


def evaluate(vocab: Vocabulary, weights: np.ndarray, similarity_path=None, analogies_path=None, *,
             restrict_vocab: int | None = RESTRICT_VOCAB, case_sensitive: bool = False) -> Evaluation:
    result = Evaluation()
    options = {"restrict": restrict_vocab, "case_sensitive": case_sensitive}
    if similarity_path is not None:
        result.spearman, result.pairs_used, result.pairs_oov = similarity(vocab, weights, similarity_path, **options)
    if analogies_path is not None:
        result.analogy_accuracy, result.analogies_used, result.analogies_oov = analogies(
            vocab, weights, analogies_path, **options)
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
