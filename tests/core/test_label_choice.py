"""Default labels: the most frequent tokens when there are counts; without counts (GPT-2, BERT,
pretrained tables) whole words in ID order, not the first IDs ([unused0], bytes, punctuation),
spread over the plot, with a note that says what they are."""

import numpy as np

from explorer.core.io.samples import vectors_file, vocab_file
from explorer.core.io.vectors import load_vectors
from explorer.core.io.vocab_files import load_vocabulary
from explorer.core.view.labels import choose_labels, default_labels, spread, whole_word


def test_counts_give_the_most_frequent():
    choice = choose_labels(["a", "b", "c"], np.array([1, 9, 5]), 3, limit=2)
    assert choice.ids == [1, 2] and choice.note == "Labels: the 2 most frequent tokens"


def test_gpt2_labels_are_space_prefixed_words_not_bytes():
    vocab = load_vocabulary(vocab_file("sample:gpt2"))
    choice = choose_labels(vocab.tokens, vocab.counts, len(vocab), kind=vocab.kind)
    tokens = [vocab.tokens[i] for i in choice.ids]
    assert len(tokens) == 60 and min(choice.ids) >= 256  # none of the 256 byte tokens
    assert all(t.startswith("Ġ") and t[1:].isalpha() for t in tokens)
    assert "Ġthe" in tokens and "BPE merges" in choice.note
    assert choice.ids != list(range(60))  # what the labels were before


def test_bert_skips_unused_specials_and_word_pieces():
    vocab = load_vocabulary(vocab_file("sample:bert"))
    choice = choose_labels(vocab.tokens, None, len(vocab), kind=vocab.kind, specials=list(vocab.specials.values()))
    tokens = [vocab.tokens[i] for i in choice.ids]
    assert not any(t.startswith(("[", "##")) for t in tokens) and all(t.isalpha() for t in tokens)
    assert {"the", "and"} <= set(tokens) and "lowest IDs first" in choice.note


def test_a_pretrained_table_labels_its_top_words():
    table, tokens, tensor = vectors_file("sample:minilm")
    vocab = load_vectors(table, vocab_path=tokens, tensor_name=tensor).vocab
    choice = choose_labels(vocab.tokens, vocab.counts, len(vocab), kind=vocab.kind)
    assert "the" in [vocab.tokens[i] for i in choice.ids] and "top of the table" in choice.note


def test_spread_puts_labels_all_over_the_plot():
    rng = np.random.default_rng(0)
    xy = rng.normal(size=(1000, 2))
    order = np.argsort(xy[:, 0])  # best-ranked tokens all on the far left
    chosen = spread(order.tolist(), xy, 30)
    assert len(chosen) == 30
    first30 = xy[order[:30], 0]
    assert first30.max() < -1.5 and xy[chosen, 0].max() > 1.0  # not just the left edge: the right too
    assert len({(int(x), int(y)) for x, y in np.floor(xy[chosen] * 2)}) >= 20  # many places
    assert spread([5, 3, 1], None, 2) == [5, 3]


def test_whole_words():
    assert whole_word("Ġhouse", "gpt2") and not whole_word("house", "gpt2") and not whole_word("Ġ,", "gpt2")
    assert whole_word("▁house") and not whole_word("##ing", "wordpiece") and not whole_word("[unused0]")
    assert not whole_word("42") and not whole_word("ab")


def test_default_labels_add_the_selection_and_none_keeps_only_it():
    tokens = ["[PAD]", ",", "house", "garden", "tree"]
    assert default_labels(None, 5, selection=(1,), tokens=tokens, limit=2) == [2, 3, 1]
    assert default_labels(None, 5, selection=(1,), tokens=tokens, mode="none") == [1]
