"""The Initialization dock: schemes and parameters, statistics, pretrained vectors, Compare."""

import numpy as np
import pytest
from PySide6.QtCore import QThread, Qt

from explorer.core.matrix.schemes import SCHEMES, InitConfig
from explorer.ui.panels import init_panel


def choose(panel, scheme):
    panel.scheme.setCurrentIndex(panel.scheme.findData(scheme))


def test_only_the_parameters_of_the_scheme_are_shown(window):
    panel = window.init_panel
    choose(panel, "kaiming_normal")
    assert set(panel.param_widgets) == {"mode", "nonlinearity"}
    choose(panel, "zeros")
    assert panel.param_widgets == {} and "identical" in panel.note.text()
    choose(panel, "truncated_normal")
    assert set(panel.param_widgets) == {"std"} and panel.param_widgets["std"].value() == pytest.approx(0.02)
    init = window.state.init  # the scheme a re-initialize uses: its defaults, as the box shows
    assert init.scheme == "truncated_normal" and init.params == {}
    assert {**SCHEMES[init.scheme].params, **init.params} == {"std": pytest.approx(0.02)}


def test_statistics_follow_every_change(window, qtbot):
    panel = window.init_panel
    assert "effective rank" in panel.stats_label.text()
    assert panel.weight_hist.counts.sum() == 124 * 64 and panel.norm_hist.counts.sum() == 124
    choose(panel, "normal")
    with qtbot.waitSignal(window.controller.idle, timeout=30000):
        panel.apply.click()
    before = panel.stats.norm_mean
    choose(panel, "truncated_normal")
    with qtbot.waitSignal(window.controller.idle, timeout=30000):
        panel.apply.click()
    assert panel.stats.norm_mean < before / 40
    choose(panel, "zeros")
    with qtbot.waitSignal(window.controller.idle, timeout=30000):
        panel.apply.click()
    assert panel.stats.identical_rows and "cannot be told apart" in panel.stats_label.text()


def test_statistics_of_a_big_matrix_come_from_a_worker_for_the_latest_matrix(window, qtbot, monkeypatch):
    monkeypatch.setattr(init_panel, "SYNC_STATS_VALUES", 1000)  # the demo's 124 × 64 counts as big
    panel = window.init_panel
    first = np.random.default_rng(0).standard_normal((124, 64)).astype(np.float32)
    window.workspace.set_weights(first, "test")
    assert "computing statistics" in panel.stats_label.text()
    assert panel.weight_hist.counts is None  # no bars of the previous matrix meanwhile
    assert window.progress_bar.isVisible() and "Matrix statistics" in window.progress_bar.format()
    assert window.cancel_button.isVisible()
    window.workspace.set_weights(first * 3, "test")  # replaces the request while the first one runs
    qtbot.waitUntil(lambda: "computing" not in panel.stats_label.text(), timeout=30000)
    assert panel.stats.std == pytest.approx(3 * float(first.std()), rel=0.01)
    qtbot.waitUntil(lambda: window.controller.jobs.active == 0, timeout=30000)  # projections end too


def test_statistics_of_a_big_matrix_can_be_cancelled(window, qtbot, monkeypatch):
    from explorer.core import Cancelled

    monkeypatch.setattr(init_panel, "SYNC_STATS_VALUES", 1000)
    started = []

    def slow_stats(weights, progress=None, should_cancel=None):  # waits in the worker for Cancel
        started.append(True)
        progress(0.3)
        while not should_cancel():
            QThread.msleep(5)
        raise Cancelled("statistics")

    monkeypatch.setattr(init_panel, "compute_stats", slow_stats)
    panel = window.init_panel
    window.workspace.set_weights(np.ones((124, 64), np.float32), "test")
    qtbot.waitUntil(lambda: bool(started), timeout=10000)
    qtbot.waitUntil(lambda: window.cancel_button.isVisible(), timeout=10000)
    qtbot.mouseClick(window.cancel_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: "statistics cancelled" in panel.stats_label.text(), timeout=10000)
    assert panel.stats is None


def test_matrix_stats_reports_progress_and_stops_when_asked():
    from explorer.core import Cancelled
    from explorer.core.matrix.stats import matrix_stats

    seen = []
    weights = np.random.default_rng(0).standard_normal((300, 16)).astype(np.float32)
    matrix_stats(weights, progress=seen.append)
    assert seen == sorted(seen) and seen[-1] == 1.0 and len(seen) >= 4
    with pytest.raises(Cancelled):
        matrix_stats(weights, should_cancel=lambda: True)


def test_the_vectors_loader_is_registered(window):
    assert window.controller.loaders["vectors"] == window.init_panel.open_vectors


def test_open_vectors_file_defines_the_vocabulary(window, qtbot, shared_data):
    path = shared_data / "gensim" / "test_glove.txt"
    window.controller.open_path(path)
    qtbot.waitUntil(lambda: len(window.workspace.vocab) == 76 and window.controller.up_to_date, timeout=30000)
    assert window.workspace.weights.shape == (76, 50)
    assert window.scatter2d.point_count == 76
    assert "76 × 50" in window.init_panel.vectors_label.text()
    assert window.init_panel.dim.value() == 50 and window.init_panel.stats.rows == 76


def test_map_onto_the_current_vocabulary_reports_coverage(window, qtbot, shared_data):
    panel = window.init_panel
    window.state.pretrained.mode = "map"
    panel.fill.setCurrentIndex(panel.fill.findData("zeros"))
    assert window.state.pretrained.fill == "zeros" and not panel.map_options.isHidden()
    vocab = window.workspace.vocab
    panel.open_vectors(shared_data / "gensim" / "lee_fasttext.vec")
    qtbot.waitUntil(lambda: window.workspace.dim == 10 and window.controller.up_to_date, timeout=30000)
    assert window.workspace.vocab is vocab  # the vocabulary stayed
    cov = panel.coverage
    assert cov.total == 124 and 0 < cov.found < 124
    assert f"{cov.found}" in panel.coverage_label.text() and "missing" in panel.coverage_label.text()
    missing = vocab.index[cov.missing_examples[0]]
    assert not window.workspace.weights[missing].any()
    assert (f"pretrained: lee_fasttext.vec mapped onto the vocabulary, {100 * cov.fraction:.0f}% covered"
            in panel.made_by_label.text())


def test_dimension_mismatch_without_adopting_is_an_error_and_keeps_the_matrix(window, qtbot, shared_data):
    panel = window.init_panel
    panel.mode_map.click()
    panel.adopt_dim.setChecked(False)
    assert window.state.pretrained.mode == "map" and not window.state.pretrained.adopt_dim
    before = window.workspace.weights
    with qtbot.waitSignal(window.controller.error, timeout=30000) as blocker:
        panel.open_vectors(shared_data / "gensim" / "lee_fasttext.vec")
    assert "dimension mismatch" in blocker.args[0] and "64" in blocker.args[0]
    assert window.workspace.weights is before


def test_a_bad_file_names_file_and_line_and_keeps_the_matrix(window, qtbot, shared_data):
    before, vocab = window.workspace.weights, window.workspace.vocab
    path = shared_data / "gensim" / "pretrained.vec"
    with qtbot.waitSignal(window.controller.error, timeout=30000) as blocker:
        window.controller.open_path(path)
    assert str(path) in blocker.args[0] and "line 1" in blocker.args[0]
    assert window.workspace.weights is before and window.workspace.vocab is vocab


def test_safetensors_offers_its_tensors_and_asks_for_a_vocabulary(window, qtbot, shared_data):
    panel = window.init_panel
    panel.open_vectors(shared_data / "vectors" / "minilm-embeddings.safetensors")
    qtbot.waitUntil(lambda: panel.tensor.count() == 3, timeout=30000)
    assert panel.vocab_row.isVisibleTo(panel) and panel.tensor_row.isVisibleTo(panel)
    assert "vocabulary" in panel.vectors_label.text()
    window.state.pretrained.vocab_file = str(shared_data / "tokenizers" / "bert" / "vocab.txt")
    qtbot.waitUntil(lambda: panel.loaded is not None, timeout=60000)
    assert panel.tensor.currentData() == "embeddings.word_embeddings.weight"
    assert panel.loaded.weights.shape == (30522, 384)


def test_compare_shows_the_three_points(window, qtbot):
    dialog = window.init_panel.open_compare()
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.compared, timeout=60000):
        dialog.run()
    assert len(dialog.columns) == 5
    text = dialog.findings.text()
    assert "identical" in text and "Xavier" in text
    ratio = [s for c, s in dialog.results if c.scheme == "normal"][0].norm_mean / \
        [s for c, s in dialog.results if c.scheme == "truncated_normal"][0].norm_mean
    assert f"{ratio:.0f}×" in text and 45 < ratio < 65
    xavier = [s.std for c, s in dialog.results if c.scheme == "xavier_uniform"]
    assert xavier[0] > xavier[1]
    assert all(np.isfinite(col.weight_hist.counts).all() for col in dialog.columns)


def test_compare_takes_a_list_of_schemes_with_their_seed(window, qtbot):
    dialog = window.init_panel.open_compare()
    qtbot.addWidget(dialog)
    dialog.set_entries([InitConfig("normal", 8, 5, {"std": 0.5}), InitConfig("zeros", 16, 5)])
    assert [c.scheme for c in dialog.configs()] == ["normal", "zeros"]
    assert [c.dim for c in dialog.configs()] == [8, 16] and dialog.seed.value() == 5
    assert dialog.configs()[0].params == {"std": 0.5}


def test_a_fasttext_model_fills_the_words_it_lacks_from_their_ngrams(window, qtbot):
    """Map a fastText .bin onto the demo vocabulary with "Missing rows: composed from n-grams":
    the demo words the model never saw get fastText's own vector for them, and the coverage
    line says how they were filled."""
    import importlib.util
    from pathlib import Path

    pytest.importorskip("gensim", reason="gensim (the fasttext extra) is not installed")
    path = Path(next(iter(importlib.util.find_spec("gensim").submodule_search_locations))) / "test" / \
        "test_data" / "lee_fasttext.bin"
    if not path.exists():
        pytest.skip(f"{path} is not shipped with this gensim")
    panel = window.init_panel
    panel.mode_map.click()
    panel.fill.setCurrentIndex(panel.fill.findData("subwords"))
    assert window.state.pretrained.fill == "subwords" and panel.fill.currentText() == "composed from n-grams"
    vocab = window.workspace.vocab
    panel.open_vectors(path)
    qtbot.waitUntil(lambda: window.workspace.dim == 10 and panel.coverage is not None
                    and window.controller.up_to_date, timeout=60000)
    assert window.workspace.vocab is vocab  # the vocabulary stayed
    cov = panel.coverage
    assert 0 < cov.missing < cov.total == len(vocab)
    assert "(filled: composed from n-grams)" in panel.coverage_label.text()
    from explorer.core.io.vectors import load_vectors

    subwords = load_vectors(path).subwords
    word = cov.missing_examples[0]
    np.testing.assert_allclose(window.workspace.weights[vocab.index[word]], subwords.compose(word)[0], rtol=1e-6)
