"""Metadata columns in the window: File ▸ Load metadata…, and what follows a load (#17)."""

from __future__ import annotations

from PySide6.QtCore import QObject


class MetadataController(QObject):
    def __init__(self, window) -> None:
        super().__init__(window)
        self.window = window

    def populate_file_menu(self, menu) -> None:
        """Adds the File menu's metadata entries (none yet)."""
