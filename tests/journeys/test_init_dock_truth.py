"""Journey: the Initialization dock always says what made the matrix on screen.

A user picks a scheme and a dim and presses Apply; opens a pretrained file; a tour changes
the dim. After each, the dock's "Current matrix" line names what made the matrix shown,
and the scheme boxes show the settings a re-initialize would use (issue 14, behaviour 4).
"""

from PySide6.QtCore import Qt


def type_into(qtbot, spin, text: str) -> None:
    """Select the box's text, type over it, press Enter (as a user edits a spin box)."""
    spin.setFocus()
    spin.selectAll()
    qtbot.keyClicks(spin, text)
    qtbot.keyClick(spin, Qt.Key_Return)


def test_apply_a_new_scheme_and_dim(window, qtbot):
    panel = window.init_panel
    assert "Truncated normal" in panel.made_by_label.text() and "dim 64" in panel.made_by_label.text()

    panel.scheme.setFocus()
    qtbot.keyClicks(panel.scheme, "Xavier (Glorot) u")  # typing in a closed combo picks the item
    assert panel.scheme.currentText() == "Xavier (Glorot) uniform"
    type_into(qtbot, panel.dim, "16")
    assert panel.dim.value() == 16
    # Not applied yet: the line still names the matrix shown, and says the boxes differ.
    assert "dim 64" in panel.made_by_label.text() and panel.made_by_note.isVisibleTo(panel)
    assert "not applied" in panel.made_by_note.text()

    with qtbot.waitSignal(window.controller.idle, timeout=30000):
        qtbot.mouseClick(panel.apply, Qt.LeftButton)
    line = panel.made_by_label.text()
    assert "Current matrix" in line and "Xavier (Glorot) uniform" in line and "dim 16" in line
    assert not panel.made_by_note.isVisibleTo(panel)  # the boxes made the matrix shown
    assert window.shape_label.text() == f"{len(window.workspace.vocab):,} × 16"


def test_a_pretrained_file_is_named_and_the_scheme_does_not_claim_it(window, qtbot, shared_data):
    panel = window.init_panel
    window.open_path(shared_data / "gensim" / "test_glove.txt")
    qtbot.waitUntil(lambda: "test_glove.txt" in panel.made_by_label.text() and window.controller.up_to_date,
                    timeout=30000)
    line = panel.made_by_label.text()
    assert "pretrained: test_glove.txt" in line
    assert panel.scheme.currentText() not in line  # the scheme box did not make this matrix ...
    assert panel.made_by_note.isVisibleTo(panel)  # ... and the dock says so
    assert "did not come from the scheme below" in panel.made_by_note.text()
    assert panel.dim.value() == 50 and window.shape_label.text() == "76 × 50"


def test_a_tour_writing_the_dim_shows_at_once(window):
    panel = window.init_panel
    window.state.init.dim = 32  # as a tour step does
    assert panel.dim.value() == 32
    assert "dim 64" in panel.made_by_label.text()  # the matrix shown is still the 64-dim one
    assert panel.made_by_note.isVisibleTo(panel) and "Apply" in panel.made_by_note.text()
