"""Projection of embeddings to 2D/3D (PCA, SVD, t-SNE, UMAP)."""
