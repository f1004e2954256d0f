"""Open a "SESSION_OR_VECTORS" argument: a session file, any pretrained-vectors file or a sample."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from explorer.core import ExplorerError
from explorer.core.io.samples import is_sample, vectors_file
from explorer.core.tokens.vocab import Vocabulary


def load_matrix(path: str | Path, vocab_path: str | Path | None = None, tensor_name: str | None = None,
                progress=None) -> tuple[Vocabulary, np.ndarray]:
    """The vocabulary and matrix held by `path` (a session, or vectors in any supported format).

    `vocab_path` supplies the tokens for formats that carry none (.npy, safetensors, checkpoints).
    `path` (and `vocab_path`) may be a sample, `sample:minilm`: it brings its own tokens.
    """
    path, vocab_path, tensor_name = vectors_file(path, vocab_path, tensor_name)
    if not path.exists():
        raise ExplorerError("no such file", path)
    if is_session(path):
        from explorer.core.io.session import load_session

        session = load_session(path)
        return session.vocab, session.weights
    from explorer.core.io.vectors import load_vectors

    loaded = load_vectors(path, vocab_path=vocab_path, tensor_name=tensor_name, progress=progress)
    return loaded.vocab, loaded.weights


def is_session(path: str | Path) -> bool:
    """A session by its content (`train --out run.session` writes one), or by its .eexp name
    (so that a damaged one is reported as a damaged session). No sample is a session."""
    if is_sample(path):
        return False
    from explorer.core.io.detect import detect_kind
    from explorer.core.io.session import is_session_file

    return is_session_file(path) or detect_kind(path) == "session"
