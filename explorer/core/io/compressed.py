"""Compressed files (.gz, .bz2, .xz), read as streams by every text reader.

A compressed file is recognised by its first bytes, whatever its name. `open_stream` gives a
binary file object that decompresses as it is read; its `fraction()` is the share of the
*compressed* file consumed, which is what progress bars show (the decompressed size of a
stream is unknown until its end). A damaged or truncated stream is an ExplorerError naming
the file and the compressed byte where reading stopped.

zstd (no decoder in Python's standard library) and zip archives (several files) are still
refused with a message saying how to decompress them (`textio.refuse_foreign`).
"""

from __future__ import annotations

import bz2
import gzip
import lzma
import os
import zlib
from pathlib import Path

from explorer.core import ExplorerError

FORMATS = ("gzip", "bzip2", "xz")
SUFFIXES = {".gz": "gzip", ".gzip": "gzip", ".bz2": "bzip2", ".xz": "xz"}
UNBOUNDED = 1 << 62  # "the file's size" of a compressed stream, for checks that bound counts by it


def compression_of(head: bytes) -> str | None:
    """"gzip", "bzip2" or "xz" when `head` (a file's first bytes) starts such a stream, else None."""
    if head.startswith(b"\x1f\x8b"):
        return "gzip"
    if head.startswith(b"\xfd7zXZ\x00"):
        return "xz"
    # "BZh" could start a text file: also require the block size digit and the first block's magic
    # (or the end-of-stream magic of an empty archive).
    if head[:3] == b"BZh" and b"1" <= head[3:4] <= b"9" and head[4:10] in (b"1AY&SY", b"\x17rE8P\x90"):
        return "bzip2"
    return None


def compression_of_file(path: str | Path) -> str | None:
    try:
        with open(path, "rb") as f:
            return compression_of(f.read(10))
    except (IsADirectoryError, FileNotFoundError, PermissionError):
        return None


def inner_name(path: str | Path) -> str:
    """The name of what a compressed file holds: "wiki.vec" for "wiki.vec.gz"."""
    name = Path(path).name
    stem, suffix = os.path.splitext(name)
    return stem if suffix.lower() in SUFFIXES and stem else name


def inner_suffix(path: str | Path) -> str:
    """The suffix of the file inside (".vec" for "wiki.vec.gz"; the file's own suffix otherwise)."""
    path = Path(path)
    if compression_of_file(path) is None:
        return path.suffix.lower()
    return Path(inner_name(path)).suffix.lower()


class Stream:
    """A binary file object over a plain or compressed file: read, readline, tell (decompressed
    position), fraction() (of the compressed file), close; a context manager."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        try:
            self.raw = open(self.path, "rb")
        except FileNotFoundError:
            raise ExplorerError("no such file", self.path) from None
        except IsADirectoryError:
            raise ExplorerError("is a folder, not a file", self.path) from None
        self.size = os.fstat(self.raw.fileno()).st_size
        self.format = compression_of(self.raw.read(10))
        self.raw.seek(0)
        if self.format == "gzip":
            self._f = gzip.GzipFile(fileobj=self.raw, mode="rb")
        elif self.format == "bzip2":
            self._f = bz2.BZ2File(self.raw, mode="rb")
        elif self.format == "xz":
            self._f = lzma.LZMAFile(self.raw, mode="rb")
        else:
            self._f = self.raw

    @property
    def compressed(self) -> bool:
        return self.format is not None

    def _damaged(self, exc: Exception) -> ExplorerError:
        return ExplorerError(f"damaged {self.format} data (truncated?), at compressed byte {self.raw.tell():,}: "
                             f"{exc or type(exc).__name__}", self.path)

    def read(self, n: int = -1) -> bytes:
        if not self.compressed:
            return self.raw.read(n)
        try:
            return self._f.read(n)
        except (EOFError, OSError, lzma.LZMAError, zlib.error, ValueError) as exc:
            raise self._damaged(exc) from None

    def readline(self, limit: int = -1) -> bytes:
        if not self.compressed:
            return self.raw.readline(limit)
        try:
            return self._f.readline(limit)
        except (EOFError, OSError, lzma.LZMAError, zlib.error, ValueError) as exc:
            raise self._damaged(exc) from None

    def readinto(self, buffer) -> int:
        """Fill `buffer` (a writable memoryview or array) as far as the file goes; bytes read."""
        view = memoryview(buffer).cast("B")
        total = 0
        while total < len(view):
            try:
                got = (self.raw if not self.compressed else self._f).readinto(view[total:])
            except (EOFError, OSError, lzma.LZMAError, zlib.error, ValueError) as exc:
                if not self.compressed:
                    raise
                raise self._damaged(exc) from None
            if not got:
                break
            total += got
        return total

    def skip(self, n: int) -> None:
        """Move `n` bytes forward from the start (a seek for plain files)."""
        if not self.compressed:
            self.raw.seek(n)
            return
        while n > 0:
            got = self.read(min(n, 1 << 20))
            if not got:
                return
            n -= len(got)

    def tell(self) -> int:
        return self._f.tell()

    def fraction(self) -> float:
        """How much of the file on disk has been read (compressed bytes, for progress)."""
        return min(1.0, self.raw.tell() / max(self.size, 1))

    def close(self) -> None:
        if self._f is not self.raw:
            self._f.close()
        self.raw.close()

    def __enter__(self) -> Stream:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def open_stream(path: str | Path) -> Stream:
    return Stream(path)


def read_head(path: str | Path, n: int = 65536) -> bytes:
    """The first `n` bytes of what the file holds (decompressed when it is compressed). A stream
    too damaged to give even that raises ExplorerError."""
    with Stream(path) as f:
        return f.read(n)


def read_all(path: str | Path, max_bytes: int, what: str = "file") -> bytes:
    """The whole content (decompressed), refused beyond `max_bytes` decompressed bytes."""
    with Stream(path) as f:
        data = f.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ExplorerError(f"this {what} holds more than {max_bytes / (1 << 20):.0f} MiB; the limit is "
                            f"{max_bytes / (1 << 20):.0f} MiB", path)
    return data
