"""Journey: look a token up in the Inspector, then pick another from the Vocabulary dock.

The user brings the Inspector forward, types "dog" into its box and presses Enter: the
Inspector shows dog's ID and its row of W, the Neighbours tab lists its nearest tokens, and
the 2D view labels dog. Then a click on the row of "cat" in the Vocabulary table makes cat
the current token, and the Inspector and the view follow.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QTabBar

from explorer.core.analysis.neighbors import neighbors_of


def click_tab(qtbot, bar: QTabBar, text: str) -> None:
    index = next(i for i in range(bar.count()) if bar.tabText(i).replace("&", "") == text)
    qtbot.mouseClick(bar, Qt.LeftButton, pos=bar.tabRect(index).center())
    assert bar.currentIndex() == index


def dock_tab_bar(window, title: str) -> QTabBar:
    """The tab bar under tabified docks that has a tab named `title`."""
    for bar in window.findChildren(QTabBar):
        if bar.isVisible() and title in [bar.tabText(i) for i in range(bar.count())]:
            return bar
    raise AssertionError(f"no visible dock tab named {title!r}")


def neighbour_rows(inspector) -> list[tuple[str, int]]:
    """(token, ID) of each row of the neighbours table, as on screen."""
    table = inspector.neighbors
    return [(table.item(r, 1).text(), int(table.item(r, 2).text())) for r in range(table.rowCount())]


def expected_neighbours(window, token_id: int) -> list[tuple[str, int]]:
    explore = window.state.explore
    found = neighbors_of(window.workspace.weights, token_id, explore.k, explore.metric)
    return [(window.workspace.vocab.tokens[i], i) for i, _ in found]


def test_look_up_dog_then_click_cat_in_the_vocabulary(window, qtbot):
    vocab = window.workspace.vocab
    dog, cat = vocab.id_of("dog"), vocab.id_of("cat")
    inspector = window.inspector_panel
    assert "dog" not in window.scatter2d.labels and "cat" not in window.scatter2d.labels

    # The Inspector shares the right column with Training: the user clicks its tab.
    click_tab(qtbot, dock_tab_bar(window, "Inspector"), "Inspector")
    qtbot.waitUntil(inspector.lookup.isVisible)
    inspector.lookup.setFocus()
    QTest.keyClicks(inspector.lookup, "dog")
    QTest.keyClick(inspector.lookup, Qt.Key_Return)

    assert window.state.explore.current == dog
    assert window.state.explore.query == "dog"
    header = inspector.header.text()
    assert "dog" in header and f"ID <b>{dog}</b>" in header and f"row {dog} of W" in header
    assert f"Row {dog} of W: “dog”" in inspector.row_title.text()
    assert dog in window.scatter2d.label_item.candidates
    qtbot.waitUntil(lambda: "dog" in window.scatter2d.labels)

    click_tab(qtbot, inspector.tabs.tabBar(), "Neighbours")
    assert window.state.explore.inspector_tab == "Neighbours"
    assert inspector.neighbors.isVisible()
    assert "nearest to “dog”" in inspector.neighbors_title.text()
    assert neighbour_rows(inspector) == expected_neighbours(window, dog)
    assert len(neighbour_rows(inspector)) == window.state.explore.k

    # The Vocabulary dock's table: the user clicks the row that shows "cat".
    table = window.vocab_panel.table
    index = window.vocab_panel.proxy.mapFromSource(window.vocab_panel.model.index(window.vocab_panel.model.row_of(cat), 1))
    table.scrollTo(index)
    assert index.data() == "cat"
    QTest.mouseClick(table.viewport(), Qt.LeftButton, pos=table.visualRect(index).center())

    assert window.state.explore.current == cat
    assert "cat" in inspector.header.text() and f"ID <b>{cat}</b>" in inspector.header.text()
    assert "nearest to “cat”" in inspector.neighbors_title.text()
    assert neighbour_rows(inspector) == expected_neighbours(window, cat)
    assert cat in window.scatter2d.label_item.candidates
    qtbot.waitUntil(lambda: "cat" in window.scatter2d.labels)


def lee_fasttext_bin():
    import importlib.util
    from pathlib import Path

    import pytest

    gensim = pytest.importorskip("gensim", reason="gensim (the test extra) is not installed")
    path = Path(next(iter(importlib.util.find_spec("gensim").submodule_search_locations))) / "test" / \
        "test_data" / "lee_fasttext.bin"
    if not path.exists():
        pytest.skip(f"{path} is not shipped with gensim {gensim.__version__}")
    return path


def look_up_unseen_word(window, qtbot, word: str) -> None:
    """Type a word the model never saw into the Inspector; check what it says and lists."""
    inspector = window.inspector_panel
    click_tab(qtbot, dock_tab_bar(window, "Inspector"), "Inspector")
    qtbot.waitUntil(inspector.lookup.isVisible)
    assert window.workspace.vocab.id_of(word) is None
    inspector.lookup.setFocus()
    inspector.lookup.clear()
    QTest.keyClicks(inspector.lookup, word)
    QTest.keyClick(inspector.lookup, Qt.Key_Return)
    qtbot.waitUntil(lambda: inspector.oov is not None and inspector.oov.word == word, timeout=30000)
    n = len(inspector.oov.ngrams)
    assert n > 10
    assert f"not in the vocabulary: composed from {n} n-grams &lt;wh, &lt;wha" in inspector.header.text()
    assert inspector.TABS[inspector.tabs.currentIndex()] == "Neighbours"
    rows = neighbour_rows(inspector)
    assert len(rows) == window.state.explore.k
    assert [i for _, i in rows] == [i for i, _ in inspector.oov.neighbours]
    assert f"nearest to “{word}” (composed from n-grams)" in inspector.neighbors_title.text()


def test_a_word_a_fasttext_model_never_saw_is_composed_from_ngrams(window, qtbot):
    """The user opens a fastText .bin model (File ▸ Open), then types a word it never saw into
    the Inspector: it says the word is not in the vocabulary and is composed from its n-grams,
    and lists the composed vector's neighbours."""
    window.open_path(lee_fasttext_bin())
    qtbot.waitUntil(lambda: window.workspace.subwords is not None and window.controller.up_to_date,
                    timeout=60000)
    look_up_unseen_word(window, qtbot, "whateverish")


def test_a_reopened_fasttext_session_still_composes_unseen_words(window, qtbot, tmp_path):
    """Saved as a session (File ▸ Save) and opened again, a fastText model keeps its n-gram
    table: the same unseen word gets the same composed vector and neighbours."""
    window.open_path(lee_fasttext_bin())
    qtbot.waitUntil(lambda: window.workspace.subwords is not None and window.controller.up_to_date,
                    timeout=60000)
    look_up_unseen_word(window, qtbot, "whateverish")
    before, before_table = window.inspector_panel.oov, window.workspace.subwords
    path = tmp_path / "lee.eexp"
    with qtbot.waitSignal(window.session_controller.saved, timeout=30000):
        window.session_controller.save_to(path)  # what File ▸ Save does once a name is chosen
    with qtbot.waitSignal(window.session_controller.opened, timeout=60000):
        window.open_path(path)  # File ▸ Open of the saved session
    qtbot.waitUntil(lambda: window.controller.up_to_date and window.inspector_panel.oov is None, timeout=60000)
    assert window.workspace.subwords is not before_table
    np.testing.assert_array_equal(window.workspace.subwords.ngram_vectors, before_table.ngram_vectors)
    look_up_unseen_word(window, qtbot, "whateverish")
    after = window.inspector_panel.oov
    assert after.ngrams == before.ngrams
    assert after.neighbours == before.neighbours
