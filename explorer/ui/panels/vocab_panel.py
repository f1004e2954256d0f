"""Vocabulary dock: a virtual table of ID, token and count, with filter and summary."""

from __future__ import annotations

import re

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QSortFilterProxyModel, Qt
from PySide6.QtWidgets import QHeaderView, QLabel, QLineEdit, QTableView, QVBoxLayout, QWidget

from explorer.core.vocab import Vocabulary
from explorer.core.workspace import Workspace


class VocabTableModel(QAbstractTableModel):
    """Reads straight from the Vocabulary: no copy, so 50k rows cost nothing."""

    HEADERS = ("ID", "Token", "Count")

    def __init__(self, vocab: Vocabulary) -> None:
        super().__init__()
        self.vocab = vocab

    def set_vocab(self, vocab: Vocabulary) -> None:
        self.beginResetModel()
        self.vocab = vocab
        self.endResetModel()

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.vocab)

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else 3

    def headerData(self, section, orientation, role=Qt.DisplayRole):
        if orientation == Qt.Horizontal and role == Qt.DisplayRole:
            return self.HEADERS[section]
        return None

    def data(self, index, role=Qt.DisplayRole):
        if role not in (Qt.DisplayRole, Qt.UserRole):
            return None
        row, col = index.row(), index.column()
        if col == 0:
            return row
        if col == 1:
            return self.vocab.tokens[row]
        count = self.vocab.count_of(row)
        return "" if count is None and role == Qt.DisplayRole else count


class TokenFilter(QSortFilterProxyModel):
    """Filters on the token column by substring, or by regex when it compiles."""

    def __init__(self) -> None:
        super().__init__()
        self.setSortRole(Qt.UserRole)
        self._pattern: re.Pattern | None = None
        self._needle = ""

    def set_text(self, text: str) -> None:
        self._needle = text.lower()
        try:
            self._pattern = re.compile(text, re.IGNORECASE) if text else None
        except re.error:
            self._pattern = None
        self.invalidateFilter()

    def filterAcceptsRow(self, row: int, parent) -> bool:
        if not self._needle:
            return True
        token = self.sourceModel().vocab.tokens[row]
        if self._needle in token.lower():
            return True
        return bool(self._pattern and self._pattern.search(token))


class VocabPanel(QWidget):
    def __init__(self, workspace: Workspace, parent=None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.filter = QLineEdit(placeholderText="Filter tokens (substring or regex)")
        self.model = VocabTableModel(workspace.vocab)
        self.proxy = TokenFilter()
        self.proxy.setSourceModel(self.model)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.AscendingOrder)
        self.table.setSelectionBehavior(QTableView.SelectRows)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(20)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.Stretch)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.filter)
        layout.addWidget(self.table)
        self.filter.textChanged.connect(self.proxy.set_text)
        self.table.selectionModel().currentRowChanged.connect(self._row_changed)
        workspace.events.vocab_changed.connect(self._vocab_changed)
        workspace.events.current_changed.connect(self._show_current)
        self._vocab_changed(workspace.vocab)

    def _vocab_changed(self, vocab: Vocabulary) -> None:
        self.model.set_vocab(vocab)
        specials = ", ".join(vocab.tokens[i] for i in vocab.specials.values()) or "none"
        self.summary.setText(
            f"<b>{len(vocab):,}</b> tokens · source: {vocab.source or '—'} · "
            f"kind: {vocab.kind} · specials: {specials}"
        )

    def _row_changed(self, current, _previous) -> None:
        if current.isValid():
            token_id = self.proxy.mapToSource(current).row()
            if token_id != self.workspace.current:
                self.workspace.set_current(token_id)

    def _show_current(self, token_id: int | None) -> None:
        if token_id is None:
            return
        index = self.proxy.mapFromSource(self.model.index(token_id, 0))
        if index.isValid() and self.table.currentIndex().row() != index.row():
            self.table.setCurrentIndex(index)
            self.table.scrollTo(index)
