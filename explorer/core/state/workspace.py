"""The state of one exploration: vocabulary, matrix, init config, labels, selection.

Panels and views read and write this object and subscribe to its events; they
keep no copies of their own (glue's state-object pattern).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from explorer.core.matrix.schemes import InitConfig
from explorer.core.state.events import Event
from explorer.core.tokens.vocab import Vocabulary


@dataclass
class WorkspaceEvents:
    vocab_changed: Event = field(default_factory=Event)  # (vocab)
    weights_changed: Event = field(default_factory=Event)  # (weights, reason)
    selection_changed: Event = field(default_factory=Event)  # (ids)
    current_changed: Event = field(default_factory=Event)  # (id or None)


class Workspace:
    def __init__(self, vocab: Vocabulary, categories: list[str] | None = None) -> None:
        self.events = WorkspaceEvents()
        self.vocab = vocab
        self.categories = categories  # one label per token, for colouring; None if unknown
        self.weights: np.ndarray | None = None  # (len(vocab), dim) float32
        self.initial_weights: np.ndarray | None = None  # as initialized, for drift
        self.init_config = InitConfig()
        self.selection: list[int] = []
        self.current: int | None = None

    @property
    def dim(self) -> int | None:
        return None if self.weights is None else int(self.weights.shape[1])

    def set_vocab(self, vocab: Vocabulary, categories: list[str] | None = None,
                  weights: np.ndarray | None = None) -> None:
        """Replace the vocabulary; the matrix goes with it (or is replaced by `weights`).

        Listeners of vocab_changed see weights None when no matrix came with it.
        """
        if weights is not None and weights.shape[0] != len(vocab):
            raise ValueError(f"matrix has {weights.shape[0]} rows for {len(vocab)} tokens")
        self.vocab = vocab
        self.categories = categories
        self.selection = []
        self.current = None
        self.weights = None if weights is None else np.ascontiguousarray(weights, dtype=np.float32)
        self.initial_weights = self.weights
        self.events.vocab_changed.emit(vocab)
        if self.weights is not None:
            self.events.weights_changed.emit(self.weights, "loaded")

    def set_weights(self, weights: np.ndarray, reason: str = "", initial: bool = False) -> None:
        if weights.shape[0] != len(self.vocab):
            raise ValueError(f"matrix has {weights.shape[0]} rows for {len(self.vocab)} tokens")
        self.weights = np.ascontiguousarray(weights, dtype=np.float32)
        if initial or self.initial_weights is None:
            self.initial_weights = self.weights
        self.events.weights_changed.emit(self.weights, reason)

    def select(self, ids: list[int]) -> None:
        self.selection = [int(i) for i in ids]
        self.events.selection_changed.emit(self.selection)

    def set_current(self, token_id: int | None) -> None:
        self.current = token_id
        self.events.current_changed.emit(token_id)
