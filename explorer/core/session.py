"""The saved state of one exploration, and its file format.

A session file (`.eexp`) is a zip holding two members:
- `session.json`: format version, vocabulary (tokens, counts, specials, tokenizer),
  categories, init config, training config and history, view state;
- `tensors.safetensors`: the matrices (`weights`, `initial_weights`, `snapshot.<i>`).
Nothing in it is ever executed: JSON and safetensors only. Saves are atomic
(temp file, fsync, rename), so a crash mid-save leaves the previous file intact.
"""

from __future__ import annotations

import json
import os
import tempfile
import zipfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from explorer.core import ExplorerError
from explorer.core.schemes import InitConfig
from explorer.core.vocab import Vocabulary, tokenizer_from_dict

FORMAT_VERSION = 1
SUFFIX = ".eexp"
JSON_MEMBER = "session.json"
TENSOR_MEMBER = "tensors.safetensors"


@dataclass
class Session:
    vocab: Vocabulary
    weights: np.ndarray
    initial_weights: np.ndarray | None = None
    categories: list[str] | None = None
    init_config: InitConfig = field(default_factory=InitConfig)
    train_config: dict = field(default_factory=dict)
    history: dict = field(default_factory=dict)  # e.g. {"loss": [[step, loss], ...]}
    snapshots: list[tuple[int, np.ndarray]] = field(default_factory=list)  # (step, weights)
    view: dict = field(default_factory=dict)  # projection, camera, selection, colours, bookmarks


def save_session(path: str | Path, session: Session) -> None:
    """Write `session` to `path` atomically."""
    from safetensors.numpy import save as save_tensors

    path = Path(path)
    vocab = session.vocab
    tokenizer = vocab.tokenizer.to_dict() if hasattr(vocab.tokenizer, "to_dict") else None
    meta = {
        "format": "embedding-explorer-session",
        "version": FORMAT_VERSION,
        "vocab": {
            "tokens": vocab.tokens,
            "counts": None if vocab.counts is None else vocab.counts.tolist(),
            "specials": vocab.specials,
            "source": vocab.source,
            "kind": vocab.kind,
            "tokenizer": tokenizer,
        },
        "categories": session.categories,
        "init_config": asdict(session.init_config),
        "train_config": session.train_config,
        "history": session.history,
        "snapshot_steps": [int(step) for step, _ in session.snapshots],
        "view": session.view,
    }
    tensors = {"weights": np.ascontiguousarray(session.weights, dtype=np.float32)}
    if session.initial_weights is not None:
        tensors["initial_weights"] = np.ascontiguousarray(session.initial_weights, dtype=np.float32)
    for i, (_, snapshot) in enumerate(session.snapshots):
        tensors[f"snapshot.{i}"] = np.ascontiguousarray(snapshot, dtype=np.float32)
    blob = save_tensors(tensors)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent or ".")
    try:
        with os.fdopen(fd, "wb") as f:
            with zipfile.ZipFile(f, "w", compression=zipfile.ZIP_STORED) as zf:
                zf.writestr(JSON_MEMBER, json.dumps(meta))
                zf.writestr(TENSOR_MEMBER, blob)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load_session(path: str | Path) -> Session:
    """Read a session file; every problem is an ExplorerError naming the file."""
    from safetensors.numpy import load as load_tensors

    path = Path(path)
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
            if JSON_MEMBER not in names or TENSOR_MEMBER not in names:
                raise ExplorerError(f"not a session file: needs {JSON_MEMBER} and {TENSOR_MEMBER}", path)
            meta = json.loads(zf.read(JSON_MEMBER).decode("utf-8"))
            _check_header(meta, path)
            tensors = load_tensors(zf.read(TENSOR_MEMBER))
    except zipfile.BadZipFile as exc:
        raise ExplorerError(f"not a session file (not a zip archive: {exc})", path) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ExplorerError(f"damaged session metadata ({exc})", path) from None
    except Exception as exc:  # safetensors raises its own error types for damaged data
        if isinstance(exc, ExplorerError):
            raise
        raise ExplorerError(f"damaged session tensors ({exc})", path) from None
    try:
        v = meta["vocab"]
        vocab = Vocabulary(
            tokens=list(v["tokens"]),
            counts=None if v.get("counts") is None else np.asarray(v["counts"], dtype=np.int64),
            specials={str(k): int(i) for k, i in (v.get("specials") or {}).items()},
            source=v.get("source", ""),
            kind=v.get("kind", "words"),
            tokenizer=tokenizer_from_dict(v.get("tokenizer")),
        )
        weights = tensors["weights"]
        if weights.ndim != 2 or weights.shape[0] != len(vocab):
            raise ExplorerError(f"matrix shape {weights.shape} does not fit {len(vocab)} tokens", path)
        steps = meta.get("snapshot_steps", [])
        snapshots = [(int(step), tensors[f"snapshot.{i}"]) for i, step in enumerate(steps)]
        return Session(
            vocab=vocab,
            weights=weights,
            initial_weights=tensors.get("initial_weights"),
            categories=meta.get("categories"),
            init_config=InitConfig(**meta.get("init_config", {})),
            train_config=meta.get("train_config", {}),
            history=meta.get("history", {}),
            snapshots=snapshots,
            view=meta.get("view", {}),
        )
    except ExplorerError:
        raise
    except (KeyError, TypeError, ValueError) as exc:
        raise ExplorerError(f"damaged session ({type(exc).__name__}: {exc})", path) from None


def _check_header(meta, path: Path) -> None:
    if not isinstance(meta, dict) or meta.get("format") != "embedding-explorer-session":
        raise ExplorerError("not an Embedding Explorer session", path)
    version = meta.get("version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise ExplorerError(
            f"session format version {version} is newer than this app understands ({FORMAT_VERSION}); "
            "update Embedding Explorer to open it", path)
