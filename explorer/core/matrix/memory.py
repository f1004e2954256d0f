"""How much memory a matrix may take: refuse up front what cannot fit.

A vocabulary of 1,000,000 tokens at 4,096 dimensions is 16 GB of float32. Allocating
it on a 24 GB machine would push the system into swap or get the app killed, losing
the user's state. `check_matrix` refuses it before anything is allocated, with a
message that says how much is needed and how much is available.

One matrix may take at most `MATRIX_FRACTION` of the memory available now: the app
keeps a second copy (the initial weights for drift, training snapshots, projections).
Available memory is the kernel's estimate (`MemAvailable` in /proc/meminfo), capped by
a cgroup (container) limit when there is one; elsewhere os.sysconf. Qt-free.
"""

from __future__ import annotations

import os
from pathlib import Path

from explorer.core import ExplorerError

MATRIX_FRACTION = 0.5
FLOAT32 = 4


def _meminfo_available() -> int | None:
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024  # kB
    except (OSError, ValueError, IndexError):
        pass
    return None


def _cgroup_headroom() -> int | None:
    """limit - usage of this process's cgroup (v2, then v1), when it is limited."""
    for limit_file, usage_file in (("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"),
                                   ("/sys/fs/cgroup/memory/memory.limit_in_bytes",
                                    "/sys/fs/cgroup/memory/memory.usage_in_bytes")):
        try:
            limit = Path(limit_file).read_text().strip()
            if limit == "max":
                return None
            limit_bytes = int(limit)
            if limit_bytes >= 1 << 60:  # v1 "unlimited"
                return None
            return max(0, limit_bytes - int(Path(usage_file).read_text().strip()))
        except (OSError, ValueError):
            continue
    return None


def available_bytes() -> int | None:
    """Bytes of memory this process can still use (None when it cannot be told)."""
    available = _meminfo_available()
    if available is None:
        try:
            available = os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        except (ValueError, OSError, AttributeError):
            available = None
    headroom = _cgroup_headroom()
    if headroom is not None:
        available = headroom if available is None else min(available, headroom)
    return available


def format_bytes(n: float) -> str:
    for unit in ("bytes", "KB", "MB", "GB", "TB"):
        if n < 1000 or unit == "TB":
            return f"{n:,.0f} {unit}" if unit == "bytes" else f"{n:,.1f} {unit}"
        n /= 1000
    return f"{n:,.1f} TB"


def matrix_bytes(rows: int, dim: int, itemsize: int = FLOAT32) -> int:
    return int(rows) * int(dim) * itemsize


def check_matrix(rows: int, dim: int, *, what: str = "the matrix", path=None) -> None:
    """Raise ExplorerError when a rows x dim float32 matrix cannot fit in memory."""
    need = matrix_bytes(rows, dim)
    available = available_bytes()
    if available is None or need <= MATRIX_FRACTION * available:
        return
    raise ExplorerError(
        f"{what} would be {int(rows):,} × {int(dim):,} float32 = {format_bytes(need)}, but only "
        f"{format_bytes(available)} of memory is available (one matrix may take at most "
        f"{MATRIX_FRACTION:.0%} of it: the app keeps a second copy for the initial weights and training). "
        "Use a smaller vocabulary (max size, min count) or fewer dimensions", path)


def check_bytes(need: int, *, what: str, path=None) -> None:
    """Raise ExplorerError when `need` bytes (e.g. a file member to read whole) cannot fit."""
    available = available_bytes()
    if available is None or need <= MATRIX_FRACTION * available:
        return
    raise ExplorerError(f"{what} would take {format_bytes(need)}, but only {format_bytes(available)} of "
                        "memory is available", path)
