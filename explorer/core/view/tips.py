"""A point's tooltip text, the same in the 2D and the 3D view."""

from __future__ import annotations

import numpy as np

TIP_COLUMNS = 6  # metadata columns a tooltip lists


def point_tip(tokens, i: int, counts=None, metadata=None, fidelity=None) -> str:
    """The token, its ID and count, its first metadata columns, and its share of neighbours kept."""
    text = f"{tokens[i]}\nID {i}"
    if counts is not None:
        text += f"\ncount {int(counts[i]):,}"
    if metadata is not None:
        for name in metadata.names[:TIP_COLUMNS]:
            values = metadata.values(name)
            value = values[i] if i < len(values) else ""
            if metadata.is_numeric(name):
                value = f"{value:.4g}" if np.isfinite(value) else ""
            text += f"\n{name}: {value or '—'}"
    if fidelity is not None and i < len(fidelity) and np.isfinite(fidelity[i]):
        text += f"\nneighbours kept {fidelity[i]:.0%}"
    return text
