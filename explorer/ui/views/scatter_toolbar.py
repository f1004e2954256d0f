"""The strip above the 2D view: search, colour mode, layers, selection tool, copy, fit, export.

The colour boxes follow state.view (colour and colour_column, clusters, colour_pattern); the
Layers menu's switches are bound to state.view (neighbours, cluster_labels, density) and its
"Label by" items write state.view.label_column; the search box and its regex switch follow
state.explore (the view writes them when a search runs)."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QActionGroup, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QButtonGroup, QComboBox, QFileDialog, QGridLayout, QHBoxLayout, QLabel, QLineEdit, QMenu, QSpinBox,
    QToolButton, QWidget,
)

from explorer.core import ExplorerError
from explorer.core.view.colours import COLOR_MODES
from explorer.ui.bind import bind

TOOLS = (("pan", "Pan", "Drag to pan, wheel to zoom (right-drag zooms each axis)"),
         ("rect", "Box", "Drag a rectangle to select tokens (Shift adds)"),
         ("lasso", "Lasso", "Draw around tokens to select them (Shift adds)"))


class ScatterToolbar(QWidget):
    def __init__(self, scatter) -> None:
        super().__init__(scatter)
        self.scatter = scatter
        self.setAutoFillBackground(True)
        # Two groups, side by side when the view is wide enough, else one above the other.
        self.first, self.second = QWidget(self), QWidget(self)
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(6, 3, 6, 3)
        self.grid.setSpacing(2)
        self.wide = None
        layout = QHBoxLayout(self.first)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)

        self.search = QLineEdit(placeholderText="Search tokens (Ctrl+F)", clearButtonEnabled=True)
        self.search.setMinimumWidth(150)
        self.search.setMaximumWidth(240)
        self.search.setToolTip("Highlight tokens containing this text and centre on them. "
                               "Enter centres again; .* switches to a regular expression.")
        self.regex = QToolButton(text=".*", checkable=True, toolTip="Search with a regular expression")
        self.hits = QLabel()
        self.hits.setMinimumWidth(64)
        layout.addWidget(self.search)
        layout.addWidget(self.regex)
        layout.addWidget(self.hits)
        self._search_timer = QTimer(self, singleShot=True, interval=180)
        self._search_timer.timeout.connect(self.run_search)
        self.search.textChanged.connect(lambda _: self._search_timer.start())
        self.search.returnPressed.connect(self.run_search)
        self.regex.toggled.connect(lambda _: self.run_search())
        self._find_shortcut = QShortcut(QKeySequence.Find, scatter, self.focus_search, context=Qt.WindowShortcut)
        explore = scatter.state.explore
        explore.events.search.connect(lambda _text: self._show_search())
        explore.events.search_regex.connect(lambda _on: self._show_search())

        layout = QHBoxLayout(self.second)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(QLabel("Colour"))
        self.color = QComboBox()
        self.color.setSizeAdjustPolicy(QComboBox.AdjustToContents)
        self.color.setToolTip("Colour the points by category, by frequency (log bins), by k-means "
                              "cluster of the full vectors, by whether they match a regex, by how many "
                              "of their 10 nearest neighbours the projection kept, or by a metadata column")
        self.k = QSpinBox(minimum=2, maximum=40, prefix="k=", visible=False)
        self.pattern = QLineEdit(placeholderText="regex", visible=False)
        self.pattern.setMaximumWidth(110)
        layout.addWidget(self.color)
        layout.addWidget(self.k)
        layout.addWidget(self.pattern)
        view = scatter.state.view
        self.color.currentIndexChanged.connect(self._choose_colour)  # the user's pick (ours block it)
        bind(self.k, view, "clusters")
        view.events.colour.connect(self._show_color_mode)
        view.events.colour_column.connect(lambda _c: self._show_color_mode(view.colour))
        # The pattern applies as it is typed (after a pause), not only when the box is left.
        self.pattern.setText(view.colour_pattern)
        self._pattern_timer = QTimer(self, singleShot=True, interval=250)
        self._pattern_timer.timeout.connect(lambda: setattr(view, "colour_pattern", self.pattern.text()))
        self.pattern.textChanged.connect(lambda _: self._pattern_timer.start())
        view.events.colour_pattern.connect(self._show_pattern)

        self.layers = QToolButton(text="Layers", autoRaise=True, popupMode=QToolButton.InstantPopup,
                                  toolTip="What is drawn over the points: the current token's nearest "
                                          "neighbours, a caption per cluster, density contours; what labels say")
        self.layers_menu = QMenu(self.layers)
        self.layer_actions = {}
        for field, name, tip in LAYERS:
            action = QAction(name, self.layers_menu, checkable=True, toolTip=tip)
            action.setChecked(getattr(view, field))
            action.toggled.connect(lambda on, f=field: setattr(view, f, on))
            getattr(view.events, field).connect(lambda on, a=action: a.isChecked() != on and a.setChecked(on))
            self.layers_menu.addAction(action)
            self.layer_actions[field] = action
        self.label_menu = self.layers_menu.addMenu("Label by")
        self.label_group = QActionGroup(self.label_menu)
        view.events.label_column.connect(lambda _c: self._show_label_column())
        self.layers.setMenu(self.layers_menu)
        layout.addWidget(self.layers)

        layout.addSpacing(8)
        self.tools = QButtonGroup(self)
        self.tool_buttons = {}
        for key, name, tip in TOOLS:
            button = QToolButton(text=name, checkable=True, toolTip=tip, autoRaise=True)
            button.clicked.connect(lambda _=False, k=key: scatter.set_tool(k))
            self.tools.addButton(button)
            self.tool_buttons[key] = button
            layout.addWidget(button)
        self.tool_buttons["pan"].setChecked(True)
        self.copy = QToolButton(text="Copy", enabled=False, autoRaise=True,
                                toolTip="Copy the selected tokens, one per line (Ctrl+C)")
        self.copy.clicked.connect(scatter.copy_selection)
        layout.addWidget(self.copy)

        layout.addStretch(1)
        fit = QToolButton(text="Fit", autoRaise=True, toolTip="Show all points")
        fit.clicked.connect(scatter.fit)
        layout.addWidget(fit)
        export = QToolButton(text="Export", autoRaise=True, popupMode=QToolButton.InstantPopup,
                             toolTip="Save the plot as a PNG image or an SVG drawing")
        menu = QMenu(export)
        menu.addAction(QAction("PNG image…", menu, triggered=lambda: self.export_dialog("png")))
        menu.addAction(QAction("SVG drawing…", menu, triggered=lambda: self.export_dialog("svg")))
        export.setMenu(menu)
        layout.addWidget(export)
        self.show_columns(None)
        self.arrange(800)

    def arrange(self, width: int) -> int:
        """Lay the two groups out for this width; returns the toolbar's height."""
        wide = width >= self.first.sizeHint().width() + self.second.sizeHint().width() + 24
        if wide != self.wide:
            self.wide = wide
            self.grid.removeWidget(self.first)
            self.grid.removeWidget(self.second)
            if wide:
                self.grid.addWidget(self.first, 0, 0)
                self.grid.addWidget(self.second, 0, 1)
            else:
                self.grid.addWidget(self.first, 0, 0)
                self.grid.addWidget(self.second, 1, 0)
        a, b = self.first.sizeHint().height(), self.second.sizeHint().height()
        return (max(a, b) if wide else a + b + self.grid.spacing()) + 6

    # -- search ---------------------------------------------------------------------
    def focus_search(self) -> None:
        if self.scatter.isVisible():
            self.search.setFocus(Qt.ShortcutFocusReason)
            self.search.selectAll()

    def run_search(self) -> None:
        self._search_timer.stop()
        text = self.search.text()
        try:
            hits = self.scatter.search(text, self.regex.isChecked())
        except ExplorerError as exc:
            self.search.setStyleSheet("QLineEdit { border: 1px solid #d93025; }")
            self.search.setToolTip(str(exc))
            self.hits.setText("bad regex")
            return
        self._show_hits(text, len(hits))

    def _show_hits(self, text: str, count: int) -> None:
        self.search.setStyleSheet("")
        self.hits.setText(f"{count:,} match" + ("" if count == 1 else "es") if text else "")

    def _show_search(self) -> None:
        """A search set from outside: the box, the switch and the count say what is shown."""
        explore = self.scatter.state.explore
        if self.search.text() != explore.search:
            self.search.blockSignals(True)
            self.search.setText(explore.search)
            self.search.blockSignals(False)
        self.regex.blockSignals(True)
        self.regex.setChecked(explore.search_regex)
        self.regex.blockSignals(False)
        if self.scatter.search_text == explore.search:
            self._show_hits(explore.search, len(self.scatter.search_hits))

    # -- colour -------------------------------------------------------------------------
    def show_columns(self, metadata) -> None:
        """The colour modes, then one "Column: name" per metadata column; the Label by menu: the
        token, then each column."""
        names = [] if metadata is None else list(metadata.names)
        self.color.blockSignals(True)
        self.color.clear()
        for key, name in scatter_modes():
            self.color.addItem(name, key)
        for name in names:
            self.color.addItem(f"Column: {name}", COLUMN + name)
        self.color.blockSignals(False)
        self.label_menu.clear()
        for action in self.label_group.actions():
            self.label_group.removeAction(action)
        for name in [""] + names:
            action = QAction(name or "Token", self.label_menu, checkable=True)
            action.setData(name)
            action.triggered.connect(lambda _=False, c=name: setattr(self.scatter.state.view, "label_column", c))
            self.label_group.addAction(action)
            self.label_menu.addAction(action)
        self.label_menu.setEnabled(bool(names))
        self._show_label_column()
        self._show_color_mode(self.scatter.state.view.colour)

    def _choose_colour(self, index: int) -> None:
        data = self.color.itemData(index)
        if data is None:
            return
        if data.startswith(COLUMN):
            self.scatter.state.view.update(colour="column", colour_column=data[len(COLUMN):])
        else:
            self.scatter.state.view.colour = data

    def _show_color_mode(self, mode: str) -> None:
        self.k.setVisible(mode == "cluster")
        self.pattern.setVisible(mode == "regex")
        column = self.scatter.state.view.colour_column
        wanted = COLUMN + column if mode == "column" else mode
        index = self.color.findData(wanted)
        self.color.blockSignals(True)
        if index < 0 and mode == "column":  # a column not (yet) loaded: say which
            self.color.addItem(f"Column: {column} (not loaded)", wanted)
            index = self.color.count() - 1
        if index >= 0 and self.color.currentIndex() != index:
            self.color.setCurrentIndex(index)
        self.color.blockSignals(False)

    def _show_label_column(self) -> None:
        column = self.scatter.state.view.label_column
        for action in self.label_group.actions():
            action.setChecked(action.data() == column)

    def _show_pattern(self, pattern: str) -> None:
        if self.pattern.text() != pattern:  # set from outside, not typed here
            self.pattern.blockSignals(True)
            self.pattern.setText(pattern)
            self.pattern.blockSignals(False)

    # -- selection ----------------------------------------------------------------------
    def show_tool(self, tool: str) -> None:
        if tool in self.tool_buttons:
            self.tool_buttons[tool].setChecked(True)

    def show_selection(self, count: int) -> None:
        self.copy.setEnabled(count > 0)
        self.copy.setText(f"Copy {count:,}" if count else "Copy")
        tokens = self.scatter.selected_tokens[:40]
        more = "" if count <= 40 else f"\n… and {count - 40:,} more"
        self.copy.setToolTip("Copy the selected tokens, one per line (Ctrl+C):\n" + "\n".join(tokens) + more
                             if count else "Select tokens with Box or Lasso, then copy them")

    # -- export -------------------------------------------------------------------------
    def export_dialog(self, kind: str) -> None:
        name, _ = QFileDialog.getSaveFileName(
            self, "Export the plot", f"projection.{kind}",
            "PNG image (*.png)" if kind == "png" else "SVG drawing (*.svg)")
        if not name:
            return
        if not name.lower().endswith(f".{kind}"):
            name += f".{kind}"
        try:
            self.scatter.export(name)
        except (ExplorerError, OSError) as exc:
            self.hits.setText("export failed")
            self.hits.setToolTip(str(exc))


COLUMN = "column:"  # the Colour box's item data for a metadata column: "column:<name>"
LAYERS = (("neighbours", "Neighbours", "Lines from the current token to its nearest neighbours in the full space"),
          ("cluster_labels", "Cluster labels", "A caption per cluster or category: its most frequent tokens"),
          ("density", "Density contours", "Lines of equal density of the points, behind them"))


def scatter_modes():
    return COLOR_MODES.items()
