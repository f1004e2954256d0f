"""Journey: t-SNE drawn as it goes, and a Cancel that keeps the picture before; UMAP's settings.

On the MiniLM table a user samples 1,000 tokens and picks t-SNE in the Projection dock: the
layout is drawn from its first iterations on, the title saying which iteration it shows, until
the final layout replaces it. Then the user asks for a 5,000-token sample (most of a minute),
watches its first layouts, and clicks Cancel: the 1,000-token t-SNE comes back, as it was.
Choosing UMAP shows its own settings (neighbours, min_dist, metric) in place of t-SNE's."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from explorer.core.projection.project import umap_available
from tests.journeys.conftest import cut_off_controls, menu_action, points_in_view

ROWS = 30_522


def choose(combo, data):
    combo.setCurrentIndex(combo.findData(data))


def test_tsne_layouts_are_drawn_as_they_go_and_cancel_keeps_the_previous_picture(window, qtbot, shared_data):
    menu_action(window, "File", "Open sample", "MiniLM").trigger()
    qtbot.waitUntil(lambda: window.scatter2d.point_count == ROWS and window.controller.up_to_date
                    and window.controller.jobs.active == 0, timeout=90000)
    panel, scatter, controller = window.projection_panel, window.scatter2d, window.controller
    window.docks["Projection"].raise_()
    panel.sample_on.setChecked(True)
    with qtbot.waitSignal(controller.idle, timeout=30000):
        panel.sample_size.setValue(1000)
    drawn = []  # (title, points drawn, the fit shown meanwhile) at each interim layout
    controller.interim_shown.connect(lambda p: drawn.append((scatter.title_text, scatter.xy.copy(), controller.projection)))
    pca = controller.projection

    choose(panel.method, "tsne")
    qtbot.waitUntil(lambda: controller.up_to_date and controller.projection.method == "tsne", timeout=120000)
    assert len(drawn) >= 2, f"{len(drawn)} interim layouts drawn"
    assert all("t-SNE 2D of a random sample of 1,000" in title and "(iteration" in title for title, _, _ in drawn)
    assert all(fit is pca for _, _, fit in drawn)  # the fit stays until the final layout
    assert not np.allclose(drawn[0][1], drawn[-1][1], equal_nan=True)  # the points moved
    assert "iteration" not in scatter.title_text and "t-SNE 2D of a random sample of 1,000" in scatter.title_text
    assert points_in_view(scatter) == 1000
    final, final_xy, final_title = controller.projection, scatter.xy.copy(), scatter.title_text

    drawn.clear()
    with qtbot.waitSignal(controller.interim_shown, timeout=120000):
        panel.sample_size.setValue(5000)
    assert "random sample of 5,000" in scatter.title_text and "(iteration" in scatter.title_text
    with qtbot.waitSignal(controller.long_job_finished, timeout=60000):
        qtbot.mouseClick(window.cancel_button, Qt.LeftButton)
    assert controller.projection is final and scatter.title_text == final_title
    assert np.allclose(scatter.xy, final_xy, equal_nan=True) and points_in_view(scatter) == 1000


@pytest.mark.skipif(not umap_available(), reason="umap-learn is not installed")
def test_umap_settings_show_in_the_dock_and_fit_its_column(window, qtbot):
    panel, scatter = window.projection_panel, window.scatter2d
    window.docks["Projection"].raise_()
    choose(panel.method, "umap")
    assert panel.n_neighbors.isVisible() and panel.min_dist.isVisible() and panel.umap_metric.isVisible()
    assert not panel.perplexity.isVisible() and not panel.axis_edits["x"].isVisible()
    assert not cut_off_controls(window), cut_off_controls(window)
    panel.min_dist.setFocus()
    panel.min_dist.selectAll()
    QTest.keyClicks(panel.min_dist, "0.5")
    QTest.keyClick(panel.min_dist, Qt.Key_Return)
    qtbot.waitUntil(lambda: window.controller.up_to_date and window.controller.projection.method == "umap"
                    and window.controller.projection.settings.min_dist == 0.5, timeout=120000)
    assert "UMAP 2D of all" in scatter.title_text and points_in_view(scatter) == len(window.workspace.vocab)
