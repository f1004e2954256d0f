"""Embedding matrices: schemes, initialization and its statistics, pretrained and positional tables, memory estimates, code generation."""
