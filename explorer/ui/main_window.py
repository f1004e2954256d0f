"""The main window: a central projection view, docks for each panel, menus and status."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import (
    QApplication, QDockWidget, QFileDialog, QLabel, QMainWindow, QMessageBox, QProgressBar,
    QPushButton, QScrollArea, QFrame, QStackedWidget, QStyle, QTabWidget, QVBoxLayout, QWidget,
)

from explorer import __version__
from explorer.core import ExplorerError
from explorer.core.analysis.clusters import kmeans
from explorer.core.io.samples import SAMPLES, find_sample, is_sample, vectors_file, vocab_file
from explorer.core.state.workspace import Workspace
from explorer.core.view.labels import LabelChoice, choose_labels
from explorer.ui.controller import Controller
from explorer.ui.metadata import MetadataController
from explorer.ui.overlays import PlotOverlays
from explorer.ui.panels.init_panel import InitPanel
from explorer.ui.panels.inspector_panel import InspectorPanel
from explorer.ui.panels.projection_panel import ProjectionPanel
from explorer.ui.panels.train_panel import TrainPanel
from explorer.ui.panels.vocab_panel import VocabPanel
from explorer.ui.presentation import Presentation
from explorer.ui.session_controller import SessionController
from explorer.ui.theme import LIGHT, category_colors
from explorer.ui.tours import TourPlayer
from explorer.ui.views.scatter2d import Scatter2D
from explorer.ui.welcome import SETTING, WelcomeBar

MAX_RECENT = 8
LAYOUT_VERSION = 3  # bump when the docks change, so stale saved layouts are not restored



def _all_in_view(xy: np.ndarray, view_range) -> bool:
    """Whether every drawn point (NaN rows: not in a sample) lies inside the view's range."""
    (x0, x1), (y0, y1) = view_range
    with np.errstate(invalid="ignore"):
        ok = np.isfinite(xy).all(axis=1)
        inside = (xy[:, 0] >= x0) & (xy[:, 0] <= x1) & (xy[:, 1] >= y0) & (xy[:, 1] <= y1)
    return bool(np.all(inside | ~ok))

class MainWindow(QMainWindow):
    first_painted = Signal()

    def __init__(self, workspace: Workspace, settings: QSettings | None = None) -> None:
        super().__init__()
        self.setWindowTitle("Embedding Explorer")
        self.setAcceptDrops(True)
        self.settings = settings or QSettings("EmbeddingExplorer", "embedding-explorer")
        self.workspace = workspace
        self.state = workspace.state  # every setting; panels and views bind to it
        self.controller = Controller(workspace, self)
        self.theme = LIGHT
        self.last_error: str | None = None
        self._painted = False
        self._shown_titles: tuple | None = None  # (axis titles, statement, theme) on the 2D view now

        self._reframe_next = False  # the next projection shown is framed to fit
        self._shown_kind: tuple | None = None  # (method, sample size, sphereize, isolated rows) on 2D
        self._label_choice: tuple | None = None  # (vocabulary, LabelChoice) labelled unasked
        self._clusters: tuple | None = None  # (weights, k, labels) of the last k-means
        self._clusters_waiting: tuple | None = None  # (weights, k, [done callbacks]) while one runs
        self.scatter2d = Scatter2D(self.theme, self.state)
        self.scatter2d.cluster_runner = self._run_kmeans
        self.scatter3d = None  # created on first use: it needs OpenGL
        self.views = QStackedWidget()
        self.views.addWidget(self.scatter2d)
        # The first start's hint sits above the view (see explorer.ui.welcome).
        self.welcome = WelcomeBar()
        self.welcome.setVisible(False)
        central = QWidget()
        central.setObjectName("viewHost")
        column = QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self.welcome)
        column.addWidget(self.views, 1)
        self.setCentralWidget(central)

        self.vocab_panel = VocabPanel(workspace, self.controller)
        self.init_panel = InitPanel(workspace, self.controller)
        self.train_panel = TrainPanel(workspace, self.controller)
        self.inspector_panel = InspectorPanel(workspace, self.controller)
        self.projection_panel = ProjectionPanel(self.controller)
        # Left: the run (Training, raised) and what it starts from (Vocabulary, Initialization),
        # as tabs that each get the full height; right: the Inspector (raised: in view from the
        # start, and whenever a token is picked) and the Projection settings. The plot keeps
        # more than half the width at 1280x800 (see `default_dock_widths`).
        self.docks = {
            "Vocabulary": self._dock("Vocabulary", self.vocab_panel, Qt.LeftDockWidgetArea),
            "Initialization": self._dock("Initialization", self.init_panel, Qt.LeftDockWidgetArea),
            "Training": self._dock("Training", self.train_panel, Qt.LeftDockWidgetArea),
            "Inspector": self._dock("Inspector", self.inspector_panel, Qt.RightDockWidgetArea),
            "Projection": self._dock("Projection", self.projection_panel, Qt.RightDockWidgetArea),
        }
        self.setTabPosition(Qt.LeftDockWidgetArea | Qt.RightDockWidgetArea, QTabWidget.North)
        self.tabifyDockWidget(self.docks["Training"], self.docks["Vocabulary"])
        self.tabifyDockWidget(self.docks["Vocabulary"], self.docks["Initialization"])
        self.tabifyDockWidget(self.docks["Inspector"], self.docks["Projection"])
        self.docks["Training"].raise_()
        self.docks["Inspector"].raise_()
        self._layout_restored = False
        self._docks_sized = False

        self.shape_label = QLabel()
        self.running_label = QLabel()
        self.progress_bar = QProgressBar(maximumWidth=220, maximum=1000, visible=False)
        self.cancel_button = QPushButton("Cancel", visible=False)
        self._long_jobs: list = []
        self.statusBar().addPermanentWidget(self.progress_bar)
        self.statusBar().addPermanentWidget(self.cancel_button)
        self.statusBar().addPermanentWidget(self.running_label)
        self.statusBar().addPermanentWidget(self.shape_label)
        self.session_controller = SessionController(self)
        self.presentation = Presentation(self)
        self.tours = TourPlayer(self)  # concept tours: caption bar under the view, Tours menu
        self.overlays = PlotOverlays(self)  # neighbours, fidelity, cluster captions on the plots
        self.metadata = MetadataController(self)  # metadata columns: load, colour, label, filter
        self._build_menus()

        self.controller.jobs.running_changed.connect(self._show_running)
        self.controller.error.connect(self.show_error)
        self.controller.message.connect(lambda text: self.statusBar().showMessage(text, 8000))
        self.controller.projection_ready.connect(self._show_projection)
        self.controller.interim_shown.connect(self._interim_drawn)
        self.controller.interim_dropped.connect(self.overlays.update_fidelity)  # the old colours back
        self.train_panel.run.frame.connect(self._follow_training)  # keep moving points in view
        self.controller.long_job_started.connect(self._long_job_started)
        self.controller.long_job_finished.connect(self._long_job_finished)
        self.cancel_button.clicked.connect(self._cancel_long_jobs)
        self.scatter2d.point_clicked.connect(lambda token_id: setattr(self.state.explore, "current", token_id))
        workspace.events.vocab_changed.connect(self._vocab_changed)
        workspace.events.weights_changed.connect(lambda *_: self._show_shape())
        workspace.events.weights_changed.connect(self._weights_replaced)
        self.state.explore.events.current.connect(self._current_changed)
        self.state.view.events.mode.connect(self._show_view)
        self.state.view.events.labels.connect(lambda _mode: self._show_labels())
        self.state.view.events.auto_rotate.connect(self.auto_rotate_action.setChecked)
        self._vocab_changed(workspace.vocab)
        self._show_view(self.state.view.mode)
        self._restore_geometry()
        self._setup_welcome()

    # -- layout -----------------------------------------------------------------
    def _dock(self, title: str, widget, area) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(title)
        # A scroll area lets docks shrink below their panels' size, so the window fits any screen.
        scroll = QScrollArea(widgetResizable=True, frameShape=QFrame.NoFrame)
        scroll.setWidget(widget)
        dock.setWidget(scroll)
        self.addDockWidget(area, dock)
        return dock

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        open_action = QAction("&Open…", self, shortcut=QKeySequence.Open, triggered=self._open_dialog)
        file_menu.addAction(open_action)
        file_menu.addAction(QAction("Open model &folder…", self, triggered=self._open_folder_dialog,
                                    toolTip="A Hugging Face-style folder: its tokenizer and input-embedding table"))
        file_menu.addAction(QAction("&Watch run…", self, triggered=self._watch_run_dialog,
                                    toolTip="Follow a training run that explorer.Run is logging, live"))
        self.recent_menu = file_menu.addMenu("Open &Recent")
        self._fill_recent_menu()
        samples_menu = file_menu.addMenu("Open &sample")
        for sample in SAMPLES.values():
            samples_menu.addAction(QAction(sample.title, self, toolTip=sample.address,
                                           triggered=lambda _=False, a=sample.address: self.open_path(a)))
        file_menu.addSeparator()
        self.session_controller.populate_file_menu(file_menu)
        self.metadata.populate_file_menu(file_menu)
        self.session_controller.export_menu.addSeparator()
        self.session_controller.export_menu.addAction(
            QAction("&Recording (GIF or MP4)…", self, triggered=self._export_recording_dialog,
                    toolTip="The run's timeline as an animated GIF or an MP4, as the view shows it"))
        file_menu.addAction(QAction("Save &Picture…", self, triggered=self._save_picture_dialog))
        file_menu.addSeparator()
        file_menu.addAction(QAction("&Quit", self, shortcut=QKeySequence.Quit, triggered=self.close))

        view_menu = self.menuBar().addMenu("&View")
        self.view_2d_action = QAction("&2D projection", self, checkable=True, checked=True,
                                      triggered=lambda: self.set_view("2d"))
        self.view_3d_action = QAction("&3D projection", self, checkable=True,
                                      triggered=lambda: self.set_view("3d"))
        views = QActionGroup(self, exclusive=True)  # choosing the shown view keeps it checked
        for action in (self.view_2d_action, self.view_3d_action):
            views.addAction(action)
            view_menu.addAction(action)
        self.auto_rotate_action = QAction("Auto-&rotate (3D)", self, checkable=True, enabled=False,
                                          triggered=lambda on: setattr(self.state.view, "auto_rotate", on))
        view_menu.addAction(self.auto_rotate_action)
        view_menu.addSeparator()
        view_menu.addAction(self.projection_panel.isolate_action)
        view_menu.addAction(self.projection_panel.show_all_action)
        view_menu.addSeparator()
        for dock in self.docks.values():
            view_menu.addAction(dock.toggleViewAction())
        self.presentation.populate_view_menu(view_menu)

        self.tours_menu = self.menuBar().addMenu("&Tours")
        self.tours.populate_menu(self.tours_menu)
        help_menu = self.menuBar().addMenu("&Help")
        help_menu.addAction(self.tours.show_code_action)
        help_menu.addAction(QAction("&About", self, triggered=self._about))

    # -- the first start's hint --------------------------------------------------
    def _setup_welcome(self) -> None:
        bar = self.welcome
        bar.start_clicked.connect(self._welcome_start)
        bar.tours_clicked.connect(self._welcome_tours)
        bar.open_clicked.connect(self._open_dialog)
        bar.closed.connect(self.welcome_done)
        self.train_panel.run.started.connect(self.welcome_done)  # used: a run, a tour, a file
        self.state.vocab.events.source.connect(lambda source: source != "demo" and self.welcome_done())
        self.state.presentation.events.tour.connect(lambda tour: tour and self.welcome_done())
        self.state.presentation.events.active.connect(lambda _active: self._show_welcome())
        self.workspace.events.vocab_changed.connect(lambda vocab: bar.set_tokens(len(vocab)))
        bar.set_tokens(len(self.workspace.vocab))
        self._show_welcome()

    @property
    def welcome_pending(self) -> bool:
        """True until the hint has been used or closed (in this settings file)."""
        return str(self.settings.value(SETTING, "false")).lower() not in ("true", "1")

    def welcome_done(self) -> None:
        """The hint has done its job: hidden, and not shown again."""
        if self.welcome_pending:
            self.settings.setValue(SETTING, True)
            self.settings.sync()
        self._show_welcome()

    def _show_welcome(self) -> None:
        presentation = self.state.presentation
        self.welcome.setVisible(self.welcome_pending and not presentation.active and not presentation.tour)

    def _welcome_start(self) -> None:
        self.docks["Training"].show()
        self.docks["Training"].raise_()
        self.train_panel.start_button.click()

    def _welcome_tours(self) -> None:
        menu = self.tours_menu
        menu.popup(self.welcome.tours_button.mapToGlobal(self.welcome.tours_button.rect().bottomLeft()))

    # -- views ------------------------------------------------------------------
    def set_view(self, mode: str) -> None:
        """Show the 2D scatter or the 3D (OpenGL) one: state.view.mode, which the window follows."""
        self.state.view.mode = mode

    def _show_view(self, mode: str) -> None:
        if mode == "3d" and self.scatter3d is None:
            from explorer.ui.views.scatter3d import Scatter3D

            self.scatter3d = Scatter3D(self.theme, self.state)
            self.scatter3d.cluster_runner = self._run_kmeans
            self.views.addWidget(self.scatter3d)
        self.view_2d_action.setChecked(mode == "2d")
        self.view_3d_action.setChecked(mode == "3d")
        self.auto_rotate_action.setEnabled(mode == "3d")
        if mode != "3d":
            self.state.view.auto_rotate = False
        self.views.setCurrentWidget(self.scatter3d if mode == "3d" else self.scatter2d)
        if mode == "3d" and self.state.projection.method == "axes":
            self.projection_panel.fill_example_axes(3)  # semantic axes in 3D need a z axis too
        self.state.projection.dims = 3 if mode == "3d" else 2

    @property
    def view_mode(self) -> str:
        return self.state.view.mode

    def _run_kmeans(self, k: int, done) -> None:
        """k-means of the full vectors in a worker, for both views (one run per matrix and k)."""
        weights = self.workspace.weights
        if weights is None:
            return
        if self._clusters is not None and self._clusters[0] is weights and self._clusters[1] == k:
            done(self._clusters[2])
            return
        waiting = self._clusters_waiting
        if waiting is not None and waiting[0] is weights and waiting[1] == k:
            waiting[2].append(done)  # that run's labels serve this view too
            return
        waiting = self._clusters_waiting = (weights, k, [done])

        def finished(labels) -> None:
            self._clusters = (weights, k, labels)
            for callback in waiting[2]:
                callback(labels)

        def ended() -> None:  # done, failed or cancelled: the next request starts afresh
            if self._clusters_waiting is waiting:
                self._clusters_waiting = None

        self.controller.run_long(kmeans, weights, k, description=f"k-means clusters (k={k})",
                                 on_result=finished, on_finished=ended)

    def _vocab_changed(self, vocab) -> None:
        self.scatter2d.cluster_labels = None  # labels of the old tokens
        self._label_choice = None  # chosen again on the new vocabulary's first projection
        self._show_shape()

    def _weights_replaced(self, _weights, reason: str = "") -> None:
        """A fresh matrix (Apply, pretrained vectors mapped on): framed afresh when it is shown,
        unlike a trained one, whose view moved with it."""
        if reason.startswith("init"):
            self._reframe_next = True

    def _follow_training(self, frame) -> None:
        """Live training: re-range the 2D view when the points leave it or shrink within it."""
        if frame.coords is None or self.view_mode != "2d" or not len(frame.coords):
            return
        xy = frame.coords[:, :2]
        with np.errstate(all="ignore"):
            lo, hi = np.nanmin(xy, axis=0), np.nanmax(xy, axis=0)
        if not (np.isfinite(lo).all() and np.isfinite(hi).all()):
            return
        (x0, x1), (y0, y1) = self.scatter2d.viewRange()
        outside = lo[0] < x0 or hi[0] > x1 or lo[1] < y0 or hi[1] > y1
        small = (hi[0] - lo[0]) < 0.3 * (x1 - x0) and (hi[1] - lo[1]) < 0.3 * (y1 - y0)
        if outside or small:
            self.scatter2d.fit()

    def _show_projection(self, coords: np.ndarray, explained) -> None:
        """coords: one row per token (NaN rows: not in a sampled projection)."""
        vocab = self.workspace.vocab
        projection = self.controller.drawn  # an interim t-SNE/UMAP layout says so in its statement
        colors, legend = category_colors(self.workspace.categories, len(vocab))
        statement = projection.statement if projection is not None else ""
        if self.view_mode == "3d":
            if self.scatter3d.point_count and len(self.scatter3d.tokens) == len(vocab) \
                    and self.scatter3d.tokens == vocab.tokens:
                self.scatter3d.set_positions(coords)
            else:
                self.scatter3d.set_points(coords, vocab.tokens, colors, vocab.counts)
                self.scatter3d.set_legend(legend)
            self.scatter3d.set_labels(self._default_labels(coords[:, :2]))
            self.scatter3d.set_statement(statement)
            self._show_label_note()
            return
        # Another method or sample is another picture: framed afresh (a zoom into the last one
        # would show next to nothing). Live training and replays keep the view where it is.
        kind = (projection.method, projection.sample_size, projection.settings.sphereize,
                projection.settings.rows) if projection is not None else None
        reframe = (kind != self._shown_kind and self._shown_kind is not None) or self._reframe_next
        self._shown_kind = kind
        self._reframe_next = False
        if self.scatter2d.point_count == len(coords) and self.scatter2d.tokens == vocab.tokens:
            # A view that showed every point keeps showing every point (the end of a run is
            # projected afresh and may reach past the last live frame); a zoom stays a zoom.
            whole = _all_in_view(self.scatter2d.xy, self.scatter2d.viewRange())
            self.scatter2d.set_positions(coords[:, :2])
            if reframe or (whole and not _all_in_view(self.scatter2d.xy, self.scatter2d.viewRange())):
                self.scatter2d.fit()
        else:
            self.scatter2d.set_points(coords[:, :2], vocab.tokens, colors, vocab.counts)
            self.scatter2d.set_legend(legend)
            self.scatter2d.set_labels(self._default_labels(coords[:, :2]))
        self._show_label_note()
        if projection is not None:
            titles = tuple(projection.axis_titles[:2])
        else:
            titles = (f"PC1 ({100 * explained[0]:.1f}% of variance)",
                      f"PC2 ({100 * explained[1]:.1f}% of variance)")
        # Titles change rarely; re-setting them relays the plot out (costly at live-training rates).
        if self._shown_titles != (titles, statement, self.theme):
            self._shown_titles = (titles, statement, self.theme)
            self.scatter2d.set_axis_titles(*titles)
            # What is shown (method, sample size) is stated on the view, and so in exports.
            self.scatter2d.set_title(statement)

    def _interim_drawn(self, _projection) -> None:
        # Fidelity measured on the layout before would lie about a layout on its way.
        if self.state.view.colour == "fidelity":
            for view in (self.scatter2d, self.scatter3d):
                if view is not None:
                    view.set_fidelity(None, "fidelity: measured on the final layout")

    def label_choice(self, xy: np.ndarray | None = None) -> LabelChoice:
        """The tokens labelled unasked for this vocabulary (chosen once, on its first projection,
        so they stay put while it trains), and the note that says what they are."""
        vocab = self.workspace.vocab
        if self._label_choice is None or self._label_choice[0] is not vocab:
            choice = choose_labels(vocab.tokens, vocab.counts, len(vocab), kind=vocab.kind, xy=xy,
                                   specials=list(vocab.specials.values()))
            self._label_choice = (vocab, choice)
        return self._label_choice[1]

    def _default_labels(self, xy: np.ndarray | None = None) -> list[int]:
        top = [] if self.state.view.labels == "none" else self.label_choice(xy).ids
        return list(dict.fromkeys(top + [int(i) for i in self.state.explore.selection]))

    def _show_labels(self) -> None:
        self.scatter2d.set_labels(self._default_labels())
        if self.scatter3d is not None:
            self.scatter3d.set_labels(self._default_labels())
        self._show_label_note()

    def _show_label_note(self) -> None:
        """Say on the view which tokens carry labels unasked (none when labels are off)."""
        choice = self._label_choice[1] if self._label_choice is not None else None
        for view in (self.scatter2d, self.scatter3d):
            if view is not None:
                shown = choice is not None and self.state.view.labels != "none" and view.point_count
                view.set_label_note(choice.note if shown else "")

    def _current_changed(self, token_id) -> None:
        if token_id is not None:
            self.docks["Inspector"].raise_()
            if token_id not in self.scatter2d.label_ids:
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
        # Never squeezed by a long status message (the message gives way, and is elided).
        self.running_label.setMinimumWidth(self.running_label.sizeHint().width())

    # -- messages ---------------------------------------------------------------
    def show_error(self, message: str) -> None:
        """Tell the user without blocking: a status line and a window-modal box."""
        self.last_error = message
        self.statusBar().showMessage(message, 15000)
        box = QMessageBox(QMessageBox.Warning, "Embedding Explorer", message, parent=self)
        box.setAttribute(Qt.WA_DeleteOnClose)
        box.open()

    def about_text(self) -> str:
        """Help ▸ About: the versions of the app and of what it runs on."""
        import pyqtgraph
        import PySide6
        import torch  # imported here, when the box opens: the version that runs, never on the first paint
        from PySide6.QtCore import qVersion

        return (f"<b>Embedding Explorer {__version__}</b><br>See token embeddings initialized, "
                f"trained and projected.<br><br>"
                f"Qt {qVersion()} (PySide6 {PySide6.__version__})<br>torch {torch.__version__}<br>"
                f"numpy {np.__version__}<br>pyqtgraph {pyqtgraph.__version__}")

    def _about(self) -> None:
        QMessageBox.about(self, "About Embedding Explorer", self.about_text())

    # -- files ------------------------------------------------------------------
    def open_path(self, path: str | Path) -> None:
        """Open any file the app reads, or a bundled `sample:NAME` (File ▸ Open, Open sample,
        Open Recent, drag and drop): it replaces the session, so unsaved changes are asked about first."""
        if is_sample(path):
            try:
                name = find_sample(path).title
            except ExplorerError as exc:
                self.controller.error.emit(str(exc))
                return
        else:
            path = Path(path)
            name = path.name

        def open_it() -> None:
            self._remember_recent(path)
            self.welcome_done()  # opening one's own file: the hint has been used
            self.load_path(path)

        self.session_controller.confirm_replace(open_it, f"Opening {name}")

    def load_path(self, path: str | Path, kind: str | None = None) -> None:
        """Read a file, or a bundled `sample:NAME`, as `kind` (guessed when None), asking nothing:
        the command line's files come here. A sample with a table (sample:minilm) opens as
        vectors with its own vocabulary file, unless a vocabulary is asked for."""
        if not is_sample(path):
            self.controller.open_path(path, kind)
            return
        try:
            sample = find_sample(path)
            if kind == "vectors" or (kind is None and sample.vectors is not None):
                table, tokens, tensor = vectors_file(path)
                self.state.pretrained.vocab_file = str(tokens)
                self.init_panel.open_vectors(table, tensor_name=tensor)
            elif kind in (None, "vocab", "tokenizer"):
                self.controller.open_path(vocab_file(path), "vocab")
            else:
                raise ExplorerError(f"{sample.address} is a sample vocabulary or table, not a {kind} file")
        except ExplorerError as exc:
            self.controller.error.emit(str(exc))  # as the controller reports a file's errors

    def _open_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open a vocabulary, corpus, tokenizer, vectors or session")
        if path:
            self.open_path(path)

    def _open_folder_dialog(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Open a model folder (tokenizer and embedding table)")
        if folder:
            self.open_path(folder)

    def _watch_run_dialog(self) -> None:
        from explorer.ui.watch import watch_run_dialog

        self.welcome_done()
        watch_run_dialog(self)

    def _export_recording_dialog(self) -> None:
        from explorer.ui.recording import export_recording_dialog

        export_recording_dialog(self)

    def _save_picture_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save the window as a picture", "explorer.png",
                                              "PNG image (*.png)")
        if path:
            self.grab().save(path)

    def recent_files(self) -> list[str]:
        value = self.settings.value("recent_files", [])
        return [value] if isinstance(value, str) else list(value or [])

    def _remember_recent(self, path: str | Path) -> None:
        entry = str(path) if is_sample(path) else str(Path(path).resolve())
        recent = [entry] + [p for p in self.recent_files() if p != entry]
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
        if state is not None:  # a layout saved by another version is ignored
            self._layout_restored = bool(self.restoreState(state, LAYOUT_VERSION))

    def size_docks(self) -> None:
        """The default dock widths for the window's width now (see `default_dock_widths`)."""
        scrollbar = self.style().pixelMetric(QStyle.PM_ScrollBarExtent) + 4

        def need(names) -> int:
            return max(self.docks[n].widget().widget().minimumSizeHint().width() for n in names) + scrollbar

        left, right = default_dock_widths(self.width(), need(LEFT_DOCKS), need(RIGHT_DOCKS))
        self.resizeDocks([self.docks["Training"], self.docks["Inspector"]], [left, right], Qt.Horizontal)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not self._docks_sized:  # at the size the window is shown at, unless a saved layout came back
            self._docks_sized = True
            if not self._layout_restored:
                self.size_docks()

    def paintEvent(self, event) -> None:
        super().paintEvent(event)
        if not self._painted:
            self._painted = True
            self.first_painted.emit()

    def closeEvent(self, event) -> None:
        if not self.session_controller.confirm_close():  # asks; closes again once answered
            event.ignore()
            return
        self.state.presentation.active = False  # docks back, so the saved layout is the normal one
        self.session_controller.closing()
        self.settings.setValue("geometry", self.saveGeometry())
        self.settings.setValue("window_state", self.saveState(LAYOUT_VERSION))
        self.controller.stop()
        self.presentation.plots.stop()
        super().closeEvent(event)


LEFT_DOCKS = ("Training", "Vocabulary", "Initialization")
RIGHT_DOCKS = ("Inspector", "Projection")


def default_dock_widths(width: int, left_needs: int = 0, right_needs: int = 0) -> tuple[int, int]:
    """(left, right) dock column widths for a window `width` pixels wide: about a quarter each
    and at least what their panels need, as long as the plot keeps more than half the width
    (past that, the wider column gives way first)."""
    left = int(min(max(0.24 * width, 300, left_needs), 440))
    right = int(min(max(0.23 * width, 280, right_needs), 420))
    excess = left + right - (width // 2 - 16)  # the rest of the half: both columns' separators
    if excess > 0:
        wider = max(left, right)
        cut = min(excess, max(wider - max(min(left, right), 260), 0))
        left, right = (left - cut, right) if left >= right else (left, right - cut)
        excess -= cut
        if excess > 0:  # then both alike, down to 260 each
            left, right = max(left - (excess + 1) // 2, 260), max(right - excess // 2, 260)
    return left, right


def app_instance() -> QApplication:
    if QApplication.instance() is None:
        # pyqtgraph caches its GL shader programs globally: every 3D view must share them.
        QApplication.setAttribute(Qt.AA_ShareOpenGLContexts)
    app = QApplication.instance() or QApplication([])
    app.setApplicationName("Embedding Explorer")
    app.setOrganizationName("EmbeddingExplorer")
    return app
