"""The strip above the 2D view: search, colour mode, selection tool, copy, fit, export."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QButtonGroup, QComboBox, QFileDialog, QGridLayout, QHBoxLayout, QLabel, QLineEdit, QMenu, QSpinBox,
    QToolButton, QWidget,
)

from explorer.core import ExplorerError
from explorer.core.view.colours import COLOR_MODES

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

        layout = QHBoxLayout(self.second)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(QLabel("Colour"))
        self.color = QComboBox()
        for key, name in scatter_modes():
            self.color.addItem(name, key)
        self.color.setToolTip("Colour the points by category, by frequency (log bins), by k-means "
                              "cluster of the full vectors, or by whether they match a regex")
        self.k = QSpinBox(minimum=2, maximum=40, value=scatter.cluster_k, prefix="k=", visible=False)
        self.pattern = QLineEdit(placeholderText="regex", visible=False)
        self.pattern.setMaximumWidth(110)
        layout.addWidget(self.color)
        layout.addWidget(self.k)
        layout.addWidget(self.pattern)
        self.color.currentIndexChanged.connect(lambda _: self.apply_color())
        self.k.editingFinished.connect(self.apply_color)
        self._pattern_timer = QTimer(self, singleShot=True, interval=250)
        self._pattern_timer.timeout.connect(self.apply_color)
        self.pattern.textChanged.connect(lambda _: self._pattern_timer.start())

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
        self.search.setStyleSheet("")
        self.hits.setText(f"{len(hits):,} match" + ("" if len(hits) == 1 else "es") if text else "")

    # -- colour -------------------------------------------------------------------------
    def apply_color(self) -> None:
        mode = self.color.currentData()
        self.k.setVisible(mode == "cluster")
        self.pattern.setVisible(mode == "regex")
        self.scatter.set_color_mode(mode, k=self.k.value(), pattern=self.pattern.text())

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


def scatter_modes():
    return COLOR_MODES.items()
