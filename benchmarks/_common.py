"""Shared plumbing for benchmark scripts: every script times us and a peer on the
same input in one run and reports the ratio.

A script calls `options(description)` for --quick/--json/--repeats, measures with
`median_seconds`, and ends with `report(name, figures)`: one JSON object with
--json, else a readable table. `figures` must hold "ratio" (peer / us for times:
above 1 means we are faster), "peer" and "target" (a sentence).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"
sys.path.insert(0, str(ROOT))


def options(description: str, extra: Callable[[argparse.ArgumentParser], None] | None = None
            ) -> argparse.Namespace:
    """--quick, --json, --repeats, and whatever `extra(parser)` adds."""
    parser = argparse.ArgumentParser(description=description)
    if extra is not None:
        extra(parser)
    parser.add_argument("--quick", action="store_true", help="tiny sizes: proves the script works")
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    parser.add_argument("--repeats", type=int, default=None, help="timed runs per contender")
    args = parser.parse_args()
    if args.repeats is None:
        args.repeats = 1 if args.quick else 5
    return args


def median_seconds(fn: Callable[[], object], repeats: int, warmup: int = 0) -> float:
    """Median wall time of `fn()` over `repeats` runs (after `warmup` untimed runs)."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(max(1, repeats)):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def report(name: str, figures: dict, as_json: bool) -> None:
    figures = {"benchmark": name, **figures}
    if as_json:
        print(json.dumps(figures, default=float))
        return
    width = max(len(k) for k in figures)
    for key, value in figures.items():
        shown = f"{value:.4g}" if isinstance(value, float) else value
        print(f"{key:<{width}}  {shown}")
