"""Concept tours in the window: the Tours menu, the caption bar and the player.

The player applies a tour step (explorer.core.tours) to the app through the panels'
public methods, one part after the other, and waits for the work each part starts
(initialization, loading, training, projection) by polling a cheap "settled" condition
on a QTimer: the GUI never blocks. `step_ready(index)` fires when a step's work is
done; screenshots and tests wait on it. Leave (or Esc-free Leave button) stops the
tour at any step and keeps the state for free exploration.

While a tour runs, → / ← (and Page Down / Page Up, as presentation clickers send) step
through it; presentation mode's bookmark keys give way to the tour until it ends.
"""

from __future__ import annotations

import html
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QFont, QKeySequence
from PySide6.QtWidgets import (
    QFileDialog, QFrame, QHBoxLayout, QLabel, QPushButton, QSizePolicy, QVBoxLayout, QWidget,
)

from explorer.core import ExplorerError
from explorer.core.matrix.schemes import SCHEMES, InitConfig
from explorer.core.tours import INSPECTOR_TABS, Tour, fill_caption, find_tour, load_tour, shipped_tour_paths

POLL_MS = 25
PHASE_TIMEOUT_S = 180.0
TRAIL_FRAMES = 240
CAPTION_PT = 13.0  # caption text, normal window
PRESENT_CAPTION_PT = 24.0  # caption text in presentation mode: readable from the back of a room
STEP_KEYS_FORWARD = (Qt.Key_Right, Qt.Key_PageDown)
STEP_KEYS_BACK = (Qt.Key_Left, Qt.Key_PageUp)


def _load_tokenizer_vocab(path: str, fmt: str | None):
    from explorer.core.io.vocab_files import load_vocabulary

    return load_vocabulary(path, fmt)


def _chips(pieces, ids, display=None, unk_id=None, unk_token="<unk>", limit: int = 40) -> str:
    out = []
    unk = html.escape(unk_token)
    for piece, token_id in list(zip(pieces, ids))[:limit]:
        shown = html.escape(display(piece) if display else piece)
        if token_id is None:
            out.append(f"<span style='background:#fde2e2;color:#a00'>&nbsp;{shown}<sub>?</sub>&nbsp;</span>")
        elif token_id == unk_id:
            arrow = "" if shown == unk else f"→{unk}"
            out.append(f"<span style='background:#fff0c2;color:#7a4a00'>&nbsp;{shown}{arrow}"
                       f"<sub>{token_id}</sub>&nbsp;</span>")
        else:
            out.append(f"<span style='background:#e4ecf7;color:#123'>&nbsp;{shown}"
                       f"<sub style='color:#557'>{token_id}</sub>&nbsp;</span>")
    more = f" … (+{len(pieces) - limit})" if len(pieces) > limit else ""
    return " ".join(out) + more


class CaptionBar(QFrame):
    """Below the central view: title, caption, step k / n, Back / Next / Leave."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("tourCaptionBar")
        self.setFrameShape(QFrame.StyledPanel)
        self.setSizePolicy(QSizePolicy.Preferred, QSizePolicy.Maximum)
        self.tour_label = QLabel()
        self.tour_label.setObjectName("tourName")
        self.step_label = QLabel()
        self.step_label.setObjectName("tourStep")
        self.busy_label = QLabel()
        self.busy_label.setObjectName("tourBusy")
        self.caption = QLabel(wordWrap=True, textFormat=Qt.RichText)
        self.caption.setObjectName("tourCaption")
        self.caption.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.detail = QLabel(wordWrap=True, textFormat=Qt.RichText, visible=False)
        self.detail.setObjectName("tourDetail")
        self.detail.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.notes = QLabel(wordWrap=True, textFormat=Qt.RichText, visible=False)
        self.notes.setObjectName("tourNotes")
        self.back_button = QPushButton("◀ Back")
        self.next_button = QPushButton("Next ▶")
        self.leave_button = QPushButton("Leave tour")
        self.offer_button = QPushButton(visible=False)
        for button in (self.back_button, self.next_button, self.leave_button, self.offer_button):
            button.setFocusPolicy(Qt.NoFocus)  # arrows and Space stay with the tour, not a button
        self.back_button.setToolTip("Previous step (←)")
        self.next_button.setToolTip("Next step (→)")
        self.leave_button.setToolTip("Stop the tour here and explore freely")

        head = QHBoxLayout()
        head.addWidget(self.tour_label)
        head.addWidget(self.step_label)
        head.addWidget(self.busy_label)
        head.addStretch(1)
        head.addWidget(self.offer_button)
        head.addWidget(self.back_button)
        head.addWidget(self.next_button)
        head.addWidget(self.leave_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 8, 14, 10)
        layout.setSpacing(4)
        layout.addLayout(head)
        layout.addWidget(self.caption)
        layout.addWidget(self.detail)
        layout.addWidget(self.notes)
        self.presenting = False
        self.apply_style(None, False)

    def caption_point_size(self) -> float:
        return self.caption.font().pointSizeF()

    def apply_style(self, theme, presenting: bool) -> None:
        """Colours from the theme; in presentation mode, captions at a size a room can read."""
        self.presenting = presenting
        size = PRESENT_CAPTION_PT if presenting else CAPTION_PT
        caption_font = QFont(self.font())
        caption_font.setPointSizeF(size)
        self.caption.setFont(caption_font)
        detail_font = QFont(self.font())
        detail_font.setPointSizeF(size * 0.8)
        self.detail.setFont(detail_font)
        self.notes.setFont(detail_font)
        small = QFont(self.font())
        small.setPointSizeF(size * 0.75)
        bold = QFont(small)
        bold.setBold(True)
        self.tour_label.setFont(bold)
        for widget in (self.step_label, self.busy_label, self.back_button, self.next_button,
                       self.leave_button, self.offer_button):
            widget.setFont(small)
        background = theme.background if theme is not None else "#ffffff"
        foreground = theme.foreground if theme is not None else "#202124"
        dark = bool(theme is not None and theme.dark)
        accent = "#8ab4f8" if dark else "#1a73e8"
        self.setStyleSheet(
            f"QFrame#tourCaptionBar {{ background: {background}; border: none; "
            f"border-top: 3px solid {accent}; }}"
            f"QLabel#tourCaption, QLabel#tourDetail {{ color: {foreground}; }}"
            f"QLabel#tourName {{ color: {accent}; }}"
            f"QLabel#tourStep, QLabel#tourBusy {{ color: {'#bbbbbb' if dark else '#5f6368'}; }}"
            f"QLabel#tourNotes {{ color: {'#f6c26b' if dark else '#a05a00'}; }}")

    def show_step(self, tour: Tour, index: int, title: str, caption: str) -> None:
        self.tour_label.setText(tour.title)
        self.step_label.setText(f"step {index + 1} / {len(tour)}")
        heading = f"<b>{html.escape(title)}.</b> " if title else ""
        self.caption.setText(heading + caption)
        self.back_button.setEnabled(index > 0)
        self.next_button.setText("Finish ✓" if index == len(tour) - 1 else "Next ▶")

    def set_busy(self, text: str) -> None:
        self.busy_label.setText(f"· {text}…" if text else "")

    def set_notes(self, notes: list[str]) -> None:
        self.notes.setText("<br>".join(f"⚠ {html.escape(n)}" for n in notes))
        self.notes.setVisible(bool(notes))

    def set_detail(self, rows: list[tuple[str, str]]) -> None:
        if not rows:
            self.detail.clear()
            self.detail.setVisible(False)
            return
        cells = "".join(f"<tr><td style='padding-right:10px; white-space:nowrap'><b>{html.escape(label)}</b></td>"
                        f"<td>{chips}</td></tr>" for label, chips in rows)
        self.detail.setText(f"<table cellspacing='3'>{cells}</table>")
        self.detail.setVisible(True)


class TourPlayer(QObject):
    """Runs a Tour in the window. Public: start(tour, index), next(), back(), go_to(i), leave()."""

    started = Signal(object)  # Tour
    step_started = Signal(int)
    step_ready = Signal(int)  # the step's work is done (its view, training, lookups shown)
    left = Signal()

    def __init__(self, window) -> None:
        super().__init__(window)
        self.window = window
        self.tour: Tour | None = None
        self.index = -1
        self.busy = False
        self.errors: list[str] = []  # messages the app reported during the current step
        self.notes: list[str] = []
        self._phases: list = []
        self._waiting = None
        self._generation = 0
        self._flags: dict[str, bool] = {}
        self._trail_ids: list[int] = []
        self._trail_history: list[np.ndarray] = []
        self._tokenizer_cache: dict[str, object] = {}
        self._detail_rows: list = []
        self._offer_kind: str | None = None

        # The caption bar goes under the central view (inside the central widget, so it stays
        # on screen in presentation mode, when docks and tool bars are hidden).
        self.bar = CaptionBar()
        self.bar.setVisible(False)
        central = window.takeCentralWidget()
        host = QWidget()
        host.setObjectName("tourHost")
        layout = QVBoxLayout(host)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(central, 1)
        layout.addWidget(self.bar)
        window.setCentralWidget(host)
        self.bar.back_button.clicked.connect(self.back)
        self.bar.next_button.clicked.connect(self.next)
        self.bar.leave_button.clicked.connect(self.leave)
        self.bar.offer_button.clicked.connect(self._offer_open)

        self._poll = QTimer(self)
        self._poll.setInterval(POLL_MS)
        self._poll.timeout.connect(self._tick)

        self.next_action = QAction("&Next step", window, triggered=self.next, enabled=False)
        self.next_action.setShortcuts([QKeySequence(k) for k in STEP_KEYS_FORWARD])
        self.back_action = QAction("&Previous step", window, triggered=self.back, enabled=False)
        self.back_action.setShortcuts([QKeySequence(k) for k in STEP_KEYS_BACK])
        self.leave_action = QAction("&Leave tour", window, triggered=self.leave, enabled=False)
        self.open_action = QAction("&Open tour file…", window, triggered=self.open_dialog)
        self.show_code_action = QAction("Show &code…", window, triggered=self.show_code)
        for action in (self.next_action, self.back_action):
            window.addAction(action)  # the keys work with the menu bar hidden (presentation mode)

        controller = window.controller
        controller.error.connect(self._app_error)
        window.workspace.events.vocab_changed.connect(lambda *_: self._flag("vocab"))
        window.workspace.events.weights_changed.connect(self._weights_changed)
        window.train_panel.run.finished.connect(lambda *_: self._flag("trained"))
        window.train_panel.run.frame.connect(self._training_frame)
        window.train_panel.race_finished.connect(lambda *_: self._flag("raced"))
        window.vocab_panel.loaded.connect(lambda *_: self._flag("vocab_loaded"))
        window.vocab_panel.load_failed.connect(lambda *_: self._flag("vocab_loaded"))
        presentation = getattr(window, "presentation", None)
        if presentation is not None:
            presentation.toggled.connect(self._presentation_toggled)

    # -- menu ------------------------------------------------------------------------------
    def populate_menu(self, menu) -> None:
        for i, path in enumerate(shipped_tour_paths(), 1):
            try:
                tour = load_tour(path)
            except ExplorerError as exc:  # a broken shipped file: say so in the menu, not at start
                action = QAction(f"{path.name}: invalid", self.window, enabled=False)
                action.setToolTip(str(exc))
                menu.addAction(action)
                continue
            action = QAction(f"&{i}  {tour.title}" if i < 10 else tour.title, self.window,
                             triggered=lambda _=False, p=path: self.start_file(p))
            action.setToolTip(tour.summary)
            action.setStatusTip(tour.summary)
            menu.addAction(action)
        menu.setToolTipsVisible(True)
        menu.addSeparator()
        menu.addAction(self.open_action)
        menu.addSeparator()
        menu.addAction(self.next_action)
        menu.addAction(self.back_action)
        menu.addAction(self.leave_action)
        menu.addSeparator()
        menu.addAction(self.show_code_action)

    def open_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self.window, "Open a tour", "", "Tours (*.json);;All files (*)")
        if path:
            self.start_file(path)

    def start_file(self, path) -> None:
        try:
            tour = load_tour(path)
        except ExplorerError as exc:
            self.window.controller.error.emit(str(exc))
            return
        self.start(tour)

    def start_named(self, name: str, index: int = 0) -> None:
        """A shipped tour by number or name, or a tour file (the --tour option)."""
        self.start(find_tour(name), index)

    def show_code(self):
        from explorer.ui.show_code import ShowCodeDialog

        dialog = ShowCodeDialog(self.window)
        dialog.setAttribute(Qt.WA_DeleteOnClose)
        dialog.show()
        return dialog

    # -- stepping --------------------------------------------------------------------------
    @property
    def active(self) -> bool:
        return self.tour is not None

    def start(self, tour: Tour, index: int = 0) -> None:
        if self.tour is not None:
            self.leave()
        self.tour = tour
        self.index = -1
        self.bar.setVisible(True)
        for action in (self.next_action, self.back_action, self.leave_action):
            action.setEnabled(True)
        self._take_arrow_keys(True)
        self._style()
        self.started.emit(tour)
        self.go_to(max(0, min(index, len(tour) - 1)))

    def next(self) -> None:
        if self.tour is None:
            return
        if self.index >= len(self.tour) - 1:
            self.leave()
        else:
            self.go_to(self.index + 1)

    def back(self) -> None:
        if self.tour is not None and self.index > 0:
            self.go_to(self.index - 1)

    def leave(self) -> None:
        """Stop the tour here: what it set up stays, to be explored freely."""
        if self.tour is None:
            return
        self._generation += 1
        self._poll.stop()
        self._phases, self._waiting = [], None
        self.busy = False
        self.tour = None
        self.index = -1
        self.bar.setVisible(False)
        for action in (self.next_action, self.back_action, self.leave_action):
            action.setEnabled(False)
        self._take_arrow_keys(False)
        self.left.emit()

    def go_to(self, index: int) -> None:
        tour = self.tour
        if tour is None or not 0 <= index < len(tour):
            return
        # Next after a finished step plays just the new step; Back, a jump or a start in the
        # middle replays from the last step that sets up a vocabulary, so the state is the
        # one the step was written for.
        sequential = index == self.index + 1 and not self.busy
        first = index if sequential else self._anchor(index)
        self._generation += 1
        self._poll.stop()
        self._waiting = None
        self.index = index
        self.errors, self.notes = [], []
        step = tour.steps[index]
        data, missing = tour.effective(step)
        for path in missing:
            self.notes.append(f"{path} is not here" + (": showing something else instead"
                                                       if "if_missing" in step.data else ": skipped"))
        self._data = data
        ws = self.window.workspace
        self._style()
        self.bar.show_step(tour, index, data.get("title", ""),
                           html.escape(fill_caption(data["caption"], ws.vocab, ws.weights)))
        self.bar.set_notes(self.notes)
        self.bar.set_detail([])
        self.bar.offer_button.setVisible(False)
        self._detail_rows = []
        self._flags = {}
        self._phases = [("initializing", self._ensure_matrix)]
        for j in range(first, index):
            earlier, earlier_missing = tour.effective(tour.steps[j])
            self._phases += [(f"replaying step {j + 1}: {name}" if name else "", fn)
                             for name, fn in self._plan(earlier, earlier_missing)]
        self._phases += self._plan(data, missing)
        self.busy = True
        self.step_started.emit(index)
        self._run_phases()

    def _anchor(self, index: int) -> int:
        """The last step at or before `index` that sets up a vocabulary (0 when none does)."""
        for j in range(index, -1, -1):
            data, _missing = self.tour.effective(self.tour.steps[j])
            vectors = data.get("vectors")
            if "vocab" in data or (vectors is not None and vectors.get("mode", "file") == "file"):
                return j
        return 0

    # -- the phases of one step ----------------------------------------------------------------
    def _plan(self, data: dict, missing: list[str]) -> list:
        phases = [("stopping", self._stop_running)]
        skip_files = set(missing)
        if "vocab" in data and not (isinstance(data["vocab"], dict) and data["vocab"].get("file") in skip_files):
            phases.append(("vocabulary", lambda: self._vocab(data["vocab"], data.get("init"))))
        if "vectors" in data and data["vectors"]["file"] not in skip_files \
                and data["vectors"].get("vocab_file") not in skip_files:
            phases.append(("loading vectors", lambda: self._vectors(data["vectors"])))
        if "init" in data:
            phases.append(("initializing", lambda: self._init(data["init"])))
        if "matrix" in data:
            phases.append(("building the matrix", lambda: self._matrix(data["matrix"])))
        if "projection" in data or "view" in data:
            phases.append(("projecting", lambda: self._projection(data.get("projection", {}), data.get("view"))))
        if "select" in data:
            phases.append(("selecting", lambda: self._select(data["select"])))
        if "train" in data:
            phases.append(("training", lambda: self._train(data["train"])))
        if data.get("projection", {}).get("refit"):  # fit the projection to the trained matrix
            phases.append(("re-fitting the projection", lambda: self.window.controller.refit()))
            phases.append(("", self._retrail))
        if "race" in data:
            phases.append(("racing inits", lambda: self._race(data["race"])))
        if "compare_inits" in data:
            phases.append(("comparing inits", lambda: self._compare(data["compare_inits"])))
        else:
            phases.append(("", self._hide_compare))
        if "inspector" in data:
            phases.append(("inspecting", lambda: self._inspector(data["inspector"])))
        if "tokenize" in data:
            phases.append(("tokenizing", lambda: self._tokenize(data["tokenize"])))
        if "offer_open" in data:
            phases.append(("", lambda: self._offer(data["offer_open"])))
        if "show" in data:
            phases.append(("", lambda: self._show_docks(data["show"])))
        return phases

    def _run_phases(self) -> None:
        generation = self._generation
        while self._phases:
            name, fn = self._phases.pop(0)
            self.bar.set_busy(name)
            try:
                condition = fn()
            except ExplorerError as exc:
                self._note(str(exc))
                continue
            if generation != self._generation:
                return
            self._waiting = (condition, time.monotonic(), name, len(self.errors))
            self._poll.start()
            return
        self._finish()

    def _tick(self) -> None:
        if self._waiting is None:
            self._poll.stop()
            return
        condition, since, name, errors = self._waiting
        failed = len(self.errors) > errors  # the app reported a problem: do not wait for success
        done = (condition is None or condition() or failed) and self._settled_or_failed(failed)
        if not done and time.monotonic() - since > PHASE_TIMEOUT_S:
            self._note(f"gave up waiting for {name or 'the step'}")
            done = True
        if done:
            self._poll.stop()
            self._waiting = None
            self._run_phases()

    def _settled(self) -> bool:
        """No job runs (init, load, training, projection, lookups) and the view shows the matrix."""
        controller = self.window.controller
        return (controller.jobs.active == 0 and not self.window.train_panel.run.running
                and self.window.workspace.weights is not None and controller.up_to_date)

    def _settled_or_failed(self, failed: bool) -> bool:
        if failed:
            return self.window.controller.jobs.active == 0 and not self.window.train_panel.run.running
        return self._settled()

    def _finish(self) -> None:
        self.busy = False
        if self.window.view_mode == "2d" and self.window.scatter2d.point_count:
            self.window.scatter2d.fit()  # a new matrix may lie far outside the previous view
        self.bar.set_busy("")
        ws = self.window.workspace
        caption = html.escape(fill_caption(self._data["caption"], ws.vocab, ws.weights))
        self.bar.show_step(self.tour, self.index, self._data.get("title", ""), caption)
        notes = self.notes + [e for e in self.errors if e not in self.notes]
        self.bar.set_notes(notes)
        self.step_ready.emit(self.index)

    def _note(self, text: str) -> None:
        self.notes.append(text)
        self.bar.set_notes(self.notes)

    def _flag(self, name: str) -> None:
        self._flags[name] = True

    def _flagged(self, name: str):
        self._flags.pop(name, None)
        return lambda: self._flags.get(name, False)

    def _app_error(self, message: str) -> None:
        if self.busy:
            self.errors.append(message)

    def _weights_changed(self, _weights, reason: str = "") -> None:
        self._flag("weights")
        if reason.startswith("init pretrained"):
            self._flag("mapped")

    # -- each part -------------------------------------------------------------------------------
    def _ensure_matrix(self):
        """Nothing to show yet (the window has just opened): the default matrix first."""
        controller = self.window.controller
        if self.window.workspace.weights is None and controller.jobs.active == 0:
            controller.reinitialize()
        return None

    def _stop_running(self):
        panel = self.window.train_panel
        if panel.run.running:
            panel.run.stop()
        panel.stop_race()
        return None

    def _clear_trails(self) -> None:
        self._trail_ids, self._trail_history = [], []
        self.window.scatter2d.set_trails([], [])

    def _resolve_path(self, path: str) -> Path:
        found = self.tour.resolve(path) if self.tour is not None else None
        if found is None:
            raise ExplorerError(f"{path} is not here")
        return found

    def _config(self, spec: dict | None, vocab_size: int) -> InitConfig:
        current = self.window.workspace.init_config
        spec = spec or {}
        scheme = spec.get("scheme", current.scheme)
        dim = spec.get("dim", current.dim)
        if dim == "vocab":
            dim = vocab_size
        params = dict(spec.get("params", {})) if "params" in spec or "scheme" in spec else dict(current.params)
        params = {k: v for k, v in params.items() if k in SCHEMES[scheme].params}
        return InitConfig(scheme, int(dim), int(spec.get("seed", current.seed)), params)

    def _vocab(self, spec, init_spec):
        from explorer.core.tours import build_vocab_spec

        ws = self.window.workspace
        self._clear_trails()
        if isinstance(spec, dict) and "file" in spec:
            path = self._resolve_path(spec["file"])
            if ws.vocab.source and Path(ws.vocab.source).resolve() == path:
                self._inited_in_vocab = False
                return None
            self._inited_in_vocab = init_spec is not None and init_spec.get("dim") != "vocab"
            if self._inited_in_vocab:
                ws.init_config = self._config(init_spec, 1)
                self.window.init_panel.set_config(ws.init_config)
            self.window.vocab_panel.load(path, spec.get("format"))
            return self._flagged("vocab_loaded")
        vocab, categories = build_vocab_spec(spec)
        if ws.vocab.tokens == vocab.tokens and ws.vocab.kind == vocab.kind and ws.weights is not None:
            self._inited_in_vocab = False
            return None
        if init_spec is not None:
            ws.init_config = self._config(init_spec, len(vocab))
            self.window.init_panel.set_config(ws.init_config)
        self._inited_in_vocab = init_spec is not None
        self._flags.pop("vocab", None)
        ws.set_vocab(vocab, categories)  # the controller initializes it with ws.init_config
        return None

    def _vectors(self, spec):
        panel = self.window.init_panel
        path = self._resolve_path(spec["file"])
        vocab_file = self._resolve_path(spec["vocab_file"]) if "vocab_file" in spec else None
        mode = spec.get("mode", "file")
        ws = self.window.workspace
        if mode == "file" and panel.loaded is not None and panel.loaded_path == str(path) \
                and panel.loaded.vocab is ws.vocab and panel.loaded.weights is ws.weights:
            self._inited_in_vocab = False
            return None  # this very table is shown already
        self._clear_trails()
        panel.loaded_path = None  # a new file: no reload of the previous one
        panel.set_vocab_file(str(vocab_file) if vocab_file else None)
        panel.set_mode(mode)
        panel.open_vectors(str(path), apply=True, tensor_name=spec.get("tensor"))
        self._inited_in_vocab = False
        return self._flagged("mapped" if mode == "map" else "vocab")

    def _init(self, spec):
        ws = self.window.workspace
        config = self._config(spec, len(ws.vocab))
        self._clear_trails()
        if getattr(self, "_inited_in_vocab", False) and config == ws.init_config:
            self._inited_in_vocab = False
            return None  # the new vocabulary was initialized with it already
        self.window.init_panel.set_config(config)
        self.window.controller.reinitialize(config)
        return None

    def _matrix(self, kind: str):
        ws = self.window.workspace
        self._clear_trails()
        if kind == "ids":  # the integer encoding: each row is [ID, 0]
            ids = np.arange(len(ws.vocab), dtype=np.float32)
            weights = np.stack([ids, np.zeros_like(ids)], axis=1)
            ws.init_config = replace(ws.init_config, dim=2)
            ws.set_weights(weights, "init ids", initial=True)
        return None

    def _projection(self, spec: dict, view: str | None):
        window = self.window
        changes = {k: spec[k] for k in ("method", "sphereize", "perplexity", "sample") if k in spec}
        if changes:
            window.controller.set_settings(**changes)
        mode = view or ({2: "2d", 3: "3d"}.get(spec.get("dims")) if "dims" in spec else None)
        if mode and mode != window.view_mode:
            window.set_view(mode)
        return None

    def _ids(self, tokens) -> list[int]:
        vocab = self.window.workspace.vocab
        out = []
        for token in tokens:
            if isinstance(token, int):
                if 0 <= token < len(vocab):
                    out.append(token)
                else:
                    self._note(f"ID {token} is outside this vocabulary (0..{len(vocab) - 1})")
                continue
            token_id = vocab.id_of(token)
            if token_id is None:
                from explorer.core.analysis.lookup import resolve

                try:
                    token_id = resolve(vocab, token)
                except ExplorerError:
                    self._note(f"{token!r} is not in this vocabulary")
                    continue
            out.append(token_id)
        return out

    def _select(self, tokens):
        self.window.workspace.select(self._ids(tokens))  # the view labels and rings the selection
        return None

    def _train(self, spec: dict):
        panel = self.window.train_panel
        self.window.docks["Training"].raise_()
        panel.tabs.setCurrentIndex(0)
        panel.set_corpus(None)
        panel.new_vocab.setChecked(False)
        objective = spec.get("objective", "sgns")
        panel.objective.setCurrentIndex(panel.objective.findData(objective))
        if "lr" in spec:
            panel.lr.setValue(float(spec["lr"]))
        panel.epochs.setValue(int(spec.get("epochs", 5)))
        panel.seed.setValue(int(spec.get("seed", 0)))
        for key, box in (("window", panel.window_size), ("negative", panel.negative)):
            if key in spec:
                box.setValue(int(spec[key]))
        panel.learnable.setChecked(not spec.get("freeze", False))
        self._clear_trails()
        self._trail_ids = self._ids(spec.get("trails", []))
        condition = self._flagged("trained")
        panel.start()
        return condition

    def _training_frame(self, frame) -> None:
        coords = getattr(frame, "coords", None)
        if not self._trail_ids or coords is None or len(coords) != len(self.window.workspace.vocab):
            return
        if self.window.view_mode != "2d":
            return
        self._trail_history.append(np.asarray(coords[self._trail_ids, :2], dtype=np.float32).copy())
        if len(self._trail_history) > TRAIL_FRAMES:
            self._trail_history = self._trail_history[::2]
        try:
            self.window.scatter2d.set_trails(self._trail_ids, self._trail_history)
        except ValueError:
            pass

    def _retrail(self):
        """Trails drawn in the live view's basis, redrawn in the re-fitted one from the run's timeline."""
        window = self.window
        timeline = window.train_panel.run.timeline
        projection = window.controller.projection
        if not self._trail_ids or not len(timeline) or projection is None or window.view_mode != "2d":
            return None
        from explorer.core.projection.project import project

        try:
            if projection.ids is not None:  # a sample: the trail tokens may not be in it
                return None
            history = [project(snap.weights, projection.settings, projection).coords[self._trail_ids, :2]
                       for snap in timeline.snapshots if snap.weights.shape == window.workspace.weights.shape]
            if history:
                self._trail_history = history
                window.scatter2d.set_trails(self._trail_ids, history)
        except (ExplorerError, ValueError, IndexError):
            window.scatter2d.set_trails([], [])
        return None

    def _race(self, spec: dict):
        panel = self.window.train_panel
        self.window.docks["Training"].raise_()
        panel.objective.setCurrentIndex(panel.objective.findData("sgns"))
        panel.set_corpus(None)
        panel.epochs.setValue(int(spec.get("epochs", 3)))
        panel.set_race_schemes(spec["schemes"])
        panel.tabs.setCurrentIndex(1)
        condition = self._flagged("raced")
        panel.start_race()
        return condition

    def _compare(self, entries: list):
        ws = self.window.workspace
        dialog = self.window.init_panel.open_compare()
        dialog.table.setRowCount(0)
        for entry in entries:
            dim = entry.get("dim", ws.dim or ws.init_config.dim)
            dialog.add_entry(entry["scheme"], dict(entry.get("params", {})),
                             len(ws.vocab) if dim == "vocab" else int(dim))
        if "seed" in entries[0]:
            dialog.seed.setValue(int(entries[0]["seed"]))
        flag = "compared"
        self._flags.pop(flag, None)
        if not getattr(dialog, "_tour_connected", False):
            dialog.compared.connect(lambda *_: self._flag("compared"))
            dialog._tour_connected = True
        dialog.run()
        return lambda: self._flags.get(flag, False)

    def _hide_compare(self):
        dialog = self.window.init_panel.compare_dialog
        if dialog is not None and dialog.isVisible():
            dialog.hide()
        return None

    def _inspector(self, spec: dict):
        window = self.window
        panel = window.inspector_panel
        window.docks["Inspector"].raise_()
        if "metric" in spec:
            panel.metric_box.setCurrentIndex(panel.metric_box.findData(spec["metric"]))
        if "k" in spec:
            panel.k.setValue(int(spec["k"]))
        if "tab" in spec:
            panel.tabs.setCurrentIndex(panel.TABS.index(INSPECTOR_TABS[spec["tab"]]))
        if "token" in spec:
            ids = self._ids([spec["token"]])
            if ids:
                window.workspace.set_current(ids[0])
        if "ids" in spec:
            ids = self._ids(spec["ids"])
            if ids:
                panel.ids_edit.setText(", ".join(str(i) for i in ids))
                panel.run_one_hot()
        if spec.get("example") == "teaching":
            panel.show_teaching_example()
        elif "sentence" in spec or "positions" in spec:
            if "sentence" in spec:
                panel.sentence_edit.setText(spec["sentence"])
            if "positions" in spec:
                panel.pe_kind.blockSignals(True)
                panel.pe_kind.setCurrentIndex(panel.pe_kind.findData(spec["positions"]))
                panel.pe_kind.blockSignals(False)
            panel.run_sentence()
        if "analogy" in spec:
            for edit, text in zip((panel.analogy_a, panel.analogy_b, panel.analogy_c), spec["analogy"]):
                edit.setText(text)
            panel.run_analogy()
        return None

    def _tokenize(self, spec: dict):
        text = spec["text"]
        self.window.vocab_panel.tokenize_input.setText(text)
        rows = spec.get("tokenizers") or [{}]
        self._detail_rows = [None] * len(rows)
        pending = {"n": 0}
        for i, row in enumerate(rows):
            if "file" not in row:
                vocab = self.window.workspace.vocab
                self._set_row(i, row.get("label", "this vocabulary"), vocab, text)
                continue
            label = row.get("label", Path(row["file"]).name)
            path = self.tour.resolve(row["file"]) if self.tour is not None else None
            if path is None:
                self._detail_rows[i] = (label, f"<i>{html.escape(row['file'])} is not here: skipped</i>")
                continue
            key = f"{path}|{row.get('format')}"
            if key in self._tokenizer_cache:
                self._set_row(i, label, self._tokenizer_cache[key], text)
                continue
            pending["n"] += 1
            generation = self._generation

            def loaded(vocab, i=i, label=label, key=key, generation=generation):
                self._tokenizer_cache[key] = vocab
                pending["n"] -= 1
                if generation == self._generation:
                    self._set_row(i, label, vocab, text)

            def failed(exc, i=i, label=label, generation=generation):
                pending["n"] -= 1
                if generation == self._generation:
                    self._detail_rows[i] = (label, f"<i>{html.escape(str(exc))}</i>")
                    self.bar.set_detail([r for r in self._detail_rows if r])

            self.window.controller.jobs.start(_load_tokenizer_vocab, str(path), row.get("format"),
                                              description=f"loading {path.name}", on_result=loaded,
                                              on_error=failed)
        self.bar.set_detail([r for r in self._detail_rows if r])
        return lambda: pending["n"] == 0

    def _set_row(self, i: int, label: str, vocab, text: str) -> None:
        try:
            pieces, ids = vocab.encode(text)
        except Exception as exc:  # a tokenizer problem must not stop the tour
            self._detail_rows[i] = (label, f"<i>{html.escape(str(exc))}</i>")
        else:
            display = getattr(vocab.tokenizer, "display_piece", None)
            name = f"{label} ({len(vocab):,} tokens)"
            unk = vocab.tokens[vocab.unk_id] if vocab.unk_id is not None else "<unk>"
            self._detail_rows[i] = (name, _chips(pieces, ids, display, vocab.unk_id, unk))
        self.bar.set_detail([r for r in self._detail_rows if r])

    def _offer(self, spec: dict):
        self._offer_kind = spec["kind"]
        self.bar.offer_button.setText(spec.get("label", f"Open your own {spec['kind']}…"))
        self.bar.offer_button.setVisible(True)
        return None

    def _offer_open(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self.window, self.bar.offer_button.text().rstrip("…"))
        if path:
            self.window.controller.open_path(path, self._offer_kind)

    def _show_docks(self, names):
        presentation = getattr(self.window, "presentation", None)
        if presentation is not None and presentation.active:
            return None  # presenting: the view and the caption only
        for name in names:
            dock = self.window.docks.get(name)
            if dock is not None:
                dock.show()
                dock.raise_()
        return None

    # -- keys and presentation mode --------------------------------------------------------------------
    def _take_arrow_keys(self, take: bool) -> None:
        """While a tour runs, the plain step keys belong to it; bookmarks keep Alt+→ / Alt+←."""
        presentation = getattr(self.window, "presentation", None)
        if presentation is None:
            return
        if take:
            ours = {QKeySequence(k) for k in STEP_KEYS_FORWARD + STEP_KEYS_BACK}
            ours |= {QKeySequence(Qt.Key_Space), QKeySequence(Qt.Key_Backspace)}
            for action in (presentation.next_action, presentation.previous_action):
                action.setShortcuts([s for s in action.shortcuts() if s not in ours])
        elif hasattr(presentation, "_set_step_keys"):
            presentation._set_step_keys(presentation.active)

    def _presentation_toggled(self, _active: bool) -> None:
        if self.active:
            self._take_arrow_keys(True)
        self._style()

    def _style(self) -> None:
        presentation = getattr(self.window, "presentation", None)
        self.bar.apply_style(self.window.theme, bool(presentation and presentation.active))
