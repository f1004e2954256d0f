"""Journey: what the 2D plot draws over the points (issue #17 §4, §5, §8).

The user clicks a point: lines run from it to its nearest neighbours in the full space.
Layers ▸ Density contours draws contour lines; colouring by k-means cluster puts a caption on
each cluster, in view and clear of each other and of the labels; colouring by fidelity shows
a colour bar whose caption gives the mean share of neighbours kept."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, Qt

from explorer.core.analysis.neighbors import neighbors_of
from explorer.core.view.labels import boxes_overlap
from explorer.ui.overlays import mean_text

from .conftest import cut_off_controls


def viewport_pos(view, i):
    return view.mapFromScene(view.viewbox.mapViewToScene(QPointF(*view.xy[i].tolist())))


def isolated_point(view) -> int:
    xy = view.xy.astype(np.float64)
    d = ((xy[:, None, :] - xy[None, :, :]) ** 2).sum(-1) + np.eye(len(xy)) * 1e18
    return int(np.argmax(d.min(axis=1)))


def layer(window, text: str):
    """An item of the plot toolbar's Layers menu, by its text."""
    return next(a for a in window.scatter2d.toolbar.layers.menu().actions() if a.text() == text)


def test_neighbours_density_captions_and_fidelity_on_the_plot(window, qtbot):
    scatter = window.scatter2d
    explore = window.state.explore

    # A click on a point draws its neighbours: exactly the Inspector's nearest, in the full space.
    token = isolated_point(scatter)
    qtbot.mouseClick(scatter.viewport(), Qt.LeftButton, pos=viewport_pos(scatter, token))
    assert explore.current == token
    wanted = [i for i, _ in neighbors_of(window.workspace.weights, token, min(explore.k, 15), explore.metric)]
    qtbot.waitUntil(lambda: scatter.neighbour_of == token, timeout=30000)
    assert scatter.neighbours_item.drawn().tolist() == wanted
    assert scatter.neighbour_note == ""  # every neighbour is on the plot
    assert scatter.tokens[token] in scatter.labels

    # Layers ▸ Density contours.
    assert scatter.contours.line_count == 0
    layer(window, "Density contours").trigger()
    assert window.state.view.density and scatter.contours.line_count > 0
    lines = scatter.contours.boundingRect()
    assert lines.intersects(scatter.viewbox.viewRect())

    # Train: the words gather by meaning, so the k-means clusters become places on the plot.
    window.state.train.epochs = 10
    window.docks["Training"].raise_()
    with qtbot.waitSignal(window.train_panel.run.finished, timeout=90000):
        qtbot.mouseClick(window.train_panel.start_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: window.controller.up_to_date and window.controller.jobs.active == 0, timeout=30000)

    # Colour by k-means cluster: a caption per gathered cluster, in view, clear of the others and
    # the labels (a cluster spread over the plot has no place to name).
    combo = scatter.toolbar.color
    combo.setCurrentIndex(combo.findText("k-means cluster"))
    assert window.state.view.colour == "cluster"
    qtbot.waitUntil(lambda: 3 <= len(scatter.captions) <= window.state.view.clusters, timeout=30000)
    qtbot.waitUntil(lambda: len(scatter.caption_boxes()) >= 2, timeout=5000)
    captions = scatter.caption_boxes()
    view = scatter.viewbox.sceneBoundingRect()
    labels = [box for _, box in scatter.label_boxes()]
    for k, (text, box) in enumerate(captions):
        assert view.contains(box), text
        for _, other in captions[k + 1:]:
            assert not boxes_overlap(box.getCoords(), other.getCoords())
        assert not any(boxes_overlap(box.getCoords(), b.getCoords()) for b in labels)

    # Colour by fidelity: a colour bar whose caption gives the mean over the projected rows.
    combo.setCurrentIndex(combo.findText("Fidelity (10-NN kept)"))
    assert window.state.view.colour == "fidelity"
    qtbot.waitUntil(lambda: scatter.colour_bar_caption.startswith("10-NN preserved: mean"), timeout=60000)
    fidelity = window.overlays.fidelity
    n = len(window.workspace.vocab)
    assert scatter.colour_bar_caption == f"10-NN preserved: mean {mean_text(fidelity.mean)} over {n:,} rows"
    assert scatter.legend.bar is not None and scatter.legend.isVisible()
    assert cut_off_controls(window) == []
