"""Projection dock: the method (PCA, SVD, t-SNE, UMAP), 2D/3D, perplexity, sphereize,
sample size and "Re-fit basis"; states what is shown (sample size, explained variance).

The widgets only read and write the controller's `ProjectionSettings`; the controller
runs the projection off the GUI thread (t-SNE/UMAP with progress and Cancel)."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QDoubleSpinBox, QFormLayout, QHBoxLayout, QLabel, QPushButton, QSpinBox,
    QVBoxLayout, QWidget,
)

from explorer.core.projection.project import METHOD_LABELS, METHODS, umap_available

DEFAULT_SAMPLE = 5000
# Above this many tokens, t-SNE and UMAP start on a sample (stated on screen; the user can
# switch it off): a full t-SNE of 50,000 points takes minutes on a laptop.
AUTO_SAMPLE_ABOVE = 10_000


class ProjectionPanel(QWidget):
    view_requested = Signal(str)  # "2d" or "3d": the window switches its view

    def __init__(self, controller, parent=None) -> None:
        super().__init__(parent)
        self.controller = controller
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
        self.dims.addItem("2D", 2)
        self.dims.addItem("3D", 3)
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
                                     "the PCA/SVD basis stays fixed and t-SNE continues from the last "
                                     "layout, so that points do not jump between frames.")
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

        self._updating = False
        self.show_settings(controller.settings)
        self.method.currentIndexChanged.connect(self._method_changed)
        self.dims.currentIndexChanged.connect(lambda: self.view_requested.emit(f"{self.dims.currentData()}d"))
        self.perplexity.valueChanged.connect(lambda v: self._apply(perplexity=float(v)))
        self.sphereize.toggled.connect(lambda on: self._apply(sphereize=bool(on)))
        self.sample_on.toggled.connect(self._sample_changed)
        self.sample_size.valueChanged.connect(self._sample_changed)
        self.refit_button.clicked.connect(controller.refit)
        controller.settings_changed.connect(self.show_settings)
        controller.projected.connect(self.show_projection)
        controller.long_job_started.connect(self._job_started)

    # -- settings <-> widgets -------------------------------------------------------
    def show_settings(self, settings) -> None:
        self._updating = True
        try:
            self.method.setCurrentIndex(self.method.findData(settings.method))
            self.dims.setCurrentIndex(self.dims.findData(settings.dims))
            self.perplexity.setValue(settings.perplexity)
            self.sphereize.setChecked(settings.sphereize)
            self.sample_on.setChecked(settings.sample is not None)
            if settings.sample is not None:
                self.sample_size.setValue(settings.sample)
            elif self.sample_size.value() == self.sample_size.minimum():
                self.sample_size.setValue(min(DEFAULT_SAMPLE, max(3, self._vocab_size())))
            self.sample_size.setEnabled(settings.sample is not None)
            self.perplexity.setEnabled(settings.method == "tsne")
            self.refit_button.setText("Re-fit basis" if settings.method in ("pca", "svd") else "Re-run from scratch")
        finally:
            self._updating = False

    def _vocab_size(self) -> int:
        workspace = getattr(self.controller, "workspace", None)
        return len(workspace.vocab) if workspace is not None else DEFAULT_SAMPLE

    def _apply(self, **changes) -> None:
        if not self._updating:
            self.controller.set_settings(**changes)

    def _method_changed(self) -> None:
        method = self.method.currentData()
        changes = {"method": method}
        settings = self.controller.settings
        if method in ("tsne", "umap") and settings.sample is None and self._vocab_size() > AUTO_SAMPLE_ABOVE:
            changes["sample"] = self.sample_size.value() or DEFAULT_SAMPLE
        self._apply(**changes)

    def _sample_changed(self, *_args) -> None:
        self.sample_size.setEnabled(self.sample_on.isChecked())
        self._apply(sample=self.sample_size.value() if self.sample_on.isChecked() else None)

    # -- what is shown ------------------------------------------------------------
    def show_projection(self, projection) -> None:
        text = projection.statement + "."
        if projection.warm_started:
            text += " Continued from the previous layout (stable frames)."
        elif projection.method in ("pca", "svd") and projection.basis is not None:
            text += " The basis stays fixed while training; Re-fit to fit it again."
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
