"""The 2D scatter as a user meets it: hover, click, search, labels, colours,
selection, trails, export and level of detail."""

import xml.etree.ElementTree as ET

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QGuiApplication, QImage
from PySide6.QtWidgets import QApplication

from explorer.core.view.labels import boxes_overlap
from explorer.ui.theme import LIGHT, PALETTE
from explorer.ui.views.scatter2d import Scatter2D

WORDS = ["apple", "apricot", "banana", "cherry", "grape", "lemon", "mango", "melon", "peach", "pear"]


@pytest.fixture
def scatter(qtbot):
    view = Scatter2D(LIGHT)
    qtbot.addWidget(view)
    view.resize(800, 600)
    view.show()
    qtbot.waitExposed(view)
    rng = np.random.default_rng(0)
    n = 200
    xy = rng.normal(size=(n, 2)).astype(np.float32)
    tokens = [f"{WORDS[i % 10]}{i}" for i in range(n)]
    colors = np.array([(*PALETTE[i % 3], 230) for i in range(n)], np.uint8)
    view.set_points(xy, tokens, colors, np.arange(n, 0, -1) * 7)
    view.set_legend([("a", (*PALETTE[0], 230)), ("b", (*PALETTE[1], 230)), ("c", (*PALETTE[2], 230))])
    settle(view)
    return view


def settle(view):
    """Let the axes take their tick labels' width: with the aspect locked, that re-ranges x."""
    for _ in range(3):
        QApplication.processEvents()


def viewport_pos(view, i):
    scene = view.viewbox.mapViewToScene(QPointF(*view.xy[i].tolist()))
    return view.mapFromScene(scene)


def isolated_point(view):
    xy = view.xy
    d = ((xy[:, None, :] - xy[None, :, :]) ** 2).sum(-1) + np.eye(len(xy)) * 1e9
    return int(np.argmax(d.min(axis=1)))


def test_one_point_per_token(scatter):
    assert scatter.point_count == 200
    assert scatter.tokens[3] == "cherry3"
    assert scatter.legend_entries[0][0] == "a"


def test_hover_shows_token_id_and_count(scatter, qtbot):
    i = isolated_point(scatter)
    qtbot.mouseMove(scatter.viewport(), viewport_pos(scatter, i))
    qtbot.waitUntil(lambda: scatter.hovered == i, timeout=3000)
    assert scatter.hover_text == f"{scatter.tokens[i]}\nID {i}\ncount {(200 - i) * 7:,}"


def test_click_emits_the_point_id(scatter, qtbot):
    i = isolated_point(scatter)
    with qtbot.waitSignal(scatter.point_clicked, timeout=3000) as blocker:
        qtbot.mouseClick(scatter.viewport(), Qt.LeftButton, pos=viewport_pos(scatter, i))
    assert blocker.args == [i]


def test_search_highlights_and_centres_on_matches(scatter):
    hits = scatter.search("MANGO")
    assert hits.tolist() == list(range(6, 200, 10))
    assert set(scatter.points.highlighted.tolist()) == set(hits.tolist())
    assert scatter.points.faded is not None and not scatter.points.faded[6] and scatter.points.faded[0]
    (x0, x1), (y0, y1) = scatter.viewbox.viewRange()
    xy = scatter.xy[hits]
    assert x0 <= xy[:, 0].min() and xy[:, 0].max() <= x1 and y0 <= xy[:, 1].min() and xy[:, 1].max() <= y1
    centre = (xy.min(axis=0) + xy.max(axis=0)) / 2
    assert abs((x0 + x1) / 2 - centre[0]) < 1e-3 and abs((y0 + y1) / 2 - centre[1]) < 1e-3
    assert any(label.startswith("mango") for label in scatter.labels)
    one = scatter.search("^peach8$", regex=True)
    assert one.tolist() == [8]
    (x0, x1), (y0, y1) = scatter.viewbox.viewRange()
    assert abs((x0 + x1) / 2 - scatter.xy[8, 0]) < 1e-3


def test_toolbar_search_reports_matches_and_bad_regex(scatter):
    bar = scatter.toolbar
    bar.search.setText("lemon")
    bar.run_search()
    assert bar.hits.text() == "20 matches"
    bar.regex.setChecked(True)
    bar.search.setText("(")
    bar.run_search()
    assert bar.hits.text() == "bad regex" and "bad regular expression" in bar.search.toolTip()
    assert len(scatter.search_hits) == 20  # the previous search stays


def test_labels_do_not_overlap(scatter):
    scatter.set_labels(list(range(200)))
    shown = scatter.label_boxes()
    assert 10 < len(shown) < 200  # crowded labels are suppressed, not piled up
    boxes = [(b.left(), b.top(), b.right(), b.bottom()) for _, b in shown]
    for i in range(len(boxes)):
        for j in range(i + 1, len(boxes)):
            assert not boxes_overlap(boxes[i], boxes[j])
    assert scatter.labels[0] == scatter.tokens[shown[0][0]]
    scatter.set_selection([150])
    assert scatter.labels[0] == scatter.tokens[150]  # the selection comes first


def test_the_view_follows_its_state_and_writes_the_range(scatter, qtbot):
    view = scatter.state.view
    view.update(colour="regex", colour_pattern="^lemon")  # as a session or bookmark would
    assert scatter.toolbar.color.currentData() == "regex" and scatter.toolbar.pattern.text() == "^lemon"
    assert scatter.legend_entries[0][0] == "/^lemon/ (20)"
    scatter.toolbar.color.setCurrentIndex(scatter.toolbar.color.findData("frequency"))  # the user's choice
    assert view.colour == "frequency" and scatter.legend_entries[0][0].startswith("count")
    scatter.viewbox.setRange(xRange=(-0.5, 0.25), yRange=(-1.0, 0.5), padding=0)
    qtbot.waitUntil(lambda: view.range2d is not None and contains(view.range2d, ((-0.5, 0.25), (-1.0, 0.5))),
                    timeout=3000)
    view.range2d = ((1.0, 2.0), (-3.0, -1.0))
    assert contains(scatter.viewRange(), ((1.0, 2.0), (-3.0, -1.0)))
    assert one_to_one(scatter)  # the aspect stays locked: the wider side grows
    scatter.state.explore.search = "mango"
    assert len(scatter.search_hits) == 20 and scatter.toolbar.search.text() == "mango"


def contains(shown, wanted, tol=1e-6):
    """The range shown holds the wanted one, and fits it tightly on one axis."""
    (x0, x1), (y0, y1) = shown
    (a0, a1), (b0, b1) = wanted
    inside = x0 <= a0 + tol and x1 >= a1 - tol and y0 <= b0 + tol and y1 >= b1 - tol
    tight = abs(x0 - a0) < tol and abs(x1 - a1) < tol or abs(y0 - b0) < tol and abs(y1 - b1) < tol
    return inside and tight


def one_to_one(scatter) -> bool:
    """A unit on x spans as many pixels as a unit on y."""
    (x0, x1), (y0, y1) = scatter.viewRange()
    rect = scatter.viewbox.boundingRect()
    return abs((rect.width() / (x1 - x0)) / (rect.height() / (y1 - y0)) - 1) < 0.01


def test_axes_have_one_title_each_and_equal_units(scatter, qtbot):
    scatter.set_points(scatter.xy * np.float32(0.001), scatter.tokens, scatter.colors)  # a small scale
    scatter.set_axis_titles("PC1 (4.5% of variance)", "PC2 (4.0% of variance)")
    settle(scatter)
    bottom = scatter.getPlotItem().getAxis("bottom")
    assert bottom.labelString().count("(") == 1 and "x0.001" not in bottom.labelString()
    assert bottom.tickStrings([0.001, 0.002], 1, 0.001) == ["0.001", "0.002"]  # the scale, in the ticks
    assert one_to_one(scatter)
    scatter.viewbox.setRange(xRange=(-0.001, 0.001), yRange=(-0.003, 0.003), padding=0)  # a tall request
    settle(scatter)
    assert one_to_one(scatter)


def test_the_title_follows_the_theme_size(scatter):
    from explorer.ui.theme import THEMES

    scatter.set_title("PCA 2D of all 200 tokens")
    big = THEMES["high-contrast-dark"].scaled(2.0)
    scatter.set_theme(big)
    assert scatter.title_point_size == big.title_size
    scatter.set_theme(LIGHT)
    assert scatter.title_point_size == LIGHT.title_size
    assert "PCA 2D of all 200 tokens" in scatter.getPlotItem().titleLabel.text


def test_colour_modes_change_colours_and_legend(scatter):
    category = scatter.colors.copy()
    scatter.set_color_mode("frequency")
    assert not np.array_equal(scatter.colors, category)
    assert scatter.legend_entries[0][0].startswith("count")
    assert not np.array_equal(scatter.colors[0], scatter.colors[199])  # frequent vs rare
    scatter.set_color_mode("regex", pattern="^pear")
    pear = [i for i, t in enumerate(scatter.tokens) if t.startswith("pear")]
    assert scatter.legend_entries[0][0] == f"/^pear/ ({len(pear)})"
    assert {tuple(scatter.colors[i]) for i in pear} == {tuple(scatter.legend_entries[0][1])}
    scatter.set_color_mode("cluster", k=4)
    assert len(scatter.legend_entries) == 4 and scatter.legend_entries[0][0].startswith("cluster 1")
    assert len({tuple(c) for c in scatter.colors}) == 4
    scatter.set_color_mode("category")
    assert np.array_equal(scatter.colors, category)
    assert [name for name, _ in scatter.legend_entries] == ["a", "b", "c"]


def test_rect_and_lasso_selection_give_copyable_tokens(scatter, qtbot):
    xy = scatter.xy
    with qtbot.waitSignal(scatter.selection_changed) as blocker:
        chosen = scatter.select_shape("rect", [(0.5, -0.5), (-0.5, 0.5)])
    inside = [i for i in range(200) if -0.5 <= xy[i, 0] <= 0.5 and -0.5 <= xy[i, 1] <= 0.5]
    assert chosen == inside and blocker.args == [inside]
    assert list(scatter.state.explore.selection) == inside  # the selection lives in the state
    text = scatter.copy_selection()
    assert QGuiApplication.clipboard().text() == text == "\n".join(scatter.tokens[i] for i in inside)
    assert scatter.toolbar.copy.text() == f"Copy {len(inside)}"
    triangle = [(0, 0), (3, 0), (0, 3)]
    lasso = scatter.select_shape("lasso", triangle, additive=True)
    tri = [i for i in range(200) if xy[i, 0] > 0 and xy[i, 1] > 0 and xy[i, 0] + xy[i, 1] < 3]
    assert set(lasso) == set(inside) | set(tri)


def test_trails_follow_the_selected_tokens(scatter):
    history = [scatter.xy + 0.1 * k for k in range(5)]
    scatter.set_trails([3, 7], history)
    assert scatter.trail_ids == [3, 7]
    assert scatter.trails.paths.shape == (2, 5, 2)
    assert np.allclose(scatter.trails.paths[1, 4], scatter.xy[7] + 0.4)
    scatter.set_trails([3], [h[[3]] for h in history])  # rows of just these tokens work too
    assert scatter.trails.paths.shape == (1, 5, 2)
    assert not scatter.grab().isNull()
    scatter.set_trails([], [])
    assert scatter.trail_ids == []


def test_export_png_and_svg(scatter, tmp_path):
    scatter.set_labels([0, 1, 2])
    png = scatter.export(tmp_path / "plot.png")
    image = QImage(str(png))
    assert not image.isNull() and image.width() > 400 and image.height() > 300
    blended = [round(c * 230 / 255 + 255 * 25 / 255) for c in PALETTE[0]]  # alpha 230 over white
    near = [(x, y) for x in range(0, image.width(), 2) for y in range(0, image.height(), 2)
            if all(abs(a - b) <= 6 for a, b in zip(image.pixelColor(x, y).getRgb()[:3], blended))]
    assert len(near) > 50  # the points are in the picture, in their colour
    svg = scatter.export(tmp_path / "plot.svg")
    root = ET.parse(svg).getroot()
    assert root.tag.endswith("svg")
    texts = " ".join("".join(e.itertext()) for e in root.iter() if e.tag.endswith("text"))
    assert {"a", "b", "c", "0"} <= set(texts.split())  # legend and tick labels, as vector text
    assert len(list(root.iter())) > 150  # points, grid and axes, text


def test_level_of_detail_switches_with_zoom_and_says_so(scatter, qtbot):
    rng = np.random.default_rng(2)
    n = 5000
    xy = rng.normal(size=(n, 2)).astype(np.float32)
    scatter.points.lod_threshold = 1000
    scatter.set_points(xy, [f"w{i}" for i in range(n)], np.tile(np.array([[31, 119, 180, 220]], np.uint8), (n, 1)))
    assert scatter.points.mode == "density"
    assert scatter.status_text.startswith("Density of all 5,000 points")
    assert not scatter.grab().isNull()
    scatter.viewbox.setRange(xRange=(-0.2, 0.2), yRange=(-0.2, 0.2), padding=0)
    qtbot.waitUntil(lambda: scatter.points.mode == "points", timeout=3000)
    (x0, x1), (y0, y1) = scatter.viewRange()  # the asked range, widened on one axis to keep the aspect
    visible = int(((xy[:, 0] >= x0) & (xy[:, 0] <= x1) & (xy[:, 1] >= y0) & (xy[:, 1] <= y1)).sum())
    assert scatter.status_text.startswith(f"Showing each of the {visible:,} points in view")
    assert scatter._status_box.isVisible()
    assert not scatter.grab().isNull()


def test_a_dark_theme_recolours_the_view(scatter):
    from explorer.ui.theme import THEMES

    dark = THEMES.get("dark")
    if dark is None:
        pytest.skip("no dark theme defined")
    scatter.set_theme(dark)
    image = scatter.grab().toImage()
    assert image.pixelColor(image.width() // 2, image.height() - 5).name() == dark.background
    assert scatter.label_item.halo.name() == dark.background


def test_a_hidden_toolbar_leaves_no_strip_above_the_plot(scatter, qtbot):
    assert scatter.viewportMargins().top() > 20  # the search and tools strip
    scatter.toolbar.hide()  # presentation mode hides it
    qtbot.waitUntil(lambda: scatter.viewportMargins().top() == 0, timeout=3000)
    scatter.toolbar.show()
    qtbot.waitUntil(lambda: scatter.viewportMargins().top() > 20, timeout=3000)
