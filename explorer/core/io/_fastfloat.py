"""Bulk parsing of whitespace-separated decimal numbers with numpy only.

`np.fromstring(sep=" ")` and `np.loadtxt` parse about 3 million numbers a
second here; a 400,000 x 100 GloVe file holds 40 million. This module parses
the common shape of a number in embedding files, ``[-+]digits[.digits]``,
eight bytes at a time (SWAR: one unaligned 64-bit load per part, three
multiply-shift-mask steps turn eight ASCII digits into an integer), for all
numbers of a chunk at once. The result is exactly what `float()` gives: the
integer mantissa M (< 2**53) divided by an exact power of ten is correctly
rounded. Every number of another shape (exponents, nan, inf, more digits,
garbage) is handed back as "slow" for `float()` to parse or reject.
"""

from __future__ import annotations

import numpy as np

PAD = 8  # bytes of spaces the caller puts before the chunk, so loads never start before 0

_ZEROS = np.uint64(0x3030303030303030)
_M8 = np.uint64(0x00FF00FF00FF00FF)
_M16 = np.uint64(0x0000FFFF0000FFFF)
_M32 = np.uint64(0x00000000FFFFFFFF)
_S8, _S16, _S32 = np.uint64(8), np.uint64(16), np.uint64(32)
_T10, _T100, _T10000 = np.uint64(10), np.uint64(100), np.uint64(10000)
# keep the top n bytes of a little-endian word (the n bytes just before the load's end)
_KEEP = np.array([0] + [((1 << 64) - 1) ^ ((1 << (8 * (8 - n))) - 1) for n in range(1, 9)],
                 dtype=np.uint64)
_POW10 = 10.0 ** np.arange(0, 23)
_POW10_INT = np.array([10**k for k in range(9)], dtype=np.uint64)
_MAX_EXACT = 2**53

_ADD = np.uint64(0x7676767676767676)  # a byte above 9 gets its high bit set
_HIGHS = np.uint64(0x8080808080808080)


def words(buffer: np.ndarray) -> np.ndarray:
    """Unaligned little-endian uint64 view: words(buf)[i] holds bytes i..i+7."""
    return np.ndarray((len(buffer) - 7,), dtype="<u8", buffer=buffer, strides=(1,))


def _digits8(word: np.ndarray, n: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The integer written by the last n (0..8) bytes of each word, and a nonzero flag
    where one of those bytes is not an ASCII digit."""
    x = word ^ _ZEROS  # '0'..'9' -> 0..9 with no borrow between bytes
    x &= _KEEP[n]
    bad = x + _ADD
    bad |= x
    bad &= _HIGHS
    x = (x * _T10 + (x >> _S8)) & _M8
    x = (x * _T100 + (x >> _S16)) & _M16
    x = (x * _T10000 + (x >> _S32)) & _M32
    return x, bad


def parse_fields(buffer: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Parse the fields buffer[starts[i]:ends[i]] as float64.

    `buffer` is a uint8 array that starts and ends with PAD spaces. Returns
    (values, slow): `slow` holds the indices of fields of any other shape than
    [-+]digits[.digits] with at most 8 digits on either side; their values are
    undefined, for `float()` to parse or reject.
    """
    n = len(starts)
    if n == 0:
        return np.empty(0, dtype=np.float64), np.empty(0, dtype=np.int64)
    first = buffer[starts]
    negative = first == 45
    body = starts + (negative | (first == 43))
    # Usually one integer digit, then the dot: read that digit as a byte. A dot
    # found past the field's end (a lone sign) makes that "digit" whitespace: bad.
    dot = body + 1
    hit = buffer[dot] == 46
    high = (buffer[body] ^ 48).astype(np.uint64)
    bad = np.where(hit, high > 9, False)
    pending = np.flatnonzero(~hit)
    int_digits = None
    if len(pending):
        # Any other shape: find the dot (or none) and read up to 8 integer digits at once.
        b, e = body[pending], ends[pending]
        where = e.copy()
        todo = np.arange(len(pending))
        for k in (0, 2, 3, 4, 5, 6, 7, 8):
            c = b[todo] + k
            found = (c < e[todo]) & (buffer[c] == 46)
            if found.any():
                where[todo[found]] = c[found]
                todo = todo[~found]
                if not len(todo):
                    break
        dot[pending] = where
        digits = where - b
        bad[pending] = digits > 8
        np.minimum(digits, 8, out=digits)
        value, wrong = _digits8(words(buffer)[where - 8], digits)
        high[pending] = value
        bad[pending] |= (wrong != 0) | ((digits == 0) & (e - where <= 1))
    frac_digits = ends - dot - 1
    np.maximum(frac_digits, 0, out=frac_digits)
    bad |= frac_digits > 8
    np.minimum(frac_digits, 8, out=frac_digits)
    low, wrong = _digits8(words(buffer)[ends - 8], frac_digits)
    bad |= wrong != 0
    high *= _POW10_INT[frac_digits]
    high += low
    bad |= high >= _MAX_EXACT
    values = high.astype(np.float64)
    values /= _POW10[frac_digits]
    np.negative(values, out=values, where=negative)
    return values, np.flatnonzero(bad)
