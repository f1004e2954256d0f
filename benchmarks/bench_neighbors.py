"""Nearest neighbours: cosine top-10 among 400,000 x 300 float32, after a one-time normalization.

Us: explorer.core.analysis.neighbors.NeighborIndex (row norms computed once, no normalized
copy of the matrix; one matrix-vector product and an argpartition per query). Peer: gensim
KeyedVectors.most_similar on the same matrix (its norms also filled once, untimed).
Target: <= 50 ms per query. --quick uses 20,000 x 100.
"""

from __future__ import annotations

import time

import numpy as np
from _common import median_seconds, options, report

TARGET_MS = 50.0


def main() -> None:
    args = options(__doc__)
    rows, dim = (20_000, 100) if args.quick else (400_000, 300)
    rng = np.random.default_rng(0)
    weights = rng.standard_normal((rows, dim), dtype=np.float32)
    queries = rng.integers(0, rows, size=max(3, args.repeats * 4)).tolist()

    from explorer.core.analysis.neighbors import NeighborIndex

    start = time.perf_counter()
    index = NeighborIndex(weights)
    normalize_seconds = time.perf_counter() - start
    index.neighbors_of(queries[0], 10)  # warm the caches

    def ours() -> None:
        for q in queries:
            index.neighbors_of(q, 10)

    ours_seconds = median_seconds(ours, args.repeats) / len(queries)
    our_ids = [i for i, _ in index.neighbors_of(queries[0], 10)]
    extra_mb = (index.norms.nbytes + index.inv_norms.nbytes) / 2**20  # no normalized copy of the matrix
    del index  # the peer gets the memory back

    from gensim.models import KeyedVectors

    keys = [f"w{i}" for i in range(rows)]
    kv = KeyedVectors(vector_size=dim, count=0, dtype=np.float32)
    kv.index_to_key = keys
    kv.key_to_index = {k: i for i, k in enumerate(keys)}
    kv.vectors = weights  # no copy
    start = time.perf_counter()
    kv.fill_norms()
    peer_normalize_seconds = time.perf_counter() - start
    kv.most_similar(keys[queries[0]], topn=10)

    def peer() -> None:
        for q in queries:
            kv.most_similar(keys[q], topn=10)

    peer_seconds = median_seconds(peer, args.repeats) / len(queries)
    peer_ids = [kv.key_to_index[k] for k, _ in kv.most_similar(keys[queries[0]], topn=10)]

    report("nearest neighbours (cosine top-10)", {
        "peer": "gensim KeyedVectors.most_similar",
        "ratio": peer_seconds / ours_seconds,
        "target": f"<= {TARGET_MS:.0f} ms per query on 400,000 x 300",
        "matrix": f"{rows} x {dim} float32",
        "ms_per_query": 1000 * ours_seconds,
        "peer_ms_per_query": 1000 * peer_seconds,
        "within_target": bool(1000 * ours_seconds <= TARGET_MS),
        "normalize_seconds": normalize_seconds,
        "index_extra_mb": extra_mb,
        "matrix_mb": weights.nbytes / 2**20,
        "peer_normalize_seconds": peer_normalize_seconds,
        "same_top10_as_peer": our_ids == peer_ids,
    }, args.json)


if __name__ == "__main__":
    main()
