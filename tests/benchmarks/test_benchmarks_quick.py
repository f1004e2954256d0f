"""Every benchmark script runs at its --quick size and reports a ratio (no thresholds)."""

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT

SCRIPTS = sorted((ROOT / "benchmarks").glob("bench_*.py"))


@pytest.mark.parametrize("script", SCRIPTS, ids=[s.stem for s in SCRIPTS])
def test_benchmark_runs_quick_and_reports_a_ratio(script):
    result = subprocess.run([sys.executable, str(script), "--quick", "--json"], cwd=ROOT,
                            capture_output=True, text=True, timeout=600,
                            env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert result.returncode == 0, result.stderr[-2000:]
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    assert "ratio" in figures and "peer" in figures and "benchmark" in figures
