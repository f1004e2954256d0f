"""Loading GloVe-format text: us (explorer.core.io.vectors.load_vectors) vs gensim's
KeyedVectors.load_word2vec_format(no_header=True), on the same generated file.

Full size: 400,000 tokens x 100 dims (~330 MB), as glove.6B.100d. Target: >= 10x faster than
gensim, with peak memory at most 2x the final matrix. Each load runs in a fresh subprocess
that reports its time and its peak resident memory above the baseline after imports
(ru_maxrss), so both are measured the same way. --quick: 20,000 x 50.
"""

from __future__ import annotations

import json
import operator
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

from _common import ROOT, options, report

CHILD = r"""
import json, resource, sys, time
sys.path.insert(0, {root!r})
import numpy as np
which, path = sys.argv[1], sys.argv[2]
if which == "gensim":
    from gensim.models import KeyedVectors
    load = lambda: KeyedVectors.load_word2vec_format(path, no_header=True).vectors
else:
    from explorer.core.io.vectors import load_vectors
    load = lambda: load_vectors(path).weights
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
weights = load()
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({{"seconds": seconds, "peak_extra_bytes": (peak - base) * 1024,
                  "matrix_bytes": int(weights.nbytes), "shape": list(weights.shape),
                  "checksum": float(np.float64(weights[::997]).sum())}}))
"""


def generate(path: Path, rows: int, dim: int, seed: int = 0) -> None:
    """GloVe-like text: real-looking tokens, numbers with 5 significant digits."""
    rng = np.random.default_rng(seed)
    pool = [f"{v:.5g}" for v in rng.normal(0, 0.4, 65536)]
    pick = operator.itemgetter
    with open(path, "w", encoding="utf-8") as f:
        for start in range(0, rows, 10000):
            n = min(10000, rows - start)
            idx = rng.integers(0, len(pool), size=(n, dim))
            f.write("".join(f"w{start + i}_{'abcdefgh'[i % 8] * (1 + i % 5)} "
                            + " ".join(pick(*row)(pool)) + "\n" for i, row in enumerate(idx.tolist())))


def measure(which: str, path: Path) -> dict:
    child = CHILD.format(root=str(ROOT))
    result = subprocess.run([sys.executable, "-c", child, which, str(path)], capture_output=True, text=True,
                            check=True, timeout=900)
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    args = options(__doc__)
    rows, dim = (20_000, 50) if args.quick else (400_000, 100)
    with tempfile.TemporaryDirectory(prefix="bench-vectors-") as tmp:
        path = Path(tmp) / "glove.txt"
        generate(path, rows, dim)
        size_mb = os.path.getsize(path) / 1e6
        ours = [measure("ours", path) for _ in range(args.repeats)]
        theirs = [measure("gensim", path) for _ in range(1 if args.quick else 1)]
    ours_s = float(np.median([r["seconds"] for r in ours]))
    gensim_s = float(np.median([r["seconds"] for r in theirs]))
    assert ours[0]["shape"] == theirs[0]["shape"] == [rows, dim]
    peak_ratio = max(r["peak_extra_bytes"] for r in ours) / ours[0]["matrix_bytes"]
    report("vectors load (GloVe text)", {
        "peer": "gensim KeyedVectors.load_word2vec_format(no_header=True)",
        "ratio": gensim_s / ours_s,
        "target": "ratio >= 10 on 400,000 x 100 (~330 MB); peak memory <= 2x the matrix",
        "rows": rows, "dim": dim, "file_mb": size_mb,
        "ours_seconds": ours_s, "gensim_seconds": gensim_s,
        "ours_peak_over_matrix": peak_ratio,
        "gensim_peak_over_matrix": theirs[0]["peak_extra_bytes"] / theirs[0]["matrix_bytes"],
        "same_values": ours[0]["checksum"] == theirs[0]["checksum"],
    }, args.json)


if __name__ == "__main__":
    main()
