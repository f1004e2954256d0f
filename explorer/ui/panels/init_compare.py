"""Compare: two or more init schemes side by side on the same vocabulary, each with its
histograms and statistics, and the points they make spelled out underneath.

The matrices and their statistics are computed in a worker; the dialog only draws.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QDialog, QFrame, QGridLayout, QHBoxLayout, QLabel, QPushButton, QScrollArea,
    QSpinBox, QTableWidget, QVBoxLayout, QWidget,
)

from explorer.core.matrix.schemes import SCHEMES, InitConfig
from explorer.ui.panels.init_plots import HistogramPlot, stats_html

# (scheme, params, dim factor) of the default comparison: the presentation's three points.
DEFAULT_ENTRIES = (
    ("normal", {"std": 1.0}, 1),
    ("truncated_normal", {"std": 0.02}, 1),
    ("xavier_uniform", {}, 1),
    ("xavier_uniform", {}, 4),
    ("zeros", {}, 1),
)


def compare_job(configs: list[InitConfig], vocab_size: int, padding_idx, progress=None, should_cancel=None):
    """In the worker: for each config, its stats (or the error message)."""
    from explorer.core import Cancelled, ExplorerError
    from explorer.core.matrix.init import initialize
    from explorer.core.matrix.stats import matrix_stats

    results = []
    for i, config in enumerate(configs):
        if should_cancel and should_cancel():
            raise Cancelled()
        try:
            weights = initialize(config, vocab_size, padding_idx)
            results.append((config, matrix_stats(weights, seed=config.seed)))
        except ExplorerError as exc:
            results.append((config, str(exc)))
        if progress:
            progress((i + 1) / len(configs))
    return results


def column_title(config: InitConfig) -> str:
    """A column's heading: the scheme and the parameters that set it apart (one seed for all)."""
    params = ", ".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}" for k, v in config.params.items()
                       if SCHEMES[config.scheme].params.get(k) != v or config.scheme in ("normal", "truncated_normal"))
    return f"{SCHEMES[config.scheme].label}" + (f" ({params})" if params else "") + f" · dim {config.dim}"


def findings(results) -> list[str]:
    """Sentences for what the comparison shows (only those its schemes support)."""
    ok = [(c, s) for c, s in results if not isinstance(s, str)]
    out = []
    for config, stats in ok:
        if stats.identical_rows:
            out.append(f"<b>{SCHEMES[config.scheme].label}</b>: every token's row is identical "
                       "(effective rank 0, no direction to take a cosine of): nothing tells two tokens apart, "
                       "and gradients treat them all alike.")
            break
    normal = [(c, s) for c, s in ok if c.scheme == "normal" and float(c.params.get("std", 1.0)) == 1.0]
    small = [(c, s) for c, s in ok if c.scheme == "truncated_normal"]
    if normal and small:
        (cn, sn), (cs, ss) = normal[0], small[0]
        if ss.norm_mean > 0:
            out.append(f"<b>N(0, 1)</b> rows have norm {sn.norm_mean:.3g}, <b>std {cs.params.get('std', 0.02):g}</b> "
                       f"rows {ss.norm_mean:.3g}: <b>{sn.norm_mean / ss.norm_mean:.0f}×</b> apart, the ratio of "
                       "their standard deviations.")
    xavier = sorted([(c, s) for c, s in ok if c.scheme.startswith("xavier")], key=lambda cs: cs[0].dim)
    if len(xavier) >= 2 and xavier[0][0].dim != xavier[-1][0].dim:
        (c1, s1), (c2, s2) = xavier[0], xavier[-1]
        out.append(f"<b>Xavier</b> scales with the dimension: std {s1.std:.3g} at dim {c1.dim}, {s2.std:.3g} "
                   f"at dim {c2.dim} (gain·√(2 / (vocab + dim))), so the bigger matrix starts smaller.")
    return out


class CompareColumn(QFrame):
    def __init__(self, title: str, parent=None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.StyledPanel)
        self.setMinimumWidth(220)
        layout = QVBoxLayout(self)
        self.title = QLabel(f"<b>{title}</b>", wordWrap=True)
        self.weight_hist = HistogramPlot("all weights", height=100)
        self.norm_hist = HistogramPlot("row norms", color=(255, 127, 14), height=100)
        self.numbers = QLabel(wordWrap=True, textFormat=Qt.RichText)
        self.numbers.setTextInteractionFlags(Qt.TextSelectableByMouse)
        layout.addWidget(self.title)
        layout.addWidget(self.weight_hist)
        layout.addWidget(self.norm_hist)
        layout.addWidget(self.numbers)
        layout.addStretch(1)


class CompareDialog(QDialog):
    compared = Signal(object)  # the results list

    def __init__(self, workspace, controller, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Compare initializations")
        self.resize(1200, 820)
        self.workspace = workspace
        self.controller = controller
        self.results = []
        self.columns: list[CompareColumn] = []
        init = workspace.state.init  # the dock's scheme settings are where a comparison starts
        dim = init.dim
        self.seed = QSpinBox(minimum=0, maximum=2**31 - 1, value=init.seed)
        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels(["Scheme", "std / gain", "Dim"])
        self.table.horizontalHeader().setStretchLastSection(False)
        self.table.setColumnWidth(0, 260)
        self.table.verticalHeader().setVisible(False)
        self.table.setMaximumHeight(195)
        for scheme, params, factor in DEFAULT_ENTRIES:
            self.add_entry(scheme, params, dim * factor)
        add = QPushButton("Add scheme")
        remove = QPushButton("Remove selected")
        self.same_axis = QCheckBox("Same weight axis for all", checked=True)
        self.run_button = QPushButton("Compare")
        self.run_button.setDefault(True)
        top = QHBoxLayout()
        top.addWidget(add)
        top.addWidget(remove)
        top.addWidget(QLabel("Seed"))
        top.addWidget(self.seed)
        top.addWidget(self.same_axis)
        top.addStretch(1)
        top.addWidget(self.run_button)
        self.grid_host = QWidget()
        self.grid = QGridLayout(self.grid_host)
        self.grid.setContentsMargins(0, 0, 0, 0)
        scroll = QScrollArea(widgetResizable=True)
        scroll.setWidget(self.grid_host)
        self.findings = QLabel(wordWrap=True, textFormat=Qt.RichText)
        self.findings.setStyleSheet("font-size: 11pt;")
        self.status = QLabel()
        self.status.setStyleSheet("color: #666;")
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"Same vocabulary ({len(workspace.vocab):,} tokens), same seed; one column per scheme."))
        layout.addWidget(self.table)
        layout.addLayout(top)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.findings)
        layout.addWidget(self.status)
        add.clicked.connect(lambda: self.add_entry("xavier_normal", {}, dim))
        remove.clicked.connect(self._remove_selected)
        self.run_button.clicked.connect(self.run)
        self.same_axis.toggled.connect(lambda _c: self._show(self.results))

    # -- entries ------------------------------------------------------------------
    def add_entry(self, scheme: str, params: dict, dim: int) -> None:
        row = self.table.rowCount()
        self.table.insertRow(row)
        combo = QComboBox()
        for info in SCHEMES.values():
            combo.addItem(info.label, info.name)
        combo.setCurrentIndex(combo.findData(scheme))
        value = QComboBox()
        value.setEditable(True)
        value.addItems(["default", "1", "0.02", "0.1"])
        key = next((k for k in ("std", "gain", "value") if k in params), None)
        value.setCurrentText(str(params[key]) if key else "default")
        spin = QSpinBox(minimum=1, maximum=65536, value=dim)
        self.table.setCellWidget(row, 0, combo)
        self.table.setCellWidget(row, 1, value)
        self.table.setCellWidget(row, 2, spin)

    def set_entries(self, configs: list[InitConfig]) -> None:
        """Compare these schemes (a tour's list): one row each, with the first one's seed."""
        self.table.setRowCount(0)
        for config in configs:
            self.add_entry(config.scheme, dict(config.params), config.dim)
        if configs:
            self.seed.setValue(configs[0].seed)

    def _remove_selected(self) -> None:
        rows = sorted({i.row() for i in self.table.selectedIndexes()}, reverse=True)
        for row in rows or [self.table.rowCount() - 1]:
            if self.table.rowCount() > 2:  # two or more to compare
                self.table.removeRow(row)

    def configs(self) -> list[InitConfig]:
        out = []
        for row in range(self.table.rowCount()):
            scheme = self.table.cellWidget(row, 0).currentData()
            text = self.table.cellWidget(row, 1).currentText().strip()
            params = {}
            key = next((k for k in ("std", "gain", "value") if k in SCHEMES[scheme].params), None)
            if key and text and text != "default":
                try:
                    params[key] = float(text)
                except ValueError:
                    pass
            out.append(InitConfig(scheme, self.table.cellWidget(row, 2).value(), self.seed.value(), params))
        return out

    # -- run and show -------------------------------------------------------------
    def run(self) -> None:
        configs = self.configs()
        self.status.setText(f"computing {len(configs)} matrices of {len(self.workspace.vocab):,} rows…")
        self.run_button.setEnabled(False)
        vocab = self.workspace.vocab
        self.controller.run_long(compare_job, configs, len(vocab), vocab.pad_id,
                                 description="Comparing initializations", on_result=self._done,
                                 on_error=self._failed)

    def _failed(self, exc) -> None:
        self.run_button.setEnabled(True)
        self.status.setText(str(exc))

    def _done(self, results) -> None:
        self.run_button.setEnabled(True)
        self.results = results
        self._show(results)
        self.status.setText("Histograms of all weights and of row norms; mean cosine and effective rank "
                            "on the stated rows.")
        self.compared.emit(results)

    def _show(self, results) -> None:
        for column in self.columns:
            column.setParent(None)
            column.deleteLater()
        self.columns = []
        ok = [s for _c, s in results if not isinstance(s, str)]
        x_range = None
        if self.same_axis.isChecked() and ok:
            lo = min(float(s.weight_hist[1][0]) for s in ok)
            hi = max(float(s.weight_hist[1][-1]) for s in ok)
            x_range = (lo, hi)
        for i, (config, stats) in enumerate(results):
            column = CompareColumn(column_title(config))
            if isinstance(stats, str):
                column.numbers.setText(f"<span style='color:#c5221f'>{stats}</span>")
            else:
                column.weight_hist.set_histogram(*stats.weight_hist, x_range=x_range)
                column.norm_hist.set_histogram(*stats.norm_hist)
                column.numbers.setText(stats_html(stats))
            self.grid.addWidget(column, 0, i)
            self.columns.append(column)
        points = findings(results)
        self.findings.setText("<br>".join(f"• {p}" for p in points))
        self.findings.setVisible(bool(points))
