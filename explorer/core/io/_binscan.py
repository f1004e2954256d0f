"""The row walk of word2vec's binary format, compiled with numba when it is there.

Each row is ``token<space>`` then ``4 * dim`` bytes of float32, optionally after a newline.
The token lengths differ, so finding row starts is a sequential walk; done in Python it is
about 2 microseconds a row (4 s of a 2,000,000-row file), compiled it runs at memory speed.
`scan_rows` walks one buffer, records where each token starts and ends, and copies the
payloads into the output matrix's bytes; `gather_tokens` packs the tokens, one per line, so
that one `decode` and one `split` make the token list.
"""

from __future__ import annotations

import numpy as np


def _scan_rows(buf, row_bytes, max_rows, starts, ends, out_u8, row0, copy):
    length = buf.shape[0]
    pos = 0
    n = 0
    if copy:  # the payloads are copied by address: never past the end of the output
        max_rows = min(max_rows, out_u8.shape[0] // max(row_bytes, 1) - row0)
    while n < max_rows:
        p = pos
        while p < length and (buf[p] == 10 or buf[p] == 13):
            p += 1
        q = p
        while q < length and buf[q] != 32:
            q += 1
        end = q + 1 + row_bytes
        if q >= length or end > length:
            break
        starts[n] = p
        ends[n] = q
        if copy:  # memcpy: twice as fast as numba's slice assignment
            _copy_bytes(out_u8, (row0 + n) * row_bytes, buf, q + 1, row_bytes)
        pos = end
        n += 1
    return n, pos


def _gather_tokens(buf, starts, ends, n, packed):
    k = 0
    for r in range(n):
        for j in range(starts[r], ends[r]):
            packed[k] = buf[j]
            k += 1
        packed[k] = 10
        k += 1
    return k


def _py_scan_rows(buf, row_bytes, max_rows, starts, ends, out_u8, row0, copy):
    data = buf.tobytes()
    length = len(data)
    pos = n = 0
    while n < max_rows:
        p = pos
        while p < length and data[p] in (10, 13):
            p += 1
        q = data.find(b" ", p)
        if q < 0 or q + 1 + row_bytes > length:
            break
        starts[n], ends[n] = p, q
        if copy:
            d = (row0 + n) * row_bytes
            out_u8[d: d + row_bytes] = buf[q + 1: q + 1 + row_bytes]
        pos = q + 1 + row_bytes
        n += 1
    return n, pos


def _py_gather_tokens(buf, starts, ends, n, packed):
    data = buf.tobytes()
    joined = b"\n".join(data[s:e] for s, e in zip(starts[:n].tolist(), ends[:n].tolist())) + b"\n"
    packed[: len(joined)] = np.frombuffer(joined, dtype=np.uint8)
    return len(joined)


def _memcpy_intrinsic():
    """copy_bytes(dst, dst_start, src, src_start, count): memcpy between two uint8 arrays, for
    compiled code (an intrinsic, unlike a ctypes call, lets numba cache the kernel on disk)."""
    from numba.core import cgutils, types
    from numba.extending import intrinsic

    @intrinsic
    def copy_bytes(typingctx, dst, dst_start, src, src_start, count):
        def codegen(context, builder, signature, args):
            dst_array = context.make_array(signature.args[0])(context, builder, args[0])
            src_array = context.make_array(signature.args[2])(context, builder, args[2])
            to = builder.gep(dst_array.data, [args[1]])
            start = builder.gep(src_array.data, [args[3]])
            cgutils.raw_memcpy(builder, to, start, args[4], 1)
            return context.get_dummy_value()

        return types.none(dst, types.intp, src, types.intp, types.intp), codegen

    return copy_bytes


_copy_bytes = None  # set by kernels() when numba is there

COMPILE_MIN_ROWS = 300_000  # below this, importing numba and loading the kernels costs more than they save
_compiled = None


def kernels(rows: int):
    """(scan_rows, gather_tokens): compiled for big files when numba works, else plain Python."""
    global _compiled
    if rows < COMPILE_MIN_ROWS:
        return _py_scan_rows, _py_gather_tokens
    if _compiled is None:
        try:
            import numba

            global _copy_bytes
            _copy_bytes = _memcpy_intrinsic()
            _compiled = (numba.njit(cache=True, nogil=True)(_scan_rows),
                         numba.njit(cache=True, nogil=True)(_gather_tokens))
        except Exception:  # numba missing, or failing to initialise: the same walk in Python
            _compiled = (_py_scan_rows, _py_gather_tokens)
    return _compiled
