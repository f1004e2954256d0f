"""Projection dock: the method (PCA, SVD, t-SNE, UMAP), 2D/3D, perplexity, sphereize,
sample size and "Re-fit basis"; states what is shown (sample size, explained variance).

Every widget is bound to `state.projection` (2D/3D to `state.view.mode`); the controller
follows those settings and runs the projection off the GUI thread (t-SNE/UMAP with
progress and Cancel)."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QDoubleSpinBox, QFormLayout, QHBoxLayout, QLabel, QPushButton, QSpinBox,
    QVBoxLayout, QWidget,
)

from explorer.core.projection.project import METHOD_LABELS, METHODS, umap_available
from explorer.core.projection.sampling import suggested_sample
from explorer.ui.bind import bind


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
        self.sphereize = QCheckBox("Sphereize (centre, unit-length rows)")
        self.sample_on = QCheckBox("Sample")
        self.sample_size = QSpinBox(minimum=3, maximum=10_000_000, singleStep=1000, keyboardTracking=False)
        self.sample_size.setGroupSeparatorShown(True)
        self.sample_size.setSuffix(" tokens")
        self.refit_button = QPushButton("Re-fit basis")
        self.refit_button.setToolTip("Fit the projection afresh on the current matrix. While training, "
                                     "the PCA/SVD basis follows the matrix without jumps and t-SNE "
                                     "continues from the last layout.")
        self.info = QLabel(wordWrap=True)
        self.info.setObjectName("projectionInfo")
        self.variance = QLabel(wordWrap=True)

        sample_row = QHBoxLayout()
        sample_row.addWidget(self.sample_on)
        sample_row.addWidget(self.sample_size, 1)
        form = QFormLayout()
        form.addRow("Method", self.method)
        form.addRow("Components", self.dims)
        form.addRow("Perplexity", self.perplexity)
        form.addRow(sample_row)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.sphereize)
        layout.addWidget(self.refit_button)
        layout.addWidget(self.info)
        layout.addWidget(self.variance)
        layout.addStretch(1)

        report = controller.error.emit
        bind(self.method, settings, "method", on_error=report)
        bind(self.dims, state.view, "mode", on_error=report)
        bind(self.perplexity, settings, "perplexity", on_error=report)
        bind(self.sphereize, settings, "sphereize", on_error=report)
        bind(self.sample_on, settings, "sample", to_widget=lambda sample: sample is not None,
             from_widget=lambda on: self.sample_size.value() if on else None, on_error=report)
        # While sampling is off, the size box offers the figure that ticking it would use.
        bind(self.sample_size, settings, "sample", to_widget=self._sample_figure,
             from_widget=lambda size: size if self.sample_on.isChecked() else None, on_error=report)
        settings.events.method.connect(self._show_method)
        settings.events.sample.connect(self._show_sample_enabled)
        self.workspace.events.vocab_changed.connect(self._vocab_changed)
        self._show_method(settings.method)
        self._show_sample_enabled(settings.sample)
        self.refit_button.clicked.connect(controller.refit)
        state.fit.events.projection.connect(self.show_projection)
        controller.long_job_started.connect(self._job_started)

    # -- settings -------------------------------------------------------------------
    def _sample_figure(self, sample: int | None) -> int:
        return sample if sample is not None else suggested_sample(len(self.workspace.vocab))

    def _vocab_changed(self, _vocab) -> None:
        if self.controller.state.projection.sample is None:  # the offered figure follows the size
            self.sample_size.blockSignals(True)
            self.sample_size.setValue(self._sample_figure(None))
            self.sample_size.blockSignals(False)

    def _show_method(self, method: str) -> None:
        self.perplexity.setEnabled(method == "tsne")
        self.refit_button.setText("Re-fit basis" if method in ("pca", "svd") else "Re-run from scratch")

    def _show_sample_enabled(self, sample: int | None) -> None:
        self.sample_size.setEnabled(sample is not None)

    # -- what is shown ------------------------------------------------------------
    def show_projection(self, projection) -> None:
        if projection is None:
            return
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
