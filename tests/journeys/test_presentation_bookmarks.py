"""Journey: a presenter prepares three views (a projection, a colouring, a few tokens picked
out), bookmarks each with View ▸ Bookmarks ▸ Add bookmark…, presses F11 and steps through
them with → and ← like slides: the talk starts from what is on screen, → shows the first
bookmark (before: the last one added stayed current and → did nothing). Each slide shows what
was bookmarked: the projection in the title, the colour box and its legend, the picked tokens
labelled, the bookmark's caption in a strip of its own above the plot (before, it covered the
top of the y axis). Esc leaves presentation mode."""

import numpy as np
from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLineEdit, QToolButton

from tests.journeys.conftest import menu_action

VIEWS = [  # name, projection method, colour mode, tokens picked out
    ("Animals by category", "pca", "category", ("dog", "cat")),
    ("Fruit in clusters", "svd", "cluster", ("apple", "banana", "cherry")),
    ("Cities by frequency", "tsne", "frequency", ("paris", "london")),
]
SHOWN = {"pca": "PCA 2D", "svd": "Truncated SVD 2D", "tsne": "t-SNE 2D"}
COLOUR_BOX = {"category": "Category", "cluster": "k-means cluster", "frequency": "Frequency"}
LEGEND = {"category": lambda names: "animal" in names and "fruit" in names,
          "cluster": lambda names: names[0].startswith("cluster 1 ("),
          "frequency": lambda names: all(name.startswith("count ") for name in names)}


def choose(combo, data) -> None:
    """Pick the item with this data from a combo box, as a click on it in the list does."""
    index = combo.findData(data)
    assert index >= 0, data
    combo.setCurrentIndex(index)


def click_fit(qtbot, window) -> None:
    """The view's Fit button: every point in view (another projection lies elsewhere)."""
    fit = next(b for b in window.scatter2d.toolbar.findChildren(QToolButton) if b.text() == "Fit")
    qtbot.mouseClick(fit, Qt.LeftButton)

    def range_kept() -> bool:  # the view writes where it is to state.view (a few times a second)
        kept = window.state.view.range2d
        return kept is not None and np.allclose(kept, window.scatter2d.viewRange())

    qtbot.waitUntil(range_kept, timeout=5000)


def add_bookmark(window, name: str) -> None:
    """View ▸ Bookmarks ▸ Add bookmark…, then type the name into the box it asks with."""
    def answer() -> None:
        dialog = QApplication.activeModalWidget()
        edit = dialog.findChild(QLineEdit)
        edit.selectAll()
        QTest.keyClicks(edit, name)
        QTest.keyClick(edit, Qt.Key_Return)

    QTimer.singleShot(0, answer)
    menu_action(window, "View", "Bookmarks", "Add bookmark").trigger()


def wait_shown(qtbot, window, method: str, colour: str) -> None:
    """Until the view shows this projection and colouring (projections and k-means run in workers)."""
    def shown() -> bool:
        names = [name for name, _colour in window.scatter2d.legend_entries]
        return (window.controller.up_to_date and SHOWN[method] in window.scatter2d.plotItem.titleLabel.text
                and bool(names) and LEGEND[colour](names))

    qtbot.waitUntil(shown, timeout=60_000)


def assert_slide(qtbot, window, number: int) -> None:
    name, method, colour, tokens = VIEWS[number - 1]
    wait_shown(qtbot, window, method, colour)
    caption = window.presentation.caption
    assert caption.isVisible() and caption.text() == f"{number} / {len(VIEWS)}   {name}"
    axis = window.scatter2d.plotItem.getAxis("left")
    axis_top = window.scatter2d.mapTo(window, window.scatter2d.mapFromScene(axis.sceneBoundingRect().topLeft()))
    caption_bottom = caption.mapTo(window, caption.rect().bottomLeft())
    assert caption_bottom.y() < axis_top.y()  # the caption sits above the plot, not over its axis
    assert window.scatter2d.toolbar.color.currentText() == COLOUR_BOX[colour]
    qtbot.waitUntil(lambda: set(tokens) <= set(window.scatter2d.labels), timeout=10_000)  # after the re-layout


def test_bookmarked_views_come_back_as_slides(window, qtbot):
    vocab = window.workspace.vocab
    method_box = window.projection_panel.method
    colour_box = window.scatter2d.toolbar.color
    for name, method, colour, tokens in VIEWS:
        choose(method_box, method)
        choose(colour_box, colour)
        window.state.explore.selection = tuple(vocab.index[t] for t in tokens)  # as a lasso picks them
        wait_shown(qtbot, window, method, colour)
        click_fit(qtbot, window)
        add_bookmark(window, name)
    bookmarks = window.state.presentation.bookmarks
    assert [b["name"] for b in bookmarks] == [name for name, *_ in VIEWS]

    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5000)
    qtbot.keyClick(window, Qt.Key_F11)
    assert window.state.presentation.active and not window.menuBar().isVisible()
    assert not window.presentation.caption.isVisible()  # the start: what was on screen, no slide yet
    qtbot.keyClick(window, Qt.Key_Right)
    assert_slide(qtbot, window, 1)  # → from the start: the first bookmark
    qtbot.keyClick(window, Qt.Key_Right)
    assert_slide(qtbot, window, 2)
    qtbot.keyClick(window, Qt.Key_Right)
    assert_slide(qtbot, window, 3)
    qtbot.keyClick(window, Qt.Key_Right)  # the last slide stays
    assert_slide(qtbot, window, 3)
    qtbot.keyClick(window, Qt.Key_Left)
    assert_slide(qtbot, window, 2)
    qtbot.keyClick(window, Qt.Key_Left)
    assert_slide(qtbot, window, 1)

    qtbot.keyClick(window, Qt.Key_Escape)
    assert not window.state.presentation.active
    assert window.menuBar().isVisible() and not window.presentation.caption.isVisible()
