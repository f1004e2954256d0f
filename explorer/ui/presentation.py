"""Presentation mode, themes and bookmarks.

- Presentation mode (F11, View ▸ Presentation mode; Esc leaves): full screen, the docks, tool
  bars, menu bar and status bar hidden, fonts, points and labels enlarged, and the
  high-contrast variant of the current theme.
- Themes: light, dark, high-contrast light and dark (explorer.ui.theme.THEMES).
- Bookmarks: named view states (projection, camera, selection, colours, snapshot, theme), kept
  in the session. Step through them like slides: → / ← (or Page Down / Page Up, as presentation
  clickers send) while presenting, Alt+→ / Alt+← at any time.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction, QActionGroup, QColor, QFont, QKeySequence, QPalette
from PySide6.QtWidgets import QApplication, QInputDialog, QLabel, QToolBar, QWidget

from explorer.ui.theme import HIGH_CONTRAST_DARK, HIGH_CONTRAST_LIGHT, LIGHT, THEMES, Theme

SCALE = 1.8  # points, labels and fonts in presentation mode
FONT_SCALE = 1.5  # the rest of the window's text


def dark_palette(theme: Theme) -> QPalette:
    palette = QPalette()
    base, text = QColor(theme.background), QColor(theme.foreground)
    window = base.lighter(130) if base.lightness() < 30 else base.lighter(115)
    for role, color in ((QPalette.Window, window), (QPalette.WindowText, text), (QPalette.Base, base),
                        (QPalette.AlternateBase, window), (QPalette.Text, text), (QPalette.Button, window),
                        (QPalette.ButtonText, text), (QPalette.ToolTipBase, window), (QPalette.ToolTipText, text),
                        (QPalette.Highlight, QColor(66, 133, 244)), (QPalette.HighlightedText, QColor("#ffffff")),
                        (QPalette.PlaceholderText, text.darker(150))):
        palette.setColor(role, color)
    return palette


class Presentation(QObject):
    toggled = Signal(bool)
    bookmarks_changed = Signal()
    bookmark_shown = Signal(int)

    def __init__(self, window) -> None:
        super().__init__(window)
        self.window = window
        self.active = False
        self.base_theme: Theme = window.theme
        self.bookmarks: list[dict] = []
        self.index = -1
        self._saved: dict = {}
        self.caption = QLabel(window)
        self.caption.setObjectName("bookmarkCaption")
        self.caption.setVisible(False)
        self.caption.setAttribute(Qt.WA_TransparentForMouseEvents)

        self.action = QAction("&Presentation mode", window, checkable=True, shortcut=QKeySequence("F11"),
                              triggered=self.set_active)
        self.action.setShortcutContext(Qt.ApplicationShortcut)
        self.leave_action = QAction("Leave presentation mode", window, shortcut=QKeySequence(Qt.Key_Escape),
                                    triggered=lambda: self.set_active(False), enabled=False)
        self.next_action = QAction("&Next bookmark", window, triggered=self.next)
        self.previous_action = QAction("&Previous bookmark", window, triggered=self.previous)
        self.add_action = QAction("&Add bookmark…", window, shortcut=QKeySequence("Ctrl+D"),
                                  triggered=self.add_bookmark_dialog)
        self.update_action = QAction("&Update bookmark", window, triggered=self.update_current)
        self.rename_action = QAction("&Rename bookmark…", window, triggered=self.rename_dialog)
        self.delete_action = QAction("&Delete bookmark", window, triggered=self.delete_current)
        self._set_step_keys(False)
        for action in (self.action, self.leave_action, self.next_action, self.previous_action, self.add_action):
            window.addAction(action)  # shortcuts keep working while the menu bar is hidden

        self.theme_group = QActionGroup(window)
        self.theme_actions: dict[str, QAction] = {}
        for name, theme in THEMES.items():
            action = QAction(theme.label, window, checkable=True, checked=name == window.theme.name,
                             triggered=lambda _=False, n=name: self.set_theme(n))
            self.theme_group.addAction(action)
            self.theme_actions[name] = action
        self.bookmark_menu = None
        self._update_actions()

    # -- menus ------------------------------------------------------------------------------
    def populate_view_menu(self, menu) -> None:
        menu.addSeparator()
        menu.addAction(self.action)
        theme_menu = menu.addMenu("&Theme")
        for action in self.theme_actions.values():
            theme_menu.addAction(action)
        self.bookmark_menu = menu.addMenu("&Bookmarks")
        self._fill_bookmark_menu()

    def _fill_bookmark_menu(self) -> None:
        if self.bookmark_menu is None:
            return
        menu = self.bookmark_menu
        menu.clear()
        for action in (self.add_action, self.update_action, self.rename_action, self.delete_action):
            menu.addAction(action)
        menu.addSeparator()
        menu.addAction(self.next_action)
        menu.addAction(self.previous_action)
        if self.bookmarks:
            menu.addSeparator()
        for i, bookmark in enumerate(self.bookmarks):
            action = QAction(f"&{i + 1}  {bookmark.get('name', '')}" if i < 9 else bookmark.get("name", ""),
                             self.window, checkable=True, checked=i == self.index,
                             triggered=lambda _=False, j=i: self.go_to(j))
            menu.addAction(action)

    def _set_step_keys(self, presenting: bool) -> None:
        # Plain arrows only while presenting: elsewhere they belong to lists and text fields.
        forward = [QKeySequence("Alt+Right")]
        back = [QKeySequence("Alt+Left")]
        if presenting:
            forward = [QKeySequence(Qt.Key_Right), QKeySequence(Qt.Key_PageDown), QKeySequence(Qt.Key_Space)] + forward
            back = [QKeySequence(Qt.Key_Left), QKeySequence(Qt.Key_PageUp), QKeySequence(Qt.Key_Backspace)] + back
        self.next_action.setShortcuts(forward)
        self.previous_action.setShortcuts(back)

    def _update_actions(self) -> None:
        has = bool(self.bookmarks)
        self.next_action.setEnabled(has and self.index < len(self.bookmarks) - 1)
        self.previous_action.setEnabled(has and self.index > 0)
        for action in (self.update_action, self.rename_action, self.delete_action):
            action.setEnabled(0 <= self.index < len(self.bookmarks))

    # -- themes -----------------------------------------------------------------------------
    def set_theme(self, name: str) -> None:
        """Choose the base theme; while presenting, its high-contrast, enlarged variant is shown."""
        theme = THEMES.get(name)
        if theme is None:
            return
        self.base_theme = theme
        if name in self.theme_actions:
            self.theme_actions[name].setChecked(True)
        self._apply(self.presentation_theme() if self.active else theme)

    def presentation_theme(self) -> Theme:
        base = HIGH_CONTRAST_DARK if self.base_theme.dark else HIGH_CONTRAST_LIGHT
        return base.scaled(SCALE * LIGHT.point_size / base.point_size)

    def _apply(self, theme: Theme) -> None:
        window = self.window
        window.theme = theme
        for view in (window.scatter2d, window.scatter3d):
            if view is not None and hasattr(view, "set_theme"):
                view.set_theme(theme)
        app = QApplication.instance()
        if theme.dark:
            app.setPalette(dark_palette(theme))
        else:
            app.setPalette(app.style().standardPalette())
        self._style_caption(theme)

    def _style_caption(self, theme: Theme) -> None:
        bg = QColor(theme.background)
        self.caption.setStyleSheet(
            f"QLabel#bookmarkCaption {{ color: {theme.foreground}; "
            f"background: rgba({bg.red()}, {bg.green()}, {bg.blue()}, 220); "
            f"border: 2px solid {theme.foreground}; border-radius: 6px; padding: 6px 14px; "
            f"font-size: {max(theme.font_size, 12) + 4}pt; font-weight: bold; }}")

    # -- presentation mode ----------------------------------------------------------------------
    def toggle(self) -> None:
        self.set_active(not self.active)

    def set_active(self, active: bool, full_screen: bool = True) -> None:
        active = bool(active)
        if active == self.active:
            self.action.setChecked(active)
            return
        window = self.window
        app = QApplication.instance()
        if active:
            self._saved = {
                "state": window.saveState(), "window_state": window.windowState(), "font": QFont(app.font()),
                "menubar": window.menuBar().isVisible(), "statusbar": window.statusBar().isVisible(),
                "hidden": [w for w in self._non_essential() if w.isVisible()],
            }
            for widget in self._saved["hidden"]:
                widget.hide()
            window.menuBar().hide()
            window.statusBar().hide()
            font = QFont(app.font())
            font.setPointSizeF(max(font.pointSizeF(), 9.0) * FONT_SCALE)
            app.setFont(font)
            self.active = True
            self._apply(self.presentation_theme())
            if full_screen:
                window.showFullScreen()
        else:
            saved = self._saved
            self.active = False
            app.setFont(saved.get("font", app.font()))
            for widget in saved.get("hidden", []):
                widget.show()
            if "state" in saved:
                window.restoreState(saved["state"])
            window.menuBar().setVisible(saved.get("menubar", True))
            window.statusBar().setVisible(saved.get("statusbar", True))
            self._apply(self.base_theme)
            window.setWindowState(saved.get("window_state", Qt.WindowNoState))
            if not window.isFullScreen() and not window.isMaximized():
                window.showNormal()
        self.action.setChecked(self.active)
        self.leave_action.setEnabled(self.active)
        self._set_step_keys(self.active)
        self._show_caption()
        self.toggled.emit(self.active)

    def _non_essential(self) -> list:
        """Docks and tool bars: the projection view alone stays on screen."""
        window = self.window
        widgets = list(getattr(window, "docks", {}).values()) + window.findChildren(QToolBar)
        view_toolbar = getattr(window.scatter2d, "toolbar", None)  # search, tools: not for an audience
        if isinstance(view_toolbar, QWidget):
            widgets.append(view_toolbar)
        return widgets

    # -- bookmarks ------------------------------------------------------------------------------
    def set_bookmarks(self, bookmarks: list[dict], index: int = -1) -> None:
        self.bookmarks = [dict(b) for b in bookmarks if isinstance(b, dict)]
        self.index = index if 0 <= index < len(self.bookmarks) else -1
        self._changed(dirty=False)

    def add_bookmark(self, name: str | None = None) -> dict:
        """Bookmark the current view state under `name` (after the one shown last)."""
        from explorer.ui.session_controller import capture_view

        state = capture_view(self.window, include_bookmarks=False)
        state["theme"] = self.base_theme.name  # not the enlarged presentation variant
        state["name"] = name or f"View {len(self.bookmarks) + 1}"
        at = self.index + 1 if self.index >= 0 else len(self.bookmarks)
        self.bookmarks.insert(at, state)
        self.index = at
        self._changed()
        return state

    def add_bookmark_dialog(self) -> None:
        name, ok = QInputDialog.getText(self.window, "Add bookmark", "Name of this view:",
                                        text=f"View {len(self.bookmarks) + 1}")
        if ok:
            self.add_bookmark(name.strip() or None)

    def update_current(self) -> None:
        if 0 <= self.index < len(self.bookmarks):
            name = self.bookmarks[self.index].get("name")
            del self.bookmarks[self.index]
            self.index -= 1
            self.add_bookmark(name)

    def rename_dialog(self) -> None:
        if 0 <= self.index < len(self.bookmarks):
            name, ok = QInputDialog.getText(self.window, "Rename bookmark", "Name:",
                                            text=self.bookmarks[self.index].get("name", ""))
            if ok and name.strip():
                self.rename(self.index, name.strip())

    def rename(self, index: int, name: str) -> None:
        self.bookmarks[index]["name"] = name
        self._changed()

    def delete_current(self) -> None:
        if 0 <= self.index < len(self.bookmarks):
            del self.bookmarks[self.index]
            self.index = min(self.index, len(self.bookmarks) - 1)
            self._changed()

    def go_to(self, index: int) -> None:
        if not 0 <= index < len(self.bookmarks):
            return
        from explorer.ui.session_controller import apply_view

        self.index = index
        state = dict(self.bookmarks[index])
        apply_view(self.window, state)
        self._update_actions()
        self._fill_bookmark_menu()
        self._show_caption()
        self.window.statusBar().showMessage(self.caption_text(), 5000)
        self.bookmark_shown.emit(index)

    def next(self) -> None:
        if self.bookmarks:
            self.go_to(min(self.index + 1, len(self.bookmarks) - 1))

    def previous(self) -> None:
        if self.bookmarks:
            self.go_to(max(self.index - 1, 0))

    def caption_text(self) -> str:
        if not 0 <= self.index < len(self.bookmarks):
            return ""
        return f"{self.index + 1} / {len(self.bookmarks)}   {self.bookmarks[self.index].get('name', '')}"

    def _show_caption(self) -> None:
        text = self.caption_text()
        self.caption.setText(text)
        self.caption.setVisible(self.active and bool(text))
        if self.caption.isVisible():
            self.caption.adjustSize()
            self.caption.move(24, 24)
            self.caption.raise_()

    def _changed(self, dirty: bool = True) -> None:
        self._update_actions()
        self._fill_bookmark_menu()
        self._show_caption()
        self.bookmarks_changed.emit()
        sessions = getattr(self.window, "session_controller", None)
        if dirty and sessions is not None:
            sessions.mark_dirty()
