"""Nearest neighbours in the full embedding space (never in the projection)."""

from __future__ import annotations

import numpy as np

METRICS = ("cosine", "euclidean", "dot")


def nearest(weights: np.ndarray, query: np.ndarray, k: int = 10, metric: str = "cosine",
            exclude: tuple[int, ...] = ()) -> list[tuple[int, float]]:
    """Top-k (id, score) for a query vector; higher score = nearer (euclidean is negated distance)."""
    if metric == "cosine":
        norms = np.linalg.norm(weights, axis=1)
        qn = float(np.linalg.norm(query))
        scores = (weights @ query) / np.maximum(norms * qn, 1e-12)
    elif metric == "dot":
        scores = weights @ query
    elif metric == "euclidean":
        scores = -np.linalg.norm(weights - query, axis=1)
    else:
        raise ValueError(f"unknown metric {metric!r}; choose one of {', '.join(METRICS)}")
    scores = np.asarray(scores, dtype=np.float64)
    if exclude:
        scores[list(exclude)] = -np.inf
    k = min(k, int(np.isfinite(scores).sum()))
    if k <= 0:
        return []
    top = np.argpartition(-scores, k - 1)[:k]
    top = top[np.argsort(-scores[top], kind="stable")]
    return [(int(i), float(scores[i])) for i in top]


def neighbors_of(weights: np.ndarray, token_id: int, k: int = 10, metric: str = "cosine"):
    return nearest(weights, weights[token_id], k, metric, exclude=(token_id,))
