"""Tokens: vocabularies, subword tokenizers, corpora and the demo data."""
