"""Projections of the embedding matrix to 2D/3D, and alignment between frames."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class PCABasis:
    """A fitted PCA: reuse it on later snapshots so points do not jump."""

    mean: np.ndarray  # (dim,)
    components: np.ndarray  # (k, dim), rows are unit principal axes
    explained_variance_ratio: np.ndarray  # (k,)

    def transform(self, weights: np.ndarray) -> np.ndarray:
        return ((weights - self.mean) @ self.components.T).astype(np.float32)


def fit_pca(weights: np.ndarray, n_components: int = 2) -> PCABasis:
    """PCA via the (dim x dim) covariance's eigenvectors: fast when rows >> dim.

    Signs are fixed (largest loading positive) so that refits are comparable.
    """
    x = np.asarray(weights, dtype=np.float64)
    mean = x.mean(axis=0)
    centred = x - mean
    cov = centred.T @ centred / max(len(x) - 1, 1)
    eigvals, eigvecs = np.linalg.eigh(cov)
    order = np.argsort(eigvals)[::-1][:n_components]
    components = eigvecs[:, order].T
    signs = np.sign(components[np.arange(len(components)), np.abs(components).argmax(axis=1)])
    components *= np.where(signs == 0, 1, signs)[:, None]
    total = eigvals.sum()
    ratio = eigvals[order] / total if total > 0 else np.zeros(len(order))
    if components.shape[0] < n_components:  # dim < n_components: pad with zero axes
        pad = n_components - components.shape[0]
        components = np.vstack([components, np.zeros((pad, x.shape[1]))])
        ratio = np.concatenate([ratio, np.zeros(pad)])
    return PCABasis(mean.astype(np.float32), components.astype(np.float32), ratio)
