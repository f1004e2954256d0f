"""The screenshot CLI renders the real window to a PNG and exits 0."""

import subprocess
import sys

import pytest
from PySide6.QtGui import QImage

from tests.conftest import ROOT


def _distinct_colors(image: QImage, step: int = 7) -> int:
    colors = set()
    for y in range(0, image.height(), step):
        for x in range(0, image.width(), step):
            colors.add(image.pixel(x, y))
    return len(colors)


def test_screenshot_2d_is_written_at_the_requested_size(tmp_path):
    out = tmp_path / "window.png"
    result = subprocess.run(
        [sys.executable, "-m", "explorer", "--screenshot", str(out), "--size", "1200x800"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    image = QImage(str(out))
    assert (image.width(), image.height()) == (1200, 800)
    assert _distinct_colors(image) > 20  # not blank: points, labels, panels


def test_help_lists_every_window_option():
    result = subprocess.run([sys.executable, "-m", "explorer", "--help"], cwd=ROOT,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0
    for option in ("--screenshot", "--view", "--size", "--vocab", "--vectors", "--session", "--init"):
        assert option in result.stdout


@pytest.mark.gl
def test_screenshot_3d_shows_points(tmp_path):
    out = tmp_path / "window3d.png"
    result = subprocess.run(
        [sys.executable, "-m", "explorer", "--screenshot", str(out), "--view", "3d", "--size", "1200x800"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    image = QImage(str(out))
    assert (image.width(), image.height()) == (1200, 800)
    assert _distinct_colors(image) > 20
