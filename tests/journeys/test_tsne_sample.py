"""Journey: after the demo, a big pretrained table, then t-SNE on a sample that fits it.

A user starts on the demo (124 tokens), opens the real 30,522-row MiniLM table (choosing
its BERT vocabulary when the app asks), and picks t-SNE in the Projection dock. t-SNE
starts on the README's sample of 5,000 rows, and the Sample box says so; before the fix
it projected a "random sample of 124" left over from the demo (issue 14, behaviour 2).
A t-SNE of 5,000 rows takes most of a minute here, so the user cancels it, and the PCA
view of every row stays.
"""

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog

from .conftest import points_in_view

ROWS = 30_522


def test_tsne_on_a_big_table_starts_on_a_sample_of_5000(window, qtbot, shared_data, monkeypatch):
    init, panel, scatter = window.init_panel, window.projection_panel, window.scatter2d
    assert len(window.workspace.vocab) == 124 and "PCA 2D of all 124 tokens" in scatter.getPlotItem().titleLabel.text

    window.open_path(shared_data / "vectors" / "minilm-embeddings.safetensors")
    qtbot.waitUntil(lambda: "choose its vocabulary file" in init.vectors_label.text(), timeout=30000)
    # The app asks for what the table lacks: its vocabulary file (and shows its tensors).
    qtbot.waitUntil(lambda: init.table_dialog is not None and init.table_dialog.isVisible(), timeout=10000)
    dialog = init.table_dialog
    assert dialog.tensor.currentData() == "embeddings.word_embeddings.weight"
    vocab = shared_data / "tokenizers" / "bert" / "vocab.txt"
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *args, **kwargs: (str(vocab), ""))
    qtbot.mouseClick(dialog.vocab_button, Qt.LeftButton)  # the file dialog answers with BERT's vocab.txt
    qtbot.mouseClick(dialog.open_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: window.controller.up_to_date and scatter.point_count == ROWS, timeout=60000)
    assert f"PCA 2D of all {ROWS:,} tokens" in scatter.getPlotItem().titleLabel.text
    assert not panel.sample_on.isChecked() and panel.sample_size.value() == 5000  # what ticking it would use

    panel.method.setFocus()
    with qtbot.waitSignal(window.controller.long_job_started, timeout=10000):
        qtbot.keyClicks(panel.method, "t-SNE")  # typing in a closed combo picks the item
    assert panel.method.currentText() == "t-SNE"
    assert panel.sample_on.isChecked() and panel.sample_size.isEnabled() and panel.sample_size.value() == 5000
    assert panel.sample_size.text() == "5,000 tokens"
    assert window.state.projection.method == "tsne" and window.state.projection.sample == 5000
    assert window.progress_bar.isVisible() and "t-SNE" in window.progress_bar.format()
    assert "t-SNE projection: running" in panel.info.text()

    with qtbot.waitSignal(window.controller.long_job_finished, timeout=60000):
        qtbot.mouseClick(window.cancel_button, Qt.LeftButton)
    assert not window.progress_bar.isVisible()
    assert f"PCA 2D of all {ROWS:,} tokens" in scatter.getPlotItem().titleLabel.text  # the view as it was
    assert window.controller.projection.method == "pca" and points_in_view(scatter) == ROWS
