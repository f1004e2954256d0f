"""Smoke test of the window as a user starts it: the demo, projected and labelled."""

from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QMessageBox




def test_demo_shows_one_point_per_token_with_labels(window, qtbot):
    vocab = window.workspace.vocab
    assert window.scatter2d.point_count == len(vocab)
    assert window.workspace.weights.shape == (len(vocab), 64)
    window.resize(1280, 800)  # the docks a previous window left may squeeze the view to a sliver
    qtbot.waitUntil(lambda: "the" in window.scatter2d.labels, timeout=3000)  # the most frequent are labelled
    window.state.view.labels = "none"
    assert "the" not in window.scatter2d.labels
    window.state.explore.selection = (vocab.index["dog"],)
    window.state.view.labels = "auto"
    assert {"the", "dog"} <= set(window.scatter2d.labels)
    assert window.shape_label.text() == f"{len(vocab)} × 64"
    assert set(window.docks) == {"Vocabulary", "Initialization", "Training", "Inspector", "Projection"}


def test_reinitialize_with_another_dim_updates_the_view(window, qtbot):
    window.init_panel.dim.setValue(16)
    window.init_panel.scheme.setCurrentIndex(window.init_panel.scheme.findData("xavier_uniform"))
    with qtbot.waitSignal(window.controller.idle, timeout=30000):
        window.init_panel.apply.click()
    assert window.workspace.weights.shape[1] == 16
    assert window.state.init.scheme == "xavier_uniform"
    assert "16" in window.shape_label.text()


def test_clicking_a_token_row_shows_it_in_the_inspector(window):
    dog = window.workspace.vocab.index["dog"]
    window.state.explore.current = dog
    assert "dog" in window.inspector_panel.header.text()
    assert window.inspector_panel.neighbors.count() == 10


def test_an_unknown_file_kind_is_reported_not_raised(window, tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    window.open_path(empty)
    assert "empty" in window.last_error and str(empty) in window.last_error
    assert str(empty.resolve()) in window.recent_files()


def menu_action(window, *path):
    """The window's real QAction at File ▸ Open sample ▸ …, found by the menus' texts."""
    actions = window.menuBar().actions()
    for text in path:
        action = next(a for a in actions if a.text().replace("&", "") == text)
        actions = action.menu().actions() if action.menu() else []
    return action


def test_open_sample_opens_the_gpt2_vocabulary_and_the_minilm_table(window, qtbot):
    titles = [a.text() for a in menu_action(window, "File", "Open sample").menu().actions()]
    assert titles == ["GPT-2 vocabulary", "BERT vocabulary", "MiniLM pretrained table"]
    menu_action(window, "File", "Open sample", "GPT-2 vocabulary").trigger()
    qtbot.waitUntil(lambda: len(window.workspace.vocab) == 50257 and window.controller.up_to_date, timeout=60000)
    assert window.workspace.vocab.tokens[50256] == "<|endoftext|>"
    assert window.shape_label.text().startswith("50,257 ×")
    assert window.recent_files()[0] == "sample:gpt2"

    menu_action(window, "File", "Open sample", "MiniLM pretrained table").trigger()
    box = window.session_controller.unsaved_box  # the GPT-2 matrix is unsaved: opening asks first
    assert box.isVisible() and "Opening MiniLM pretrained table" in box.informativeText()
    box.button(QMessageBox.Discard).click()
    qtbot.waitUntil(lambda: window.workspace.weights is not None and window.workspace.weights.shape == (30522, 384),
                    timeout=60000)
    assert window.state.matrix.made_by == "pretrained: embeddings.safetensors"
    assert window.state.pretrained.tensor == "embeddings.word_embeddings.weight"
    vocab = window.workspace.vocab
    window.state.explore.current = vocab.index["king"]
    qtbot.waitUntil(lambda: window.inspector_panel.neighbors.rowCount() == 10, timeout=30000)
    shown = [window.inspector_panel.neighbors.item(row, 1).text() for row in range(3)]  # the token column
    assert any("queen" in text for text in shown), shown


def test_an_unknown_sample_is_reported_with_the_names(window):
    window.open_path("sample:nope")
    assert window.last_error == "no sample named 'nope'; the samples are sample:gpt2, sample:bert, sample:minilm"


def test_about_names_the_versions_of_the_app_qt_torch_and_numpy(window):
    import numpy as np
    import PySide6
    import torch
    from PySide6.QtCore import qVersion

    from explorer import __version__

    text = window.about_text()
    for expected in (f"Embedding Explorer {__version__}", f"Qt {qVersion()}", f"PySide6 {PySide6.__version__}",
                     f"torch {torch.__version__}", f"numpy {np.__version__}"):
        assert expected in text
    assert any(a.text() == "&About" for a in menu_action(window, "Help").menu().actions())


def test_a_closed_window_stops_filtering_the_applications_events(window):
    """Every event of the application went through each window's theme filter, closed windows'
    too: a test suite's hundreds of windows slowed every later event until fixtures timed out."""
    keeper = window.presentation.plots
    assert keeper.theme is not None
    window.session_controller.prompt_on_close = False
    window.close()
    assert keeper.theme is None and not keeper.eventFilter(window, QEvent(QEvent.Show))
