"""The Inspector dock: lookup, neighbours, one-hot, sentence, analogy and drift, as a user sees them."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from PySide6.QtCore import Qt

from explorer.core.analysis.neighbors import neighbors_of
from explorer.core.matrix.positional import sinusoidal
from explorer.core.state.workspace import Workspace
from explorer.core.tokens.demo import demo_vocabulary
from explorer.core.tokens.vocab import Vocabulary
from explorer.ui.chips import token_chips
from explorer.ui.panels.inspector_panel import InspectorPanel
from explorer.ui.workers import Jobs


@pytest.fixture(scope="module")
def demo_vocab():
    return demo_vocabulary(0)


@pytest.fixture
def workspace(demo_vocab):
    vocab = demo_vocab
    ws = Workspace(vocab)
    ws.set_weights(np.random.default_rng(0).standard_normal((len(vocab), 16)).astype(np.float32), initial=True)
    return ws


@pytest.fixture
def panel(qtbot, workspace):
    jobs = Jobs()
    panel = InspectorPanel(workspace, SimpleNamespace(jobs=jobs))
    qtbot.addWidget(panel)
    panel.resize(600, 700)
    panel.show()
    yield panel
    jobs.stop_all()


def cell(table, row, col):
    return table.item(row, col).text()


def test_typing_a_token_shows_its_row_and_norm(panel, workspace):
    dog = workspace.vocab.id_of("dog")
    panel.lookup.setText("dog")
    panel.go.click()
    assert workspace.state.explore.current == dog
    assert "dog" in panel.header.text() and f"ID <b>{dog}</b>" in panel.header.text()
    assert f"count <b>{workspace.vocab.count_of(dog):,}</b>" in panel.header.text()
    assert panel.row_table.count() == 16
    assert float(cell(panel.row_table, 3, 1)) == pytest.approx(float(workspace.weights[dog, 3]), rel=1e-3)
    norm = float(np.linalg.norm(workspace.weights[dog]))
    assert f"{norm:.4g}" in panel.norm_label.text()
    assert panel.norm_marker.value() == pytest.approx(norm, rel=1e-5)
    share = 100 * (np.linalg.norm(workspace.weights, axis=1) < norm).mean()
    assert f"{share:.1f}%" in panel.norm_label.text()


def test_an_id_works_and_an_unknown_token_leaves_the_current_one(panel, workspace):
    panel.lookup.setText("3")
    panel.go.click()
    assert workspace.state.explore.current == 3
    panel.lookup.setText("zebra")
    panel.go.click()
    assert workspace.state.explore.current == 3
    assert "not in the vocabulary" in panel.header.text()


def test_neighbours_follow_metric_and_k_and_clicking_goes_there(panel, workspace, qtbot):
    cat = workspace.vocab.id_of("cat")
    workspace.state.explore.current = cat
    expected = neighbors_of(workspace.weights, cat, 10, "cosine")
    assert [int(cell(panel.neighbors, r, 2)) for r in range(10)] == [i for i, _ in expected]
    assert "full 16-dimensional space, not in the 2-D/3-D projection" in panel.full_space_note.text()
    panel.metric_box.setCurrentIndex(panel.metric_box.findData("euclidean"))
    panel.k.setValue(5)
    assert panel.neighbors.count() == 5
    assert panel.neighbors.horizontalHeaderItem(3).text() == "distance"
    distances = [float(cell(panel.neighbors, r, 3)) for r in range(5)]
    assert distances == sorted(distances)
    target = panel.neighbors.token_id_at(1)
    panel.neighbors.cellClicked.emit(1, 1)
    assert workspace.state.explore.current == target


def test_one_hot_tab_shows_equal_and_timings(panel, workspace, qtbot):
    panel.tabs.setCurrentIndex(panel.TABS.index("One-hot"))
    panel.ids_edit.setText("[2, 3, 1]")
    panel.compute_one_hot.click()
    qtbot.waitUntil(lambda: panel.one_hot_result is not None, timeout=60000)
    result = panel.one_hot_result
    assert result.ids == [2, 3, 1] and result.equal
    np.testing.assert_array_equal(result.lookup, workspace.weights[[2, 3, 1]])
    assert "equals the lookup" in panel.equal_label.text()
    assert "ms" in panel.timing_label.text() and "by zero" in panel.timing_label.text()
    x = panel.one_hot_tables["X"]
    assert x.rowCount() == 3 and x.horizontalHeaderItem(2).text() == "2"
    assert cell(x, 0, 2) == "1" and cell(x, 0, 1) == "0" and cell(x, 2, 1) == "1"


def test_typing_in_the_query_box_writes_the_state(panel, workspace, qtbot):
    qtbot.keyClicks(panel.lookup, "cat")
    qtbot.keyClick(panel.lookup, Qt.Key_Return)
    explore = workspace.state.explore
    assert explore.query == "cat" and explore.current == workspace.vocab.id_of("cat")
    explore.query = "dog"  # a session or a tour writes the box
    assert panel.lookup.text() == "dog"


def test_the_panel_follows_settings_written_in_the_state(panel, workspace):
    explore = workspace.state.explore
    explore.current = workspace.vocab.id_of("cat")
    explore.update(metric="euclidean", k=5, inspector_tab="Neighbours")
    assert panel.metric_box.currentData() == "euclidean" and panel.k.value() == 5
    assert panel.TABS[panel.tabs.currentIndex()] == "Neighbours"
    assert panel.neighbors.count() == 5 and panel.neighbors.horizontalHeaderItem(3).text() == "distance"
    panel.tabs.setCurrentIndex(panel.TABS.index("Drift"))  # the user clicks a tab
    assert explore.inspector_tab == "Drift"
    explore.one_hot_ids = (5, 6)
    assert panel.ids_edit.text() == "5, 6"
    explore.analogy = ("paris", "france", "italy")
    assert [e.text() for e in panel.analogy_edits] == ["paris", "france", "italy"]


def test_selected_tokens_become_the_one_hot_ids(panel, workspace, qtbot):
    explore = workspace.state.explore
    explore.update(current=7, selection=(3, 7, 9))
    panel.use_selection.click()
    assert explore.one_hot_ids == (7, 3, 9) and panel.ids_edit.text() == "7, 3, 9"
    qtbot.waitUntil(lambda: panel.one_hot_result is not None, timeout=60000)
    assert panel.one_hot_result.ids == [7, 3, 9]


def test_one_hot_bad_ids_are_reported(panel):
    panel.ids_edit.setText("2, x")
    panel.compute_one_hot.click()
    assert "whole numbers" in panel.equal_label.text()


def test_teaching_example_button_reproduces_the_table(panel):
    panel.tabs.setCurrentIndex(panel.TABS.index("Sentence"))
    panel.teaching.click()
    table = panel.sentence_table
    rows = [[cell(table, r, c) for c in range(5)] for r in range(table.rowCount())]
    assert rows == [
        ["I", "0", "[0.1, 0.3, 0.5]", "[0.01, 0.02, 0.03]", "[0.11, 0.32, 0.53]"],
        ["love", "1", "[0.2, 0.4, 0.6]", "[0.02, 0.03, 0.04]", "[0.22, 0.43, 0.64]"],
        ["machine", "2", "[0.3, 0.5, 0.7]", "[0.03, 0.04, 0.05]", "[0.33, 0.54, 0.75]"],
        ["learning", "3", "[0.4, 0.6, 0.8]", "[0.04, 0.05, 0.06]", "[0.44, 0.65, 0.86]"],
    ]


def test_sentence_with_sinusoidal_positions(panel, workspace):
    panel.tabs.setCurrentIndex(panel.TABS.index("Sentence"))
    panel.sentence_edit.setText("the dog says woof")
    panel.pe_kind.setCurrentIndex(panel.pe_kind.findData("sinusoidal"))
    panel.run_sentence()
    view = panel.sentence_view
    assert view.pieces == ["the", "dog", "says", "woof"]
    np.testing.assert_allclose(view.sums, workspace.weights[view.ids] + sinusoidal(4, 16), rtol=1e-6)
    assert "dog" in panel.pieces_label.text()
    assert token_chips(view.pieces, view.ids, unk_id=workspace.vocab.unk_id, limit=4) in panel.pieces_label.text()
    assert panel.heat_images[2].image.shape == (16, 4)
    assert workspace.state.explore.sentence == "the dog says woof"


def test_a_broken_positional_file_is_reported_and_changes_nothing(panel, tmp_path):
    broken = tmp_path / "broken.safetensors"
    broken.write_bytes(b"garbage")
    panel.load_positional_file(broken)
    assert panel.learned_positions is None
    assert str(broken) in panel.pieces_label.text()


def test_analogy_tab(panel, workspace):
    # Put the fourth corner where the arithmetic says.
    ids = [workspace.vocab.id_of(t) for t in ("cat", "dog", "puppy")] if workspace.vocab.id_of("puppy") \
        else [workspace.vocab.id_of(t) for t in ("cat", "dog", "cow")]
    a, b, c = ids
    w = workspace.weights.copy()
    unit = lambda i: w[i] / np.linalg.norm(w[i])  # noqa: E731
    target = workspace.vocab.id_of("lima")
    w[target] = (unit(a) - unit(b) + unit(c)) * 5
    workspace.set_weights(w)
    panel.analogy_a.setText(workspace.vocab.tokens[a])
    panel.analogy_b.setText(workspace.vocab.tokens[b])
    panel.analogy_c.setText(workspace.vocab.tokens[c])
    panel.compute_analogy.click()
    assert panel.analogy_table.token_id_at(0) == target
    assert not set(ids) & {i for i, _ in panel.analogy_results}
    assert "−" in panel.analogy_title.text()


def test_drift_after_training(panel, workspace, qtbot):
    panel.tabs.setCurrentIndex(panel.TABS.index("Drift"))
    dog = workspace.vocab.id_of("dog")
    workspace.state.explore.current = dog
    assert "No training yet" in panel.drift_label.text()
    after = workspace.weights.copy()
    after[dog] = -after[dog]
    after[5] += 0.01
    workspace.set_weights(after, "trained")
    assert "cosine between the two rows <b>-1.000</b>" in panel.drift_label.text()
    assert "Jaccard" in panel.drift_label.text()
    assert panel.drift_before.count() == 10 and panel.drift_after.count() == 10
    assert panel.moved_table.token_id_at(0) == dog


def test_settings_live_in_the_state_and_round_trip(panel, workspace):
    panel.metric_box.setCurrentIndex(panel.metric_box.findData("dot"))
    panel.sentence_edit.setText("a cat")
    panel.sentence_edit.editingFinished.emit()  # the user leaves the box
    saved = workspace.state.capture(("explore",))
    assert saved["explore"]["metric"] == "dot" and saved["explore"]["sentence"] == "a cat"
    panel.metric_box.setCurrentIndex(0)
    panel.sentence_edit.setText("")
    panel.sentence_edit.editingFinished.emit()
    workspace.state.restore(saved, ("explore",))
    assert panel.metric_box.currentData() == "dot" and panel.sentence_edit.text() == "a cat"


def test_minilm_big_matrix_runs_in_a_worker(qtbot, shared_data):
    from safetensors import safe_open

    path = shared_data / "vectors/minilm-embeddings.safetensors"
    tokens = (shared_data / "tokenizers/bert/vocab.txt").read_text(encoding="utf-8").splitlines()
    with safe_open(str(path), framework="numpy") as f:
        weights = f.get_tensor("embeddings.word_embeddings.weight")
    ws = Workspace(Vocabulary(tokens=tokens, specials={"unk": tokens.index("[UNK]")}, source=str(path)))
    ws.set_weights(weights, initial=True)
    jobs = Jobs()
    panel = InspectorPanel(ws, SimpleNamespace(jobs=jobs))
    qtbot.addWidget(panel)
    try:
        ws.state.explore.current = tokens.index("king")
        assert panel.neighbors.count() == 0  # not computed on the GUI thread
        qtbot.waitUntil(lambda: panel.neighbors.count() == 10, timeout=30000)
        assert "queen" in [cell(panel.neighbors, r, 1) for r in range(10)]
        for edit, text in zip((panel.analogy_a, panel.analogy_b, panel.analogy_c), ("king", "man", "woman")):
            edit.setText(text)
        panel.compute_analogy.click()
        qtbot.waitUntil(lambda: panel.analogy_table.count() > 0, timeout=30000)
        assert cell(panel.analogy_table, 0, 1) == "queen"
        panel.sentence_edit.setText("the king")
        # The matrix came from this checkpoint: choosing learned positions finds its table.
        panel.pe_kind.setCurrentIndex(panel.pe_kind.findData("learned"))
        assert panel.learned_positions.shape == (512, 384)
        assert "minilm-embeddings.safetensors: 512 positions" in panel.pe_source.text()
        assert panel.sentence_view.pe_kind == "learned"
        with safe_open(str(path), framework="numpy") as f:
            table = f.get_tensor("embeddings.position_embeddings.weight")
        np.testing.assert_array_equal(panel.sentence_view.pe_rows, table[:2])
    finally:
        jobs.stop_all()


def test_loading_a_learned_positional_table(panel, workspace, tmp_path):
    from safetensors.numpy import save_file

    table = np.random.default_rng(3).standard_normal((32, 16)).astype(np.float32)
    path = tmp_path / "model.safetensors"
    save_file({"encoder.position_embeddings.weight": table, "other": np.zeros((2, 2), np.float32)}, str(path))
    panel.tabs.setCurrentIndex(panel.TABS.index("Sentence"))
    panel.sentence_edit.setText("the dog says woof")
    panel.load_positional_file(path)
    assert panel.pe_kind.currentData() == "learned"
    view = panel.sentence_view
    np.testing.assert_array_equal(view.pe_rows, table[:4])
    np.testing.assert_allclose(view.sums, workspace.weights[view.ids] + table[:4])


def _live(weights, step):
    from explorer.core.training.snapshot import Snapshot

    return SimpleNamespace(snapshot=Snapshot(step=step, epoch=0, loss=1.0, tokens_seen=0, weights=weights))


def test_neighbours_follow_live_frames_and_mark_what_changed(panel, workspace, qtbot):
    dog = workspace.vocab.id_of("dog")
    workspace.state.explore.update(current=dog, k=5)
    assert panel.neighbors.isColumnHidden(4)  # no marks outside training
    first = workspace.weights.copy()
    with qtbot.waitSignal(panel.live_shown) as shown:
        panel.show_live_frame(_live(first, 10))
    assert shown.args == [10]
    before = [panel.neighbors.token_id_at(r) for r in range(5)]
    assert "live, step 10" in panel.neighbors_title.text()
    assert not panel.neighbors.isColumnHidden(4) and panel.live_entered == []
    # The next frame: two outsiders move next to dog, so they enter and two leave.
    second = first.copy()
    outsiders = [i for i in range(len(first)) if i not in before and i != dog][:2]
    second[outsiders] = first[dog] * 1.01
    panel.show_live_frame(_live(second, 20))
    after = [panel.neighbors.token_id_at(r) for r in range(5)]
    assert after[:2] == outsiders or set(after[:2]) == set(outsiders)
    assert set(panel.live_entered) == set(outsiders) and len(panel.live_left) == 2
    marks = {panel.neighbors.token_id_at(r): cell(panel.neighbors, r, 4) for r in range(5)}
    assert all(marks[i] == "▲ new" for i in outsiders)
    assert all(marks[i] == "" for i in after if i not in outsiders)
    left_names = [workspace.vocab.tokens[i] for i in panel.live_left]
    assert "left the top-5" in panel.live_note.text() and all(n in panel.live_note.text() for n in left_names)
    assert "live, step 20" in panel.neighbors_title.text()
    # The run ends: the final matrix is the workspace's, shown without marks.
    workspace.set_weights(second, "trained")
    assert panel.neighbors.isColumnHidden(4) and panel.live_note.isHidden()
    assert "live" not in panel.neighbors_title.text()


def test_no_heading_over_an_empty_neighbour_table(panel, workspace):
    explore = workspace.state.explore
    assert panel.neighbors_title.isHidden() and panel.neighbors.count() == 0
    explore.current = workspace.vocab.id_of("apple")
    assert panel.neighbors.count() == 10
    assert not panel.neighbors_title.isHidden() and "nearest to “apple”" in panel.neighbors_title.text()
    explore.current = None
    assert panel.neighbors.count() == 0 and panel.neighbors_title.isHidden()
    explore.current = workspace.vocab.id_of("apple")
    workspace.set_vocab(demo_vocabulary(1))  # another vocabulary: the old list goes, and its heading
    assert panel.neighbors.count() == 0 and panel.neighbors_title.isHidden()


def test_the_full_space_note_says_full_once(qtbot, demo_vocab):
    ws = Workspace(demo_vocab)  # no matrix yet: no dimension to name
    panel = InspectorPanel(ws, None)
    qtbot.addWidget(panel)
    assert "full full" not in panel.full_space_note.text()
    assert "computed in the full space" in panel.full_space_note.text()


def test_one_hot_starts_from_the_current_token_and_selection(panel, workspace, qtbot):
    explore = workspace.state.explore
    dog = workspace.vocab.id_of("dog")
    explore.update(current=dog, selection=(3, 9))
    assert explore.one_hot_ids == (dog, 3, 9)
    panel.tabs.setCurrentIndex(panel.TABS.index("One-hot"))  # the user opens the tab
    assert panel.ids_edit.text() == f"{dog}, 3, 9"
    qtbot.waitUntil(lambda: panel.one_hot_result is not None, timeout=60000)
    assert panel.one_hot_result.ids == [dog, 3, 9]
    explore.current = 5  # another click: the tab follows
    assert explore.one_hot_ids == (5, 3, 9)
    qtbot.waitUntil(lambda: panel.one_hot_result.ids == [5, 3, 9], timeout=60000)


def test_a_word_outside_a_fasttext_vocabulary_is_composed_from_ngrams(qtbot):
    import importlib.util
    from pathlib import Path

    gensim = pytest.importorskip("gensim", reason="gensim (the test extra) is not installed")
    from explorer.core.analysis.report import oov_report
    from explorer.core.io.vectors import load_vectors

    path = Path(next(iter(importlib.util.find_spec("gensim").submodule_search_locations))) / "test" / \
        "test_data" / "lee_fasttext.bin"
    if not path.exists():
        pytest.skip(f"{path} is not shipped with gensim {gensim.__version__}")
    loaded = load_vectors(path)
    ws = Workspace(loaded.vocab)
    ws.set_vocab(loaded.vocab, None, loaded.weights, subwords=loaded.subwords)
    panel = InspectorPanel(ws, None)
    qtbot.addWidget(panel)
    word = "whateverish"
    assert ws.vocab.id_of(word) is None
    qtbot.keyClicks(panel.lookup, word)
    qtbot.keyClick(panel.lookup, Qt.Key_Return)
    expected = oov_report(ws.vocab, ws.weights, ws.subwords, word, None, ws.state.explore.k)
    header = panel.header.text()
    assert word in header and f"not in the vocabulary: composed from {len(expected.ngrams)} n-grams" in header
    assert "&lt;wh, &lt;wha" in header  # its first n-grams, as typed
    assert ws.state.explore.current is None  # no row of W belongs to it
    assert panel.TABS[panel.tabs.currentIndex()] == "Neighbours"
    assert [panel.neighbors.token_id_at(r) for r in range(panel.neighbors.count())] == \
        [i for i, _ in expected.neighbours]
    assert f"nearest to “{word}” (composed from n-grams)" in panel.neighbors_title.text()


def test_an_unknown_word_without_a_subword_model_is_still_an_error(panel, workspace):
    panel.lookup.setText("whateverish")
    panel.go.click()
    assert "not in the vocabulary" in panel.header.text() and "composed" not in panel.header.text()


def test_the_one_hot_timing_never_claims_a_ratio_it_rounded():
    from explorer.ui.panels.inspector_panel import _speedup_text

    assert "faster" not in _speedup_text(1.2) and "about as long" in _speedup_text(1.2)  # was "1× faster"
    assert "3.5×" in _speedup_text(3.46)
    assert "120×" in _speedup_text(120.4)


def test_the_header_lists_the_current_tokens_metadata(panel, workspace, qtbot):
    from explorer.core.io.metadata import Metadata

    vocab = workspace.vocab
    dog = vocab.index["dog"]
    kind = np.empty(len(vocab), dtype=object)
    kind[:] = ["animal" if t in ("dog", "cat") else "" for t in vocab.tokens]
    length = np.array([len(t) for t in vocab.tokens], dtype=np.float32)
    length[dog] = np.nan
    workspace.state.explore.current = dog
    assert "kind" not in panel.header.text()
    workspace.set_metadata(Metadata({"kind": kind, "length": length}, "meta.tsv"))  # loaded while dog is shown
    assert "kind <b>animal</b>" in panel.header.text() and "length <b>–</b>" in panel.header.text()
    workspace.state.explore.current = vocab.index["the"]
    assert "kind <b>–</b>" in panel.header.text() and "length <b>3</b>" in panel.header.text()
    workspace.set_metadata(None)
    assert "kind" not in panel.header.text()
