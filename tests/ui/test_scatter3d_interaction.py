"""The 3D view is no dead end: the picker finds what is drawn, hover names a token, a click makes
it current (a drag orbits and does not), Shift-drag selects the points drawn inside, a search
highlights, rings and labels its hits, neighbours get lines and labels."""

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor
from PySide6.QtTest import QTest

from tests.ui.test_scatter3d import RED, _gl_context_or_skip  # noqa: F401 (shares GL contexts at import)

pytestmark = pytest.mark.gl


@pytest.fixture
def view(qtbot):
    from explorer.ui.theme import LIGHT
    from explorer.ui.views.scatter3d import Scatter3D

    _gl_context_or_skip()
    view = Scatter3D(LIGHT)
    qtbot.addWidget(view)
    view.resize(560, 420)
    view.show()
    qtbot.waitExposed(view)
    return view


def line_of_points(view, n=9):
    """n points spread along x (well apart on screen), tokens p0..p(n-1)."""
    xyz = np.column_stack([np.linspace(-1, 1, n), np.zeros(n), np.zeros(n)]).astype(np.float32)
    view.set_points(xyz, [f"p{i}" for i in range(n)], np.tile(np.array(RED, np.uint8), (n, 1)))
    view.setCameraPosition(distance=3.0, elevation=10, azimuth=-90)  # looking along +y: x runs across
    return xyz


def pixel_of(view, token_id) -> QPoint:
    row = int(np.flatnonzero(view.shown_ids == token_id)[0])
    x, y = view.screen_points().xy[row]
    return QPoint(int(round(x)), int(round(y)))


def near(colour: QColor, rgb, tol=40) -> bool:
    return all(abs(a - b) < tol for a, b in zip((colour.red(), colour.green(), colour.blue()), rgb))


def test_the_picker_lands_on_the_drawn_point(view):
    view.set_points(np.array([[0.3, -0.2, 0.5], [-0.6, 0.4, -0.3]], np.float32), ["a", "b"],
                    np.tile(np.array(RED, np.uint8), (2, 1)))
    image = view.grabFramebuffer()
    ratio = image.devicePixelRatio()
    for token_id in (0, 1):
        p = pixel_of(view, token_id)
        assert near(QColor(image.pixel(int(p.x() * ratio), int(p.y() * ratio))), RED[:3])
        assert view.point_at(p.x() + 2, p.y() - 1) == token_id
    assert view.point_at(5, view.height() - 5) is None


def test_hover_names_the_token_and_leaving_it_clears(view, qtbot):
    line_of_points(view)
    QTest.mouseMove(view, pixel_of(view, 3))
    qtbot.waitUntil(lambda: view.hovered == 3)
    assert view.hover_text.startswith("p3\nID 3")
    QTest.mouseMove(view, QPoint(8, view.height() - 8))
    qtbot.waitUntil(lambda: view.hovered is None)
    assert view.hover_text == ""


def test_a_click_makes_a_token_current_and_a_drag_orbits_instead(view, qtbot):
    line_of_points(view)
    with qtbot.waitSignal(view.point_clicked, timeout=2000) as clicked:
        QTest.mouseClick(view, Qt.LeftButton, pos=pixel_of(view, 5))
    assert clicked.args == [5] and view.state.explore.current == 5
    start = view.opts["azimuth"]
    p = pixel_of(view, 2)
    QTest.mousePress(view, Qt.LeftButton, pos=p)
    QTest.mouseMove(view, p + QPoint(40, 0))
    QTest.mouseRelease(view, Qt.LeftButton, pos=p + QPoint(40, 0))
    assert view.opts["azimuth"] != start  # the camera turned
    assert view.state.explore.current == 5 and view.selection == []  # nothing picked, nothing selected


def test_shift_drag_selects_the_points_drawn_inside_and_labels_them(view, qtbot):
    line_of_points(view)
    a, b = pixel_of(view, 2), pixel_of(view, 5)
    corner, other = QPoint(a.x() - 6, a.y() - 20), QPoint(b.x() + 6, b.y() + 20)
    azimuth = view.opts["azimuth"]
    with qtbot.waitSignal(view.selection_changed, timeout=2000) as selected:
        QTest.mousePress(view, Qt.LeftButton, Qt.ShiftModifier, corner)
        QTest.mouseMove(view, other)
        QTest.mouseRelease(view, Qt.LeftButton, Qt.ShiftModifier, other)
    assert sorted(selected.args[0]) == [2, 3, 4, 5] == sorted(view.state.explore.selection)
    assert view.opts["azimuth"] == azimuth  # selecting does not move the camera
    assert {"p2", "p3", "p4", "p5"} <= set(view.labels)
    assert view.toolbar.copy.text() == "Copy 4"
    # With the Box tool a plain drag selects; Shift adds
    view.set_tool("rect")
    c = pixel_of(view, 7)
    QTest.mousePress(view, Qt.LeftButton, Qt.ShiftModifier, c - QPoint(8, 8))
    QTest.mouseMove(view, c + QPoint(8, 8))
    QTest.mouseRelease(view, Qt.LeftButton, Qt.ShiftModifier, c + QPoint(8, 8))
    assert sorted(view.state.explore.selection) == [2, 3, 4, 5, 7]


def test_a_search_rings_labels_and_leaves_the_rest_dimmed(view, qtbot):
    line_of_points(view)
    p = pixel_of(view, 4)
    fg = QColor(view.theme.foreground)

    def ring_pixels():
        image = view.grabFramebuffer()
        return sum(near(QColor(image.pixel(x, y)), (fg.red(), fg.green(), fg.blue()), 50)
                   for x in range(p.x() - 10, p.x() + 11) for y in range(p.y() - 10, p.y() + 11))

    before = ring_pixels()
    assert "p4" not in view.labels
    view.state.explore.search = "p4"  # as the 2D box, a session or a tour writes it
    assert view.search_hits.tolist() == [4]
    assert view.labels[0] == "p4" and ring_pixels() > before
    assert view.points.color[:, 3].tolist() == [pytest.approx(0.12)] * 4 + [1.0] + [pytest.approx(0.12)] * 4
    assert view.toolbar.search.text() == "p4" and view.toolbar.hits.text() == "1 match"
    # Typed into the 3D box: written to the state (the 2D view follows it)
    view.toolbar.search.setText("p[78]")
    view.toolbar.regex.setChecked(True)
    qtbot.waitUntil(lambda: view.state.explore.search == "p[78]" and view.state.explore.search_regex)
    assert view.search_hits.tolist() == [7, 8]
    view.toolbar.search.setText("p[")  # a bad regex: said so, the last good search stays
    view.toolbar.run_search()
    assert view.toolbar.hits.text() == "bad regex" and view.search_hits.tolist() == [7, 8]


def test_neighbours_get_lines_and_labels(view):
    line_of_points(view)
    view.set_labels([])
    view.set_neighbours(4, [3, 6])
    assert view.neighbour_lines.visible() and len(view.neighbour_lines.pos) == 4
    assert {"p3", "p6"} <= set(view.labels)
    view.set_neighbours(None, [])
    assert not view.neighbour_lines.visible() and view.labels == []


def test_labels_follow_the_current_token_and_skip_hidden_rows(view):
    n = 9
    xyz = line_of_points(view, n)
    xyz[1] = np.nan  # token 1 is not in the (sampled) projection
    view.set_points(xyz, [f"p{i}" for i in range(n)], np.tile(np.array(RED, np.uint8), (n, 1)))
    view.set_labels([])
    view.state.explore.current = 1
    assert view.labels == []
    view.state.explore.current = 6
    assert view.labels == ["p6"]


def test_colours_and_labels_follow_fidelity_and_metadata_columns_as_in_2d(view):
    from explorer.core.io.metadata import Metadata

    line_of_points(view)
    view.state.view.colour = "fidelity"
    assert view.legend_entries[0][0] == "measuring fidelity…" and view.colour_bar is None
    fidelity = np.linspace(0, 1, 9).astype(np.float32)
    fidelity[0] = np.nan  # not measured: neutral
    view.set_fidelity(fidelity, "10-NN preserved: mean 0.56 over 8 rows")
    caption, lo, hi, _ramp = view.colour_bar
    assert caption.startswith("10-NN preserved") and (lo, hi) == (0.0, 1.0)
    rgb = view.points.color[:, :3]
    assert not np.allclose(rgb[1], rgb[8])  # low and high differ along the ramp
    corner = (view.width() - 150, view.toolbar.height() + 14, 140, 14)
    from tests.ui.test_scatter3d import dark_pixels
    assert dark_pixels(view.grab_image(), corner) > 10  # the caption is painted
    view.set_fidelity(np.zeros(3, np.float32))  # another vocabulary's: ignored
    assert view.colour_bar[0].startswith("10-NN")

    pos = np.array(["noun", "verb", "noun", "", "noun", "verb", "adj", "noun", "verb"], dtype=object)
    view.set_metadata(Metadata(columns={"pos": pos, "score": np.arange(9, dtype=np.float32)}, source="m.tsv"))
    view.state.view.update(colour="column", colour_column="pos")
    assert view.colour_bar is None and view.legend_entries[0][0] == "noun (4)"
    assert np.allclose(view.points.color[0, :3], view.points.color[2, :3])  # both nouns
    view.state.view.colour_column = "score"
    assert view.colour_bar[0] == "score: 9 of 9 rows"
    view.state.view.label_column = "pos"
    view.set_labels([0, 3])
    assert sorted(view.labels) == ["noun", "p3"]  # the value, or the token where it is missing
    assert view.tip(2) == "p2\nID 2\npos: noun\nscore: 2\nneighbours kept 25%"  # as 2D's tooltip
    assert view.tip(3).split("\n")[2] == "pos: —"


def test_the_strip_sets_the_colour_mode_and_the_neighbour_lines_in_the_state(view):
    from explorer.core.io.metadata import Metadata

    line_of_points(view)
    bar = view.toolbar
    bar.color.setCurrentIndex(bar.color.findData("frequency"))
    assert view.state.view.colour == "frequency"
    view.state.view.colour = "cluster"  # set elsewhere (the 2D box, a session): the strip follows
    assert bar.color.currentData() == "cluster" and not bar.k.isHidden()
    view.set_metadata(Metadata(columns={"pos": np.array(["a"] * 9, dtype=object)}))
    bar.color.setCurrentIndex(bar.color.findData("column:pos"))
    assert (view.state.view.colour, view.state.view.colour_column) == ("column", "pos")
    shown = view.state.view.neighbours
    assert bar.neighbours.isChecked() == shown
    bar.neighbours.click()
    assert view.state.view.neighbours == (not shown) == bar.neighbours.isChecked()
    # Narrow: the strip takes two rows, and every control gets the room it needs
    view.resize(600, 400)  # about what the 3D view gets in a 1280x800 window
    assert bar.height() > 2 * bar.search.height()
    for widget in (bar.search, bar.color, bar.copy, bar.tool_buttons["lasso"]):
        assert widget.width() >= widget.minimumSizeHint().width() and \
            bar.rect().contains(widget.geometry().translated(widget.parentWidget().pos()))


def test_presenting_hides_the_strip(view):
    line_of_points(view)
    assert view.toolbar.isVisible()
    view.state.presentation.active = True
    assert not view.toolbar.isVisible()
    view.state.presentation.active = False
    assert view.toolbar.isVisible()


PICK_AT_RATIO_2 = """
import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication
QApplication.setAttribute(Qt.AA_ShareOpenGLContexts)
app = QApplication([])
from explorer.ui.theme import LIGHT
from explorer.ui.views.scatter3d import Scatter3D
view = Scatter3D(LIGHT)
view.resize(500, 400)
view.show()
xyz = np.array([[0.3, -0.2, 0.5], [-0.6, 0.4, -0.3], [0.1, 0.7, 0.0]], np.float32)
view.set_points(xyz, ["a", "b", "c"], np.tile(np.array((214, 39, 40, 255), np.uint8), (3, 1)))
for _ in range(20):
    app.processEvents()
image = view.grabFramebuffer()
ratio = image.devicePixelRatio()
for i in range(3):
    x, y = view.screen_points().xy[i]
    c = QColor(image.pixel(int(x * ratio), int(y * ratio)))
    print(ratio, (c.red(), c.green(), c.blue()) == (214, 39, 40), view.point_at(x + 1, y - 1) == i)
"""


def test_the_picker_lands_on_the_drawn_point_at_device_pixel_ratio_2(view):
    """Mouse positions are logical pixels, the GL framebuffer device pixels: a point is picked
    where it is drawn on a high-DPI screen too (QT_SCALE_FACTOR=2, in its own process)."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = dict(os.environ, QT_SCALE_FACTOR="2")
    result = subprocess.run([sys.executable, "-c", PICK_AT_RATIO_2], env=env, capture_output=True, text=True,
                            timeout=120, cwd=Path(__file__).resolve().parents[2])
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[:3] == ["2.0 True True"] * 3


def test_the_lasso_selects_what_it_surrounds_and_copy_puts_it_on_the_clipboard(view, qtbot):
    line_of_points(view)
    view.set_tool("lasso")
    a, b = pixel_of(view, 0), pixel_of(view, 2)
    outline = [a + QPoint(-8, -12), b + QPoint(8, -12), b + QPoint(8, 12), a + QPoint(-8, 12)]
    QTest.mousePress(view, Qt.LeftButton, pos=outline[0])
    for p in outline[1:]:
        QTest.mouseMove(view, p)
    QTest.mouseRelease(view, Qt.LeftButton, pos=outline[-1])
    assert sorted(view.state.explore.selection) == [0, 1, 2]
    assert view.copy_selection() == "p0\np1\np2"
    from PySide6.QtGui import QGuiApplication
    assert QGuiApplication.clipboard().text() == "p0\np1\np2"
