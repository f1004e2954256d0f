"""The 2D projection view: one point per token, coloured, labelled, searchable,
selectable, exportable, and fast for 50k moving points or 400k static ones.

The view follows `state.view` (colour mode, k, regex, the visible range) and
`state.explore` (selection, search, current token), and writes them when the user acts:
the toolbar's boxes are bound to them, panning and zooming write `range2d`.

The items are created once; live training only moves coordinates (Orange3's
lesson). Drawing, picking, label placement and colouring logic live in
explorer.core.view, k-means in explorer.core.analysis.clusters (Qt-free); the
items are in scatter_items.py.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import (
    QColor, QCursor, QFont, QFontMetricsF, QGuiApplication, QImage, QKeySequence, QPainter, QShortcut,
)
from PySide6.QtWidgets import QGraphicsRectItem, QGraphicsSimpleTextItem, QToolTip

from explorer.core import ExplorerError
from explorer.core.analysis.clusters import kmeans
from explorer.core.state.app import AppState
from explorer.core.view.captions import group_captions
from explorer.core.view.colours import MAX_GROUPS, column_colours, gradient_colours, match_tokens, point_colours
from explorer.core.view.density import density_grid
from explorer.core.view.labels import whole_word
from explorer.core.view.picking import points_in_polygon, points_in_rect
from explorer.core.view.tips import point_tip
from explorer.ui.theme import NEUTRAL, PALETTE, Theme
from explorer.ui.views.scatter_items import (
    ContoursItem, LabelsItem, LegendBox, NeighboursItem, PointsItem, SelectViewBox, TrailsItem,
)
from explorer.ui.views.scatter_toolbar import ScatterToolbar

HOVER_RADIUS_PX = 7
MAX_HIT_LABELS = 150
MAX_SELECTION_LABELS = 150
RANGE_WRITE_MS = 100  # panning and zooming write state.view.range2d at most this often
OVERLAY_MS = 250  # moving points (live training) recompute captions and contours at most this often
FIDELITY_RANGE = (0.0, 1.0)  # the share of neighbours kept: its colour bar always spans 0..1


def point_diameter(n: int, base: int) -> float:
    """Smaller points for bigger vocabularies, so dense clouds stay readable."""
    if n <= 2_000:
        return base + 1
    if n <= 20_000:
        return 7
    return 5


class Scatter2D(pg.PlotWidget):
    """Public API: set_points / set_positions / set_legend / set_axis_titles / set_labels,
    set_trails, search, set_color_mode, set_selection, set_tool, export; overlays:
    set_neighbours, set_fidelity, set_metadata (colour and label by a column), group captions
    (state.view.cluster_labels) and density contours (state.view.density); signals
    point_clicked(int) and selection_changed(list of ids). `state` is the AppState it
    follows (its own when none is given)."""

    point_clicked = Signal(int)
    selection_changed = Signal(list)
    status_changed = Signal(str)  # what is drawn: all points, or the density of how many
    colors_changed = Signal()

    def __init__(self, theme: Theme, state: AppState | None = None, parent=None) -> None:
        self.viewbox = SelectViewBox()
        self.toolbar = None
        super().__init__(parent=parent, background=theme.background, viewBox=self.viewbox)
        self.theme = theme
        self.state = state or AppState()
        self.tokens: list[str] = []
        self.counts: np.ndarray | None = None
        self._xy = np.zeros((0, 2), dtype=np.float32)
        self._label_ids: list[int] = []
        self._lowered: list[str] | None = None
        self._whole_words: np.ndarray | None = None
        self.search_hits = np.zeros(0, np.int64)
        self.search_text = ""  # the search whose hits are shown
        self._search_regex = False
        self.hovered: int | None = None
        self.hover_text = ""
        self.cluster_labels: np.ndarray | None = None
        self.cluster_runner = None  # callable(k, done(labels)): k-means of the full vectors
        self._category_colors = np.zeros((0, 4), np.uint8)
        self._category_legend: list = []
        self.colors = np.zeros((0, 4), np.uint8)
        self.legend_entries: list = []
        self.trail_ids: list[int] = []
        self.status_text = ""
        self.neighbour_of: int | None = None  # the token whose neighbours are drawn
        self.neighbour_ids = np.zeros(0, np.int64)
        self.neighbour_note = ""  # "3 of 10 neighbours are off the plot"
        self.fidelity = None  # per-token share of neighbours kept (NaN: not measured), and its caption
        self.fidelity_caption = ""
        self.metadata = None  # explorer.core.io.metadata.Metadata, or None
        self.colour_bar_caption = ""  # the caption of the colour bar shown ("" when a legend is)
        self.groups: np.ndarray | None = None  # the group of each point when colouring by groups
        self.captions: list = []  # explorer.core.view.captions.Caption of each group shown
        self.density = None  # explorer.core.view.density.Density drawn as contours

        plot = self.getPlotItem()
        plot.setMenuEnabled(False)
        plot.hideButtons()
        # One readable axis title; the scale is in the tick values (no "(x0.001)" appended).
        for name in ("left", "bottom"):
            plot.getAxis(name).enableAutoSIPrefix(False)
        # A unit on x is a unit on y: distances on screen compare across directions.
        self.viewbox.setAspectLocked(True, ratio=1.0)
        self.title_text = ""
        self.showGrid(x=True, y=True, alpha=0.12)
        self.points = PointsItem(theme.background, theme.foreground)
        self.points.setZValue(0)
        self.trails = TrailsItem(theme.foreground)
        self.trails.setZValue(5)
        self.label_item = LabelsItem(theme.foreground, theme.background, theme.label_size)
        self.label_item.setZValue(10)
        self.neighbours_item = NeighboursItem(theme.foreground)
        self.neighbours_item.setZValue(4)  # over the points, under the labels
        self.contours = ContoursItem(theme.foreground, theme.background)
        self.contours.setZValue(2)  # over the points (a dense cloud hides lines behind it), under the labels
        self.addItem(self.points)
        for item in (self.trails, self.label_item, self.neighbours_item, self.contours):  # not data bounds
            self.addItem(item, ignoreBounds=True)
        self.viewbox.on_select = self._select_shape

        # The legend sits in its own column right of the plot: it never covers points.
        self.legend = LegendBox(theme.foreground, theme.font_size - 1)
        plot.layout.addItem(self.legend, 2, 3)
        plot.layout.setAlignment(self.legend, Qt.AlignTop | Qt.AlignLeft)
        plot.layout.removeItem(plot.titleLabel)  # a long title may run over the legend's column,
        plot.layout.addItem(plot.titleLabel, 0, 1, 1, 3)  # rather than squeeze the legend

        # What is drawn, stated on the view itself (and so in exports).
        self._status_box = QGraphicsRectItem(self.viewbox)
        self._status_box.setBrush(QColor(255, 255, 255, 215))
        self._status_box.setPen(QColor(200, 200, 200))
        self._status_box.setZValue(1e6)
        self._status_label = QGraphicsSimpleTextItem(self._status_box)
        self._status_label.setBrush(QColor(theme.foreground))
        self._status_box.setVisible(False)
        # Which tokens carry labels unasked ("the 60 most frequent tokens"), bottom right.
        self._note_box = QGraphicsRectItem(self.viewbox)
        self._note_box.setBrush(QColor(255, 255, 255, 215))
        self._note_box.setPen(QColor(200, 200, 200))
        self._note_box.setZValue(1e6)
        self._note_label = QGraphicsSimpleTextItem(self._note_box)
        self._note_label.setBrush(QColor(theme.foreground))
        note_font = QFont()
        note_font.setPointSize(max(theme.font_size - 1, 7))
        self._note_label.setFont(note_font)
        self._note_box.setVisible(False)
        self.label_note = ""
        self.viewbox.sigResized.connect(lambda *_: self._place_status())
        self.viewbox.sigRangeChanged.connect(lambda *_: self._update_status())
        self._range_timer = QTimer(self, singleShot=True, interval=RANGE_WRITE_MS)
        self._range_timer.timeout.connect(self._store_range)
        self.viewbox.sigRangeChanged.connect(self._range_moved)
        self._overlay_timer = QTimer(self, singleShot=True, interval=OVERLAY_MS)
        self._overlay_timer.timeout.connect(self._update_moving_overlays)

        self.scene().sigMouseMoved.connect(self._mouse_moved)
        self.scene().sigMouseClicked.connect(self._mouse_clicked)
        QShortcut(QKeySequence.Copy, self, self.copy_selection, context=Qt.WidgetWithChildrenShortcut)

        view, explore = self.state.view.events, self.state.explore.events
        view.colour.connect(lambda _mode: self._apply_color_mode())
        view.clusters.connect(self._clusters_changed)
        view.colour_pattern.connect(lambda _p: self.color_mode == "regex" and self._apply_color_mode())
        view.colour_column.connect(lambda _c: self.color_mode == "column" and self._apply_color_mode())
        view.label_column.connect(lambda _c: self._show_label_texts())
        view.cluster_labels.connect(lambda _on: self._update_captions())
        view.density.connect(lambda _on: self._update_density())
        view.neighbours.connect(lambda _on: self._show_neighbours())
        view.range2d.connect(self._follow_range)
        explore.selection.connect(self._show_selection)
        explore.current.connect(lambda _id: self._refresh_emphasis())
        explore.search.connect(lambda _text: self._follow_search())
        explore.search_regex.connect(lambda _on: self._follow_search())

        self.toolbar = ScatterToolbar(self)
        self.toolbar.installEventFilter(self)  # shown or hidden: the plot takes or gives back its strip
        self.resizeEvent(None)

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 (Qt's name)
        if obj is self.toolbar and event.type() in (QEvent.Show, QEvent.Hide) and not self.closed:
            QTimer.singleShot(0, lambda: None if self.closed else self.resizeEvent(None))
        return super().eventFilter(obj, event)

    # -- what the state says -------------------------------------------------------------
    @property
    def color_mode(self) -> str:
        return self.state.view.colour

    @property
    def cluster_k(self) -> int:
        return self.state.view.clusters

    @property
    def color_pattern(self) -> str:
        return self.state.view.colour_pattern

    @property
    def selection(self) -> list[int]:
        return list(self.state.explore.selection)

    @property
    def current(self) -> int | None:
        return self.state.explore.current

    # -- layout of the toolbar above the plot ------------------------------------------
    def resizeEvent(self, event) -> None:
        # pyqtgraph sizes the scene to the whole widget; ours is the viewport, below the toolbar.
        if self.closed:
            return
        top = 0
        if getattr(self, "toolbar", None) is not None:
            # A hidden toolbar (presentation mode) leaves no strip above the plot.
            top = 0 if self.toolbar.isHidden() else self.toolbar.arrange(self.width())
            self.toolbar.setGeometry(0, 0, self.width(), top)
            if self.viewportMargins().top() != top:
                self.setViewportMargins(0, top, 0, 0)
        if self.autoPixelRange:
            self.range = QRectF(0, 0, self.width(), max(1, self.height() - top))
        pg.GraphicsView.setRange(self, self.range, padding=0, disableAutoPixel=False)
        self.updateMatrix()

    # -- points --------------------------------------------------------------------------
    @property
    def point_count(self) -> int:
        return len(self._xy)

    @property
    def xy(self) -> np.ndarray:
        return self._xy

    def set_points(self, xy: np.ndarray, tokens: list[str], colors: np.ndarray,
                   counts: np.ndarray | None = None) -> None:
        """Replace all points: positions (N x 2), tokens and RGBA colours (N x 4)."""
        self.tokens = list(tokens)
        self._lowered = None
        self._whole_words = None
        self.counts = None if counts is None else np.asarray(counts)
        self._xy = np.ascontiguousarray(xy, dtype=np.float32)
        self.cluster_labels = None
        self.search_hits = np.zeros(0, np.int64)
        self.hovered = None
        self._category_colors = np.asarray(colors, dtype=np.uint8).reshape(-1, 4)
        self.points.set_diameter(point_diameter(len(self._xy), self.theme.point_size))
        self.label_item.set_tokens(self.label_texts())
        self.label_item.xy = self._xy
        self.trails.set_trails([], np.zeros((0, 0, 2), np.float32), [])
        self.trail_ids = []
        if self.fidelity is not None and len(self.fidelity) != len(self._xy):
            self.fidelity = None
        self.neighbour_of, self.neighbour_ids = None, np.zeros(0, np.int64)
        self._show_neighbours()
        self._apply_color_mode()
        self._update_density()
        if self.search_text:
            self._show_search(self.search_text, self._search_regex, self._match(self.search_text, self._search_regex),
                              centre=False)
        self._refresh_emphasis()
        self.autoRange(padding=0.06)
        self._update_status()

    def set_positions(self, xy: np.ndarray) -> None:
        """Move the existing points (live training): no rebuild, no copy when float32."""
        self._xy = np.ascontiguousarray(xy, dtype=np.float32)
        self.points.set_data(self._xy)
        self.label_item.xy = self._xy
        self.label_item.update()
        self.neighbours_item.xy = self._xy
        self.neighbours_item.update()
        if (self._captions_wanted() or self.density is not None) and not self._overlay_timer.isActive():
            self._overlay_timer.start()  # throttled: live training moves the points many times a second
        self._update_status()

    # -- colours and legend ----------------------------------------------------------
    def set_legend(self, entries: list[tuple[str, tuple[int, int, int, int]]]) -> None:
        """Legend of the category colours (shown when colouring by category)."""
        self._category_legend = list(entries)
        if self.color_mode == "category":
            self._show_legend(self._category_legend)

    def _show_legend(self, entries) -> None:
        self.legend.set_entries(entries)
        self.legend_entries = list(entries)

    def set_color_mode(self, mode: str, *, k: int | None = None, pattern: str | None = None) -> None:
        """Colour by 'category', 'frequency', 'cluster' (k-means) or 'regex' (pattern): writes
        state.view, which the view (and the toolbar, and the 3D view) follow."""
        changes = {"colour": mode}
        if k is not None:
            changes["clusters"] = int(k)
        if pattern is not None:
            changes["colour_pattern"] = pattern
        self.state.view.update(**changes)

    def _clusters_changed(self, _k: int) -> None:
        self.cluster_labels = None
        if self.color_mode == "cluster":
            self._apply_color_mode()

    def set_clusters(self, labels: np.ndarray) -> None:
        """k-means labels computed elsewhere (a worker): colour by them if that is the mode."""
        labels = np.asarray(labels)
        if len(labels) != len(self._xy):
            return  # stale: the points changed meanwhile
        self.cluster_labels = labels
        if self.color_mode == "cluster":
            self._apply_color_mode()

    def _apply_color_mode(self) -> None:
        n = len(self._xy)
        mode, k = self.color_mode, self.cluster_k
        if mode in ("fidelity", "column"):
            self._apply_value_colours(mode)
            return
        if mode == "cluster" and (self.cluster_labels is None or len(self.cluster_labels) != n):
            if self.cluster_runner is not None and n:
                self._set_colors(np.tile(np.array([*NEUTRAL, 160], np.uint8), (n, 1)),
                                 [(f"computing k-means (k={k})…", (*NEUTRAL, 160))])
                self.cluster_runner(k, lambda labels: k == self.cluster_k and self.set_clusters(labels))
                return
            self.cluster_labels = kmeans(self._xy, k) if n else np.zeros(0, np.int64)
        pattern = hits = None
        if mode == "regex":
            pattern = self.color_pattern or self.search_text
            hits = self._match(pattern, regex=True) if pattern else None
        colors, legend = point_colours(mode, n, palette=PALETTE, neutral=NEUTRAL, category=self._category_colors,
                                       category_legend=self._category_legend, counts=self.counts,
                                       clusters=self.cluster_labels, pattern=pattern or "", hits=hits)
        self._set_colors(colors, legend)

    def _apply_value_colours(self, mode: str) -> None:
        """Colour by fidelity (a gradient over 0..1) or by a metadata column (numeric: a gradient,
        else a legend of its most frequent values)."""
        n = len(self._xy)
        waiting = np.tile(np.array([*NEUTRAL, 160], np.uint8), (n, 1))
        if mode == "fidelity":
            if self.fidelity is None or len(self.fidelity) != n:
                self._set_colors(waiting, [(self.fidelity_caption or "measuring fidelity…", (*NEUTRAL, 160))])
                return
            colours, lo, hi = gradient_colours(self.fidelity, NEUTRAL, lo=FIDELITY_RANGE[0], hi=FIDELITY_RANGE[1])
            self._set_colors(colours, bar=(self.fidelity_caption, lo, hi))
            return
        name, metadata = self.state.view.colour_column, self.metadata
        if metadata is None or name not in metadata.names:
            self._set_colors(waiting, [("no metadata column" if metadata is None else "choose a column",
                                        (*NEUTRAL, 160))])
            return
        values = metadata.values(name)
        if len(values) != n:  # a column for another vocabulary: missing past its end
            values = _fit_length(values, n, metadata.is_numeric(name))
        if metadata.is_numeric(name):
            colours, lo, hi = gradient_colours(values, NEUTRAL)
            measured = int(np.isfinite(values).sum())
            self._set_colors(colours, bar=(f"{name}: {measured:,} of {n:,} rows", lo, hi))
            return
        colours, legend, groups = column_colours(values, palette=PALETTE, neutral=NEUTRAL)
        # "other" mixes the rarer values: no caption speaks for it
        self._set_colors(colours, legend, groups=np.where(groups >= MAX_GROUPS, -1, groups))

    def _set_colors(self, colors: np.ndarray, legend=(), bar=None, groups=None) -> None:
        """Draw these colours, with a legend, or a colour bar (caption, low, high) for a
        gradient; `groups` (one per point, -1 none) get captions when cluster labels are on."""
        if groups is None:
            groups = self._mode_groups()
        self.groups = groups
        self.colors = np.asarray(colors, np.uint8).reshape(-1, 4)
        packed = np.ascontiguousarray(self.colors).view(np.uint32).ravel()
        palette, index = np.unique(packed, return_inverse=True)
        if len(palette) > 1024:  # a continuous colouring: quantize to 4 bits a channel
            quant = (self.colors & 0xF0) | 0x08
            packed = np.ascontiguousarray(quant).view(np.uint32).ravel()
            palette, index = np.unique(packed, return_inverse=True)
        palette_rgba = palette.view(np.uint8).reshape(-1, 4)
        self.points.set_data(self._xy, index.astype(np.int32).ravel(), palette_rgba)
        if bar is None:
            self.colour_bar_caption = ""
            self._show_legend(legend)
        else:
            self._show_bar(*bar)
        self._update_trail_colors()
        self._update_captions()
        self.colors_changed.emit()

    def _show_bar(self, caption: str, lo: float, hi: float) -> None:
        self.colour_bar_caption = caption
        self.legend_entries = []
        ramp, _, _ = gradient_colours(np.linspace(lo, hi, 32), NEUTRAL, lo=lo, hi=hi)
        # "10-NN preserved: mean 0.43 over 30,522 rows" in the narrow legend column, a part a line
        head, _, rest = caption.partition(": ")
        what, _, over = rest.partition(" over ")
        lines = [head + ":", *_wrap(what, 18), *(_wrap("over " + over, 18) if over else [])] if rest else [head]
        self.legend.set_bar(lines, f"{lo:.3g}", f"{hi:.3g}", ramp)

    def _mode_groups(self) -> np.ndarray | None:
        """The groups the colours show: k-means clusters, or categories (one per colour)."""
        if self.color_mode == "cluster" and self.cluster_labels is not None \
                and len(self.cluster_labels) == len(self._xy):
            return np.asarray(self.cluster_labels, np.int64)
        if self.color_mode == "category" and len(self._category_colors) == len(self._xy) and len(self._xy):
            packed = np.ascontiguousarray(self._category_colors).view(np.uint32).ravel()
            _, groups = np.unique(packed, return_inverse=True)
            return groups.astype(np.int64).ravel()
        return None

    # -- group captions, density contours, neighbours ------------------------------------
    def _update_captions(self) -> None:
        """A caption per group at its robust centre (state.view.cluster_labels)."""
        groups = self.groups
        if not self.state.view.cluster_labels or groups is None or len(groups) != len(self._xy) \
                or len(np.unique(groups[groups >= 0])) < 2:
            self.captions = []
        else:
            self.captions = group_captions(groups, self._xy, self.tokens, self.counts, preferred=self._words())
        self.label_item.captions = [(c.x, c.y, c.text) for c in self.captions]
        self.label_item.update()

    def _words(self) -> np.ndarray:
        """Which tokens are whole words (captions name those first), computed once per vocabulary."""
        if self._whole_words is None or len(self._whole_words) != len(self.tokens):
            self._whole_words = np.fromiter((whole_word(t) for t in self.tokens), bool, len(self.tokens))
        return self._whole_words

    def _update_density(self) -> None:
        """Density contours of the drawn points (state.view.density)."""
        self.density = density_grid(self._xy) if self.state.view.density and len(self._xy) else None
        self.contours.set_density(self.density)

    def _update_moving_overlays(self) -> None:
        if self.closed:
            return
        if self._captions_wanted():  # also when none showed: groups gather as a run trains
            self._update_captions()
        if self.density is not None:
            self._update_density()

    def _captions_wanted(self) -> bool:
        return bool(self.state.view.cluster_labels) and self.groups is not None

    def flush_overlays(self) -> None:
        """Captions and contours of the points as they are now (a picture is about to be taken)."""
        if self._overlay_timer.isActive():
            self._overlay_timer.stop()
            self._update_moving_overlays()

    def set_neighbours(self, token_id: int | None, ids) -> None:
        """Draw lines from `token_id` to its nearest neighbours `ids` (found in the full space);
        None clears them. The neighbours are labelled in bold; those not on the plot (outside a
        sample or an isolation) are counted in a note."""
        self.neighbour_of = None if token_id is None else int(token_id)
        self.neighbour_ids = np.asarray([] if token_id is None else list(ids), np.int64).reshape(-1)
        self._show_neighbours()

    def _show_neighbours(self) -> None:
        shown = self.state.view.neighbours and self.neighbour_of is not None
        centre = self.neighbour_of if shown else None
        self.neighbours_item.set_neighbours(centre, self.neighbour_ids if shown else [], self._xy)
        drawn = len(self.neighbours_item.drawn())
        total = len(self.neighbour_ids) if shown else 0
        note = ""
        if shown and drawn < total:
            off = total - drawn
            note = (f"{off} of {total} neighbours " + ("is" if off == 1 else "are") + " off the plot"
                    if centre is not None and 0 <= centre < len(self._xy) and np.isfinite(self._xy[centre]).all()
                    else f"{self.tokens[centre] if 0 <= centre < len(self.tokens) else centre} is off the plot")
        if note != self.neighbour_note:
            self.neighbour_note = note
            self._note_label.setText(self._note_text())
            self._place_status()
        self._refresh_emphasis()

    def set_fidelity(self, per_token: np.ndarray | None, caption: str = "") -> None:
        """Per-token neighbour preservation (NaN: not measured) and its caption, e.g.
        "10-NN preserved: mean 0.43 over 30,522 rows": coloured by when that is the mode. None
        greys the points, with `caption` (why) or "measuring fidelity…" in the legend."""
        per_token = None if per_token is None else np.asarray(per_token, np.float32)
        if per_token is not None and len(per_token) != len(self._xy):
            return  # stale: the points changed meanwhile
        self.fidelity, self.fidelity_caption = per_token, caption
        if self.color_mode == "fidelity":
            self._apply_color_mode()

    def set_metadata(self, metadata) -> None:
        """Metadata columns (explorer.core.io.metadata.Metadata, or None) to colour and label by."""
        self.metadata = metadata
        self.toolbar.show_columns(metadata)
        self._show_label_texts()
        if self.color_mode == "column":
            self._apply_color_mode()

    def label_texts(self) -> list[str]:
        """The text of each point's label: the token, or its value of state.view.label_column
        (the token where the value is missing)."""
        name, metadata = self.state.view.label_column, self.metadata
        if not name or metadata is None or name not in metadata.names:
            return list(self.tokens)
        values = metadata.values(name)
        numeric = metadata.is_numeric(name)
        out = []
        for k, token in enumerate(self.tokens):
            v = values[k] if k < len(values) else ("" if not numeric else np.nan)
            out.append(token if (v == "" if not numeric else not np.isfinite(v)) else
                       (f"{v:.4g}" if numeric else str(v)))
        return out

    def _show_label_texts(self) -> None:
        self.label_item.set_tokens(self.label_texts())
        self.label_item.update()

    # -- axes, title and labels ------------------------------------------------------------
    def set_axis_titles(self, x: str, y: str) -> None:
        style = {"color": self.theme.foreground, "font-size": f"{self.theme.font_size}pt"}
        self.setLabel("bottom", x, **style)
        self.setLabel("left", y, **style)

    def set_title(self, text: str) -> None:
        """The statement above the plot (what is shown), in the theme's size and colour; it
        follows each theme change (`set_theme`)."""
        self.title_text = text
        size = getattr(self.theme, "title_size", self.theme.font_size)  # explorer.ui.theme's title size
        self.setTitle(text, size=f"{size}pt", color=self.theme.foreground)

    @property
    def title_point_size(self) -> float:
        """The title's font size on screen now, in points (0 when there is no title)."""
        label = self.getPlotItem().titleLabel
        size = str(label.opts.get("size", "0pt"))
        html = label.item.toHtml()
        shown = f"font-size:{size}" in html.replace(" ", "")
        return float(size.removesuffix("pt")) if self.title_text and label.isVisible() and shown else 0.0

    @property
    def label_ids(self) -> list[int]:
        """The tokens asked to be labelled (besides the selection and search hits)."""
        return list(self._label_ids)

    def set_labels(self, ids: list[int]) -> None:
        """Label these token IDs (e.g. the most frequent), after the selection and search hits."""
        self._label_ids = [int(i) for i in ids if 0 <= int(i) < len(self.tokens)]
        self._refresh_emphasis()

    def _refresh_emphasis(self) -> None:
        """Labels, highlight rings and dimming from current, selection and search hits."""
        n = len(self.tokens)
        first = ([self.current] if self.current is not None and self.current < n else [])
        selection = [i for i in self.selection if i < n][:MAX_SELECTION_LABELS]
        hits = self.search_hits
        if len(hits) > MAX_HIT_LABELS and self.counts is not None:
            hits = hits[np.argsort(-self.counts[hits], kind="stable")]
        hits = hits[:MAX_HIT_LABELS].tolist()
        neighbours = self.neighbours_item.drawn().tolist()
        candidates = list(dict.fromkeys(first + neighbours + selection + hits + self._label_ids))
        self.label_item.candidates = candidates
        self.label_item.strong = set(first + neighbours + selection + hits)
        highlighted = np.unique(np.concatenate([np.asarray(first + self.selection, np.int64),
                                                self.search_hits.astype(np.int64)]))
        self.points.highlighted = highlighted[highlighted < n]
        if len(self.search_hits) and self.search_text:
            faded = np.ones(n, dtype=bool)
            faded[self.search_hits] = False
            faded[np.asarray(self.selection, np.int64)[np.asarray(self.selection, np.int64) < n]] = False
            self.points.faded = faded
        else:
            self.points.faded = None
        self.points.update()
        self.label_item.update()

    @property
    def labels(self) -> list[str]:
        """Texts of the labels on screen now (after overlap suppression)."""
        return [self.label_item.tokens[i] for i, _ in self.label_boxes()]

    def caption_boxes(self) -> list[tuple[str, QRectF]]:
        """(text, box in view pixels) of each group caption shown, as the next paint places them."""
        transform = self.label_item.deviceTransform(self.viewportTransform()) if self.label_item.scene() else None
        if transform is None:
            return []
        self.label_item.layout(transform)  # captions go around the emphasised labels
        return [(self.label_item.captions[k][2], box) for k, box in self.label_item.placed_captions]

    def label_boxes(self) -> list[tuple[int, QRectF]]:
        """(token id, box in view pixels) of each label shown, as the next paint places them."""
        transform = self.label_item.deviceTransform(self.viewportTransform()) if self.label_item.scene() else None
        if transform is None:
            return [(i, QRectF()) for i in self.label_item.candidates]
        return self.label_item.layout(transform)

    # -- selection, current ------------------------------------------------------------
    def set_selection(self, ids: list[int]) -> None:
        self.state.explore.selection = tuple(int(i) for i in ids)

    def _show_selection(self, _ids) -> None:
        self._refresh_emphasis()
        self.toolbar.show_selection(len(self.selection))

    def set_current(self, token_id: int | None) -> None:
        self.state.explore.current = token_id

    @property
    def selected_tokens(self) -> list[str]:
        return [self.tokens[i] for i in self.selection if 0 <= i < len(self.tokens)]

    def copy_selection(self) -> str:
        text = "\n".join(self.selected_tokens)
        QGuiApplication.clipboard().setText(text)
        return text

    def set_tool(self, tool: str) -> None:
        """'pan' (drag pans, wheel zooms), 'rect' or 'lasso' (drag selects)."""
        self.viewbox.tool = tool
        self.toolbar.show_tool(tool)

    def select_shape(self, kind: str, outline: list[tuple[float, float]], additive: bool = False) -> list[int]:
        """Select the points inside a rectangle (two corners or four) or a lasso polygon."""
        if kind == "rect":
            xs = [p[0] for p in outline]
            ys = [p[1] for p in outline]
            ids = points_in_rect(self._xy, min(xs), min(ys), max(xs), max(ys))
        else:
            ids = points_in_polygon(self._xy, outline)
        chosen = ids.tolist()
        if additive:
            chosen = list(dict.fromkeys(self.selection + chosen))
        self.set_selection(chosen)
        self.selection_changed.emit(list(chosen))
        return chosen

    def _select_shape(self, kind, outline, additive) -> None:
        self.select_shape(kind, outline, additive)

    # -- trails ------------------------------------------------------------------------
    def set_trails(self, ids: list[int], coords_history) -> None:
        """Draw each token's path over training snapshots.

        coords_history: a sequence (oldest first) of per-snapshot coordinates, each
        either all points (N x >=2) or just these tokens' rows (len(ids) x >=2).
        """
        ids = [int(i) for i in ids]
        frames = [np.asarray(f, dtype=np.float32) for f in coords_history]
        if not ids or not frames:
            self.trail_ids = []
            self.trails.set_trails([], np.zeros((0, 0, 2), np.float32), [])
            return
        rows = []
        for f in frames:
            if len(f) == len(self._xy):  # all points: take these tokens' rows
                rows.append(f[ids, :2])
            elif len(f) == len(ids):  # already just these tokens
                rows.append(f[:, :2])
            else:
                raise ValueError(f"a snapshot has {len(f)} rows: expected {len(self._xy)} or {len(ids)}")
        paths = np.stack(rows, axis=1)  # (tokens, snapshots, 2)
        self.trail_ids = ids
        self.trails.set_trails(ids, paths, self._trail_colors(ids))

    def _trail_colors(self, ids) -> list[QColor]:
        out = []
        for i in ids:
            c = self.colors[i] if 0 <= i < len(self.colors) else (*PALETTE[0], 255)
            out.append(QColor(int(c[0]), int(c[1]), int(c[2])))
        return out

    def _update_trail_colors(self) -> None:
        if self.trail_ids:
            self.trails.colors = self._trail_colors(self.trail_ids)
            self.trails.update()

    # -- search -----------------------------------------------------------------------
    def _match(self, text: str, regex: bool) -> np.ndarray:
        if self._lowered is None:
            self._lowered = [t.lower() for t in self.tokens]
        return match_tokens(self.tokens, text, regex=regex, lowered=self._lowered)

    def search(self, text: str, regex: bool = False, centre: bool = True) -> np.ndarray:
        """Highlight tokens matching `text` (substring, or a regex) and centre on them;
        the search is written to state.explore.

        A bad regex raises ExplorerError; the previous search stays shown."""
        hits = self._match(text, regex) if text else np.zeros(0, np.int64)
        self._show_search(text, regex, hits, centre)
        self.state.explore.update(search=text, search_regex=regex)
        return hits

    def _follow_search(self) -> None:
        """A search set from outside (a session, a bookmark): shown where the view is."""
        explore = self.state.explore
        if (explore.search, explore.search_regex) == (self.search_text, self._search_regex):
            return
        try:
            hits = self._match(explore.search, explore.search_regex) if explore.search else np.zeros(0, np.int64)
        except ExplorerError:
            return  # the toolbar says "bad regex"; the previous search stays shown
        self._show_search(explore.search, explore.search_regex, hits, centre=False)

    def _show_search(self, text: str, regex: bool, hits: np.ndarray, centre: bool) -> None:
        self.search_text, self._search_regex = text, regex
        self.search_hits = hits
        self._refresh_emphasis()
        if self.color_mode == "regex" and not self.color_pattern:
            self._apply_color_mode()
        if centre and len(hits):
            self.centre_on(hits)

    def centre_on(self, ids) -> None:
        pts = self._xy[np.asarray(ids, np.int64)]
        pts = pts[np.isfinite(pts).all(axis=1)]
        if len(pts) == 0:
            return
        lo_all, hi_all = self.points._data_bounds()
        extent = np.maximum(hi_all - lo_all, 1e-9)
        lo, hi = pts.min(axis=0).astype(float), pts.max(axis=0).astype(float)
        (vx0, vx1), (vy0, vy1) = self.viewbox.viewRange()
        if len(pts) == 1:
            size = np.array([vx1 - vx0, vy1 - vy0])
            size = np.minimum(size, extent * 0.35)  # zoom in to a neighbourhood, never out
        else:
            size = np.maximum((hi - lo) * 1.3, extent * 0.08)
        mid = (lo + hi) / 2
        self.viewbox.setRange(xRange=(mid[0] - size[0] / 2, mid[0] + size[0] / 2),
                              yRange=(mid[1] - size[1] / 2, mid[1] + size[1] / 2), padding=0)

    # -- hover and click --------------------------------------------------------------
    def point_at(self, scene_pos: QPointF) -> int | None:
        """The point under a scene position (within a few pixels), or None."""
        if len(self._xy) == 0 or not self.viewbox.sceneBoundingRect().contains(scene_pos):
            return None
        data = self.viewbox.mapSceneToView(scene_pos)
        px, py = self.viewbox.viewPixelSize()
        r = HOVER_RADIUS_PX + self.points.diameter / 2 - 4
        return self.points.grid().nearest(data.x(), data.y(), r * px, r * py)

    def tip(self, i: int) -> str:
        return point_tip(self.tokens, i, self.counts, self.metadata, self.fidelity)

    def _mouse_moved(self, scene_pos) -> None:
        i = self.point_at(scene_pos)
        if i != self.hovered:
            self.hovered = i
            self.points.hovered = i
            self.points.update()
        if i is None:
            if self.hover_text:
                QToolTip.hideText()
            self.hover_text = ""
            return
        self.hover_text = self.tip(i)
        QToolTip.showText(QCursor.pos(), self.hover_text, self.viewport())

    def _mouse_clicked(self, event) -> None:
        if event.button() != Qt.LeftButton or event.double():
            return
        i = self.point_at(event.scenePos())
        if i is not None:
            event.accept()
            self.point_clicked.emit(i)

    def fit(self) -> None:
        self.autoRange(padding=0.06)

    # -- the visible range, in state.view.range2d -----------------------------------------
    def _range_moved(self, *_args) -> None:
        if not self._range_timer.isActive():  # a throttle: one write per interval while it moves
            self._range_timer.start()

    def _store_range(self) -> None:
        if self.closed:
            return
        (x0, x1), (y0, y1) = self.viewbox.viewRange()
        if x0 < x1 and y0 < y1:
            self.state.view.range2d = ((float(x0), float(x1)), (float(y0), float(y1)))

    def _follow_range(self, value) -> None:
        if value is None:
            self.fit()
            return
        (x0, x1), (y0, y1) = self.viewbox.viewRange()
        shown = np.array([x0, x1, y0, y1])
        wanted = np.array([*value[0], *value[1]])
        if not np.allclose(shown, wanted, rtol=0, atol=1e-6 * max(x1 - x0, y1 - y0)):  # not our own write
            self.viewbox.setRange(xRange=value[0], yRange=value[1], padding=0)

    # -- level of detail status ----------------------------------------------------------
    def _update_status(self) -> None:
        self.points.update_mode()
        n = int(np.count_nonzero(np.isfinite(self._xy[:, 0]))) if len(self._xy) else 0  # sampled: NaN rows
        visible = min(self.points.visible_count, n)
        if self.points.mode == "density":
            text = (f"Density of all {n:,} points ({visible:,} in view; darker = more, coloured like "
                    f"the point on top). Zoom in to below {self.points.lod_threshold:,} to see each point.")
        elif n > self.points.lod_threshold or (n > 2000 and visible < n):
            text = f"Showing each of the {visible:,} points in view ({n - visible:,} of {n:,} outside it)."
        else:
            text = ""
        if text != self.status_text:
            self.status_text = text
            self._status_label.setText(text)
            self._place_status()
            self.status_changed.emit(text)

    def set_label_note(self, text: str) -> None:
        """What the unasked labels are, in a corner of the view (and so in exports); "" hides it."""
        if text != self.label_note:
            self.label_note = text
            self._note_label.setText(self._note_text())
            self._place_status()

    def _note_text(self) -> str:
        return " · ".join(t for t in (self.neighbour_note, self.label_note) if t)

    def _place_status(self) -> None:
        rect = self.viewbox.rect()
        shown = bool(self.status_text)
        self._status_box.setVisible(shown)
        status_top, status_right = rect.height(), 0.0
        if shown:
            br = self._status_label.boundingRect()
            self._status_box.setRect(0, 0, br.width() + 10, br.height() + 6)
            self._status_label.setPos(5, 3)
            status_top, status_right = rect.height() - br.height() - 12, br.width() + 16
            self._status_box.setPos(6, status_top)
        note = bool(self._note_text())
        self._note_box.setVisible(note)
        if note:
            elided = QFontMetricsF(self._note_label.font()).elidedText(self._note_text(), Qt.ElideRight,
                                                                      max(rect.width() - 22, 40))
            if self._note_label.text() != elided:
                self._note_label.setText(elided)
            br = self._note_label.boundingRect()
            width, height = br.width() + 10, br.height() + 6
            self._note_box.setRect(0, 0, width, height)
            self._note_label.setPos(5, 3)
            left = max(6.0, rect.width() - width - 6)
            bottom = rect.height() - 6 if left > status_right + 6 else status_top - 4  # above the status
            self._note_box.setPos(left, bottom - height)

    # -- export -------------------------------------------------------------------------
    def export(self, path: str | Path) -> Path:
        """Write the plot (points, labels, legend, axes) to PNG or SVG, by the suffix."""
        self.flush_overlays()
        path = Path(path)
        source = self.getPlotItem().sceneBoundingRect()
        width, height = int(round(source.width())), int(round(source.height()))
        if path.suffix.lower() == ".svg":
            from PySide6.QtSvg import QSvgGenerator

            generator = QSvgGenerator()
            generator.setFileName(str(path))
            generator.setSize(QSize(width, height))
            generator.setViewBox(QRectF(0, 0, width, height))
            generator.setTitle("Embedding Explorer projection")
            generator.setResolution(int(round(self.logicalDpiX())))  # axes replay QPictures at screen dpi
            painter = QPainter(generator)
            painter.fillRect(QRectF(0, 0, width, height), QColor(self.theme.background))
            self.scene().render(painter, QRectF(0, 0, width, height), source)
            painter.end()
        else:
            image = QImage(width, height, QImage.Format_ARGB32_Premultiplied)
            image.fill(QColor(self.theme.background))
            dots_per_metre = int(round(self.logicalDpiX() / 0.0254))  # as on screen: axes replay QPictures
            image.setDotsPerMeterX(dots_per_metre)
            image.setDotsPerMeterY(dots_per_metre)
            painter = QPainter(image)
            painter.setRenderHint(QPainter.Antialiasing, True)
            self.scene().render(painter, QRectF(0, 0, width, height), source)
            painter.end()
            if not image.save(str(path), "PNG"):
                raise ExplorerError("could not write the image", path)
        return path

    # -- theme ------------------------------------------------------------------------------
    def set_theme(self, theme: Theme) -> None:
        """Colours and sizes from a theme (light, dark, presentation)."""
        self.theme = theme
        self.setBackground(theme.background)
        self.showGrid(x=True, y=True, alpha=theme.grid_alpha)
        tick_font = QFont()
        tick_font.setPointSize(theme.font_size)
        for name in ("left", "bottom"):
            axis = self.getPlotItem().getAxis(name)
            axis.setPen(theme.foreground)
            axis.setTextPen(theme.foreground)
            axis.setStyle(tickFont=tick_font)
            axis.labelStyle.update({"color": theme.foreground, "font-size": f"{theme.font_size}pt"})
            axis._updateLabel()
        points = self.points
        points.background, points.foreground = QColor(theme.background), QColor(theme.foreground)
        points._tables, points._rows_key = {}, None
        points.set_diameter(point_diameter(len(self._xy), theme.point_size))
        labels = self.label_item
        labels.foreground, labels.halo = QColor(theme.foreground), QColor(theme.background)
        labels.font.setPointSize(theme.label_size)
        labels.bold.setPointSize(theme.label_size)
        labels._sizes, labels._images = {}, {}
        self.set_title(self.title_text)  # the new theme's size and colour, not the last one's
        self.trails.foreground = QColor(theme.foreground)
        self.neighbours_item.foreground = QColor(theme.foreground)
        self.contours.foreground, self.contours.background = QColor(theme.foreground), QColor(theme.background)
        self.contours.update()
        self.neighbours_item.update()
        labels.caption_font.setPointSize(theme.label_size + 2)
        self.legend.foreground = QColor(theme.foreground)
        self.legend.font.setPointSize(max(theme.font_size - 1, 6))
        if self.legend.bar is not None:
            self.legend.set_bar(*self.legend.bar[:3], [c.getRgb() for c in self.legend.bar[3]])
        else:
            self.legend.set_entries(self.legend_entries)
        background = QColor(theme.background)
        background.setAlpha(215)
        self._status_box.setBrush(background)
        self._status_label.setBrush(QColor(theme.foreground))
        self._note_box.setBrush(background)
        self._note_label.setBrush(QColor(theme.foreground))
        font = QFont()
        font.setPointSize(max(theme.font_size - 1, 7))
        self._note_label.setFont(font)
        self._place_status()
        self._refresh_emphasis()
        points.update()
        labels.update()


def _fit_length(values: np.ndarray, n: int, numeric: bool) -> np.ndarray:
    """A column cut or padded (missing) to n rows."""
    out = np.full(n, np.nan) if numeric else np.full(n, "", dtype=object)
    m = min(n, len(values))
    out[:m] = values[:m]
    return out


def _wrap(text: str, width: int) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines
