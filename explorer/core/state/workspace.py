"""The data of one exploration (vocabulary, matrix, categories, metadata) and its settings (`state`).

Every setting a user can change lives in `workspace.state` (an AppState of evented parts);
the workspace holds the arrays those settings act on, and says when they change.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from explorer.core.events import Event
from explorer.core.state.app import AppState
from explorer.core.tokens.vocab import Vocabulary


# The attribute through which explorer.core.io.session.load_session hands a session's metadata
# (or None) with its vocabulary, as the fastText reader hands `subwords`: set_vocab takes it.
SESSION_METADATA = "session_metadata"
NOT_FROM_SESSION = object()


@dataclass
class WorkspaceEvents:
    vocab_changed: Event = field(default_factory=Event)  # (vocab)
    weights_changed: Event = field(default_factory=Event)  # (weights, reason)
    metadata_changed: Event = field(default_factory=Event)  # (metadata or None)


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
        # Metadata columns (explorer.core.io.metadata.Metadata, one value per token) or None.
        self.metadata = None

    @property
    def dim(self) -> int | None:
        return None if self.weights is None else int(self.weights.shape[1])

    def set_vocab(self, vocab: Vocabulary, categories: list[str] | None = None,
                  weights: np.ndarray | None = None, made_by: str | None = None,
                  kind: str = "pretrained", subwords=None, metadata=None) -> None:
        """Replace the vocabulary; the matrix goes with it (or is replaced by `weights`).

        Listeners of vocab_changed see weights None when no matrix came with it.
        `made_by` says what made `weights` (the Initialization dock shows it).
        `subwords`: the subword model that came with `weights` (`LoadedVectors.subwords` of a
        fastText .bin); when not given, the one a fastText load attached to `vocab` is used, so
        that `workspace.subwords` follows the vocabulary. Any other vocabulary clears it.
        `metadata`: the metadata of the new vocabulary; when not given, a session's vocabulary
        brings its own (`SESSION_METADATA`, set by load_session, taken once), and otherwise the
        current metadata stays only if the new vocabulary has the same tokens in the same order.
        """
        if weights is not None and weights.shape[0] != len(vocab):
            raise ValueError(f"matrix has {weights.shape[0]} rows for {len(vocab)} tokens")
        self.state.explore.update(selection=(), current=None)  # IDs of the old vocabulary
        from_session = getattr(vocab, "__dict__", {}).pop(SESSION_METADATA, NOT_FROM_SESSION)
        if metadata is None and from_session is not NOT_FROM_SESSION:
            metadata = from_session  # a session's vocabulary comes with the metadata saved with it
        if metadata is not None:
            self._check_metadata(metadata, vocab)
        elif from_session is NOT_FROM_SESSION and self.metadata is not None \
                and (vocab is self.vocab or vocab.tokens == self.vocab.tokens):
            metadata = self.metadata  # the same tokens: the same rows (a session opens as it was saved)
        metadata_changed = metadata is not self.metadata
        self.metadata = metadata  # before vocab_changed, whose listeners may read it
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
        if metadata_changed:
            self.events.metadata_changed.emit(metadata)
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

    def set_metadata(self, metadata) -> None:
        """Replace the metadata columns (None: none) and say so (`metadata_changed`)."""
        if metadata is not None:
            self._check_metadata(metadata, self.vocab)
        self.metadata = metadata
        self.events.metadata_changed.emit(metadata)

    @staticmethod
    def _check_metadata(metadata, vocab: Vocabulary) -> None:
        for name, values in metadata.columns.items():
            if len(values) != len(vocab):
                raise ValueError(f"metadata column {name!r} has {len(values)} values for {len(vocab)} tokens")
