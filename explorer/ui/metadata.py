"""Metadata columns in the window: File ▸ Load metadata…, and what follows a load (#17).

The file is read in a worker (`controller.run_long`: progress bar and Cancel for big files);
only a good read reaches `workspace.set_metadata`, so a bad file leaves the metadata the
window had, and its message (file and line) is shown as every error is. The Vocabulary
dock shows the columns and filters by them; the plots colour and label by them.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog

from explorer.core import ExplorerError
from explorer.core.io.metadata import read_metadata

FILE_FILTER = "Metadata tables (*.tsv *.csv *.txt *.tab);;All files (*)"


class MetadataController(QObject):
    loaded = Signal(object)  # the Metadata now in the workspace
    load_failed = Signal(str)  # the message shown

    def __init__(self, window) -> None:
        super().__init__(window)
        self.window = window
        self.workspace = window.workspace
        self.load_action = QAction("Load &metadata…", window, triggered=self.load_dialog,
                                   toolTip="A TSV/CSV of token → columns (the Projector's metadata.tsv): "
                                           "colour, label and filter by them")
        self.clear_action = QAction("Clear metadata", window, enabled=self.workspace.metadata is not None,
                                    triggered=self.clear)
        event, handler = self.workspace.events.metadata_changed, self._metadata_changed
        event.connect(handler)
        self.destroyed.connect(lambda *_: event.disconnect(handler))  # the workspace may outlive the window
        panel = getattr(window, "vocab_panel", None)
        if panel is not None:
            panel.metadata_requested.connect(self.load_dialog)

    def _metadata_changed(self, metadata) -> None:
        self.clear_action.setEnabled(metadata is not None)

    def populate_file_menu(self, menu) -> None:
        """Adds File ▸ Load metadata… and Clear metadata."""
        menu.addAction(self.load_action)
        menu.addAction(self.clear_action)

    def load_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self.window, "Load metadata", "", FILE_FILTER)
        if path:
            self.load(path)

    def load(self, path):
        """Read `path` for the current vocabulary off the GUI thread; returns the job's handle."""
        path = Path(path)
        vocab = self.workspace.vocab
        controller = self.window.controller

        def done(metadata) -> None:
            if self.workspace.vocab is not vocab:  # the vocabulary changed while it was read
                self._failed(ExplorerError("the vocabulary changed while the metadata was read; "
                                           "load it again", path))
                return
            self.workspace.set_metadata(metadata)
            self.window.session_controller.mark_dirty()  # a change the session should keep
            controller.message.emit(f"Loaded metadata: {metadata.summary()}")
            self.loaded.emit(metadata)

        handle, _worker = controller.run_long(read_metadata, path, vocab, description=f"Reading {path.name}",
                                              on_result=done, on_error=self._failed)
        return handle

    def _failed(self, exc: Exception) -> None:
        message = str(exc) if isinstance(exc, (ExplorerError, OSError)) else f"{type(exc).__name__}: {exc}"
        self.window.controller.error.emit(f"{message}\n\nThe metadata is unchanged.")
        self.load_failed.emit(message)

    def clear(self) -> None:
        self.workspace.set_metadata(None)
        self.window.session_controller.mark_dirty()
