"""Journey: what the view shows and the state say the same thing, whoever changes it.

A user colours by k-means through the toolbar, a session sets the colour back to
Category, the user zooms, a bookmark sets the range, the user switches to 3D through the
View menu: after each, the combo box, the legend, the visible range and the state agree
(issue 14: "the colour box must say what the view shows").
"""

import numpy as np
import pytest
from PySide6.QtCore import Qt

from explorer.ui.theme import category_colors

from .conftest import menu_action, points_in_view, shows_region


def legend_names(view) -> list[str]:
    return [name for name, _ in view.legend_entries]


def test_colour_box_legend_and_state_agree(window, qtbot):
    scatter = window.scatter2d
    combo = scatter.toolbar.color
    assert combo.currentText() == "Category"

    combo.setFocus()
    qtbot.keyClick(combo, Qt.Key_Down)  # Frequency
    qtbot.keyClick(combo, Qt.Key_Down)  # k-means cluster
    assert combo.currentText() == "k-means cluster"
    assert window.state.view.colour == "cluster"
    assert scatter.toolbar.k.isVisibleTo(scatter.toolbar) and scatter.toolbar.k.value() == 8
    qtbot.waitUntil(lambda: legend_names(scatter)[0].startswith("cluster 1"), timeout=30000)  # a worker's k-means
    assert len(scatter.legend_entries) == 8 and scatter.legend.entries == scatter.legend_entries

    window.state.view.colour = "category"  # as a session or a bookmark does
    assert combo.currentText() == "Category"
    categories = category_colors(window.workspace.categories, len(window.workspace.vocab))[1]
    assert legend_names(scatter) == [name for name, _ in categories] and "fruit" in legend_names(scatter)
    assert not scatter.toolbar.k.isVisibleTo(scatter.toolbar)


def test_the_visible_range_and_the_state_agree(window, qtbot):
    scatter = window.scatter2d
    n = len(window.workspace.vocab)
    assert points_in_view(scatter) == n

    scatter.viewbox.scaleBy((0.25, 0.25))  # what the mouse wheel does: zoom in around the centre
    zoomed = tuple(tuple(axis) for axis in scatter.viewRange())
    qtbot.waitUntil(lambda: window.state.view.range2d is not None
                    and np.allclose(window.state.view.range2d, zoomed), timeout=3000)
    assert points_in_view(scatter) < n

    dog = scatter.xy[window.workspace.vocab.index["dog"]]
    around = ((float(dog[0]) - 0.01, float(dog[0]) + 0.01), (float(dog[1]) - 0.01, float(dog[1]) + 0.01))
    window.state.view.range2d = around  # as a bookmark does
    assert shows_region(scatter, around)  # held whole, the aspect kept
    assert 1 <= points_in_view(scatter) < n

    window.state.view.range2d = None  # "fit the points"
    assert points_in_view(scatter) == n


@pytest.mark.gl
def test_the_view_menu_switches_to_3d_and_the_3d_view_follows_the_colours(window, qtbot):
    menu_action(window, "View", "3D projection").trigger()
    assert window.state.view.mode == "3d" and window.state.projection.dims == 3
    assert window.views.currentWidget() is window.scatter3d and window.view_3d_action.isChecked()
    qtbot.waitUntil(lambda: window.controller.up_to_date, timeout=30000)
    assert window.scatter3d.point_count == len(window.workspace.vocab)
    assert "PCA 3D of all" in window.scatter3d.statement

    window.state.view.colour = "frequency"
    assert window.scatter2d.toolbar.color.currentText() == "Frequency"
    assert legend_names(window.scatter3d)[0].startswith("count")

    menu_action(window, "View", "Auto-rotate").trigger()
    assert window.state.view.auto_rotate and window.scatter3d.auto_rotating
    menu_action(window, "View", "2D projection").trigger()
    assert window.state.view.mode == "2d" and window.views.currentWidget() is window.scatter2d
    assert not window.state.view.auto_rotate and not window.scatter3d.auto_rotating
    assert not window.auto_rotate_action.isChecked()
