"""Embedding Explorer: see token embeddings initialized, trained and projected."""

__version__ = "0.1.0"
