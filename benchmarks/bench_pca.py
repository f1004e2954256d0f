"""PCA of a 50,257 x 768 matrix (GPT-2's vocabulary at GPT-2 small's width) to 2 and 3
components, fit + transform: us (explorer.core.projection.project.fit_pca) against scikit-learn's
PCA on the same float32 input. Target: <= 1 s, and faster than sklearn.

The data is embedding-like: a few strong directions plus noise, off-centre.
"""

from __future__ import annotations

import numpy as np

from _common import median_seconds, options, report

TARGET_SECONDS = 1.0


def make_data(n: int, d: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    k = 20
    low = rng.standard_normal((n, k), dtype=np.float32) @ (
        rng.standard_normal((k, d), dtype=np.float32) * np.linspace(1.0, 0.1, k, dtype=np.float32)[:, None])
    return (low + 0.5 * rng.standard_normal((n, d), dtype=np.float32) + 0.3).astype(np.float32)


def main() -> None:
    args = options(__doc__)
    from sklearn.decomposition import PCA

    from explorer.core.projection.project import fit_pca

    n, d = (10_000, 256) if args.quick else (50_257, 768)
    x = make_data(n, d)
    figures = {"peer": "scikit-learn PCA (svd_solver='auto')", "target": "PCA of 50,257 x 768 <= 1 s",
               "rows": n, "dim": d}
    for k in (2, 3):
        ours = median_seconds(lambda: fit_pca(x, k).transform(x), args.repeats, warmup=1)
        peer = median_seconds(lambda: PCA(k).fit_transform(x), args.repeats, warmup=1)
        a, b = fit_pca(x, k), PCA(k).fit(x)
        figures[f"us_seconds_{k}d"] = ours
        figures[f"sklearn_seconds_{k}d"] = peer
        figures[f"ratio_{k}d"] = peer / ours
        figures[f"max_rel_diff_explained_{k}d"] = float(np.max(np.abs(a.explained_variance_ratio - b.explained_variance_ratio_)
                                                             / b.explained_variance_ratio_))
        figures[f"min_abs_cosine_axes_{k}d"] = float(np.abs((a.components * b.components_).sum(axis=1)).min())
    figures["ratio"] = figures["ratio_2d"]
    figures["within_target"] = figures["us_seconds_2d"] <= TARGET_SECONDS and figures["us_seconds_3d"] <= TARGET_SECONDS
    report("PCA", figures, args.json)


if __name__ == "__main__":
    main()
