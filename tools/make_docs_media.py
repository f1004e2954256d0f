"""Make docs/images/demo-training.gif, the README's recorded run of the demo.

The demo as the window trains it when you press Start (its 124 words, truncated-normal
init at dim 64, twenty epochs of skip-gram), with a snapshot every few steps, saved as a
session and recorded with the shell command the README shows:

    embedding-explorer export demo-run.eexp --format gif --out demo-training.gif \\
        --size 720x450 --fps 8 --range fixed --trails dog,apple,paris

Run from the project root:  .venv/bin/python tools/make_docs_media.py [--out FILE] [--keep-session FILE]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

SNAPSHOTS = 40  # frames of the clip, after the start
SIZE, FPS, TRAILS = "720x450", "8", "dog,apple,paris"  # fixed range: the words fly out from the start


def demo_run_session(path: Path) -> int:
    """Train the window's demo and save it with its timeline; returns the snapshot count.

    A snapshot after every step, then SNAPSHOTS of them kept, spaced by the square of their
    rank: the clip slows down where the demo learns fastest (its first few epochs) and the
    title says which step each frame shows."""
    from explorer.core.io.session import Session, save_session
    from explorer.core.matrix.init import initialize
    from explorer.core.matrix.schemes import InitConfig
    from explorer.core.tokens.corpus import load_corpus
    from explorer.core.tokens.demo import category_labels
    from explorer.core.training.train import train
    from explorer.ui.startup import demo_workspace

    workspace = demo_workspace(0)  # the window's demo: its vocabulary, categories and settings
    state = workspace.state
    vocab = workspace.vocab
    init = InitConfig(state.init.scheme, state.init.dim, state.init.seed)
    weights = initialize(init, len(vocab), vocab.pad_id)
    _, corpus = load_corpus("demo", vocab)
    config = state.train.copy()
    config.update(yield_seconds=1e9, yield_every=1, device="cpu", threads=1)  # by step, not by time
    every = list(train(corpus, weights, config))
    last = len(every) - 1
    picks = sorted({round(last * (k / SNAPSHOTS) ** 2) for k in range(SNAPSHOTS + 1)})
    # Each kept snapshot's loss: the mean over the steps since the one kept before (as the
    # training loop reports it between two yields).
    snapshots = [replace(every[i], loss=float(np.mean([s.loss for s in every[j + 1:i + 1]])) if i else every[i].loss)
                 for j, i in zip([0] + picks[:-1], picks)]
    history = {"loss": [[s.step, s.loss] for s in every if s.step]}
    save_session(path, Session(vocab, snapshots[-1].weights, initial_weights=weights,
                               categories=category_labels(vocab), state=state.capture(), history=history,
                               snapshots=snapshots))
    return len(snapshots)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "docs" / "images" / "demo-training.gif"))
    parser.add_argument("--keep-session", metavar="FILE", help="also keep the demo run's session here")
    args = parser.parse_args(argv)
    from explorer.cli import main as cli

    with tempfile.TemporaryDirectory() as folder:
        session = Path(args.keep_session) if args.keep_session else Path(folder) / "demo-run.eexp"
        count = demo_run_session(session)
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        code = cli(["export", str(session), "--format", "gif", "--out", args.out, "--size", SIZE, "--fps", FPS,
                    "--range", "fixed", "--trails", TRAILS])
    if code == 0:
        size = Path(args.out).stat().st_size
        print(f"{count} snapshots -> {args.out} ({size / 1e6:.2f} MB)")
    return code


if __name__ == "__main__":
    raise SystemExit(main())
