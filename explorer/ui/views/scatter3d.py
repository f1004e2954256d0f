"""The 3D projection view (OpenGL): the same points and colours as 2D, orbit and zoom.

Labels, the legend and the "what is shown" line are painted by a transparent child
widget over the GL scene. (pyqtgraph's GLTextItem, and any QPainter drawing inside
`paintGL`, is lost when the window is grabbed: `QWidget.grab()` re-renders the GL
framebuffer and composites it over whatever QPainter drew.) `export()` paints the same
overlay onto `grabFramebuffer()`, so labels appear on screen, in window screenshots and
in exported PNGs alike.

Like the 2D view it follows `state.view`: the colour mode, k and regex (so both views
colour alike, each from the state), the camera (`camera3d`, written when the user
orbits or zooms) and auto-rotation (`auto_rotate`); and `state.explore`: the search (hits
enlarged and ringed, the rest dimmed), the selection and the current token, all labelled
as 2D labels them. Hover shows a token's tooltip, a click makes it current, Shift-drag (or
the Box / Lasso tool) selects the points drawn inside, wherever they lie in depth. Picking is
explorer.core.view.pick3d (points through the camera to pixels). A strip over the top (hidden
while presenting) holds the search box, the colour mode, the neighbour lines and the tools:
the 2D view's toolbar is not on screen in 3D.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyqtgraph.opengl as gl
from pyqtgraph import Vector
from OpenGL import GL
from PySide6.QtCore import QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QCursor, QFont, QFontMetricsF, QGuiApplication, QKeySequence, QPainter, QPen, \
    QPolygonF, QShortcut
from PySide6.QtWidgets import (
    QButtonGroup, QComboBox, QGridLayout, QHBoxLayout, QLabel, QLineEdit, QSpinBox, QToolButton, QToolTip, QWidget,
)

from explorer.core import ExplorerError
from explorer.core.analysis.clusters import kmeans
from explorer.core.state.app import AppState
from explorer.core.view import pick3d
from explorer.core.view.colours import COLOR_MODES, column_colours, gradient_colours, match_tokens, point_colours
from explorer.core.view.labels import place_labels
from explorer.core.view.tips import point_tip
from explorer.ui.bind import bind
from explorer.ui.theme import NEUTRAL, PALETTE, Theme

ROTATE_INTERVAL_MS = 33  # ~30 frames per second
ROTATE_DEGREES = 0.6  # per frame: a full turn in about 20 s
MAX_LABELS = 200
MAX_HIT_LABELS = 150  # as in 2D
MAX_SELECTION_LABELS = 150
HOVER_RADIUS_PX = 7
CLICK_SLOP_PX = 4  # a press and release this close is a click, not an orbit
CAMERA_WRITE_MS = 150  # orbiting and zooming write state.view.camera3d at most this often
RING_PX = 7  # a highlighted point's ring is this much wider than a point
COLUMN = "column:"  # the Colour box's item data for a metadata column, as in 2D
FIDELITY_RANGE = (0.0, 1.0)  # the share of neighbours kept: its colour bar always spans 0..1
FADED_ALPHA = 0.12  # points that are not search hits, while a search is shown
# Emphasis items are drawn over the cloud (no depth test): a highlighted token shows through.
ON_TOP = {GL.GL_DEPTH_TEST: False, GL.GL_BLEND: True, GL.GL_CULL_FACE: False,
          "glBlendFunc": (GL.GL_SRC_ALPHA, GL.GL_ONE_MINUS_SRC_ALPHA)}
TOOLS = (("pan", "Orbit", "Drag to orbit, wheel to zoom, Ctrl-drag to pan; Shift-drag selects a box"),
         ("rect", "Box", "Drag a rectangle to select the tokens drawn inside (Shift adds)"),
         ("lasso", "Lasso", "Draw around tokens to select them (Shift adds)"))


def point_size_3d(n: int, base: int) -> float:
    """Smaller points for bigger clouds, so dense ones stay readable."""
    if n <= 2_000:
        return base + 2
    if n <= 20_000:
        return 5
    if n <= 100_000:
        return 4
    return 3


class _Overlay(QWidget):
    """Transparent, click-through layer over the GL view: labels, legend, statement."""

    def __init__(self, view: Scatter3D) -> None:
        super().__init__(view)
        self.view = view
        self.setAttribute(Qt.WA_TransparentForMouseEvents)
        self.setAttribute(Qt.WA_NoSystemBackground)
        self.setAttribute(Qt.WA_TranslucentBackground)

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        try:
            self.view.paint_overlay(painter)
        finally:
            painter.end()


class _Toolbar(QWidget):
    """The strip over the top of the 3D view: search (state.explore.search / search_regex, which
    the 2D view follows too), the colour mode and the neighbour lines (state.view, shared with 2D),
    the drag tool, and copying the selection."""

    def __init__(self, view: Scatter3D) -> None:
        super().__init__(view)
        self.view = view
        self.setAutoFillBackground(True)
        # Two groups, side by side when the view is wide enough, else one above the other (as 2D).
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
        self.search.setToolTip("Highlight and label the tokens containing this text; .* switches to a regex")
        self.regex = QToolButton(text=".*", checkable=True, toolTip="Search with a regular expression")
        self.hits = QLabel()
        self.hits.setMinimumWidth(64)
        for widget in (self.search, self.regex, self.hits):
            layout.addWidget(widget)
        self._search_timer = QTimer(self, singleShot=True, interval=180)
        self._search_timer.timeout.connect(self.run_search)
        self.search.textChanged.connect(lambda _: self._search_timer.start())
        self.search.returnPressed.connect(self.run_search)
        self.regex.toggled.connect(lambda _: self.run_search())
        QShortcut(QKeySequence.Find, view, self.focus_search, context=Qt.WindowShortcut)  # only while shown
        layout = QHBoxLayout(self.second)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(QLabel("Colour"))
        self.color = QComboBox(toolTip="Colour the points (as in the 2D view)")
        self.color.setSizeAdjustPolicy(QComboBox.AdjustToContents)
        self.k = QSpinBox(minimum=2, maximum=40, prefix="k=", visible=False)
        layout.addWidget(self.color)
        layout.addWidget(self.k)
        state = view.state.view
        bind(self.k, state, "clusters")
        self.color.currentIndexChanged.connect(self._choose_colour)
        state.events.colour.connect(lambda _m: self.show_colour())
        state.events.colour_column.connect(lambda _c: self.show_colour())
        self.show_columns(None)
        self.neighbours = QToolButton(text="Neighbours", checkable=True, autoRaise=True,
                                      toolTip="Lines from the current token to its nearest neighbours in the full space")
        bind(self.neighbours, state, "neighbours")
        layout.addWidget(self.neighbours)
        layout.addSpacing(8)
        self.tools = QButtonGroup(self)
        self.tool_buttons = {}
        for key, name, tip in TOOLS:
            button = QToolButton(text=name, checkable=True, toolTip=tip, autoRaise=True)
            button.clicked.connect(lambda _=False, k=key: view.set_tool(k))
            self.tools.addButton(button)
            self.tool_buttons[key] = button
            layout.addWidget(button)
        self.tool_buttons["pan"].setChecked(True)
        self.copy = QToolButton(text="Copy", enabled=False, autoRaise=True,
                                toolTip="Copy the selected tokens, one per line (Ctrl+C)")
        self.copy.clicked.connect(view.copy_selection)
        layout.addWidget(self.copy)
        layout.addStretch(1)
        self.arrange(800)

    def arrange(self, width: int) -> int:
        """Lay the two groups out for this width; returns the strip's height."""
        wide = width >= self.first.sizeHint().width() + self.second.sizeHint().width() + 24
        if wide != self.wide:
            self.wide = wide
            self.grid.removeWidget(self.first)
            self.grid.removeWidget(self.second)
            self.grid.addWidget(self.first, 0, 0)
            self.grid.addWidget(self.second, 0, 1) if wide else self.grid.addWidget(self.second, 1, 0)
        a, b = self.first.sizeHint().height(), self.second.sizeHint().height()
        return (max(a, b) if wide else a + b + self.grid.spacing()) + 6

    def focus_search(self) -> None:
        if self.view.isVisible():
            self.search.setFocus(Qt.ShortcutFocusReason)
            self.search.selectAll()

    def run_search(self) -> None:
        self._search_timer.stop()
        try:
            self.view.search(self.search.text(), self.regex.isChecked())
        except ExplorerError as exc:  # the box says "bad regex"; the last good search stays shown
            self.search.setToolTip(str(exc))

    def show_search(self, text: str, regex: bool, count: int | None) -> None:
        """What is searched (set here or from outside) and how many match; None: a bad regex."""
        if self.search.text() != text:
            self.search.blockSignals(True)
            self.search.setText(text)
            self.search.blockSignals(False)
        self.regex.blockSignals(True)
        self.regex.setChecked(regex)
        self.regex.blockSignals(False)
        bad = count is None
        self.search.setStyleSheet("QLineEdit { border: 1px solid #d93025; }" if bad else "")
        self.hits.setText("bad regex" if bad else (f"{count:,} match" + ("" if count == 1 else "es")) if text else "")

    def show_selection(self, count: int) -> None:
        self.copy.setEnabled(count > 0)
        self.copy.setText(f"Copy {count:,}" if count else "Copy")

    def show_columns(self, metadata) -> None:
        """The colour modes, then one "Column: name" per metadata column (as the 2D box)."""
        self.color.blockSignals(True)
        self.color.clear()
        for key, name in COLOR_MODES.items():
            self.color.addItem(name, key)
        for name in ([] if metadata is None else metadata.names):
            self.color.addItem(f"Column: {name}", COLUMN + name)
        self.color.blockSignals(False)
        self.show_colour()

    def _choose_colour(self, index: int) -> None:
        data = self.color.itemData(index)
        if data is None:
            return
        if data.startswith(COLUMN):
            self.view.state.view.update(colour="column", colour_column=data[len(COLUMN):])
        else:
            self.view.state.view.colour = data

    def show_colour(self) -> None:
        state = self.view.state.view
        self.k.setVisible(state.colour == "cluster")
        index = self.color.findData(COLUMN + state.colour_column if state.colour == "column" else state.colour)
        if index >= 0 and index != self.color.currentIndex():
            self.color.blockSignals(True)
            self.color.setCurrentIndex(index)
            self.color.blockSignals(False)


class Scatter3D(gl.GLViewWidget):
    """Public API: set_points / set_positions / set_colors / set_legend / set_labels /
    set_statement / set_neighbours / set_fidelity / set_metadata, search, set_selection, set_tool, select_screen_shape,
    screen_points, point_at, set_auto_rotate, export(path); signals point_clicked(int),
    selection_changed(list), auto_rotate_changed(bool). `state` is the AppState it follows
    (its own when none is given)."""

    point_clicked = Signal(int)
    selection_changed = Signal(list)
    auto_rotate_changed = Signal(bool)

    def __init__(self, theme: Theme, state: AppState | None = None, parent=None) -> None:
        super().__init__(parent=parent)
        self.theme = theme
        self.state = state or AppState()
        self.tokens: list[str] = []
        self._lowered: list[str] | None = None
        self.counts: np.ndarray | None = None
        self._raw = np.zeros((0, 3), dtype=np.float32)  # as given: k-means without a runner
        self._category_colors = np.zeros((0, 4), dtype=np.uint8)
        self._category_legend: list = []
        self.cluster_labels: np.ndarray | None = None
        self.cluster_runner = None  # callable(k, done(labels)): k-means of the full vectors
        self._xyz = np.zeros((0, 3), dtype=np.float32)  # shown points, scaled into a unit cube
        self._ids = np.zeros(0, dtype=np.int64)  # token ID of each shown point
        self._row_of: np.ndarray | None = None  # token ID -> shown row (-1: not shown), when not all shown
        self._n_tokens = 0
        self._colors = np.zeros((0, 4), dtype=np.float32)
        self._colors_all = np.zeros((0, 4), dtype=np.uint8)  # per token, as coloured now
        self._label_ids: list[int] = []
        self._frame: tuple[np.ndarray, float] | None = None  # (centre, extent) of the unit cube
        self.legend_entries: list[tuple[str, tuple]] = []
        self.colour_bar: tuple[str, float, float, np.ndarray] | None = None  # caption, lo, hi, ramp (RGBA)
        self.fidelity: np.ndarray | None = None  # per token: share of neighbours kept (NaN: not measured)
        self.fidelity_caption = ""
        self.metadata = None  # explorer.core.io.metadata.Metadata, or None
        self._label_texts: list[str] | None = None  # per token, by state.view.label_column; None: the tokens
        self.statement = ""
        self.label_note = ""  # which tokens carry labels unasked, e.g. "Labels: the 60 most frequent tokens"
        self.search_hits = np.zeros(0, np.int64)
        self.search_text = ""  # the search whose hits are shown
        self._search_regex = False
        self.neighbour_of: int | None = None
        self.neighbour_ids: list[int] = []
        self.hovered: int | None = None
        self.hover_text = ""
        self.tool = "pan"
        self._press: tuple[QPointF, Qt.MouseButton] | None = None
        self._drag: list[QPointF] | None = None  # the selection outline being drawn, in pixels
        self._drag_additive = False
        self._screen: tuple[tuple, pick3d.ScreenPoints] | None = None  # (camera key, projection)
        self._label_layout: tuple[tuple, list] | None = None  # (what it was laid out for, label boxes)
        self._moves = 0  # counts changes of the positions or label texts: a layout is for one of them
        self.setMouseTracking(True)  # hover without a button held
        self.setBackgroundColor(QColor(theme.background))
        self.setCameraPosition(distance=3.4, elevation=22, azimuth=40)
        self.grid = gl.GLGridItem(color=(0, 0, 0, 40))
        self.grid.setSize(2, 2)
        self.grid.setSpacing(0.25, 0.25)
        self.grid.translate(0, 0, -1)
        self.addItem(self.grid)
        self.points = gl.GLScatterPlotItem(size=point_size_3d(0, theme.point_size), pxMode=True)
        self.points.setGLOptions("translucent")
        self.addItem(self.points)
        # Neighbour lines, then a ring (a larger disc in the foreground colour) under each
        # highlighted point drawn again on top: drawn after the cloud, over it.
        self.neighbour_lines = gl.GLLinePlotItem(mode="lines", width=1.5, antialias=True)
        self.neighbour_lines.setGLOptions(ON_TOP)
        self.neighbour_lines.setDepthValue(5)
        self.neighbour_lines.setVisible(False)
        self.rings = gl.GLScatterPlotItem(pxMode=True)
        self.rings.setGLOptions(ON_TOP)
        self.rings.setDepthValue(10)
        self.emphasised = gl.GLScatterPlotItem(pxMode=True)
        self.emphasised.setGLOptions(ON_TOP)
        self.emphasised.setDepthValue(11)
        for item in (self.neighbour_lines, self.rings, self.emphasised):
            self.addItem(item)
        self._emphasis_rows = np.zeros(0, np.int64)
        self._faded: np.ndarray | None = None  # per shown row: dimmed while a search is shown
        self.overlay = _Overlay(self)
        self.toolbar = _Toolbar(self)
        QShortcut(QKeySequence.Copy, self, self.copy_selection, context=Qt.WidgetWithChildrenShortcut)
        self._rotate_timer = QTimer(self, interval=ROTATE_INTERVAL_MS)
        self._rotate_timer.timeout.connect(lambda: self.orbit(ROTATE_DEGREES, 0))
        self._camera_timer = QTimer(self, singleShot=True, interval=CAMERA_WRITE_MS)
        self._camera_timer.timeout.connect(self._store_camera)
        view, explore = self.state.view.events, self.state.explore.events
        view.colour.connect(lambda _mode: self._recolour())
        view.clusters.connect(self._clusters_changed)
        view.colour_pattern.connect(lambda _p: self.state.view.colour == "regex" and self._recolour())
        view.colour_column.connect(lambda _c: self.state.view.colour == "column" and self._recolour())
        view.label_column.connect(lambda _c: self._follow_label_column())
        view.camera3d.connect(self._follow_camera)
        view.auto_rotate.connect(self._follow_auto_rotate)
        explore.search.connect(lambda _text: self._follow_search())
        explore.search_regex.connect(lambda _on: self._follow_search())
        explore.selection.connect(lambda _ids: self._selection_changed())
        explore.current.connect(lambda _id: self._refresh_emphasis())
        self.state.presentation.events.active.connect(self._follow_presenting)
        self._follow_camera(self.state.view.camera3d)
        self._follow_auto_rotate(self.state.view.auto_rotate)
        self._follow_presenting(self.state.presentation.active)
        self._follow_search()
        self._selection_changed()

    # -- what the state says -------------------------------------------------------------
    @property
    def selection(self) -> list[int]:
        return list(self.state.explore.selection)

    @property
    def current(self) -> int | None:
        return self.state.explore.current

    # -- data -------------------------------------------------------------------
    @property
    def point_count(self) -> int:
        return len(self._xyz)

    @property
    def shown_ids(self) -> np.ndarray:
        return self._ids

    def set_points(self, xyz: np.ndarray, tokens: list[str], colors: np.ndarray,
                   counts: np.ndarray | None = None) -> None:
        """One row per token; rows with NaN (not in a sampled projection) are left out.
        `colors` are the category colours (RGBA 0-255); `counts` colour by frequency.

        Positions are centred and scaled into a unit cube so the camera always frames them."""
        self.tokens = list(tokens)
        self._lowered = None
        self.counts = None if counts is None else np.asarray(counts)
        self._n_tokens = len(xyz)
        self._frame = None
        self.cluster_labels = None
        self.hovered = None
        self.neighbour_of, self.neighbour_ids = None, []
        if self.fidelity is not None and len(self.fidelity) != self._n_tokens:
            self.fidelity = None
        self._follow_label_column()
        self._place(xyz)
        self.search_text = None  # the tokens changed: match the state's search again
        self._follow_search()
        self.set_colors(colors)

    def set_positions(self, xyz: np.ndarray) -> None:
        """New coordinates for the same tokens (live training): colours and labels stay."""
        if self._place(xyz) and len(self._colors_all) == self._n_tokens:
            self._show_colors(self._colors_all)  # another sample: its points' colours
        else:
            self._upload()

    def set_colors(self, colors: np.ndarray) -> None:
        """The category colours, RGBA 0-255 per token (shown when colouring by category)."""
        colors = np.asarray(colors)
        if len(colors) != self._n_tokens:
            return
        self._category_colors = colors
        self._recolour()

    def set_legend(self, entries: list[tuple[str, tuple]]) -> None:
        """The category legend (shown when colouring by category)."""
        self._category_legend = list(entries)
        self._recolour()

    # -- colours, as state.view says ----------------------------------------------
    def set_clusters(self, labels: np.ndarray) -> None:
        """k-means labels per token computed elsewhere (a worker)."""
        labels = np.asarray(labels)
        if len(labels) != self._n_tokens:
            return  # stale: the points changed meanwhile
        self.cluster_labels = labels
        if self.state.view.colour == "cluster":
            self._recolour()

    def _clusters_changed(self, _k: int) -> None:
        self.cluster_labels = None
        if self.state.view.colour == "cluster":
            self._recolour()

    def set_fidelity(self, per_token: np.ndarray | None, caption: str = "") -> None:
        """Per-token neighbour preservation (NaN: not measured) and its caption: coloured by
        when that is the mode, as in 2D. None greys the points, with `caption` or "measuring
        fidelity…"."""
        per_token = None if per_token is None else np.asarray(per_token, np.float32)
        if per_token is not None and len(per_token) != self._n_tokens:
            return  # stale: the points changed meanwhile
        self.fidelity, self.fidelity_caption = per_token, caption
        if self.state.view.colour == "fidelity":
            self._recolour()

    def set_metadata(self, metadata) -> None:
        """Metadata columns (explorer.core.io.metadata.Metadata, or None) to colour and label by."""
        self.metadata = metadata
        self.toolbar.show_columns(metadata)
        self._follow_label_column()
        if self.state.view.colour == "column":
            self._recolour()

    def _value_colours(self, mode: str) -> tuple[np.ndarray, list, tuple | None]:
        """Colours by fidelity or a metadata column: (RGBA per token, legend, colour bar or None)."""
        n = self._n_tokens
        waiting = np.tile(np.array([*NEUTRAL, 160], np.uint8), (n, 1))
        if mode == "fidelity":
            if self.fidelity is None:
                return waiting, [(self.fidelity_caption or "measuring fidelity…", (*NEUTRAL, 160))], None
            colours, lo, hi = gradient_colours(self.fidelity, NEUTRAL, lo=FIDELITY_RANGE[0], hi=FIDELITY_RANGE[1])
            return colours, [], (self.fidelity_caption, lo, hi)
        name, metadata = self.state.view.colour_column, self.metadata
        if metadata is None or name not in metadata.names:
            return waiting, [("no metadata column" if metadata is None else "choose a column", (*NEUTRAL, 160))], None
        values = _fit_length(metadata.values(name), n, metadata.is_numeric(name))
        if metadata.is_numeric(name):
            colours, lo, hi = gradient_colours(values, NEUTRAL)
            return colours, [], (f"{name}: {int(np.isfinite(values).sum()):,} of {n:,} rows", lo, hi)
        colours, legend, _groups = column_colours(values, palette=PALETTE, neutral=NEUTRAL)
        return colours, legend, None

    def _recolour(self) -> None:
        n = self._n_tokens
        mode, k = self.state.view.colour, self.state.view.clusters
        if mode in ("fidelity", "column"):
            colors, self.legend_entries, bar = self._value_colours(mode)
            self.colour_bar = None if bar is None else \
                (*bar, gradient_colours(np.linspace(bar[1], bar[2], 32), NEUTRAL, lo=bar[1], hi=bar[2])[0])
            self._show_colors(colors)
            return
        self.colour_bar = None
        if mode == "cluster" and (self.cluster_labels is None or len(self.cluster_labels) != n) and n:
            if self.cluster_runner is not None:
                self.legend_entries = [(f"computing k-means (k={k})…", (*NEUTRAL, 160))]
                self._show_colors(np.tile(np.array([*NEUTRAL, 160], np.uint8), (n, 1)))
                self.cluster_runner(k, lambda labels: k == self.state.view.clusters and self.set_clusters(labels))
                return
            self.cluster_labels = kmeans(np.nan_to_num(self._raw), k)
        pattern = hits = None
        if mode == "regex":
            pattern = self.state.view.colour_pattern or self.state.explore.search
            try:
                hits = self._match(pattern, regex=True) if pattern else None
            except ExplorerError:
                hits = None  # the search box says "bad regex"
        colors, self.legend_entries = point_colours(
            mode, n, palette=PALETTE, neutral=NEUTRAL, category=self._category_colors,
            category_legend=self._category_legend, counts=self.counts, clusters=self.cluster_labels,
            pattern=pattern or "", hits=hits)
        self._show_colors(colors)

    def _show_colors(self, colors: np.ndarray) -> None:
        self._colors_all = colors
        rgba = colors[self._ids].astype(np.float32) / 255.0
        rgba[:, 3] = np.maximum(rgba[:, 3], 0.6)  # keep faint points visible in depth
        self._colors = rgba
        self._upload()

    def _place(self, xyz: np.ndarray) -> bool:
        """Keep the finite rows, scaled into the unit cube; True when the shown rows changed."""
        xyz = np.asarray(xyz, dtype=np.float32)
        if xyz.ndim != 2 or xyz.shape[1] < 3:  # a 2D projection: flat in the z = 0 plane
            xyz = np.column_stack([xyz[:, :2], np.zeros(len(xyz), np.float32)]) if len(xyz) else \
                np.zeros((0, 3), np.float32)
        xyz = xyz[:, :3]
        self._raw = xyz
        finite = np.isfinite(xyz).all(axis=1)
        if finite.all():
            ids = np.arange(len(xyz))
            self._row_of = None
        else:
            ids = np.flatnonzero(finite)
            self._row_of = np.full(len(xyz), -1, np.int64)
            self._row_of[ids] = np.arange(len(ids))
        shown = xyz[ids]
        if len(shown):
            # Robust framing: a few outliers must not shrink the cloud to a dot. Live
            # updates keep the frame (points must not breathe) until the cloud outgrows it.
            centre = np.median(shown, axis=0)
            reach = np.abs(shown - centre).max(axis=1)
            extent = float(np.percentile(reach, 98)) or float(reach.max()) or 1.0
            if self._frame is not None and 0.67 < extent / self._frame[1] < 1.5:
                centre, extent = self._frame
            self._frame = (centre, extent)
            shown = (shown - centre) / extent
        changed = len(ids) != len(self._ids) or not np.array_equal(ids, self._ids)
        self._ids = ids
        self._xyz = shown.astype(np.float32)
        self._screen = None
        self._moves += 1
        if changed:
            self._emphasis_rows = self._rows(self._emphasised_ids())
            self._faded = self._faded_rows()
        return changed

    def _upload(self) -> None:
        if len(self._colors) != len(self._xyz):
            return
        colors = self._colors
        if self._faded is not None and len(self._faded) == len(colors):
            colors = colors.copy()
            colors[self._faded, 3] = FADED_ALPHA
        size = point_size_3d(len(self._xyz), self.theme.point_size)
        self.points.setData(pos=self._xyz, color=colors, size=size)
        self._upload_emphasis(size)
        self.update()

    def _upload_emphasis(self, size: float) -> None:
        rows = self._emphasis_rows
        rows = rows[rows < len(self._xyz)]
        pos = self._xyz[rows] if len(rows) else np.zeros((0, 3), np.float32)
        ring = QColor(self.theme.foreground)
        self.rings.setData(pos=pos, size=size + RING_PX, color=(ring.redF(), ring.greenF(), ring.blueF(), 0.95))
        colors = self._colors[rows].copy() if len(rows) and len(self._colors) == len(self._xyz) \
            else np.zeros((len(rows), 4), np.float32)
        colors[:, 3] = 1.0
        self.emphasised.setData(pos=pos, size=size + 3, color=colors)
        self._upload_neighbour_lines()

    def _upload_neighbour_lines(self) -> None:
        rows = self._rows([self.neighbour_of] if self.neighbour_of is not None else [])
        others = self._rows(self.neighbour_ids)
        if not len(rows) or not len(others):
            self.neighbour_lines.setVisible(False)
            return
        pairs = np.empty((2 * len(others), 3), np.float32)
        pairs[0::2] = self._xyz[rows[0]]
        pairs[1::2] = self._xyz[others]
        line = QColor(self.theme.foreground)
        self.neighbour_lines.setData(pos=pairs, color=(line.redF(), line.greenF(), line.blueF(), 0.7))
        self.neighbour_lines.setVisible(True)

    def set_statement(self, text: str) -> None:
        """What the view shows (method, sample), drawn in the corner and in exports."""
        self.statement = text
        self.update()

    def set_label_note(self, text: str) -> None:
        """What the unasked labels are, drawn above the statement (and so in exports); "" hides it."""
        self.label_note = text
        self.update()

    # -- labels, as 2D labels them ------------------------------------------------------
    def _follow_label_column(self) -> None:
        """Label texts: each token's value of state.view.label_column (the token where missing)."""
        name, metadata = self.state.view.label_column, self.metadata
        if not name or metadata is None or name not in metadata.names:
            self._label_texts = None
        else:
            numeric = metadata.is_numeric(name)
            values = _fit_length(metadata.values(name), len(self.tokens), numeric)
            self._label_texts = [token if (not np.isfinite(v) if numeric else v == "") else
                                 (f"{v:.4g}" if numeric else str(v)) for token, v in zip(self.tokens, values)]
        self._moves += 1
        self.update()

    def label_text(self, token_id: int) -> str:
        return self._label_texts[token_id] if self._label_texts is not None else self.tokens[token_id]

    def set_labels(self, ids: list[int]) -> None:
        """Label these token IDs (e.g. the most frequent), after the current token, its
        neighbours, the selection and the search hits."""
        self._label_ids = [int(i) for i in ids if 0 <= int(i) < len(self.tokens)][:MAX_LABELS]
        self.update()

    @property
    def label_ids(self) -> list[int]:
        """The tokens asked to be labelled (besides current, neighbours, selection, search hits)."""
        return list(self._label_ids)

    def _label_candidates(self) -> tuple[list[int], set[int]]:
        """Token IDs to label in priority order, and the ones drawn in bold."""
        n = len(self.tokens)
        first = [self.current] if self.current is not None and 0 <= self.current < n else []
        neighbours = [i for i in self.neighbour_ids if 0 <= i < n]
        selection = [i for i in self.selection if 0 <= i < n][:MAX_SELECTION_LABELS]
        hits = self.search_hits
        if len(hits) > MAX_HIT_LABELS and self.counts is not None:
            hits = hits[np.argsort(-self.counts[hits], kind="stable")]
        strong = list(dict.fromkeys(first + neighbours + selection + hits[:MAX_HIT_LABELS].tolist()))
        return list(dict.fromkeys(strong + self._label_ids)), set(strong)

    @property
    def labels(self) -> list[str]:
        """Texts of the labels on screen now (in front of the camera, after overlap suppression)."""
        return [self.label_text(i) for i, _box, _bold in self.label_boxes()]

    def label_boxes(self) -> list[tuple[int, QRectF, bool]]:
        """(token id, box in widget pixels, bold) of each label, as the next paint draws them."""
        candidates, strong = self._label_candidates()
        top = self.toolbar.height() if not self.toolbar.isHidden() else 0
        key = (self._camera_key(), self._moves, tuple(candidates), tuple(sorted(strong)), self.theme.label_size, top)
        if self._label_layout is not None and self._label_layout[0] == key:
            return self._label_layout[1]  # a repaint with nothing moved (a tooltip, a legend)
        boxes = self._layout_labels(candidates, strong, top)
        self._label_layout = (key, boxes)
        return boxes

    def _layout_labels(self, candidates: list[int], strong: set[int], top: int) -> list[tuple[int, QRectF, bool]]:
        rows = self._rows(candidates, keep=True)
        shown = [(token_id, row) for token_id, row in zip(candidates, rows) if row >= 0]
        if not shown:
            return []
        screen = self.screen_points()
        regular, bold = QFontMetricsF(self._font(self.theme.label_size)), \
            QFontMetricsF(self._font(self.theme.label_size, bold=True))
        anchors, sizes, keep = [], [], []
        for token_id, row in shown:
            if not screen.front[row]:
                continue
            rect = (bold if token_id in strong else regular).boundingRect(self.label_text(token_id))
            anchors.append(screen.xy[row])
            sizes.append((rect.width() + 6, rect.height() + 2))
            keep.append(token_id)
        placed = place_labels(np.array(anchors).reshape(-1, 2), np.array(sizes).reshape(-1, 2),
                              bounds=(0, top, self.width(), self.height()))
        return [(keep[i], QRectF(x0, y0, x1 - x0, y1 - y0), keep[i] in strong) for i, (x0, y0, x1, y1) in placed]

    def _rows(self, token_ids, keep: bool = False) -> np.ndarray:
        """Shown rows of these token IDs: unshown ones left out, or -1 with `keep`."""
        ids = np.asarray(list(token_ids), np.int64).reshape(-1)
        ok = (ids >= 0) & (ids < self._n_tokens)
        rows = np.full(len(ids), -1, np.int64)
        if self._row_of is None:
            rows[ok] = ids[ok]
            rows[rows >= len(self._xyz)] = -1
        else:
            rows[ok] = self._row_of[ids[ok]]
        return rows if keep else rows[rows >= 0]

    # -- emphasis: current, neighbours, selection, search hits ----------------------------
    def _emphasised_ids(self) -> list[int]:
        first = [self.current] if self.current is not None else []
        return list(dict.fromkeys(first + self.neighbour_ids + self.selection + self.search_hits.tolist()))

    def _faded_rows(self) -> np.ndarray | None:
        """Per shown row, True for points dimmed while a search is shown (not hits, not selected)."""
        if not self.search_text or not len(self.search_hits):
            return None
        faded = np.ones(len(self._xyz), dtype=bool)
        faded[self._rows(self.search_hits)] = False
        faded[self._rows(self.selection)] = False
        faded[self._rows([self.current] if self.current is not None else [])] = False
        return faded

    def _refresh_emphasis(self) -> None:
        self._emphasis_rows = self._rows(self._emphasised_ids())
        self._faded = self._faded_rows()
        self._upload()

    def _selection_changed(self) -> None:
        self.toolbar.show_selection(len(self.selection))
        self._refresh_emphasis()

    def set_neighbours(self, token_id: int | None, ids) -> None:
        """Draw a line from `token_id` to each of its neighbours `ids` and label them
        (None or no ids: none drawn). Neighbours outside the shown rows are left out."""
        self.neighbour_of = None if token_id is None else int(token_id)
        self.neighbour_ids = [] if token_id is None else [int(i) for i in ids if int(i) != int(token_id)]
        self._refresh_emphasis()

    # -- search ------------------------------------------------------------------------
    def _match(self, text: str, regex: bool) -> np.ndarray:
        if self._lowered is None:
            self._lowered = [t.lower() for t in self.tokens]
        return match_tokens(self.tokens, text, regex=regex, lowered=self._lowered)

    def search(self, text: str, regex: bool = False, centre: bool = True) -> np.ndarray:
        """Highlight and label tokens matching `text` (substring, or a regex), turn the camera to
        them, and write the search to state.explore (the 2D view follows it too).

        A bad regex raises ExplorerError; the previous search stays shown."""
        try:
            hits = self._match(text, regex) if text else np.zeros(0, np.int64)
        except ExplorerError:
            self.toolbar.show_search(text, regex, None)
            raise
        self._show_search(text, regex, hits)
        self.state.explore.update(search=text, search_regex=regex)
        if centre:
            self.centre_on(hits)
        return hits

    def _follow_search(self) -> None:
        explore = self.state.explore
        if (explore.search, explore.search_regex) == (self.search_text, self._search_regex):
            return
        try:
            hits = self._match(explore.search, explore.search_regex) if explore.search else np.zeros(0, np.int64)
        except ExplorerError:
            self.toolbar.show_search(explore.search, explore.search_regex, None)
            return  # the previous search stays shown
        self._show_search(explore.search, explore.search_regex, hits)

    def _show_search(self, text: str, regex: bool, hits: np.ndarray) -> None:
        self.search_text, self._search_regex = text, regex
        self.search_hits = np.asarray(hits, np.int64)
        self.toolbar.show_search(text, regex, len(hits))
        if self.state.view.colour == "regex" and not self.state.view.colour_pattern:
            self._recolour()
        self._refresh_emphasis()

    def centre_on(self, ids) -> None:
        """Turn the camera to look at these tokens (their median), at the same distance."""
        rows = self._rows(ids)
        if not len(rows):
            return
        centre = np.median(self._xyz[rows], axis=0)
        self.opts["center"] = Vector(*(float(v) for v in centre))
        self._screen = None
        self.update()
        self._store_camera()

    # -- selection --------------------------------------------------------------------
    def set_selection(self, ids) -> None:
        self.state.explore.selection = tuple(int(i) for i in ids)

    @property
    def selected_tokens(self) -> list[str]:
        return [self.tokens[i] for i in self.selection if 0 <= i < len(self.tokens)]

    def copy_selection(self) -> str:
        text = "\n".join(self.selected_tokens)
        QGuiApplication.clipboard().setText(text)
        return text

    def set_tool(self, tool: str) -> None:
        """'pan' (drag orbits; Shift-drag selects a box), 'rect' or 'lasso' (drag selects)."""
        self.tool = tool
        self.toolbar.tool_buttons[tool].setChecked(True)

    def select_screen_shape(self, kind: str, outline: list[tuple[float, float]], additive: bool = False) -> list[int]:
        """Select the tokens drawn inside a rectangle (two or four corners) or a lasso polygon,
        in widget pixels, whatever their depth."""
        screen = self.screen_points()
        if kind == "rect":
            xs, ys = [p[0] for p in outline], [p[1] for p in outline]
            rows = pick3d.in_rect(screen, min(xs), min(ys), max(xs), max(ys))
        else:
            rows = pick3d.in_polygon(screen, outline)
        chosen = self._ids[rows].tolist()
        if additive:
            chosen = list(dict.fromkeys(self.selection + chosen))
        self.set_selection(chosen)
        self.selection_changed.emit(list(chosen))
        return chosen

    # -- picking ------------------------------------------------------------------------
    def _camera_key(self) -> tuple:
        o = self.opts
        c = o["center"]
        return (o["distance"], o["elevation"], o["azimuth"], o["fov"], c.x(), c.y(), c.z(),
                self.width(), self.height(), o.get("rotationMethod"), str(o.get("rotation")))

    def screen_points(self) -> pick3d.ScreenPoints:
        """Every shown row as the camera sees it now, in widget (logical) pixels."""
        key = self._camera_key()
        if self._screen is None or self._screen[0] != key:
            w, h = max(self.width(), 1), max(self.height(), 1)
            viewport = (0, 0, w, h)
            view = np.array(self.viewMatrix().data(), np.float64).reshape(4, 4).T  # Qt stores column-major
            proj = np.array(self.projectionMatrix(viewport, viewport).data(), np.float64).reshape(4, 4).T
            self._screen = (key, pick3d.project(self._xyz, view, proj, w, h))
        return self._screen[1]

    def screen_positions(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Widget pixel coordinates of shown rows, and whether each is in front of the camera."""
        screen = self.screen_points()
        rows = np.asarray(rows, np.int64)
        return screen.xy[rows], screen.front[rows]

    def point_at(self, x: float, y: float) -> int | None:
        """The token drawn at widget pixel (x, y), within a few pixels; the front-most when several."""
        if not len(self._xyz):
            return None
        size = point_size_3d(len(self._xyz), self.theme.point_size)
        screen = self.screen_points()
        on_top = self._emphasis_rows[self._emphasis_rows < len(self._xyz)]
        if len(on_top):  # highlighted points are drawn over the cloud: they are what the cursor is on
            cover = (size + RING_PX) / 2
            row = pick3d.nearest(screen.take(on_top), x, y, radius=cover, cover=cover)
            if row is not None:
                return int(self._ids[on_top[row]])
        row = pick3d.nearest(screen, x, y, radius=HOVER_RADIUS_PX + size / 2, cover=size / 2)
        return None if row is None else int(self._ids[row])

    def tip(self, i: int) -> str:
        """As 2D's: the token, its ID and count, its first metadata columns, its neighbours kept."""
        return point_tip(self.tokens, i, self.counts, self.metadata, self.fidelity)

    def _hover(self, pos: QPointF) -> None:
        i = self.point_at(pos.x(), pos.y())
        self.hovered = i
        if i is None:
            if self.hover_text:
                QToolTip.hideText()
            self.hover_text = ""
            return
        self.hover_text = self.tip(i)
        QToolTip.showText(QCursor.pos(), self.hover_text, self)

    # -- presentation -----------------------------------------------------------
    @property
    def auto_rotating(self) -> bool:
        return self._rotate_timer.isActive()

    def set_auto_rotate(self, on: bool) -> None:
        """Orbit the camera slowly around the cloud (for presentations): state.view.auto_rotate."""
        self.state.view.auto_rotate = bool(on)

    def _follow_auto_rotate(self, on: bool) -> None:
        if on == self.auto_rotating:
            return
        if on:
            self._rotate_timer.start()
        else:
            self._rotate_timer.stop()
            self._store_camera()  # where the rotation left the camera
        self.auto_rotate_changed.emit(on)

    def _follow_presenting(self, on: bool) -> None:
        """Search and tools are not for an audience: the strip is hidden while presenting (as 2D's)."""
        self.toolbar.setHidden(bool(on))
        self.update()

    # -- the camera, in state.view.camera3d -------------------------------------------
    def camera(self) -> dict:
        opts = self.opts
        center = opts["center"]
        return {"distance": float(opts["distance"]), "elevation": float(opts["elevation"]),
                "azimuth": float(opts["azimuth"]), "center": [center.x(), center.y(), center.z()]}

    def _camera_moved(self) -> None:
        if not self._camera_timer.isActive():  # a throttle: one write per interval while it moves
            self._camera_timer.start()

    def _store_camera(self) -> None:
        self.state.view.camera3d = self.camera()

    def _follow_camera(self, camera: dict | None) -> None:
        if camera is None or camera == self.camera():
            return
        try:
            self.setCameraPosition(pos=Vector(*camera.get("center", (0, 0, 0))), distance=camera["distance"],
                                   elevation=camera["elevation"], azimuth=camera["azimuth"])
        except (KeyError, TypeError, ValueError):
            return  # a camera from another version: keep this one
        self.update()

    def set_theme(self, theme: Theme) -> None:
        self.theme = theme
        self.setBackgroundColor(QColor(theme.background))
        dark = QColor(theme.background).lightness() < 128
        self.grid.setColor((255, 255, 255, 40) if dark else (0, 0, 0, 40))
        self._upload()

    def export(self, path: str | Path) -> Path:
        """Save what the view shows (points, labels, legend) as a PNG."""
        path = Path(path)
        if path.suffix.lower() != ".png":
            path = path.with_suffix(".png")
        if not self.grab_image().save(str(path)):
            raise OSError(f"{path}: could not write the picture")
        return path

    def grab_image(self):
        """The rendered scene with the overlay (labels, legend, statement) painted on it."""
        image = self.grabFramebuffer()
        painter = QPainter(image)
        try:
            self.paint_overlay(painter)  # the image carries the device pixel ratio: logical units
        finally:
            painter.end()
        return image

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self.overlay.setGeometry(self.rect())
        self.toolbar.setGeometry(0, 0, self.width(), self.toolbar.arrange(self.width()))
        self.toolbar.raise_()

    # -- mouse: orbit, hover, click, select ------------------------------------------------
    def mousePressEvent(self, event) -> None:
        self.set_auto_rotate(False)  # the user takes the camera
        pos = event.position()
        self._press = (pos, event.button())
        selecting = event.button() == Qt.LeftButton and (
            self.tool != "pan" or bool(event.modifiers() & Qt.ShiftModifier))
        if selecting:
            self._drag = [pos]
            # With a selection tool Shift or Ctrl adds (as in 2D); Shift-drag in Orbit replaces.
            extra = Qt.ControlModifier if self.tool == "pan" else (Qt.ShiftModifier | Qt.ControlModifier)
            self._drag_additive = bool(event.modifiers() & extra)
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event) -> None:
        pos = event.position()
        if self._drag is not None:
            if self.tool == "lasso":
                self._drag.append(pos)
            else:
                self._drag = [self._drag[0], pos]
            self.overlay.update()
            return
        if event.buttons() == Qt.NoButton:
            self._hover(pos)
            return
        super().mouseMoveEvent(event)
        self._camera_moved()

    def mouseReleaseEvent(self, event) -> None:
        pos = event.position()
        press, self._press = self._press, None
        if self._drag is not None:
            outline, self._drag = self._drag + [pos], None
            self.overlay.update()
            moved = max(abs(p.x() - outline[0].x()) + abs(p.y() - outline[0].y()) for p in outline)
            if moved >= CLICK_SLOP_PX:
                kind = "lasso" if self.tool == "lasso" else "rect"
                corners = [(p.x(), p.y()) for p in (outline if kind == "lasso" else (outline[0], pos))]
                self.select_screen_shape(kind, corners, self._drag_additive)
                return
        if press is not None and press[1] == Qt.LeftButton and event.button() == Qt.LeftButton \
                and abs(pos.x() - press[0].x()) + abs(pos.y() - press[0].y()) < CLICK_SLOP_PX:
            i = self.point_at(pos.x(), pos.y())
            if i is not None:
                self.state.explore.current = i
                self.point_clicked.emit(i)
        super().mouseReleaseEvent(event)

    def leaveEvent(self, event) -> None:
        self.hovered, self.hover_text = None, ""
        super().leaveEvent(event)

    def wheelEvent(self, event) -> None:
        super().wheelEvent(event)
        self._camera_moved()

    # -- overlay ----------------------------------------------------------------
    def paintGL(self) -> None:
        super().paintGL()
        self.overlay.update()  # the camera may have moved: labels follow their points

    def paint_overlay(self, painter: QPainter) -> None:
        painter.setRenderHints(QPainter.Antialiasing | QPainter.TextAntialiasing)
        self._paint_labels(painter)
        self._paint_legend(painter)
        self._paint_statement(painter)
        self._paint_drag(painter)

    def _font(self, size: int, bold: bool = False) -> QFont:
        font = QFont()
        font.setPointSize(size)
        font.setBold(bold)
        return font

    def _paint_labels(self, painter: QPainter) -> None:
        boxes = self.label_boxes()
        if not boxes:
            return
        fonts = {False: self._font(self.theme.label_size), True: self._font(self.theme.label_size, bold=True)}
        fg, bg = QColor(self.theme.foreground), QColor(self.theme.background)
        bg.setAlpha(200)
        for token_id, box, bold in boxes:
            painter.setFont(fonts[bold])
            painter.setPen(Qt.NoPen)
            painter.setBrush(bg)
            painter.drawRoundedRect(box, 3, 3)
            painter.setPen(QPen(fg))
            painter.drawText(box, Qt.AlignCenter, self.label_text(token_id))

    def _paint_drag(self, painter: QPainter) -> None:
        if not self._drag or len(self._drag) < 2:
            return
        pen = QPen(QColor(self.theme.foreground), 1.2, Qt.DashLine)
        painter.setPen(pen)
        painter.setBrush(QColor(66, 133, 244, 40))
        if self.tool == "lasso":
            painter.drawPolygon(QPolygonF(self._drag))
        else:
            painter.drawRect(QRectF(self._drag[0], self._drag[-1]).normalized())

    def _paint_colour_bar(self, painter: QPainter) -> None:
        """A gradient colouring's bar (fidelity, a numeric column): caption, ramp, low and high."""
        caption, lo, hi, ramp = self.colour_bar
        font = self._font(self.theme.font_size - 1)
        painter.setFont(font)
        metrics = QFontMetricsF(font)
        line = metrics.height() + 2
        width = max(metrics.horizontalAdvance(caption), 160) + 20
        top = 12 + (self.toolbar.height() if not self.toolbar.isHidden() else 0)
        box = QRectF(self.width() - width - 12, top, width, 2 * line + 26)
        painter.setPen(QPen(QColor(200, 200, 200)))
        painter.setBrush(QColor(*self.theme.legend_background))
        painter.drawRoundedRect(box, 4, 4)
        painter.setPen(QPen(QColor(self.theme.foreground)))
        painter.drawText(QRectF(box.left() + 10, box.top() + 4, width - 20, line), Qt.AlignLeft, caption)
        strip = QRectF(box.left() + 10, box.top() + line + 8, width - 20, 12)
        step = strip.width() / len(ramp)
        painter.setPen(Qt.NoPen)
        for k, c in enumerate(ramp):
            painter.setBrush(QColor(int(c[0]), int(c[1]), int(c[2])))
            painter.drawRect(QRectF(strip.left() + k * step, strip.top(), step + 0.5, strip.height()))
        painter.setPen(QPen(QColor(self.theme.foreground)))
        below = QRectF(strip.left(), strip.bottom() + 2, strip.width(), line)
        painter.drawText(below, Qt.AlignLeft, f"{lo:.3g}")
        painter.drawText(below, Qt.AlignRight, f"{hi:.3g}")

    def _paint_legend(self, painter: QPainter) -> None:
        if self.colour_bar is not None:
            self._paint_colour_bar(painter)
            return
        if not self.legend_entries:
            return
        font = self._font(self.theme.font_size - 1)
        painter.setFont(font)
        metrics = QFontMetricsF(font)
        line = metrics.height() + 4
        width = max(metrics.horizontalAdvance(name) for name, _ in self.legend_entries) + 34
        top = 12 + (self.toolbar.height() if not self.toolbar.isHidden() else 0)  # under the toolbar
        box = QRectF(self.width() - width - 12, top, width, line * len(self.legend_entries) + 10)
        painter.setPen(QPen(QColor(200, 200, 200)))
        painter.setBrush(QColor(*self.theme.legend_background))
        painter.drawRoundedRect(box, 4, 4)
        for k, (name, color) in enumerate(self.legend_entries):
            y = box.top() + 5 + k * line
            painter.setPen(Qt.NoPen)
            painter.setBrush(QColor(*color[:3]))
            painter.drawEllipse(QPointF(box.left() + 14, y + line / 2), 5, 5)
            painter.setPen(QPen(QColor(self.theme.foreground)))
            painter.drawText(QRectF(box.left() + 26, y, width - 28, line), Qt.AlignVCenter | Qt.AlignLeft, name)

    def _paint_statement(self, painter: QPainter) -> None:
        """The statement in the bottom-left corner, the label note above it."""
        font = self._font(self.theme.font_size - 1)
        painter.setFont(font)
        metrics = QFontMetricsF(font)
        bottom = self.height() - 8
        for text in (self.statement + (" · auto-rotate on" if self.auto_rotating else ""), self.label_note):
            if not text:
                continue
            text = metrics.elidedText(text, Qt.ElideRight, max(self.width() - 34, 40))
            rect = QRectF(10, bottom - metrics.height() - 6, metrics.horizontalAdvance(text) + 14,
                          metrics.height() + 6)
            painter.setPen(QPen(QColor(200, 200, 200)))
            painter.setBrush(QColor(*self.theme.legend_background))
            painter.drawRoundedRect(rect, 3, 3)
            painter.setPen(QPen(QColor(self.theme.foreground)))
            painter.drawText(rect, Qt.AlignCenter, text)
            bottom = rect.top() - 4


def _fit_length(values: np.ndarray, n: int, numeric: bool) -> np.ndarray:
    """A column cut or padded (missing) to n rows."""
    if len(values) == n:
        return values
    out = np.full(n, np.nan) if numeric else np.full(n, "", dtype=object)
    m = min(n, len(values))
    out[:m] = values[:m]
    return out
