"""The saved state of one exploration, and its file format.

A session file (`.eexp`) is a zip holding exactly two members:
- `session.json`: format name and version, the vocabulary (tokens, counts, specials,
  tokenizer), categories, `state` (every setting: `AppState.capture()`, part name -> fields),
  the training history (loss curve), each timeline snapshot's step, epoch, loss and tokens
  seen, the fitted projection's method and settings (PCA/SVD), and the metadata columns
  (their names, kinds and source; text columns' values);
- `tensors.safetensors`: the matrices (`weights`, `initial_weights`, `snapshot.<i>`), float32,
  and the fitted projection (`projection.mean`, `.components`, `.explained`, `.coords`, and
  `.ids` when it shows a sample), so a reopened session shows the same points in the same place,
  numeric metadata columns (`metadata.<i>`, float32, NaN missing), and a fastText model's
  character n-gram table (`subwords.ngrams`, its n-gram lengths in `session.json`), so words
  outside the vocabulary are still composed after reopening.
Nothing in it is ever executed: JSON and safetensors only, read from memory (members are
never extracted to disk, and any other member name is rejected). Saves are atomic (temp
file in the same folder, fsync, rename), so a crash or kill mid-save leaves the previous
file intact. Matrices round-trip bit-exactly. Version-1 files (a `view` dict, snapshots as
steps only) are read into the same Session (see `_state_from_v1`). Metadata is an optional
entry of version 2: older files have none, and older apps open newer files without it.

A run file (explorer/core/io/run_log.py, what `explorer.Run` appends to while a training
loop logs) is a session too: `load_session` and `is_session_file` take either.
"""

from __future__ import annotations

import json
import os
import time
import zipfile
from dataclasses import dataclass, field, fields
from pathlib import Path

import numpy as np

from explorer.core import Cancelled, ExplorerError
from explorer.core.io.atomic import temp_beside
from explorer.core.io.fasttext import SubwordModel
from explorer.core.io.metadata import Metadata
from explorer.core.state.workspace import SESSION_METADATA
from explorer.core.projection.project import PCABasis, Projection, ProjectionSettings, sphereize
from explorer.core.tokens.vocab import Vocabulary, tokenizer_from_dict
from explorer.core.training.snapshot import Snapshot

FORMAT_NAME = "embedding-explorer-session"
FORMAT_VERSION = 2  # 2: `state` (every setting), snapshots with their epochs, the fitted projection
SUFFIX = ".eexp"
JSON_MEMBER = "session.json"
TENSOR_MEMBER = "tensors.safetensors"
MEMBERS = (JSON_MEMBER, TENSOR_MEMBER)
MAX_JSON_BYTES = 1 << 30  # a larger metadata member is not ours (zip bomb guard)
CHUNK = 4 << 20
LINEAR_METHODS = ("pca", "svd")  # projections with a basis a session can keep


@dataclass
class Session:
    vocab: Vocabulary
    weights: np.ndarray
    initial_weights: np.ndarray | None = None
    categories: list[str] | None = None
    state: dict = field(default_factory=dict)  # AppState.capture(): {part name: {field: value}}
    history: dict = field(default_factory=dict)  # e.g. {"loss": [[step, loss], ...]}
    snapshots: list[Snapshot] = field(default_factory=list)  # the training run's timeline
    projection: Projection | None = None  # the fitted PCA/SVD projection shown (its basis)
    metadata: Metadata | None = None  # metadata columns, one value per token
    subwords: SubwordModel | None = None  # a fastText model's n-gram table (composes unseen words)

    @property
    def bookmarks(self) -> list[dict]:
        return list((self.state.get("presentation") or {}).get("bookmarks") or [])


def session_from_workspace(workspace, **extra) -> Session:
    """A Session holding the workspace's data and every setting (arrays referenced, not copied).

    The fitted projection shown is kept when it has a basis (PCA/SVD): reopened, the
    session shows the same points in the same place instead of fitting afresh."""
    if workspace.weights is None:
        raise ExplorerError("there is no matrix to save yet")
    state = workspace.state
    fit = state.fit.projection
    extra.setdefault("projection", fit if fit is not None and fit.basis is not None else None)
    return Session(
        vocab=workspace.vocab,
        weights=workspace.weights,
        initial_weights=workspace.initial_weights,
        categories=workspace.categories,
        state=state.capture(),
        metadata=getattr(workspace, "metadata", None),
        subwords=getattr(workspace, "subwords", None),
        **extra,
    )


def _metadata(session: Session) -> dict:
    vocab = session.vocab
    tokenizer = vocab.tokenizer.to_dict() if vocab.tokenizer is not None else None
    projection = session.projection
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
        "state": session.state,
        "history": session.history,
        "snapshots": [{"step": int(s.step), "epoch": int(s.epoch), "loss": float(s.loss),
                       "tokens_seen": int(s.tokens_seen)} for s in session.snapshots],
        "projection": None if projection is None else {
            "settings": projection.settings.to_dict(),
            "axis_titles": list(projection.axis_titles),
            "sampled": projection.ids is not None,
        },
        "metadata": _metadata_entry(session.metadata),
        "subwords": None if session.subwords is None else {
            "min_n": int(session.subwords.min_n), "max_n": int(session.subwords.max_n),
            "source": session.subwords.source},
    }


def _metadata_entry(metadata: Metadata | None) -> dict | None:
    """Names, kinds and source of the metadata columns, with the text columns' values (numbers
    go to the tensors as `metadata.<i>`)."""
    if metadata is None:
        return None
    return {
        "source": metadata.source,
        "aligned_by": metadata.aligned_by,
        "missing": int(metadata.missing),
        "extra": int(metadata.extra),
        "columns": [{"name": name, "kind": metadata.kind(name),
                     **({} if metadata.is_numeric(name) else {"values": [str(v) for v in metadata.values(name)]})}
                    for name in metadata.names],
    }


def _tensors(session: Session) -> dict[str, np.ndarray]:
    tensors = {"weights": np.ascontiguousarray(session.weights, dtype=np.float32)}
    if session.initial_weights is not None:
        tensors["initial_weights"] = np.ascontiguousarray(session.initial_weights, dtype=np.float32)
    for i, snapshot in enumerate(session.snapshots):
        tensors[f"snapshot.{i}"] = np.ascontiguousarray(snapshot.weights, dtype=np.float32)
    if session.metadata is not None:
        for i, name in enumerate(session.metadata.names):
            if session.metadata.is_numeric(name):
                tensors[f"metadata.{i}"] = np.ascontiguousarray(session.metadata.values(name), dtype=np.float32)
    if session.subwords is not None:
        tensors["subwords.ngrams"] = np.ascontiguousarray(session.subwords.ngram_vectors, dtype=np.float32)
    projection = session.projection
    if projection is not None:
        if projection.basis is None:
            raise ExplorerError(f"a session keeps PCA or SVD projections, not {projection.method}")
        basis = projection.basis
        tensors["projection.mean"] = np.ascontiguousarray(basis.mean, dtype=np.float32)
        tensors["projection.components"] = np.ascontiguousarray(basis.components, dtype=np.float32)
        tensors["projection.explained"] = np.ascontiguousarray(basis.explained_variance_ratio, dtype=np.float64)
        if projection.ids is not None:
            tensors["projection.ids"] = np.ascontiguousarray(projection.ids, dtype=np.int64)
    return tensors


def save_session(path: str | Path, session: Session, *, progress=None, should_cancel=None) -> None:
    """Write `session` to `path` atomically: temp file in the same folder, fsync, rename.

    On any failure (or Cancelled) the temp file is removed and `path` is untouched.
    """
    from safetensors.numpy import save as save_tensors

    path = Path(path)
    try:
        meta = json.dumps(_metadata(session), ensure_ascii=False, allow_nan=True).encode("utf-8")
    except (TypeError, ValueError) as exc:
        raise ExplorerError(f"cannot save the session metadata ({exc})", path) from None
    fd, tmp = temp_beside(path)  # mode 0666 less the umask, as the saved file should be
    try:
        blob = save_tensors(_tensors(session))
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
        _fsync_folder(tmp.parent)
        if progress is not None:
            progress(1.0)
    except BaseException:
        if fd is not None:
            os.close(fd)
        tmp.unlink(missing_ok=True)
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
    from explorer.core.io.run_log import is_run_file, load_run

    if is_run_file(path):  # a run logged by explorer.Run opens as the session of that run
        run = load_run(path, progress=progress, should_cancel=should_cancel)
        return Session(vocab=run.vocab, weights=run.weights, initial_weights=run.initial_weights,
                       categories=run.categories, history=run.history, snapshots=run.snapshots,
                       state={"view": {"range2d": None}})  # no saved range: the view fits the points
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
    except (KeyError, TypeError, ValueError, AttributeError, OverflowError) as exc:
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
    categories = meta.get("categories")
    if categories is not None and (not isinstance(categories, list) or len(categories) != len(vocab)):
        raise ExplorerError("damaged session: categories must have one entry per token", path)
    history = meta.get("history") or {}
    if not isinstance(history, dict):
        raise ExplorerError("damaged session: the training history must be an object", path)
    if meta["version"] == 1:
        state = _state_from_v1(meta, path)
        frames = [{"step": step, "epoch": 0, "loss": _loss_at(history, step), "tokens_seen": 0}
                  for step in meta.get("snapshot_steps") or []]
        projection = None  # version 1 kept no basis: the window fits one
    else:
        state = meta.get("state") or {}
        frames = meta.get("snapshots") or []
        projection = _projection_from(meta.get("projection"), tensors, weights, path)
    _check_state(state, path)
    snapshots = [Snapshot(step=int(f["step"]), epoch=int(f["epoch"]), loss=float(f["loss"]),
                          tokens_seen=int(f["tokens_seen"]), weights=_matrix(tensors, f"snapshot.{i}", len(vocab), path))
                 for i, f in enumerate(frames)]
    metadata = _metadata_from(meta.get("metadata"), tensors, len(vocab), path)
    setattr(vocab, SESSION_METADATA, metadata)  # Workspace.set_vocab(session.vocab) restores it with the tokens
    subwords = _subwords_from(meta.get("subwords"), tensors, weights.shape[1], path)
    vocab.subwords = subwords  # as the fastText reader hands it: Workspace.set_vocab takes it with the weights
    return Session(vocab=vocab, weights=weights, initial_weights=initial, categories=categories, state=state,
                   history=history, snapshots=snapshots, projection=projection, metadata=metadata,
                   subwords=subwords)


def _subwords_from(saved, tensors: dict, dim: int, path: Path) -> SubwordModel | None:
    if saved is None:
        return None
    try:
        min_n, max_n = int(saved["min_n"]), int(saved["max_n"])
    except (TypeError, KeyError, ValueError):
        raise ExplorerError("damaged session: the subword entry needs its n-gram lengths min_n and max_n",
                            path) from None
    if not 0 <= min_n <= max_n <= 1000:
        raise ExplorerError(f"damaged session: subword n-gram lengths {min_n}..{max_n} are not possible", path)
    ngrams = tensors.get("subwords.ngrams")
    if ngrams is None or ngrams.ndim != 2 or ngrams.shape[1] != dim:
        shape = None if ngrams is None else tuple(ngrams.shape)
        raise ExplorerError(f"damaged session: the subword table should have {dim} columns, found {shape}", path)
    return SubwordModel(np.asarray(ngrams, dtype=np.float32), min_n, max_n, source=str(saved.get("source", "")))


def _metadata_from(saved, tensors: dict, rows: int, path: Path) -> Metadata | None:
    if saved is None:
        return None
    if not isinstance(saved, dict) or not isinstance(saved.get("columns"), list):
        raise ExplorerError("damaged session: the metadata must be an object with a list of columns", path)
    columns: dict[str, np.ndarray] = {}
    for i, column in enumerate(saved["columns"]):
        if not isinstance(column, dict) or not isinstance(column.get("name"), str) or column["name"] in columns:
            raise ExplorerError(f"damaged session: metadata column {i + 1} has no name of its own", path)
        name = column["name"]
        if column.get("kind") == "number":
            values = tensors.get(f"metadata.{i}")
            if values is None or values.shape != (rows,) or not np.issubdtype(values.dtype, np.floating):
                raise ExplorerError(f"damaged session: metadata column {name!r} needs {rows} numbers", path)
            columns[name] = values.astype(np.float32)
        else:
            values = column.get("values")
            if not isinstance(values, list) or len(values) != rows or not all(isinstance(v, str) for v in values):
                raise ExplorerError(f"damaged session: metadata column {name!r} needs {rows} texts", path)
            text = np.empty(rows, dtype=object)
            text[:] = values
            columns[name] = text
    return Metadata(columns, str(saved.get("source", "")), str(saved.get("aligned_by", "")),
                    int(saved.get("missing", 0)), int(saved.get("extra", 0)))


def _check_state(state, path: Path) -> None:
    """The shape only; each value is checked when the window writes it into its state."""
    if not isinstance(state, dict) or not all(isinstance(part, dict) for part in state.values()):
        raise ExplorerError("damaged session: the state must map part names to their settings", path)
    bookmarks = state.get("presentation", {}).get("bookmarks", [])
    if not isinstance(bookmarks, list) or not all(isinstance(b, dict) for b in bookmarks):
        raise ExplorerError("damaged session: bookmarks must be a list of objects", path)


def _projection_from(saved, tensors: dict, weights: np.ndarray, path: Path) -> Projection | None:
    """The fitted projection as saved, showing `weights` through its basis (no fit)."""
    if saved is None:
        return None
    if not isinstance(saved, dict):
        raise ExplorerError("damaged session: the saved projection must be an object", path)
    known = {f.name for f in fields(ProjectionSettings)}
    settings = ProjectionSettings(**{k: val for k, val in (saved.get("settings") or {}).items() if k in known})
    if settings.method not in LINEAR_METHODS:
        raise ExplorerError(f"damaged session: a saved projection is PCA or SVD, not {settings.method!r}", path)
    n, dim = weights.shape
    k = settings.dims
    mean = _tensor(tensors, "projection.mean", (dim,), path)
    components = _tensor(tensors, "projection.components", (k, dim), path)
    explained = _tensor(tensors, "projection.explained", (k,), path)
    ids = None
    if saved.get("sampled"):
        ids = tensors.get("projection.ids")
        if ids is None or ids.ndim != 1 or not np.issubdtype(ids.dtype, np.integer) or len(ids) < 3 \
                or ids[0] < 0 or ids[-1] >= n or np.any(np.diff(ids) <= 0):
            raise ExplorerError("damaged session: the projection's sample is not a list of token IDs", path)
        ids = ids.astype(np.int64)
    titles = tuple(str(t) for t in saved.get("axis_titles") or ())
    if len(titles) != k:
        raise ExplorerError(f"damaged session: the projection needs {k} axis titles", path)
    basis = PCABasis(mean.astype(np.float32), components.astype(np.float32), explained.astype(np.float64))
    x = weights if ids is None else weights[ids]
    coords = basis.transform(sphereize(x) if settings.sphereize else x)
    return Projection(coords, settings.method, k, n, ids, basis.explained_variance_ratio, titles, basis, settings)


def _tensor(tensors: dict, name: str, shape: tuple, path: Path) -> np.ndarray:
    if name not in tensors:
        raise ExplorerError(f"damaged session: tensor {name!r} is missing", path)
    tensor = tensors[name]
    if tensor.shape != shape or not np.issubdtype(tensor.dtype, np.floating):
        raise ExplorerError(f"damaged session: tensor {name} of shape {tensor.shape} should be {shape}", path)
    return tensor


def _matrix(tensors: dict, name: str, rows: int, path: Path) -> np.ndarray:
    if name not in tensors:
        raise ExplorerError(f"damaged session: matrix {name!r} is missing", path)
    matrix = tensors[name]
    if matrix.dtype != np.float32:
        matrix = matrix.astype(np.float32)
    if matrix.ndim != 2 or matrix.shape[0] != rows:
        raise ExplorerError(f"matrix {name} of shape {matrix.shape} does not fit {rows} tokens", path)
    return matrix


# -- version 1 ------------------------------------------------------------------------
def _loss_at(history: dict, step: int) -> float:
    for s, loss in history.get("loss") or []:
        if s == step:
            return float(loss)
    return float("nan")


def _parts_from_view(view: dict) -> dict:
    """A version-1 view dict (or bookmark) as the state parts that now hold its entries."""
    parts: dict = {"projection": {}, "view": {}, "explore": {}}
    projection = view.get("projection")
    if isinstance(projection, dict):
        parts["projection"] = dict(projection)
        if projection.get("dims") in (2, 3):
            parts["view"]["mode"] = f"{projection['dims']}d"
    camera = view.get("camera")
    if isinstance(camera, dict):
        if "x" in camera and "y" in camera:
            parts["view"]["range2d"] = [camera["x"], camera["y"]]
        elif "distance" in camera:
            parts["view"]["camera3d"] = dict(camera)
    for old, part, new in (("colours", "view", "colour"), ("theme", "view", "theme"),
                           ("selection", "explore", "selection"), ("current", "explore", "current")):
        if old in view:
            parts[part][new] = view[old]
    return {name: values for name, values in parts.items() if values}


def _state_from_v1(meta: dict, path: Path) -> dict:
    """Version 1 kept an init config, a training config and a `view` dict (projection, camera,
    selection, current, colours, theme, bookmarks): the same settings, now in state parts.
    Widget-only entries (the shown snapshot, the inspector's tabs) have no part: dropped."""
    view = meta.get("view") or {}
    if not isinstance(view, dict):
        raise ExplorerError("damaged session: the view state must be an object", path)
    bookmarks = view.get("bookmarks") or []
    if not isinstance(bookmarks, list) or not all(isinstance(b, dict) for b in bookmarks):
        raise ExplorerError("damaged session: bookmarks must be a list of objects", path)
    state = _parts_from_view(view)
    state["init"] = dict(meta.get("init_config") or {})
    state["train"] = dict(meta.get("train_config") or {})
    if bookmarks:
        state["presentation"] = {
            "bookmarks": [{"name": str(b.get("name", "")), **_parts_from_view(b)} for b in bookmarks],
            "bookmark_index": view.get("bookmark_index", -1),
        }
    return state


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


def is_session_file(path: str | Path) -> bool:
    """Whether `path` is a session by its content (a zip holding session.json, or a run file
    that explorer.Run writes), whatever its name."""
    from explorer.core.io.run_log import MAGIC

    try:
        with open(path, "rb") as f:
            head = f.read(len(MAGIC))
            if head == MAGIC:
                return True
            if head[:4] != b"PK\x03\x04":
                return False
        with zipfile.ZipFile(path) as zf:
            return JSON_MEMBER in zf.namelist()
    except (OSError, zipfile.BadZipFile):
        return False


# -- recovery files -------------------------------------------------------------------
# Each running window autosaves to its own recovery file and holds an OS lock on
# `<file>.lock` while it runs. The OS drops the lock when the process ends, however it ends,
# so a file whose lock can be taken was left behind by an instance that is gone.
RECOVERY_GLOB = f"recovery*{SUFFIX}"


def default_recovery_folder() -> Path:
    """Where windows autosave their running sessions when Qt names no app-data folder (XDG)."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "embedding-explorer"


def new_recovery_path(folder: str | Path) -> Path:
    """A recovery file of this instance's own in `folder`: `recovery-<pid>-<start time>.eexp`."""
    return Path(folder) / f"recovery-{os.getpid()}-{time.time_ns()}{SUFFIX}"


def _try_lock(fd: int) -> bool:
    """An exclusive lock on an open file, without waiting (held per open file: two windows
    of one process exclude each other too)."""
    try:
        if os.name == "nt":
            import msvcrt

            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        else:
            import fcntl

            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


class RecoveryLock:
    """The lock that says "the instance autosaving to `path` is running"."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.lock_path = self.path.with_name(self.path.name + ".lock")
        self._fd: int | None = None

    def acquire(self) -> bool:
        """Take the lock now, or False when a running instance holds it."""
        fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o666)
        if not _try_lock(fd):
            os.close(fd)
            return False
        self._fd = fd
        return True

    def release(self) -> None:
        """Let go, keeping the file: the next start offers it again."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def remove(self) -> None:
        """Delete the recovery file and its lock file, then let go."""
        self.path.unlink(missing_ok=True)
        self.lock_path.unlink(missing_ok=True)
        self.release()


def left_behind(folder: str | Path, own: str | Path | None = None) -> list[RecoveryLock]:
    """The recovery files in `folder` whose instance no longer runs, newest first, each
    with its lock now held by the caller (so that no other starting instance offers it
    too): `remove()` one once restored or discarded, `release()` it to keep it for later."""
    found = []
    for path in Path(folder).glob(RECOVERY_GLOB):
        if own is not None and path == Path(own):
            continue
        lock = RecoveryLock(path)
        try:
            if not lock.acquire():
                continue  # its instance is running
            found.append((path.stat().st_mtime, lock))
        except OSError:  # removed meanwhile, or a folder we may not write to
            lock.release()
    return [lock for _, lock in sorted(found, key=lambda item: -item[0])]
