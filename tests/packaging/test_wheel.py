"""The wheel works as software a person installs: built from what the package ships, installed
into a fresh venv (torch first, pinned as the Makefile does), run from a folder outside the repo.

Marked `wheel`: `make test` runs it as its own step (a minute or so; pip's cache and the local
wheel folder make the installs quick). Each step's time is printed (`pytest -s` shows it)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
import venv
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.wheel

# What the Makefile installs first, so that pip never fetches another torch build.
TORCH = re.search(r"pip install -q (torch==\S+)", (ROOT / "Makefile").read_text(encoding="utf-8")).group(1)
# Everything the wheel is built from: the package, its data and its metadata.
SOURCES = ("explorer", "resources", "pyproject.toml", "README.md")


def _run(command, cwd, timeout=600, env=None):
    result = subprocess.run([str(c) for c in command], cwd=cwd, capture_output=True, text=True,
                            timeout=timeout, env=env)
    assert result.returncode == 0, f"{command} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """(bin folder of a fresh venv holding the wheel, a folder outside the repo to run in)."""
    base = tmp_path_factory.mktemp("wheel")
    times = {}
    start = time.perf_counter()
    # A clean copy, so that no build/ or egg-info of the checkout can leak into the wheel.
    source = base / "source"
    source.mkdir()
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.tmp"))
        else:
            shutil.copy2(ROOT / name, source / name)
    _run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", base / "dist", source], cwd=base)
    wheel, = (base / "dist").glob("embedding_explorer-*.whl")
    times["build the wheel"] = time.perf_counter() - start

    mark = time.perf_counter()
    venv.create(base / "venv", with_pip=True)  # fresh: no system site-packages, nothing of this venv
    python = base / "venv" / "bin" / "python"
    _run([python, "-m", "pip", "install", "-q", TORCH], cwd=base)
    times[f"venv + {TORCH}"] = time.perf_counter() - mark
    mark = time.perf_counter()
    _run([python, "-m", "pip", "install", "-q", wheel], cwd=base)
    times["install the wheel"] = time.perf_counter() - mark
    print("\n" + "\n".join(f"{what}: {seconds:.1f} s" for what, seconds in times.items()))

    elsewhere = base / "elsewhere"
    elsewhere.mkdir()
    yield python.parent, elsewhere
    shutil.rmtree(base / "venv")  # 1.5 GB, mostly torch


def _env(tmp: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    return {**env, "QT_QPA_PLATFORM": "offscreen", "XDG_CONFIG_HOME": str(tmp / "config")}


def test_the_installed_package_is_the_wheel_not_the_checkout(installed):
    bin_dir, elsewhere = installed
    found = _run([bin_dir / "python", "-c", "import explorer.resources as r, explorer; "
                  "print(explorer.__file__); print(r.__file__)"], cwd=elsewhere, env=_env(elsewhere))
    for line in found.stdout.split():
        assert Path(line).is_relative_to(bin_dir.parent) and "site-packages" in line, line


def test_a_tour_step_screenshot(installed):
    from PySide6.QtGui import QImage

    bin_dir, elsewhere = installed
    start = time.perf_counter()
    result = _run([bin_dir / "embedding-explorer", "--tour", "6", "--tour-step", "1", "--screenshot", "out.png"],
                  cwd=elsewhere, env=_env(elsewhere), timeout=300)
    print(f"\ntour 6 screenshot: {time.perf_counter() - start:.1f} s")
    assert "error" not in result.stderr.lower(), result.stderr
    image = QImage(str(elsewhere / "out.png"))
    assert not image.isNull() and image.width() > 600
    colours = {image.pixel(x, y) for x in range(0, image.width(), 9) for y in range(0, image.height(), 9)}
    assert len(colours) > 20  # not blank: the MiniLM table's points, the docks, the caption


def test_vocab_of_the_gpt2_sample(installed):
    import json

    bin_dir, elsewhere = installed
    result = _run([bin_dir / "embedding-explorer", "vocab", "sample:gpt2", "--json"], cwd=elsewhere,
                  env=_env(elsewhere))
    summary = json.loads(result.stdout)
    assert summary["size"] == 50257 and summary["format"] == "gpt2"
    assert Path(summary["source"]).is_relative_to(bin_dir.parent)  # read from the installed package data


def test_neighbors_of_king_in_the_minilm_sample(installed):
    bin_dir, elsewhere = installed
    result = _run([bin_dir / "embedding-explorer", "neighbors", "sample:minilm", "--token", "king"],
                  cwd=elsewhere, env=_env(elsewhere))
    assert "nearest to 'king'" in result.stdout and " queen " in result.stdout
