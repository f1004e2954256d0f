"""t-SNE to 2D, PCA-initialised, perplexity 30: us (explorer.core.projection.project.run_tsne, the
openTSNE backend: FFT-accelerated gradients for large inputs, Barnes-Hut for small,
with progress and cancel) against scikit-learn's TSNE (Barnes-Hut) on the same data.
Full: 10,000 x 100; --quick: 500 x 30. Both layouts are scored by how many of each
point's 10 nearest neighbours in the input stay among its 10 nearest in the layout.
"""

from __future__ import annotations

import numpy as np

from _common import median_seconds, options, report


def make_data(n: int, d: int, seed: int = 0) -> np.ndarray:
    """Clusters of different sizes and spreads, like topical groups of tokens."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((20, d)) * 3
    labels = rng.integers(0, 20, n)
    return (centres[labels] + rng.standard_normal((n, d)) * rng.uniform(0.5, 1.5, 20)[labels, None]).astype(np.float32)


def knn_preserved(x: np.ndarray, y: np.ndarray, k: int = 10) -> float:
    from sklearn.neighbors import NearestNeighbors

    a = NearestNeighbors(n_neighbors=k + 1).fit(x).kneighbors(x, return_distance=False)[:, 1:]
    b = NearestNeighbors(n_neighbors=k + 1).fit(y).kneighbors(y, return_distance=False)[:, 1:]
    return float(np.mean([len(set(p) & set(q)) / k for p, q in zip(a, b)]))


def main() -> None:
    args = options(__doc__)
    from sklearn.manifold import TSNE

    from explorer.core.projection.project import run_tsne, tsne_backend

    n, d = (500, 30) if args.quick else (10_000, 100)
    repeats = min(args.repeats, 3)  # a full run takes about a minute per contender
    x = make_data(n, d)
    result = {}

    def ours():
        result["us"] = run_tsne(x, 2, 30.0, seed=0)[0]

    def peer():
        result["peer"] = TSNE(2, perplexity=30.0, init="pca", learning_rate="auto", random_state=0).fit_transform(x)

    us_seconds = median_seconds(ours, repeats)
    peer_seconds = median_seconds(peer, repeats)
    report("t-SNE", {
        "peer": "scikit-learn TSNE (barnes_hut, init='pca')",
        "ratio": peer_seconds / us_seconds,
        "target": "faster than scikit-learn on the same data",
        "backend": tsne_backend(),
        "rows": n, "dim": d,
        "us_seconds": us_seconds,
        "sklearn_seconds": peer_seconds,
        "us_knn10_preserved": knn_preserved(x, result["us"]),
        "sklearn_knn10_preserved": knn_preserved(x, result["peer"]),
    }, args.json)


if __name__ == "__main__":
    main()
