"""Initialization dock: choose a scheme, its parameters, the dim and the seed; see what the
matrix looks like (histograms and statistics); load pretrained vectors; compare schemes.

The widgets are bound to `state.init` and `state.pretrained` (they keep no copies); the
line at the top follows `state.matrix` and says what made the matrix shown, which need
not be the scheme below (a pretrained file, a session, a training run).

Pretrained vectors load off the GUI thread (`controller.run_long`, progress and Cancel)
into new objects; only a successful load reaches the workspace, so a bad file leaves
the current matrix as it was. Two modes: (a) the file defines the vocabulary, or
(b) its vectors are mapped onto the current vocabulary, with a coverage report and a
fill strategy for the rows it lacks.
"""

from __future__ import annotations

import html
from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup, QCheckBox, QComboBox, QDoubleSpinBox, QFileDialog, QFormLayout, QFrame, QHBoxLayout,
    QLabel, QPushButton, QRadioButton, QScrollArea, QSizePolicy, QSpinBox, QToolButton, QVBoxLayout, QWidget,
)

from explorer.core import ExplorerError
from explorer.core.io.vectors import FORMAT_LABELS
from explorer.core.matrix.schemes import CHOICES, SCHEMES, describe
from explorer.core.state.workspace import Workspace
from explorer.ui.bind import bind
from explorer.ui.panels.init_compare import CompareDialog
from explorer.ui.panels.init_plots import HistogramPlot, stats_html
from explorer.ui.panels.table_dialog import TableDialog
from explorer.ui.workers import LatestJob

SYNC_STATS_VALUES = 2_000_000  # matrices up to this many values get their stats on the GUI thread
STATS_JOB = "Matrix statistics"  # the bigger ones': a worker with progress and Cancel
FILLS = (("random (file mean, std)", "random"), ("zeros", "zeros"), ("mean vector", "mean"),
         ("composed from n-grams", "subwords"))
FILL_NAMES = {value: label for label, value in FILLS}
# Under "Current matrix", when the scheme boxes below did not make it (by the matrix's kind).
MADE_ELSEWHERE = {
    "init": "The settings below are not applied yet: Apply re-initializes with them.",
    "pretrained": "It did not come from the scheme below: Apply would replace it with that scheme's matrix.",
    "session": "It did not come from the scheme below: Apply would replace it with that scheme's matrix.",
    "trained": "Training has changed it since: Apply starts afresh from the scheme below.",
}


def compute_stats(weights: np.ndarray, progress=None, should_cancel=None):
    from explorer.core.matrix.stats import matrix_stats

    return matrix_stats(weights, progress=progress, should_cancel=should_cancel)


class Section(QWidget):
    """A titled part of the panel that folds away (an arrow button and a body)."""

    def __init__(self, title: str, body: QWidget, expanded: bool = False, parent=None) -> None:
        super().__init__(parent)
        self.button = QToolButton(text=title, checkable=True, checked=expanded)
        self.button.setToolButtonStyle(Qt.ToolButtonTextBesideIcon)
        self.button.setStyleSheet("QToolButton { border: none; font-weight: bold; }")
        self.body = body
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.button)
        layout.addWidget(body)
        self.button.toggled.connect(self.set_expanded)
        self.set_expanded(expanded)

    def set_expanded(self, expanded: bool) -> None:
        self.button.setChecked(expanded)
        self.button.setArrowType(Qt.DownArrow if expanded else Qt.RightArrow)
        self.body.setVisible(expanded)


def _load_job(path: str, vocab_path: str | None, tensor_name: str | None, progress=None, should_cancel=None):
    """In the worker: what the file holds, and its vectors (or the question it leaves to the user)."""
    from explorer.core.io.vectors import (
        TENSOR_FORMATS, NeedsTensorChoice, NeedsVocabulary, pick_tensor, list_tensors, load_vectors, sniff_format,
    )

    fmt = sniff_format(path)
    tensors = list_tensors(path) if fmt in TENSOR_FORMATS else None
    if tensors and tensor_name is None:
        try:  # the embedding table, when its name says so (shown even while a vocabulary is missing)
            tensor_name = pick_tensor(Path(path), tensors, None)
        except ExplorerError:
            pass  # load_vectors says why, or asks which one
    result = {"path": path, "format": fmt, "tensors": tensors, "tensor": tensor_name, "loaded": None,
              "needs": None, "error": None}
    try:
        loaded = load_vectors(path, vocab_path=vocab_path, tensor_name=tensor_name, progress=progress,
                              should_cancel=should_cancel)
    except NeedsVocabulary as exc:
        return {**result, "needs": "vocab", "error": str(exc)}
    except NeedsTensorChoice as exc:
        return {**result, "needs": "tensor", "error": str(exc)}
    from explorer.core.view.raster import warm

    warm(len(loaded.weights))  # a big table's density view, compiled here rather than at its first paint
    return {**result, "loaded": loaded, "tensor": loaded.tensor_name}


def _map_job(vocab, tokens, weights, case_insensitive, fill, seed, expected_dim, adopt_dim, source, subwords):
    from explorer.core.matrix.pretrained import map_vectors

    return map_vectors(vocab, tokens, weights, case_insensitive=case_insensitive, fill=fill, seed=seed,
                       expected_dim=expected_dim, adopt_dim=adopt_dim, source=source, subwords=subwords)


class InitPanel(QWidget):
    def __init__(self, workspace: Workspace, controller, parent=None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.controller = controller
        self.state = workspace.state
        self.stats = None  # MatrixStats of the current matrix
        self.stats_job = LatestJob(controller.jobs, self)  # big matrices: the latest one's statistics
        self.load_job = LatestJob(controller.jobs, self)  # vectors files: the latest request's result
        self.loaded = None  # LoadedVectors of the last pretrained file
        self.loaded_path: str | None = None  # the file this dock has read (or is reading)
        self.coverage = None
        self.compare_dialog = None
        self.table_dialog: TableDialog | None = None  # the question about a table with no tokens
        self._answering = False
        init, pretrained = self.state.init, self.state.pretrained
        report = controller.error.emit

        # -- what made the current matrix -----------------------------------------
        self.made_by_label = QLabel(wordWrap=True, textFormat=Qt.RichText)
        self.made_by_label.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.made_by_note = QLabel(wordWrap=True)
        self.made_by_note.setStyleSheet("color: #b06000;")

        # -- scheme -----------------------------------------------------------
        self.scheme = QComboBox()
        for info in SCHEMES.values():
            self.scheme.addItem(info.label, info.name)
        self.scheme.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
        self.scheme.setMinimumContentsLength(12)
        self.dim = QSpinBox(minimum=1, maximum=65536)
        self.seed = QSpinBox(minimum=0, maximum=2**31 - 1)
        for spin in (self.dim, self.seed):
            spin.setMinimumWidth(50)
            spin.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Fixed)
        self.note = QLabel(wordWrap=True)
        self.note.setStyleSheet("color: #666;")
        self.param_widgets: dict[str, QWidget] = {}
        self.apply = QPushButton("Apply")
        self.apply.setToolTip("Re-initialize the matrix with this scheme, dim and seed")
        self.compare_button = QPushButton("Compare…")
        self.compare_button.setToolTip("Two or more schemes side by side on this vocabulary")
        form = QFormLayout()
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow("Scheme", self.scheme)
        dim_seed = QHBoxLayout()
        dim_seed.addWidget(self.dim, 1)
        dim_seed.addWidget(QLabel("Seed"))
        dim_seed.addWidget(self.seed, 1)
        form.addRow("Dim", dim_seed)
        self.param_form = form  # the scheme's parameters go in the same form, below Dim
        buttons = QHBoxLayout()
        buttons.addWidget(self.apply, 2)
        buttons.addWidget(self.compare_button, 1)

        # -- statistics -------------------------------------------------------
        self.weight_hist = HistogramPlot("all weights")
        self.norm_hist = HistogramPlot("row norms", color=(255, 127, 14))
        plots = QHBoxLayout()
        plots.setSpacing(4)
        plots.addWidget(self.weight_hist)
        plots.addWidget(self.norm_hist)
        self.stats_label = QLabel(wordWrap=True, textFormat=Qt.RichText)
        self.stats_label.setTextInteractionFlags(Qt.TextSelectableByMouse)

        # -- pretrained -------------------------------------------------------
        body = QWidget()
        pre = QVBoxLayout(body)
        pre.setContentsMargins(0, 0, 0, 0)
        pre.setSpacing(3)
        open_row = QHBoxLayout()
        self.open_vectors_button = QPushButton("Open vectors…")
        self.open_vectors_button.setToolTip("GloVe, word2vec (text or binary), fastText .vec, .npy/.npz, "
                                            "safetensors, PyTorch checkpoint, TensorBoard TSV")
        self.vectors_label = QLabel("no file", wordWrap=True)
        self.vectors_label.setStyleSheet("color: #666;")
        open_row.addWidget(self.open_vectors_button)
        open_row.addWidget(self.vectors_label, 1)
        pre.addLayout(open_row)
        self.tensor_row = QWidget()
        tensor_layout = QHBoxLayout(self.tensor_row)
        tensor_layout.setContentsMargins(0, 0, 0, 0)
        tensor_layout.addWidget(QLabel("Tensor"))
        self.tensor = QComboBox()
        self.tensor.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
        self.tensor.setMinimumContentsLength(10)
        tensor_layout.addWidget(self.tensor, 1)
        pre.addWidget(self.tensor_row)
        self.vocab_row = QWidget()
        vocab_layout = QHBoxLayout(self.vocab_row)
        vocab_layout.setContentsMargins(0, 0, 0, 0)
        self.vocab_file_button = QPushButton("Vocabulary file…")
        self.vocab_file_button.setToolTip("Tokens for a table that carries none: one per line, vocab.txt, "
                                          "encoder.json, tokenizer.json or metadata.tsv")
        self.vocab_file_label = QLabel(wordWrap=True)
        self.vocab_file_label.setStyleSheet("color: #666;")
        vocab_layout.addWidget(self.vocab_file_button)
        vocab_layout.addWidget(self.vocab_file_label, 1)
        pre.addWidget(self.vocab_row)
        self.mode_file = QRadioButton("File defines the vocabulary")
        self.mode_map = QRadioButton("Map onto the current vocabulary")
        self.mode_group = QButtonGroup(self)
        self.mode_group.addButton(self.mode_file)
        self.mode_group.addButton(self.mode_map)
        pre.addWidget(self.mode_file)
        pre.addWidget(self.mode_map)
        self.map_options = QWidget()
        map_form = QFormLayout(self.map_options)
        map_form.setContentsMargins(16, 0, 0, 0)
        self.fill = QComboBox()
        for label, value in FILLS:
            self.fill.addItem(label, value)
        self.fill.setItemData(self.fill.findData("subwords"),
                              "A fastText .bin model: each missing word gets the mean of its character "
                              "n-grams' vectors, as fastText gives a word it never saw", Qt.ToolTipRole)
        self.ignore_case = QCheckBox("Match ignoring case")
        self.adopt_dim = QCheckBox("Adopt the file's dimension")
        self.adopt_dim.setToolTip("Unchecked: a file whose dim differs from the matrix's is refused")
        map_form.addRow("Missing rows", self.fill)
        map_form.addRow(self.ignore_case)
        map_form.addRow(self.adopt_dim)
        pre.addWidget(self.map_options)
        self.use_vectors = QPushButton("Use these vectors")
        self.use_vectors.setEnabled(False)
        pre.addWidget(self.use_vectors)
        self.coverage_label = QLabel(wordWrap=True, textFormat=Qt.RichText)
        pre.addWidget(self.coverage_label)
        self.pretrained = Section("Pretrained vectors", body)

        # -- layout -----------------------------------------------------------
        content = QWidget()
        layout = QVBoxLayout(content)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.setSpacing(4)
        layout.addWidget(self.made_by_label)
        layout.addWidget(self.made_by_note)
        layout.addLayout(form)
        layout.addWidget(self.note)
        layout.addLayout(buttons)
        line = QFrame(frameShape=QFrame.HLine)
        line.setStyleSheet("color: #ddd;")
        layout.addWidget(line)
        layout.addLayout(plots)
        layout.addWidget(self.stats_label)
        layout.addWidget(self.pretrained)
        layout.addStretch(1)
        scroll = QScrollArea(widgetResizable=True, frameShape=QFrame.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        scroll.setWidget(content)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)

        # -- bindings: the widgets write the state and follow it ------------------
        bind(self.dim, init, "dim", on_error=report)
        bind(self.seed, init, "seed", on_error=report)
        self.scheme.currentIndexChanged.connect(self._choose_scheme)
        init.events.scheme.connect(self._show_scheme)
        init.events.changed.connect(lambda *_: self._show_made_by())
        self.state.matrix.events.changed.connect(lambda *_: self._show_made_by())
        bind(self.mode_file, pretrained, "mode", to_widget=lambda mode: mode == "vocabulary",
             from_widget=lambda checked: "vocabulary" if checked else "map")
        bind(self.mode_map, pretrained, "mode", to_widget=lambda mode: mode == "map",
             from_widget=lambda checked: "map" if checked else "vocabulary")
        bind(self.fill, pretrained, "fill", on_error=report)
        bind(self.ignore_case, pretrained, "case_insensitive")
        bind(self.adopt_dim, pretrained, "adopt_dim")
        bind(self.tensor, pretrained, "tensor")
        pretrained.events.mode.connect(self._show_mode)
        pretrained.events.vocab_file.connect(self._vocab_file_changed)

        self.apply.clicked.connect(lambda: controller.reinitialize())
        self.compare_button.clicked.connect(self.open_compare)
        self.open_vectors_button.clicked.connect(self._open_vectors_dialog)
        self.vocab_file_button.clicked.connect(self._vocab_file_dialog)
        self.tensor.activated.connect(lambda _i: self._reload())  # the user picked another tensor
        self.use_vectors.clicked.connect(self.apply_vectors)
        workspace.events.weights_changed.connect(self._weights_changed)
        controller.long_job_finished.connect(self._stats_ended)
        controller.loaders["vectors"] = self.open_vectors
        self._show_scheme(init.scheme)
        self._show_made_by()
        self._show_mode(pretrained.mode)
        self._show_vocab_file(pretrained.vocab_file)
        self._show_file_state(None)
        if workspace.weights is not None:
            self._weights_changed(workspace.weights, "")

    # -- what made the matrix -----------------------------------------------------
    def _show_made_by(self) -> None:
        """The matrix shown, in words; and whether the scheme below is what made it."""
        matrix, init = self.state.matrix, self.state.init
        made_by = html.escape(matrix.made_by) if matrix.made_by else "none yet"
        self.made_by_label.setText(f"Current matrix: <b>{made_by}</b>")
        if not matrix.made_by or (matrix.kind == "init" and matrix.made_by == describe(init)):
            self.made_by_note.hide()
            return
        self.made_by_note.setText(MADE_ELSEWHERE[matrix.kind])
        self.made_by_note.show()

    # -- scheme -------------------------------------------------------------------
    def _choose_scheme(self) -> None:
        # A new scheme starts from its own defaults: the old one's parameters mean nothing to it.
        self.state.init.update(scheme=self.scheme.currentData(), params={})

    def _show_scheme(self, scheme: str) -> None:
        """Show the scheme, and only the parameters that apply to it (each bound to `init.params`)."""
        init = self.state.init
        self.scheme.blockSignals(True)
        self.scheme.setCurrentIndex(self.scheme.findData(scheme))
        self.scheme.blockSignals(False)
        for widget in self.param_widgets.values():
            self.param_form.removeRow(widget)
        self.param_widgets = {}
        info = SCHEMES[scheme]
        for name, default in info.params.items():
            if name in CHOICES:
                widget = QComboBox()
                widget.addItems(CHOICES[name])
                shown = str
            else:
                widget = QDoubleSpinBox(decimals=4, minimum=-100.0, maximum=100.0, singleStep=0.01)
                widget.setMinimumWidth(50)
                widget.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Fixed)
                shown = float
            bind(widget, init, "params", on_error=self.controller.error.emit,
                 to_widget=lambda params, name=name, default=default, shown=shown: shown(params.get(name, default)),
                 from_widget=lambda value, name=name: {**init.params, name: value})
            self.param_widgets[name] = widget
            self.param_form.addRow(name, widget)
        self.note.setText(info.note)
        self.note.setVisible(bool(info.note))

    # -- statistics ---------------------------------------------------------------
    def _weights_changed(self, weights, _reason="") -> None:
        if weights.size <= SYNC_STATS_VALUES:
            self.stats_job.cancel_pending()
            self._show_stats(compute_stats(weights), weights)
            return
        # A big matrix is shown first; its statistics follow from a worker, with a progress bar
        # and Cancel in the status bar. Meanwhile the old figures would describe another matrix.
        self.stats = None
        self.stats_label.setText(f"{weights.shape[0]:,} × {weights.shape[1]}<br>computing statistics…")
        for plot in (self.weight_hist, self.norm_hist):
            plot.clear_histogram()
        self.stats_job.request(compute_stats, weights, description=STATS_JOB,
                               start=self.controller.run_long,
                               on_result=lambda stats: self._show_stats(stats, weights),
                               on_error=self.controller._report)

    def _stats_ended(self, handle) -> None:
        """A statistics job ended: cancelled (Cancel in the status bar), the label says so."""
        weights = self.workspace.weights
        if handle.description == STATS_JOB and self.stats is None and weights is not None \
                and getattr(handle, "cancelled", False):
            self.stats_label.setText(f"{weights.shape[0]:,} × {weights.shape[1]}<br>"
                                     "statistics cancelled (Apply computes them again)")

    def _show_stats(self, stats, weights) -> None:
        if weights is not self.workspace.weights:
            return  # stale
        self.stats = stats
        self.weight_hist.set_histogram(*stats.weight_hist)
        self.norm_hist.set_histogram(*stats.norm_hist)
        sampled = "" if stats.weight_values >= stats.rows * stats.dim else \
            f" (histogram of {stats.weight_values:,} sampled values)"
        self.stats_label.setText(f"{stats.rows:,} × {stats.dim}{sampled}<br>" + stats_html(stats))

    # -- pretrained vectors -------------------------------------------------------
    def _open_vectors_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Open pretrained vectors", "",
            "Vectors (*.txt *.vec *.bin *.npy *.npz *.safetensors *.pt *.pth *.tsv);;All files (*)")
        if path:
            self.open_vectors(path)

    def _vocab_file_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Vocabulary for the vectors", "",
                                              "Vocabularies (*.txt *.json *.tsv);;All files (*)")
        if path:
            self.state.pretrained.vocab_file = path

    def _show_vocab_file(self, path: str | None) -> None:
        self.vocab_file_label.setText(Path(path).name if path else "needed for this format")

    def _vocab_file_changed(self, path: str | None) -> None:
        self._show_vocab_file(path)
        if not self._answering:
            self._reload()  # the file read with its new vocabulary

    def ask_about_table(self, result: dict) -> TableDialog:
        """A window-modal question (non-blocking) for the vocabulary file or the tensor the file
        needs; Open reads it again with the answers and uses it, Cancel changes nothing."""
        if self.table_dialog is not None:  # one question at a time: the latest file's
            self.table_dialog.close()
            self.table_dialog.deleteLater()
        dialog = TableDialog(result, self.state.pretrained.vocab_file, self.window())
        path = result["path"]

        def answered(vocab_file, tensor) -> None:
            self._answering = True
            try:
                if vocab_file:
                    self.state.pretrained.vocab_file = vocab_file
            finally:
                self._answering = False
            self.open_vectors(path, apply=True, tensor_name=tensor)

        dialog.answered.connect(answered)
        self.table_dialog = dialog
        dialog.open()
        return dialog

    def _show_mode(self, mode: str) -> None:
        self.map_options.setVisible(mode == "map")

    def open_vectors(self, path, apply: bool = True, tensor_name: str | None = None) -> None:
        """Load a vectors file off the GUI thread; on success use it in the chosen mode.

        `tensor_name`: which tensor of a safetensors/checkpoint file (default: the one chosen
        for this file before, else the embedding table its name says)."""
        path = str(path)
        pretrained = self.state.pretrained
        if path != self.loaded_path:  # another file: the previous one's tensors and coverage go
            self.tensor.blockSignals(True)
            self.tensor.clear()
            self.tensor.blockSignals(False)
            self.coverage_label.clear()
        tensor = tensor_name or (pretrained.tensor if path == self.loaded_path else None)
        self.loaded_path = path
        self.loaded = None
        if Path(path).is_dir():  # a model folder brings its own tokenizer: an earlier file's vocabulary must not win
            pretrained.update(path=path, tensor=tensor, vocab_file=None)
        else:
            pretrained.update(path=path, tensor=tensor)
        self.use_vectors.setEnabled(False)
        self.pretrained.set_expanded(True)
        self.vectors_label.setText(f"loading {Path(path).name}…")
        self.load_job.request(_load_job, path, pretrained.vocab_file, tensor, start=self.controller.run_long,
                              description=f"Loading {Path(path).name}",
                              on_result=lambda result: self._loaded(result, apply), on_error=self._load_failed)

    def _reload(self) -> None:
        if self.loaded_path:
            self.open_vectors(self.loaded_path, apply=False)

    def _load_failed(self, exc: Exception) -> None:
        self.vectors_label.setText(f"{Path(self.loaded_path).name}: not loaded" if self.loaded_path else "no file")
        self.controller._report(exc)

    def _loaded(self, result: dict, apply: bool) -> None:
        if result["tensors"]:
            self.tensor.blockSignals(True)
            self.tensor.clear()
            for name, shape in result["tensors"].items():
                self.tensor.addItem(f"{name}  {' × '.join(map(str, shape))}", name)
            pretrained = self.state.pretrained
            pretrained.tensor = result["tensor"] or pretrained.tensor
            self.tensor.setCurrentIndex(self.tensor.findData(pretrained.tensor))
            self.tensor.blockSignals(False)
        self._show_file_state(result)
        if result["loaded"] is None:
            self.controller.message.emit(result["error"])
            if apply:  # opened on purpose (File ▸ Open, the button): ask what the file lacks
                self.ask_about_table(result)
            return
        self.loaded = result["loaded"]
        self.use_vectors.setEnabled(True)
        for warning in self.loaded.warnings:
            self.controller.message.emit(warning)
        if apply:
            self.apply_vectors()

    def _show_file_state(self, result: dict | None) -> None:
        needs_vocab = bool(result and (result["needs"] == "vocab" or result["format"] in
                                       ("npy", "safetensors", "torch") or self.state.pretrained.vocab_file))
        self.tensor_row.setVisible(bool(result and result["tensors"]))
        self.vocab_row.setVisible(needs_vocab)
        if result is None:
            return
        name = Path(result["path"]).name
        label = FORMAT_LABELS.get(result["format"], result["format"])
        if result["loaded"] is not None:
            rows, dim = result["loaded"].weights.shape
            warn = f" · {len(result['loaded'].warnings)} warning(s)" if result["loaded"].warnings else ""
            self.vectors_label.setText(f"{name}: {rows:,} × {dim}, {label}{warn}")
        elif result["needs"] == "vocab":
            self.vectors_label.setText(f"{name} ({label}): choose its vocabulary file")
        else:
            self.vectors_label.setText(f"{name} ({label}): choose a tensor")

    def apply_vectors(self) -> None:
        """Put the loaded vectors into the workspace, in the chosen mode."""
        loaded = self.loaded
        if loaded is None:
            return
        name = Path(self.loaded_path).name
        pretrained, init = self.state.pretrained, self.state.init
        if pretrained.mode == "vocabulary":
            self.coverage = None
            self.coverage_label.setText(f"vocabulary and matrix from {name}: {len(loaded.vocab):,} tokens")
            init.dim = int(loaded.weights.shape[1])
            self.workspace.set_vocab(loaded.vocab, None, loaded.weights, made_by=f"pretrained: {name}",
                                     kind="pretrained")
            return
        vocab = self.workspace.vocab
        self.controller.jobs.start(
            _map_job, vocab, loaded.vocab.tokens, loaded.weights, pretrained.case_insensitive,
            pretrained.fill, init.seed, self.workspace.dim, pretrained.adopt_dim, self.loaded_path,
            loaded.subwords, description="mapping vectors", on_result=lambda mapped: self._mapped(mapped, vocab, name),
            on_error=self.controller._report)

    def _mapped(self, mapped, vocab, name: str) -> None:
        if vocab is not self.workspace.vocab:
            return  # the vocabulary changed meanwhile
        self.coverage = mapped.coverage
        cov = mapped.coverage
        color = "#188038" if cov.fraction >= 0.8 else "#b06000" if cov.fraction >= 0.3 else "#c5221f"
        examples = ", ".join(cov.missing_examples[:6])
        self.coverage_label.setText(
            f"<span style='color:{color}'><b>{cov.found:,}</b> of {cov.total:,} found "
            f"({100 * cov.fraction:.1f}%)</span>, {cov.missing:,} missing"
            + (f" (filled: {FILL_NAMES[mapped.fill]})" if cov.missing else "")
            + (f"<br>{cov.found_case_insensitive:,} matched ignoring case" if cov.found_case_insensitive else "")
            + (f"<br><span style='color:#666'>missing: {examples}…</span>" if examples else ""))
        self.state.init.dim = int(mapped.weights.shape[1])
        self.workspace.set_weights(mapped.weights, "init pretrained", initial=True, kind="pretrained",
                                   made_by=f"pretrained: {name} mapped onto the vocabulary, "
                                           f"{100 * cov.fraction:.0f}% covered")

    # -- compare ------------------------------------------------------------------
    def open_compare(self):
        if self.compare_dialog is None:
            self.compare_dialog = CompareDialog(self.workspace, self.controller, self)
        self.compare_dialog.show()
        self.compare_dialog.raise_()
        return self.compare_dialog
