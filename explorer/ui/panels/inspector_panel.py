"""Inspector dock: token -> ID -> row of the matrix, and its nearest neighbours."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCompleter, QLabel, QLineEdit, QListWidget, QListWidgetItem, QVBoxLayout, QWidget,
)

from explorer.core.neighbors import neighbors_of
from explorer.core.workspace import Workspace


class InspectorPanel(QWidget):
    def __init__(self, workspace: Workspace, parent=None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.lookup = QLineEdit(placeholderText="Token or ID")
        self.completer = QCompleter(workspace.vocab.tokens, self)
        self.completer.setCaseSensitivity(Qt.CaseInsensitive)
        self.lookup.setCompleter(self.completer)
        self.header = QLabel(wordWrap=True)
        self.header.setTextFormat(Qt.RichText)
        self.strip = pg.PlotWidget(background="w")
        self.strip.setFixedHeight(70)
        self.strip.hideAxis("left")
        self.strip.setLabel("bottom", "dim index")
        self.strip.setMouseEnabled(False, False)
        self.strip_image = pg.ImageItem()
        self.strip_image.setColorMap(pg.colormap.get("CET-D1"))
        self.strip.addItem(self.strip_image)
        self.neighbors = QListWidget()
        layout = QVBoxLayout(self)
        layout.addWidget(self.lookup)
        layout.addWidget(self.header)
        layout.addWidget(self.strip)
        layout.addWidget(QLabel("Nearest neighbours (cosine, in the full space, not the projection)"))
        layout.addWidget(self.neighbors, 1)
        self.lookup.returnPressed.connect(self._look_up)
        self.completer.activated.connect(lambda _text: self._look_up())
        self.neighbors.itemActivated.connect(self._go_to)
        self.neighbors.itemClicked.connect(self._go_to)
        workspace.events.vocab_changed.connect(self._vocab_changed)
        workspace.events.current_changed.connect(self.show_token)
        workspace.events.weights_changed.connect(lambda *_: self.show_token(workspace.current))

    def _vocab_changed(self, vocab) -> None:
        self.completer.model().setStringList(vocab.tokens)
        self.show_token(None)

    def _look_up(self) -> None:
        text = self.lookup.text().strip()
        vocab = self.workspace.vocab
        token_id = vocab.id_of(text)
        if token_id is None and text.isdigit() and int(text) < len(vocab):
            token_id = int(text)
        if token_id is None:
            self.header.setText(f"<i>{text!r} is not in the vocabulary</i>")
            return
        self.workspace.set_current(token_id)

    def _go_to(self, item: QListWidgetItem) -> None:
        self.workspace.set_current(item.data(Qt.UserRole))

    def show_token(self, token_id: int | None) -> None:
        self.neighbors.clear()
        weights = self.workspace.weights
        if token_id is None:
            self.header.setText("Click a point, pick a row or type a token.")
            self.strip_image.clear()
            return
        vocab = self.workspace.vocab
        count = vocab.count_of(token_id)
        text = f"<b style='font-size:14pt'>{vocab.tokens[token_id]}</b> &nbsp; ID {token_id}"
        if count is not None:
            text += f" &nbsp; count {count:,}"
        if weights is not None:
            row = weights[token_id]
            norms = np.linalg.norm(weights, axis=1)
            pct = 100.0 * (norms < np.linalg.norm(row)).mean()
            text += (f"<br>row {token_id} of W ({weights.shape[0]:,} × {weights.shape[1]}): "
                     f"L2 norm {np.linalg.norm(row):.4g} (above {pct:.0f}% of rows)")
            limit = float(np.abs(row).max()) or 1.0
            self.strip_image.setImage(row[:, None], levels=(-limit, limit))
            for other, score in neighbors_of(weights, token_id, k=10):
                item = QListWidgetItem(f"{vocab.tokens[other]}   {score:+.3f}")
                item.setData(Qt.UserRole, other)
                self.neighbors.addItem(item)
        self.header.setText(text)
