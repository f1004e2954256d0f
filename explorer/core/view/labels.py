"""Qt-free label placement for the 2D scatter, in pixel coordinates."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


def place_labels(anchors: np.ndarray, sizes: np.ndarray, *, gap: float = 4.0,
                 bounds: tuple[float, float, float, float] | None = None,
                 obstacles: np.ndarray | None = None) -> list[tuple[int, tuple[float, float, float, float]]]:
    """Greedy label placement in pixel coordinates, in priority order.

    anchors: (n, 2) point positions; sizes: (n, 2) text width/height. Each label
    tries above, below, right and left of its point, and takes the first spot that
    overlaps no placed label (nor an obstacle box, nor leaves `bounds`); labels
    with no free spot are suppressed. Returns [(index, (x0, y0, x1, y1))].
    """
    anchors = np.asarray(anchors, dtype=np.float64).reshape(-1, 2)
    sizes = np.asarray(sizes, dtype=np.float64).reshape(-1, 2)
    placed: list[tuple[int, tuple[float, float, float, float]]] = []
    boxes = np.zeros((len(anchors) + (0 if obstacles is None else len(obstacles)), 4))
    count = 0
    if obstacles is not None and len(obstacles):
        boxes[:len(obstacles)] = obstacles
        count = len(obstacles)
    for i, ((x, y), (w, h)) in enumerate(zip(anchors, sizes)):
        if not (math.isfinite(x) and math.isfinite(y)):
            continue
        spots = ((x - w / 2, y - gap - h), (x - w / 2, y + gap), (x + gap + 2, y - h / 2),
                 (x - gap - 2 - w, y - h / 2))
        for left, top in spots:
            box = (left, top, left + w, top + h)
            if bounds is not None and (box[0] < bounds[0] or box[1] < bounds[1]
                                       or box[2] > bounds[2] or box[3] > bounds[3]):
                continue
            b = boxes[:count]
            if count and np.any((b[:, 0] < box[2]) & (b[:, 2] > box[0]) & (b[:, 1] < box[3]) & (b[:, 3] > box[1])):
                continue
            boxes[count] = box
            count += 1
            placed.append((i, box))
            break
    return placed


def boxes_overlap(a: Sequence[float], b: Sequence[float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


LABELLED_TOKENS = 60  # label at most this many of the most frequent tokens
CANDIDATES_PER_LABEL = 12  # whole words considered, per label, when spreading them over the plot
GRID = 8  # the plot is cut into GRID x GRID cells; each gets a label before any gets a second


@dataclass(frozen=True)
class LabelChoice:
    """The tokens labelled without being asked, and what they are, in words for the screen."""

    ids: list[int]
    note: str  # e.g. "Labels: the 60 most frequent tokens"


_WORD = re.compile(r"[^\W\d_]{3,}")  # three or more letters, of any script
# How the order of IDs relates to frequency, by the vocabulary's kind (no counts to go by).
_ORDER = {
    "gpt2": "whole words, earliest BPE merges first (≈ most frequent)",
    "tokenizer-json": "whole words, lowest IDs first (≈ most frequent)",
    "wordpiece": "whole words, lowest IDs first (≈ most frequent)",
    "vectors": "whole words from the top of the table (≈ most frequent)",
}


def whole_word(token: str, kind: str = "words") -> bool:
    """A token that reads as a word: letters only (3+), no special, no word piece (##ing), and
    for byte-level BPE the space-prefixed form (Ġthe), which starts a word."""
    if kind == "gpt2":
        if not token.startswith("Ġ"):
            return False
        token = token[1:]
    elif token[:1] in ("▁", "Ġ"):  # SentencePiece or BPE word start
        token = token[1:]
    return bool(_WORD.fullmatch(token))


def spread(ids: Sequence[int], xy: np.ndarray | None, limit: int, grid: int = GRID) -> list[int]:
    """Up to `limit` of `ids` (best first), spread over the plot: the plot is cut into grid x grid
    cells, and each cell's best token comes before any cell's second. Without positions, the first."""
    ids = list(ids)
    if xy is None or not len(ids):
        return ids[:limit]
    pts = np.asarray(xy, dtype=np.float64)[np.asarray(ids, np.int64), :2]
    ok = np.isfinite(pts).all(axis=1)
    if not ok.any():
        return ids[:limit]
    lo = np.percentile(pts[ok], 2, axis=0)
    hi = np.percentile(pts[ok], 98, axis=0)
    cells = np.clip(((pts - lo) / np.maximum(hi - lo, 1e-12) * grid).astype(np.int64, copy=False), 0, grid - 1)
    cell = np.where(ok, cells[:, 0] * grid + cells[:, 1], -1)
    rounds: list[list[int]] = []
    seen: dict[int, int] = {}
    for token_id, c in zip(ids, cell.tolist()):
        if c < 0:
            continue  # not in this (sampled) projection
        k = seen.get(c, 0)
        seen[c] = k + 1
        while len(rounds) <= k:
            rounds.append([])
        rounds[k].append(token_id)
    chosen: list[int] = []
    for r in rounds:
        need = limit - len(chosen)
        if need <= 0:
            break
        if len(r) > need:  # more cells than labels left: cells all over, not the best-ranked corner
            r = [r[int(k)] for k in np.linspace(0, len(r) - 1, need).round()]
        chosen += r
    return chosen


def choose_labels(tokens: Sequence[str] | None, counts: np.ndarray | None, n_tokens: int, *,
                  kind: str = "words", xy: np.ndarray | None = None, specials: Sequence[int] = (),
                  limit: int = LABELLED_TOKENS) -> LabelChoice:
    """The tokens worth labelling before anything is asked, and a note saying what they are.

    With counts: the most frequent. Without (GPT-2, BERT, a pretrained table): the first
    IDs are bytes, [unused0]s and punctuation, so whole words are taken in ID order (a
    frequency proxy: BPE merge rank, WordPiece order, a table's frequency order), spread over
    the plot when positions are given."""
    if counts is not None:
        top = np.argsort(-np.asarray(counts), kind="stable")[:limit].tolist()
        return LabelChoice(top, f"Labels: the {len(top):,} most frequent tokens")
    if tokens is None:
        return LabelChoice(list(range(min(limit, n_tokens))), f"Labels: the first {min(limit, n_tokens)} IDs")
    skip = set(int(i) for i in specials)
    wanted = limit * CANDIDATES_PER_LABEL
    words = []
    for i, token in enumerate(tokens):
        if i not in skip and whole_word(token, kind):
            words.append(i)
            if len(words) >= wanted:
                break
    if not words:  # no word-like token at all (byte or ID vocabularies): the first IDs, as before
        return LabelChoice(list(range(min(limit, n_tokens))), f"Labels: the first {min(limit, n_tokens)} IDs")
    chosen = spread(words, xy, limit)
    how = _ORDER.get(kind, "whole words in ID order")
    return LabelChoice(chosen, f"Labels: {len(chosen):,} {how}" + (", spread out" if xy is not None else ""))


def default_labels(counts: np.ndarray | None, n_tokens: int, selection: Sequence[int] = (),
                   mode: str = "auto", limit: int = LABELLED_TOKENS, *, tokens: Sequence[str] | None = None,
                   kind: str = "words", xy: np.ndarray | None = None, specials: Sequence[int] = ()) -> list[int]:
    """Token IDs labelled without being asked, in priority order.

    "auto": `choose_labels` (the `limit` most frequent tokens by count; without counts,
    whole words in ID order when `tokens` are given, else the first IDs), then the
    selection; "none": the selection only."""
    top = [] if mode == "none" else choose_labels(tokens, counts, n_tokens, kind=kind, xy=xy,
                                                   specials=specials, limit=limit).ids
    return list(dict.fromkeys(top + [int(i) for i in selection]))
