"""Journey: the 3D view is no dead end. On the MiniLM table the user switches to View ▸ 3D
projection: whole words are labelled, not [unused0]s. They type "king" into the view's search
box: king is highlighted (ringed, the rest dimmed) and labelled. They hover it (a tooltip) and
click it, then another point: the Inspector shows each. They Shift-drag a box: exactly the points drawn inside are
selected, and labelled. Under Xvfb (a GL context); skipped with the reason where none."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from explorer.core.view import pick3d
from tests.journeys.conftest import cut_off_controls, menu_action
from tests.journeys.test_pretrained_table import ROWS, open_minilm, type_into
from tests.ui.test_scatter3d import _share_gl_contexts  # noqa: F401 (at import: pyqtgraph's shaders serve every window)

pytestmark = pytest.mark.gl


def gl_or_skip():
    from PySide6.QtGui import QGuiApplication

    if QGuiApplication.platformName() in ("offscreen", "minimal"):
        pytest.skip("no OpenGL context on the offscreen platform: run under xvfb-run with QT_QPA_PLATFORM=xcb")


def pixel(view, token_id) -> QPoint:
    row = int(np.flatnonzero(view.shown_ids == token_id)[0])
    x, y = view.screen_points().xy[row]
    return QPoint(int(round(x)), int(round(y)))


def a_clickable_token(view, first: int) -> int:
    """`first` if nothing is drawn over it, else another token the picker finds at its own pixel."""
    rng = np.random.default_rng(0)
    for token_id in [first, *rng.choice(view.shown_ids, 200, replace=False).tolist()]:
        p = pixel(view, token_id)
        if 0 < p.x() < view.width() and view.toolbar.height() < p.y() < view.height() \
                and view.point_at(p.x(), p.y()) == token_id:
            return int(token_id)
    raise AssertionError("no token is on top at its own pixel")


def a_sparse_box(view, size=26) -> tuple[QPoint, QPoint]:
    """A small screen box around a point with one or two others drawn inside it."""
    screen = view.screen_points()
    top = view.toolbar.height() + size
    for row in np.random.default_rng(1).permutation(len(screen))[:3000]:
        x, y = screen.xy[row]
        if not (screen.front[row] and size < x < view.width() - 200 and top < y < view.height() - 60):
            continue
        if 2 <= len(pick3d.in_rect(screen, x - size / 2, y - size / 2, x + size / 2, y + size / 2)) <= 3:
            return QPoint(int(x - size / 2), int(y - size / 2)), QPoint(int(x + size / 2), int(y + size / 2))
    raise AssertionError("no sparse spot on screen")


def test_hover_click_search_and_box_select_in_3d(window, qtbot):
    gl_or_skip()
    open_minilm(window, qtbot)
    menu_action(window, "View", "3D projection").trigger()
    qtbot.waitUntil(lambda: window.scatter3d is not None and window.scatter3d.point_count == ROWS
                    and window.controller.up_to_date and window.controller.jobs.active == 0, timeout=90000)
    view, vocab = window.scatter3d, window.workspace.vocab
    assert window.views.currentWidget() is view and "3D" in view.statement
    assert cut_off_controls(window) == []  # the 3D strip fits the view at 1280x800
    shown = view.labels
    assert shown and not any(t.startswith(("[", "##")) for t in shown)  # words, not [unused4]
    assert vocab.id_of("the") in view.label_ids
    assert view.label_note == window.scatter2d.label_note and view.label_note.startswith("Labels:")  # said in 3D too

    # Search: king is ringed, labelled and in front of the dimmed rest
    type_into(qtbot, view.toolbar.search, "king")
    king = vocab.id_of("king")
    assert king in view.search_hits.tolist() and window.state.explore.search == "king"
    assert "king" in view.labels
    king_row = int(np.flatnonzero(view.shown_ids == king)[0])
    assert king_row in view._emphasis_rows.tolist()
    alpha = view.points.color[:, 3]
    assert alpha[king_row] > 0.5 and np.median(alpha) < 0.2
    assert view.toolbar.hits.text().endswith("matches")

    # Hover king: its tooltip; a click on it: the Inspector shows it
    QTest.mouseMove(view, pixel(view, king))
    qtbot.waitUntil(lambda: view.hovered == king, timeout=5000)
    assert view.hover_text.startswith(f"king\nID {king}")
    token = view.point_at(pixel(view, king).x(), pixel(view, king).y())
    QTest.mouseClick(view, Qt.LeftButton, pos=pixel(view, token))
    assert window.state.explore.current == token
    header = window.inspector_panel.header.text()
    assert token == king  # highlighted: drawn over the cloud, so it is what the click is on
    assert f"ID <b>{token:,}</b>" in header
    assert vocab.tokens[token] in view.labels

    # With the search cleared, a click on any point the picker finds on top at its pixel
    view.toolbar.search.selectAll()
    QTest.keyClick(view.toolbar.search, Qt.Key_Delete)
    QTest.keyClick(view.toolbar.search, Qt.Key_Return)
    assert view._faded is None and view.search_hits.tolist() == []
    other_token = a_clickable_token(view, vocab.id_of("queen"))
    QTest.mouseClick(view, Qt.LeftButton, pos=pixel(view, other_token))
    assert window.state.explore.current == other_token
    assert f"ID <b>{other_token:,}</b>" in window.inspector_panel.header.text()

    # Shift-drag a box: exactly what is drawn inside is selected, and labelled
    window.state.explore.current = None
    corner, other = a_sparse_box(view)
    screen = view.screen_points()
    inside = view.shown_ids[pick3d.in_rect(screen, corner.x(), corner.y(), other.x(), other.y())].tolist()
    QTest.mousePress(view, Qt.LeftButton, Qt.ShiftModifier, corner)
    QTest.mouseMove(view, other)
    QTest.mouseRelease(view, Qt.LeftButton, Qt.ShiftModifier, other)
    assert sorted(window.state.explore.selection) == sorted(inside)
    assert {vocab.tokens[i] for i in inside} <= set(view.labels)
