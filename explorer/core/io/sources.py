"""Open a "SESSION_OR_VECTORS" argument: a session file or any pretrained-vectors file."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from explorer.core import ExplorerError
from explorer.core.tokens.vocab import Vocabulary


def load_matrix(path: str | Path, vocab_path: str | Path | None = None,
                tensor_name: str | None = None) -> tuple[Vocabulary, np.ndarray]:
    """The vocabulary and matrix held by `path` (a session, or vectors in any supported format).

    `vocab_path` supplies the tokens for formats that carry none (.npy, safetensors, checkpoints).
    """
    path = Path(path)
    if not path.exists():
        raise ExplorerError("no such file", path)
    if is_session(path):
        from explorer.core.io.session import load_session

        session = load_session(path)
        return session.vocab, session.weights
    from explorer.core.io.vectors import load_vectors

    loaded = load_vectors(path, vocab_path=vocab_path, tensor_name=tensor_name)
    return loaded.vocab, loaded.weights


def is_session(path: str | Path) -> bool:
    """A session by its content (`train --out run.session` writes one), or by its .eexp name
    (so that a damaged one is reported as a damaged session)."""
    from explorer.core.io.detect import detect_kind
    from explorer.core.io.session import is_session_file

    return is_session_file(path) or detect_kind(path) == "session"
