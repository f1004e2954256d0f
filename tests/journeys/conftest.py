"""Journeys: the real window at a presenter's 1280×800, started as a user starts it (the demo,
initialized and projected), driven by clicks, keys and menus. Helpers find what a person
would reach for (a menu action by its text) and read what the screen shows."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtGui import QAction

from explorer.ui.main_window import MainWindow
from explorer.ui.startup import demo_workspace

SIZE = (1280, 800)


def new_window(qtbot, settings_path) -> MainWindow:
    """A window as the app starts one, with its own settings file: the demo, initialized and projected."""
    from PySide6.QtCore import QSettings

    window = MainWindow(demo_workspace(), QSettings(str(settings_path), QSettings.IniFormat))
    qtbot.addWidget(window)
    window.resize(*SIZE)
    window.show()
    with qtbot.waitSignal(window.controller.idle, timeout=30000):
        window.controller.reinitialize()
    return window


@pytest.fixture
def window(qtbot, tmp_path):
    window = new_window(qtbot, tmp_path / "settings.ini")  # no saved layout
    yield window
    window.session_controller.prompt_on_close = False  # no "save changes?" box on teardown
    window.close()


def menu_action(window, *path: str) -> QAction:
    """The action reached by menu texts, e.g. menu_action(window, "Tours", "Concepts 5")
    (ampersands ignored; the last text may be a prefix of the item's text)."""
    def plain(text: str) -> str:
        return text.replace("&", "").strip()

    actions = window.menuBar().actions()
    for depth, name in enumerate(path):
        last = depth == len(path) - 1
        found = None
        for action in actions:
            text = plain(action.text())
            if text == name or (last and text.startswith(name)):
                found = action
                break
        if found is None:
            raise AssertionError(f"no menu item {name!r} among {[plain(a.text()) for a in actions]}")
        if last:
            return found
        actions = found.menu().actions()
    raise AssertionError("empty menu path")


def points_in_view(scatter2d) -> int:
    """How many drawn points lie inside the 2D view's visible range."""
    xy = scatter2d.xy
    (x0, x1), (y0, y1) = scatter2d.viewRange()
    ok = np.isfinite(xy).all(axis=1)
    inside = ok & (xy[:, 0] >= x0) & (xy[:, 0] <= x1) & (xy[:, 1] >= y0) & (xy[:, 1] <= y1)
    return int(inside.sum())
