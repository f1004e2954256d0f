"""Projection dock: the method (PCA, SVD, t-SNE, UMAP, semantic axes), 2D/3D, each method's
own settings (perplexity; UMAP's neighbours, min_dist and metric; the axes' ends and metric:
only the chosen method's rows are shown, so the dock fits a narrow column), sphereize,
sample size, "Re-fit basis", and isolation (the selection, optionally with each token's
neighbours, projected on its own; Show all goes back); states what is shown.

Every widget is bound to `state.projection` (2D/3D to `state.view.mode`); the controller
follows those settings and runs the projection off the GUI thread (t-SNE/UMAP with
progress and Cancel)."""

from __future__ import annotations

from PySide6.QtCore import QStringListModel, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QCompleter, QDoubleSpinBox, QFormLayout, QHBoxLayout, QLabel, QLineEdit,
    QPushButton, QSpinBox, QVBoxLayout, QWidget,
)

from explorer.core.projection.project import AXIS_METRICS, METHOD_LABELS, METHODS, UMAP_METRICS, umap_available
from explorer.core.projection.sampling import suggested_sample
from explorer.ui.bind import bind


EXAMPLE_AXES = (("good", "bad"), ("hot", "cold"), ("woman", "man"), ("big", "small"))


def example_axes(tokens, count: int) -> list[str]:
    """`count` axes "A-B" to start from: the classic pairs the vocabulary holds, else pairs of
    its first plain-word tokens."""
    known = set(tokens)
    axes = [f"{a}-{b}" for a, b in EXAMPLE_AXES if a in known and b in known]
    words = [t for t in dict.fromkeys(tokens) if t.isalpha()] or list(dict.fromkeys(tokens))
    pairs = [f"{words[i]}-{words[i + 1]}" for i in range(0, len(words) - 1, 2)]
    return (axes + pairs)[:count]


class ProjectionPanel(QWidget):
    def __init__(self, controller, parent=None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.workspace = controller.workspace
        state = controller.state
        settings = state.projection
        self.method = QComboBox()
        has_umap = umap_available()
        for name in METHODS:
            self.method.addItem(METHOD_LABELS[name], name)
            if name == "umap" and not has_umap:
                item = self.method.model().item(self.method.count() - 1)
                item.setEnabled(False)
                item.setToolTip("Install the 'umap' extra (umap-learn) to enable UMAP")
                self.method.setItemText(self.method.count() - 1, "UMAP (not installed)")
        self.dims = QComboBox()
        self.dims.addItem("2D", "2d")
        self.dims.addItem("3D", "3d")
        self.perplexity = QDoubleSpinBox(minimum=2.0, maximum=200.0, decimals=1, singleStep=5.0,
                                         keyboardTracking=False)
        self.perplexity.setToolTip("t-SNE: roughly how many neighbours each point attends to")
        self.n_neighbors = QSpinBox(minimum=2, maximum=200, keyboardTracking=False)
        self.n_neighbors.setToolTip("UMAP: how many neighbours shape each point's place (local vs global)")
        self.min_dist = QDoubleSpinBox(minimum=0.0, maximum=1.0, decimals=2, singleStep=0.05,
                                       keyboardTracking=False)
        self.min_dist.setToolTip("UMAP: how tightly points may pack (0: tight clumps)")
        self.umap_metric = QComboBox()
        for name in UMAP_METRICS:
            self.umap_metric.addItem(name.capitalize(), name)
        # Semantic axes: each end a token, a comma list or a /regex/ (its rows averaged).
        self.axis_edits = {}
        for name, example in (("x", "woman-man"), ("y", "big-small"), ("z", "good-bad")):
            edit = QLineEdit(placeholderText=f"e.g. {example}")
            edit.setToolTip("Two ends, A-B: each a token, a comma list (king,queen) or a /regex/; "
                            "a token's place is along the direction from B to A")
            self.axis_edits[name] = edit
        self._tokens_model = QStringListModel(self)
        self.axis_metric = QComboBox()
        for name in AXIS_METRICS:
            self.axis_metric.addItem(name.capitalize(), name)
        self.axis_metric.setToolTip("Projection: v·d/|d| · Cosine: cos(v, d) · Dot: v·d, with d = A − B")
        self.sphereize = QCheckBox("Sphereize (centre, unit-length rows)")
        self.sample_on = QCheckBox("Sample")
        self.sample_size = QSpinBox(minimum=3, maximum=10_000_000, singleStep=1000, keyboardTracking=False)
        self.sample_size.setGroupSeparatorShown(True)
        self.sample_size.setSuffix(" tokens")
        self.refit_button = QPushButton("Re-fit basis")
        self.refit_button.setToolTip("Fit the projection afresh on the current matrix. While training, "
                                     "the PCA/SVD basis follows the matrix without jumps and t-SNE "
                                     "continues from the last layout.")
        self.isolate_action = QAction("&Isolate selection", self, enabled=False,
                                      toolTip="Project and show only the selected tokens "
                                              "(and each one's nearest neighbours)")
        self.show_all_action = QAction("Show &all tokens", self, enabled=False,
                                       toolTip="Back from an isolated projection to every token")
        self.isolate_button = QPushButton("Isolate selection")
        self.show_all_button = QPushButton("Show all")
        self.isolate_k = QSpinBox(minimum=0, maximum=100, prefix="+ ", suffix=" each")
        self.isolate_k.setToolTip("Isolate each selected token with its nearest neighbours "
                                  "in the full space (the Inspector's metric)")
        self.problem = QLabel(wordWrap=True, visible=False)
        self.problem.setObjectName("projectionProblem")
        self.info = QLabel(wordWrap=True)
        self.info.setObjectName("projectionInfo")
        self.variance = QLabel(wordWrap=True)

        sample_row = QHBoxLayout()
        sample_row.addWidget(self.sample_on)
        sample_row.addWidget(self.sample_size, 1)
        isolate_row = QHBoxLayout()
        isolate_row.addWidget(self.isolate_button, 1)
        isolate_row.addWidget(self.show_all_button)
        self.form = form = QFormLayout()
        form.addRow("Method", self.method)
        form.addRow("Components", self.dims)
        form.addRow("Perplexity", self.perplexity)
        form.addRow("Neighbours", self.n_neighbors)
        form.addRow("Min dist", self.min_dist)
        form.addRow("Metric", self.umap_metric)
        for name, edit in self.axis_edits.items():
            form.addRow(f"{name} axis", edit)
        form.addRow("Axis value", self.axis_metric)
        form.addRow(sample_row)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.sphereize)
        layout.addWidget(self.refit_button)
        layout.addWidget(self.problem)
        layout.addLayout(isolate_row)
        neighbours_form = QFormLayout()
        neighbours_form.addRow("With neighbours", self.isolate_k)
        layout.addLayout(neighbours_form)
        layout.addWidget(self.info)
        layout.addWidget(self.variance)
        layout.addStretch(1)

        report = controller.error.emit
        bind(self.method, settings, "method", from_widget=self._chosen_method, on_error=report)
        bind(self.dims, state.view, "mode", on_error=report)
        bind(self.perplexity, settings, "perplexity", on_error=report)
        bind(self.n_neighbors, settings, "n_neighbors", on_error=report)
        bind(self.min_dist, settings, "min_dist", on_error=report)
        bind(self.umap_metric, settings, "umap_metric", on_error=report)
        for name, edit in self.axis_edits.items():
            bind(edit, settings, f"{name}_axis", on_error=report)
            completer = QCompleter(self._tokens_model, edit, caseSensitivity=Qt.CaseSensitive)
            completer.setFilterMode(Qt.MatchStartsWith)
            edit.setCompleter(completer)
        bind(self.axis_metric, settings, "axis_metric", on_error=report)
        bind(self.sphereize, settings, "sphereize", on_error=report)
        bind(self.sample_on, settings, "sample", to_widget=lambda sample: sample is not None,
             from_widget=lambda on: self.sample_size.value() if on else None, on_error=report)
        # While sampling is off, the size box offers the figure that ticking it would use.
        bind(self.sample_size, settings, "sample", to_widget=self._sample_figure,
             from_widget=lambda size: size if self.sample_on.isChecked() else None, on_error=report)
        settings.events.method.connect(self._show_method)
        settings.events.dims.connect(lambda _dims: self._show_method(settings.method))
        settings.events.sample.connect(self._show_sample_enabled)
        self.workspace.events.vocab_changed.connect(self._vocab_changed)
        self._show_method(settings.method)
        self._show_sample_enabled(settings.sample)
        self.refit_button.clicked.connect(controller.refit)
        state.fit.events.projection.connect(self.show_projection)
        controller.long_job_started.connect(self._job_started)
        controller.interim_shown.connect(self._show_interim)
        controller.projection_failed.connect(self.show_problem)
        # Isolation: the buttons and the View menu's entries are the same two actions.
        self.isolate_button.clicked.connect(self.isolate_action.trigger)
        self.show_all_button.clicked.connect(self.show_all_action.trigger)
        self.isolate_action.triggered.connect(self.isolate)
        self.show_all_action.triggered.connect(self.show_all)
        state.explore.events.selection.connect(lambda _s: self._show_isolation())
        settings.events.rows.connect(lambda _rows: self._show_isolation())
        self.isolate_k.valueChanged.connect(lambda _k: self._show_isolation())
        self._isolating = None  # the selection whose neighbours a worker is finding
        self._vocab_changed(self.workspace.vocab)
        self._show_isolation()

    # -- settings -------------------------------------------------------------------
    def _sample_figure(self, sample: int | None) -> int:
        return sample if sample is not None else suggested_sample(len(self.workspace.vocab))

    def _chosen_method(self, method: str) -> str:
        # Semantic axes without ends draw nothing: choosing them fills in example ends from
        # the vocabulary (the picture comes at once; the user edits the ends).
        if method == "axes":
            self.fill_example_axes(self.controller.state.projection.dims)
        return method

    def fill_example_axes(self, dims: int) -> None:
        """Give each of the first `dims` axes that has no ends an example (see example_axes)."""
        settings = self.controller.state.projection
        names = ("x", "y", "z")[:dims]
        examples = example_axes(self.workspace.vocab.tokens, len(names))
        for name, example in zip(names, examples):
            if not getattr(settings, f"{name}_axis").strip():
                setattr(settings, f"{name}_axis", example)

    def _vocab_changed(self, vocab) -> None:
        self._tokens_model.setStringList(list(vocab.tokens))
        if self.controller.state.projection.sample is None:  # the offered figure follows the size
            self.sample_size.blockSignals(True)
            self.sample_size.setValue(self._sample_figure(None))
            self.sample_size.blockSignals(False)

    def _show_method(self, method: str) -> None:
        """Only the chosen method's settings are shown (the dock shares a narrow column)."""
        form, dims = self.form, self.controller.state.projection.dims
        form.setRowVisible(self.perplexity, method == "tsne")
        for widget in (self.n_neighbors, self.min_dist, self.umap_metric):
            form.setRowVisible(widget, method == "umap")
        for name, edit in self.axis_edits.items():
            form.setRowVisible(edit, method == "axes" and (name != "z" or dims == 3))
        form.setRowVisible(self.axis_metric, method == "axes")
        self.sphereize.setVisible(method != "axes")  # axes are measured on the vectors as they are
        self.refit_button.setVisible(method != "axes")  # nothing fitted: the axes are the ends
        self.refit_button.setText("Re-fit basis" if method in ("pca", "svd") else "Re-run from scratch")

    def _show_sample_enabled(self, sample: int | None) -> None:
        self.sample_size.setEnabled(sample is not None)

    # -- isolation ------------------------------------------------------------------
    def _show_isolation(self) -> None:
        selected = len(self.controller.state.explore.selection)
        # At least 3 rows make a projection: 3 selected, or fewer with their neighbours.
        can_isolate = self._isolating is None and selected > 0 and (selected >= 3 or self.isolate_k.value() > 0)
        isolated = bool(self.controller.state.projection.rows)
        for widget, enabled in ((self.isolate_action, can_isolate), (self.isolate_button, can_isolate),
                                (self.show_all_action, isolated), (self.show_all_button, isolated)):
            widget.setEnabled(enabled)

    def isolate(self) -> None:
        """Project and show only the selection (with `isolate_k` neighbours of each, found in a worker)."""
        state, weights = self.controller.state, self.workspace.weights
        selection, k = tuple(state.explore.selection), self.isolate_k.value()
        if not selection or weights is None:
            return
        if k == 0:
            state.projection.rows = selection
            return
        from explorer.ui.controller import isolation_rows

        self._isolating = selection

        def found(rows) -> None:
            if weights is self.workspace.weights and tuple(state.explore.selection) == selection:
                state.projection.rows = rows

        def done() -> None:
            self._isolating = None
            self._show_isolation()

        self.controller.jobs.start(isolation_rows, weights, selection, k, state.explore.metric,
                                   description="finding neighbours to isolate", on_result=found,
                                   on_error=self.controller._report, on_finished=done)
        self._show_isolation()

    def show_all(self) -> None:
        self.controller.state.projection.rows = ()

    # -- what is shown ------------------------------------------------------------
    def show_problem(self, message: str) -> None:
        """Why the settings could not be projected (e.g. an axis end not in the vocabulary):
        said in the dock; the picture before stays."""
        self.problem.setText(message)
        self.problem.setVisible(True)

    def _show_interim(self, projection) -> None:
        self.info.setText(projection.statement + ". Drawn as it goes (Cancel in the status bar).")

    def show_projection(self, projection) -> None:
        if projection is None:
            return
        self.problem.setVisible(False)
        text = projection.statement + "."
        if projection.warm_started:
            text += " Continued from the previous layout (stable frames)."
        elif projection.method in ("pca", "svd") and projection.basis is not None:
            text += " While training, the basis follows the matrix (the titles give each frame's variance); Re-fit fits it afresh."
        self.info.setText(text)
        if projection.explained is not None:
            parts = [f"{title.split(' ')[0]} {100 * v:.1f}%" for title, v in
                     zip(projection.axis_titles, projection.explained)]
            self.variance.setText("Explained variance: " + " · ".join(parts) +
                                  f" · total {100 * float(sum(projection.explained)):.1f}%")
        else:
            self.variance.setText("")

    def _job_started(self, handle) -> None:
        if "projection" in handle.description:
            self.info.setText(f"{handle.description}: running… (Cancel in the status bar)")
