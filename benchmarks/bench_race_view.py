"""The init race, seen: what the small moving scatter plots cost.

1. One layout frame (explorer.core.training.race_view.RaceLayout.update: a 300-token
   sample's tracked plane, one pass of warm-started subspace iteration, Procrustes onto
   the previous frame and the first run's) at GPT-2's size, 50,257 x 768, against its peers
   in the same run: a fresh PCA of the same sample, by numpy's SVD (the ratio) and by
   sklearn PCA(2).fit_transform.
2. The whole demo race (3 inits, 5 epochs, skip-gram) with the layouts (race_frames)
   against the same race without them (explorer.core.training.live.race_job: loss curves
   only), in the same run: how much slower seeing the race makes it.
"""

from __future__ import annotations

import numpy as np

from _common import median_seconds, options, report


def main() -> None:
    args = options(__doc__)
    from sklearn.decomposition import PCA

    from explorer.core.matrix.init import initialize
    from explorer.core.matrix.schemes import InitConfig
    from explorer.core.tokens.demo import demo_vocabulary
    from explorer.core.training.config import TrainConfig
    from explorer.core.training.live import race_job
    from explorer.core.training.race_view import RaceLayout, race_frames, race_sample

    n, d = (5_000, 128) if args.quick else (50_257, 768)
    rng = np.random.default_rng(0)
    weights = 0.02 * rng.standard_normal((n, d), dtype=np.float32)
    sample = race_sample(n)
    layout = RaceLayout(["a"], sample)
    layout.update("a", weights)
    drift = 0.002 * rng.standard_normal((n, d), dtype=np.float32)
    frames = [weights + k * drift for k in range(1, 4)]
    state = {"k": 0}

    def one_frame():
        state["k"] += 1
        layout.update("a", frames[state["k"] % len(frames)])

    ours = median_seconds(one_frame, args.repeats * 4, warmup=1)
    def fresh_svd():
        x = frames[0][sample].astype(np.float64)
        x -= x.mean(0)
        _u, _s, vt = np.linalg.svd(x, full_matrices=False)
        return x @ vt[:2].T

    peer = median_seconds(fresh_svd, args.repeats * 4, warmup=1)
    sklearn_peer = median_seconds(lambda: PCA(2).fit_transform(frames[0][sample]), args.repeats * 4, warmup=1)

    vocab = demo_vocabulary()
    schemes = ("normal", "truncated_normal", "xavier_uniform")
    epochs = 1 if args.quick else 5
    starts = {s: initialize(InitConfig(s, 64, 0), len(vocab), vocab.pad_id) for s in schemes}
    config = TrainConfig(epochs=epochs, seed=0)
    seen = median_seconds(lambda: list(race_frames("demo", vocab, dict(starts), config)), args.repeats, warmup=1)
    unseen = median_seconds(lambda: list(race_job("demo", vocab, dict(starts), config)), args.repeats, warmup=1)
    figures = {
        "peer": "a fresh PCA (numpy SVD) of the same 300-token sample; the race without layouts (race_job)",
        "target": "a layout frame costs about a fresh PCA of the sample or less; the race seen within 1.25x of unseen",
        "rows": n, "dim": d, "sample": len(sample),
        "us_seconds_per_layout_frame": ours,
        "fresh_pca_of_sample_seconds": peer,
        "sklearn_pca_of_sample_seconds": sklearn_peer,
        "ratio": peer / ours,
        "demo_race_seen_seconds": seen,
        "demo_race_unseen_seconds": unseen,
        "race_seen_over_unseen": seen / unseen,
    }
    figures["within_target"] = ours <= peer * 1.1 and seen / unseen <= 1.25
    report("Init race, seen", figures, args.json)


if __name__ == "__main__":
    main()
