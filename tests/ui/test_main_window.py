"""Smoke test of the window as a user starts it: the demo, projected and labelled."""




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
