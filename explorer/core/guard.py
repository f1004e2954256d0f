"""Telling a third-party reader's failure on bad input from everything else.

Readers written in Rust (tokenizers, safetensors) turn a panic into pyo3's
`PanicException`, which derives from BaseException, so `except Exception` misses it
and a damaged file would escape as a crash. Wrap such calls like this:

    try:
        ...
    except BaseException as exc:
        if not is_library_error(exc):
            raise  # KeyboardInterrupt, SystemExit, ...
        raise ExplorerError(...) from None
"""

from __future__ import annotations


def is_library_error(exc: BaseException) -> bool:
    """Any Exception, or a Rust panic surfaced by pyo3 (PanicException)."""
    return isinstance(exc, Exception) or type(exc).__name__ == "PanicException"
