"""Metadata columns: per-token values (part of speech, frequency band, a score) from a
TSV/CSV such as the TensorBoard Projector's `metadata.tsv`, aligned to the vocabulary.

`Metadata.columns` maps a column name to one value per token (in ID order); a token the
file did not name gets "" (text) or NaN (numeric).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class Metadata:
    columns: dict[str, np.ndarray] = field(default_factory=dict)  # name -> (n_tokens,) array
    source: str = ""  # the file it was read from

    @property
    def names(self) -> list[str]:
        return list(self.columns)

    def is_numeric(self, name: str) -> bool:
        """A column whose values are all numbers (or missing) is coloured by a gradient."""
        return self.columns[name].dtype.kind == "f"

    def values(self, name: str) -> np.ndarray:
        """The column as shown: text (object array, "" for missing) or float (NaN for missing)."""
        return self.columns[name]
