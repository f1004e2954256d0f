"""Analysis of embeddings: nearest neighbours, lookup, evaluation, clustering."""
