"""The Vocabulary dock: loading off the GUI thread, the table, the tokenize box, bad input."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from explorer.ui.controller import Controller
from explorer.ui.panels.vocab_panel import VocabPanel
from explorer.ui.startup import demo_workspace


def make_panel(qtbot, reinitialize: bool):
    workspace = demo_workspace()
    controller = Controller(workspace)
    if not reinitialize:  # panel tests need no matrix: skip the controller's torch init and projection
        workspace.events.vocab_changed.disconnect(controller._vocab_changed)
    panel = VocabPanel(workspace, controller)
    qtbot.addWidget(panel)
    panel.show()
    return panel


@pytest.fixture
def panel(qtbot):
    panel = make_panel(qtbot, reinitialize=False)
    yield panel
    qtbot.waitUntil(lambda: panel.controller.jobs.active == 0, timeout=30000)
    panel.controller.jobs.stop_all()


def test_a_loaded_vocabulary_gets_a_new_matrix(qtbot, tmp_path):
    panel = make_panel(qtbot, reinitialize=True)
    path = tmp_path / "fox.txt"
    path.write_text("the quick brown fox jumps over the lazy dog\n")
    with qtbot.waitSignal(panel.controller.idle, timeout=60000):
        panel.load(path, "corpus")
    assert panel.workspace.vocab.tokens[0] == "the"
    assert panel.workspace.weights.shape == (8, panel.workspace.state.init.dim)
    panel.controller.jobs.stop_all()


def load(qtbot, panel, path, fmt=None):
    with qtbot.waitSignal(panel.loaded, timeout=30000) as blocker:
        panel.load(path, fmt)
    return blocker.args[0]


def fail(qtbot, panel, path, fmt=None):
    """Load a bad file; the current vocabulary must stay exactly as it was."""
    before = panel.workspace.vocab
    tokens = list(before.tokens)
    source = panel.workspace.state.vocab.to_dict()
    with qtbot.waitSignal(panel.load_failed, timeout=30000) as blocker:
        panel.load(path, fmt)
    assert panel.workspace.vocab is before and before.tokens == tokens
    assert panel.workspace.state.vocab.to_dict() == source
    assert panel.model.rowCount() == len(before)
    return blocker.args[0]


def test_loaders_are_registered(panel):
    assert {"vocab", "corpus", "tokenizer"} <= set(panel.controller.loaders)


def test_gpt2_through_open_path(qtbot, panel, shared_data):
    with qtbot.waitSignal(panel.loaded, timeout=30000):
        panel.controller.open_path(shared_data / "tokenizers" / "gpt2" / "encoder.json")
    vocab = panel.workspace.vocab
    assert len(vocab) == 50_257 and panel.workspace.categories is None
    assert panel.model.rowCount() == 50_257
    text = panel.summary.text()
    assert "50,257" in text and "gpt2-bpe" in text and "endoftext" in text and "encoder.json" in text
    assert panel.table.isColumnHidden(2)  # no counts in an encoder.json

    panel.filter.setText("café")
    rows = [panel.model.token_id(r) for r in range(panel.proxy.rowCount())]
    assert 40304 in rows and all("café" in vocab.display_tokens[i].lower() for i in rows)
    assert "match" in panel.matches.text()

    panel.filter.setText("")
    panel.table.sortByColumn(1, Qt.DescendingOrder)
    first = panel.proxy.index(0, 1).data()
    assert first == max(vocab.display_tokens, key=lambda t: (t.lower(), t))


def test_tokenize_box_shows_pieces_and_ids(qtbot, panel, shared_data):
    load(qtbot, panel, shared_data / "tokenizers" / "gpt2")
    panel.tokenize_input.setText("Hello world café")
    assert panel.tokenize_output.property("ids") == [15496, 995, 40304]
    assert panel.tokenize_output.property("pieces") == ["Hello", "Ġworld", "Ġcafé"]
    assert "15496" in panel.tokenize_output.text()
    load(qtbot, panel, shared_data / "tokenizers" / "bert" / "vocab.txt")
    assert panel.tokenize_output.property("pieces") == ["hello", "world", "cafe"]  # re-tokenized


def test_unknown_words_are_marked(qtbot, panel, tmp_path):
    path = tmp_path / "fox.txt"
    path.write_text("the quick brown fox\n")
    load(qtbot, panel, path, "corpus")
    panel.tokenize_input.setText("the lazy fox")
    assert panel.tokenize_output.property("ids")[1] == -1
    assert "not in the vocabulary" in panel.tokenize_output.text()


def test_selecting_a_row_sets_the_current_token(qtbot, panel, shared_data):
    load(qtbot, panel, shared_data / "tokenizers" / "bert" / "vocab.txt")
    panel.filter.setText("^queen$")
    assert panel.proxy.rowCount() == 1
    panel.table.setCurrentIndex(panel.proxy.index(0, 1))
    assert panel.workspace.state.explore.current == panel.workspace.vocab.id_of("queen")
    panel.filter.setText("")
    panel.workspace.state.explore.current = 2332  # "king", from elsewhere (a click in the view)
    assert panel.model.token_id(panel.proxy.mapToSource(panel.table.currentIndex()).row()) == 2332


def test_corpus_options(qtbot, panel, shared_data):
    panel.min_count.setValue(3)
    panel.max_size.setValue(300)
    panel.order.setCurrentIndex(panel.order.findData("alpha"))
    panel.special_boxes["pad"].setChecked(True)
    panel.special_boxes["unk"].setChecked(True)
    chosen = panel.workspace.state.vocab
    assert (chosen.min_count, chosen.max_size, chosen.order, chosen.specials) == (3, 300, "alpha", ("pad", "unk"))
    path = shared_data / "corpora" / "kjv-verses.txt"
    vocab = load(qtbot, panel, path)
    assert len(vocab) == 300 and vocab.tokens[:2] == ["<pad>", "<unk>"]
    assert chosen.source == str(path)
    assert chosen.options == {"format": "corpus", "tokenizer": "words", "min_count": 3, "max_size": 300,
                              "order": "alpha", "specials": ["pad", "unk"]}
    assert vocab.tokens[2:] == sorted(vocab.tokens[2:]) and vocab.counts[2:].min() >= 3
    assert panel.rebuild_button.isEnabled()
    panel.max_size.setValue(0)
    with qtbot.waitSignal(panel.loaded, timeout=30000):
        panel.rebuild_button.click()
    assert len(panel.workspace.vocab) > 5000


def test_the_options_follow_the_state(panel, tmp_path):
    chosen = panel.workspace.state.vocab
    chosen.update(min_count=4, max_size=None, order="first", specials=("bos", "eos"), format="corpus")
    assert panel.min_count.value() == 4 and panel.max_size.text() == "no limit"
    assert panel.order.currentData() == "first"
    assert [role for role, box in panel.special_boxes.items() if box.isChecked()] == ["bos", "eos"]
    assert panel.source_format.currentData() == "corpus"
    chosen.format = None
    assert panel.source_format.currentText() == "Detect automatically"
    tokenizer = tmp_path / "tokenizer.json"
    chosen.tokenizer = str(tokenizer)
    assert panel.corpus_tokenizer.currentText() == "Tokenizer: tokenizer.json"
    assert panel.corpus_options()["tokenizer"] == str(tokenizer)
    chosen.tokenizer = "whitespace"
    assert panel.corpus_tokenizer.currentData() == "whitespace"
    assert panel.corpus_tokenizer.itemText(panel.corpus_tokenizer.findData("file")) == "Tokenizer file…"


def test_a_piece_mapped_to_the_unknown_token_is_marked(qtbot, panel, tmp_path):
    path = tmp_path / "fox.txt"
    path.write_text("the quick brown fox\n")
    panel.special_boxes["unk"].setChecked(True)
    vocab = load(qtbot, panel, path, "corpus")
    panel.tokenize_input.setText("the lazy fox")
    assert panel.tokenize_output.property("ids")[1] == vocab.unk_id
    assert "lazy→&lt;unk&gt;" in panel.tokenize_output.text()


def test_source_override(qtbot, panel, tmp_path):
    path = tmp_path / "words.txt"
    path.write_text("b\na\nc\n")
    panel.source_format.setCurrentIndex(panel.source_format.findData("corpus"))
    panel.order.setCurrentIndex(panel.order.findData("alpha"))
    assert panel.workspace.state.vocab.format == "corpus"
    with qtbot.waitSignal(panel.loaded, timeout=30000) as blocker:
        panel.open_file(path)  # what Open… does: the format box overrides the guess
    assert blocker.args[0].tokens == ["a", "b", "c"] and blocker.args[0].kind == "corpus"
    assert load(qtbot, panel, path).kind == "wordlist"  # File > Open, drops, --vocab: detected


@pytest.mark.parametrize("name, content, expected", [
    ("empty.txt", b"", "empty"),
    ("blob.bin.txt", b"\x00\x01\x02\x03" * 1000, "binary"),
    ("config.json", b'{\n "hidden": 768,\n "layers": [1]\n}', "line 3"),
    ("dups.txt", b"a\nb\na\n", "line 3"),
])
def test_bad_files_leave_the_vocabulary_unchanged(qtbot, panel, tmp_path, name, content, expected):
    path = tmp_path / name
    path.write_bytes(content)
    message = fail(qtbot, panel, path)
    assert str(path) in message and expected in message
    assert panel.last_error == message


def test_errors_reach_the_user(qtbot, panel, tmp_path):
    path = tmp_path / "empty.txt"
    path.write_bytes(b"")
    with qtbot.waitSignal(panel.controller.error, timeout=30000) as blocker:
        panel.load(path)
    assert str(path) in blocker.args[0]


def test_invalid_utf8_is_offered_with_replacement(qtbot, panel, tmp_path):
    path = tmp_path / "latin1.txt"
    path.write_bytes(b"the\ncaf\xe9\nof\n")
    message = fail(qtbot, panel, path)
    assert "line 2" in message and "1 line is affected" in message
    assert panel.offer is not None and "replacement" in panel.offer_button.text()
    with qtbot.waitSignal(panel.loaded, timeout=30000) as blocker:
        panel.offer_button.click()
    assert blocker.args[0].tokens == ["the", "caf\ufffd", "of"]
    assert panel.workspace.vocab is blocker.args[0]


def test_duplicates_are_offered_de_duplication(qtbot, panel, tmp_path):
    path = tmp_path / "dups.txt"
    path.write_bytes(b"a\nb\na\nc\n")
    fail(qtbot, panel, path)
    with qtbot.waitSignal(panel.loaded, timeout=30000) as blocker:
        panel.offer_button.click()
    assert blocker.args[0].tokens == ["a", "b", "c"]


def test_a_100_mb_line_is_refused_and_the_vocabulary_kept(qtbot, panel, tmp_path):
    path = tmp_path / "one-line.txt"
    with open(path, "wb") as f:
        block = b"x" * (1 << 20)
        for _ in range(100):
            f.write(block)
    message = fail(qtbot, panel, path)
    assert "line 1" in message and "longer than" in message


def test_cancel_keeps_the_vocabulary(qtbot, panel, tmp_path):
    path = tmp_path / "big.txt"
    with open(path, "w") as f:
        for _ in range(40):
            f.write("in the beginning was the word and the word was with god\n" * 10_000)
    before = panel.workspace.vocab
    with qtbot.waitSignal(panel.controller.message, timeout=30000,
                          check_params_cb=lambda text: text.startswith("Cancelled")):
        handle = panel.load(path, "corpus")
        handle.cancel()
    assert panel.workspace.vocab is before


def test_special_tokens_in_the_text_check_box(qtbot, panel, shared_data):
    load(qtbot, panel, shared_data / "tokenizers" / "gpt2")
    box = panel.specials_in_text
    assert box.text() == "Special tokens in the text are tokens" and box.isChecked()
    assert panel.vocab_state.specials_in_text is True
    qtbot.keyClicks(panel.tokenize_input, "hello<|endoftext|>world")
    assert panel.tokenize_output.property("ids") == [31373, 50256, 6894]
    qtbot.mouseClick(box, Qt.LeftButton)  # unchecked: the special token is plain text
    assert panel.vocab_state.specials_in_text is False
    ids = panel.tokenize_output.property("ids")
    assert 50256 not in ids and ids[0] == 31373 and len(ids) > 3
    panel.vocab_state.specials_in_text = True  # the state decides, the box follows
    assert box.isChecked() and panel.tokenize_output.property("ids") == [31373, 50256, 6894]
