"""The saved state of one exploration, and its file format.

A session file (`.eexp`) is a zip holding exactly two members:
- `session.json`: format name and version, vocabulary (tokens, counts, specials, tokenizer),
  categories, init config, training config and history (loss curve), the steps of the
  thinned snapshots, and the view state (see VIEW_KEYS);
- `tensors.safetensors`: the matrices (`weights`, `initial_weights`, `snapshot.<i>`), float32.
Nothing in it is ever executed: JSON and safetensors only, read from memory (members are
never extracted to disk, and any other member name is rejected). Saves are atomic (temp
file in the same folder, fsync, rename), so a crash or kill mid-save leaves the previous
file intact. Matrices round-trip bit-exactly.
"""

from __future__ import annotations

import json
import os
import tempfile
import zipfile
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

import numpy as np

from explorer.core import Cancelled, ExplorerError
from explorer.core.matrix.schemes import InitConfig
from explorer.core.tokens.vocab import Vocabulary, tokenizer_from_dict

FORMAT_NAME = "embedding-explorer-session"
FORMAT_VERSION = 1
SUFFIX = ".eexp"
JSON_MEMBER = "session.json"
TENSOR_MEMBER = "tensors.safetensors"
MEMBERS = (JSON_MEMBER, TENSOR_MEMBER)
MAX_JSON_BYTES = 1 << 30  # a larger metadata member is not ours (zip bomb guard)
CHUNK = 4 << 20

# What `Session.view` may hold (all optional; unknown keys are kept as they are):
VIEW_KEYS = {
    "projection": "dict: method ('pca', 'tsne', ...), dims (2 or 3) and method parameters",
    "camera": "dict: 2D {'x': [min, max], 'y': [min, max]}; 3D {'distance', 'elevation', 'azimuth', 'center'}",
    "selection": "list of token IDs",
    "current": "token ID shown in the inspector, or null",
    "colours": "colour mode name (e.g. 'category')",
    "theme": "theme name (light, dark, high-contrast-light, high-contrast-dark)",
    "snapshot": "index of the training snapshot shown, or null for the current matrix",
    "bookmarks": "list of {'name': str, plus any of the keys above}",
    "bookmark_index": "the bookmark shown last",
}


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
    view: dict = field(default_factory=dict)  # see VIEW_KEYS

    @property
    def bookmarks(self) -> list[dict]:
        return list(self.view.get("bookmarks") or [])


def session_from_workspace(workspace, **extra) -> Session:
    """A Session holding the workspace's current state (arrays are referenced, not copied)."""
    if workspace.weights is None:
        raise ExplorerError("there is no matrix to save yet")
    session = Session(
        vocab=workspace.vocab,
        weights=workspace.weights,
        initial_weights=workspace.initial_weights,
        categories=workspace.categories,
        init_config=workspace.init_config,
        **extra,
    )
    session.view.setdefault("selection", list(workspace.selection))
    session.view.setdefault("current", workspace.current)
    return session


def _metadata(session: Session) -> dict:
    vocab = session.vocab
    tokenizer = vocab.tokenizer.to_dict() if hasattr(vocab.tokenizer, "to_dict") else None
    return {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "vocab": {
            "tokens": list(vocab.tokens),
            "counts": None if vocab.counts is None else np.asarray(vocab.counts).tolist(),
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


def save_session(path: str | Path, session: Session, *, progress=None, should_cancel=None) -> None:
    """Write `session` to `path` atomically: temp file in the same folder, fsync, rename.

    On any failure (or Cancelled) the temp file is removed and `path` is untouched.
    """
    from safetensors.numpy import save as save_tensors

    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise ExplorerError("the folder does not exist", folder)
    try:
        meta = json.dumps(_metadata(session), ensure_ascii=False, allow_nan=True).encode("utf-8")
    except (TypeError, ValueError) as exc:
        raise ExplorerError(f"cannot save the session metadata ({exc})", path) from None
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    try:
        tensors = {"weights": np.ascontiguousarray(session.weights, dtype=np.float32)}
        if session.initial_weights is not None:
            tensors["initial_weights"] = np.ascontiguousarray(session.initial_weights, dtype=np.float32)
        for i, (_, snapshot) in enumerate(session.snapshots):
            tensors[f"snapshot.{i}"] = np.ascontiguousarray(snapshot, dtype=np.float32)
        blob = save_tensors(tensors)
        with os.fdopen(fd, "wb") as f:
            fd = None
            with zipfile.ZipFile(f, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as zf:
                zf.writestr(JSON_MEMBER, meta)
                view = memoryview(blob)
                with zf.open(TENSOR_MEMBER, "w", force_zip64=len(blob) > 0x7FFFFFFF) as member:
                    for start in range(0, len(view), CHUNK):
                        if should_cancel is not None and should_cancel():
                            raise Cancelled()
                        member.write(view[start:start + CHUNK])
                        if progress is not None:
                            progress(min(1.0, (start + CHUNK) / max(1, len(view))) * 0.95)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
        _fsync_folder(folder)
        if progress is not None:
            progress(1.0)
    except BaseException:
        if fd is not None:
            os.close(fd)
        Path(tmp).unlink(missing_ok=True)
        raise


def _fsync_folder(folder: Path) -> None:
    """Make the rename itself durable (POSIX); harmless where folders cannot be opened."""
    try:
        dir_fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dir_fd)
    except OSError:
        pass
    finally:
        os.close(dir_fd)


def load_session(path: str | Path, *, progress=None, should_cancel=None) -> Session:
    """Read a session file; every problem is an ExplorerError naming the file."""
    from safetensors.numpy import load as load_tensors

    path = Path(path)
    if not path.exists():
        raise ExplorerError("no such file", path)
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            names = [info.filename for info in infos]
            unexpected = [n for n in names if n not in MEMBERS]
            if unexpected:
                raise ExplorerError(
                    f"not a session file: unexpected member {unexpected[0]!r} "
                    f"(a session holds only {JSON_MEMBER} and {TENSOR_MEMBER})", path)
            if len(set(names)) != len(names):
                raise ExplorerError("damaged session: a member appears twice", path)
            if JSON_MEMBER not in names or TENSOR_MEMBER not in names:
                raise ExplorerError(f"not a session file: needs {JSON_MEMBER} and {TENSOR_MEMBER}", path)
            if zf.getinfo(JSON_MEMBER).file_size > MAX_JSON_BYTES:
                raise ExplorerError("damaged session: the metadata is implausibly large", path)
            meta = json.loads(zf.read(JSON_MEMBER).decode("utf-8"))
            _check_header(meta, path)
            from explorer.core.matrix.memory import check_bytes  # a zip bomb or a session too big for memory

            check_bytes(zf.getinfo(TENSOR_MEMBER).file_size, what="the session's matrices", path=path)
            blob = _read_member(zf, TENSOR_MEMBER, progress, should_cancel)
            tensors = load_tensors(blob)
    except zipfile.BadZipFile as exc:
        raise ExplorerError(f"not a session file (not a zip archive: {exc})", path) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ExplorerError(f"damaged session metadata ({exc})", path) from None
    except (ExplorerError, Cancelled):
        raise
    except OSError as exc:  # also what zipfile raises for offsets a damaged archive points outside the file
        raise ExplorerError(f"cannot read the session ({exc.strerror or exc})", path) from None
    except Exception as exc:  # safetensors raises its own error types for damaged data
        raise ExplorerError(f"damaged session tensors ({type(exc).__name__}: {exc})", path) from None
    try:
        return _session_from(meta, tensors, path)
    except ExplorerError as exc:
        if exc.path is None:
            raise ExplorerError(f"damaged session: {exc}", path) from None
        raise
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ExplorerError(f"damaged session ({type(exc).__name__}: {exc})", path) from None


def _read_member(zf: zipfile.ZipFile, name: str, progress, should_cancel) -> bytes:
    size = zf.getinfo(name).file_size
    out = bytearray()
    with zf.open(name) as member:
        while True:
            if should_cancel is not None and should_cancel():
                raise Cancelled()
            chunk = member.read(CHUNK)
            if not chunk:
                break
            out += chunk
            if progress is not None:
                progress(0.9 * len(out) / max(1, size))
    return bytes(out)


def _session_from(meta: dict, tensors: dict, path: Path) -> Session:
    v = meta["vocab"]
    tokens = v["tokens"]
    if not isinstance(tokens, list) or not all(isinstance(t, str) for t in tokens):
        raise ExplorerError("damaged session: tokens must be a list of strings", path)
    vocab = Vocabulary(
        tokens=tokens,
        counts=None if v.get("counts") is None else np.asarray(v["counts"], dtype=np.int64),
        specials={str(k): int(i) for k, i in (v.get("specials") or {}).items()},
        source=str(v.get("source", "")),
        kind=str(v.get("kind", "words")),
        tokenizer=tokenizer_from_dict(v.get("tokenizer")),
    )
    for role, i in vocab.specials.items():
        if not 0 <= i < len(vocab):
            raise ExplorerError(f"damaged session: special token {role} has ID {i} outside the vocabulary", path)
    weights = _matrix(tensors, "weights", len(vocab), path)
    initial = _matrix(tensors, "initial_weights", len(vocab), path) if "initial_weights" in tensors else None
    steps = meta.get("snapshot_steps") or []
    snapshots = [(int(step), _matrix(tensors, f"snapshot.{i}", len(vocab), path)) for i, step in enumerate(steps)]
    categories = meta.get("categories")
    if categories is not None and (not isinstance(categories, list) or len(categories) != len(vocab)):
        raise ExplorerError("damaged session: categories must have one entry per token", path)
    known = {f.name for f in fields(InitConfig)}
    init = {k: val for k, val in (meta.get("init_config") or {}).items() if k in known}
    view = meta.get("view") or {}
    if not isinstance(view, dict):
        raise ExplorerError("damaged session: the view state must be an object", path)
    if not isinstance(view.get("bookmarks", []), list):
        raise ExplorerError("damaged session: bookmarks must be a list", path)
    return Session(
        vocab=vocab,
        weights=weights,
        initial_weights=initial,
        categories=categories,
        init_config=InitConfig(**init),
        train_config=meta.get("train_config") or {},
        history=meta.get("history") or {},
        snapshots=snapshots,
        view=view,
    )


def _matrix(tensors: dict, name: str, rows: int, path: Path) -> np.ndarray:
    if name not in tensors:
        raise ExplorerError(f"damaged session: matrix {name!r} is missing", path)
    matrix = tensors[name]
    if matrix.dtype != np.float32:
        matrix = matrix.astype(np.float32)
    if matrix.ndim != 2 or matrix.shape[0] != rows:
        raise ExplorerError(f"matrix {name} of shape {matrix.shape} does not fit {rows} tokens", path)
    return matrix


def _check_header(meta, path: Path) -> None:
    if not isinstance(meta, dict) or meta.get("format") != FORMAT_NAME:
        raise ExplorerError("not an Embedding Explorer session", path)
    version = meta.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ExplorerError(f"damaged session: format version {version!r} is not a positive number", path)
    if version > FORMAT_VERSION:
        raise ExplorerError(
            f"session format version {version} is newer than this app understands ({FORMAT_VERSION}); "
            "update Embedding Explorer to open it", path)


def default_recovery_path() -> Path:
    """Where the window autosaves the running session (XDG data folder)."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "embedding-explorer" / f"recovery{SUFFIX}"
