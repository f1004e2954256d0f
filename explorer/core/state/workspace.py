"""The data of one exploration (vocabulary, matrix, categories) and its settings (`state`).

Every setting a user can change lives in `workspace.state` (an AppState of evented parts);
the workspace holds the arrays those settings act on, and says when they change.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from explorer.core.events import Event
from explorer.core.state.app import AppState
from explorer.core.tokens.vocab import Vocabulary


@dataclass
class WorkspaceEvents:
    vocab_changed: Event = field(default_factory=Event)  # (vocab)
    weights_changed: Event = field(default_factory=Event)  # (weights, reason)


class Workspace:
    def __init__(self, vocab: Vocabulary, categories: list[str] | None = None,
                 state: AppState | None = None) -> None:
        self.events = WorkspaceEvents()
        self.state = state or AppState()
        self.vocab = vocab
        self.categories = categories  # one label per token, for colouring; None if unknown
        self.weights: np.ndarray | None = None  # (len(vocab), dim) float32
        self.initial_weights: np.ndarray | None = None  # as initialized, for drift
        # The character n-gram table of a fastText .bin (explorer.core.io.fasttext.SubwordModel,
        # `compose(word) -> (vector, ngrams)`), which gives words outside the vocabulary a vector
        # (explorer.core.analysis.report.oov_report). None for every other matrix.
        self.subwords = None

    @property
    def dim(self) -> int | None:
        return None if self.weights is None else int(self.weights.shape[1])

    def set_vocab(self, vocab: Vocabulary, categories: list[str] | None = None,
                  weights: np.ndarray | None = None, made_by: str | None = None,
                  kind: str = "pretrained", subwords=None) -> None:
        """Replace the vocabulary; the matrix goes with it (or is replaced by `weights`).

        Listeners of vocab_changed see weights None when no matrix came with it.
        `made_by` says what made `weights` (the Initialization dock shows it).
        `subwords`: the subword model that came with `weights` (`LoadedVectors.subwords` of a
        fastText .bin); when not given, the one a fastText load attached to `vocab` is used, so
        that `workspace.subwords` follows the vocabulary. Any other vocabulary clears it.
        """
        if weights is not None and weights.shape[0] != len(vocab):
            raise ValueError(f"matrix has {weights.shape[0]} rows for {len(vocab)} tokens")
        self.state.explore.update(selection=(), current=None)  # IDs of the old vocabulary
        if subwords is None and weights is not None:
            subwords = getattr(vocab, "subwords", None)  # set by the fastText reader
        self.subwords = subwords
        self.vocab = vocab
        self.categories = categories
        self.weights = None if weights is None else np.ascontiguousarray(weights, dtype=np.float32)
        self.initial_weights = self.weights
        if weights is not None and made_by is not None:
            self.state.matrix.update(made_by=made_by, kind=kind)
        self.events.vocab_changed.emit(vocab)
        if self.weights is not None:
            self.events.weights_changed.emit(self.weights, "loaded")

    def set_weights(self, weights: np.ndarray, reason: str = "", initial: bool = False,
                    made_by: str | None = None, kind: str = "init") -> None:
        if weights.shape[0] != len(self.vocab):
            raise ValueError(f"matrix has {weights.shape[0]} rows for {len(self.vocab)} tokens")
        self.weights = np.ascontiguousarray(weights, dtype=np.float32)
        if initial or self.initial_weights is None:
            self.initial_weights = self.weights
        if made_by is not None:
            self.state.matrix.update(made_by=made_by, kind=kind)
        self.events.weights_changed.emit(self.weights, reason)
