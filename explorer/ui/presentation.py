"""Presentation mode, themes and bookmarks: the window following `state.presentation` and
`state.view.theme`.

- Presentation mode (`state.presentation.active`; F11, View ▸ Presentation mode; Esc leaves):
  full screen, the docks, tool bars, menu bar and status bar hidden, fonts, points and labels
  enlarged, and the high-contrast variant of the current theme.
- Themes (`state.view.theme`): light, dark, high-contrast light and dark (explorer.ui.theme.THEMES).
- Bookmarks (`state.presentation.bookmarks`, `bookmark_index`): each is a name plus the
  state's BOOKMARK_PARTS (projection, view, explore) as they were; showing one restores
  them, and the views follow. They are part of the session. Step through them like slides:
  → / ← (or Page Down / Page Up, as presentation clickers send) while presenting and no tour
  runs (`state.presentation.tour`: a tour takes those keys), Alt+→ / Alt+← at any time.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QActionGroup, QColor, QFont, QKeySequence
from PySide6.QtWidgets import QApplication, QInputDialog, QLabel, QToolBar

from explorer.core.state.app import BOOKMARK_PARTS
from explorer.ui.theme import (
    HIGH_CONTRAST_DARK, HIGH_CONTRAST_LIGHT, LIGHT, THEMES, Theme, ThemeKeeper, palette, style_sheet,
)

SCALE = 1.8  # points, labels and fonts in presentation mode
FONT_SCALE = 1.5  # the rest of the window's text
DOCK_SHARE = 0.42  # presenting a tour step that names a dock: its share of the window's width


class Presentation(QObject):
    theme_changed = Signal(object)  # the Theme now shown (chosen, or its presentation variant)
    presenting_changed = Signal(bool)  # after presentation mode's layout is set up (or taken down)

    def __init__(self, window) -> None:
        super().__init__(window)
        self.window = window
        self.state = window.state
        self.plots = ThemeKeeper(window)  # every pyqtgraph plot of the window follows the theme
        self.full_screen = True  # presenting fills the screen (a --screenshot keeps its --size)
        self._saved: dict = {}
        # The bookmark's caption: a strip of its own above the view (the tour player puts it in the
        # central widget's layout), so it covers neither the title nor the top of the y axis.
        self.caption = QLabel(window, alignment=Qt.AlignCenter)
        self.caption.setObjectName("bookmarkCaption")
        self.caption.setVisible(False)
        self.caption.setAttribute(Qt.WA_TransparentForMouseEvents)

        presentation = self.state.presentation
        self.action = QAction("&Presentation mode", window, checkable=True, shortcut=QKeySequence("F11"),
                              triggered=lambda on: presentation.update(active=on))
        self.action.setShortcutContext(Qt.ApplicationShortcut)
        self.leave_action = QAction("Leave presentation mode", window, shortcut=QKeySequence(Qt.Key_Escape),
                                    triggered=lambda: presentation.update(active=False), enabled=False)
        self.next_action = QAction("&Next bookmark", window, triggered=self.next)
        self.previous_action = QAction("&Previous bookmark", window, triggered=self.previous)
        self.add_action = QAction("&Add bookmark…", window, shortcut=QKeySequence("Ctrl+D"),
                                  triggered=self.add_bookmark_dialog)
        self.update_action = QAction("&Update bookmark", window, triggered=self.update_current)
        self.rename_action = QAction("&Rename bookmark…", window, triggered=self.rename_dialog)
        self.delete_action = QAction("&Delete bookmark", window, triggered=self.delete_current)
        for action in (self.action, self.leave_action, self.next_action, self.previous_action, self.add_action):
            window.addAction(action)  # shortcuts keep working while the menu bar is hidden

        self.theme_group = QActionGroup(window)
        self.theme_actions: dict[str, QAction] = {}
        for name, theme in THEMES.items():
            action = QAction(theme.label, window, checkable=True,
                             triggered=lambda _=False, n=name: self.state.view.update(theme=n))
            self.theme_group.addAction(action)
            self.theme_actions[name] = action
        self.bookmark_menu = None

        presentation.events.active.connect(self._active_changed)
        presentation.events.tour.connect(lambda _tour: (self._set_step_keys(), self._show_caption()))
        presentation.events.bookmarks.connect(lambda _b: self._bookmarks_changed())
        presentation.events.bookmark_index.connect(lambda _i: self._bookmarks_changed())
        self.state.view.events.theme.connect(lambda _name: self._apply_theme())
        self._set_step_keys()
        self._update_actions()
        self._apply_theme()

    @property
    def active(self) -> bool:
        return self.state.presentation.active

    @property
    def base_theme(self) -> Theme:
        """The theme chosen (shown as it is outside presentation mode)."""
        return THEMES[self.state.view.theme]

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
        presentation = self.state.presentation
        if presentation.bookmarks:
            menu.addSeparator()
        for i, bookmark in enumerate(presentation.bookmarks):
            name = bookmark.get("name", "")
            action = QAction(f"&{i + 1}  {name}" if i < 9 else name, self.window, checkable=True,
                             checked=i == presentation.bookmark_index, triggered=lambda _=False, j=i: self.go_to(j))
            menu.addAction(action)

    def _set_step_keys(self) -> None:
        # Plain arrows only while presenting, and not while a tour runs (its player takes them):
        # elsewhere they belong to lists and text fields.
        forward = [QKeySequence("Alt+Right")]
        back = [QKeySequence("Alt+Left")]
        presentation = self.state.presentation
        if presentation.active and presentation.tour is None:
            forward = [QKeySequence(Qt.Key_Right), QKeySequence(Qt.Key_PageDown), QKeySequence(Qt.Key_Space)] + forward
            back = [QKeySequence(Qt.Key_Left), QKeySequence(Qt.Key_PageUp), QKeySequence(Qt.Key_Backspace)] + back
        self.next_action.setShortcuts(forward)
        self.previous_action.setShortcuts(back)

    def _update_actions(self) -> None:
        presentation = self.state.presentation
        count, index = len(presentation.bookmarks), presentation.bookmark_index
        self.next_action.setEnabled(count > 0 and index < count - 1)
        self.previous_action.setEnabled(count > 0 and index > 0)
        for action in (self.update_action, self.rename_action, self.delete_action):
            action.setEnabled(0 <= index < count)

    # -- themes -----------------------------------------------------------------------------
    def presentation_theme(self) -> Theme:
        base = HIGH_CONTRAST_DARK if self.base_theme.dark else HIGH_CONTRAST_LIGHT
        return base.scaled(SCALE * LIGHT.point_size / base.point_size)

    def _apply_theme(self) -> None:
        """The chosen theme; while presenting, its high-contrast, enlarged variant."""
        theme = self.presentation_theme() if self.active else self.base_theme
        self.theme_actions[self.state.view.theme].setChecked(True)
        window = self.window
        window.theme = theme
        window.scatter2d.set_theme(theme)
        if window.scatter3d is not None:
            window.scatter3d.set_theme(theme)
        app = QApplication.instance()
        app.setPalette(palette(theme, app.style().standardPalette()))
        sheet = style_sheet(theme)
        if app.styleSheet() != sheet:
            app.setStyleSheet(sheet)
        self.plots.apply(theme)
        self._retitle(theme)
        bg = QColor(theme.background)
        self.caption.setStyleSheet(
            f"QLabel#bookmarkCaption {{ color: {theme.foreground}; "
            f"background: rgba({bg.red()}, {bg.green()}, {bg.blue()}, 220); "
            f"border: none; border-bottom: 2px solid {theme.foreground}; padding: 6px 14px; "
            f"font-size: {max(theme.font_size, 12) + 4}pt; font-weight: bold; }}")
        self.theme_changed.emit(theme)

    def _retitle(self, theme: Theme) -> None:
        """The 2D view's title in this theme's colour and size now (it is set when a projection is
        shown; a theme change alone would leave the previous theme's, black on black or tiny)."""
        label = self.window.scatter2d.plotItem.titleLabel
        if label.text:
            label.setText(label.text, color=theme.foreground, size=f"{theme.title_size}pt")

    # -- presentation mode ----------------------------------------------------------------------
    def _active_changed(self, active: bool) -> None:
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
            self._apply_theme()
            if self.full_screen:
                window.showFullScreen()
            if self.state.presentation.tour is None:
                # The talk starts from what is on screen: → shows the first bookmark, not the one
                # after the last added (before, → did nothing: the last one added was current).
                self.state.presentation.bookmark_index = -1
        else:
            saved = self._saved
            app.setFont(saved.get("font", app.font()))
            for widget in saved.get("hidden", []):
                widget.show()
            if "state" in saved:
                window.restoreState(saved["state"])
            window.menuBar().setVisible(saved.get("menubar", True))
            window.statusBar().setVisible(saved.get("statusbar", True))
            self._apply_theme()
            window.setWindowState(saved.get("window_state", Qt.WindowNoState))
            if not window.isFullScreen() and not window.isMaximized():
                window.showNormal()
        self.action.setChecked(active)
        self.leave_action.setEnabled(active)
        self._set_step_keys()
        self._show_caption()
        self.presenting_changed.emit(active)

    def show_docks(self, names) -> None:
        """While presenting, the docks a tour step names: shown to the right of the view, one above the
        other, together about 40% of the window's width, at presentation mode's font; the others hidden.
        Leaving presentation mode restores the layout as it was."""
        window = self.window
        names = [n for n in names if n in window.docks]
        for name, dock in window.docks.items():
            if name not in names and dock.isVisible():
                dock.hide()
        docks = [window.docks[n] for n in names]
        for i, dock in enumerate(docks):
            if dock.isFloating():
                dock.setFloating(False)
            if i == 0:
                window.addDockWidget(Qt.RightDockWidgetArea, dock)  # moves it out of any tab group
            else:
                window.splitDockWidget(docks[i - 1], dock, Qt.Vertical)
            dock.show()
        if docks:
            self._size_docks(docks)
            QTimer.singleShot(0, self, lambda: self._size_docks(docks))  # again once the layout has settled

    def _size_docks(self, docks) -> None:
        window = self.window
        if self.active and all(d.isVisible() for d in docks):
            window.resizeDocks(docks, [round(window.width() * DOCK_SHARE)] * len(docks), Qt.Horizontal)

    def _non_essential(self) -> list:
        """Docks and tool bars: the projection view alone stays on screen."""
        window = self.window
        widgets = list(window.docks.values()) + window.findChildren(QToolBar)
        if window.scatter2d.toolbar is not None:  # search, tools: not for an audience
            widgets.append(window.scatter2d.toolbar)
        return widgets

    # -- bookmarks ------------------------------------------------------------------------------
    def add_bookmark(self, name: str | None = None) -> dict:
        """Bookmark the current view state under `name` (after the one shown last)."""
        presentation = self.state.presentation
        bookmarks = list(presentation.bookmarks)
        bookmark = {"name": name or f"View {len(bookmarks) + 1}", **self.state.capture(BOOKMARK_PARTS)}
        at = presentation.bookmark_index + 1 if presentation.bookmark_index >= 0 else len(bookmarks)
        bookmarks.insert(at, bookmark)
        presentation.update(bookmarks=tuple(bookmarks), bookmark_index=at)
        self._edited()
        return bookmark

    def add_bookmark_dialog(self) -> None:
        count = len(self.state.presentation.bookmarks)
        name, ok = QInputDialog.getText(self.window, "Add bookmark", "Name of this view:", text=f"View {count + 1}")
        if ok:
            self.add_bookmark(name.strip() or None)

    def update_current(self) -> None:
        """The bookmark shown last takes the current view state (its name stays)."""
        presentation = self.state.presentation
        index = presentation.bookmark_index
        if 0 <= index < len(presentation.bookmarks):
            bookmarks = list(presentation.bookmarks)
            bookmarks[index] = {"name": bookmarks[index].get("name", ""), **self.state.capture(BOOKMARK_PARTS)}
            presentation.bookmarks = tuple(bookmarks)
            self._edited()

    def rename_dialog(self) -> None:
        presentation = self.state.presentation
        index = presentation.bookmark_index
        if 0 <= index < len(presentation.bookmarks):
            name, ok = QInputDialog.getText(self.window, "Rename bookmark", "Name:",
                                            text=presentation.bookmarks[index].get("name", ""))
            if ok and name.strip():
                self.rename(index, name.strip())

    def rename(self, index: int, name: str) -> None:
        bookmarks = list(self.state.presentation.bookmarks)
        bookmarks[index] = {**bookmarks[index], "name": name}
        self.state.presentation.bookmarks = tuple(bookmarks)
        self._edited()

    def delete_current(self) -> None:
        presentation = self.state.presentation
        index = presentation.bookmark_index
        if 0 <= index < len(presentation.bookmarks):
            bookmarks = list(presentation.bookmarks)
            del bookmarks[index]
            presentation.update(bookmarks=tuple(bookmarks), bookmark_index=min(index, len(bookmarks) - 1))
            self._edited()

    def go_to(self, index: int) -> None:
        """Show bookmark `index`: its parts of the state are restored, and the views follow."""
        presentation = self.state.presentation
        if not 0 <= index < len(presentation.bookmarks):
            return
        self.state.restore(self._for_this_vocabulary(presentation.bookmarks[index]), BOOKMARK_PARTS)
        presentation.bookmark_index = index
        self.window.statusBar().showMessage(self.caption_text(), 5000)

    def _for_this_vocabulary(self, bookmark: dict) -> dict:
        """The bookmark without token IDs the current vocabulary does not have."""
        explore = bookmark.get("explore")
        if not isinstance(explore, dict):
            return bookmark
        n = len(self.window.workspace.vocab)
        selection = [i for i in explore.get("selection", []) if isinstance(i, int) and 0 <= i < n]
        current = explore.get("current")
        current = current if isinstance(current, int) and 0 <= current < n else None
        return {**bookmark, "explore": {**explore, "selection": selection, "current": current}}

    def next(self) -> None:
        presentation = self.state.presentation
        if presentation.bookmarks:
            self.go_to(min(presentation.bookmark_index + 1, len(presentation.bookmarks) - 1))

    def previous(self) -> None:
        presentation = self.state.presentation
        if presentation.bookmarks:
            self.go_to(max(presentation.bookmark_index - 1, 0))

    def caption_text(self) -> str:
        presentation = self.state.presentation
        index, bookmarks = presentation.bookmark_index, presentation.bookmarks
        if not 0 <= index < len(bookmarks):
            return ""
        return f"{index + 1} / {len(bookmarks)}   {bookmarks[index].get('name', '')}"

    def _show_caption(self) -> None:
        text = self.caption_text()
        self.caption.setText(text)
        # A tour has its own caption bar: no bookmark caption over it.
        self.caption.setVisible(self.active and bool(text) and self.state.presentation.tour is None)
        if self.caption.isVisible() and self.caption.parentWidget() is self.window:  # not in a layout
            self.caption.adjustSize()
            self.caption.move(max(24, (self.window.width() - self.caption.width()) // 2), 8)
            self.caption.raise_()

    def _bookmarks_changed(self) -> None:
        self._update_actions()
        self._fill_bookmark_menu()
        self._show_caption()

    def _edited(self) -> None:
        self.window.session_controller.mark_dirty()  # bookmarks are part of the session
