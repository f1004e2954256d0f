"""Shared fixtures: real data paths and an isolated settings folder."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

# Qt reads settings from XDG_CONFIG_HOME: keep tests away from the user's own.
os.environ["XDG_CONFIG_HOME"] = tempfile.mkdtemp(prefix="explorer-test-config-")
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"


@pytest.fixture
def shared_data() -> Path:
    """../shared/data, or a skip with the reason when it is absent (CI always has it)."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real data folder {SHARED_DATA} is absent")
    return SHARED_DATA
