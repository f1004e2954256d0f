"""The question File ▸ Open asks about a table that cannot open on its own: a matrix with no
tokens (.npy, safetensors, a checkpoint: "which vocabulary file?") or a file with several
tables ("which tensor?"). A window-modal dialog opened with `open()` (it never blocks the
event loop); its Open button reads the file again with the answers, Cancel leaves everything
as it was."""

from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox, QDialog, QDialogButtonBox, QFileDialog, QFormLayout, QHBoxLayout, QLabel, QPushButton,
    QSizePolicy, QVBoxLayout, QWidget,
)

VOCAB_FILTER = "Vocabularies (*.txt *.json *.tsv *.model);;All files (*)"


class TableDialog(QDialog):
    """Asks for what `result` (the init panel's load result) lacks: a vocabulary file, a tensor, or
    both. `answered(vocab_file or None, tensor or None)` when the user presses Open."""

    answered = Signal(object, object)

    def __init__(self, result: dict, vocab_file: str | None, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Open a table")
        self.setWindowModality(Qt.WindowModal)
        self.path = Path(result["path"])
        self.tensors = dict(result.get("tensors") or {})
        self.needs = result["needs"]
        self.vocab_file = vocab_file
        name = html.escape(self.path.name)
        reason = html.escape(str(result.get("error") or ""))
        if self.needs == "tensor":
            heading = f"<b>{name}</b> holds several tables. Which one is the embedding matrix?"
        else:
            heading = (f"<b>{name}</b> holds the vectors but no tokens. Choose the vocabulary file "
                       f"that goes with it (one token per line, vocab.txt, encoder.json, tokenizer.json "
                       f"or metadata.tsv).")
        self.heading = QLabel(heading, wordWrap=True, textFormat=Qt.RichText)
        self.reason = QLabel(f"<span style='color:#666'>{reason}</span>", wordWrap=True, textFormat=Qt.RichText)
        self.reason.setVisible(bool(reason))

        form = QFormLayout()
        self.tensor = QComboBox()
        self.tensor.setSizeAdjustPolicy(QComboBox.AdjustToContents)
        for tensor, shape in self.tensors.items():
            self.tensor.addItem(f"{tensor}  {' × '.join(map(str, shape))}", tensor)
        if result.get("tensor") is not None:
            self.tensor.setCurrentIndex(max(self.tensor.findData(result["tensor"]), 0))
        if self.tensors:
            form.addRow("Tensor", self.tensor)
        vocab_row = QWidget()
        row = QHBoxLayout(vocab_row)
        row.setContentsMargins(0, 0, 0, 0)
        self.vocab_button = QPushButton("Vocabulary file…")
        self.vocab_label = QLabel(wordWrap=True)
        self.vocab_label.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Preferred)
        row.addWidget(self.vocab_button)
        row.addWidget(self.vocab_label, 1)
        self.asks_vocab = self.needs == "vocab" or bool(vocab_file)
        if self.asks_vocab:
            form.addRow("Vocabulary", vocab_row)

        self.buttons = QDialogButtonBox(QDialogButtonBox.Open | QDialogButtonBox.Cancel)
        self.open_button = self.buttons.button(QDialogButtonBox.Open)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.reason)
        layout.addLayout(form)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(460)

        self.vocab_button.clicked.connect(self.choose_vocab_file)
        self.buttons.accepted.connect(self._accept)
        self.buttons.rejected.connect(self.reject)
        self._show_vocab()

    def choose_vocab_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, f"Vocabulary for {self.path.name}", str(self.path.parent),
                                              VOCAB_FILTER)
        if path:
            self.vocab_file = path
            self._show_vocab()

    def _show_vocab(self) -> None:
        self.vocab_label.setText(Path(self.vocab_file).name if self.vocab_file else "none chosen yet")
        self.open_button.setEnabled(bool(self.vocab_file) or not self.asks_vocab)

    @property
    def tensor_name(self) -> str | None:
        return self.tensor.currentData() if self.tensors else None

    def _accept(self) -> None:
        if self.asks_vocab and not self.vocab_file:
            return
        self.accept()
        self.answered.emit(self.vocab_file, self.tensor_name)
