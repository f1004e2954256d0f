"""Qt-free label placement for the 2D scatter, in pixel coordinates."""

from __future__ import annotations

import math
from collections.abc import Sequence

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


def default_labels(counts: np.ndarray | None, n_tokens: int, selection: Sequence[int] = (),
                   mode: str = "auto", limit: int = LABELLED_TOKENS) -> list[int]:
    """Token IDs labelled without being asked, in priority order.

    "auto": the `limit` most frequent tokens (by count, else the first IDs), then the
    selection; "none": the selection only."""
    if mode == "none":
        top: list[int] = []
    elif counts is not None:
        top = np.argsort(-np.asarray(counts), kind="stable")[:limit].tolist()
    else:
        top = list(range(min(limit, n_tokens)))
    return list(dict.fromkeys(top + [int(i) for i in selection]))
