"""Journey: GPT-2's vocabulary at GPT-2's dim. The user opens the bundled GPT-2 vocabulary
(File ▸ Open sample), types 768 into the Initialization dock's Dim box and presses Apply. The
matrix is shown (all 50,257 points in view, the title says so); its statistics follow with a
progress bar; the labels are whole words from the earliest BPE merges (not the 256 byte
tokens the first IDs are), and a note on the view says so."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from tests.journeys.conftest import menu_action, points_in_view

ROWS = 50_257


def test_gpt2_at_dim_768(window, qtbot):
    menu_action(window, "File", "Open sample", "GPT-2").trigger()
    qtbot.waitUntil(lambda: len(window.workspace.vocab) == ROWS, timeout=60000)
    init = window.init_panel
    window.docks["Initialization"].raise_()
    init.dim.setFocus()
    init.dim.selectAll()
    QTest.keyClicks(init.dim, "768")
    QTest.keyClick(init.dim, Qt.Key_Return)
    assert window.state.init.dim == 768
    qtbot.mouseClick(init.apply, Qt.LeftButton)
    qtbot.waitUntil(lambda: window.workspace.dim == 768 and window.scatter2d.point_count == ROWS
                    and window.controller.up_to_date, timeout=120000)

    scatter = window.scatter2d
    assert f"PCA 2D of all {ROWS:,} tokens" in scatter.title_text
    assert points_in_view(scatter) == ROWS
    assert window.shape_label.text() == f"{ROWS:,} × 768"
    assert "Truncated normal" in init.made_by_label.text() and "dim 768" in init.made_by_label.text()

    vocab = window.workspace.vocab
    labelled = [vocab.tokens[i] for i in scatter.label_ids]
    assert len(labelled) == 60 and all(t.startswith("Ġ") and t[1:].isalpha() for t in labelled)
    assert min(scatter.label_ids) >= 256  # none of the byte tokens that IDs 0-255 are
    assert "BPE merges" in scatter.label_note and scatter._note_box.isVisible()

    qtbot.waitUntil(lambda: init.stats is not None, timeout=60000)  # from the worker
    assert init.stats.rows == ROWS and init.stats.dim == 768
    assert f"{ROWS:,} × 768" in init.stats_label.text() and "computing" not in init.stats_label.text()
