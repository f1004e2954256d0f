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
    with qtbot.waitSignal(window.controller.idle, timeout=90000):  # torch's first import, on a busy machine
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


CONTROLS = ("QComboBox", "QLabel", "QAbstractButton", "QLineEdit", "QAbstractSpinBox", "QTabBar")


def cut_off_controls(window) -> list[str]:
    """Controls on screen now that do not get the room they need: squeezed below their minimum
    size (text cut), a combo box narrower than its current text ("Cate" for Category), a tab bar
    that scrolls, or a dock whose panel is wider than the dock (a horizontal scroll bar)."""
    from PySide6 import QtWidgets
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QComboBox, QScrollArea, QTabBar

    kinds = tuple(getattr(QtWidgets, name) for name in CONTROLS)
    found = []
    for name, dock in window.docks.items():
        scroll = dock.widget()
        if dock.isVisible() and not shown_rect(dock).isEmpty() and isinstance(scroll, QScrollArea) \
                and scroll.horizontalScrollBar().maximum() > 0:
            found.append(f"{name} dock: its panel needs {scroll.widget().minimumSizeHint().width()} px, "
                         f"the dock gives {scroll.viewport().width()}")
    for widget in window.findChildren(QtWidgets.QWidget):
        if not isinstance(widget, kinds) or not widget.isVisible() or widget.window() is not window \
                or shown_rect(widget).isEmpty():
            continue
        if isinstance(widget.parentWidget(), QTabBar):
            continue  # a tab bar's scroll arrows: the tab bar itself is checked
        metrics = widget.fontMetrics()
        if isinstance(widget, QComboBox):
            needed = metrics.horizontalAdvance(widget.currentText()) + 28
        elif isinstance(widget, QTabBar):
            across = widget.shape() in (QTabBar.RoundedNorth, QTabBar.RoundedSouth,
                                        QTabBar.TriangularNorth, QTabBar.TriangularSouth)
            length = (lambda size: size.width()) if across else (lambda size: size.height())
            needed = sum(length(widget.tabSizeHint(i)) for i in range(widget.count()))
            if length(widget.size()) < needed - 1:
                found.append(f"QTabBar {' | '.join(widget.tabText(i) for i in range(widget.count()))!r}: "
                             f"{length(widget.size())} px of the {needed} it needs")
            continue
        elif isinstance(widget, QtWidgets.QLabel) and widget.wordWrap():
            continue  # wraps to any width
        elif isinstance(widget, QtWidgets.QPushButton):  # the style's 80 px minimum is no cut
            needed = metrics.horizontalAdvance(widget.text().replace("&", "")) + 12 \
                + (widget.iconSize().width() + 4 if not widget.icon().isNull() else 0)
        elif isinstance(widget, QtWidgets.QAbstractSpinBox):  # the value shown, not the largest one
            needed = metrics.horizontalAdvance(widget.text()) + 28
        else:
            needed = widget.minimumSizeHint().width()
        if widget.width() < needed - 1:
            text = widget.currentText() if isinstance(widget, QComboBox) else \
                " | ".join(widget.tabText(i) for i in range(widget.count())) if isinstance(widget, QTabBar) else \
                getattr(widget, "text", lambda: "")()
            found.append(f"{type(widget).__name__} {text!r}: {widget.width()} px of the {needed} it needs")
    return found


def shown_rect(widget):
    """The part of `widget` on screen, in window coordinates: its rectangle clipped by every
    parent's (a scroll area's viewport, a dock, the window). Empty when it is scrolled out of
    view or in a tab behind another."""
    from PySide6.QtCore import QPoint, QRect

    top = widget.window()
    rect = QRect(widget.mapTo(top, QPoint(0, 0)), widget.size())
    parent = widget.parentWidget()
    while parent is not None and parent is not top:
        if not parent.isVisible():
            return QRect()
        rect = rect.intersected(QRect(parent.mapTo(top, QPoint(0, 0)), parent.size()))
        parent = parent.parentWidget()
    return rect.intersected(top.rect())


def raise_each_dock(window):
    """Bring each dock forward in turn (tabbed docks share a column), yielding its name."""
    for name, dock in window.docks.items():
        dock.raise_()
        yield name


def shows_region(scatter2d, wanted, tol: float = 1e-6) -> bool:
    """The 2D view shows the region `wanted` ((x0, x1), (y0, y1)): with the aspect locked (a unit
    on x is a unit on y) the range shown holds it and fits it tightly on one axis, centred."""
    (x0, x1), (y0, y1) = scatter2d.viewRange()
    (a0, a1), (b0, b1) = (tuple(map(float, axis)) for axis in np.reshape(np.asarray(wanted, float), (2, 2)))
    scale = tol * max(x1 - x0, y1 - y0, 1e-12)
    inside = x0 <= a0 + scale and x1 >= a1 - scale and y0 <= b0 + scale and y1 >= b1 - scale
    tight_x = abs(x0 - a0) < scale and abs(x1 - a1) < scale
    tight_y = abs(y0 - b0) < scale and abs(y1 - b1) < scale
    centred = abs((x0 + x1) - (a0 + a1)) < 2 * scale * 1e3 and abs((y0 + y1) - (b0 + b1)) < 2 * scale * 1e3
    return inside and (tight_x or tight_y) and centred


def cut_off_in_scroll_areas(window) -> list[str]:
    """Nested scroll areas (an Inspector tab's page) whose content is wider than their view."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QScrollArea

    found = []
    for area in window.findChildren(QScrollArea):  # nested ones too: an Inspector tab's page
        inner = area.widget()
        if area.isVisible() and inner is not None and not shown_rect(area).isEmpty() \
                and area.horizontalScrollBar().maximum() > 0:
            cut = "cut off" if area.horizontalScrollBarPolicy() == Qt.ScrollBarAlwaysOff else "scrolled sideways"
            owner = area.parentWidget()
            while owner is not None and not type(owner).__module__.startswith("explorer"):
                owner = owner.parentWidget()
            tab = getattr(owner, "tabs", None)
            where = f" ({tab.tabText(tab.currentIndex())} tab)" if tab is not None else ""
            found.append(f"{type(inner).__name__} in a scroll area of {type(owner).__name__}{where}: {inner.width()} px wide in a "
                         f"{area.viewport().width()} px view, {cut}")
    return found
