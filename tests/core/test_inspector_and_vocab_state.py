"""The Inspector's and the Vocabulary dock's settings in the state: validated, evented, saved."""

from __future__ import annotations

import pytest

from explorer.core import ExplorerError
from explorer.core.state.app import AppState


@pytest.mark.parametrize("field, bad", [
    ("metric", "manhattan"), ("k", 0), ("k", 201), ("k", 2.5), ("inspector_tab", "Histogram"),
    ("positions", "rotary"), ("one_hot_ids", ()), ("one_hot_ids", (1, -2)), ("analogy", ("a", "b")),
    ("analogy_k", 101), ("moved_by", "speed"),
])
def test_bad_inspector_settings_are_refused_and_change_nothing(field, bad):
    explore = AppState().explore
    before = explore.to_dict()
    seen = []
    explore.events.changed.connect(lambda *args: seen.append(args))
    with pytest.raises(ExplorerError):
        setattr(explore, field, bad)
    assert explore.to_dict() == before and not seen


@pytest.mark.parametrize("field, bad", [
    ("min_count", 0), ("max_size", 0), ("max_size", -5), ("order", "random"), ("specials", ("cls",)),
    ("tokenizer", ""), ("format", ""),
])
def test_bad_vocabulary_options_are_refused(field, bad):
    source = AppState().vocab
    before = source.to_dict()
    with pytest.raises(ExplorerError):
        setattr(source, field, bad)
    assert source.to_dict() == before


def test_specials_keep_their_order_at_the_front():
    source = AppState().vocab
    source.specials = ("unk", "pad", "unk")
    assert source.specials == ("pad", "unk")


def test_one_event_per_change_and_a_round_trip():
    state = AppState()
    heard = []
    state.explore.events.k.connect(heard.append)
    state.explore.update(metric="dot", k=5, sentence="a cat", one_hot_ids=[4, 2], analogy=["x", "y", "z"])
    state.explore.k = 5  # the same value: nothing to tell
    state.vocab.update(min_count=3, max_size=300, order="alpha", specials=("pad",), tokenizer="whitespace")
    assert heard == [5]
    saved = state.capture(("explore", "vocab"))
    fresh = AppState()
    assert fresh.restore(saved, ("explore", "vocab")) == []
    assert fresh.explore.one_hot_ids == (4, 2) and fresh.explore.analogy == ("x", "y", "z")
    assert fresh.explore.metric == "dot" and fresh.explore.sentence == "a cat"
    assert (fresh.vocab.min_count, fresh.vocab.max_size, fresh.vocab.order, fresh.vocab.specials) == \
        (3, 300, "alpha", ("pad",))
