"""Shared machinery of the fuzz tests: case budget, per-case time guard, mutations of real files.

Every case must end in a value or in `ExplorerError` (naming the file) / `Cancelled`. Anything else (another
exception type, a case running past `CASE_SECONDS`, a crash) fails the test, and
hypothesis prints the smallest input it could shrink the failure to.

Size: `FUZZ_EXAMPLES` (environment) is the number of cases per reader; `make test` uses the
default below, `make fuzz` the full size (>= 1,000 per reader). `CASES` counts the cases
that really ran, per reader; `tests/fuzz/conftest.py` prints the table at the end.

Seed: `FUZZ_SEED` (environment) seeds every fuzz test, so a run's cases can be drawn again.
Unset, the reduced size uses DEFAULT_SEED (`make test` runs the same cases every time) and the
full size draws a new seed (each `make fuzz` explores new cases). The seed is printed at the
start and in the summary; `FUZZ_SEED=<seed> make fuzz` replays a run. A failure found this way
becomes a regression test in tests/fuzz/test_regressions.py.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import signal
import tempfile
import zlib
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, seed, settings
from hypothesis import strategies as st

from explorer.core import Cancelled, ExplorerError
from tests.conftest import SHARED_DATA

DEFAULT_EXAMPLES = 60  # per reader, for `make test`; `make fuzz` sets FUZZ_EXAMPLES=1200
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", DEFAULT_EXAMPLES))
FULL = EXAMPLES > DEFAULT_EXAMPLES
CASE_SECONDS = float(os.environ.get("FUZZ_CASE_SECONDS", 20))  # a case running longer is a hang
MAX_BYTES = 2 << 20  # mutated files stay below this (bounded input sizes)
DEFAULT_SEED = 0  # the reduced size's fixed cases


def _seed() -> int:
    given = os.environ.get("FUZZ_SEED", "").strip()
    if given:
        return int(given)
    return random.SystemRandom().randrange(2**32) if FULL else DEFAULT_SEED


SEED = _seed()
REPLAY = f"FUZZ_SEED={SEED} FUZZ_EXAMPLES={EXAMPLES} to replay"

CASES: Counter = Counter()  # reader -> cases run
OUTCOMES: dict[str, Counter] = {}  # reader -> {"value": n, "ExplorerError": n, ...}


def fuzz_settings(share: float = 0.5):
    """Hypothesis settings for one test that covers `share` of its reader's cases, seeded
    from SEED (and the test's name, so that tests with the same strategy draw different cases)."""
    chosen = settings(
        max_examples=max(1, round(EXAMPLES * share)),
        deadline=None,
        database=None,  # no replay of old failures: the seed alone says which cases run
        print_blob=True,
        suppress_health_check=list(HealthCheck),
    )

    def apply(test):
        return seed(SEED ^ zlib.crc32(test.__qualname__.encode()))(chosen(test))

    return apply


class CaseTimeout(BaseException):
    """A case ran past CASE_SECONDS. BaseException, so that no reader's `except Exception`
    can turn a hang into a clean-looking error."""


@contextmanager
def time_limit(seconds: float = CASE_SECONDS):
    def fire(_signum, _frame):
        raise CaseTimeout(f"the case ran for more than {seconds} s (a hang?)")

    previous = signal.signal(signal.SIGALRM, fire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def run_case(reader: str, fn, *args, check=None, **kwargs):
    """Run one case: returns the value or the ExplorerError; fails on anything else."""
    CASES[reader] += 1
    outcomes = OUTCOMES.setdefault(reader, Counter())
    with time_limit():
        try:
            value = fn(*args, **kwargs)
        except (ExplorerError, Cancelled) as exc:
            outcomes[type(exc).__name__] += 1
            assert str(exc).strip() or isinstance(exc, Cancelled), "an error without a message"
            assert isinstance(exc, Cancelled) or exc.path, f"an error that does not name the file: {exc}"
            return exc
    outcomes["value"] += 1
    if check is not None:
        check(value)
    return value


# -- real files --------------------------------------------------------------------------
def shared(relative: str) -> Path:
    path = SHARED_DATA / relative
    if not path.exists():
        pytest.skip(f"real data file {path} is absent")
    return path


class Scratch:
    """A folder for one test's cases, emptied before each case."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="explorer-fuzz-"))

    def fresh(self) -> Path:
        for child in self.root.iterdir():
            if child.is_dir():
                shutil.rmtree(child)
            else:
                child.unlink()
        return self.root

    def close(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


# -- mutations ---------------------------------------------------------------------------
NASTY = [
    b"nan", b"NaN", b"-nan", b"inf", b"-Infinity", b"1e999", b"-1e-999", b"0x1p3", b"1_000", b"--1",
    b"\x00", b"\xff", b"\xfe\xff", b"\xc3", b"\xe2\x82", b"\xf0\x9f\x98", b"\xed\xa0\x80", b"\xc0\xaf",
    b"\xef\xbb\xbf", b"\r", b"\r\n", b"\n", b"\n\n\n", b"\t", b" ", b"  ", b"\x0b", b"\x0c", b"\x85",
    b'"', b"\\", b"{", b"}", b"[", b"]", b":", b",", b"null", b"true", b"-", b"0", b"-0", b"1",
    b"999999999999999999999", b"4294967296", b"-1", b"1e-45", b"3.4e38", b"__label__x", b"#",
    b"<unk>", b"[UNK]", b"<|endoftext|>", b"\xd0\x9f\xd1\x80", b"\xe4\xb8\xad", b"\\u0000", b"\\ud800",
    b"9" * 5000,  # int() refuses more than 4,300 digits
]
# First bytes of formats no reader takes as they are (compressed, zip, fastText .bin): they must be named.
MAGIC = [b"\x1f\x8b\x08\x00", b"BZh91AY&SY", b"\xfd7zXZ\x00", b"\x28\xb5\x2f\xfd", b"PK\x03\x04",
         b"\xba\x16\x4f\x2f\x0c\x00\x00\x00"]
NUMBER = re.compile(rb"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")


def _line_bounds(data: bytes) -> list[tuple[int, int]]:
    out, start = [], 0
    for m in re.finditer(rb"\n", data):
        out.append((start, m.end()))
        start = m.end()
    if start < len(data):
        out.append((start, len(data)))
    return out


@st.composite
def mutation(draw, data: bytes) -> bytes:
    """One random change to `data`: what a damaged or hand-edited file looks like."""
    n = len(data)
    op = draw(st.sampled_from([
        "flip", "truncate", "delete", "insert", "insert_random", "long_line", "duplicate_line",
        "swap_lines", "delete_line", "number", "header", "repeat", "crlf", "blank_lines", "magic",
    ]))
    pos = draw(st.integers(0, n))
    if op == "flip" and n:
        pos = min(pos, n - 1)
        return data[:pos] + bytes([data[pos] ^ draw(st.integers(1, 255))]) + data[pos + 1:]
    if op == "truncate":
        return data[:pos]
    if op == "delete":
        return data[:pos] + data[pos + draw(st.integers(1, 64)):]
    if op == "insert":
        return data[:pos] + draw(st.sampled_from(NASTY)) + data[pos:]
    if op == "insert_random":
        return data[:pos] + draw(st.binary(min_size=1, max_size=64)) + data[pos:]
    if op == "long_line":
        size = draw(st.sampled_from([1000, 70_000, 300_000]))
        return data[:pos] + draw(st.sampled_from([b"x", b"1.0 ", b"\xff", b"a b "])) * (size // 4) + data[pos:]
    lines = _line_bounds(data)
    if op in ("duplicate_line", "swap_lines", "delete_line") and lines:
        i = draw(st.integers(0, len(lines) - 1))
        a, b = lines[i]
        if op == "duplicate_line":
            line = data[a:b] if data[a:b].endswith(b"\n") else data[a:b] + b"\n"
            j = lines[draw(st.integers(0, len(lines) - 1))][0]
            return data[:j] + line + data[j:]
        if op == "delete_line":
            return data[:a] + data[b:]
        j = draw(st.integers(0, len(lines) - 1))
        c, d = lines[j]
        if (a, b) == (c, d):
            return data
        (a, b), (c, d) = sorted([(a, b), (c, d)])
        return data[:a] + data[c:d] + data[b:c] + data[a:b] + data[d:]
    if op == "number":
        numbers = list(NUMBER.finditer(data[:200_000]))
        if numbers:
            m = numbers[draw(st.integers(0, len(numbers) - 1))]
            new = draw(st.sampled_from([b"nan", b"inf", b"-inf", b"", b"1e999", b"x", b"0", b"-1",
                                        b"99999999999", b"1.5.5", b"1e", b"\xff", b"1,5"]))
            return data[:m.start()] + new + data[m.end():]
    if op == "header":
        first = data.split(b"\n", 1)
        rows = draw(st.sampled_from([b"0", b"1", b"2", b"-1", b"3", b"99999999", b"18446744073709551617",
                                     b"0" * 30 + b"2"]))
        dim = draw(st.sampled_from([b"0", b"1", b"2", b"5", b"100", b"-3", b"99999999", b"x",
                                    b"99999999999999999999910", b"9" * 5000]))
        return rows + b" " + dim + b"\n" + (first[1] if len(first) > 1 else b"")
    if op == "repeat" and n:
        a = min(pos, n - 1)
        return data + data[a: a + draw(st.integers(1, 4096))]
    if op == "crlf":
        return data.replace(b"\n", b"\r\n")
    if op == "blank_lines":
        return data[:pos] + b"\n" * draw(st.integers(1, 5)) + data[pos:]
    if op == "magic":
        return draw(st.sampled_from(MAGIC)) + data
    return data


@st.composite
def mutated(draw, data: bytes, max_changes: int = 3) -> bytes:
    """`data` with 1..max_changes mutations, capped at MAX_BYTES."""
    for _ in range(draw(st.integers(1, max_changes))):
        data = draw(mutation(data))[:MAX_BYTES]
    return data


# -- checks on what readers return ---------------------------------------------------------
def check_vocabulary(vocab) -> None:
    assert len(vocab) > 0
    assert all(isinstance(t, str) for t in vocab.tokens)
    for role, i in vocab.specials.items():
        assert 0 <= i < len(vocab), f"special {role} has ID {i} outside the vocabulary"
    if vocab.counts is not None:
        assert len(vocab.counts) == len(vocab)


def check_vectors(loaded) -> None:
    w = loaded.weights
    assert isinstance(w, np.ndarray) and w.dtype == np.float32 and w.ndim == 2
    assert w.shape[0] > 0 and w.shape[1] > 0, f"an empty result ({w.shape[0]} x {w.shape[1]}) is not a value"
    assert w.shape[0] == len(loaded.vocab), "one row per token"
    assert np.isfinite(w).all(), "a loaded matrix must be finite"
    assert len(set(loaded.vocab.tokens)) == len(loaded.vocab.tokens), "duplicate tokens slipped through"


def check_session(session) -> None:
    check_vocabulary(session.vocab)
    assert session.weights.ndim == 2 and session.weights.shape[0] == len(session.vocab)
    assert session.weights.dtype == np.float32
