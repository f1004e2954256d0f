"""Journey: a pretrained table (File ▸ Open sample ▸ MiniLM): its 30,522 rows shown, labelled
with whole words (not [unused0]s) and a note saying so; the user searches "king" in the view's
box, looks it up in the Inspector (its neighbours are on screen), computes king − man + woman,
then runs t-SNE on a sample of 1,000 rows and reads the title; in 3D (under Xvfb) the points
are there too."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from explorer.core.analysis.neighbors import neighbors_of
from explorer.core.analysis.report import analogy_job
from tests.journeys.conftest import menu_action, points_in_view

ROWS = 30_522


def open_minilm(window, qtbot):
    menu_action(window, "File", "Open sample", "MiniLM").trigger()
    qtbot.waitUntil(lambda: window.scatter2d.point_count == ROWS and window.controller.up_to_date
                    and window.controller.jobs.active == 0, timeout=90000)


def type_into(qtbot, box, text: str) -> None:
    box.setFocus()
    box.selectAll()
    QTest.keyClicks(box, text)
    QTest.keyClick(box, Qt.Key_Return)


def rows(table) -> list[str]:
    return [table.item(r, 1).text() for r in range(table.rowCount())]


def test_king_its_neighbours_an_analogy_and_tsne(window, qtbot):
    open_minilm(window, qtbot)
    scatter, vocab = window.scatter2d, window.workspace.vocab
    assert f"PCA 2D of all {ROWS:,} tokens" in scatter.title_text
    assert points_in_view(scatter) == ROWS
    shown = scatter.labels
    assert shown and not any(t.startswith(("[", "##")) for t in shown)  # words, not [unused0] or ##s
    assert "the" in [vocab.tokens[i] for i in scatter.label_ids]
    assert scatter.label_note.startswith("Labels:") and "top of the table" in scatter.label_note

    # The view's search box: "king" is highlighted, labelled and centred on.
    type_into(qtbot, scatter.toolbar.search, "king")
    king = vocab.id_of("king")
    assert king in scatter.search_hits.tolist()
    qtbot.waitUntil(lambda: "king" in scatter.labels, timeout=5000)
    (x0, x1), (y0, y1) = scatter.viewRange()
    x, y = scatter.xy[king]
    assert x0 <= x <= x1 and y0 <= y <= y1

    # The Inspector (in view from the start): king's row and its nearest neighbours.
    inspector = window.inspector_panel
    type_into(qtbot, inspector.lookup, "king")
    assert window.state.explore.current == king
    inspector.tabs.setCurrentIndex([inspector.tabs.tabText(i) for i in range(inspector.tabs.count())]
                                   .index("Neighbours"))
    k = window.state.explore.k
    expected = [vocab.tokens[i] for i, _ in neighbors_of(window.workspace.weights, king, k, window.state.explore.metric)]
    qtbot.waitUntil(lambda: rows(inspector.neighbors) == expected, timeout=20000)
    assert "queen" in expected and "nearest to “king”" in inspector.neighbors_title.text()

    # Analogy: king − man + woman, as typed.
    inspector.tabs.setCurrentIndex([inspector.tabs.tabText(i) for i in range(inspector.tabs.count())]
                                   .index("Analogy"))
    for edit, text in zip(inspector.analogy_edits, ("king", "man", "woman")):
        edit.setText(text)
    qtbot.mouseClick(inspector.compute_analogy, Qt.LeftButton)
    ids = [vocab.id_of(t) for t in ("king", "man", "woman")]
    _index, results = analogy_job(window.workspace.weights, None, (ids[0], ids[2]), (ids[1],),
                                  window.state.explore.analogy_k)  # what the Inspector computes
    found = [vocab.tokens[i] for i, _ in results]
    assert found and not {"king", "man", "woman"} & set(found)
    qtbot.waitUntil(lambda: rows(inspector.analogy_table) == found, timeout=20000)
    assert "king − man + woman" in inspector.analogy_title.text()

    # t-SNE on a sample of 1,000 rows: the title says what is shown.
    window.docks["Projection"].raise_()
    window.state.projection.update(method="tsne", sample=1000)
    qtbot.waitUntil(lambda: window.controller.up_to_date and window.controller.projection.method == "tsne",
                    timeout=180000)
    assert "t-SNE" in scatter.title_text and "1,000" in scatter.title_text
    assert points_in_view(scatter) == 1000  # the sample, all in view (the others are not drawn)


@pytest.mark.gl
def test_the_table_in_3d(window, qtbot):
    open_minilm(window, qtbot)
    menu_action(window, "View", "3D projection").trigger()
    qtbot.waitUntil(lambda: window.scatter3d is not None and window.scatter3d.point_count == ROWS
                    and window.controller.up_to_date, timeout=90000)
    assert window.views.currentWidget() is window.scatter3d and window.state.projection.dims == 3
