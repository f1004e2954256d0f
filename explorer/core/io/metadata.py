"""Metadata columns: per-token values (part of speech, frequency band, a score) from a
TSV/CSV such as the TensorBoard Projector's `metadata.tsv`, aligned to the vocabulary.

`Metadata.columns` maps a column name to one value per token (in ID order); a token the
file did not name gets "" (text) or NaN (numeric).

The file follows the Projector's rules: ONE column means no header (each line is the label
of one row); SEVERAL columns mean the first line is the header. Rows are aligned to the
vocabulary by their order when there are as many as tokens, else by a token column
(`token`, `word` or `label`, any case), whose values are then the vocabulary's own tokens
and not kept as a column of their own.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from explorer.core import Cancelled, ExplorerError

KEY_COLUMNS = ("token", "word", "label")  # a header column naming the token of each row
ONE_COLUMN_NAME = "label"  # the Projector's name for the single column of a headerless file
MAX_BYTES = 512 << 20  # metadata is read whole: anything larger is not a metadata table
TSV_SUFFIXES = (".tsv", ".tab")
CSV_SUFFIXES = (".csv",)
SNIFF_LINES = 20  # lines looked at to tell TSV from CSV when the name does not say


@dataclass
class Metadata:
    columns: dict[str, np.ndarray] = field(default_factory=dict)  # name -> (n_tokens,) array
    source: str = ""  # the file it was read from
    aligned_by: str = ""  # "" (row order) or the token column the rows were matched by
    missing: int = 0  # tokens the file did not name (aligned by token)
    extra: int = 0  # rows naming a token that is not in the vocabulary (aligned by token)

    @property
    def names(self) -> list[str]:
        return list(self.columns)

    def __len__(self) -> int:
        """The number of tokens it describes (0 without columns)."""
        return len(next(iter(self.columns.values()))) if self.columns else 0

    def is_numeric(self, name: str) -> bool:
        """A column whose values are all numbers (or missing) is coloured by a gradient."""
        return self.columns[name].dtype.kind == "f"

    def values(self, name: str) -> np.ndarray:
        """The column as shown: text (object array, "" for missing) or float (NaN for missing)."""
        return self.columns[name]

    def kind(self, name: str) -> str:
        return "number" if self.is_numeric(name) else "text"

    def summary(self) -> str:
        """One line: how many columns from which file, and how the rows were matched."""
        n = len(self.columns)
        text = f"{n} column{'s' if n != 1 else ''} from {Path(self.source).name or 'memory'}"
        if self.aligned_by:
            text += f", matched by its {self.aligned_by!r} column"
            if self.missing:
                text += f"; {self.missing:,} tokens not in the file"
            if self.extra:
                text += f"; {self.extra:,} rows name tokens not in the vocabulary (ignored)"
        return text


def column_from_strings(values: list[str]) -> np.ndarray:
    """Numbers when every non-empty value reads as one (float32, NaN missing), else text ("" missing)."""
    numbers = np.full(len(values), np.nan, dtype=np.float32)
    for i, value in enumerate(values):
        text = value.strip()
        if not text:
            continue
        if "_" in text:  # Python's float() reads "1_000"; a table's reader should not
            return _text(values)
        try:
            numbers[i] = float(text)
        except ValueError:
            return _text(values)
    if np.isnan(numbers).all() and not any(v.strip().lower() == "nan" for v in values):
        return _text(values)  # nothing but blanks: a text column with every value missing
    return numbers


def _text(values: list[str]) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


def _decode(data: bytes, path: Path) -> str:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ExplorerError(f"invalid UTF-8 at byte {exc.start:,}: metadata must be UTF-8 text",
                            path, line=line) from None
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise ExplorerError("a NUL byte: this is a binary file, not a metadata table", path, line=line)
    return text


def _delimiter(path: Path, text: str) -> str:
    """Tab or comma: by the name (.tsv, .tab / .csv), else by the first lines: any tab means TSV;
    the same number of commas on each means CSV; anything else is one column of labels."""
    suffix = path.suffix.lower()
    if suffix in TSV_SUFFIXES:
        return "\t"
    if suffix in CSV_SUFFIXES:
        return ","
    head = [line for line in text.split("\n", SNIFF_LINES)[:SNIFF_LINES] if line.strip()]
    if any("\t" in line for line in head):
        return "\t"
    commas = {line.count(",") for line in head}
    return "," if len(commas) == 1 and 0 not in commas else "\t"


def _rows(text: str, delimiter: str, path: Path) -> tuple[list[list[str]], list[int]]:
    """The records and the line each starts on (a quoted CSV field may span lines)."""
    lines = [line[:-1] if line.endswith("\r") else line for line in text.split("\n")]
    while lines and not lines[-1].strip():
        lines.pop()  # blank lines at the end are no rows
    if delimiter == "\t":  # the Projector splits on tabs and has no quoting
        return [line.split("\t") for line in lines], list(range(1, len(lines) + 1))
    reader = csv.reader(lines, strict=True)
    rows, starts = [], []
    try:
        line = 1
        for row in reader:
            rows.append(row)
            starts.append(line)
            line = reader.line_num + 1
    except csv.Error as exc:
        raise ExplorerError(f"not valid CSV ({exc})", path, line=reader.line_num) from None
    return rows, starts


def read_metadata(path, vocab, *, progress=None, should_cancel=None) -> Metadata:
    """Read a metadata TSV/CSV for `vocab` (an explorer Vocabulary, or any sequence of tokens).

    Every problem is an ExplorerError naming the file (and the line, where there is one).
    `progress` / `should_cancel`: the long-job hooks (checked between the stages of the read)."""

    def stage(fraction: float) -> None:
        if should_cancel is not None and should_cancel():
            raise Cancelled()
        if progress is not None:
            progress(fraction)

    path = Path(path)
    tokens = list(getattr(vocab, "tokens", vocab))
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise ExplorerError(f"{size:,} bytes is too large for a metadata table "
                                f"(at most {MAX_BYTES >> 20} MiB)", path)
        data = path.read_bytes()
    except FileNotFoundError:
        raise ExplorerError("no such file", path) from None
    except IsADirectoryError:
        raise ExplorerError("a folder, not a metadata file", path) from None
    except OSError as exc:
        raise ExplorerError(f"cannot read it ({exc.strerror or exc})", path) from None
    stage(0.2)
    text = _decode(data, path)
    if not text.strip():
        raise ExplorerError("the file is empty: a metadata table has one line per token", path)
    rows, lines = _rows(text, _delimiter(path, text), path)
    stage(0.5)
    width = len(rows[0])
    if width == 1:
        if any(len(row) != 1 for row in rows):  # a later line with separators in it
            bad = next(i for i, row in enumerate(rows) if len(row) != 1)
            raise ExplorerError(f"{len(rows[bad])} fields where line 1 has 1", path, line=lines[bad])
        labels = [row[0] if row else "" for row in rows]
        if len(labels) != len(tokens):
            raise ExplorerError(
                f"{len(labels):,} labels for {len(tokens):,} tokens: a file of one column has no header and "
                "needs one line per token (or add a header with a 'token' column to match rows by token)", path)
        return Metadata({ONE_COLUMN_NAME: column_from_strings(labels)}, str(path))
    header = [name.strip() for name in rows[0]]
    names = _column_names(header, path)
    body = rows[1:]
    for i, row in enumerate(body):
        if len(row) != width:
            raise ExplorerError(f"{len(row)} fields where the header has {width}", path, line=lines[i + 1])
    key = next((j for j, name in enumerate(header) if name.lower() in KEY_COLUMNS), None)
    fields_by_column = list(zip(*body)) if body else [()] * width
    ids, aligned_by, missing, extra = _alignment(body, key, header, vocab, tokens, path)
    stage(0.7)
    columns: dict[str, np.ndarray] = {}
    for j, name in enumerate(names):
        if j == key and (aligned_by or _same_tokens(fields_by_column[j], tokens)):
            continue  # the vocabulary's own tokens: no column of their own
        values = list(fields_by_column[j])
        if ids is not None:
            placed = [""] * len(tokens)
            for row, token_id in enumerate(ids):
                if token_id >= 0:
                    placed[token_id] = values[row]
            values = placed
        columns[name] = column_from_strings(values)
        stage(0.7 + 0.3 * (j + 1) / width)
    return Metadata(columns, str(path), aligned_by, missing, extra)


def _column_names(header: list[str], path: Path) -> list[str]:
    names = [name or f"column {j + 1}" for j, name in enumerate(header)]
    seen: dict[str, int] = {}
    for j, name in enumerate(names):
        if name in seen:
            raise ExplorerError(f"columns {seen[name] + 1} and {j + 1} are both named {name!r}", path, line=1)
        seen[name] = j
    return names


def _lookup(vocab, tokens: list[str]) -> dict[str, int]:
    """Token -> ID, also under the name our projector export writes for a blank token and
    under the token as the window shows it (GPT-2's byte-level pieces decoded)."""
    from explorer.core.io.export import projector_label

    index: dict[str, int] = {}
    for i, token in enumerate(tokens):
        index.setdefault(token, i)
        index.setdefault(projector_label(token), i)
    for i, shown in enumerate(getattr(vocab, "display_tokens", None) or ()):
        index.setdefault(shown, i)
    return index


def _same_tokens(values, tokens: list[str]) -> bool:
    if len(values) != len(tokens):
        return False
    from explorer.core.io.export import projector_label

    return all(v == t or v == projector_label(t) for v, t in zip(values, tokens))


def _alignment(body, key, header, vocab, tokens, path):
    """(row -> token ID or -1, or None for row order; the key column's name or ""; missing; extra)."""
    same_count = len(body) == len(tokens)
    if key is not None and not (same_count and _same_tokens([r[key] for r in body], tokens)):
        index = _lookup(vocab, tokens)
        ids = np.full(len(body), -1, dtype=np.int64)
        taken = np.zeros(len(tokens), dtype=bool)
        extra = 0
        for row, fields in enumerate(body):
            token_id = index.get(fields[key])
            if token_id is None:
                extra += 1
            elif not taken[token_id]:  # a token named twice: its first row counts
                taken[token_id] = True
                ids[row] = token_id
        matched_all = extra == 0 and taken.all()
        if same_count and not matched_all:
            return None, "", 0, 0  # one row per token: the Projector's rule is row order
        if not taken.any():
            raise ExplorerError(f"{len(body):,} rows for {len(tokens):,} tokens, and none of them names a "
                                f"token of the vocabulary in its {header[key]!r} column", path)
        return ids, header[key], int((~taken).sum()), extra
    if len(body) != len(tokens):
        hint = " (a file of several columns starts with a header line: add one)" \
            if len(body) + 1 == len(tokens) else ""
        raise ExplorerError(
            f"{len(body):,} rows for {len(tokens):,} tokens, and no token column ("
            + ", ".join(KEY_COLUMNS) + ") to match them by: the rows must be one per token, in ID order" + hint,
            path)
    return None, "", 0, 0


# -- filtering ------------------------------------------------------------------------
_COMPARISON = re.compile(r"^\s*(<=|>=|<|>|=)\s*(.+)$")
_RANGE = re.compile(r"^\s*(.+?)\s*\.\.\s*(.+?)\s*$")


def matching_ids(metadata: Metadata, column: str, value: str) -> np.ndarray:
    """Token IDs whose `column` has `value`, ascending.

    Text: the value itself (any case), several separated by commas, or /regex/; an empty
    value matches the tokens with the value missing. Numbers: `5`, `>= 3`, `< 0.5`, `2..5`
    (inclusive); an empty value matches the missing ones. A value that cannot be read as
    such is an ExplorerError saying what is expected."""
    if column not in metadata.columns:
        raise ExplorerError(f"no metadata column {column!r}; the columns are {', '.join(metadata.names) or 'none'}")
    values = metadata.values(column)
    value = value.strip()
    if metadata.is_numeric(column):
        return np.flatnonzero(_numeric_match(values, value, column))
    text = np.asarray([str(v).lower() for v in values], dtype=object)
    if not value:
        return np.flatnonzero(np.array([not v.strip() for v in text], dtype=bool))
    if len(value) > 1 and value.startswith("/") and value.endswith("/"):
        try:
            pattern = re.compile(value[1:-1], re.IGNORECASE)
        except re.error as exc:
            raise ExplorerError(f"the pattern {value} is not a valid regular expression ({exc})") from None
        return np.flatnonzero(np.fromiter((bool(pattern.search(v)) for v in values.tolist()), bool, len(values)))
    wanted = {part.strip().lower() for part in value.split(",")} if "," in value else {value.lower()}
    return np.flatnonzero(np.fromiter((v in wanted for v in text.tolist()), bool, len(values)))


def _number(text: str, column: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise ExplorerError(f"{column!r} holds numbers: filter by a number, a comparison such as "
                            f"'>= 3' or a range such as '2..5', not {text!r}") from None


def _numeric_match(values: np.ndarray, value: str, column: str) -> np.ndarray:
    if not value:
        return np.isnan(values)
    comparison = _COMPARISON.match(value)
    if comparison:
        op, number = comparison.group(1), _number(comparison.group(2), column)
        with np.errstate(invalid="ignore"):
            return {"<": values < number, "<=": values <= number, ">": values > number,
                    ">=": values >= number, "=": values == np.float32(number)}[op]
    span = _RANGE.match(value)
    if span:
        low, high = _number(span.group(1), column), _number(span.group(2), column)
        return (values >= low) & (values <= high)
    return values == np.float32(_number(value, column))
