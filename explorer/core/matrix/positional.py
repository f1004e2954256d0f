"""Positional encodings added to token rows before a transformer sees them."""

from __future__ import annotations

import numpy as np


def sinusoidal(seq_len: int, dim: int, base: float = 10000.0) -> np.ndarray:
    """Vaswani et al.: PE[p, 2i] = sin(p / base^(2i/dim)), PE[p, 2i+1] = cos(same)."""
    positions = np.arange(seq_len, dtype=np.float64)[:, None]
    rates = base ** (-np.arange(0, dim, 2, dtype=np.float64) / dim)
    pe = np.zeros((seq_len, dim), dtype=np.float64)
    pe[:, 0::2] = np.sin(positions * rates)
    pe[:, 1::2] = np.cos(positions * rates[: dim // 2])
    return pe.astype(np.float32)
