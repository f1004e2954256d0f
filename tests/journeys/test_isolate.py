"""Journey: isolate a selection with its neighbours, then back to every token.

On the MiniLM table (30,522 tokens) a user selects king, queen and prince, asks in the
Projection dock for 5 neighbours each and clicks "Isolate selection": the view re-projects on
those tokens only, framed afresh, and the title says how many are shown. View ▸ Show all tokens
brings all 30,522 back."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from explorer.ui.controller import isolation_rows
from tests.journeys.conftest import cut_off_controls, menu_action, points_in_view

ROWS = 30_522


def test_isolate_three_tokens_with_five_neighbours_each_then_show_all(window, qtbot, shared_data):
    menu_action(window, "File", "Open sample", "MiniLM").trigger()
    qtbot.waitUntil(lambda: window.scatter2d.point_count == ROWS and window.controller.up_to_date
                    and window.controller.jobs.active == 0, timeout=90000)
    panel, scatter, vocab, state = window.projection_panel, window.scatter2d, window.workspace.vocab, window.state
    window.docks["Projection"].raise_()
    assert not panel.isolate_button.isEnabled() and not panel.show_all_button.isEnabled()
    assert not menu_action(window, "View", "Isolate selection").isEnabled()

    picked = [vocab.id_of(t) for t in ("king", "queen", "prince")]
    scatter.set_selection(picked)  # as a box drag around them ends
    assert panel.isolate_button.isEnabled()
    panel.isolate_k.setFocus()
    panel.isolate_k.selectAll()
    QTest.keyClicks(panel.isolate_k, "5")
    assert panel.isolate_k.value() == 5
    qtbot.mouseClick(panel.isolate_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: "isolated tokens" in scatter.title_text and window.controller.up_to_date, timeout=60000)
    rows = isolation_rows(window.workspace.weights, picked, 5, state.explore.metric)  # what the dock asked for
    assert state.projection.rows == rows and 3 < len(rows) <= 18
    assert f"PCA 2D of {len(rows)} isolated tokens (of {ROWS:,})" in scatter.title_text
    assert points_in_view(scatter) == len(rows)  # those only, all in view
    (x0, x1), _ = scatter.viewRange()
    xs = scatter.xy[list(rows), 0]
    assert xs.max() - xs.min() > 0.5 * (x1 - x0)  # framed afresh on them, not a speck in the old frame
    assert panel.show_all_button.isEnabled() and not cut_off_controls(window)

    menu_action(window, "View", "Show all tokens").trigger()
    qtbot.waitUntil(lambda: f"all {ROWS:,} tokens" in scatter.title_text and window.controller.up_to_date,
                    timeout=60000)
    assert state.projection.rows == () and points_in_view(scatter) == ROWS
    assert not panel.show_all_button.isEnabled()
