"""Initialization dock: choose a scheme, its parameters, the dim and the seed."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox, QDoubleSpinBox, QFormLayout, QLabel, QPushButton, QSpinBox, QVBoxLayout, QWidget,
)

from explorer.core.schemes import CHOICES, SCHEMES, InitConfig
from explorer.core.workspace import Workspace


class InitPanel(QWidget):
    def __init__(self, workspace: Workspace, controller, parent=None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.controller = controller
        self.scheme = QComboBox()
        for info in SCHEMES.values():
            self.scheme.addItem(info.label, info.name)
        self.dim = QSpinBox(minimum=1, maximum=4096, value=workspace.init_config.dim)
        self.seed = QSpinBox(minimum=0, maximum=2**31 - 1, value=workspace.init_config.seed)
        self.note = QLabel(wordWrap=True)
        self.param_form = QFormLayout()
        self.param_widgets: dict[str, QWidget] = {}
        self.apply = QPushButton("Apply (re-initialize)")
        self.stats = QLabel(wordWrap=True)
        form = QFormLayout()
        form.addRow("Scheme", self.scheme)
        form.addRow("Dim", self.dim)
        form.addRow("Seed", self.seed)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(self.param_form)
        layout.addWidget(self.note)
        layout.addWidget(self.apply)
        layout.addWidget(self.stats)
        layout.addStretch(1)
        self.scheme.currentIndexChanged.connect(self._scheme_changed)
        self.apply.clicked.connect(lambda: controller.reinitialize(self.config()))
        workspace.events.weights_changed.connect(self._show_stats)
        self.set_config(workspace.init_config)

    def set_config(self, config: InitConfig) -> None:
        self.scheme.setCurrentIndex(self.scheme.findData(config.scheme))
        self.dim.setValue(config.dim)
        self.seed.setValue(config.seed)
        self._scheme_changed()
        for name, value in config.params.items():
            widget = self.param_widgets.get(name)
            if isinstance(widget, QComboBox):
                widget.setCurrentText(str(value))
            elif widget is not None:
                widget.setValue(float(value))

    def config(self) -> InitConfig:
        params = {}
        for name, widget in self.param_widgets.items():
            params[name] = widget.currentText() if isinstance(widget, QComboBox) else widget.value()
        return InitConfig(self.scheme.currentData(), self.dim.value(), self.seed.value(), params)

    def _scheme_changed(self) -> None:
        """Show only the parameters that apply to the chosen scheme."""
        while self.param_form.rowCount():
            self.param_form.removeRow(0)
        self.param_widgets = {}
        info = SCHEMES[self.scheme.currentData()]
        for name, default in info.params.items():
            if name in CHOICES:
                widget = QComboBox()
                widget.addItems(CHOICES[name])
                widget.setCurrentText(str(default))
            else:
                widget = QDoubleSpinBox(decimals=4, minimum=-100.0, maximum=100.0, singleStep=0.01)
                widget.setValue(float(default))
            self.param_widgets[name] = widget
            self.param_form.addRow(name, widget)
        self.note.setText(info.note)

    def _show_stats(self, weights, _reason) -> None:
        norms = (weights.astype("float64") ** 2).sum(axis=1) ** 0.5
        self.stats.setText(
            f"{weights.shape[0]:,} × {weights.shape[1]} · mean {weights.mean():.4g} · "
            f"std {weights.std():.4g} · mean row norm {norms.mean():.4g}"
        )
