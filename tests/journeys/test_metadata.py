"""Journey: metadata columns on the BERT vocabulary (issue #17 §3).

The user opens the bundled BERT vocabulary (File ▸ Open sample) and writes, as a spreadsheet
would, a metadata.tsv for it: token, kind (special / subword / word) and length. File ▸ Load
metadata… reads it: the Vocabulary dock lists the columns with their kinds and still fits at
1280×800. Filtering kind = special and pressing Select matching selects exactly the special
tokens, which the plot highlights. Saved and reopened in a new window, the session has its
metadata (and the filter) back. A damaged file is refused with its name and line, and the
metadata loaded before stays.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QFileDialog

from tests.journeys.conftest import cut_off_controls, menu_action, new_window

ROWS = 30_522


def kind_of(token: str) -> str:
    if token.startswith("[") and token.endswith("]"):  # [PAD], [CLS], [unused0], …
        return "special"
    return "subword" if token.startswith("##") else "word"


def write_metadata(path, tokens) -> None:
    path.write_text("token\tkind\tlength\n" + "".join(f"{t}\t{kind_of(t)}\t{len(t)}\n" for t in tokens),
                    encoding="utf-8")


def load_metadata(window, qtbot, monkeypatch, path) -> None:
    """File ▸ Load metadata…, the file dialog answering with `path`; waits for the read's outcome
    (other jobs, such as the matrix statistics, may finish meanwhile)."""
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *args, **kwargs: (str(path), ""))
    outcomes = []
    window.metadata.loaded.connect(outcomes.append)
    window.metadata.load_failed.connect(outcomes.append)
    try:
        menu_action(window, "File", "Load metadata").trigger()
        qtbot.waitUntil(lambda: bool(outcomes), timeout=30000)
    finally:
        window.metadata.loaded.disconnect(outcomes.append)
        window.metadata.load_failed.disconnect(outcomes.append)


def test_metadata_columns_load_filter_save_and_refuse_a_bad_file(window, qtbot, tmp_path, shared_data,
                                                                  monkeypatch):
    menu_action(window, "File", "Open sample", "BERT").trigger()
    qtbot.waitUntil(lambda: len(window.workspace.vocab) == ROWS and window.workspace.weights is not None
                    and window.workspace.weights.shape[0] == ROWS and window.controller.up_to_date,
                    timeout=90000)
    file_tokens = (shared_data / "tokenizers" / "bert" / "vocab.txt").read_text(encoding="utf-8").split("\n")[:ROWS]
    path = tmp_path / "metadata.tsv"
    write_metadata(path, file_tokens)
    saved = tmp_path / "bert.eexp"
    with qtbot.waitSignal(window.session_controller.saved, timeout=60000):
        window.session_controller.save_to(saved)  # saved before the metadata: nothing unsaved
    assert not window.session_controller.dirty

    load_metadata(window, qtbot, monkeypatch, path)
    metadata = window.workspace.metadata
    assert metadata is not None and metadata.names == ["kind", "length"]
    assert window.session_controller.dirty  # closing now would ask to save the columns
    panel = window.vocab_panel
    window.docks["Vocabulary"].raise_()
    qtbot.waitUntil(lambda: panel.metadata_label.isVisible(), timeout=3000)
    shown = panel.metadata_label.text()
    assert "metadata.tsv" in shown and "kind <i>(text)</i>" in shown and "length <i>(number)</i>" in shown
    assert [panel.filter_column.itemText(i) for i in range(panel.filter_column.count())] == ["kind", "length"]
    assert not cut_off_controls(window), cut_off_controls(window)

    # Filter kind = special: the column box, the value typed, Select matching.
    panel.filter_column.setCurrentIndex(panel.filter_column.findText("kind"))
    panel.filter_value.setFocus()
    QTest.keyClicks(panel.filter_value, "special")
    specials = tuple(window.workspace.vocab.id_of(t) for t in file_tokens if kind_of(t) == "special")
    assert panel.filter_info.text() == f"{len(specials):,} tokens match"
    qtbot.mouseClick(panel.select_matching, Qt.LeftButton)
    state = window.state.explore
    assert (state.filter_column, state.filter_value) == ("kind", "special")
    assert state.selection == tuple(sorted(specials)) and len(specials) == 999  # [PAD] … [MASK], [unused*]
    assert set(specials) <= set(window.scatter2d.points.highlighted.tolist())

    # Save the session; a new window opens it with its metadata and filter back.
    with qtbot.waitSignal(window.session_controller.saved, timeout=60000):
        window.session_controller.save_to(saved)
    second = new_window(qtbot, tmp_path / "second.ini")
    try:
        assert second.workspace.metadata is None
        with qtbot.waitSignal(second.session_controller.opened, timeout=60000):
            second.open_path(saved)
        back = second.workspace.metadata
        assert back is not None and back.names == ["kind", "length"]
        assert list(back.values("kind")) == list(metadata.values("kind"))
        assert "kind <i>(text)</i>" in second.vocab_panel.metadata_label.text()
        assert second.vocab_panel.filter_column.currentText() == "kind"
        assert second.vocab_panel.filter_value.text() == "special"
    finally:
        second.session_controller.prompt_on_close = False
        second.close()

    # A damaged file: its name and line in the message; the metadata loaded before stays.
    bad = tmp_path / "broken.tsv"
    lines = path.read_text(encoding="utf-8").split("\n")
    lines[4] = lines[4].split("\t")[0]  # line 5 lost its tabs
    bad.write_text("\n".join(lines), encoding="utf-8")
    load_metadata(window, qtbot, monkeypatch, bad)
    assert f"{bad}, line 5: 1 fields where the header has 3" in window.last_error
    assert "The metadata is unchanged" in window.last_error
    assert window.workspace.metadata is metadata and "metadata.tsv" in panel.metadata_label.text()

    # File ▸ Clear metadata: the dock says there is none, and the filter is gone.
    menu_action(window, "File", "Clear metadata").trigger()
    assert window.workspace.metadata is None and "none" in panel.metadata_label.text()
    assert not panel.filter_row.isVisible() and not menu_action(window, "File", "Clear metadata").isEnabled()
