"""Training dock: corpus, objective, pace, Start/Pause/Resume/Stop, progress with words/s
and ETA, the live loss and neighbourhood-stability curves (explorer.ui.views.loss_plot), a
timeline to replay the run (drag, or Play at 0.25x-4x), the hyper-parameters (Settings tab),
"Compare inits" (the init race: loss curves and one small moving scatter per init) and
Evaluate. Every setting is a field of `workspace.state.train` (the widgets are bound to
it); the run itself lives in explorer.ui.training (a worker; the GUI only draws).
"""

from __future__ import annotations

import math
import time
from pathlib import Path

import numpy as np
from PySide6.QtCore import QSignalBlocker, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QDoubleSpinBox, QFileDialog, QFormLayout, QHBoxLayout, QLabel,
    QLineEdit, QListWidget, QListWidgetItem, QProgressBar, QPushButton, QSizePolicy, QSlider, QSpinBox,
    QTabWidget, QVBoxLayout, QWidget,
)

from explorer.core.matrix.schemes import SCHEMES, InitConfig
from explorer.core.state.workspace import Workspace
from explorer.core.training.config import DEFAULT_LR, OBJECTIVE_LABELS, TrainConfig
from explorer.core.training.live import LIVE_YIELD_SECONDS, fast_gil_switching
from explorer.core.training.race_view import RaceFrame, race_frames, race_sample
from explorer.core.training.snapshot import Snapshot
from explorer.ui.bind import bind
from explorer.ui.theme import category_colors
from explorer.ui.training import TrainingRun
from explorer.ui.views.loss_plot import LossPlot
from explorer.ui.views.race_view import RaceView

PANEL_UPDATE_SECONDS = 0.25
RACE_COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd"]
RACE_DEFAULT = ("normal", "truncated_normal", "xavier_uniform")
# What the race's small plots and legend call each scheme (the list shows the full labels).
RACE_NAMES = {"normal": "N(0, 1)", "uniform": "U(a, b)", "xavier_uniform": "Xavier unif.",
              "xavier_normal": "Xavier normal", "kaiming_uniform": "Kaiming unif.",
              "kaiming_normal": "Kaiming normal", "truncated_normal": "std 0.02", "word2vec": "word2vec",
              "orthogonal": "orthogonal", "zeros": "zeros", "constant": "constant", "one_hot": "one-hot"}
PLAY_SPEEDS = (0.25, 0.5, 1.0, 2.0, 4.0)
PLAY_TICK_MS = 30
PLAY_MIN_SECONDS = 0.1  # at 1x a replay shows each snapshot at least this long


def loss_text(loss: float) -> str:
    """A loss as the dock writes it; step 0 has none yet (nan): a dash, never "nan"."""
    return f"{loss:.4f}" if np.isfinite(loss) else "—"


def replay_times(snapshots) -> np.ndarray:
    """When each snapshot is shown by a replay at 1x, in seconds from the first: as the run
    recorded them (`elapsed`), each at least PLAY_MIN_SECONDS after the previous."""
    elapsed = np.array([float(getattr(s, "elapsed", 0.0) or 0.0) for s in snapshots])
    gaps = np.maximum(np.diff(elapsed, prepend=elapsed[:1]) if len(elapsed) else elapsed, 0.0)
    gaps = np.maximum(gaps, PLAY_MIN_SECONDS)
    if len(gaps):
        gaps[0] = 0.0
    return np.cumsum(gaps)


def _build_vocab_and_init(path, min_count: int, init_config: InitConfig):
    from explorer.core.matrix.init import initialize
    from explorer.core.matrix.schemes import describe
    from explorer.core.tokens.corpus import load_corpus

    vocab, _ = load_corpus(path, min_count=min_count)
    return vocab, initialize(init_config, len(vocab), vocab.pad_id), describe(init_config)


def _evaluate(vocab, weights, similarity, analogies):
    from explorer.core.analysis.evaluate import evaluate

    return evaluate(vocab, weights, similarity or None, analogies or None)


def _initial_matrices(schemes, base: InitConfig, vocab_size: int, pad_id):
    from explorer.core.matrix.init import initialize

    return {s: initialize(InitConfig(s, base.dim, base.seed), vocab_size, pad_id) for s in schemes}


def _combo() -> QComboBox:
    """A combo box that may be narrower than its longest item (the dock is narrow at 1280x800)."""
    combo = QComboBox()
    combo.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(12)
    return combo


class _Tabs(QTabWidget):
    """The dock's tabs. Their height does not depend on their width (no height-for-width):
    with it, the dock's scroll area gives the whole panel its preferred height (wrapped
    labels at full height) instead of the dock's, and the plots fall below the dock."""

    def hasHeightForWidth(self) -> bool:  # noqa: N802 (Qt's name)
        return False


class TrainPanel(QWidget):
    evaluated = Signal(object)  # explorer.core.analysis.evaluate.Evaluation
    race_finished = Signal(object)  # {scheme: final isotropy}

    def __init__(self, workspace: Workspace, controller, parent=None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.controller = controller
        self.train = workspace.state.train
        self.run = TrainingRun(workspace, controller, self)
        self.losses: list[tuple[int, float]] = []
        self.race_curves: dict[str, list[tuple[int, float]]] = {}
        self.race_isotropy: dict[str, float] = {}
        self.race_status: dict[str, int] = {}  # each run's epoch (1-based)
        self.race_identical: dict[str, bool] = {}  # runs whose rows are all the same (one point)
        self._race_pending: dict[str, np.ndarray] = {}  # layouts not drawn yet
        self._race_progress: dict[str, float] = {}
        self._last_race_update = 0.0
        self._race_epochs = 0
        self.stability: list[tuple[int, float]] = []
        self.stability_sample = 0
        self._race_worker = None
        self._last_panel_update = 0.0
        self.play_timer = QTimer(self, interval=PLAY_TICK_MS)
        self.play_timer.timeout.connect(self._play_tick)
        self._play_anchor = (0.0, 0.0)  # (perf_counter at the anchor, replay time there)
        self._play_times = np.zeros(0)

        self.loss_plot = LossPlot()  # the loss, the stability under it; the race's curves
        tabs = _Tabs()
        tabs.addTab(self._train_tab(), "Train")
        tabs.addTab(self._settings_tab(), "Settings")
        tabs.addTab(self._race_tab(), "Compare inits")
        tabs.addTab(self._evaluate_tab(), "Evaluate")
        self.tabs = tabs
        # The tabs take the current page's height, not the tallest page's: the plots get the rest.
        tabs.currentChanged.connect(self._fit_tabs)
        self._fit_tabs(tabs.currentIndex())

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(tabs)
        layout.addWidget(self.loss_plot, 1)

        self.run.frame.connect(self._on_frame)
        self.run.started.connect(self._update_buttons)
        self.run.paused.connect(self._update_buttons)
        self.run.resumed.connect(self._update_buttons)
        self.run.finished.connect(self._on_finished)
        workspace.events.weights_changed.connect(lambda *_: self._show_dim())
        self._bind_settings()
        self._show_dim()
        self._update_buttons()

    def _fit_tabs(self, index: int) -> None:
        for i in range(self.tabs.count()):
            policy = QSizePolicy.Preferred if i == index else QSizePolicy.Ignored
            self.tabs.widget(i).setSizePolicy(policy, policy)
        self.tabs.widget(index).adjustSize()
        self.tabs.updateGeometry()

    # -- layout ---------------------------------------------------------------------
    def _train_tab(self) -> QWidget:
        self.corpus = _combo()
        self.corpus.addItem("Built-in demo corpus", "demo")
        self.corpus.addItem("Corpus file…", "file")
        self.corpus_label = QLabel("demo", wordWrap=True)
        self.new_vocab = QCheckBox("New vocabulary from this corpus")
        self.new_vocab.setToolTip("Build the vocabulary from the corpus file (words seen at least "
                                  "min count times) and initialize it before training")
        self.objective = _combo()
        for name, label in OBJECTIVE_LABELS.items():
            self.objective.addItem(label, name)
        self.dim_label = QLabel()
        # The values come from state.train when the widgets are bound (see _bind_settings).
        self.epochs = QSpinBox(minimum=1, maximum=10000)
        self.lr = QDoubleSpinBox(decimals=5, minimum=0.00001, maximum=10.0, singleStep=0.005)
        self.batch = QSpinBox(minimum=64, maximum=1_000_000, singleStep=1024)
        self.window_size = QSpinBox(minimum=1, maximum=20)
        self.negative = QSpinBox(minimum=0, maximum=50)
        self.min_count = QSpinBox(minimum=1, maximum=1000)
        self.sample = QDoubleSpinBox(decimals=5, minimum=0.0, maximum=1.0, singleStep=0.0005)
        self.context = QSpinBox(minimum=2, maximum=1024)
        self.positional = QComboBox()
        self.positional.addItems(["sinusoidal", "learned"])
        self.tied = QCheckBox("Output layer tied to the embedding")
        self.learnable = QCheckBox("Learnable embeddings")
        self.learnable.setToolTip("Unchecked: the matrix stays frozen and only the rest of the model "
                                  "(output vectors, attention, head) trains")
        self.seed = QSpinBox(minimum=0, maximum=2**31 - 1)
        self.device = QComboBox()
        for label, value in (("Auto", "auto"), ("CPU", "cpu"), ("CUDA", "cuda")):
            self.device.addItem(label, value)
        self.workers = QSpinBox(minimum=1, maximum=64)
        self.workers.setToolTip("Skip-gram/CBOW: train in this many threads at once, as word2vec's and "
                                "gensim's workers do (above 1 a seed no longer repeats a run exactly)")

        self.pace = QDoubleSpinBox(decimals=0, minimum=0.0, maximum=3600.0, singleStep=10.0, suffix=" s")
        self.pace.setSpecialValueText("full speed")  # 0: as fast as it trains
        self.pace.setToolTip("Spread a live run over at least this many seconds, so an audience can "
                             "watch it learn (full speed: as fast as it trains)")

        self.start_button = QPushButton("Start")
        self.pause_button = QPushButton("Pause")
        self.resume_button = QPushButton("Resume")
        self.stop_button = QPushButton("Stop")
        self.progress = QProgressBar(maximum=1000)
        self.progress.setFormat("%p%")
        self.status = QLabel("Ready")  # one line, fixed height: updates never relayout the dock
        self.status.setFixedHeight(self.status.sizeHint().height())
        self.status.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Fixed)
        self.timeline = QSlider(Qt.Horizontal, enabled=False)
        self.timeline_label = QLabel("Timeline: after a run, drag or Play")
        self.timeline_label.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Fixed)
        self.play_button = QPushButton("▶ Play", enabled=False)
        self.play_button.setToolTip("Replay the run on the timeline (Pause stops it where it is)")
        self.play_speed = QComboBox()
        for speed in PLAY_SPEEDS:
            self.play_speed.addItem(f"{speed:g}×", speed)
        self.play_speed.setCurrentIndex(PLAY_SPEEDS.index(1.0))
        self.play_speed.setToolTip("Replay speed: 1× is the pace the run trained at "
                                   f"(at least {PLAY_MIN_SECONDS:g} s a snapshot)")

        corpus_row = QHBoxLayout()
        corpus_row.addWidget(self.corpus, 1)
        form = QFormLayout()
        form.addRow("Corpus", corpus_row)
        form.addRow("", self.corpus_label)
        form.addRow("", self.new_vocab)
        form.addRow("Objective", self.objective)
        form.addRow("Dim", self.dim_label)
        two = QHBoxLayout()
        two.addWidget(QLabel("Epochs"))
        two.addWidget(self.epochs)
        two.addWidget(QLabel("Seed"))
        two.addWidget(self.seed)
        form.addRow(two)
        form.addRow("Pace", self.pace)
        buttons = QHBoxLayout()
        for b in (self.start_button, self.pause_button, self.resume_button, self.stop_button):
            b.setMinimumWidth(b.fontMetrics().horizontalAdvance(b.text()) + 18)  # not the style's 80 px
            buttons.addWidget(b)
        self.play_button.setMinimumWidth(self.play_button.fontMetrics().horizontalAdvance("❚❚ Pause") + 18)
        replay = QHBoxLayout()
        replay.addWidget(self.timeline, 1)
        replay.addWidget(self.play_button)
        replay.addWidget(self.play_speed)
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setSpacing(4)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addWidget(self.timeline_label)
        layout.addLayout(replay)

        self.corpus.activated.connect(self._corpus_chosen)
        # Picking an objective (the user, not a restored setting) starts from its own lr.
        self.objective.activated.connect(lambda _i: setattr(self.train, "lr", None))
        self.start_button.clicked.connect(self.start)
        self.pause_button.clicked.connect(self.run.pause)
        self.resume_button.clicked.connect(self.run.resume)
        self.stop_button.clicked.connect(self.run.stop)
        self.timeline.valueChanged.connect(self._replay)
        self.timeline.sliderPressed.connect(self.stop_playing)  # a drag takes over from Play
        self.play_button.clicked.connect(self.toggle_play)
        self.play_speed.currentIndexChanged.connect(lambda _i: self._anchor_play())
        return page

    def _settings_tab(self) -> QWidget:
        """The hyper-parameters (the Train tab keeps what a run is started with)."""
        form = QFormLayout()
        form.addRow("Learning rate", self.lr)
        form.addRow("Batch (tokens)", self.batch)
        row = QHBoxLayout()
        row.addWidget(QLabel("Window"))
        row.addWidget(self.window_size)
        row.addWidget(QLabel("Negatives"))
        row.addWidget(self.negative)
        form.addRow(row)
        row2 = QHBoxLayout()
        row2.addWidget(QLabel("Min count"))
        row2.addWidget(self.min_count)
        row2.addWidget(QLabel("Subsampling"))
        row2.addWidget(self.sample)
        form.addRow(row2)
        self.lm_row = QWidget()
        lm = QHBoxLayout(self.lm_row)
        lm.setContentsMargins(0, 0, 0, 0)
        lm.addWidget(QLabel("Context"))
        lm.addWidget(self.context)
        lm.addWidget(self.positional)
        form.addRow(self.lm_row)
        form.addRow("", self.tied)
        form.addRow("", self.learnable)
        row3 = QHBoxLayout()
        row3.addWidget(self.device, 1)
        row3.addWidget(QLabel("Threads"))
        row3.addWidget(self.workers)
        form.addRow("Device", row3)
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addLayout(form)
        layout.addStretch(1)
        return page

    def _race_tab(self) -> QWidget:
        self.race_schemes = QListWidget()
        for info in SCHEMES.values():
            item = QListWidgetItem(info.label)
            item.setData(Qt.UserRole, info.name)
            item.setFlags(item.flags() | Qt.ItemIsUserCheckable)
            item.setCheckState(Qt.Checked if info.name in RACE_DEFAULT else Qt.Unchecked)
            self.race_schemes.addItem(item)
        self.race_button = QPushButton("Compare inits")
        self.race_stop = QPushButton("Stop", enabled=False)
        self.race_result = QLabel("Trains the Train tab's objective on the same data with the same seed "
                                  "from 2–4 schemes: their loss curves overlay below, and each run's "
                                  "tokens move in a small plot here.", wordWrap=True)
        self.race_result.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Preferred)
        self.race_schemes.setMaximumHeight(5 * self.race_schemes.sizeHintForRow(0) + 6)
        self.race_view = RaceView()
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setSpacing(4)
        layout.addWidget(QLabel("Schemes (2–4):"))
        layout.addWidget(self.race_schemes)
        row = QHBoxLayout()
        row.addWidget(self.race_button)
        row.addWidget(self.race_stop)
        layout.addLayout(row)
        layout.addWidget(self.race_result)
        layout.addWidget(self.race_view, 1)
        self.race_button.clicked.connect(self.start_race)
        self.race_stop.clicked.connect(self.stop_race)
        self.race_page = page
        return page

    def _evaluate_tab(self) -> QWidget:
        self.similarity_path = QLineEdit(placeholderText="wordsim353.tsv / simlex999.txt")
        self.analogies_path = QLineEdit(placeholderText="questions-words.txt")
        browse_sim = QPushButton("…")
        browse_ana = QPushButton("…")
        self.evaluate_button = QPushButton("Evaluate")
        self.evaluation = QLabel("Scores the current matrix: Spearman on word-pair similarity, "
                                 "3CosAdd accuracy on analogies.", wordWrap=True)
        form = QFormLayout()
        row = QHBoxLayout()
        row.addWidget(self.similarity_path, 1)
        row.addWidget(browse_sim)
        form.addRow("Similarity", row)
        row2 = QHBoxLayout()
        row2.addWidget(self.analogies_path, 1)
        row2.addWidget(browse_ana)
        form.addRow("Analogies", row2)
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addLayout(form)
        layout.addWidget(self.evaluate_button)
        layout.addWidget(self.evaluation)
        layout.addStretch(1)
        browse_sim.clicked.connect(lambda: self._browse(self.similarity_path, "Word-pair similarity file"))
        browse_ana.clicked.connect(lambda: self._browse(self.analogies_path, "Analogy questions file"))
        self.evaluate_button.clicked.connect(self.evaluate)
        return page

    # -- settings: bound to state.train -------------------------------------------
    def _bind_settings(self) -> None:
        train, report = self.train, self.controller.error.emit
        for widget, name in ((self.objective, "objective"), (self.epochs, "epochs"),
                             (self.batch, "batch_size"), (self.window_size, "window"),
                             (self.negative, "negative"), (self.min_count, "min_count"),
                             (self.sample, "sample"), (self.context, "context_length"),
                             (self.positional, "positional"), (self.tied, "tied"), (self.seed, "seed"),
                             (self.device, "device"), (self.workers, "workers"),
                             (self.new_vocab, "new_vocab"), (self.pace, "pace")):
            bind(widget, train, name, on_error=report)
        # lr None means "the objective's default": the box shows that figure, and typing it stores None.
        bind(self.lr, train, "lr", on_error=report, to_widget=lambda lr: train.learning_rate,
             from_widget=lambda value: None if math.isclose(value, DEFAULT_LR[train.objective]) else value)
        bind(self.learnable, train, "freeze_embeddings", on_error=report,
             to_widget=lambda frozen: not frozen, from_widget=lambda learnable: not learnable)
        train.events.objective.connect(self._show_objective)
        train.events.corpus.connect(self._show_corpus)
        self._show_objective(train.objective)
        self._show_corpus(train.corpus)

    def _show_objective(self, objective: str) -> None:
        if self.train.lr is None:  # the default changes with the objective
            with QSignalBlocker(self.lr):
                self.lr.setValue(self.train.learning_rate)
        is_lm = objective == "lm"
        self.lm_row.setVisible(is_lm)
        self.tied.setVisible(is_lm)
        for w in (self.window_size, self.negative, self.sample, self.workers):
            w.setEnabled(objective in ("sgns", "cbow"))

    def _show_corpus(self, corpus: str) -> None:
        with QSignalBlocker(self.corpus):
            self.corpus.setCurrentIndex(0 if corpus == "demo" else 1)
        self.corpus_label.setText(corpus)

    def set_corpus(self, path: str | Path | None) -> None:
        """Train on this file (None: the built-in demo corpus)."""
        self.train.corpus = str(path) if path else "demo"

    def _run_config(self) -> TrainConfig:
        """The settings a run gets: a copy (editing the boxes meanwhile changes nothing)."""
        config = self.train.copy()
        config.yield_seconds = LIVE_YIELD_SECONDS
        return config

    # -- the run's history (sessions save and restore it) ---------------------------
    def run_history(self) -> tuple[dict, list[Snapshot]]:
        """The loss curve ({"loss": [[step, loss], ...]}, with "stability": [[step, value], ...]
        and "stability_sample" when the run measured it) and the timeline's snapshots."""
        history = {"loss": [[int(step), float(loss)] for step, loss in self.losses]} if self.losses else {}
        if self.losses and self.stability:
            history["stability"] = [[int(step), float(value)] for step, value in self.stability]
            history["stability_sample"] = int(self.stability_sample)
        snapshots = list(self.run.timeline.snapshots) if self.run.vocab is self.workspace.vocab else []
        return history, snapshots

    def load_history(self, history: dict, snapshots: list[Snapshot]) -> None:
        """A saved run's loss curve and timeline: the slider replays it again."""
        self.stop_playing()
        history = history or {}
        self.losses = [(int(step), float(loss)) for step, loss in history.get("loss", [])]
        self.stability = [(int(step), float(value)) for step, value in history.get("stability", [])]
        self.stability_sample = int(history.get("stability_sample", 0) or 0)
        self.loss_plot.end_race()
        self.loss_plot.mark_step(None)
        self._show_losses()
        self.run.restore(snapshots)
        n = len(snapshots)
        self.timeline.setEnabled(n > 1)
        self._update_play()
        if n:
            self._show_timeline_range(n)
            self.timeline_label.setText(f"Timeline: {n} saved snapshot{'s' if n != 1 else ''}; drag or Play")

    def _show_losses(self) -> None:
        steps, losses = zip(*self.losses) if self.losses else ((), ())
        self.loss_plot.set_loss(steps, losses)
        steps, values = zip(*self.stability) if self.stability else ((), ())
        self.loss_plot.set_stability(steps, values, self.stability_sample)

    def _show_timeline_range(self, n: int) -> None:
        with QSignalBlocker(self.timeline):
            self.timeline.setRange(0, n - 1)
            self.timeline.setValue(n - 1)

    def _corpus_chosen(self) -> None:
        if self.corpus.currentData() == "demo":
            self.set_corpus(None)
            return
        path, _ = QFileDialog.getOpenFileName(self, "Corpus: a text file, one sentence per line")
        if path:
            self.set_corpus(path)
        else:  # cancelled: the box shows the corpus again
            self._show_corpus(self.train.corpus)

    def _show_dim(self) -> None:
        dim = self.workspace.dim
        self.dim_label.setText(f"{dim} (from the initialization)" if dim else "initialize first")

    def _browse(self, edit: QLineEdit, title: str) -> None:
        path, _ = QFileDialog.getOpenFileName(self, title)
        if path:
            edit.setText(path)

    # -- run ------------------------------------------------------------------------
    def start(self) -> None:
        if self.run.running or self._race_worker is not None:
            return
        self.tabs.setCurrentIndex(0)  # the run's loss and timeline are on the Train tab
        config = self._run_config()
        if config.new_vocab and config.corpus != "demo":
            self.status.setText("Building the vocabulary…")

            def ready(result) -> None:
                vocab, weights, made_by = result
                self.workspace.set_vocab(vocab, None, weights, made_by=made_by, kind="init")
                self._start(config)

            self.controller.jobs.start(_build_vocab_and_init, config.corpus, config.min_count,
                                       self.workspace.state.init.copy(), description="building the vocabulary",
                                       on_result=ready, on_error=self.controller._report)
            return
        self._start(config)

    def _start(self, config: TrainConfig) -> None:
        self.stop_playing()
        self.losses = []
        self.stability = []
        self.stability_sample = 0
        self._clear_race()
        self.loss_plot.mark_step(None)
        self._show_losses()
        self.timeline.setEnabled(False)
        self._update_play()
        self.progress.setValue(0)
        self.status.setText("Reading the corpus…")
        self.run.start(config.corpus, config)  # "demo" or the file

    def _on_frame(self, frame) -> None:
        if frame.stage == "encoding":
            self.status.setText(f"Reading the corpus… {100 * frame.fraction:.0f}%")
            return
        snap = frame.snapshot
        if snap is None:  # a paced run waiting for its schedule: nothing new to show
            return
        if snap.note:
            self.controller.message.emit(snap.note)
        if snap.step > 0 and np.isfinite(snap.loss):
            self.losses.append((snap.step, snap.loss))
        if frame.coords is not None and frame.stability is not None and np.isfinite(frame.stability):
            self.stability.append((snap.step, float(frame.stability)))
            self.stability_sample = int(frame.stability_sample)
        # The curve and texts repaint a few times a second, apart from the view's frames,
        # so no single turn of the event loop has to paint everything.
        now = time.perf_counter()
        if now - self._last_panel_update < PANEL_UPDATE_SECONDS and snap.progress < 1.0:
            return
        self._last_panel_update = now
        self.progress.setValue(int(1000 * snap.progress))
        self._show_losses()
        eta = snap.elapsed * (1 - snap.progress) / snap.progress if snap.progress > 0 else float("nan")
        eta_text = f"{eta:.0f} s" if np.isfinite(eta) else "—"
        extra = "".join(f" · {k} {v:.3f}" for k, v in snap.extra.items())
        epochs = self.run.config.epochs if self.run.config is not None else "?"
        self.status.setText(
            f"epoch {snap.epoch + 1}/{epochs} · step {snap.step:,} · "
            f"{snap.words_per_second:,.0f} words/s · ETA {eta_text} · loss {loss_text(snap.loss)}{extra}")

    def _on_finished(self, outcome: str) -> None:
        self._update_buttons()
        self._show_losses()  # the last values, whatever the throttle dropped
        n = len(self.run.timeline)
        if n:
            self._show_timeline_range(n)
            self.timeline.setEnabled(n > 1)
            self.timeline_label.setText(f"Timeline: {n} snapshots; drag or Play")
        self._update_play()
        words = f"{self.run.last.tokens_seen:,} words" if self.run.last is not None else ""
        text = {"done": "Finished", "stopped": "Stopped", "diverged": "Stopped: the loss diverged",
                "error": "Failed"}.get(outcome, outcome)
        self.status.setText(f"{text} · {words}" if words else text)

    def _replay(self, index: int) -> None:
        if len(self.run.timeline):
            snap = self.run.timeline[index]
            loss = f"loss {snap.loss:.4f}" if np.isfinite(snap.loss) else "the start (no loss yet)"
            self.timeline_label.setText(f"Timeline: step {snap.step:,} (epoch {snap.epoch + 1}), {loss}")
            self.loss_plot.mark_step(snap.step)
            self.run.replay(index)

    def _update_buttons(self) -> None:
        state = self.run.state
        self.start_button.setEnabled(state == "idle" and self._race_worker is None)
        self.pause_button.setEnabled(state == "running")
        self.resume_button.setEnabled(state == "paused")
        self.stop_button.setEnabled(state != "idle")
        self._update_play()

    # -- Play: replay the timeline at 0.25x-4x ----------------------------------------
    @property
    def playing(self) -> bool:
        return self.play_timer.isActive()

    def _update_play(self) -> None:
        can = self.timeline.isEnabled() and not self.run.running and len(self.run.timeline) > 1
        self.play_button.setEnabled(can)
        if not can and self.playing:
            self.stop_playing()

    def toggle_play(self) -> None:
        if self.playing:
            self.stop_playing()
        else:
            self.play()

    def play(self) -> None:
        """Replay the timeline from the slider's place (from the start when at the end)."""
        n = len(self.run.timeline)
        if n < 2 or self.run.running:
            return
        self._play_times = replay_times(self.run.timeline.snapshots)
        if self.timeline.value() >= n - 1:
            self.timeline.setValue(0)
        self._anchor_play()
        self.play_button.setText("❚❚ Pause")
        self.play_timer.start()

    def stop_playing(self) -> None:
        if self.playing:
            self.play_timer.stop()
        self.play_button.setText("▶ Play")

    def _anchor_play(self, index: int | None = None) -> None:
        index = self.timeline.value() if index is None else index
        at = float(self._play_times[index]) if index < len(self._play_times) else 0.0
        self._play_anchor = (time.perf_counter(), at)

    def _play_tick(self) -> None:
        times = self._play_times
        if len(times) != len(self.run.timeline) or self.run.running:
            self.stop_playing()
            return
        wall, at = self._play_anchor
        now = at + (time.perf_counter() - wall) * float(self.play_speed.currentData())
        due = min(int(np.searchsorted(times, now, side="right")) - 1, len(times) - 1)
        index = self.timeline.value()
        if due > index:  # one snapshot a tick at most: a busy moment slows the replay, never skips
            index += 1
            if due > index:
                self._anchor_play(index)
            self.timeline.setValue(index)  # shows the snapshot and its step, epoch and loss
        if index >= len(times) - 1:
            self.stop_playing()

    # -- compare inits ----------------------------------------------------------------
    def chosen_schemes(self) -> list[str]:
        return [self.race_schemes.item(i).data(Qt.UserRole) for i in range(self.race_schemes.count())
                if self.race_schemes.item(i).checkState() == Qt.Checked]

    def set_race_schemes(self, schemes) -> None:
        for i in range(self.race_schemes.count()):
            item = self.race_schemes.item(i)
            item.setCheckState(Qt.Checked if item.data(Qt.UserRole) in schemes else Qt.Unchecked)

    def _clear_race(self) -> None:
        self.loss_plot.end_race()
        self.race_view.clear()
        self.race_view.setVisible(False)
        self.race_curves = {}
        self.race_isotropy = {}
        self.race_status = {}
        self.race_identical = {}
        self._race_pending = {}
        self._race_progress = {}

    def start_race(self) -> None:
        self.tabs.setCurrentWidget(self.race_page)  # the race's plots are on the Compare inits tab
        schemes = self.chosen_schemes()
        if not 2 <= len(schemes) <= 4:
            self.controller.error.emit("Compare inits needs 2 to 4 schemes ticked")
            return
        if self.run.running or self._race_worker is not None:
            return
        self.stop_playing()
        config = self._run_config()
        self._race_epochs = config.epochs
        vocab = self.workspace.vocab
        base = self.workspace.state.init.copy()
        if self.workspace.dim:
            base = InitConfig(base.scheme, self.workspace.dim, base.seed)
        self._clear_race()
        colors = {scheme: RACE_COLORS[i] for i, scheme in enumerate(schemes)}
        names = {scheme: RACE_NAMES.get(scheme, scheme) for scheme in schemes}
        self.loss_plot.start_race(colors, names)
        for scheme in schemes:
            self.race_curves[scheme] = []
        point_colors, legend = category_colors(self.workspace.categories, len(vocab))
        self.race_view.start({s: (names[s], colors[s]) for s in schemes}, point_colors,
                             race_sample(len(vocab), seed=config.seed), len(vocab),
                             "colours as in the view" if legend else "")
        self._fit_tabs(self.tabs.currentIndex())
        self.race_result.setText("Preparing " + ", ".join(schemes) + "…")
        self.race_button.setEnabled(False)
        self.race_stop.setEnabled(True)
        self.start_button.setEnabled(False)

        def generator():
            starts = _initial_matrices(schemes, base, len(vocab), vocab.pad_id)
            yield None
            return (yield from race_frames(config.corpus, vocab, starts, config))

        self._race_worker = self.controller.jobs.start(
            generator, description="comparing inits", on_yield=self._on_race,
            on_error=self.controller._report, on_finished=self._race_done)
        fast_gil_switching(True)

    def stop_race(self) -> None:
        if self._race_worker is not None:
            self._race_worker.quit()

    def _on_race(self, item: RaceFrame | None) -> None:
        """Keep each report (cheap); draw a few times a second and at each run's end, so the
        GUI never falls behind the worker's reports (they would queue and freeze the window)."""
        if item is None or item.name not in self.race_curves:
            return
        name = item.name
        if item.step > 0 and np.isfinite(item.loss):
            self.race_curves[name].append((item.step, item.loss))
        if item.isotropy is not None:
            self.race_isotropy[name] = item.isotropy
        if item.coords is not None:
            self._race_pending[name] = item.coords
            self.race_identical[name] = not np.abs(item.coords).any()
        if item.step > 0:
            self.race_status[name] = item.epoch + 1
        self._race_progress[name] = item.progress
        now = time.perf_counter()
        if now - self._last_race_update >= PANEL_UPDATE_SECONDS or item.progress >= 1.0 or item.step == 0:
            self._last_race_update = now
            self._show_race()

    def _show_race(self) -> None:
        """Draw what the race reported since the last time (curves, layouts, texts)."""
        for name, curve in self.race_curves.items():
            if curve and len(curve) != len(self.loss_plot.race_data.get(name, ((),))[0]):
                xs, ys = zip(*curve)
                self.loss_plot.set_race_curve(name, xs, ys)
        for name, coords in self._race_pending.items():
            self.race_view.set_layout(name, coords)
        self._race_pending = {}
        for name, progress in self._race_progress.items():
            started = bool(self.race_curves.get(name))
            self.race_view.set_status(name, f"{100 * progress:.0f}%" if started else "start",
                                      "every row is identical: one point" if self.race_identical.get(name) else "")
        self.race_result.setText(self._race_text())

    def _race_text(self) -> str:
        """While racing, how far; at the end, each run's isotropy (the losses are over the plot)."""
        names = {scheme: RACE_NAMES.get(scheme, scheme) for scheme in self.race_curves}
        if self.race_isotropy:
            rows = [f"{names[s]} {self.race_isotropy[s]:.3f}" for s in self.race_curves if s in self.race_isotropy]
            same = [names[s] for s, flag in self.race_identical.items() if flag]
            return ("Final isotropy (1 = directions used evenly): " + " · ".join(rows)
                    + "".join(f". {name}: every row identical, one point" for name in same))
        epoch = min(self.race_status.values(), default=None)  # the slowest run's epoch
        status = "starting" if epoch is None else f"epoch {epoch} of {self._race_epochs}"
        return f"Racing {', '.join(names.values())}: {status}"

    def _race_done(self) -> None:
        fast_gil_switching(False)
        self._race_worker = None
        self._show_race()  # what the throttle held back
        self.race_button.setEnabled(True)
        self.race_stop.setEnabled(False)
        self._update_buttons()
        self.race_result.setText(self._race_text())
        self.race_finished.emit(dict(self.race_isotropy))

    # -- evaluate ---------------------------------------------------------------------
    def evaluate(self) -> None:
        sim, ana = self.similarity_path.text().strip(), self.analogies_path.text().strip()
        if not sim and not ana:
            self.controller.error.emit("choose a similarity file and/or an analogies file to evaluate")
            return
        if self.workspace.weights is None:
            return
        self.evaluation.setText("Evaluating…")
        self.controller.jobs.start(_evaluate, self.workspace.vocab, self.workspace.weights, sim, ana,
                                   description="evaluating", on_result=self._show_evaluation,
                                   on_error=self._evaluation_failed)

    def _evaluation_failed(self, exc) -> None:
        self.evaluation.setText("Evaluation failed")
        self.controller._report(exc)

    def _show_evaluation(self, result) -> None:
        lines = []
        if result.spearman is not None or result.pairs_used or result.pairs_oov:
            rho = "n/a" if result.spearman is None else f"{result.spearman:.3f}"
            lines.append(f"Spearman {rho} on {result.pairs_used} pairs ({result.pairs_oov} out of vocabulary)")
        if result.analogy_accuracy is not None or result.analogies_used or result.analogies_oov:
            acc = "n/a" if result.analogy_accuracy is None else f"{100 * result.analogy_accuracy:.1f}%"
            lines.append(f"Analogies {acc} of {result.analogies_used} ({result.analogies_oov} out of vocabulary)")
        self.evaluation.setText("\n".join(lines))
        self.evaluated.emit(result)
