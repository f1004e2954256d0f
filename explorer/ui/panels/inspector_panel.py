"""Inspector dock: what one embedding lookup is.

Tabs: Lookup (token -> ID -> row of W, its norm among all norms), Neighbours (full-space
ranks; while training they follow each drawn frame, marking tokens that entered the top-k
"▲ new" and naming those that left), One-hot (X·W equals the lookup, for the current token
and the selection), Sentence (text -> tokens -> IDs -> matrix, plus positional encodings),
Analogy (a − b + c) and Drift (init vs now).

The logic lives in explorer.core.analysis (report, neighbors, lookup); the settings
(query, tab, metric, k, sentence, positions, one-hot IDs, analogy) in `state.explore`, bound
to the widgets. On big matrices every query runs in a worker (controller.jobs), one
`LatestJob` per kind: the latest request wins. Small matrices (the demo) are answered on the spot.
"""

from __future__ import annotations

import html
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QStringListModel, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView, QComboBox, QCompleter, QFileDialog, QHBoxLayout, QHeaderView, QLabel,
    QFrame, QLineEdit, QPushButton, QScrollArea, QSpinBox, QTableWidget, QTableWidgetItem,
    QTabWidget, QVBoxLayout, QWidget,
)

from explorer.core import ExplorerError
from explorer.core.analysis.lookup import (
    load_positional_table, one_hot_equivalence, parse_ids, resolve, sentence_matrix, teaching_example,
)
from explorer.core.analysis.neighbors import METRICS, NeighborIndex, describe_score, moved_most, neighbors_of
from explorer.core.analysis.report import (
    TokenReport, analogy_job, default_sentence, excerpt, oov_report, positional_table_of, token_report,
)
from explorer.core.state.app import INSPECTOR_TABS, MAX_ANALOGIES, MAX_NEIGHBOURS
from explorer.core.state.workspace import Workspace
from explorer.ui.bind import bind
from explorer.ui.chips import token_chips
from explorer.ui.theme import muted_text
from explorer.ui.workers import LatestJob

METADATA_SHOWN = 4  # metadata columns the header lists for the current token
SYNC_LIMIT = 2_000_000  # matrix entries answered on the GUI thread; bigger matrices go to a worker
DIVERGING = "CET-D1"
POSITIVE, NEGATIVE, MARK = "#1f77b4", "#d62728", "#d62728"
ENTERED, LEFT = "▲ new", "▼"  # live neighbours: entered the top-k since the last frame / left it
LIVE_COLUMN = 4


# -- small widgets ------------------------------------------------------------------------------

class ResultTable(QTableWidget):
    """A compact read-only table; rows may carry a token ID (Qt.UserRole) to go to."""

    def __init__(self, headers: list[str], parent=None) -> None:
        super().__init__(0, len(headers), parent)
        self.setHorizontalHeaderLabels(headers)
        self.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.setSelectionMode(QAbstractItemView.SingleSelection)
        self.setAlternatingRowColors(True)
        self.verticalHeader().setVisible(False)
        self.verticalHeader().setDefaultSectionSize(20)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeToContents)
        header.setHighlightSections(False)
        # The token column takes the spare width; tables without one stretch their last column.
        stretch = [i for i, h in enumerate(headers) if h in ("token", "at init", "now")]
        if stretch:
            header.setSectionResizeMode(stretch[0], QHeaderView.Stretch)
        else:
            header.setStretchLastSection(True)

    def count(self) -> int:
        return self.rowCount()

    def set_rows(self, rows: list[list], ids: list[int | None] | None = None, bold: set[int] = frozenset()) -> None:
        self.setRowCount(len(rows))
        for r, values in enumerate(rows):
            for c, value in enumerate(values):
                item = QTableWidgetItem(value if isinstance(value, str) else _fmt(value))
                if not isinstance(value, str):
                    item.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
                if ids is not None and ids[r] is not None:
                    item.setData(Qt.UserRole, int(ids[r]))
                    if ids[r] in bold:
                        font = item.font()
                        font.setBold(True)
                        item.setFont(font)
                self.setItem(r, c, item)

    def token_id_at(self, row: int) -> int | None:
        item = self.item(row, 0)
        return None if item is None else item.data(Qt.UserRole)


def _fmt(value) -> str:
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    value = float(value)
    if value == 0:
        return "0"
    return f"{value:.4g}" if 1e-3 <= abs(value) < 1e5 else f"{value:.3e}"


def _vector(values, head: int = 3) -> str:
    values = list(np.asarray(values).ravel())
    shown = ", ".join(_fmt(round(float(v), 6)) for v in values[:head])
    return f"[{shown}{', …' if len(values) > head else ''}]"


def _note(text: str) -> QLabel:
    label = QLabel(text, wordWrap=True, objectName="inspectorNote")  # recoloured with the theme
    label.setStyleSheet(f"color: {muted_text()};")
    return label


def _lookup_hint() -> str:
    return (f"<p style='color:{muted_text()}'>Pick a token: click a point in the view, a row in the "
            "vocabulary, or type a token or an ID above.</p>"
            f"<p style='color:{muted_text()}'>Its row of the weight matrix W "
            "appears here, as numbers and as a strip over the dim index, with its L2 norm among the "
            "norms of all rows. The other tabs show its neighbours, the one-hot product the lookup "
            "replaces, a sentence as a matrix, analogies and drift during training.</p>")


def _metadata_value(value) -> str:
    """A metadata cell as the header shows it: a number briefly, a missing value as a dash."""
    if isinstance(value, (float, np.floating)):
        return "–" if np.isnan(value) else f"{float(value):.4g}"
    return str(value) if value != "" else "–"


def _title(text: str) -> QLabel:
    label = QLabel(f"<b>{text}</b>")
    return label


def _speedup_text(speedup: float) -> str:
    """The measured ratio, never rounded into a claim ("1× faster") it does not make."""
    if speedup < 1.5:
        return "&nbsp;→ at this size both take about as long: most of the time is the call itself."
    return f"&nbsp;→ the lookup is <b>{speedup:,.1f}×</b> faster here." if speedup < 10 \
        else f"&nbsp;→ the lookup is <b>{speedup:,.0f}×</b> faster here."


def _scrolling(widget: QWidget) -> QScrollArea:
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.NoFrame)
    area.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
    area.setWidget(widget)
    return area


def _fit_rows(table: QTableWidget, max_rows: int) -> None:
    """Give `table` the height of its header and up to `max_rows` rows (it scrolls beyond)."""
    rows = min(max(table.rowCount(), 1), max_rows)
    height = table.horizontalHeader().height() + rows * table.verticalHeader().defaultSectionSize()
    scroll = table.horizontalScrollBar().sizeHint().height() if table.horizontalScrollBar().isVisible() else 0
    table.setFixedHeight(height + scroll + 2 * table.frameWidth() + 2)


def _token_label(vocab, token_id: int) -> str:
    return vocab.display_tokens[token_id]


# -- the panel ------------------------------------------------------------------------------------

class InspectorPanel(QWidget):
    TABS = INSPECTOR_TABS
    live_shown = Signal(int)  # the neighbours list followed a live training frame (its step)

    def __init__(self, workspace: Workspace, controller=None, parent=None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.controller = controller
        self.explore = workspace.state.explore
        self.sync_limit = SYNC_LIMIT
        self._index: NeighborIndex | None = None
        self._initial_index: NeighborIndex | None = None
        self._jobs: dict[str, LatestJob] = {}  # one "latest request wins" job per kind
        self._dirty: set[str] = set(self.TABS)
        self.report: TokenReport | None = None
        self.one_hot_result = None
        self.sentence_view = None
        self.learned_positions: np.ndarray | None = None
        self.learned_source = ""
        self.analogy_results: list = []
        self.moved: list = []
        self.oov = None  # the OOVReport shown for a typed word outside the vocabulary, if any
        # Live neighbours: ((token, metric, k), IDs of the last frame's top-k), and what changed.
        self._live: tuple | None = None
        self.live_entered: list[int] = []
        self.live_left: list[int] = []

        self.completer_model = QStringListModel(list(workspace.vocab.display_tokens), self)
        self.lookup = self._token_edit("Type a token or an ID, or click a point")
        self.go = QPushButton("Look up")
        self.header = QLabel(wordWrap=True, textFormat=Qt.RichText)
        top = QHBoxLayout()
        top.addWidget(self.lookup, 1)
        top.addWidget(self.go)

        self.tabs = QTabWidget(documentMode=True)
        # Six tabs need ~440 px across; the Inspector's column has ~300 at 1280x800 (the plot keeps
        # half the width), so they stand down the side, every one in view, none scrolled away.
        self.tabs.setTabPosition(QTabWidget.West)
        # Tabs whose content needs more height than a short dock gives them scroll instead of squashing.
        self.tabs.addTab(_scrolling(self._build_lookup_tab()), "Lookup")
        self.tabs.addTab(_scrolling(self._build_neighbours_tab()), "Neighbours")
        self.tabs.addTab(_scrolling(self._build_one_hot_tab()), "One-hot")
        self.tabs.addTab(_scrolling(self._build_sentence_tab()), "Sentence")
        self.tabs.addTab(_scrolling(self._build_analogy_tab()), "Analogy")
        self.tabs.addTab(_scrolling(self._build_drift_tab()), "Drift")
        self.tabs.setCurrentIndex(self.TABS.index(self.explore.inspector_tab))

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(top)
        layout.addWidget(self.header)
        layout.addWidget(self.tabs, 1)

        self._bind_settings()
        self.lookup.returnPressed.connect(self._look_up)
        self.go.clicked.connect(self._look_up)
        self.lookup.completer().activated.connect(lambda _text: self._look_up())
        self.tabs.currentChanged.connect(self._tab_chosen)
        events = self.explore.events
        events.current.connect(self.show_token)
        events.inspector_tab.connect(lambda tab: self.tabs.setCurrentIndex(self.TABS.index(tab)))
        events.metric.connect(lambda _m: self._token_settings_changed())
        events.k.connect(lambda _k: self._token_settings_changed())
        events.positions.connect(lambda _p: self._pe_changed())
        events.moved_by.connect(lambda _by: self._refresh("Drift", force_moved=True))
        events.selection.connect(lambda _ids: self._one_hot_follow())
        if controller is not None and hasattr(controller, "live_frame"):
            controller.live_frame.connect(self.show_live_frame)
        workspace.events.vocab_changed.connect(self._vocab_changed)
        workspace.events.weights_changed.connect(self._weights_changed)
        workspace.events.metadata_changed.connect(lambda _metadata: self.explore.current is not None
                                                  and self._show_header(self.explore.current))
        # Deferred one turn: the window applies the new theme (and its muted colour) first.
        workspace.state.view.events.theme.connect(lambda _name: QTimer.singleShot(0, self, self._retheme))
        QTimer.singleShot(0, self, self._retheme)  # the window applies its first theme after building panels
        self.show_token(self.explore.current)

    def _retheme(self) -> None:
        """Hints and notes in the muted colour of the theme now shown."""
        for label in self.findChildren(QLabel, "inspectorNote"):
            label.setStyleSheet(f"color: {muted_text()};")
        self.lookup_hint.setText(_lookup_hint())
        self.show_token(self.explore.current)

    def _bind_settings(self) -> None:
        """Each box shows its field of state.explore and writes it."""
        explore = self.explore
        bind(self.lookup, explore, "query")
        bind(self.metric_box, explore, "metric")
        bind(self.k, explore, "k")
        bind(self.ids_edit, explore, "one_hot_ids", to_widget=lambda ids: ", ".join(map(str, ids)),
             from_widget=parse_ids, on_error=lambda message: self._failed("one-hot", ExplorerError(message)))
        bind(self.sentence_edit, explore, "sentence")
        bind(self.pe_kind, explore, "positions")
        for n, edit in enumerate(self.analogy_edits):
            bind(edit, explore, "analogy", to_widget=lambda abc, n=n: abc[n],
                 from_widget=lambda text, n=n: (*explore.analogy[:n], text, *explore.analogy[n + 1:]))
        bind(self.analogy_k, explore, "analogy_k")
        bind(self.moved_by, explore, "moved_by")

    def sizeHint(self):
        # ~600 px wide, and tall enough that a row, its table and the norm histogram show
        # without scrolling when the dock shares the right side with Training.
        hint = super().sizeHint()
        hint.setWidth(600)
        hint.setHeight(max(hint.height(), 560))
        return hint

    # -- building ---------------------------------------------------------------------------
    def _token_edit(self, placeholder: str) -> QLineEdit:
        edit = QLineEdit(placeholderText=placeholder, clearButtonEnabled=True)
        completer = QCompleter(self.completer_model, edit)
        completer.setCaseSensitivity(Qt.CaseInsensitive)
        completer.setFilterMode(Qt.MatchStartsWith)
        completer.setMaxVisibleItems(12)
        edit.setCompleter(completer)
        return edit

    def _plot(self, height: int | None = None) -> pg.PlotWidget:
        plot = pg.PlotWidget(background="w")
        plot.setMouseEnabled(False, False)
        plot.setMenuEnabled(False)
        plot.hideButtons()
        if height:
            plot.setFixedHeight(height)
        for axis in ("left", "bottom"):
            plot.getAxis(axis).setTextPen("#444")
            plot.getAxis(axis).setPen("#999")
        return plot

    def _build_lookup_tab(self) -> QWidget:
        """The hint now; the plots (pyqtgraph, ~70 ms) when the first token is shown."""
        tab = QWidget()
        self.lookup_content = QWidget()
        self.lookup_content.setVisible(False)
        self.lookup_hint = QLabel(_lookup_hint(), wordWrap=True, alignment=Qt.AlignTop)
        layout = QVBoxLayout(tab)
        layout.setContentsMargins(6, 6, 6, 4)
        layout.addWidget(self.lookup_hint)
        layout.addWidget(self.lookup_content, 1)
        return tab

    def _ensure_lookup_views(self) -> None:
        if hasattr(self, "row_plots"):
            return
        self.row_title = _title("Row of W")
        self.row_plots = pg.GraphicsLayoutWidget()
        self.row_plots.setBackground("w")
        self.row_plots.setFixedHeight(190)
        self.row_plots.ci.setSpacing(0)
        self.bar_plot = self.row_plots.addPlot(row=0, col=0)
        self.bar_plot.setMouseEnabled(False, False)
        self.bar_plot.setMenuEnabled(False)
        self.bar_plot.hideButtons()
        self.bar_plot.hideAxis("bottom")
        self.bar_plot.setLabel("left", "value")
        self.bar_plot.addLine(y=0, pen=pg.mkPen("#999"))
        self.bars = pg.BarGraphItem(x=[], height=[], width=0.8)
        self.bar_plot.addItem(self.bars)
        self.strip_plot = self.row_plots.addPlot(row=1, col=0)
        self.strip_plot.setMouseEnabled(False, False)
        self.strip_plot.setMenuEnabled(False)
        self.strip_plot.hideButtons()
        self.strip_plot.setFixedHeight(56)
        self.strip_plot.getAxis("left").setWidth(self.bar_plot.getAxis("left").width())
        self.strip_plot.getAxis("left").setTicks([[(0.5, "")]])
        self.strip_plot.getAxis("left").setStyle(showValues=False)
        self.strip_plot.setLabel("bottom", "dim index")
        self.strip_plot.setXLink(self.bar_plot)
        self.strip_image = pg.ImageItem()
        self.strip_image.setColorMap(pg.colormap.get(DIVERGING))
        self.strip_plot.addItem(self.strip_image)
        for plot in (self.bar_plot, self.strip_plot):
            for axis in ("left", "bottom"):
                plot.getAxis(axis).setTextPen("#444")
                plot.getAxis(axis).setPen("#999")
        self.bar_plot.getAxis("left").setWidth(48)
        self.strip_plot.getAxis("left").setWidth(48)

        self.row_table = ResultTable(["dim", "value"])
        self.row_table.setMinimumWidth(120)  # beside the norm plot in a ~250 px column
        self.row_table.setMaximumWidth(200)
        self.row_table.setMinimumHeight(180)
        self.norm_label = QLabel(wordWrap=True, textFormat=Qt.RichText)
        self.norm_plot = self._plot()
        self.norm_plot.setMinimumHeight(120)
        self.norm_plot.setLabel("bottom", "L2 norm of each row")
        self.norm_plot.setLabel("left", "rows")
        self.norm_hist = pg.PlotDataItem(stepMode="center", fillLevel=0, brush=(31, 119, 180, 90),
                                         pen=pg.mkPen(POSITIVE))
        self.norm_plot.addItem(self.norm_hist)
        self.norm_marker = pg.InfiniteLine(angle=90, pen=pg.mkPen(MARK, width=2))
        self.norm_plot.addItem(self.norm_marker)
        right = QVBoxLayout()
        norm_title = _title("Its norm among all rows")
        norm_title.setWordWrap(True)
        right.addWidget(norm_title)
        right.addWidget(self.norm_label)
        right.addWidget(self.norm_plot, 1)
        # Stacked, not side by side: the Inspector's column is ~270 px at 1280x800, too narrow for
        # the values table and the norm histogram next to each other (the tab scrolls instead).
        bottom = QVBoxLayout()
        left = QVBoxLayout()
        left.addWidget(_title("Values"))
        left.addWidget(self.row_table, 1)
        bottom.addLayout(left)
        bottom.addLayout(right, 1)
        inner = QVBoxLayout(self.lookup_content)
        inner.setContentsMargins(0, 0, 0, 0)
        inner.addWidget(self.row_title)
        inner.addWidget(self.row_plots)
        inner.addLayout(bottom, 1)

    def _build_neighbours_tab(self) -> QWidget:
        tab = QWidget()
        self.metric_box = QComboBox()
        for name in METRICS:
            self.metric_box.addItem({"cosine": "Cosine", "euclidean": "Euclidean",
                                 "dot": "Dot product"}[name], name)
        # It may shrink (its text elided) with a narrow column: the row must fit the Inspector's
        # width, or the k box is cut off at the window's edge.
        self.metric_box.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
        self.metric_box.setMinimumContentsLength(8)
        self.k = QSpinBox(minimum=1, maximum=MAX_NEIGHBOURS)
        controls = QHBoxLayout()
        controls.addWidget(QLabel("Metric"))
        controls.addWidget(self.metric_box, 1)
        controls.addWidget(QLabel("k"))
        controls.addWidget(self.k)
        self.full_space_note = _note("")
        self.neighbors_title = _title("Nearest neighbours")
        self.neighbors_title.setVisible(False)  # shown over a filled table only
        self.neighbors = ResultTable(["#", "token", "ID", "cosine", "live"])
        self.neighbors.setColumnHidden(LIVE_COLUMN, True)  # marks while training only
        self.live_note = QLabel(wordWrap=True, textFormat=Qt.RichText)
        self.live_note.setVisible(False)
        layout = QVBoxLayout(tab)
        layout.setContentsMargins(6, 6, 6, 4)
        layout.addLayout(controls)
        layout.addWidget(self.full_space_note)
        layout.addWidget(self.neighbors_title)
        layout.addWidget(self.neighbors, 1)
        layout.addWidget(self.live_note)
        self.neighbors.setToolTip("Click a row to go to that token.")
        self.neighbors.setMinimumHeight(120)
        self.neighbors.cellClicked.connect(lambda r, _c: self._go_to(self.neighbors, r))
        return tab

    def _build_one_hot_tab(self) -> QWidget:
        tab = QWidget()
        self.ids_edit = QLineEdit(placeholderText="IDs, e.g. 2, 3, 1")
        self.use_selection = QPushButton("Selected tokens")
        self.use_selection.setToolTip("Use the current token and the selection as IDs")
        self.compute_one_hot = QPushButton("Compute")
        # Two rows and one column of tables: the Inspector is ~250 px wide at 1280 x 800, and a
        # row of four controls or two tables side by side would be cut off at the window's edge.
        ids_row = QHBoxLayout()
        ids_row.addWidget(QLabel("IDs"))
        ids_row.addWidget(self.ids_edit, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.use_selection)
        buttons.addWidget(self.compute_one_hot)
        buttons.addStretch(1)
        self.one_hot_tables = {
            "X": ResultTable([]), "W": ResultTable([]), "XW": ResultTable([]), "lookup": ResultTable([]),
        }
        self.one_hot_titles = {
            "X": _title("X: one-hot rows"), "W": _title("W: the weight matrix"),
            "XW": _title("X · W: multiply, then add"), "lookup": _title("lookup: embedding(ids, W) = W[ids]"),
        }
        tables = QVBoxLayout()
        for key in ("X", "W", "XW", "lookup"):
            self.one_hot_titles[key].setWordWrap(True)
            tables.addWidget(self.one_hot_titles[key])
            tables.addWidget(self.one_hot_tables[key])  # (a wide W scrolls sideways in its table)
        self.equal_label = QLabel(textFormat=Qt.RichText, wordWrap=True)
        self.timing_label = QLabel(textFormat=Qt.RichText, wordWrap=True)
        layout = QVBoxLayout(tab)
        layout.setContentsMargins(6, 6, 6, 4)
        layout.addLayout(ids_row)
        layout.addLayout(buttons)
        layout.addWidget(_note("Each row of X holds a single 1. X · W multiplies every entry of W by a 0 "
                               "or a 1 and adds them up; the lookup skips the multiplications by zero "
                               "and reads the rows directly. Same numbers, far less work."))
        layout.addLayout(tables)
        layout.addWidget(self.equal_label)
        layout.addWidget(self.timing_label)
        layout.addStretch(1)
        self.compute_one_hot.clicked.connect(lambda: self.run_one_hot())
        self.ids_edit.returnPressed.connect(lambda: self.run_one_hot())
        self.use_selection.clicked.connect(self._one_hot_from_selection)
        return tab

    def _build_sentence_tab(self) -> QWidget:
        tab = QWidget()
        self.sentence_edit = QLineEdit(placeholderText="Type a sentence")
        self.pe_kind = QComboBox()
        self.pe_kind.addItem("Sinusoidal positions", "sinusoidal")
        self.pe_kind.addItem("Learned positions", "learned")
        self.pe_kind.addItem("No positions", "none")
        self.pe_kind.setItemData(1, "A learned table, from the model folder or Load table…", Qt.ToolTipRole)
        self.pe_kind.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
        self.pe_kind.setMinimumContentsLength(10)  # shrinks with a narrow Inspector
        self.load_pe = QPushButton("Load table…")
        self.load_pe.setToolTip("A safetensors checkpoint with a learned positional table, "
                                "e.g. MiniLM's embeddings.position_embeddings.weight")
        self.teaching = QPushButton("Teaching example")
        self.teaching.setToolTip("I love machine learning: the 3-dim table from the course")
        row1 = QHBoxLayout()
        row1.addWidget(self.sentence_edit, 1)
        row1.addWidget(self.teaching)
        row2 = QHBoxLayout()
        row2.addWidget(self.pe_kind, 1)
        row2.addWidget(self.load_pe)
        self.pe_source = _note("")
        self.pieces_label = QLabel(wordWrap=True, textFormat=Qt.RichText)
        self.pieces_label.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.sentence_table = ResultTable(["token", "ID", "embedding", "positional row", "sum"])
        self.sentence_table.horizontalHeader().setSectionResizeMode(QHeaderView.Interactive)
        self.sentence_table.horizontalHeader().setStretchLastSection(True)
        self.sentence_table.setMinimumHeight(110)
        self.heatmaps = QWidget()  # filled with pyqtgraph plots on first use (they cost ~70 ms)
        self.heatmaps.setMinimumHeight(330)
        QVBoxLayout(self.heatmaps).setContentsMargins(0, 0, 0, 0)
        self.heat_plots, self.heat_images = [], []
        layout = QVBoxLayout(tab)
        layout.setContentsMargins(6, 6, 6, 4)
        layout.addLayout(row1)
        layout.addLayout(row2)
        layout.addWidget(self.pe_source)
        layout.addWidget(self.pieces_label)
        layout.addWidget(self.sentence_table)
        layout.addWidget(self.heatmaps, 1)
        self.sentence_edit.returnPressed.connect(self.run_sentence)
        self.load_pe.clicked.connect(self._load_pe_dialog)
        self.teaching.clicked.connect(lambda: self.show_teaching_example())
        return tab

    def _ensure_heatmaps(self) -> None:
        if self.heat_plots:
            return
        view = pg.GraphicsLayoutWidget()
        view.setBackground("w")
        self.heatmaps.layout().addWidget(view)
        for row, name in enumerate(("token rows W[ids]", "positional rows", "sum: what the model sees")):
            plot = view.addPlot(row=row, col=0, title=f"<span style='color:#333'>{name}</span>")
            plot.setMouseEnabled(False, False)
            plot.setMenuEnabled(False)
            plot.hideButtons()
            plot.invertY(True)
            plot.getAxis("left").setWidth(70)
            for axis in ("left", "bottom"):
                plot.getAxis(axis).setTextPen("#444")
                plot.getAxis(axis).setPen("#999")
            image = pg.ImageItem()
            image.setColorMap(pg.colormap.get(DIVERGING))
            plot.addItem(image)
            self.heat_plots.append(plot)
            self.heat_images.append(image)
        self.heat_plots[-1].setLabel("bottom", "dim index")
        for plot in self.heat_plots[1:]:
            plot.setXLink(self.heat_plots[0])

    def _build_analogy_tab(self) -> QWidget:
        tab = QWidget()
        self.analogy_a = self._token_edit("king")
        self.analogy_b = self._token_edit("man")
        self.analogy_c = self._token_edit("woman")
        self.analogy_edits = (self.analogy_a, self.analogy_b, self.analogy_c)
        self.analogy_k = QSpinBox(minimum=1, maximum=MAX_ANALOGIES)
        self.compute_analogy = QPushButton("Compute")
        row = QHBoxLayout()
        for widget in (self.analogy_a, QLabel("−"), self.analogy_b, QLabel("+"), self.analogy_c):
            row.addWidget(widget, 1 if isinstance(widget, QLineEdit) else 0)
        row2 = QHBoxLayout()
        row2.addWidget(QLabel("k"))
        row2.addWidget(self.analogy_k)
        row2.addStretch(1)
        row2.addWidget(self.compute_analogy)
        self.analogy_title = _title("Nearest to a − b + c")
        self.analogy_table = ResultTable(["#", "token", "ID", "cosine"])
        self.analogy_table.setMinimumHeight(120)
        layout = QVBoxLayout(tab)
        layout.setContentsMargins(6, 6, 6, 4)
        layout.addWidget(_note("a − b + c: e.g. king − man + woman ≈ queen (“man is to king as woman "
                               "is to ?”). Unit-length rows are added (3CosAdd) and ranked by cosine "
                               "in the full space; a, b and c are left out."))
        layout.addLayout(row)
        layout.addLayout(row2)
        layout.addWidget(self.analogy_title)
        layout.addWidget(self.analogy_table, 1)
        for edit in (self.analogy_a, self.analogy_b, self.analogy_c):
            edit.returnPressed.connect(self.run_analogy)
        self.compute_analogy.clicked.connect(lambda: self.run_analogy())
        self.analogy_table.cellClicked.connect(lambda r, _c: self._go_to(self.analogy_table, r))
        return tab

    def _build_drift_tab(self) -> QWidget:
        tab = QWidget()
        self.drift_label = QLabel(wordWrap=True, textFormat=Qt.RichText)
        self.drift_before = ResultTable(["#", "at init", "score"])
        self.drift_after = ResultTable(["#", "now", "score"])
        for table in (self.drift_before, self.drift_after):
            table.setMinimumHeight(150)
        pair = QHBoxLayout()
        pair.addWidget(self.drift_before)
        pair.addWidget(self.drift_after)
        self.moved_by = QComboBox()
        self.moved_by.addItem("by distance travelled", "distance")
        self.moved_by.addItem("by angle (lowest cosine)", "cosine")
        self.moved_table = ResultTable(["#", "token", "ID", "distance", "cosine"])
        self.moved_table.setMinimumHeight(200)
        moved_row = QHBoxLayout()  # (under its title: beside it, both would not fit the column)
        moved_row.addWidget(self.moved_by)
        moved_row.addStretch(1)
        layout = QVBoxLayout(tab)
        layout.setContentsMargins(6, 6, 6, 4)
        layout.addWidget(self.drift_label)
        layout.addLayout(pair, 1)
        layout.addWidget(_title("Tokens that moved most"))
        layout.addLayout(moved_row)
        layout.addWidget(self.moved_table, 1)
        layout.addWidget(_note("Compares the matrix as initialized with the matrix now. "
                               "Bold: neighbours kept. Click a row to go to that token."))
        for table in (self.drift_before, self.drift_after, self.moved_table):
            table.cellClicked.connect(lambda r, _c, t=table: self._go_to(t, r))
        return tab

    # -- running work -------------------------------------------------------------------------
    def _small(self, weights) -> bool:
        return weights is None or self.controller is None or weights.size <= self.sync_limit

    def _run(self, key: str, fn, *args, on_result, description: str, small: bool) -> None:
        """fn(*args) now (small matrices) or in a worker, where per key the latest request wins."""
        if small or self.controller is None:
            try:
                result = fn(*args)
            except ExplorerError as exc:
                self._failed(key, exc)
                return
            on_result(result)
            return
        if key not in self._jobs:
            self._jobs[key] = LatestJob(self.controller.jobs, self)
        self._jobs[key].request(fn, *args, on_result=on_result, on_error=lambda exc: self._failed(key, exc),
                                description=description)

    def _failed(self, key: str, exc: Exception) -> None:
        message = str(exc) if isinstance(exc, ExplorerError) else f"{type(exc).__name__}: {exc}"
        target = {"token": self.header, "one-hot": self.equal_label, "sentence": self.pieces_label,
                  "analogy": self.analogy_title, "moved": self.drift_label}.get(key, self.header)
        target.setText(f"<span style='color:{NEGATIVE}'>{html.escape(message)}</span>")

    # -- events -----------------------------------------------------------------------------------
    def _vocab_changed(self, vocab) -> None:
        self.completer_model.setStringList(list(vocab.display_tokens))
        self._index = self._initial_index = None
        self._live = None
        self.report = None
        self._dirty = set(self.TABS)
        self.show_token(None)

    def _weights_changed(self, weights, _reason="") -> None:
        # Let go of indexes of matrices no longer shown: they hold the whole old matrix.
        if self._index is not None and not self._index.matches(weights):
            self._index = None
        if self._initial_index is not None and not self._initial_index.matches(self.workspace.initial_weights):
            self._initial_index = None
        self.report = None
        self._dirty = set(self.TABS)
        if self.explore.current is not None:
            self._request_token()
        self._refresh_visible()

    def _token_settings_changed(self) -> None:
        if self.explore.current is not None:
            self._request_token()

    def _tab_chosen(self, index: int) -> None:
        self.explore.inspector_tab = self.TABS[index]
        self._refresh_visible()

    def _look_up(self) -> None:
        """Enter, Look up or a completion: the query's token becomes the current one."""
        self.explore.query = self.lookup.text()  # Enter arrives before the box's own edit signal
        try:
            token_id = resolve(self.workspace.vocab, self.explore.query)
        except ExplorerError as exc:
            word = self.explore.query.strip()
            if word and not word.lstrip("-").isdigit() and self._composes_words():
                self.look_up_oov(word)
                return
            self.header.setText(f"<i>{html.escape(str(exc))}</i>")
            return
        self.oov = None
        self.explore.current = token_id

    def _composes_words(self) -> bool:
        ws = self.workspace
        return ws.subwords is not None and ws.weights is not None

    def look_up_oov(self, word: str) -> None:
        """A word outside the vocabulary of a fastText model: its vector composed from its
        character n-grams, and that vector's neighbours (the Neighbours tab)."""
        ws = self.workspace
        weights, metric, k = ws.weights, self.explore.metric, self.explore.k

        def done(report) -> None:
            if report.index.matches(self.workspace.weights):
                self._index = report.index
            if self.workspace.weights is not weights:
                return
            self.show_oov(report, metric)

        self.header.setText(f"<i>composing “{html.escape(word)}” from its n-grams…</i>")
        self._run("token", oov_report, ws.vocab, weights, ws.subwords, word, self._index, k, metric,
                  on_result=done, description="composing a word from n-grams", small=self._small(weights))

    def show_oov(self, report, metric: str) -> None:
        self.oov = report
        word = html.escape(report.word)
        self.header.setText(f"<span style='font-size:15pt; font-weight:600'>{word}</span>&nbsp;&nbsp; "
                            f"<span style='color:{muted_text()}'>{html.escape(report.summary())}</span>")
        self._show_live_marks(False)
        vocab = self.workspace.vocab
        score_name = "distance" if metric == "euclidean" else metric
        self.neighbors.setHorizontalHeaderLabels(["#", "token", "ID", score_name, "since last frame"])
        self.neighbors.set_rows([[r, _token_label(vocab, i), i, describe_score(metric, s)]
                                 for r, (i, s) in enumerate(report.neighbours, 1)],
                                [i for i, _ in report.neighbours])
        if report.neighbours:
            self.neighbors_title.setText(f"<b>{len(report.neighbours)} nearest to “{word}” (composed from "
                                         f"n-grams) by {score_name}</b>")
        else:
            self.neighbors_title.setText(f"<b>No neighbours for “{word}”</b>: none of its n-grams is known, "
                                         f"so its vector is zero.")
        self.neighbors_title.setVisible(True)
        self.explore.inspector_tab = "Neighbours"

    def _one_hot_follow(self) -> None:
        """The One-hot IDs start from the current token and the selection (up to 8); IDs
        typed into the box stay until another token is picked."""
        current = self.explore.current
        ids = list(dict.fromkeys(([current] if current is not None else []) + list(self.explore.selection)))[:8]
        if ids and tuple(ids) != tuple(self.explore.one_hot_ids):
            self.explore.one_hot_ids = ids
            self._dirty.add("One-hot")
            if self.TABS[self.tabs.currentIndex()] == "One-hot":
                self._refresh("One-hot")

    def _go_to(self, table: ResultTable, row: int) -> None:
        token_id = table.token_id_at(row)
        if token_id is not None:
            self.explore.current = token_id

    def show_token(self, token_id: int | None) -> None:
        """The current token changed (a click, a lookup, another dock)."""
        self.oov = None
        if token_id is None:
            self.report = None
            self.header.setText(f"<span style='color:{muted_text()}'>No token selected.</span>")
            self._clear_token_views()
            return
        self._one_hot_follow()
        if self.report is not None and self.report.lookup.token_id != token_id:
            # Another token: the old one's neighbours must not stand under the new name.
            self._clear_neighbours()
        self._show_header(token_id)
        if self.workspace.weights is not None:
            self._request_token()

    def _show_header(self, token_id: int) -> None:
        vocab = self.workspace.vocab
        count = vocab.count_of(token_id)
        text = (f"<span style='font-size:15pt; font-weight:600'>{html.escape(_token_label(vocab, token_id))}"
                f"</span>&nbsp;&nbsp; ID <b>{token_id:,}</b>")
        if count is not None:
            text += f" &nbsp;·&nbsp; count <b>{count:,}</b>"
        weights = self.workspace.weights
        if weights is not None:
            text += (f" &nbsp;·&nbsp; <span style='color:{muted_text()}'>row {token_id:,} of W "
                     f"({weights.shape[0]:,} × {weights.shape[1]})</span>")
        metadata = self.workspace.metadata
        if metadata is not None and token_id < len(metadata):
            text += "<br>" + " &nbsp;·&nbsp; ".join(
                f"{html.escape(name)} <b>{html.escape(_metadata_value(metadata.values(name)[token_id]))}</b>"
                for name in metadata.names[:METADATA_SHOWN])
        self.header.setText(text)

    def _request_token(self) -> None:
        ws = self.workspace
        weights, token_id = ws.weights, self.explore.current
        if weights is None or token_id is None:
            return
        initial = ws.initial_weights
        metric, k = self.explore.metric, self.explore.k

        def done(report: TokenReport) -> None:
            if report.index.matches(self.workspace.weights):
                self._index = report.index
            if report.initial_index is not None and report.initial_index.matches(self.workspace.initial_weights):
                self._initial_index = report.initial_index
            if self.workspace.weights is not weights or self.explore.current != token_id:
                return  # stale: a newer request follows
            self.report = report
            self._show_header(token_id)
            self._show_report(report, metric)

        self._run("token", token_report, ws.vocab, weights, initial, self._index, self._initial_index,
                  token_id, k, metric, on_result=done, description="inspecting", small=self._small(weights))

    def _refresh_visible(self) -> None:
        self._refresh(self.TABS[self.tabs.currentIndex()])

    def _refresh(self, tab: str, force_moved: bool = False) -> None:
        if tab not in self._dirty and not force_moved:
            return
        self._dirty.discard(tab)
        if tab == "Drift":
            self._request_moved()
        elif tab == "Sentence":
            if self.sentence_view is None or self.sentence_view.pe_kind != "teaching example":
                self.run_sentence()
        elif tab == "One-hot":
            # First visit: the current token and the selection; later: a light re-measure
            # after the matrix (maybe training) or the IDs changed.
            self.run_one_hot(repeats=None if self.one_hot_result is None else 3)
        elif tab == "Analogy" and self.analogy_results:
            self.run_analogy()

    # -- lookup / neighbours / drift of the current token -----------------------------------------
    def _clear_neighbours(self) -> None:
        """No list: no heading over an empty table either."""
        self.neighbors.setRowCount(0)
        self.neighbors_title.setVisible(False)
        self.neighbors_title.setText("<b>Nearest neighbours</b>")
        self._show_live_marks(False)

    def _show_live_marks(self, on: bool) -> None:
        self.neighbors.setColumnHidden(LIVE_COLUMN, not on)
        self.live_note.setVisible(on)
        if not on:
            self.live_entered, self.live_left = [], []

    def _clear_token_views(self) -> None:
        self.lookup_content.setVisible(False)
        self.lookup_hint.setVisible(True)
        self._clear_neighbours()
        self.drift_before.setRowCount(0)
        self.drift_after.setRowCount(0)
        self._update_full_space_note()

    def _show_report(self, report: TokenReport, metric: str) -> None:
        self._ensure_lookup_views()
        self.lookup_hint.setVisible(False)
        self.lookup_content.setVisible(True)
        look = report.lookup
        row = np.asarray(look.row, dtype=np.float32)
        dim = len(row)
        token = html.escape(_token_label(self.workspace.vocab, look.token_id))
        self.row_title.setText(f"<b>Row {look.token_id:,} of W: “{token}”, {dim} numbers</b>")
        finite = row[np.isfinite(row)]
        limit = float(np.abs(finite).max()) if finite.size else 1.0
        limit = limit or 1.0
        brushes = [pg.mkBrush(POSITIVE if v >= 0 else NEGATIVE) for v in row] if dim <= 2048 else None
        if brushes is not None:
            self.bars.setOpts(x=np.arange(dim), height=row, width=0.8, brushes=brushes, pen=None)
        else:
            self.bars.setOpts(x=np.arange(dim), height=row, width=0.8, brush=POSITIVE, pen=None)
        self.bar_plot.setYRange(-limit, limit, padding=0.05)
        self.bar_plot.setXRange(-0.5, dim - 0.5, padding=0)
        self.strip_image.setImage(row[:, None], levels=(-limit, limit))
        self.strip_image.setRect(-0.5, 0, dim, 1)
        self.strip_plot.setYRange(0, 1, padding=0)
        self.row_table.set_rows([[i, float(v)] for i, v in enumerate(row)])

        counts, edges = report.histogram
        self.norm_hist.setData(edges, counts)
        self.norm_marker.setValue(look.norm)
        self.norm_marker.setVisible(True)
        total = len(report.index)
        self.norm_label.setText(
            f"L2 norm <b>{look.norm:.4g}</b>: larger than <b>{look.percentile:.1f}%</b> of the "
            f"{total:,} rows (rank {look.norm_rank:,} of {total:,}, largest first).")

        self._update_full_space_note()
        self._show_neighbours(look.token_id, report.neighbours, metric)
        self._show_live_marks(False)
        self._show_drift(report, metric)

    def _show_neighbours(self, token_id: int, neighbours, metric: str, marks: list[str] | None = None,
                         live_step: int | None = None) -> None:
        vocab = self.workspace.vocab
        token = html.escape(_token_label(vocab, token_id))
        score_name = "distance" if metric == "euclidean" else metric
        self.neighbors.setHorizontalHeaderLabels(["#", "token", "ID", score_name, "since last frame"])
        rows = [[r, _token_label(vocab, i), i, describe_score(metric, s)] + ([marks[r - 1]] if marks else [])
                for r, (i, s) in enumerate(neighbours, 1)]
        self.neighbors.set_rows(rows, [i for i, _ in neighbours])
        if neighbours:
            when = f" · live, step {live_step:,}" if live_step is not None else ""
            self.neighbors_title.setText(f"<b>{len(neighbours)} nearest to “{token}” by {score_name}{when}</b>")
        else:
            self.neighbors_title.setText(f"<b>No neighbours for “{token}”</b>: no other token has a "
                                         f"finite {score_name} to it.")
        self.neighbors_title.setVisible(True)

    # -- live neighbours (while training) -------------------------------------------------------
    def show_live_frame(self, frame) -> None:
        """A drawn training frame: the current token's neighbours in that frame's matrix, marking
        tokens that entered the top-k since the previous frame and naming those that left."""
        token_id = self.explore.current
        snap = getattr(frame, "snapshot", None)
        if token_id is None or snap is None or len(snap.weights) != len(self.workspace.vocab):
            return
        weights, metric, k, step = snap.weights, self.explore.metric, self.explore.k, snap.step

        def done(neighbours) -> None:
            if self.explore.current != token_id or (self.explore.metric, self.explore.k) != (metric, k):
                return  # stale
            self._show_live_neighbours(token_id, neighbours, metric, k, step)

        self._run("live", neighbors_of, weights, token_id, k, metric, on_result=done,
                  description="following neighbours", small=self._small(weights))

    def _show_live_neighbours(self, token_id: int, neighbours, metric: str, k: int, step: int) -> None:
        key = (token_id, metric, k)
        ids = [i for i, _ in neighbours]
        before = self._live[1] if self._live is not None and self._live[0] == key else None
        self._live = (key, ids)
        if before is None:  # the first frame seen for this token: nothing to compare with yet
            entered, left = [], []
        else:
            entered = [i for i in ids if i not in before]
            left = [i for i in before if i not in ids]
        self.live_entered, self.live_left = entered, left
        marks = [ENTERED if i in entered else "" for i in ids]
        self._show_neighbours(token_id, neighbours, metric, marks, live_step=step)
        vocab = self.workspace.vocab
        if before is None:
            note = "Training: the list follows each frame; tokens that enter it are marked ▲ new."
        elif left:
            names = ", ".join(html.escape(_token_label(vocab, i)) for i in left)
            note = (f"<span style='color:{NEGATIVE}'>{LEFT} left the top-{k} since the last frame: "
                    f"{names}</span>")
        else:
            note = f"The top-{k} kept every token since the last frame."
        self.live_note.setText(note)
        self.neighbors.setColumnHidden(LIVE_COLUMN, False)
        self.live_note.setVisible(True)
        self.live_shown.emit(step)

    def _update_full_space_note(self) -> None:
        dim = self.workspace.dim
        space = f"full {dim}-dimensional space" if dim else "full space"
        self.full_space_note.setText(f"Ranks are computed in the {space}, not in the 2-D/3-D "
                                     f"projection: close on screen does not mean neighbours.")
        self.full_space_note.setToolTip("The projection keeps only a few directions of the matrix; "
                                        "tokens that look close there may be far apart in the full "
                                        "space, and the other way round.")

    def _show_drift(self, report: TokenReport, metric: str) -> None:
        vocab = self.workspace.vocab
        if report.drift is None:
            self.drift_label.setText(f"<span style='color:{muted_text()}'>No training yet: the matrix is still "
                                     "as initialized, so nothing has drifted. Train, then come back.</span>")
            self.drift_before.setRowCount(0)
            self.drift_after.setRowCount(0)
            return
        d, nd = report.drift, report.neighbour_drift
        token = html.escape(_token_label(vocab, d.token_id))
        self.drift_label.setText(
            f"<b>“{token}”, init → now</b>: cosine between the two rows <b>{d.cosine:.3f}</b>, "
            f"distance <b>{d.distance:.4g}</b> (norm {d.norm_before:.4g} → {d.norm_after:.4g}).<br>"
            f"Top-{len(nd.after)} neighbours kept: {len(nd.kept)}; Jaccard overlap "
            f"<b>{nd.jaccard:.2f}</b>.")
        kept = set(nd.kept)
        for table, items in ((self.drift_before, nd.before), (self.drift_after, nd.after)):
            table.set_rows([[r, _token_label(vocab, i), describe_score(metric, s)]
                            for r, (i, s) in enumerate(items, 1)], [i for i, _ in items], bold=kept)

    def _request_moved(self) -> None:
        ws = self.workspace
        weights, initial = ws.weights, ws.initial_weights
        if weights is None or initial is None or initial is weights or initial.shape != weights.shape:
            self.moved = []
            self.moved_table.setRowCount(0)
            if self.explore.current is None:
                self.drift_label.setText(f"<span style='color:{muted_text()}'>No training yet: the matrix is "
                                         "still as initialized. Train, then come back.</span>")
            return
        by = self.explore.moved_by

        def done(moved) -> None:
            if self.workspace.weights is not weights:
                return
            self.moved = moved
            vocab = self.workspace.vocab
            self.moved_table.set_rows([[r, _token_label(vocab, m.token_id), m.token_id, m.distance, m.cosine]
                                       for r, m in enumerate(moved, 1)], [m.token_id for m in moved])

        self._run("moved", moved_most, initial, weights, 30, by, on_result=done,
                  description="finding tokens that moved", small=self._small(weights))

    # -- one-hot ------------------------------------------------------------------------------------
    def _one_hot_from_selection(self) -> None:
        current = self.explore.current
        ids = list(dict.fromkeys(([current] if current is not None else []) + list(self.explore.selection)))[:8]
        if ids:
            self.explore.one_hot_ids = ids
            self.run_one_hot()

    def run_one_hot(self, repeats: int | None = None) -> None:
        """X · W against the lookup, for the IDs in the box (a pending edit is taken first)."""
        weights = self.workspace.weights
        if weights is None:
            return
        try:
            self.explore.one_hot_ids = parse_ids(self.ids_edit.text())
        except ExplorerError as exc:
            self._failed("one-hot", exc)
            return
        ids = list(self.explore.one_hot_ids)
        self.equal_label.setText(f"<span style='color:{muted_text()}'>computing…</span>")

        def done(result) -> None:
            if self.workspace.weights is not weights:
                return
            self.one_hot_result = result
            self._show_one_hot(result, weights)

        # Always in a worker when there is one: torch's first import takes a while.
        self._run("one-hot", one_hot_equivalence, weights, ids, repeats, on_result=done,
                  description="timing X·W against the lookup", small=self.controller is None)

    def _show_one_hot(self, result, weights) -> None:
        vocab_size, dim = result.shape
        ids = result.ids
        cols = excerpt(vocab_size, ids)
        dims = excerpt(dim, (), head=2) if dim > 4 else list(range(dim))
        vocab = self.workspace.vocab

        def fill(table: ResultTable, matrix_rows: list[list], col_labels: list[str], row_labels: list[str]):
            table.setColumnCount(len(col_labels))
            table.setHorizontalHeaderLabels(col_labels)
            table.verticalHeader().setVisible(True)
            table.set_rows(matrix_rows)
            table.setVerticalHeaderLabels(row_labels)
            table.resizeColumnsToContents()
            _fit_rows(table, 8)

        def cells(values, index_list):
            return ["…" if j is None else (_fmt(values[j]) if not float(values[j]).is_integer() or
                                            abs(values[j]) >= 1e5 else str(int(values[j])))
                    for j in index_list]

        id_labels = [f"{i} “{_token_label(vocab, i)[:10]}”" for i in ids]
        fill(self.one_hot_tables["X"], [cells(row, cols) for row in result.one_hot],
             ["…" if j is None else str(j) for j in cols], id_labels)
        # W: the rows around the chosen IDs (all rows X touches), first dims.
        w_rows = excerpt(vocab_size, ids, head=2)
        fill(self.one_hot_tables["W"],
             [["…"] * len(dims) if r is None else [("…" if j is None else _fmt(weights[r, j])) for j in dims]
              for r in w_rows],
             ["…" if j is None else f"d{j}" for j in dims], ["…" if r is None else str(r) for r in w_rows])
        for key, matrix in (("XW", result.product), ("lookup", result.lookup)):
            fill(self.one_hot_tables[key],
                 [[("…" if j is None else _fmt(row[j])) for j in dims] for row in matrix],
                 ["…" if j is None else f"d{j}" for j in dims], id_labels)
        self.one_hot_titles["X"].setText(f"<b>X: one-hot, {len(ids)} × {vocab_size:,}</b>")
        self.one_hot_titles["W"].setText(f"<b>W: {vocab_size:,} × {dim}</b>")
        self.one_hot_titles["XW"].setText(f"<b>X · W: {len(ids)} × {dim}</b>")
        self.one_hot_titles["lookup"].setText(f"<b>embedding(ids, W): {len(ids)} × {dim}</b>")
        if result.equal:
            self.equal_label.setText(f"<span style='color:#188038; font-weight:600'>✓ X · W equals the lookup, "
                                     f"number for number</span> (max |difference| {result.max_abs_diff:g}).")
        else:
            self.equal_label.setText(f"<span style='color:{NEGATIVE}; font-weight:600'>✗ X · W differs from the "
                                     f"lookup</span>: max |difference| {result.max_abs_diff:.3g}.")
        wasted = result.multiplications - result.useful_multiplications
        self.timing_label.setText(
            f"Measured on the current {vocab_size:,} × {dim} matrix (median):<br>"
            f"&nbsp;• X · W (torch.matmul): <b>{1000 * result.seconds_matmul:.3f} ms</b>, "
            f"{result.multiplications:,} multiplications, {wasted:,} of them by zero<br>"
            f"&nbsp;• lookup (F.embedding): <b>{1000 * result.seconds_lookup:.3f} ms</b>, no multiplication: "
            f"it copies {len(ids)} rows of {dim} numbers<br>"
            + _speedup_text(result.speedup))

    # -- sentence --------------------------------------------------------------------------------------
    def _pe_changed(self) -> None:
        if self.explore.positions == "learned" and self.learned_positions is None:
            self._learned_from_loaded_file()
        if self.explore.positions == "learned" and self.learned_positions is None:
            self.pe_source.setText("Load a learned positional table (Load table…), e.g. "
                                   "vectors/minilm-embeddings.safetensors.")
        self.run_sentence()

    def _learned_from_loaded_file(self) -> None:
        """When the matrix came from a checkpoint that also holds a positional table, use it."""
        source = self.workspace.vocab.source
        table = positional_table_of(source, self.workspace.dim)
        if table is not None:
            self.learned_positions = table
            self.learned_source = f"{Path(source).name}: {table.shape[0]} positions × {table.shape[1]}"
            self.pe_source.setText(f"Learned positions from {html.escape(self.learned_source)}")

    def _load_pe_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "A learned positional table",
                                              filter="safetensors (*.safetensors);;All files (*)")
        if path:
            self.load_positional_file(path)

    def load_positional_file(self, path: str | Path, tensor_name: str | None = None) -> None:
        try:
            table = load_positional_table(path, tensor_name)
        except ExplorerError as exc:
            self._failed("sentence", exc)
            return
        self.learned_positions = table
        self.learned_source = f"{Path(path).name}: {table.shape[0]} positions × {table.shape[1]}"
        self.pe_source.setText(f"Learned positions from {html.escape(self.learned_source)}")
        if self.explore.positions == "learned":
            self.run_sentence()
        else:
            self.explore.positions = "learned"  # the sentence follows

    def run_sentence(self) -> None:
        """The sentence in the box as a matrix (a pending edit is taken first)."""
        weights = self.workspace.weights
        if weights is None:
            return
        text = self.sentence_edit.text()
        self.explore.sentence = text if text.strip() else default_sentence(self.workspace.vocab)
        pe = self.explore.positions
        if pe == "learned" and self.learned_positions is None:
            pe = "none"
        try:
            view = sentence_matrix(self.workspace.vocab, weights, self.explore.sentence, pe=pe,
                                   learned=self.learned_positions)
        except ExplorerError as exc:
            self._failed("sentence", exc)
            return
        if pe != "learned":
            self.pe_source.setText({"sinusoidal": "Sinusoidal (Vaswani et al.): PE[p, 2i] = sin(p / 10000^(2i/d)), "
                                                  "PE[p, 2i+1] = cos(same).",
                                    "none": "No positional encoding: the sum is just the token rows."}[pe]
                                   if self.explore.positions != "learned" else self.pe_source.text())
        self.show_sentence(view)

    def show_teaching_example(self) -> None:
        """The table from the course: I love machine learning, 3 dims, hand-written positions."""
        self.explore.sentence = "I love machine learning"
        self.pe_source.setText("Built-in teaching example: its own 3-dim embeddings and positional rows "
                               "(not the current matrix). Each sum is embedding + positional row.")
        self.show_sentence(teaching_example())

    def show_sentence(self, view) -> None:
        self.sentence_view = view
        skipped = f" &nbsp; <i>(no ID: {html.escape(', '.join(view.skipped))})</i>" if view.skipped else ""
        vocab = self.workspace.vocab
        unk = None if view.pe_kind == "teaching example" else vocab.unk_id  # its IDs are its own
        chips = token_chips(view.pieces, view.ids, unk_id=unk, unk_token="" if unk is None else vocab.tokens[unk],
                            limit=len(view.pieces))
        self.pieces_label.setText(f"{len(view.ids)} tokens → IDs: {chips}{skipped}" if view.ids
                                  else f"No tokens.{skipped}")
        head = 3 if view.token_rows.shape[1] <= 3 else 2
        self.sentence_table.set_rows([[p, i, _vector(t, head), _vector(pe, head), _vector(s, head)]
                                      for p, i, t, pe, s in zip(view.pieces, view.ids, view.token_rows,
                                                                view.pe_rows, view.sums)])
        self.sentence_table.resizeColumnsToContents()
        _fit_rows(self.sentence_table, 8)
        self.heatmaps.setMinimumHeight(3 * (46 + max(28, 18 * len(view.ids))))
        self._ensure_heatmaps()
        matrices = (view.token_rows, view.pe_rows, view.sums)
        finite = [np.abs(m[np.isfinite(m)]).max() for m in matrices if m.size]
        limit = float(max(finite)) if finite else 1.0
        limit = limit or 1.0
        ticks = [[(r + 0.5, p[:10]) for r, p in enumerate(view.pieces)]]
        for plot, image, matrix in zip(self.heat_plots, self.heat_images, matrices):
            if not matrix.size:
                image.clear()
                continue
            image.setImage(np.asarray(matrix, dtype=np.float32).T, levels=(-limit, limit))
            image.setRect(0, 0, matrix.shape[1], matrix.shape[0])
            plot.getAxis("left").setTicks(ticks)
            plot.setXRange(0, matrix.shape[1], padding=0)
            plot.setYRange(0, matrix.shape[0], padding=0)

    # -- analogy -----------------------------------------------------------------------------------------
    def run_analogy(self) -> None:
        weights = self.workspace.weights
        if weights is None:
            return
        vocab = self.workspace.vocab
        # Pending edits are taken first; an empty box means its example (king − man + woman).
        self.explore.analogy = tuple(edit.text().strip() or edit.placeholderText() for edit in self.analogy_edits)
        try:
            a, b, c = (resolve(vocab, text) for text in self.explore.analogy)
        except ExplorerError as exc:
            self._failed("analogy", exc)
            self.analogy_table.setRowCount(0)
            return
        k = self.explore.analogy_k
        names = [html.escape(_token_label(vocab, i)) for i in (a, b, c)]

        def done(result) -> None:
            index, results = result
            if index.matches(self.workspace.weights):
                self._index = index
            if self.workspace.weights is not weights:
                return
            self.analogy_results = results
            self.analogy_title.setText(f"<b>{names[0]} − {names[1]} + {names[2]} ≈ ?</b> "
                                       f"({names[1]} : {names[0]} :: {names[2]} : ?)")
            self.analogy_table.set_rows([[r, _token_label(vocab, i), i, s] for r, (i, s) in enumerate(results, 1)],
                                        [i for i, _ in results])

        self._run("analogy", analogy_job, weights, self._index, (a, c), (b,), k, on_result=done,
                  description="computing an analogy", small=self._small(weights))
