"""One frame of a training run: what the training generators yield (no torch here, so
the window can rebuild a saved run's timeline without importing torch)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class Snapshot:
    step: int
    epoch: int
    loss: float  # mean loss over the steps since the previous snapshot (nan at step 0)
    tokens_seen: int  # corpus tokens processed so far (all epochs)
    weights: np.ndarray  # a copy of the embedding matrix, float32
    progress: float = 0.0  # 0..1 over the whole run
    lr: float = 0.0
    elapsed: float = 0.0  # seconds since the run started
    note: str = ""  # e.g. "CUDA is not available: training on the CPU"
    extra: dict = field(default_factory=dict)  # e.g. {"accuracy": 0.9} for classify

    @property
    def words_per_second(self) -> float:
        return self.tokens_seen / self.elapsed if self.elapsed > 0 else 0.0
