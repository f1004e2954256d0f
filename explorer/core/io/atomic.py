"""Temp files for atomic writes (write beside the target, then rename over it)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from explorer.core import ExplorerError

# O_BINARY exists on Windows only: there it keeps bytes as written.
_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)


def temp_beside(path: str | Path) -> tuple[int, Path]:
    """A new, empty temp file in `path`'s folder: its open descriptor and its path.

    Created with mode 0666 less the umask, as `open()` creates files: `tempfile.mkstemp`
    makes them 0600, and after the rename the exported file or session would be private
    to its owner (0644 is what a user with umask 022 expects)."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise ExplorerError("the folder does not exist", folder)
    while True:
        tmp = folder / f".{path.name}.{secrets.token_hex(6)}.tmp"
        try:
            return os.open(tmp, _FLAGS, 0o666), tmp
        except FileExistsError:  # another writer drew the same name: draw again
            continue
