"""Prints how many fuzz cases ran per reader (the figures README's Reliability section quotes)."""

from __future__ import annotations

import json
import os

from tests.fuzz import _harness


def pytest_collection_finish(session):
    # At the start, even under -q (which hides the report header): the seed of this run.
    if any(item.nodeid.startswith("tests/fuzz/") for item in session.items):
        session.config.pluginmanager.get_plugin("terminalreporter").write_line(f"fuzz seed: {_harness.REPLAY}")


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if not _harness.CASES:
        return
    tr = terminalreporter
    tr.section(f"fuzz cases per reader (FUZZ_EXAMPLES={_harness.EXAMPLES}, FUZZ_SEED={_harness.SEED})")
    total = 0
    for reader in sorted(_harness.CASES):
        n = _harness.CASES[reader]
        total += n
        outcomes = ", ".join(f"{k} {v}" for k, v in sorted(_harness.OUTCOMES.get(reader, {}).items()))
        tr.write_line(f"{reader:<18} {n:>6}   ({outcomes})")
    tr.write_line(f"{'total':<18} {total:>6}")
    tr.write_line(_harness.REPLAY)
    report = os.environ.get("FUZZ_REPORT")
    if report:
        with open(report, "w") as f:
            json.dump({"examples": _harness.EXAMPLES, "seed": _harness.SEED, "cases": dict(_harness.CASES),
                       "outcomes": {k: dict(v) for k, v in _harness.OUTCOMES.items()}}, f, indent=1)


import pytest  # noqa: E402


@pytest.fixture
def scratch():
    """A folder for one test's cases (hypothesis reuses it: each case calls .fresh())."""
    s = _harness.Scratch()
    yield s
    s.close()
