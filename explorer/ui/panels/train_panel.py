"""Training dock: objective, hyper-parameters, Start/Stop and the live loss curve."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtWidgets import (
    QComboBox, QDoubleSpinBox, QFormLayout, QHBoxLayout, QLabel, QProgressBar, QPushButton,
    QSpinBox, QVBoxLayout, QWidget,
)

from explorer.core.workspace import Workspace


class TrainPanel(QWidget):
    def __init__(self, workspace: Workspace, controller, parent=None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.controller = controller
        self.objective = QComboBox()
        self.objective.addItem("Skip-gram (negative sampling)", "sgns")
        self.epochs = QSpinBox(minimum=1, maximum=1000, value=5)
        self.lr = QDoubleSpinBox(decimals=4, minimum=0.0001, maximum=10.0, value=0.025, singleStep=0.005)
        self.window = QSpinBox(minimum=1, maximum=20, value=5)
        self.start = QPushButton("Start")
        self.stop = QPushButton("Stop", enabled=False)
        self.progress = QProgressBar()
        self.status = QLabel()
        self.loss_plot = pg.PlotWidget(background="w")
        self.loss_plot.setLabel("left", "loss")
        self.loss_plot.setLabel("bottom", "step")
        self.loss_plot.setMinimumHeight(140)
        self.loss_curve = self.loss_plot.plot(pen=pg.mkPen("#1f77b4", width=2))
        form = QFormLayout()
        form.addRow("Objective", self.objective)
        form.addRow("Epochs", self.epochs)
        form.addRow("Learning rate", self.lr)
        form.addRow("Window", self.window)
        buttons = QHBoxLayout()
        buttons.addWidget(self.start)
        buttons.addWidget(self.stop)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addWidget(self.loss_plot, 1)
