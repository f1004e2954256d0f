"""Robust reading of line-oriented text files, shared by the readers.

`iter_blocks` reads a file in bounded binary chunks and yields blocks of whole
lines as text, so a huge file never sits in memory at once and a 100 MB file
on one line is refused after `max_line_bytes` instead of hanging. It handles a
UTF-8 byte-order mark and CRLF line endings, refuses binary files, and reports
invalid UTF-8 with the file, line and byte offset (`InvalidEncoding`), or
replaces it and counts the affected lines when asked to (`errors="replace"`).
gzip, bzip2 and xz files are decompressed as they are read (`explorer.core.io.compressed`),
with progress by compressed bytes; line numbers are those of the decompressed text.
"""

from __future__ import annotations

import codecs
import shlex
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from explorer.core import Cancelled, ExplorerError

CHUNK_BYTES = 1 << 20  # read this much at a time
MAX_LINE_BYTES = 8 << 20  # a longer line is refused: this is not line-oriented text
MAX_JSON_BYTES = 256 << 20  # JSON files are parsed whole; refuse anything larger
SNIFF_BYTES = 8192


class InvalidEncoding(ExplorerError):
    """Invalid UTF-8. The file can still be loaded with `errors="replace"`."""

    def __init__(self, path, line: int, offset: int, affected_lines: int, detail: str = "") -> None:
        self.affected_lines = affected_lines
        self.first_line = line
        lines = "1 line is" if affected_lines == 1 else f"{affected_lines:,} lines are"
        super().__init__(
            f"invalid UTF-8 {detail}at byte {offset:,}; {lines} affected. "
            "It can be loaded with replacement characters (\ufffd) instead.",
            path, line=line)
        self.offset = offset


@dataclass
class TextStats:
    """What `iter_blocks` noticed on the way: for warnings shown after a load."""

    lines: int = 0
    bom: bool = False
    crlf: bool = False
    replaced_lines: int = 0
    first_replaced_line: int | None = None

    def warnings(self, path) -> list[str]:
        out = []
        if self.replaced_lines:
            lines = "1 line" if self.replaced_lines == 1 else f"{self.replaced_lines:,} lines"
            out.append(f"{path}: invalid UTF-8 replaced by \ufffd on {lines} "
                       f"(first: line {self.first_replaced_line})")
        return out


def is_number(text: bytes | str) -> bool:
    """Whether a field reads as a number, as `float` reads it (bytes or text: "1e-3", "nan", " 2 ")."""
    try:
        float(text)
    except ValueError:
        return False
    return True


# Compressed files: (magic bytes, format, the command that decompresses it, the suffix that command expects).
COMPRESSED = (
    (b"\x1f\x8b", "gzip", "gunzip", ".gz"),
    (b"\xfd7zXZ\x00", "xz", "unxz", ".xz"),
    (b"\x28\xb5\x2f\xfd", "zstd", "unzstd", ".zst"),
)
FASTTEXT_MAGIC = b"\xba\x16\x4f\x2f"  # int32 0x2F4F16BA, little-endian, at offset 0
ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")  # a zip's first entry, or an empty zip's end record
FASTTEXT_NOT_TEXT = ("a Facebook fastText binary model (.bin), not text: open it as vectors (File > Open, "
                     "or `embedding-explorer vectors FILE`)")


def _is_bzip2(head: bytes) -> bool:
    # "BZh" could start a text file: also require the block size digit and the first block's magic
    # (or the end-of-stream magic of an empty archive).
    return head[:3] == b"BZh" and b"1" <= head[3:4] <= b"9" and head[4:10] in (b"1AY&SY", b"\x17rE8P\x90")


def _decompress_hint(path, tool: str, suffix: str) -> str:
    name = Path(path).name
    if name.lower().endswith(suffix) and len(name) > len(suffix):
        return f"{tool} {shlex.quote(name)}"
    return f"{tool} -c {shlex.quote(name)} > {shlex.quote(name + '.out')}"  # the tool wants its suffix


def refuse_foreign(head: bytes, path, *, zip_ok: bool = False) -> None:
    """Raise ExplorerError naming the format of a file no reader takes as it is: compressed
    (gzip, bzip2, xz, zstd, zip unless `zip_ok`) or a Facebook fastText binary model.

    Every loader's first-bytes check calls this, so each path reports the same message."""
    if head.startswith(FASTTEXT_MAGIC):
        raise ExplorerError(FASTTEXT_NOT_TEXT, path, offset=0)
    for magic, fmt, tool, suffix in COMPRESSED:
        if head.startswith(magic):
            raise ExplorerError(f"{fmt}-compressed: decompress it first ({_decompress_hint(path, tool, suffix)})",
                                path, offset=0)
    if _is_bzip2(head):
        raise ExplorerError(f"bzip2-compressed: decompress it first ({_decompress_hint(path, 'bunzip2', '.bz2')})",
                            path, offset=0)
    if not zip_ok and head.startswith(ZIP_MAGIC):
        raise ExplorerError("a zip archive (a binary file), not an Embedding Explorer session: extract the file "
                            f"you want from it first (unzip {shlex.quote(Path(path).name)})", path, offset=0)


EXECUTABLES = ((b"\x7fELF", "an executable (ELF)"), (b"MZ", "a Windows executable"),
               (b"\xcf\xfa\xed\xfe", "an executable (Mach-O)"), (b"\xca\xfe\xba\xbe", "an executable (Mach-O)"),
               (b"\x89PNG", "a PNG image"), (b"\xff\xd8\xff", "a JPEG image"), (b"%PDF", "a PDF document"),
               (b"GIF8", "a GIF image"), (b"SQLite format 3\x00", "an SQLite database"))


def describe_binary(head: bytes) -> str | None:
    """"a binary file (...)" when the first bytes are not text (NUL bytes, mostly undecodable,
    or a known executable or image signature), else None."""
    for magic, what in EXECUTABLES:
        if head.startswith(magic) and (magic != b"MZ" or b"\x00" in head[:64]):
            return f"a binary file ({what})"
    if b"\x00" in head[:SNIFF_BYTES]:
        return "a binary file (it holds NUL bytes)"
    sample = head[:SNIFF_BYTES]
    if len(sample) >= 64:
        text = sample.decode("utf-8", errors="replace")
        bad = text.count("\ufffd") + sum(1 for c in text if c < " " and c not in "\t\n\r\f\v")
        if bad > 0.1 * len(text) + 4:
            return "a binary file (mostly undecodable bytes)"
    return None


def sniff_binary(head: bytes, path) -> None:
    """Raise ExplorerError when the first bytes say this is not UTF-8 text."""
    refuse_foreign(head, path)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise ExplorerError("this text is UTF-16 encoded; save it as UTF-8", path, offset=0)
    for magic, what in EXECUTABLES:
        if head.startswith(magic) and (magic != b"MZ" or b"\x00" in head[:64]):
            raise ExplorerError(f"this is a binary file ({what}), not text", path, offset=0)
    nul = head.find(b"\x00")
    if nul >= 0:
        raise ExplorerError("this is a binary file, not text (NUL byte)", path, offset=nul)
    sample = head[:SNIFF_BYTES]
    if len(sample) >= 64:
        text = sample.decode("utf-8", errors="replace")
        bad = text.count("\ufffd") + sum(1 for c in text if c < " " and c not in "\t\n\r\f\v")
        if bad > 0.1 * len(text) + 4:
            raise ExplorerError("this is a binary file, not text (mostly undecodable bytes)", path, offset=0)


def iter_blocks(
    path: str | Path,
    *,
    errors: str = "strict",
    max_line_bytes: int = MAX_LINE_BYTES,
    chunk_bytes: int = CHUNK_BYTES,
    stats: TextStats | None = None,
    progress: Callable[[float], None] | None = None,
    should_cancel: Callable[[], bool] | None = None,
) -> Iterator[tuple[int, str]]:
    """Yield `(first_line_number, text)`: blocks of whole lines joined by "\\n".

    Line numbers are 1-based and count every line, blank ones too. CRLF becomes
    LF and a leading BOM is dropped. `errors` is "strict" (raise InvalidEncoding,
    after counting the affected lines) or "replace" (U+FFFD, counted in `stats`).
    """
    if errors not in ("strict", "replace"):
        raise ValueError(f"errors must be 'strict' or 'replace', not {errors!r}")
    from explorer.core.io.compressed import open_stream

    path = Path(path)
    stats = stats if stats is not None else TextStats()
    with open_stream(path) as f:
        if f.size == 0:
            raise ExplorerError("the file is empty", path)
        line_no = 1  # number of the first line in `carry`
        offset = 0  # byte offset of `carry` in the file
        carry = b""
        first = True
        failure: tuple[int, int, str] | None = None  # (line, offset, detail) of the first bad byte
        while True:
            if should_cancel is not None and should_cancel():
                raise Cancelled()
            chunk = f.read(chunk_bytes)
            if first:
                first = False
                if not chunk:
                    raise ExplorerError("the file is empty (once decompressed)", path)
                sniff_binary(chunk, path)
                if chunk.startswith(codecs.BOM_UTF8):
                    chunk = chunk[len(codecs.BOM_UTF8):]
                    offset = len(codecs.BOM_UTF8)
                    stats.bom = True
            if chunk:
                data = carry + chunk if carry else chunk
                cut = data.rfind(b"\n")
                if cut < 0:
                    carry = data
                    if len(carry) > max_line_bytes:
                        raise _too_long(path, line_no, offset, max_line_bytes)
                    continue
                block, carry = data[:cut], data[cut + 1:]
                if len(carry) > max_line_bytes:
                    raise _too_long(path, line_no + block.count(b"\n") + 1, offset + cut + 1, max_line_bytes)
            else:  # end of file: the last line has no newline
                if not carry:
                    break
                block, carry = carry, b""
            n_lines = block.count(b"\n") + 1
            text, bad = _decode(block, line_no, offset, errors, stats)
            if bad is not None and failure is None:
                failure = bad
            if failure is None:
                yield line_no, text
            line_no += n_lines
            offset += len(block) + 1
            stats.lines = line_no - 1
            if progress is not None:
                progress(f.fraction())
            if not chunk:
                break
        if failure is not None:
            raise InvalidEncoding(path, failure[0], failure[1], stats.replaced_lines, failure[2])


def _decode(block: bytes, line_no: int, offset: int, errors: str, stats: TextStats):
    """Decode whole lines; count (and in strict mode locate) the ones with invalid UTF-8."""
    try:
        text = block.decode("utf-8")
        bad = None
    except UnicodeDecodeError as exc:
        bad_line = line_no + block.count(b"\n", 0, exc.start)
        detail = f"(byte 0x{block[exc.start]:02x}) "
        bad = (bad_line, offset + exc.start, detail)
        lines = block.split(b"\n")
        out = []
        for i, raw in enumerate(lines):
            try:
                out.append(raw.decode("utf-8"))
            except UnicodeDecodeError:
                stats.replaced_lines += 1
                if stats.first_replaced_line is None:
                    stats.first_replaced_line = line_no + i
                out.append(raw.decode("utf-8", errors="replace"))
        text = "\n".join(out)
        if errors == "replace":
            bad = None
    if "\r" in text:
        if "\r\n" in text:
            stats.crlf = True
        text = text.replace("\r\n", "\n")
    return text, bad


def _too_long(path, line: int, offset: int, limit: int) -> ExplorerError:
    return ExplorerError(
        f"line {line} is longer than {limit / (1 << 20):g} MiB (still going at byte {offset + limit:,}); "
        "this does not look like line-oriented text (one token, sentence or document per line)",
        path, line=line)


def read_text(path: str | Path, *, max_bytes: int = MAX_JSON_BYTES, what: str = "file") -> str:
    """Read a whole (small) text file strictly: BOM dropped, errors name the line."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise ExplorerError("no such file", path) from None
    if path.is_dir():
        raise ExplorerError("is a folder, not a file", path)
    if size == 0:
        raise ExplorerError("the file is empty", path)
    if size > max_bytes:
        raise ExplorerError(f"this {what} is {size / (1 << 20):.0f} MiB; the limit is "
                            f"{max_bytes / (1 << 20):.0f} MiB", path)
    from explorer.core.io.compressed import read_all

    data = read_all(path, max_bytes, what)
    if not data:
        raise ExplorerError("the file is empty (once decompressed)", path)
    sniff_binary(data[:SNIFF_BYTES], path)
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ExplorerError(f"invalid UTF-8 (byte 0x{data[exc.start]:02x}) at byte {exc.start:,}",
                            path, line=line) from None


def line_of(text: str, index: int) -> int:
    """1-based line number of character `index` in `text`."""
    return text.count("\n", 0, max(0, index)) + 1
