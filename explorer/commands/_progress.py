"""A terminal progress bar for the subcommands' long steps (stderr, terminals only)."""

from __future__ import annotations

import sys


def progress_bar(label: str):
    """(progress(fraction), close()) drawing a bar on stderr; progress is None off a terminal."""
    if not sys.stderr.isatty():
        return None, lambda: None
    shown = [-1]

    def progress(fraction: float) -> None:
        percent = int(100 * max(0.0, min(1.0, fraction)))
        if percent != shown[0]:
            shown[0] = percent
            sys.stderr.write(f"\r{label} [{'#' * (percent // 4):<25}] {percent:3d}%")
            sys.stderr.flush()

    def close() -> None:
        if shown[0] >= 0:
            sys.stderr.write("\n")

    return progress, close
