"""The main window: a central projection view, docks for each panel, menus and status."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QApplication, QDockWidget, QFileDialog, QLabel, QMainWindow, QMessageBox, QProgressBar,
    QPushButton, QStackedWidget,
)

from explorer import __version__
from explorer.core.workspace import Workspace
from explorer.ui.controller import Controller
from explorer.ui.panels.init_panel import InitPanel
from explorer.ui.panels.inspector_panel import InspectorPanel
from explorer.ui.panels.train_panel import TrainPanel
from explorer.ui.panels.vocab_panel import VocabPanel
from explorer.ui.theme import LIGHT, category_colors
from explorer.ui.views.scatter2d import Scatter2D

MAX_RECENT = 8
LABELLED_TOKENS = 60  # label at most this many of the most frequent tokens


class MainWindow(QMainWindow):
    first_painted = Signal()

    def __init__(self, workspace: Workspace, settings: QSettings | None = None) -> None:
        super().__init__()
        self.setWindowTitle("Embedding Explorer")
        self.setAcceptDrops(True)
        self.settings = settings or QSettings("EmbeddingExplorer", "embedding-explorer")
        self.workspace = workspace
        self.controller = Controller(workspace, self)
        self.theme = LIGHT
        self.last_error: str | None = None
        self._painted = False

        self.scatter2d = Scatter2D(self.theme)
        self.scatter3d = None  # created on first use: it needs OpenGL
        self.views = QStackedWidget()
        self.views.addWidget(self.scatter2d)
        self.setCentralWidget(self.views)

        self.vocab_panel = VocabPanel(workspace)
        self.init_panel = InitPanel(workspace, self.controller)
        self.train_panel = TrainPanel(workspace, self.controller)
        self.inspector_panel = InspectorPanel(workspace)
        self.docks = {
            "Vocabulary": self._dock("Vocabulary", self.vocab_panel, Qt.LeftDockWidgetArea),
            "Initialization": self._dock("Initialization", self.init_panel, Qt.LeftDockWidgetArea),
            "Training": self._dock("Training", self.train_panel, Qt.RightDockWidgetArea),
            "Inspector": self._dock("Inspector", self.inspector_panel, Qt.RightDockWidgetArea),
        }

        self.shape_label = QLabel()
        self.running_label = QLabel()
        self.progress_bar = QProgressBar(maximumWidth=220, maximum=1000, visible=False)
        self.cancel_button = QPushButton("Cancel", visible=False)
        self._long_jobs: list = []
        self.statusBar().addPermanentWidget(self.progress_bar)
        self.statusBar().addPermanentWidget(self.cancel_button)
        self.statusBar().addPermanentWidget(self.running_label)
        self.statusBar().addPermanentWidget(self.shape_label)
        self._build_menus()

        self.controller.jobs.running_changed.connect(self._show_running)
        self.controller.error.connect(self.show_error)
        self.controller.message.connect(lambda text: self.statusBar().showMessage(text, 8000))
        self.controller.projection_ready.connect(self._show_projection)
        self.controller.long_job_started.connect(self._long_job_started)
        self.controller.long_job_finished.connect(self._long_job_finished)
        self.cancel_button.clicked.connect(self._cancel_long_jobs)
        self.scatter2d.point_clicked.connect(workspace.set_current)
        workspace.events.vocab_changed.connect(self._vocab_changed)
        workspace.events.weights_changed.connect(lambda *_: self._show_shape())
        workspace.events.current_changed.connect(self._current_changed)
        self._vocab_changed(workspace.vocab)
        self._restore_geometry()

    # -- layout -----------------------------------------------------------------
    def _dock(self, title: str, widget, area) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(title)
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        return dock

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        open_action = QAction("&Open…", self, shortcut=QKeySequence.Open, triggered=self._open_dialog)
        file_menu.addAction(open_action)
        self.recent_menu = file_menu.addMenu("Open &Recent")
        self._fill_recent_menu()
        file_menu.addSeparator()
        file_menu.addAction(QAction("Save &Picture…", self, triggered=self._save_picture_dialog))
        file_menu.addSeparator()
        file_menu.addAction(QAction("&Quit", self, shortcut=QKeySequence.Quit, triggered=self.close))

        view_menu = self.menuBar().addMenu("&View")
        self.view_2d_action = QAction("&2D projection", self, checkable=True, checked=True,
                                      triggered=lambda: self.set_view("2d"))
        self.view_3d_action = QAction("&3D projection", self, checkable=True,
                                      triggered=lambda: self.set_view("3d"))
        view_menu.addAction(self.view_2d_action)
        view_menu.addAction(self.view_3d_action)
        view_menu.addSeparator()
        for dock in self.docks.values():
            view_menu.addAction(dock.toggleViewAction())

        help_menu = self.menuBar().addMenu("&Help")
        help_menu.addAction(QAction("&About", self, triggered=self._about))

    # -- views ------------------------------------------------------------------
    def set_view(self, mode: str) -> None:
        """Switch the central view between the 2D scatter and the 3D (OpenGL) one."""
        if mode == "3d" and self.scatter3d is None:
            from explorer.ui.views.scatter3d import Scatter3D

            self.scatter3d = Scatter3D(self.theme)
            self.views.addWidget(self.scatter3d)
        self.view_2d_action.setChecked(mode == "2d")
        self.view_3d_action.setChecked(mode == "3d")
        self.views.setCurrentWidget(self.scatter3d if mode == "3d" else self.scatter2d)
        self.controller.set_components(3 if mode == "3d" else 2)

    @property
    def view_mode(self) -> str:
        return "3d" if self.views.currentWidget() is self.scatter3d else "2d"

    def _vocab_changed(self, vocab) -> None:
        self._show_shape()

    def _show_projection(self, coords: np.ndarray, explained) -> None:
        vocab = self.workspace.vocab
        colors, legend = category_colors(self.workspace.categories, len(vocab))
        if self.view_mode == "3d":
            self.scatter3d.set_points(coords, vocab.tokens, colors)
            self.scatter3d.set_labels(self._default_labels())
            return
        if self.scatter2d.point_count == len(coords) and self.scatter2d.tokens == vocab.tokens:
            self.scatter2d.set_positions(coords[:, :2])
        else:
            self.scatter2d.set_points(coords[:, :2], vocab.tokens, colors, vocab.counts)
            self.scatter2d.set_legend(legend)
            self.scatter2d.set_labels(self._default_labels())
        self.scatter2d.set_axis_titles(f"PC1 ({100 * explained[0]:.1f}% of variance)",
                                       f"PC2 ({100 * explained[1]:.1f}% of variance)")

    def _default_labels(self) -> list[int]:
        """The most frequent tokens (by count, else the first IDs), plus the selection."""
        vocab = self.workspace.vocab
        if vocab.counts is not None:
            top = np.argsort(-vocab.counts, kind="stable")[:LABELLED_TOKENS].tolist()
        else:
            top = list(range(min(LABELLED_TOKENS, len(vocab))))
        return list(dict.fromkeys(top + self.workspace.selection))

    def _current_changed(self, token_id) -> None:
        if token_id is not None:
            self.docks["Inspector"].raise_()
            if token_id not in self.scatter2d._label_ids:
                self.scatter2d.set_labels(self._default_labels() + [token_id])

    def _show_shape(self) -> None:
        dim = self.workspace.dim
        size = len(self.workspace.vocab)
        self.shape_label.setText(f"{size:,} × {dim}" if dim else f"{size:,} tokens")

    def _long_job_started(self, handle) -> None:
        self._long_jobs.append(handle)
        handle.changed.connect(lambda f: self.progress_bar.setValue(int(1000 * f)))
        self.progress_bar.setValue(0)
        self.progress_bar.setFormat(f"{handle.description} %p%")
        self.progress_bar.setVisible(True)
        self.cancel_button.setVisible(True)

    def _long_job_finished(self, handle) -> None:
        if handle in self._long_jobs:
            self._long_jobs.remove(handle)
        if not self._long_jobs:
            self.progress_bar.setVisible(False)
            self.cancel_button.setVisible(False)

    def _cancel_long_jobs(self) -> None:
        for handle in self._long_jobs:
            handle.cancel()

    def _show_running(self, text: str) -> None:
        self.running_label.setText(f"Running: {text}" if text else "Idle")

    # -- messages ---------------------------------------------------------------
    def show_error(self, message: str) -> None:
        """Tell the user without blocking: a status line and a window-modal box."""
        self.last_error = message
        self.statusBar().showMessage(message, 15000)
        box = QMessageBox(QMessageBox.Warning, "Embedding Explorer", message, parent=self)
        box.setAttribute(Qt.WA_DeleteOnClose)
        box.open()

    def _about(self) -> None:
        import pyqtgraph
        import PySide6

        QMessageBox.about(
            self, "About Embedding Explorer",
            f"<b>Embedding Explorer {__version__}</b><br>See token embeddings initialized, "
            f"trained and projected.<br><br>PySide6 {PySide6.__version__} · "
            f"pyqtgraph {pyqtgraph.__version__} · numpy {np.__version__}",
        )

    # -- files ------------------------------------------------------------------
    def open_path(self, path: str | Path) -> None:
        path = Path(path)
        self._remember_recent(path)
        self.controller.open_path(path)

    def _open_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open a vocabulary, corpus, tokenizer, vectors or session")
        if path:
            self.open_path(path)

    def _save_picture_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save the window as a picture", "explorer.png",
                                              "PNG image (*.png)")
        if path:
            self.grab().save(path)

    def recent_files(self) -> list[str]:
        value = self.settings.value("recent_files", [])
        return [value] if isinstance(value, str) else list(value or [])

    def _remember_recent(self, path: Path) -> None:
        recent = [str(path.resolve())] + [p for p in self.recent_files() if p != str(path.resolve())]
        self.settings.setValue("recent_files", recent[:MAX_RECENT])
        self._fill_recent_menu()

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        for path in self.recent_files():
            self.recent_menu.addAction(QAction(path, self, triggered=lambda _=False, p=path: self.open_path(p)))
        self.recent_menu.setEnabled(bool(self.recent_files()))

    def dragEnterEvent(self, event) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        for url in event.mimeData().urls():
            if url.isLocalFile():
                self.open_path(url.toLocalFile())
        event.acceptProposedAction()

    # -- lifetime ---------------------------------------------------------------
    def _restore_geometry(self) -> None:
        geometry = self.settings.value("geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            self.resize(1400, 860)
        state = self.settings.value("window_state")
        if state is not None:
            self.restoreState(state)

    def paintEvent(self, event) -> None:
        super().paintEvent(event)
        if not self._painted:
            self._painted = True
            self.first_painted.emit()

    def closeEvent(self, event) -> None:
        self.settings.setValue("geometry", self.saveGeometry())
        self.settings.setValue("window_state", self.saveState())
        self.controller.jobs.stop_all()
        super().closeEvent(event)


def app_instance() -> QApplication:
    app = QApplication.instance() or QApplication([])
    app.setApplicationName("Embedding Explorer")
    app.setOrganizationName("EmbeddingExplorer")
    return app
