"""The short soak: tools/soak.py (`make soak` runs it for 10 minutes on the KJV) for 12 s on
the demo corpus: live training with the view, RSS growth after warm-up within its bound
(64 MB), a bounded frame queue, at most one projected frame waiting, and final weights
bit-for-bit equal to the same run without the view."""

import json
import os
import subprocess
import sys

from tests.conftest import ROOT

SECONDS = 12
RSS_GROWTH_BOUND_MB = 64


def test_short_soak_keeps_memory_and_frames_bounded_and_training_unchanged():
    result = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "soak.py"), "--seconds", str(SECONDS), "--corpus", "demo",
         "--dim", "32", "--json", "--max-rss-growth-mb", str(RSS_GROWTH_BOUND_MB)],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    lines = [line for line in result.stdout.splitlines() if line.startswith("{")]
    assert lines, result.stderr[-3000:]
    figures = json.loads(lines[-1])
    assert figures["problems"] == [] and result.returncode == 0, figures
    assert figures["weights_equal_without_view"] is True
    assert figures["outcome"] == "stopped" and figures["steps"] > 0
    assert figures["rss_growth_after_warmup_mb"] <= RSS_GROWTH_BOUND_MB
    assert figures["rss_samples"] >= SECONDS - 2
    assert figures["max_queue"] <= 20 and figures["max_projected_waiting"] <= 1
    assert figures["frames_drawn"] >= 2 and figures["frames_produced"] >= figures["frames_projected"]
