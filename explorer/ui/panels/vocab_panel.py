"""Vocabulary dock: where a vocabulary comes from, a virtual table of ID, token and
count with filter and sorting, a summary, a box that tokenizes text, and the metadata
columns (file, columns and their kinds, a filter that selects the matching tokens).

The format and the corpus-build options live in `state.vocab` (the widgets bind to
them). Loading runs off the GUI thread (`controller.run_long`, with progress and
Cancel) into a new Vocabulary; only a successful load reaches `workspace.set_vocab`
and `state.vocab.source`, so a bad file leaves everything as it was. A row clicked
becomes `state.explore.current`.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import numpy as np

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QSortFilterProxyModel, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QCompleter, QFileDialog, QFormLayout, QHBoxLayout, QHeaderView, QLabel, QLineEdit,
    QMessageBox, QPushButton, QSpinBox, QTableView, QToolButton, QVBoxLayout, QWidget,
)

from explorer.core import ExplorerError
from explorer.core.state.workspace import Workspace
from explorer.core.tokens.subword import encode_text
from explorer.core.tokens.vocab import DEFAULT_SPECIALS, Vocabulary
from explorer.ui.bind import bind
from explorer.ui.chips import token_chips

DETECT = "detect"  # the format box's item for state.vocab.format None
# (label, format) for the source override; DETECT = from name and content.
SOURCE_FORMATS = (
    ("Detect automatically", DETECT),
    ("Word list (token [count] per line)", "wordlist"),
    ("Corpus text (build a vocabulary)", "corpus"),
    ("GPT-2 BPE (encoder.json + vocab.bpe)", "gpt2"),
    ("BERT WordPiece (vocab.txt)", "wordpiece"),
    ("Hugging Face tokenizer.json", "tokenizer-json"),
    ("JSON list or token → ID map", "json"),
    ("Tokens of a vectors file", "vectors"),
)
MAX_TOKENIZE_PIECES = 200
MAX_COMPLETIONS = 200  # the metadata value box offers a text column's most frequent values
LIVE_COUNT_ROWS = 200_000  # up to this many tokens the matches are counted as the user types


class VocabTableModel(QAbstractTableModel):
    """Reads straight from the Vocabulary through `rows` (row -> token ID), a numpy array,
    with one more column per metadata column (`set_metadata`).

    Sorting and filtering reorder that array with numpy instead of asking Qt to call
    back into Python per row and per comparison (minutes at 50,257 rows), so the
    table stays smooth at GPT-2's size. Only visible rows are ever read.
    """

    HEADERS = ("ID", "Token", "Count")

    def __init__(self, vocab: Vocabulary) -> None:
        super().__init__()
        self.vocab = vocab
        self.sort_column, self.sort_order = 0, Qt.AscendingOrder
        self.filter_text = ""
        self._sorted_cache: dict[int, np.ndarray] = {}
        self._row_of: np.ndarray | None = None
        self.metadata = None  # explorer.core.io.metadata.Metadata shown after Count, or None
        self.rows = np.arange(len(vocab))

    def set_metadata(self, metadata) -> None:
        self.beginResetModel()
        self.metadata = metadata if metadata is not None and len(metadata) == len(self.vocab) else None
        self._sorted_cache = {c: rows for c, rows in self._sorted_cache.items() if c < len(self.HEADERS)}
        if self.sort_column >= self.columnCount():
            self.sort_column, self.sort_order = 0, Qt.AscendingOrder
        self._update_rows()
        self.endResetModel()

    def metadata_column(self, column: int) -> str | None:
        """The metadata column shown in table column `column`, or None for ID, Token, Count."""
        extra = column - len(self.HEADERS)
        if self.metadata is None or not 0 <= extra < len(self.metadata.names):
            return None
        return self.metadata.names[extra]

    def set_vocab(self, vocab: Vocabulary) -> None:
        self.beginResetModel()
        self.vocab = vocab
        self._sorted_cache = {}
        if self.metadata is not None and len(self.metadata) != len(vocab):
            self.metadata = None  # the old vocabulary's (the workspace's metadata_changed follows)
        if self.sort_column >= self.columnCount():
            self.sort_column, self.sort_order = 0, Qt.AscendingOrder
        self._update_rows()
        self.endResetModel()

    # -- order and filter -----------------------------------------------------
    def sort(self, column: int, order=Qt.AscendingOrder) -> None:
        self.layoutAboutToBeChanged.emit()
        old = self.rows
        persistent = self.persistentIndexList()
        self.sort_column, self.sort_order = column, order
        self._update_rows()
        self._remap_persistent(persistent, old)
        self.layoutChanged.emit()

    def set_filter(self, text: str) -> None:
        self.beginResetModel()
        self.filter_text = text
        self._update_rows()
        self.endResetModel()

    def _ascending(self, column: int) -> np.ndarray:
        cached = self._sorted_cache.get(column)
        if cached is None:
            n = len(self.vocab)
            name = self.metadata_column(column)
            if name is not None:
                values = self.metadata.values(name)
                if self.metadata.is_numeric(name):  # NaN (missing) last
                    cached = np.argsort(values, kind="stable")
                else:
                    cached = np.array(sorted(range(n), key=lambda i: (values[i].lower(), values[i])), dtype=np.int64)
            elif column == 1:
                shown = self.vocab.display_tokens
                cached = np.array(sorted(range(n), key=lambda i: (shown[i].lower(), shown[i])), dtype=np.int64)
            elif column == 2 and self.vocab.counts is not None:
                cached = np.argsort(self.vocab.counts, kind="stable")
            else:
                cached = np.arange(n)
            self._sorted_cache[column] = cached
        return cached

    def _update_rows(self) -> None:
        rows = self._ascending(self.sort_column)
        if self.sort_order == Qt.DescendingOrder:
            rows = rows[::-1]
        name = self.metadata_column(self.sort_column)
        if name is not None:  # tokens without a value last, in either order
            values = self.metadata.values(name)
            missing = np.isnan(values[rows]) if self.metadata.is_numeric(name) else \
                np.fromiter((not values[i] for i in rows.tolist()), bool, len(rows))
            rows = np.concatenate([rows[~missing], rows[missing]])
        if self.filter_text:
            rows = rows[self._matches(self.filter_text)[rows]]
        self.rows = np.ascontiguousarray(rows)
        self._row_of = None

    def _matches(self, text: str) -> np.ndarray:
        """Token IDs whose shown or raw token contains `text` (any case) or matches it as a regex."""
        needle = text.lower()
        try:
            pattern = re.compile(text, re.IGNORECASE)
        except re.error:
            pattern = None
        shown, raw = self.vocab.display_tokens, self.vocab.tokens
        if pattern is None:
            hits = [needle in a.lower() or needle in b.lower() for a, b in zip(shown, raw)]
        else:
            search = pattern.search
            hits = [needle in a.lower() or bool(search(a)) or (a is not b and bool(search(b)))
                    for a, b in zip(shown, raw)]
        return np.fromiter(hits, dtype=bool, count=len(raw))

    def _remap_persistent(self, persistent, old_rows: np.ndarray) -> None:
        for index in persistent:
            token_id = int(old_rows[index.row()]) if index.row() < len(old_rows) else None
            row = None if token_id is None else self.row_of(token_id)
            new = QModelIndex() if row is None else self.index(row, index.column())
            self.changePersistentIndex(index, new)

    def token_id(self, row: int) -> int:
        return int(self.rows[row])

    def row_of(self, token_id: int) -> int | None:
        """The row showing `token_id`, or None when the filter hides it."""
        if self._row_of is None:
            self._row_of = np.full(len(self.vocab), -1, dtype=np.int64)
            self._row_of[self.rows] = np.arange(len(self.rows))
        if not 0 <= token_id < len(self._row_of):
            return None
        row = int(self._row_of[token_id])
        return None if row < 0 else row

    # -- Qt model interface ---------------------------------------------------
    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()) -> int:
        if parent.isValid():
            return 0
        return len(self.HEADERS) + (0 if self.metadata is None else len(self.metadata.names))

    def headerData(self, section, orientation, role=Qt.DisplayRole):
        if orientation == Qt.Horizontal and role == Qt.DisplayRole:
            return self.HEADERS[section] if section < len(self.HEADERS) else self.metadata_column(section)
        return None

    def data(self, index, role=Qt.DisplayRole):
        token_id, col = int(self.rows[index.row()]), index.column()
        name = self.metadata_column(col)
        if name is not None:
            return self._metadata_value(name, token_id, role)
        if role == Qt.ToolTipRole and col == 1:
            raw, shown = self.vocab.tokens[token_id], self.vocab.display_tokens[token_id]
            return f"raw token: {raw!r}" if raw != shown else None
        if role == Qt.TextAlignmentRole and col != 1:
            return int(Qt.AlignRight | Qt.AlignVCenter)
        if role not in (Qt.DisplayRole, Qt.UserRole):
            return None
        if col == 0:
            return token_id
        if col == 1:
            return self.vocab.display_tokens[token_id]
        count = self.vocab.count_of(token_id)
        if count is None:
            return "" if role == Qt.DisplayRole else -1
        return f"{count:,}" if role == Qt.DisplayRole else count

    def _metadata_value(self, name: str, token_id: int, role):
        from explorer.core.io.export import metadata_field

        numeric = self.metadata.is_numeric(name)
        if role == Qt.TextAlignmentRole:
            return int(Qt.AlignRight | Qt.AlignVCenter) if numeric else None
        if role not in (Qt.DisplayRole, Qt.UserRole):
            return None
        value = self.metadata.values(name)[token_id]
        return metadata_field(value) if role == Qt.DisplayRole else (float(value) if numeric else value)


class TokenFilter(QSortFilterProxyModel):
    """The proxy the view talks to: sorting (header clicks) and the filter text are
    handed to the source model, which reorders with numpy; the proxy itself adds no
    per-row Python work."""

    def __init__(self) -> None:
        super().__init__()
        self.setDynamicSortFilter(False)

    def set_text(self, text: str) -> None:
        self.sourceModel().set_filter(text)

    def sort(self, column: int, order=Qt.AscendingOrder) -> None:
        self.sourceModel().sort(column, order)


TOKENIZER_CHOICES = ("words", "whitespace", "current")  # else a tokenizer file's path


class VocabPanel(QWidget):
    loaded = Signal(object)  # the new Vocabulary, after workspace.set_vocab
    load_failed = Signal(str)  # the message shown to the user
    metadata_requested = Signal()  # the metadata section's Load… (the window's MetadataController answers)

    def __init__(self, workspace: Workspace, controller=None, parent=None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.controller = controller
        self.vocab_state = workspace.state.vocab  # the source, and the options of the next load
        self.explore = workspace.state.explore
        self.last_error: str | None = None
        self.offer: QMessageBox | None = None  # "load anyway?" question after a recoverable error
        self.offer_button: QPushButton | None = None

        self.summary = QLabel(wordWrap=True, textFormat=Qt.RichText)
        self.summary.setTextInteractionFlags(Qt.TextSelectableByMouse)

        # -- source ---------------------------------------------------------------
        self.open_button = QPushButton("Open…", toolTip="Open a word list, corpus, tokenizer file or vectors file")
        self.open_folder_button = QToolButton(text="Folder…", toolTip="Open a tokenizer folder "
                                              "(encoder.json + vocab.bpe, vocab.txt or tokenizer.json)")
        self.source_format = QComboBox(toolTip="How to read the file: detected from its name and content, "
                                       "or chosen here")
        for label, fmt in SOURCE_FORMATS:
            self.source_format.addItem(label, fmt)
        # As wide as the dock allows, not as its longest item: the dock stays narrow.
        self.source_format.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
        self.source_format.setMinimumContentsLength(6)
        self.options_button = QToolButton(text="Corpus options", checkable=True,
                                          toolButtonStyle=Qt.ToolButtonTextBesideIcon)
        self.options_button.setArrowType(Qt.RightArrow)
        source_row = QHBoxLayout()
        source_row.addWidget(self.open_button)
        source_row.addWidget(self.open_folder_button)
        source_row.addWidget(self.source_format, 1)

        # -- corpus-build options -------------------------------------------------
        self.options = QWidget(visible=False)
        self.corpus_tokenizer = QComboBox()
        self.corpus_tokenizer.addItem("Lowercase words (regex)", "words")
        self.corpus_tokenizer.addItem("Whitespace (keeps case)", "whitespace")
        self.corpus_tokenizer.addItem("Current vocabulary's tokenizer", "current")
        self.corpus_tokenizer.addItem("Tokenizer file…", "file")
        self.min_count = QSpinBox(minimum=1, maximum=1_000_000)
        self.max_size = QSpinBox(minimum=0, maximum=10_000_000, singleStep=1000, specialValueText="no limit")
        self.order = QComboBox()
        for label, value in (("by frequency", "freq"), ("alphabetical", "alpha"), ("first seen", "first")):
            self.order.addItem(label, value)
        self.special_boxes = {role: QCheckBox(token) for role, token in DEFAULT_SPECIALS.items()}
        specials_row = QHBoxLayout()
        specials_row.setContentsMargins(0, 0, 0, 0)
        for box in self.special_boxes.values():
            specials_row.addWidget(box)
        specials_row.addStretch(1)
        self.rebuild_button = QPushButton("Rebuild from corpus", enabled=False,
                                          toolTip="Build the last corpus again with these options")
        form = QFormLayout(self.options)
        form.setContentsMargins(12, 0, 0, 0)
        form.addRow("Tokenizer", self.corpus_tokenizer)
        form.addRow("Min count", self.min_count)
        form.addRow("Max size", self.max_size)
        form.addRow("Order", self.order)
        form.addRow("Specials", specials_row)
        form.addRow(self.rebuild_button)

        # -- table ----------------------------------------------------------------
        self.filter = QLineEdit(placeholderText="Filter tokens (substring or regex)", clearButtonEnabled=True)
        self.model = VocabTableModel(workspace.vocab)
        self.proxy = TokenFilter()
        self.proxy.setSourceModel(self.model)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.AscendingOrder)
        self.table.setSelectionBehavior(QTableView.SelectRows)
        self.table.setSelectionMode(QTableView.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(20)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.Interactive)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.Stretch)
        self.table.setHorizontalScrollMode(QTableView.ScrollPerPixel)
        self.table.setVerticalScrollMode(QTableView.ScrollPerPixel)
        self.matches = QLabel()

        # -- tokenize box ---------------------------------------------------------
        self.tokenize_input = QLineEdit(placeholderText="Tokenize text…", clearButtonEnabled=True)
        self.specials_in_text = QCheckBox(
            "Special tokens in the text are tokens",
            toolTip="Checked: <|endoftext|> or [SEP] typed in the text is that special token, as the "
                    "tokenizers library reads text. Unchecked: it is plain text, split into ordinary pieces.")
        self.tokenize_output = QLabel(wordWrap=True, textFormat=Qt.RichText)
        self.tokenize_output.setTextInteractionFlags(Qt.TextSelectableByMouse)

        self._build_metadata_section()

        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addLayout(source_row)
        layout.addWidget(self.options_button)
        layout.addWidget(self.options)
        layout.addWidget(self.filter)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.matches)
        layout.addWidget(self.metadata_section)
        layout.addWidget(self.tokenize_input)
        layout.addWidget(self.specials_in_text)
        layout.addWidget(self.tokenize_output)

        self._bind_settings()
        self.filter.textChanged.connect(self._filter_changed)
        self.table.selectionModel().currentRowChanged.connect(self._row_changed)
        self.open_button.clicked.connect(self._open_dialog)
        self.open_folder_button.clicked.connect(self._open_folder_dialog)
        self.options_button.toggled.connect(self._toggle_options)
        self.rebuild_button.clicked.connect(self._rebuild)
        # The box writes state.explore.tokenize as the user types; the pieces follow that field.
        self.tokenize_input.textChanged.connect(lambda text: setattr(self.explore, "tokenize", text))
        self.explore.events.tokenize.connect(self._tokenize_text_changed)
        self.vocab_state.events.specials_in_text.connect(lambda _: self._tokenize(self.explore.tokenize))
        workspace.events.vocab_changed.connect(self._vocab_changed)
        workspace.events.metadata_changed.connect(self._metadata_changed)
        self.explore.events.current.connect(self._show_current)
        if controller is not None:
            controller.loaders["vocab"] = self.load
            controller.loaders["tokenizer"] = self.load
            controller.loaders["corpus"] = lambda path: self.load(path, "corpus")
        self._vocab_changed(workspace.vocab)
        self._metadata_changed(workspace.metadata)

    def _build_metadata_section(self) -> None:
        """File and columns; a column box and a value box (state.explore.filter_column /
        filter_value) and Select matching, which writes state.explore.selection."""
        self.metadata_section = QWidget()
        self.metadata_label = QLabel(wordWrap=True, textFormat=Qt.RichText)
        self.metadata_load = QToolButton(text="Load…", toolTip="Load a metadata TSV/CSV (File ▸ Load metadata…)")
        self.metadata_load.clicked.connect(self.metadata_requested)
        self.filter_column = QComboBox(toolTip="The metadata column to filter by")
        self.filter_column.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
        self.filter_column.setMinimumContentsLength(6)
        self.filter_value = QLineEdit(clearButtonEnabled=True)
        self.filter_value.setCompleter(QCompleter([], self.filter_value, caseSensitivity=Qt.CaseInsensitive))
        self.select_matching = QPushButton("Select matching",
                                           toolTip="Select the tokens whose column has this value")
        self.filter_info = QLabel(wordWrap=True)
        self.filter_row = QWidget()
        row = QHBoxLayout(self.filter_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.filter_column, 1)
        row.addWidget(self.filter_value, 1)
        head = QHBoxLayout()
        head.setContentsMargins(0, 0, 0, 0)
        head.addWidget(self.metadata_label, 1)
        head.addWidget(self.metadata_load, 0, Qt.AlignTop)
        select_row = QHBoxLayout()
        select_row.setContentsMargins(0, 0, 0, 0)
        select_row.addWidget(self.select_matching)
        select_row.addWidget(self.filter_info, 1)
        section = QVBoxLayout(self.metadata_section)
        section.setContentsMargins(0, 4, 0, 4)
        section.addLayout(head)
        section.addWidget(self.filter_row)
        section.addLayout(select_row)

        report = self.controller.error.emit if self.controller is not None else None
        bind(self.filter_column, self.explore, "filter_column", on_error=report)
        bind(self.filter_value, self.explore, "filter_value", on_error=report)
        self.explore.events.filter_column.connect(lambda _name: self._filter_column_changed())
        self.explore.events.filter_value.connect(lambda _value: self._count_matching())
        self.filter_value.textChanged.connect(self._value_typed)
        self.select_matching.clicked.connect(self.select_matching_tokens)

    def _bind_settings(self) -> None:
        """Each option shows its field of state.vocab and writes it."""
        chosen = self.vocab_state
        report = self.controller.error.emit if self.controller is not None else None
        bind(self.source_format, chosen, "format", to_widget=lambda fmt: fmt or DETECT,
             from_widget=lambda fmt: None if fmt == DETECT else fmt, on_error=report)
        bind(self.min_count, chosen, "min_count", on_error=report)
        bind(self.max_size, chosen, "max_size", to_widget=lambda size: size or 0,
             from_widget=lambda size: size or None, on_error=report)
        bind(self.order, chosen, "order", on_error=report)
        bind(self.specials_in_text, chosen, "specials_in_text", on_error=report)
        for role, box in self.special_boxes.items():
            bind(box, chosen, "specials", to_widget=lambda specials, role=role: role in specials,
                 from_widget=lambda checked, role=role: self._specials_with(role, checked), on_error=report)
        # The tokenizer box offers a file dialog, so it is bound by hand: a choice is written
        # when made (`activated`, which a second pick of "Tokenizer file…" also sends).
        self.corpus_tokenizer.activated.connect(self._tokenizer_chosen)
        chosen.events.tokenizer.connect(self._show_tokenizer)
        self._show_tokenizer(chosen.tokenizer)

    def _specials_with(self, role: str, checked: bool) -> tuple:
        others = tuple(r for r in self.vocab_state.specials if r != role)
        return (*others, role) if checked else others

    # -- loading ------------------------------------------------------------------
    def corpus_options(self) -> dict:
        """The corpus-build options (state.vocab) as load_vocabulary keyword arguments."""
        chosen = self.vocab_state
        tokenizer = chosen.tokenizer
        if tokenizer == "current":
            tokenizer = self.workspace.vocab.tokenizer
            tokenizer = getattr(tokenizer, "base", tokenizer)  # a subword splitter wraps its tokenizer
            if not hasattr(tokenizer, "encode_pieces"):  # word vocabularies: split as words
                tokenizer = "words"
        return {
            "tokenizer": tokenizer,
            "min_count": chosen.min_count,
            "max_size": chosen.max_size,
            "order": chosen.order,
            "specials": list(chosen.specials),
        }

    def open_file(self, path):
        """Load `path` as the dock's format box says (detected, or the user's override)."""
        return self.load(path, self.vocab_state.format)

    def load(self, path, fmt: str | None = None, *, errors: str = "strict", dedupe: bool = False):
        """Load `path` off the GUI thread, as format `fmt` (None: detect it from name and content).

        Returns the job's ProgressHandle (its `cancel()` is what the status bar's Cancel calls)."""
        path = Path(path)
        options = self.corpus_options()
        tokenizer_choice = self.vocab_state.tokenizer  # options["tokenizer"] may be a tokenizer object

        def job(progress=None, should_cancel=None) -> tuple[Vocabulary, str]:
            from explorer.core.io.vocab_files import detect_format, load_vocabulary

            chosen = fmt or detect_format(path)
            extra = options if chosen == "corpus" else {}
            vocab = load_vocabulary(path, chosen, errors=errors, dedupe=dedupe, progress=progress,
                                    should_cancel=should_cancel, **extra)
            vocab.display_tokens  # computed here, off the GUI thread, for the table and filter
            return vocab, chosen

        def done(result) -> None:
            vocab, chosen = result
            built = {"format": chosen}  # how this vocabulary was built, for state.vocab.options
            if chosen == "corpus":
                built.update(options, tokenizer=tokenizer_choice)
            if errors != "strict":
                built["errors"] = errors
            if dedupe:
                built["dedupe"] = True
            self._loaded(vocab, path, built)

        if self.controller is None:
            raise RuntimeError("VocabPanel.load needs a controller")
        handle, _worker = self.controller.run_long(
            job, description=f"Loading {path.name}", on_result=done,
            on_error=lambda exc: self._failed(exc, path, fmt, errors, dedupe))
        return handle

    def _loaded(self, vocab: Vocabulary, path: Path, options: dict) -> None:
        self.last_error = None
        self.workspace.set_vocab(vocab, categories=None)
        self.vocab_state.update(source=str(path), options=options)
        if vocab.warnings and self.controller is not None:
            self.controller.message.emit("; ".join(vocab.warnings))
        self.loaded.emit(vocab)

    def _failed(self, exc: Exception, path: Path, fmt, errors: str, dedupe: bool) -> None:
        from explorer.core.io.textio import InvalidEncoding
        from explorer.core.io.vocab_files import DuplicateToken

        message = str(exc) if isinstance(exc, (ExplorerError, OSError)) else f"{type(exc).__name__}: {exc}"
        self.last_error = message
        if isinstance(exc, InvalidEncoding) and errors == "strict":
            self._offer(message, "Load with replacement characters",
                        lambda: self.load(path, fmt, errors="replace", dedupe=dedupe))
        elif isinstance(exc, DuplicateToken) and not dedupe:
            self._offer(message, "Keep the first of each duplicate",
                        lambda: self.load(path, fmt, errors=errors, dedupe=True))
        elif self.controller is not None:
            self.controller.error.emit(message)
        self.load_failed.emit(message)

    def _offer(self, message: str, action: str, accept) -> None:
        """A non-blocking question: load anyway, in the way the button says?"""
        box = QMessageBox(QMessageBox.Warning, "Embedding Explorer",
                          f"{message}\n\nThe current vocabulary is unchanged.", parent=self.window())
        self.offer_button = box.addButton(action, QMessageBox.AcceptRole)
        box.addButton(QMessageBox.Cancel)
        self.offer_button.clicked.connect(accept)
        box.setAttribute(Qt.WA_DeleteOnClose)
        box.finished.connect(lambda *_: setattr(self, "offer", None))
        self.offer = box
        if self.controller is not None:
            self.controller.message.emit(message)
        box.open()

    def _open_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Open a vocabulary", "",
            "Vocabularies (*.txt *.tsv *.json *.bpe *.cor *.vec *.bin);;All files (*)")
        if path:
            self.open_file(path)

    def _open_folder_dialog(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Open a tokenizer folder")
        if path:
            self.open_file(path)

    def _toggle_options(self, shown: bool) -> None:
        self.options.setVisible(shown)
        self.options_button.setArrowType(Qt.DownArrow if shown else Qt.RightArrow)

    def _tokenizer_chosen(self, index: int) -> None:
        choice = self.corpus_tokenizer.itemData(index)
        if choice != "file":
            self.vocab_state.tokenizer = choice
            return
        path = QFileDialog.getExistingDirectory(self, "Tokenizer folder (or cancel to pick a file)")
        if not path:
            path, _ = QFileDialog.getOpenFileName(self, "Tokenizer file", "",
                                                  "Tokenizers (*.json *.bpe *.txt);;All files (*)")
        if path:
            self.vocab_state.tokenizer = path
        self._show_tokenizer(self.vocab_state.tokenizer)  # cancelled: back to what it was

    def _show_tokenizer(self, tokenizer: str) -> None:
        file_item = self.corpus_tokenizer.findData("file")
        is_file = tokenizer not in TOKENIZER_CHOICES
        self.corpus_tokenizer.setItemText(file_item, f"Tokenizer: {Path(tokenizer).name}" if is_file
                                          else "Tokenizer file…")
        self.corpus_tokenizer.setCurrentIndex(file_item if is_file else self.corpus_tokenizer.findData(tokenizer))

    def _rebuild(self) -> None:
        """The current corpus vocabulary built again, with the options as they are now."""
        self.load(self.workspace.vocab.source, "corpus")

    # -- showing ------------------------------------------------------------------
    def _vocab_changed(self, vocab: Vocabulary) -> None:
        self.model.set_vocab(vocab)
        self.table.setColumnHidden(2, vocab.counts is None)
        # Widths from the largest numbers: ResizeToContents would measure every row (seconds at 50k).
        metrics = self.table.fontMetrics()
        self.table.setColumnWidth(0, metrics.horizontalAdvance(f"{max(len(vocab), 100)}") + 28)
        if vocab.counts is not None and vocab.counts.size:
            self.table.setColumnWidth(2, metrics.horizontalAdvance(f"{int(vocab.counts.max()):,}") + 28)
        tokenizer = getattr(vocab.tokenizer, "kind", None) or "none"
        specials = ", ".join(html.escape(t) for t in vocab.special_tokens()) or "none"
        source = Path(vocab.source).name if vocab.source and vocab.source != "demo" else (vocab.source or "—")
        counts = f" · {int(vocab.counts.sum()):,} tokens counted" if vocab.counts is not None \
            and vocab.counts.size else ""
        self.summary.setText(
            f"<b>{len(vocab):,}</b> tokens · <b>{html.escape(source)}</b> ({html.escape(vocab.kind)}){counts}<br>"
            f"tokenizer: {html.escape(tokenizer)} · specials: {specials}")
        self.summary.setToolTip(vocab.source)
        self.rebuild_button.setEnabled(vocab.kind == "corpus" and Path(vocab.source).is_file())
        self._update_matches()
        self._tokenize(self.tokenize_input.text())

    def _filter_changed(self, text: str) -> None:
        self.proxy.set_text(text)
        self._update_matches()

    def _update_matches(self) -> None:
        shown, total = self.proxy.rowCount(), len(self.model.vocab)
        self.matches.setText(f"{shown:,} of {total:,} tokens match" if shown != total else f"{total:,} tokens")

    def _tokenize_text_changed(self, text: str) -> None:
        if self.tokenize_input.text() != text:  # written from outside (a tour): show it in the box
            self.tokenize_input.blockSignals(True)
            self.tokenize_input.setText(text)
            self.tokenize_input.blockSignals(False)
        self._tokenize(text)

    def _tokenize(self, text: str) -> None:
        """Pieces and IDs of `text`, with the vocabulary's real tokenizer (special tokens in
        it parsed or read as text, as the check box says)."""
        if not text.strip():
            self.tokenize_output.setText("<span style='color:gray'>Pieces and IDs appear here.</span>")
            self.tokenize_output.setProperty("pieces", [])
            self.tokenize_output.setProperty("ids", [])
            return
        vocab = self.workspace.vocab
        try:
            pieces, ids = encode_text(vocab, text, parse_specials=self.vocab_state.specials_in_text)
        except Exception as exc:  # a tokenizer problem must not break typing
            self.tokenize_output.setText(f"<span style='color:#b00'>{html.escape(str(exc))}</span>")
            return
        show = getattr(vocab.tokenizer, "display_piece", None)
        shown = [show(p) if show else p for p in pieces]
        unk = vocab.unk_id
        chips = token_chips(shown, ids, unk_id=unk, unk_token="" if unk is None else vocab.display_tokens[unk],
                            limit=MAX_TOKENIZE_PIECES)
        unknown = sum(i is None for i in ids)
        tail = f"<br><span style='color:#a00'>{unknown} not in the vocabulary (no unknown token)</span>" \
            if unknown else ""
        self.tokenize_output.setText(f"{len(pieces)} pieces: {chips}{tail}")
        self.tokenize_output.setProperty("pieces", shown)
        self.tokenize_output.setProperty("ids", [-1 if i is None else i for i in ids])

    # -- metadata -------------------------------------------------------------------
    def _metadata_changed(self, metadata) -> None:
        self.model.set_metadata(metadata)
        metrics = self.table.fontMetrics()
        for name in [] if metadata is None else metadata.names:  # room for the name, not every value
            column = self.model.columnCount() - len(metadata.names) + metadata.names.index(name)
            self.table.setColumnWidth(column, max(48, metrics.horizontalAdvance(name) + 28))
        self._update_matches()
        shown = metadata is not None
        for widget in (self.filter_row, self.select_matching, self.filter_info):
            widget.setVisible(shown)
        if not shown:
            self.metadata_label.setText("<b>Metadata</b>: none · a TSV/CSV of token → columns")
            self.metadata_label.setToolTip("")
            return
        columns = ", ".join(f"{html.escape(name)} <i>({metadata.kind(name)})</i>" for name in metadata.names)
        self.metadata_label.setText(f"<b>Metadata</b>: {html.escape(Path(metadata.source).name or '—')} · "
                                    f"{columns or 'no columns'}")
        self.metadata_label.setToolTip(f"{metadata.source}\n{metadata.summary()}")
        self.filter_column.blockSignals(True)
        self.filter_column.clear()
        for name in metadata.names:
            self.filter_column.addItem(name, name)
        self.filter_column.blockSignals(False)
        if self.explore.filter_column not in metadata.names and metadata.names:
            self.explore.filter_column = metadata.names[0]  # the box shows a column: the state says which
        else:
            self.filter_column.setCurrentIndex(max(0, self.filter_column.findData(self.explore.filter_column)))
            self._filter_column_changed()

    def _filter_column_changed(self) -> None:
        metadata, name = self.workspace.metadata, self.explore.filter_column
        if metadata is None or name not in metadata.names:
            return
        if metadata.is_numeric(name):
            self.filter_value.setPlaceholderText("5, >= 3, 2..5")
            values = []
        else:
            from collections import Counter

            self.filter_value.setPlaceholderText("value, a,b or /regex/")
            counts = Counter(v for v in metadata.values(name).tolist() if v)
            values = [v for v, _n in counts.most_common(MAX_COMPLETIONS)]
        self.filter_value.completer().model().setStringList(values)
        self._count_matching()

    def _matching(self, value: str):
        from explorer.core.io.metadata import matching_ids

        return matching_ids(self.workspace.metadata, self.explore.filter_column, value)

    def _value_typed(self, _text: str) -> None:
        metadata = self.workspace.metadata
        if metadata is not None and len(metadata) <= LIVE_COUNT_ROWS:  # else counted once the edit ends
            self._count_matching()

    def _count_matching(self) -> None:
        """How many tokens the value typed so far matches (before Select matching)."""
        metadata, name = self.workspace.metadata, self.explore.filter_column
        if metadata is None or name not in metadata.names:
            self.filter_info.setText("")
            return
        try:
            ids = self._matching(self.filter_value.text())
        except ExplorerError as exc:
            self.filter_info.setText(str(exc))
            self.select_matching.setEnabled(False)
            return
        self.select_matching.setEnabled(len(ids) > 0)
        tokens = f"{len(ids):,} token{'s' if len(ids) != 1 else ''}"
        self.filter_info.setText(f"{tokens} without a value" if not self.filter_value.text().strip()
                                 else f"{tokens} match")

    def select_matching_tokens(self) -> None:
        """The tokens whose filter column has the filter value become the selection."""
        if self.workspace.metadata is None:
            return
        self.explore.filter_value = self.filter_value.text()
        try:
            ids = self._matching(self.explore.filter_value)
        except ExplorerError as exc:
            if self.controller is not None:
                self.controller.error.emit(str(exc))
            return
        self.explore.selection = tuple(int(i) for i in ids)
        if self.controller is not None:
            self.controller.message.emit(f"Selected {len(ids):,} tokens with {self.explore.filter_column} "
                                         f"= {self.explore.filter_value or '(missing)'}")

    def _row_changed(self, current, _previous) -> None:
        if current.isValid():
            self.explore.current = self.model.token_id(self.proxy.mapToSource(current).row())

    def _show_current(self, token_id: int | None) -> None:
        if token_id is None:
            return
        row = self.model.row_of(token_id)
        if row is None:
            return
        index = self.proxy.mapFromSource(self.model.index(row, 0))
        if index.isValid() and self.table.currentIndex().row() != index.row():
            self.table.setCurrentIndex(index)
            self.table.scrollTo(index)
