"""Soak: a long training run with the live view, watching memory and the frame queue.

    python tools/soak.py --seconds 600 --corpus kjv      # `make soak`
    python tools/soak.py --seconds 12 --corpus demo --json  # the test's short version

It builds the real window offscreen, trains skip-gram (SGNS) from the Training dock with
the live 2D view for `--seconds`, then presses Stop, and measures:

- RSS (resident memory, /proc/self/status) once a second. After a warm-up (the first
  quarter of the run, at most 60 s: torch, the projection and the replay timeline
  reach their steady size) RSS may grow by at most `--max-rss-growth-mb` (default 64 MB).
  The timeline of snapshots is bounded by design (explorer.core.training.timeline.TIMELINE_BYTES).
- Frames: produced by the worker (one per snapshot), drawn by the view (the ones that
  carry coordinates), dropped (stale: the view was still busy, so the worker never
  projected them), and the queue (produced but not yet received by the GUI thread),
  sampled every 100 ms; its maximum must stay <= `--max-queue` (default 20), and at
  most one projected frame may ever wait to be drawn.
- Determinism: the same run (same corpus, start matrix, seed and settings) is then
  replayed without any view up to the step where Stop landed; the final weights must
  be bit-for-bit equal: the view never changes the training.

Exit status 0 when every bound holds, 1 otherwise. `--json` prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

DEFAULT_RSS_GROWTH_MB = 64
DEFAULT_MAX_QUEUE = 20


def rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=600, help="how long to train with the live view")
    parser.add_argument("--corpus", default="kjv", help="kjv (../shared/data), demo, or a text file")
    parser.add_argument("--dim", type=int, default=100)
    parser.add_argument("--min-count", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--max-rss-growth-mb", type=float, default=DEFAULT_RSS_GROWTH_MB)
    parser.add_argument("--max-queue", type=int, default=DEFAULT_MAX_QUEUE)
    parser.add_argument("--json", action="store_true")
    return parser.parse_args(argv)


def corpus_source(name: str):
    if name == "demo":
        return "demo"
    path = SHARED_DATA / "corpora" / "kjv-verses.txt" if name == "kjv" else Path(name)
    if not path.exists():
        raise SystemExit(f"error: corpus {path} is absent")
    return path


def replay_without_view(source, vocab, start, config, step: int):
    """The weights of the same run, trained headless, at `step`."""
    from explorer.core.training.live import encode_corpus
    from explorer.core.training.train import train

    if step == 0:
        return start
    corpus = encode_corpus(source, vocab, config.objective == "lm")  # as the live run encoded it
    for snap in train(corpus, start, replace(config, yield_every=1)):
        if snap.step == step:
            return snap.weights
    raise RuntimeError(f"the headless run ended before step {step}")


def main(argv=None) -> int:
    args = parse_args(argv)
    from PySide6.QtCore import QSettings, QTimer

    from explorer.core.matrix.schemes import describe
    from explorer.core.state.workspace import Workspace
    from explorer.core.training.live import FrameGate
    from explorer.ui.main_window import MainWindow, app_instance
    from explorer.ui.startup import demo_workspace

    app = app_instance()
    source = corpus_source(args.corpus)
    rss_start = rss_mb()

    # -- counting what the worker produces and what the GUI receives and draws -------------
    counts = {"produced": 0, "projected": 0, "released": 0, "received": 0, "drawn": 0, "max_queue": 0,
              "max_waiting": 0}

    class CountingGate(FrameGate):
        def take(self) -> bool:  # called by the worker once per training frame
            counts["produced"] += 1
            taken = super().take()
            counts["projected"] += taken
            return taken

        def release(self) -> None:  # called by the GUI once it drew the frame
            counts["released"] += 1
            super().release()

    if source == "demo":
        workspace = demo_workspace(args.seed)
        workspace.state.init.update(scheme="truncated_normal", dim=args.dim, seed=args.seed)
    else:
        from explorer.core.tokens.corpus import load_corpus

        vocab, _ = load_corpus(source, min_count=args.min_count)
        workspace = Workspace(vocab)
        workspace.state.init.update(scheme="truncated_normal", dim=args.dim, seed=args.seed)
    settings = QSettings(str(Path(tempfile.mkdtemp(prefix="explorer-soak-")) / "settings.ini"), QSettings.IniFormat)
    window = MainWindow(workspace, settings)
    window.session_controller.prompt_on_close = False
    window.resize(1400, 900)
    window.show()
    controller, panel = window.controller, window.train_panel

    def wait(condition, timeout: float) -> None:
        end = time.perf_counter() + timeout
        while not condition():
            if time.perf_counter() > end:
                raise TimeoutError("timed out")
            app.processEvents()
            time.sleep(0.005)

    if source == "demo":
        controller.reinitialize()
    else:
        from explorer.core.matrix.init import initialize

        init = workspace.state.init
        workspace.set_weights(initialize(init, len(workspace.vocab), workspace.vocab.pad_id),
                              "init truncated_normal", initial=True, made_by=describe(init))
    wait(lambda: controller.up_to_date and controller.jobs.active == 0, 120)

    window.state.train.update(corpus=str(source), new_vocab=False, seed=args.seed,
                              epochs=10000)  # longer than any soak: Stop ends it
    panel.run.gate_type = CountingGate
    captured = {}
    real_start = panel.run.start

    def start(src, config):
        captured.update(source=src, config=config, weights=workspace.weights.copy(), vocab=workspace.vocab)
        real_start(src, config)

    panel.run.start = start
    panel.run.frame.connect(lambda frame: counts.__setitem__("received", counts["received"] +
                                                             (frame.stage == "training")))
    controller.projection_ready.connect(lambda *_: counts.__setitem__("drawn", counts["drawn"] + 1))
    outcome = []
    panel.run.finished.connect(outcome.append)

    samples: list[tuple[float, float]] = []  # (seconds since start, RSS MB)
    t0 = time.perf_counter()

    def sample_queue() -> None:
        counts["max_queue"] = max(counts["max_queue"], counts["produced"] - counts["received"])
        counts["max_waiting"] = max(counts["max_waiting"], counts["projected"] - counts["released"])

    def sample_rss() -> None:
        samples.append((time.perf_counter() - t0, rss_mb()))

    queue_timer = QTimer(interval=100, timeout=sample_queue)
    rss_timer = QTimer(interval=1000, timeout=sample_rss)
    panel.start_button.click()
    queue_timer.start()
    rss_timer.start()
    sample_rss()
    wait(lambda: time.perf_counter() - t0 >= args.seconds or outcome, args.seconds + 60)
    panel.stop_button.click()
    wait(lambda: bool(outcome) and controller.jobs.active == 0, 60)
    queue_timer.stop()
    rss_timer.stop()
    sample_queue()
    sample_rss()
    live_seconds = time.perf_counter() - t0
    last = panel.run.last
    final = workspace.weights.copy()
    timeline = len(panel.run.timeline)
    window.close()
    app.processEvents()

    # -- the same run without the view ------------------------------------------------------
    t1 = time.perf_counter()
    headless = replay_without_view(captured["source"], captured["vocab"], captured["weights"],
                                   captured["config"], last.step)
    import numpy as np

    equal = bool(np.array_equal(final, headless)) and bool(np.array_equal(final, last.weights))
    replay_seconds = time.perf_counter() - t1

    warmup = min(60.0, 0.25 * live_seconds)
    warm = [rss for t, rss in samples if t >= warmup]
    baseline = warm[0] if warm else samples[-1][1]
    growth = max(warm) - baseline if warm else 0.0
    result = {
        "corpus": str(args.corpus), "vocab": len(captured["vocab"]), "dim": int(final.shape[1]),
        "seconds_live": round(live_seconds, 1), "seconds_replay": round(replay_seconds, 1),
        "outcome": outcome[0] if outcome else None,
        "steps": int(last.step), "epoch": int(last.epoch) + 1,
        "tokens_seen": int(last.tokens_seen), "timeline_snapshots": timeline,
        "frames_produced": counts["produced"], "frames_projected": counts["projected"],
        "frames_drawn": counts["drawn"], "frames_dropped": counts["produced"] - counts["projected"],
        "frames_received": counts["received"], "max_queue": counts["max_queue"],
        "max_projected_waiting": counts["max_waiting"],
        "rss_start_mb": round(rss_start, 1), "rss_after_warmup_mb": round(baseline, 1),
        "rss_max_mb": round(max(r for _, r in samples), 1), "rss_end_mb": round(samples[-1][1], 1),
        "rss_growth_after_warmup_mb": round(growth, 1), "rss_growth_bound_mb": args.max_rss_growth_mb,
        "warmup_seconds": round(warmup, 1), "rss_samples": len(samples),
        "weights_equal_without_view": equal,
    }
    problems = []
    if growth > args.max_rss_growth_mb:
        problems.append(f"RSS grew by {growth:.1f} MB after the warm-up (bound {args.max_rss_growth_mb} MB)")
    if counts["max_queue"] > args.max_queue:
        problems.append(f"{counts['max_queue']} frames queued at once (bound {args.max_queue})")
    if counts["max_waiting"] > 1:
        problems.append(f"{counts['max_waiting']} projected frames waited to be drawn at once (bound 1)")
    if counts["drawn"] < 2:
        problems.append("the view drew fewer than 2 frames")
    if not equal:
        problems.append("the final weights differ from the same run without the view")
    if outcome != ["stopped"]:
        problems.append(f"the run ended with {outcome}, not 'stopped'")
    result["problems"] = problems
    result["ok"] = not problems
    if args.json:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key:>28}: {value}")
    return 0 if not problems else 1


if __name__ == "__main__":
    sys.exit(main())
