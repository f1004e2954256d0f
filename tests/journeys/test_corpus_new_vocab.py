"""Journey: train live on one's own corpus file with a new vocabulary. In the Training dock the
user picks "Corpus file…" (lee.cor, gensim's Lee corpus), ticks "New vocabulary from this
corpus" and presses Start: the vocabulary becomes the corpus's words (the Vocabulary dock and
the status bar say how many), the matrix is re-initialized for them, the run trains live and
the view shows the new words, labelled by count, all in view."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog

from tests.journeys.conftest import points_in_view


def test_train_on_a_corpus_file_with_its_own_vocabulary(window, qtbot, monkeypatch, shared_data):
    corpus = shared_data / "gensim" / "lee.cor"
    panel = window.train_panel
    window.docks["Training"].raise_()
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *args, **kwargs: (str(corpus), ""))
    panel.corpus.setCurrentIndex(panel.corpus.findData("file"))
    panel.corpus.activated.emit(panel.corpus.currentIndex())  # what picking the item does
    assert window.state.train.corpus == str(corpus) and "lee.cor" in panel.corpus_label.text()
    qtbot.mouseClick(panel.new_vocab, Qt.LeftButton)
    assert window.state.train.new_vocab
    window.state.train.epochs = 2

    with qtbot.waitSignal(panel.run.finished, timeout=120000) as finished:
        qtbot.mouseClick(panel.start_button, Qt.LeftButton)
    assert finished.args == ["done"]
    qtbot.waitUntil(lambda: window.controller.up_to_date and window.controller.jobs.active == 0, timeout=60000)

    vocab = window.workspace.vocab
    assert len(vocab) != 124 and vocab.counts is not None and "the" in vocab.tokens
    assert f"<b>{len(vocab):,}</b> tokens · <b>lee.cor</b> (corpus)" in window.vocab_panel.summary.text()
    assert window.shape_label.text() == f"{len(vocab):,} × {window.workspace.dim}"
    assert window.state.matrix.made_by.startswith("trained:")
    scatter = window.scatter2d
    assert scatter.point_count == len(vocab) and points_in_view(scatter) == len(vocab)
    assert f"of all {len(vocab):,} tokens" in scatter.title_text
    assert scatter.label_note == f"Labels: the {min(60, len(vocab))} most frequent tokens"
    assert "the" in scatter.labels  # the most frequent word is labelled
