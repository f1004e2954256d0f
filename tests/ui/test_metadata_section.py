"""The Vocabulary dock's Metadata section: it follows workspace.metadata, its filter boxes are
bound to state.explore, it counts the matches and Select matching writes the selection."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from explorer.core.io.metadata import Metadata
from tests.ui.test_vocab_panel import make_panel


@pytest.fixture
def panel(qtbot):
    panel = make_panel(qtbot, reinitialize=False)
    yield panel
    panel.controller.jobs.stop_all()


def metadata_for(vocab) -> Metadata:
    n = len(vocab)
    first = np.empty(n, dtype=object)
    first[:] = [t[0] for t in vocab.tokens]
    length = np.array([len(t) for t in vocab.tokens], dtype=np.float32)
    length[0] = np.nan
    return Metadata({"first": first, "length": length}, "/data/tokens.tsv")


def test_the_section_follows_the_workspaces_metadata(panel):
    assert "none" in panel.metadata_label.text() and not panel.filter_row.isVisible()
    panel.workspace.set_metadata(metadata_for(panel.workspace.vocab))
    assert "tokens.tsv" in panel.metadata_label.text() and "length <i>(number)</i>" in panel.metadata_label.text()
    assert panel.filter_row.isVisible() and panel.explore.filter_column == "first"  # the box shows a column
    assert panel.filter_column.currentText() == "first"
    panel.workspace.set_metadata(None)
    assert "none" in panel.metadata_label.text() and not panel.filter_row.isVisible()


def test_the_filter_boxes_are_bound_to_the_state_and_select_the_matching_tokens(panel, qtbot):
    vocab = panel.workspace.vocab
    panel.workspace.set_metadata(metadata_for(vocab))
    panel.explore.update(filter_column="length", filter_value=">= 6")  # as a session or tour writes it
    assert panel.filter_column.currentText() == "length" and panel.filter_value.text() == ">= 6"
    wanted = [i for i, t in enumerate(vocab.tokens) if i and len(t) >= 6]
    assert panel.filter_info.text() == f"{len(wanted):,} tokens match"
    qtbot.mouseClick(panel.select_matching, Qt.LeftButton)
    assert panel.explore.selection == tuple(wanted)

    panel.filter_value.setFocus()
    panel.filter_value.clear()
    QTest.keyClicks(panel.filter_value, "six")
    assert "holds numbers" in panel.filter_info.text() and not panel.select_matching.isEnabled()
    panel.filter_value.clear()
    assert panel.filter_info.text() == "1 token without a value" and panel.select_matching.isEnabled()

    panel.filter_column.setCurrentIndex(panel.filter_column.findText("first"))  # the user picks a column
    assert panel.explore.filter_column == "first"
    assert "d" in panel.filter_value.completer().model().stringList()  # the column's values are offered


def test_the_table_shows_and_sorts_by_the_metadata_columns(panel):
    vocab = panel.workspace.vocab
    metadata = metadata_for(vocab)
    panel.workspace.set_metadata(metadata)
    model = panel.model
    assert [model.headerData(c, Qt.Horizontal) for c in range(model.columnCount())] == \
        ["ID", "Token", "Count", "first", "length"]
    dog = model.row_of(vocab.id_of("dog"))
    assert model.data(model.index(dog, 3)) == "d" and model.data(model.index(dog, 4)) == "3"
    assert model.data(model.index(model.row_of(0), 4)) == ""  # missing
    panel.table.sortByColumn(4, Qt.DescendingOrder)
    longest = max(len(t) for t in vocab.tokens[1:])
    assert model.data(model.index(0, 4)) == str(longest)
    assert model.data(model.index(model.rowCount() - 1, 4)) == ""  # missing values last, either way
    panel.table.sortByColumn(4, Qt.AscendingOrder)
    assert model.data(model.index(model.rowCount() - 1, 4)) == ""
    assert model.data(model.index(0, 4)) == str(min(len(t) for t in vocab.tokens[1:]))
    panel.workspace.set_vocab(type(vocab)(["x", "y"]))  # another vocabulary: its columns go
    assert model.columnCount() == 3 and model.sort_column == 0
