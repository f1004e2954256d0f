"""`make bench`: run every benchmarks/bench_*.py with --json and write RESULTS.md.

`run_all.py bench_neighbors bench_pca` re-runs only those scripts (e.g. one a busy
machine disturbed) and merges their figures with the others' from results.json.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

HERE = Path(__file__).resolve().parent
PACKAGES = ["torch", "numpy", "scikit-learn", "gensim", "PySide6-Essentials", "pyqtgraph", "tokenizers"]


def versions() -> str:
    found = []
    for name in PACKAGES:
        try:
            found.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            pass
    return ", ".join(found)


def main() -> int:
    quick = "--quick" in sys.argv[1:]
    chosen = {a.removesuffix(".py") for a in sys.argv[1:] if not a.startswith("-")}
    store = HERE / "results.json"
    previous = json.loads(store.read_text()) if chosen and store.exists() else {}
    results, failures = {}, []
    for script in sorted(HERE.glob("bench_*.py")):
        if chosen and script.stem not in chosen:
            if script.stem in previous:
                results[script.stem] = previous[script.stem]
            continue
        print(f"running {script.name} ...", flush=True)
        command = [sys.executable, str(script), "--json"] + (["--quick"] if quick else [])
        result = subprocess.run(command, capture_output=True, text=True,
                                env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
        if result.returncode != 0:
            failures.append(f"{script.name}: {result.stderr.strip().splitlines()[-1:]}")
            continue
        figures = json.loads(result.stdout.strip().splitlines()[-1])
        figures["measured"] = f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC"
        results[script.stem] = figures
        print(f"  {figures.get('benchmark')}: ratio {figures.get('ratio')}")
    lines = [
        "# Benchmark results",
        "",
        f"Written by `make bench` on {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC.",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, {platform.platform()}, "
        f"Python {platform.python_version()}.",
        f"Versions: {versions()}.",
        "",
        "Ratios are peer time / our time (above 1: we are faster), medians over several runs.",
        "",
        "| benchmark | peer | ratio | target | figures |",
        "|---|---|---|---|---|",
    ]
    for figures in results.values():
        extra = {k: v for k, v in figures.items() if k not in {"benchmark", "peer", "ratio", "target"}}
        shown = ", ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in extra.items())
        ratio = figures.get("ratio")
        ratio_text = f"{ratio:.2f}" if isinstance(ratio, (int, float)) else str(ratio)
        lines.append(f"| {figures.get('benchmark')} | {figures.get('peer', '—')} | {ratio_text} | "
                     f"{figures.get('target', '')} | {shown} |")
    if failures:
        lines += ["", "Failed:", *[f"- {f}" for f in failures]]
    if not quick:
        store.write_text(json.dumps(results, indent=1, default=float) + "\n")
        (HERE / "RESULTS.md").write_text("\n".join(lines) + "\n")
        print(f"wrote {HERE / 'RESULTS.md'}")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
