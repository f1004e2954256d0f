"""Help ▸ Show code: the current embedding configuration as PyTorch and Keras snippets.

The PyTorch one runs and rebuilds the app's initial matrix exactly for the seed
(explorer.core.matrix.codegen); the Keras one is the equivalent layer, shown as text.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QFont, QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (
    QDialog, QFileDialog, QHBoxLayout, QLabel, QPlainTextEdit, QPushButton, QTabWidget, QVBoxLayout,
)

from explorer.core import ExplorerError
from explorer.core.matrix.codegen import keras_snippet, pytorch_snippet
from explorer.core.matrix.schemes import describe


def _status(workspace) -> str:
    """Whether the matrix shown now is the one the snippet builds."""
    weights, initial = workspace.weights, workspace.initial_weights
    config, matrix = workspace.state.init, workspace.state.matrix
    if weights is None:
        return "No matrix yet: the snippet builds the configured one."
    settings_changed = matrix.kind == "init" and matrix.made_by and matrix.made_by != describe(config)
    if matrix.kind == "pretrained" or settings_changed or weights.shape != (len(workspace.vocab), config.dim):
        shown = matrix.made_by or f"{weights.shape[0]:,} × {weights.shape[1]}"
        return (f"The matrix shown ({shown}) did not come from this initialization: the snippet builds "
                "the configured one.")
    if initial is not None and weights is not initial and not np.array_equal(weights, initial):
        return ("The matrix has been trained since: the snippet builds its starting point. To use the "
                "trained values, export them (File ▸ Export ▸ .npy) and load them with "
                "nn.Embedding.from_pretrained(torch.from_numpy(numpy.load(path)), freeze=False).")
    return "The snippet rebuilds the matrix shown, number for number, for this seed."


class ShowCodeDialog(QDialog):
    def __init__(self, window) -> None:
        super().__init__(window)
        self.setWindowTitle("Show code: this embedding layer in PyTorch and Keras")
        self.resize(860, 640)
        ws = window.workspace
        vocab = ws.vocab
        examples = list(ws.state.explore.selection[:3]) or None
        try:
            self.pytorch = pytorch_snippet(ws.state.init, len(vocab), vocab.pad_id, examples)
            self.keras = keras_snippet(ws.state.init, len(vocab), vocab.pad_id)
        except ExplorerError as exc:
            self.pytorch = self.keras = f"# {exc}\n"
        mono = QFontDatabase.systemFont(QFontDatabase.FixedFont)
        mono.setStyleHint(QFont.Monospace)
        self.tabs = QTabWidget()
        self.editors = {}
        for name, text in (("PyTorch", self.pytorch), ("Keras", self.keras)):
            edit = QPlainTextEdit(text, readOnly=True)
            edit.setFont(mono)
            edit.setLineWrapMode(QPlainTextEdit.NoWrap)
            self.editors[name] = edit
            self.tabs.addTab(edit, name)
        self.status = QLabel(_status(ws), wordWrap=True)
        note = QLabel("Keras is not needed (nor installed) here: its snippet is the equivalent layer, "
                      "with the same distribution but its own random numbers.", wordWrap=True)
        note.setStyleSheet("color: #5f6368;")
        copy = QPushButton("Copy")
        save = QPushButton("Save…")
        close = QPushButton("Close")
        copy.clicked.connect(self.copy)
        save.clicked.connect(self.save_dialog)
        close.clicked.connect(self.close)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        for b in (copy, save, close):
            buttons.addWidget(b)
        layout = QVBoxLayout(self)
        layout.addWidget(self.status)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(note)
        layout.addLayout(buttons)

    def current_text(self) -> str:
        return self.pytorch if self.tabs.currentIndex() == 0 else self.keras

    def copy(self) -> None:
        QGuiApplication.clipboard().setText(self.current_text())

    def save_dialog(self) -> None:
        name = "embedding_torch.py" if self.tabs.currentIndex() == 0 else "embedding_keras.py"
        path, _ = QFileDialog.getSaveFileName(self, "Save the snippet", name, "Python (*.py)")
        if path:
            with open(path, "w", encoding="utf-8") as f:
                f.write(self.current_text())
