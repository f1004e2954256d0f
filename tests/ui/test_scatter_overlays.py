"""The 2D scatter's overlays: neighbour lines, a fidelity colour bar, colours and labels from
metadata columns, group captions and density contours."""

import numpy as np
import pytest
from PySide6.QtWidgets import QApplication

from explorer.core.io.metadata import Metadata
from explorer.core.view.labels import boxes_overlap
from explorer.ui.theme import DARK, LIGHT, PALETTE
from explorer.ui.views.scatter2d import Scatter2D


@pytest.fixture
def scatter(qtbot):
    view = Scatter2D(LIGHT)
    qtbot.addWidget(view)
    view.resize(800, 600)
    view.show()
    qtbot.waitExposed(view)
    rng = np.random.default_rng(0)
    centres = np.array([[0, 0], [8, 0], [0, 8], [8, 8]], np.float32)
    xy = (centres[np.arange(200) % 4] + rng.normal(size=(200, 2))).astype(np.float32)
    tokens = [f"tok{i}" for i in range(200)]
    colors = np.array([(*PALETTE[i % 4], 230) for i in range(200)], np.uint8)
    view.set_points(xy, tokens, colors, np.arange(200, 0, -1))
    QApplication.processEvents()
    return view


def test_neighbours_are_drawn_labelled_and_counted_off_the_plot(scatter):
    scatter.state.view.cluster_labels = False  # no captions in the way of the labels
    scatter.state.explore.current = 0
    scatter.set_neighbours(0, [1, 2, 3])  # one in each of the other clumps
    assert scatter.neighbours_item.drawn().tolist() == [1, 2, 3]
    assert {"tok0", "tok1", "tok2", "tok3"} <= set(scatter.labels)
    assert {1, 2, 3} <= scatter.label_item.strong
    assert scatter.neighbour_note == ""
    xy = scatter.xy.copy()
    xy[2] = np.nan  # outside a sample
    scatter.set_positions(xy)
    scatter.set_neighbours(0, [1, 2, 3])
    assert scatter.neighbours_item.drawn().tolist() == [1, 3]
    assert scatter.neighbour_note == "1 of 3 neighbours is off the plot"
    assert scatter._note_box.isVisible()
    xy[0] = np.nan  # the token itself is not on the plot: no lines, and the note says so
    scatter.set_positions(xy)
    scatter.set_neighbours(0, [1, 2, 3])
    assert scatter.neighbours_item.drawn().tolist() == [] and scatter.neighbour_note == "tok0 is off the plot"
    scatter.state.view.neighbours = False  # the Layers toggle
    assert scatter.neighbours_item.drawn().tolist() == [] and scatter.neighbour_note == ""
    scatter.state.view.neighbours = True
    scatter.set_neighbours(None, [])
    assert scatter.neighbours_item.drawn().tolist() == []


def test_fidelity_colours_a_gradient_with_a_colour_bar(scatter):
    scatter.state.view.colour = "fidelity"
    assert scatter.legend_entries[0][0] == "measuring fidelity…"
    values = np.linspace(0, 1, 200).astype(np.float32)
    values[5] = np.nan
    scatter.set_fidelity(values, "10-NN preserved: mean 0.50 over 199 rows")
    assert scatter.colour_bar_caption == "10-NN preserved: mean 0.50 over 199 rows"
    assert scatter.legend.bar is not None and scatter.legend.bar[0][0] == "10-NN preserved:"
    assert tuple(scatter.colors[0]) != tuple(scatter.colors[199])
    assert scatter.colors[5][3] < scatter.colors[6][3]  # not measured: faint
    scatter.set_theme(DARK)
    assert scatter.legend.bar is not None
    scatter.state.view.colour = "frequency"
    assert scatter.colour_bar_caption == "" and scatter.legend.bar is None and scatter.legend_entries


def test_metadata_columns_colour_and_label(scatter):
    pos = np.array(["noun", "verb", "", "adj"] * 50, dtype=object)
    score = np.arange(200, dtype=np.float64)
    score[3] = np.nan
    scatter.set_metadata(Metadata(columns={"pos": pos, "score": score}, source="m.tsv"))
    scatter.state.view.update(colour="column", colour_column="pos")
    assert [t for t, _ in scatter.legend_entries] == ["adj (50)", "noun (50)", "verb (50)", "missing (50)"]
    assert scatter.colour_bar_caption == ""
    scatter.state.view.colour_column = "score"
    assert scatter.colour_bar_caption == "score: 199 of 200 rows"
    scatter.state.view.label_column = "pos"
    assert scatter.label_texts()[:4] == ["noun", "verb", "tok2", "adj"]
    scatter.set_labels([0, 1, 2])
    assert {"noun", "verb", "tok2"} <= set(scatter.labels)


def test_cluster_captions_sit_in_view_and_do_not_overlap(scatter):
    scatter.set_clusters(np.arange(200) % 4)  # before the mode: as a worker would
    scatter.state.view.colour = "cluster"
    scatter.set_clusters(np.arange(200) % 4)
    assert len(scatter.captions) == 4
    QApplication.processEvents()
    boxes = scatter.caption_boxes()
    assert len(boxes) == 4
    rect = scatter.viewbox.sceneBoundingRect()
    for _, box in boxes:
        assert box.left() >= rect.left() - 1 and box.right() <= rect.right() + 1
    label_boxes = [b for _, b in scatter.label_boxes()]
    for i, (_, a) in enumerate(boxes):
        for _, b in boxes[i + 1:]:
            assert not boxes_overlap(a.getCoords(), b.getCoords())
        for b in label_boxes:
            assert not boxes_overlap(a.getCoords(), b.getCoords())
    # the most frequent tokens of cluster 0 (counts fall with the ID): tok0, tok4, tok8
    assert scatter.captions[0].text == "tok0 · tok4 · tok8"
    scatter.state.view.cluster_labels = False
    assert scatter.captions == [] and scatter.caption_boxes() == []


def test_density_contours_follow_the_toggle_and_the_points(scatter):
    assert scatter.contours.line_count == 0
    scatter.state.view.density = True
    assert scatter.contours.line_count == 4
    before = scatter.density.x0
    scatter.set_positions(scatter.xy + 100)
    scatter._overlay_timer.timeout.emit()  # the throttle's tick
    assert scatter.density.x0 == pytest.approx(before + 100, abs=1e-3)
    scatter.state.view.density = False
    assert scatter.contours.line_count == 0 and scatter.density is None


def test_the_toolbar_offers_fidelity_columns_layers_and_label_by(scatter):
    toolbar = scatter.toolbar
    texts = [toolbar.color.itemText(i) for i in range(toolbar.color.count())]
    assert "Fidelity (10-NN kept)" in texts and not any(t.startswith("Column:") for t in texts)
    assert not toolbar.label_menu.isEnabled()
    scatter.set_metadata(Metadata(columns={"pos": np.array(["n", "v"] * 100, dtype=object)}, source="m.tsv"))
    index = toolbar.color.findText("Column: pos")
    assert index >= 0
    toolbar.color.setCurrentIndex(index)  # as a user's pick
    assert (scatter.state.view.colour, scatter.state.view.colour_column) == ("column", "pos")
    scatter.state.view.colour = "cluster"
    assert toolbar.color.currentText() == "k-means cluster"
    by_pos = next(a for a in toolbar.label_menu.actions() if a.text() == "pos")
    by_pos.trigger()
    assert scatter.state.view.label_column == "pos" and by_pos.isChecked()
    density = toolbar.layer_actions["density"]
    density.trigger()
    assert scatter.state.view.density is True and scatter.contours.line_count > 0
    scatter.state.view.neighbours = False
    assert not toolbar.layer_actions["neighbours"].isChecked()


def test_tooltip_and_exports_carry_the_overlays(scatter, tmp_path):
    scatter.set_metadata(Metadata(columns={"pos": np.array(["noun", ""] * 100, dtype=object),
                                           "score": np.arange(200, dtype=np.float64)}))
    scatter.set_fidelity(np.full(200, 0.3, np.float32), "10-NN preserved: mean 0.30 over 200 rows")
    assert scatter.tip(0).endswith("pos: noun\nscore: 0\nneighbours kept 30%")
    assert "pos: —" in scatter.tip(1)
    scatter.state.view.update(colour="cluster", density=True)
    scatter.set_clusters(np.arange(200) % 4)
    scatter.state.explore.current = 0
    scatter.set_neighbours(0, [1, 2, 3])
    svg, png = scatter.export(tmp_path / "plot.svg"), scatter.export(tmp_path / "plot.png")
    assert svg.stat().st_size > 1000 and "<path" in svg.read_text()
    from PySide6.QtGui import QImage
    assert not QImage(str(png)).isNull()


def test_a_categorical_column_gets_a_caption_per_value_but_none_for_other(scatter):
    from explorer.core.view.colours import MAX_GROUPS

    # Values that each sit in one blob (point i is in blob i % 4): a group captioned is a place.
    values = np.array([f"v{i % 4 + 4 * (i // 4 % 4)}" for i in range(200)], dtype=object)
    assert len(set(values)) > MAX_GROUPS
    scatter.set_metadata(Metadata(columns={"kind": values}))
    scatter.state.view.update(colour="column", colour_column="kind")
    assert scatter.legend_entries[MAX_GROUPS][0].startswith("other (")
    assert len(scatter.captions) == MAX_GROUPS


def test_captions_come_when_the_groups_gather_as_the_points_move(scatter):
    """A run starts mixed (no group has a place to caption) and gathers: the captions follow."""
    rng = np.random.default_rng(3)
    values = np.array([f"g{i % 3}" for i in range(200)], dtype=object)
    scatter.set_metadata(Metadata(columns={"kind": values}))
    mixed = rng.normal(size=(200, 2)).astype(np.float32)
    scatter.set_positions(mixed)
    scatter.state.view.update(colour="column", colour_column="kind")
    scatter.flush_overlays()
    assert scatter.captions == []
    centres = np.array([[0, 0], [6, 0], [0, 6]], np.float32)
    scatter.set_positions(mixed * 0.2 + centres[np.arange(200) % 3])
    scatter.flush_overlays()
    assert sorted(c.text.split(" · ")[0][:3] for c in scatter.captions) == ["tok"] * 3
    assert sorted(round(c.x) for c in scatter.captions) == [0, 0, 6]
