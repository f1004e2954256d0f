"""Presentation mode (F11), themes, and bookmarks stepped with the arrow keys."""

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from explorer.core.io.session import load_session
from explorer.ui.main_window import MainWindow
from explorer.ui.startup import demo_workspace
from explorer.ui.theme import THEMES


@pytest.fixture
def window(qtbot, tmp_path):
    from PySide6.QtCore import QSettings

    # Its own settings file: no layout or first-start hint left by another window.
    window = MainWindow(demo_workspace(), QSettings(str(tmp_path / "settings.ini"), QSettings.IniFormat))
    window.session_controller.recovery_path = tmp_path / "recovery.eexp"
    qtbot.addWidget(window)
    window.show()
    with qtbot.waitSignal(window.controller.idle, timeout=120_000):  # the first start imports torch
        window.controller.reinitialize()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5000)
    yield window  # pytest-qt closes and deletes it; each test ends with no job in flight


def test_f11_toggles_full_screen_big_fonts_and_hidden_panels(window, qtbot):
    app = QApplication.instance()
    font_before = app.font().pointSizeF()
    point_before = window.theme.point_size
    assert all(d.isVisible() for d in window.docks.values())
    qtbot.keyClick(window, Qt.Key_F11)
    p = window.presentation
    assert p.active and window.isFullScreen() and p.action.isChecked()
    assert not any(d.isVisible() for d in window.docks.values())
    assert not window.menuBar().isVisible() and not window.statusBar().isVisible()
    assert app.font().pointSizeF() >= 1.4 * font_before
    assert window.theme.point_size > point_before and window.theme.label_size >= 1.5 * 9
    assert window.theme.foreground == "#000000"  # high contrast
    qtbot.keyClick(window, Qt.Key_F11)
    assert not p.active and not window.isFullScreen()
    assert all(d.isVisible() for d in window.docks.values()) and window.menuBar().isVisible()
    assert app.font().pointSizeF() == font_before and window.theme.point_size == point_before


def test_escape_leaves_presentation_mode(window, qtbot):
    window.state.presentation.active = True
    qtbot.keyClick(window, Qt.Key_Escape)
    assert not window.presentation.active


def test_dark_theme_and_its_high_contrast_presentation_variant(window):
    p = window.presentation
    assert set(THEMES) == {"light", "dark", "high-contrast-light", "high-contrast-dark"}
    p.theme_actions["dark"].trigger()
    assert window.theme.name == "dark" and window.state.view.theme == "dark"
    assert QApplication.instance().palette().window().color().lightness() < 100
    window.state.presentation.active = True
    assert window.theme.background == "#000000" and window.theme.foreground == "#ffffff"
    window.state.presentation.active = False
    assert window.theme.name == "dark"
    window.state.view.theme = "light"
    assert p.theme_actions["light"].isChecked()
    assert QApplication.instance().palette().window().color().lightness() > 150


def test_bookmarks_step_with_arrow_keys_like_slides(window, qtbot):
    p = window.presentation
    state = window.state
    explore, shown = state.explore, state.presentation
    explore.selection = (1, 2)
    p.add_bookmark("Two tokens")
    explore.selection = (7,)
    p.add_bookmark("One token")
    explore.selection = (9, 10, 11)
    p.add_bookmark("Three")
    assert [b["name"] for b in shown.bookmarks] == ["Two tokens", "One token", "Three"] and shown.bookmark_index == 2
    assert window.session_controller.dirty  # bookmarks are part of the session
    explore.selection = (20,)
    shown.active = True  # the talk starts from what is on screen, before the first slide
    assert shown.bookmark_index == -1 and not p.caption.isVisible() and explore.selection == (20,)
    qtbot.keyClick(window, Qt.Key_Right)  # → from the start: the first bookmark (before: nothing happened)
    assert shown.bookmark_index == 0 and explore.selection == (1, 2)
    assert p.caption.isVisible() and "1 / 3" in p.caption.text() and "Two tokens" in p.caption.text()
    qtbot.keyClick(window, Qt.Key_Right)
    assert shown.bookmark_index == 1 and explore.selection == (7,)
    qtbot.keyClick(window, Qt.Key_PageDown)
    assert shown.bookmark_index == 2 and explore.selection == (9, 10, 11)
    qtbot.keyClick(window, Qt.Key_Right)  # stays on the last slide
    assert shown.bookmark_index == 2
    qtbot.keyClick(window, Qt.Key_Left)
    assert shown.bookmark_index == 1 and "2 / 3" in p.caption.text() and "One token" in p.caption.text()
    qtbot.keyClick(window, Qt.Key_Left)
    qtbot.keyClick(window, Qt.Key_Left)  # stays on the first slide
    assert shown.bookmark_index == 0 and explore.selection == (1, 2)
    shown.active = False
    assert not p.caption.isVisible()


def test_the_bookmark_caption_covers_neither_the_title_nor_the_y_axis(window, qtbot):
    p = window.presentation
    p.full_screen = False
    p.add_bookmark("A view")
    window.state.presentation.active = True
    qtbot.keyClick(window, Qt.Key_Right)
    assert p.caption.isVisible()
    qtbot.waitUntil(lambda: p.caption.height() > 0 and p.caption.width() > 0, timeout=5000)
    caption = p.caption.geometry().translated(p.caption.parentWidget().mapTo(window, p.caption.pos()) -
                                              p.caption.pos())
    scatter = window.scatter2d
    plot = scatter.plotItem
    for item in (plot.getAxis("left"), plot.titleLabel, plot.vb):
        rect = scatter.mapFromScene(item.sceneBoundingRect()).boundingRect()
        on_window = rect.translated(scatter.mapTo(window, rect.topLeft()) - rect.topLeft())
        assert not caption.intersects(on_window), (item, caption, on_window)


def test_arrow_keys_do_not_step_outside_presentation_mode_but_alt_arrows_do(window, qtbot):
    p = window.presentation
    p.add_bookmark("a")
    p.add_bookmark("b")
    qtbot.keyClick(window, Qt.Key_Left)
    assert window.state.presentation.bookmark_index == 1
    qtbot.keyClick(window, Qt.Key_Left, Qt.AltModifier)
    assert window.state.presentation.bookmark_index == 0


def test_bookmarks_are_saved_in_the_session_and_restored(window, qtbot, tmp_path):
    p = window.presentation
    shown = window.state.presentation
    window.state.explore.selection = (4,)
    p.add_bookmark("First")
    p.rename(0, "Renamed")
    path = tmp_path / "b.eexp"
    with qtbot.waitSignal(window.session_controller.saved, timeout=30000):
        window.session_controller.save_to(path)
    assert [b["name"] for b in load_session(path).bookmarks] == ["Renamed"]
    p.delete_current()
    assert shown.bookmarks == ()
    with qtbot.waitSignal(window.session_controller.opened, timeout=30000):
        window.open_path(path)  # the deletion is an unsaved change: the window asks first
        window.session_controller.unsaved_box.button(QMessageBox.Discard).click()
    assert [b["name"] for b in shown.bookmarks] == ["Renamed"] and shown.bookmarks[0]["explore"]["selection"] == [4]
    assert "Renamed" in [a.text() for a in p.bookmark_menu.actions()][-1]
    qtbot.waitUntil(lambda: window.controller.jobs.active == 0, timeout=30000)  # nothing in flight at the end
