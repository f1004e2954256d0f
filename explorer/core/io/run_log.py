"""The run file: the snapshots of a training loop, appended as it logs them (no Qt, no torch).

    writer = RunWriter("run.eerun", vocab)           # explorer.Run wraps this
    writer.log(step, weights, loss)                   # copies now; a thread appends it
    writer.close()                                    # writes the end record
    load_run("run.eerun")                             # a Session: opened as a session everywhere
    for snap in tail_run("run.eerun", stop): ...      # what the window's --watch follows

Layout: MAGIC (8 bytes), then records, each a 20-byte frame
    b"RC" | kind (1 byte: H header, S snapshot, E end) | 0 | meta length (u32) |
    payload length (u64) | CRC-32 of meta + payload (u32)
followed by the meta (JSON) and the payload (the matrix, little-endian, C order).

Crash safety: records are only ever appended (and each is fsynced when `durable`); a
record counts only when it is complete and its CRC matches, so a process killed mid-write
loses at most the snapshot being written: readers stop at the torn tail. Thinning rewrites
the file beside it and renames it over (atomic), so a kill then leaves the previous file.

Thinning: the snapshots kept follow the Timeline's policy (explorer/core/training/timeline.py:
when full, every other one is dropped, the first and the latest stay), within `max_bytes`
and `max_count`. The file holds the kept ones plus those appended since the last rewrite,
and is rewritten (to the kept ones) once it holds twice the bound: it stays within about
twice `max_bytes`. Every snapshot's loss stays in the history, thinned or not.
"""

from __future__ import annotations

import atexit
import functools
import json
import os
import queue
import secrets
import struct
import sys
import threading
import time
import weakref
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from explorer.core import Cancelled, ExplorerError
from explorer.core.io.atomic import temp_beside
from explorer.core.tokens.vocab import Vocabulary, tokenizer_from_dict
from explorer.core.training.snapshot import Snapshot
from explorer.core.training.timeline import TIMELINE_MAX, Timeline

MAGIC = b"EERUN\x00\x01\n"
RUN_FORMAT = "embedding-explorer-run"
RUN_VERSION = 1
RUN_SUFFIX = ".eerun"
RUN_BYTES = 2 * 2**30  # snapshots kept in the file, at most this much (it may hold twice that)
FRAME = struct.Struct("<2sccIQI")  # b"RC", kind, reserved, meta length, payload length, crc32
HEADER, SNAPSHOT, END = b"H", b"S", b"E"
DTYPES = {"float32": "<f4", "float16": "<f2"}
MAX_META = 256 * 2**20  # a larger meta is not ours
COPY_CHUNK = 16 * 2**20
POLL_SECONDS = 0.05  # how often a follower looks for new snapshots (and yields, so Stop acts)


def is_run_file(path: str | Path) -> bool:
    """Whether `path` is a run file, by its first bytes."""
    try:
        with open(path, "rb") as f:
            return f.read(len(MAGIC)) == MAGIC
    except OSError:
        return False


# -- the thinning policy ------------------------------------------------------------------
class Thinning:
    """The Timeline's policy over records of a file (`Timeline.add`, with sizes instead of
    matrices): `add` says whether the record is kept; `kept` are the kept ones in order."""

    def __init__(self, max_bytes: int, max_count: int, stride: int = 1, seen: int = 0, kept=None) -> None:
        self.max_bytes, self.max_count = int(max_bytes), int(max_count)
        self.stride, self.seen = int(stride), int(seen)
        self.kept: list = list(kept or [])

    def capacity(self, nbytes: int) -> int:  # as Timeline.capacity
        return max(4, min(self.max_count, self.max_bytes // max(1, nbytes)))

    def add(self, record, nbytes: int) -> None:  # as Timeline.add (a logged run has no "progress 1.0")
        self.seen += 1
        if self.kept and (self.seen - 1) % self.stride:
            return
        self.kept.append(record)
        if len(self.kept) > self.capacity(nbytes):
            last = self.kept[-1]
            self.kept = self.kept[:-1][::2] + [last]
            self.stride *= 2

    def state(self) -> dict:
        return {"max_bytes": self.max_bytes, "max_count": self.max_count, "stride": self.stride, "seen": self.seen}


# -- records ------------------------------------------------------------------------------
@dataclass
class Record:
    kind: bytes
    offset: int  # where its frame starts
    meta: dict
    data_offset: int
    nbytes: int  # payload length
    crc: int
    meta_crc: int = 0  # the CRC of the meta alone (the payload's CRC continues from it)

    @property
    def end(self) -> int:
        return self.data_offset + self.nbytes


def _frame(kind: bytes, meta_bytes: bytes, payload=None) -> tuple[bytes, int]:
    crc = zlib.crc32(meta_bytes)
    size = 0
    if payload is not None:
        crc = zlib.crc32(payload, crc)
        size = payload.nbytes
    return FRAME.pack(b"RC", kind, b"\x00", len(meta_bytes), size, crc) + meta_bytes, size


def _meta_bytes(meta: dict) -> bytes:
    return json.dumps(meta, ensure_ascii=False, allow_nan=True).encode("utf-8")


def read_record(f, offset: int, size: int, path) -> Record | None:
    """The record at `offset`, without its payload, or None when it is not complete yet
    (the torn tail of a killed writer, or one being written)."""
    if offset + FRAME.size > size:
        return None
    f.seek(offset)
    head = f.read(FRAME.size)
    if len(head) < FRAME.size:
        return None
    tag, kind, _, meta_len, nbytes, crc = FRAME.unpack(head)
    if tag != b"RC" or kind not in (HEADER, SNAPSHOT, END) or meta_len > MAX_META:
        raise ExplorerError("damaged run file: no record here", path, offset=offset)
    data_offset = offset + FRAME.size + meta_len
    if data_offset + nbytes > size:
        return None
    meta_bytes = f.read(meta_len)
    try:
        meta = json.loads(meta_bytes.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        if data_offset + nbytes == size:  # the last record, written over by a crash
            return None
        raise ExplorerError("damaged run file: unreadable record", path, offset=offset) from None
    if not isinstance(meta, dict):
        raise ExplorerError("damaged run file: a record's meta is not an object", path, offset=offset)
    problem = _check_snapshot_meta(meta) if kind == SNAPSHOT else _check_header_meta(meta) if kind == HEADER else None
    if problem:
        raise ExplorerError(f"damaged run file: {problem}", path, offset=offset)
    return Record(kind, offset, meta, data_offset, nbytes, crc, zlib.crc32(meta_bytes))


def _whole(value, low: int = 0) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= low


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _check_snapshot_meta(meta: dict) -> str | None:
    """What is wrong with a snapshot record's meta (None: nothing)."""
    if not _whole(meta.get("step"), -2**62) or abs(meta["step"]) > 2**62:
        return "a snapshot without a whole step"
    if not _whole(meta.get("epoch", 0)) or meta.get("epoch", 0) > 2**62 \
            or not _whole(meta.get("tokens_seen", 0)) or meta.get("tokens_seen", 0) > 2**62:
        return "a snapshot's epoch or tokens seen is not a whole number"
    if not (meta.get("loss") is None or _number(meta["loss"])):
        return "a snapshot's loss is not a number"
    for name in ("elapsed", "progress"):
        if not _number(meta.get(name, 0.0)) or not np.isfinite(meta.get(name, 0.0)):
            return f"a snapshot's {name} is not a number"
    shape = meta.get("shape")
    if not isinstance(shape, list) or len(shape) != 2 or not all(_whole(v, 1) and v < 2**40 for v in shape):
        return "a snapshot without a shape (rows, dim)"
    if meta.get("dtype") not in DTYPES.values():
        return f"a snapshot's dtype {meta.get('dtype')!r} is not one of {', '.join(DTYPES.values())}"
    return None


def _check_header_meta(meta: dict) -> str | None:
    """What is wrong with the header's meta (None: nothing); the format and version are checked by scan_run."""
    if not (meta.get("vocab") is None or isinstance(meta["vocab"], dict)):
        return "the vocabulary is not an object"
    if not (meta.get("categories") is None or isinstance(meta["categories"], list)):
        return "the metadata is not a list"
    thinning = meta.get("thinning", {})
    if not isinstance(thinning, dict) or not all(_whole(thinning.get(k, 1), 1) and thinning.get(k, 1) < 2**62
                                                 for k in ("max_bytes", "max_count", "stride")) \
            or not _whole(thinning.get("seen", 0)) or thinning.get("seen", 0) > 2**62:
        return "the thinning state is not whole numbers"
    if not _whole(meta.get("kept") or 0) or not _whole(meta.get("copied") or 0) or (meta.get("kept") or 0) > (meta.get("copied") or 0):
        return "the counts of kept and copied snapshots are not whole numbers"
    history = meta.get("history") or []
    if not isinstance(history, list) or not all(
            isinstance(pair, list) and len(pair) == 2 and _whole(pair[0], -2**62) and (pair[1] is None or _number(pair[1]))
            for pair in history):
        return "the loss history is not a list of [step, loss]"
    return None


def read_payload(f, record: Record, path, vocab_size: int | None) -> np.ndarray:
    """A snapshot record's matrix as float32, its CRC checked."""
    meta = record.meta
    try:
        rows, dim = (int(v) for v in meta["shape"])
        dtype = np.dtype(meta["dtype"])
    except (KeyError, TypeError, ValueError):
        raise ExplorerError("damaged run file: a snapshot without a shape", path, offset=record.offset) from None
    if dtype.str not in DTYPES.values() or rows * dim * dtype.itemsize != record.nbytes:
        raise ExplorerError(f"damaged run file: a snapshot of {record.nbytes} bytes is not {rows} x {dim} {dtype}",
                            path, offset=record.offset)
    if vocab_size is not None and rows != vocab_size:
        raise ExplorerError(f"the run's matrix has {rows} rows for {vocab_size} tokens", path, offset=record.offset)
    data = np.empty(rows * dim, dtype=dtype)
    f.seek(record.data_offset)
    if f.readinto(memoryview(data).cast("B")) != record.nbytes:
        raise ExplorerError("damaged run file: a snapshot is cut short", path, offset=record.offset)
    if zlib.crc32(memoryview(data).cast("B"), record.meta_crc) != record.crc:
        raise ExplorerError("damaged run file: a snapshot's checksum does not match", path, offset=record.offset)
    data = data.reshape(rows, dim)
    return data if dtype == np.float32 else data.astype(np.float32)


def _snapshot(record: Record, weights: np.ndarray) -> Snapshot:
    meta = record.meta
    loss = meta.get("loss")
    return Snapshot(step=int(meta["step"]), epoch=int(meta.get("epoch", 0)),
                    loss=float("nan") if loss is None else float(loss),
                    tokens_seen=int(meta.get("tokens_seen", 0)), weights=weights,
                    elapsed=float(meta.get("elapsed", 0.0)), progress=float(meta.get("progress", 0.0)))


# -- the header's vocabulary ----------------------------------------------------------------
def vocab_dict(vocab: Vocabulary | None) -> dict | None:
    if vocab is None:
        return None
    tokenizer = vocab.tokenizer.to_dict() if getattr(vocab.tokenizer, "to_dict", None) else None
    return {"tokens": list(vocab.tokens), "counts": None if vocab.counts is None else np.asarray(vocab.counts).tolist(),
            "specials": dict(vocab.specials), "source": vocab.source, "kind": vocab.kind, "tokenizer": tokenizer}


def vocab_from(saved, rows: int, path) -> Vocabulary:
    """The header's vocabulary, or token names "0", "1", ... when the run logged none."""
    if saved is None:
        return Vocabulary(tokens=[str(i) for i in range(rows)], source=str(path), kind="ids")
    tokens = saved.get("tokens")
    if not isinstance(tokens, list) or not all(isinstance(t, str) for t in tokens):
        raise ExplorerError("damaged run file: tokens must be a list of strings", path)
    if len(tokens) != rows:
        raise ExplorerError(f"the run logged {len(tokens)} tokens for a matrix of {rows} rows", path)
    try:
        specials = {str(k): int(i) for k, i in (saved.get("specials") or {}).items()}
        vocab = Vocabulary(tokens=tokens, counts=saved.get("counts"), specials=specials,
                           source=str(saved.get("source") or path), kind=str(saved.get("kind") or "words"),
                           tokenizer=tokenizer_from_dict(saved.get("tokenizer")))
    except ExplorerError:
        raise
    except (TypeError, ValueError, KeyError, AttributeError, OverflowError) as exc:
        raise ExplorerError(f"damaged run file: its vocabulary ({type(exc).__name__}: {exc})", path) from None
    for role, i in vocab.specials.items():
        if not 0 <= i < len(vocab):
            raise ExplorerError(f"damaged run file: special token {role} has ID {i} outside the vocabulary", path)
    return vocab


def categories_from(saved, vocab: Vocabulary, path) -> list[str] | None:
    if saved is None:
        return None
    if not isinstance(saved, list) or len(saved) != len(vocab):
        raise ExplorerError("damaged run file: metadata must have one entry per token", path)
    return [str(label) for label in saved]


def make_vocab(tokens=None, counts=None) -> Vocabulary | None:
    """`tokens` as given to explorer.Run / explorer.show: a Vocabulary, a list of strings, or None."""
    if tokens is None:
        if counts is not None:
            raise ExplorerError("counts need tokens: give tokens=[...] too")
        return None
    if isinstance(tokens, Vocabulary):
        if counts is None:
            return tokens
        return Vocabulary(tokens=list(tokens.tokens), counts=counts, specials=dict(tokens.specials),
                          source=tokens.source, kind=tokens.kind, tokenizer=tokens.tokenizer)
    if isinstance(tokens, (str, bytes)):
        raise ExplorerError("tokens must be a list of strings, one per row (or a Vocabulary)")
    tokens = [str(t) for t in tokens]
    try:
        return Vocabulary(tokens=tokens, counts=counts)
    except ValueError as exc:
        raise ExplorerError(str(exc)) from None


def host_copy(weights, out: np.ndarray | None = None) -> np.ndarray:
    """A float32 copy of a numpy array or torch tensor (on any device), that the caller's
    training can no longer change; into `out` when it has the right shape (no allocation).
    torch is never imported here: a tensor is recognised by its `detach`."""
    if hasattr(weights, "detach") and hasattr(weights, "device"):
        tensor = weights.detach()
        if tensor.device.type != "cpu":
            tensor = tensor.to("cpu")  # the transfer is the copy
            array = tensor.float().numpy()
            if out is not None and out.shape == array.shape:
                np.copyto(out, array)
                return out
            return np.ascontiguousarray(array)
        float32 = tensor.dtype.is_floating_point and tensor.element_size() == 4
        array = tensor.numpy() if float32 else tensor.float().numpy()
    else:
        array = np.asarray(weights)
    if array.ndim != 2:
        raise ExplorerError(f"weights must be a matrix (rows x dim), not of shape {tuple(array.shape)}")
    if not np.issubdtype(array.dtype, np.number):
        raise ExplorerError(f"weights must be numbers, not {array.dtype}")
    if out is not None and out.shape == array.shape:
        np.copyto(out, array, casting="unsafe")
        return out
    return np.array(array, dtype=np.float32, order="C", copy=True)


# -- writing --------------------------------------------------------------------------------
@dataclass
class _Item:
    meta: dict
    weights: np.ndarray


class RunWriter:
    """Appends snapshots to a run file from a training loop: `log` copies the matrix and
    returns; a background thread writes it. At most `pending` copies wait (then `log` waits
    for the disk, so memory stays bounded). Errors in the thread surface at the next call."""

    def __init__(self, path: str | Path, vocab: Vocabulary | None = None, *, categories=None, metadata=None,
                 every: int | None = None, dtype: str = "float32", max_bytes: int = RUN_BYTES,
                 max_count: int = TIMELINE_MAX, durable: bool = True, pending: int = 2,
                 steps: int | None = None) -> None:
        self.path = Path(path)
        if steps is not None and (not isinstance(steps, int) or steps < 1):
            raise ExplorerError(f"steps must be a whole number >= 1, not {steps!r}")
        self.steps = steps  # the run's expected length, for progress and ETA (None: unknown)
        if dtype not in DTYPES:
            raise ExplorerError(f"dtype must be one of {', '.join(DTYPES)}, not {dtype!r}")
        if every is not None and (not isinstance(every, int) or every < 1):
            raise ExplorerError(f"every must be a whole number of steps >= 1, not {every!r}")
        if self.path.exists() and self.path.is_file() and self.path.stat().st_size and not is_run_file(self.path):
            raise ExplorerError("exists and is not a run file: choose another name", self.path)
        if categories is not None and vocab is not None and len(categories) != len(vocab):
            raise ExplorerError(f"metadata has {len(categories)} entries for {len(vocab)} tokens")
        self.vocab, self.every, self.dtype, self.durable = vocab, every, dtype, durable
        self.thinning = Thinning(max_bytes, max_count)
        self.history: list[list] = []  # [step, loss] of every snapshot written
        self._header = {"format": RUN_FORMAT, "version": RUN_VERSION, "vocab": vocab_dict(vocab),
                        "categories": None if categories is None else [str(c) for c in categories],
                        "metadata": metadata or {}, "every": every, "steps": steps, "dtype": dtype,
                        "created": time.time(),
                        "run_id": secrets.token_hex(8)}  # a follower tells a new run at the same path by it
        try:  # beside, then renamed over: a run already at `path` stays whole until this one starts
            fd, tmp = temp_beside(self.path)
            try:
                self._file = self._create(tmp, self._header_meta(copied=0, kept=0), fd)
                os.replace(tmp, self.path)
            except BaseException:
                tmp.unlink(missing_ok=True)
                raise
        except OSError as exc:
            raise ExplorerError(f"cannot create the run file ({exc.strerror or exc})", self.path) from None
        self._size = self._file.tell()
        self._records: list[Record] = []  # the snapshot records in the file now
        self._copied = 0
        self._queue: queue.Queue = queue.Queue(maxsize=max(1, pending))
        self._free: list[np.ndarray] = []  # buffers the thread has written, for the next copies
        self._free_lock = threading.Lock()
        self._error: BaseException | None = None
        self._losses: list[float] = []  # since the last snapshot (with `every`)
        self._last_step: int | None = None
        self._started = time.perf_counter()
        self.closed = False
        self.logged = 0  # snapshots handed to the thread
        self._thread = threading.Thread(target=self._write_loop, name=f"run log {self.path.name}", daemon=True)
        self._thread.start()
        # A script that ends without close() still gets what it logged written, and the end record.
        self._at_exit = functools.partial(_close_at_exit, weakref.ref(self))
        atexit.register(self._at_exit)

    # the caller's side -------------------------------------------------------------------
    def log(self, step: int, weights, loss=None, *, epoch: int = 0, tokens_seen: int = 0) -> bool:
        """Record `step`: its loss always; its matrix unless `every` says it is not due.
        Returns whether a snapshot was taken."""
        self._raise_error()
        if self.closed:
            raise ExplorerError("the run is closed", self.path)
        if loss is not None:
            loss = float(loss.item() if hasattr(loss, "item") else loss)
            self._losses.append(loss)
        step = int(step)
        if self.every is not None and self._last_step is not None and step - self._last_step < self.every:
            return False
        with self._free_lock:
            buffer = self._free.pop() if self._free else None
        array = host_copy(weights, buffer)
        if self.vocab is not None and array.shape[0] != len(self.vocab):
            raise ExplorerError(f"weights have {array.shape[0]} rows for {len(self.vocab)} tokens", self.path)
        if self._records or self.logged:
            if array.shape != self._shape:
                raise ExplorerError(f"weights of shape {array.shape} after {self._shape}: a run keeps one shape",
                                    self.path)
        self._shape = array.shape
        finite = [v for v in self._losses if np.isfinite(v)]
        mean = float(np.mean(finite)) if finite else (self._losses[-1] if self._losses else None)
        self._losses = []
        meta = {"step": step, "epoch": int(epoch), "loss": mean, "tokens_seen": int(tokens_seen),
                "elapsed": time.perf_counter() - self._started, "time": time.time(),
                "progress": 0.0 if self.steps is None else min(1.0, (step + 1) / self.steps)}
        self._last_step = step
        self.logged += 1
        self._put(_Item(meta, array))
        return True

    def close(self) -> None:
        """Write what is pending and the end record; wait for the thread."""
        if self.closed:
            self._raise_error()
            return
        self.closed = True
        atexit.unregister(self._at_exit)
        self._put(None)
        self._thread.join()
        self._raise_error()

    def flush(self) -> None:
        """Wait until every snapshot logged so far is on disk."""
        self._queue.join()
        self._raise_error()

    def _put(self, item) -> None:
        while True:
            try:
                self._queue.put(item, timeout=0.5)
                return
            except queue.Full:
                if not self._thread.is_alive():
                    self._raise_error()
                    raise ExplorerError("the run's writer stopped", self.path)

    def _raise_error(self) -> None:
        if self._error is not None:
            error, self._error = self._error, None
            raise error

    # the thread's side -------------------------------------------------------------------
    def _header_meta(self, copied: int, kept: int) -> dict:
        return {**self._header, "thinning": self.thinning.state(), "kept": kept, "copied": copied,
                "history": list(self.history) if copied else []}

    def _create(self, path: Path, header: dict, fd: int | None = None):
        if fd is not None:  # temp_beside's file is write-only: a later rewrite reads it back
            os.close(fd)
            f = open(path, "r+b")
        else:
            f = open(path, "w+b")
        _lock(f.fileno())
        f.write(MAGIC)
        frame, _ = _frame(HEADER, _meta_bytes(header))
        f.write(frame)
        f.flush()
        if self.durable:
            os.fsync(f.fileno())
        return f

    def _write_loop(self) -> None:
        failed = False
        while True:
            item = self._queue.get()
            try:
                if failed:
                    continue
                if item is None:
                    self._append(END, {"closed": time.time()}, None)
                    self._file.close()
                    return
                self._write_snapshot(item)
            except BaseException as exc:  # reported to the caller at its next call
                self._error = exc
                failed = True
                if item is None:
                    return
            finally:
                self._queue.task_done()

    def _write_snapshot(self, item: _Item) -> None:
        weights = item.weights
        payload = weights if self.dtype == "float32" else weights.astype(np.float16)
        payload = np.ascontiguousarray(payload, dtype=np.dtype(DTYPES[self.dtype]))
        item.meta["shape"] = list(weights.shape)
        item.meta["dtype"] = payload.dtype.str
        record = self._append(SNAPSHOT, item.meta, payload)
        with self._free_lock:
            if len(self._free) < 2:
                self._free.append(weights)
        self._records.append(record)
        self.history.append([record.meta["step"], record.meta["loss"]])
        self.thinning.add(record, record.nbytes)
        cap = self.thinning.capacity(record.nbytes)
        if len(self._records) > 2 * cap or self._size > 2 * cap * record.nbytes + (1 << 20):
            self._rewrite()

    def _append(self, kind: bytes, meta: dict, payload) -> Record:
        meta_bytes = _meta_bytes(meta)
        view = None if payload is None else memoryview(payload).cast("B")
        frame, nbytes = _frame(kind, meta_bytes, view)
        offset = self._size
        f = self._file
        f.write(frame)
        if view is not None:
            for start in range(0, len(view), COPY_CHUNK):
                f.write(view[start:start + COPY_CHUNK])
        f.flush()
        if self.durable:
            os.fsync(f.fileno())
        self._size = offset + len(frame) + nbytes
        record = Record(kind, offset, meta, offset + len(frame), nbytes, 0)
        return record

    def _rewrite(self) -> None:
        """Keep only the thinned snapshots (and the latest): a new file beside, renamed over."""
        keep = list(self.thinning.kept)
        latest = self._records[-1]
        if keep[-1] is not latest:
            keep.append(latest)
        fd, tmp = temp_beside(self.path)
        try:
            new = self._create(tmp, self._header_meta(copied=len(keep), kept=len(self.thinning.kept)), fd)
            moved = []
            size = new.tell()
            for record in keep:
                length = record.end - record.offset
                self._copy(self._file, new, record.offset, length)
                moved.append(Record(record.kind, size, record.meta, size + (record.data_offset - record.offset),
                                    record.nbytes, 0))
                size += length
            new.flush()
            if self.durable:
                os.fsync(new.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        old, self._file = self._file, new
        old.close()
        index = {id(r): m for r, m in zip(keep, moved)}
        self.thinning.kept = [index[id(r)] for r in self.thinning.kept]
        self._records = moved
        self._size = size
        self._copied = len(keep)

    @staticmethod
    def _copy(src, dst, offset: int, length: int) -> None:
        src.flush()
        dst.flush()
        dst.seek(0, os.SEEK_END)
        src_fd, dst_fd = src.fileno(), dst.fileno()
        copy_range = getattr(os, "copy_file_range", None)
        done = 0
        while done < length and copy_range is not None:
            try:
                n = copy_range(src_fd, dst_fd, length - done, offset + done)
            except OSError:
                break
            if n <= 0:
                break
            done += n
        while done < length:  # no copy_file_range (or it failed): through memory
            src.seek(offset + done)
            chunk = src.read(min(COPY_CHUNK, length - done))
            if not chunk:
                raise ExplorerError("the run file shrank while it was being thinned", src.name)
            dst.seek(0, os.SEEK_END)
            dst.write(chunk)
            done += len(chunk)
        src.seek(0, os.SEEK_END)
        dst.seek(0, os.SEEK_END)


def _close_at_exit(ref) -> None:
    writer = ref()
    if writer is not None and not writer.closed:
        try:
            writer.close()
        except Exception as exc:  # noqa: BLE001 (at exit: say it, do not raise)
            print(f"explorer.Run: {writer.path}: {exc}", file=sys.stderr)


def _lock(fd: int) -> None:
    """The writer holds an exclusive lock on its file: a follower whose shared lock succeeds
    knows the writer is gone (ended, or killed without closing)."""
    try:
        import fcntl

        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except (ImportError, OSError):
        pass


def writer_alive(f) -> bool | None:
    """Whether a process still writes the open run file `f` (None: cannot tell here)."""
    try:
        import fcntl
    except ImportError:
        return None
    try:
        fcntl.flock(f.fileno(), fcntl.LOCK_SH | fcntl.LOCK_NB)
    except OSError:
        return True
    fcntl.flock(f.fileno(), fcntl.LOCK_UN)
    return False


# -- reading --------------------------------------------------------------------------------
@dataclass
class RunContents:
    header: dict
    records: list[Record]  # snapshot records in file order
    closed: bool  # the end record is there
    torn: bool  # a record at the tail was cut short (a writer killed mid-write, or writing now)
    end: int  # where the last whole record ends
    history: list = field(default_factory=list)


def scan_run(f, path, size: int | None = None) -> RunContents:
    """The header and every whole record of an open run file (payloads not read)."""
    if size is None:
        size = os.fstat(f.fileno()).st_size
    f.seek(0)
    if f.read(len(MAGIC)) != MAGIC:
        raise ExplorerError("not a run file", path)
    header = read_record(f, len(MAGIC), size, path)
    if header is None or header.kind != HEADER:
        raise ExplorerError("damaged run file: its header is missing or cut short", path)
    meta = header.meta
    if meta.get("format") != RUN_FORMAT:
        raise ExplorerError("not an Embedding Explorer run", path)
    version = meta.get("version")
    if not isinstance(version, int) or version < 1:
        raise ExplorerError(f"damaged run file: version {version!r}", path)
    if version > RUN_VERSION:
        raise ExplorerError(f"run format version {version} is newer than this app understands ({RUN_VERSION}); "
                            "update Embedding Explorer to open it", path)
    records, closed, torn, offset = [], False, False, header.end
    while offset < size:
        record = read_record(f, offset, size, path)
        if record is None:
            torn = True
            break
        if record.kind == END:
            closed = True
            offset = record.end
            break
        if record.kind == SNAPSHOT:
            records.append(record)
        offset = record.end
    contents = RunContents(meta, records, closed, torn, offset)
    copied = int(meta.get("copied") or 0)
    contents.history = [list(pair) for pair in (meta.get("history") or [])] + \
        [[r.meta["step"], r.meta.get("loss")] for r in records[copied:]]
    return contents


def kept_records(contents: RunContents) -> list[Record]:
    """The snapshots the writer's thinning keeps (and the latest): those a reader shows."""
    records = contents.records
    if not records:
        return []
    meta = contents.header
    state = meta.get("thinning") or {}
    kept = int(meta.get("kept") or 0)
    copied = int(meta.get("copied") or 0)
    policy = Thinning(state.get("max_bytes", RUN_BYTES), state.get("max_count", TIMELINE_MAX),
                      state.get("stride", 1), state.get("seen", 0), records[:kept])
    for record in records[copied:]:
        policy.add(record, record.nbytes)
    out = list(policy.kept)
    if not out or out[-1] is not records[-1]:
        out.append(records[-1])
    return out


def _spread(records: list, count: int) -> list:
    """At most `count` of `records`, evenly spread, the first and the last kept."""
    if len(records) <= count:
        return records
    picks = sorted(set(np.linspace(0, len(records) - 1, max(2, count)).round().astype(int).tolist()))
    return [records[i] for i in picks]


@dataclass
class LoadedRun:
    """What a run file holds, as the fields of a Session (session.py makes it one)."""

    vocab: Vocabulary
    weights: np.ndarray
    initial_weights: np.ndarray
    categories: list | None
    history: dict
    snapshots: list[Snapshot]
    closed: bool = False


def load_run(path: str | Path, *, progress=None, should_cancel=None, max_bytes: int | None = None) -> LoadedRun:
    """A run file as the fields of a Session: the vocabulary, the latest matrix (and the first as the initial
    one), the loss of every snapshot, and the kept snapshots as the timeline (as many as the
    window's Timeline keeps, evenly spread). A torn tail is left out."""
    try:
        return _load_run(Path(path), progress, should_cancel, max_bytes)
    except (KeyError, TypeError, ValueError, OverflowError, IndexError, AttributeError) as exc:
        raise ExplorerError(f"damaged run file ({type(exc).__name__}: {exc})", path) from None


def snapshot_records(contents, path) -> list:
    """The run's kept snapshot records, oldest first; a run with none is a clear error."""
    records = kept_records(contents)
    if not records:
        raise ExplorerError("the run has no snapshot yet" + (" (it was closed before any log)"
                                                              if contents.closed else ""), path)
    return records


def _load_run(path: Path, progress, should_cancel, max_bytes) -> LoadedRun:
    from explorer.core.matrix.memory import check_bytes

    path = Path(path)
    if not path.exists():
        raise ExplorerError("no such file", path)
    try:
        with open(path, "rb") as f:
            contents = scan_run(f, path)
            records = snapshot_records(contents, path)
            rows, dim = (int(v) for v in records[-1].meta["shape"])
            vocab = vocab_from(contents.header.get("vocab"), rows, path)
            timeline = Timeline() if max_bytes is None else Timeline(max_bytes=max_bytes)
            count = timeline.capacity(_Sized(rows * dim * 4))  # as many as the window's timeline keeps
            chosen = _spread(records, count)
            check_bytes(sum(r.nbytes for r in chosen), what="the run's snapshots", path=path)
            snapshots = []
            for i, record in enumerate(chosen):
                if should_cancel is not None and should_cancel():
                    raise Cancelled()
                snapshots.append(_snapshot(record, read_payload(f, record, path, len(vocab))))
                if progress is not None:
                    progress((i + 1) / len(chosen))
    except OSError as exc:
        raise ExplorerError(f"cannot read the run ({exc.strerror or exc})", path) from None
    categories = categories_from(contents.header.get("categories"), vocab, path)
    history = {"loss": [[int(s), float(v)] for s, v in contents.history if v is not None and np.isfinite(v)]}
    last = snapshots[-1]
    return LoadedRun(vocab=vocab, weights=last.weights.copy(), initial_weights=snapshots[0].weights,
                     categories=categories, history=history if history["loss"] else {}, snapshots=snapshots,
                     closed=contents.closed)


class _Sized:
    """Stands in for a snapshot where only its matrix's size counts (Timeline.capacity)."""

    def __init__(self, nbytes: int) -> None:
        self.weights = self
        self.nbytes = nbytes


# -- following ------------------------------------------------------------------------------
class RunFollower:
    """Reads a run file as it grows: `poll()` returns the snapshots appended since the last
    call. Follows the writer's rewrites (a new file renamed over: read again, skipping the
    steps already seen). `ended` once the end record is read or the writer is gone."""

    def __init__(self, path: str | Path, run_id: str | None = None) -> None:
        self.path = Path(path)
        self.expected_id = run_id  # follow only this run (None: whichever is at `path`)
        self._f = None
        self._inode = None
        self._offset = 0
        self.header: dict | None = None
        self.vocab: Vocabulary | None = None
        self.categories = None
        self.last_step: int | None = None
        self.closed = False
        self.writer_gone = False
        self.replaced = False  # another run now writes to the path (a training script started again)
        self.count = 0

    @property
    def ended(self) -> bool:
        return self.closed or self.writer_gone or self.replaced

    @property
    def run_id(self) -> str | None:
        return None if self.header is None else self.header.get("run_id")

    def close(self) -> None:
        if self._f is not None:
            self._f.close()
            self._f = None

    def _open(self) -> bool:
        try:
            f = open(self.path, "rb")
        except FileNotFoundError:
            return False
        except OSError as exc:
            raise ExplorerError(f"cannot read the run ({exc.strerror or exc})", self.path) from None
        self.close()
        self._f = f
        self._inode = os.fstat(f.fileno()).st_ino
        self._offset = 0
        return True

    def poll(self, max_snapshots: int | None = None) -> list[Snapshot]:
        """The new whole snapshots (all of them, or at most `max_snapshots`, the rest next call)."""
        try:
            return self._poll(max_snapshots)
        except (KeyError, TypeError, ValueError, OverflowError, IndexError, AttributeError) as exc:
            raise ExplorerError(f"damaged run file ({type(exc).__name__}: {exc})", self.path) from None

    def _poll(self, max_snapshots: int | None) -> list[Snapshot]:
        if self.closed:
            return []
        try:
            inode = os.stat(self.path).st_ino
        except FileNotFoundError:
            inode = None
        if self._f is None or (inode is not None and inode != self._inode):
            if not self._open():
                return []
        f = self._f
        size = os.fstat(f.fileno()).st_size
        if self._offset == 0:
            if size < len(MAGIC) + FRAME.size:
                return []
            f.seek(0)
            if f.read(len(MAGIC)) != MAGIC:
                raise ExplorerError("not a run file", self.path)
            header = read_record(f, len(MAGIC), size, self.path)
            if header is None:
                return []
            contents = scan_run(f, self.path, header.end)  # checks the format and version
            if self.header is None and self.expected_id in (None, contents.header.get("run_id")):
                self.header = contents.header
                self.categories = self.header.get("categories")
            elif contents.header.get("run_id") != (self.run_id or self.expected_id):
                self.replaced = True  # not the run being followed: the caller decides
                return []
            self._offset = header.end
        elif size < self._offset:  # cut back in place: not the file being followed any more
            self.replaced = True
            return []
        out: list[Snapshot] = []
        while max_snapshots is None or len(out) < max_snapshots:
            record = read_record(f, self._offset, size, self.path)
            if record is None:
                break
            self._offset = record.end
            if record.kind == END:
                self.closed = True
                break
            if record.kind != SNAPSHOT:
                continue
            step = int(record.meta["step"])
            if self.last_step is not None and step <= self.last_step:
                continue  # already seen, before a rewrite
            rows = int(record.meta["shape"][0])
            if self.vocab is None:
                self.vocab = vocab_from(self.header.get("vocab"), rows, self.path)
            out.append(_snapshot(record, read_payload(f, record, self.path, len(self.vocab))))
            self.last_step = step
            self.count += 1
        if not out and not self.closed and writer_alive(f) is False and inode == self._inode \
                and read_record(f, self._offset, os.fstat(f.fileno()).st_size, self.path) is None:
            self.writer_gone = True  # no lock, nothing more: killed, or ended without closing
        return out


def tail_run(path: str | Path, stop: threading.Event | None = None, poll_seconds: float = POLL_SECONDS,
             wait_for_file: bool = True, run_id: str | None = None):
    """Generator of the run's snapshots as they arrive, and None whenever `poll_seconds` pass
    without one (so a worker running it can pause or stop). Ends when the run is closed,
    when its writer is gone, when another run replaces it at `path` (with `run_id`: when the
    run there is not that one), or when `stop` is set."""
    stop = stop or threading.Event()
    follower = RunFollower(path, run_id)
    try:
        if not wait_for_file and not Path(path).exists():
            raise ExplorerError("no such file", path)
        while not stop.is_set():
            snapshots = follower.poll(max_snapshots=1)
            if snapshots:
                yield snapshots[0]
                continue
            if follower.ended:
                return
            yield None
            stop.wait(poll_seconds)
    finally:
        follower.close()


def run_id_of(path: str | Path) -> str | None:
    """The id of the run written to `path` now (None: no readable run there)."""
    try:
        with open(path, "rb") as f:
            return _header_of(f, path).get("run_id")
    except (OSError, ExplorerError):
        return None


def _header_of(f, path) -> dict:
    size = os.fstat(f.fileno()).st_size
    f.seek(0)
    if f.read(len(MAGIC)) != MAGIC:
        raise ExplorerError("not a run file", path)
    header = read_record(f, len(MAGIC), size, path)
    if header is None or header.kind != HEADER:
        raise ExplorerError("damaged run file: its header is missing or cut short", path)
    return header.meta


def wait_for_run(path: str | Path, *, progress=None, should_cancel=None, poll_seconds: float = POLL_SECONDS,
                 stop: threading.Event | None = None):
    """Wait until the run at `path` holds its first snapshot (the file may not exist yet):
    returns (vocabulary, categories, that Snapshot, the run's id). Cancelled by
    `should_cancel` or `stop`."""
    follower = RunFollower(path)
    stop = stop or threading.Event()
    try:
        while True:
            if stop.is_set() or (should_cancel is not None and should_cancel()):
                raise Cancelled()
            snapshots = follower.poll(max_snapshots=1)
            if snapshots:
                categories = categories_from(follower.categories, follower.vocab, path)
                return follower.vocab, categories, snapshots[0], follower.run_id
            if follower.ended:
                raise ExplorerError("the run ended before logging any snapshot", path)
            stop.wait(poll_seconds)
    finally:
        follower.close()


def watch_job(path: str | Path, settings, previous, gate, timeline, stop: threading.Event | None = None,
              poll_seconds: float = POLL_SECONDS, run_id: str | None = None, tokens=None):
    """Generator a worker runs to follow a run file live (`TrainingRun.follow(watch_job, path,
    ...)`): each snapshot as it arrives goes through `live.frames` (the timeline, the live
    basis that follows the matrix, drawn frames gated by the GUI), so a watched run looks
    exactly like built-in training. While nothing arrives it yields "pacing" Frames every
    `poll_seconds`, so Pause and Stop act at once. Ends when the run is closed or its writer
    is gone (then the last matrix is drawn once more in the converged basis), or at `stop`;
    returns the last Projection. With `run_id`, only that run is followed (not a new one
    started at the same path meanwhile). `tokens` (the run's vocabulary) finds the ends of
    semantic axes, when the view shows them."""
    from dataclasses import replace as replaced

    from explorer.core.analysis.stability import RunStability
    from explorer.core.training.live import Frame, frames

    # one tracker across the whole run, so stability compares consecutive drawn frames
    projection, last, stability = previous, None, RunStability()
    for snap in tail_run(path, stop, poll_seconds, run_id=run_id):
        if snap is None:
            yield Frame("pacing", 0.0)
            continue
        last = snap
        inner = frames([snap], settings, projection, gate, timeline, tokens=tokens, stability=stability)
        while True:
            try:
                frame = next(inner)
            except StopIteration as done:
                projection = done.value
                break
            yield frame
    if last is not None and (stop is None or not stop.is_set()):
        # The end: the last matrix once more, drawn in the converged basis (already in the
        # timeline and the loss curve, so the frame carries no snapshot).
        # (Not measured again: the same matrix is no new point on the stability curve.)
        inner = frames([replaced(last, progress=1.0)], settings, projection, gate, Timeline(), tokens=tokens,
                       stability=RunStability(measured=False))
        while True:
            try:
                frame = next(inner)
            except StopIteration as done:
                projection = done.value
                break
            frame.snapshot = None
            yield frame
    return projection
