"""Concept tours in the window: the Tours menu, the caption bar and the player.

The player applies a tour step (explorer.core.tours) by writing the state (`state.init`,
`state.projection`, `state.train`, `state.explore`, ...) and calling the public action
that does the work (`controller.reinitialize()`, `controller.refit()`, the Training panel's
`start()`, ...), one part after the other. It waits for the work each part starts
(initialization, loading, training, projection) by polling a cheap "settled" condition
on a QTimer: the GUI never blocks. `step_ready(index)` fires when a step's work is
done; screenshots and tests wait on it. Leave stops the tour at any step and keeps the
state for free exploration.

The position is `state.presentation.tour` / `tour_step`: the Tours menu, Back / Next and
the --tour option write it, and the player follows. While a tour runs, → / ← (and Page
Down / Page Up, as presentation clickers send) step through it; presentation mode's
bookmark keys follow the same field and give way until it ends.

A training step's trails are kept as the trail tokens' weight rows (explorer.core.tours.Trails)
and drawn through the projection shown (`state.fit`): after a re-fit, a sign flip or a new
projection they still end at their tokens' points.
"""

from __future__ import annotations

import html
import time
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QFont, QKeySequence
from PySide6.QtWidgets import (
    QFileDialog, QFrame, QHBoxLayout, QLabel, QPushButton, QSizePolicy, QVBoxLayout, QWidget,
)

from explorer.core import ExplorerError
from explorer.core.matrix.schemes import SCHEMES, InitConfig
from explorer.core.tours import (
    INSPECTOR_TABS, Tour, Trails, build_vocab_spec, fill_caption, find_tour, load_tour, shipped_tour_paths,
    race_summary, step_docks, word_pieces,
)
from explorer.ui.chips import token_chips

POLL_MS = 25
PHASE_TIMEOUT_S = 180.0
CAPTION_PT = 13.0  # caption text, normal window
PRESENT_CAPTION_PT = 24.0  # caption text in presentation mode: readable from the back of a room
MIN_CAPTION_PT = {False: 10.0, True: 16.0}  # a long caption shrinks to fit, down to this (presenting: True)
MAX_BAR_SHARE = 0.45  # of the window's height: the rest stays the view's
STEP_KEYS_FORWARD = (Qt.Key_Right, Qt.Key_PageDown)
STEP_KEYS_BACK = (Qt.Key_Left, Qt.Key_PageUp)
NO_BASIS_TRAILS = ("Trails hidden: a t-SNE or UMAP layout has no basis to draw the training's earlier "
                   "frames through (PCA or SVD shows them again)")


def _load_tokenizer_vocab(path: str, fmt: str | None):
    from explorer.core.io.vocab_files import load_vocabulary

    return load_vocabulary(path, fmt)


class CaptionBar(QFrame):
    """Below the central view: title, caption, step k / n, Back / Next / Leave."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("tourCaptionBar")
        self.setFrameShape(QFrame.StyledPanel)
        self.setSizePolicy(QSizePolicy.Preferred, QSizePolicy.Maximum)
        # Word-wrapped, so a long tour name wraps instead of holding the view (and presenting, the
        # dock the caption names) to its width.
        self.tour_label = QLabel(wordWrap=True)
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
        head.addWidget(self.tour_label, 1)  # takes the free width: it wraps only when it must
        head.addWidget(self.step_label)
        head.addWidget(self.busy_label)
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
        self._size = CAPTION_PT
        self._fitting = False
        self.apply_style(None, False)

    def caption_point_size(self) -> float:
        return self.caption.font().pointSizeF()

    def apply_style(self, theme, presenting: bool) -> None:
        """Colours from the theme; in presentation mode, captions at a size a room can read."""
        self.presenting = presenting
        self._size = PRESENT_CAPTION_PT if presenting else CAPTION_PT
        self._set_fonts(self._size)
        self._style_colours(theme)
        self.fit()

    def _set_fonts(self, size: float) -> None:
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

    def _style_colours(self, theme) -> None:
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

    def fit(self) -> None:
        """The whole caption on screen: the bar takes the height its text needs at its width, up to
        MAX_BAR_SHARE of the area it shares with the view; a caption longer than that is set smaller
        (down to MIN_CAPTION_PT) rather than cut off."""
        if self._fitting or not self.isVisible() or self.width() <= 0:
            return
        self._fitting = True
        try:
            layout = self.layout()
            window = self.window()
            limit = round(window.height() * MAX_BAR_SHARE) if window is not self else 10 ** 6
            size, floor = self._size, MIN_CAPTION_PT[self.presenting]
            while True:
                self._set_fonts(size)
                layout.activate()
                need = layout.totalHeightForWidth(self.width())
                if need <= limit or size <= floor:
                    break
                size = max(floor, size - 1.0)
            self.setMinimumHeight(min(need, limit))  # never more: the window must not outgrow the screen
        finally:
            self._fitting = False

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        if event.oldSize().width() != event.size().width():
            QTimer.singleShot(0, self, self.fit)  # the text wraps anew at the new width

    def showEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().showEvent(event)
        QTimer.singleShot(0, self, self.fit)

    def show_step(self, tour: Tour, index: int, title: str, caption: str) -> None:
        self.tour_label.setText(tour.title)
        self.step_label.setText(f"step {index + 1} / {len(tour)}")
        heading = f"<b>{html.escape(title)}.</b> " if title else ""
        self.caption.setText(heading + caption)
        self.back_button.setEnabled(index > 0)
        self.next_button.setText("Finish ✓" if index == len(tour) - 1 else "Next ▶")
        self.fit()

    def set_busy(self, text: str) -> None:
        self.busy_label.setText(f"· {text}…" if text else "")

    def set_notes(self, notes: list[str]) -> None:
        self.notes.setText("<br>".join(f"⚠ {html.escape(n)}" for n in notes))
        self.notes.setVisible(bool(notes))
        self.fit()

    def set_detail(self, rows: list[tuple[str, str]]) -> None:
        if not rows:
            self.detail.clear()
            self.detail.setVisible(False)
            self.fit()
            return
        cells = "".join(f"<tr><td style='padding-right:10px; white-space:nowrap'><b>{html.escape(label)}</b></td>"
                        f"<td>{chips}</td></tr>" for label, chips in rows)
        self.detail.setText(f"<table cellspacing='3'>{cells}</table>")
        self.detail.setVisible(True)
        self.fit()


class TourPlayer(QObject):
    """Runs a Tour in the window. Public: start(tour, index), start_file(path), next(), back(), leave()."""

    started = Signal(object)  # Tour
    step_started = Signal(int)
    step_ready = Signal(int)  # the step's work is done (its view, training, lookups shown)
    left = Signal()

    def __init__(self, window) -> None:
        super().__init__(window)
        self.window = window
        self.state = window.state
        self.tour: Tour | None = None
        self.index = -1
        self.busy = False
        self.errors: list[str] = []  # messages the app reported during the current step
        self.notes: list[str] = []
        self.trails = Trails()  # the current training step's trail tokens, frame by frame
        self._ref: str | None = None  # the state.presentation.tour the running tour came from
        self._data: dict = {}
        self._phases: list = []
        self._waiting = None
        self._generation = 0
        self._flags: dict[str, bool] = {}
        self._inited_in_vocab = False
        self._compare_dialog = None  # the Compare dialog whose results we wait for
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
        bookmark_caption = getattr(getattr(window, "presentation", None), "caption", None)
        if bookmark_caption is not None:  # presentation mode's bookmark caption: a strip above the view
            layout.addWidget(bookmark_caption)
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

        window.controller.error.connect(self._app_error)
        workspace = window.workspace
        workspace.events.vocab_changed.connect(self._vocab_changed)
        workspace.events.weights_changed.connect(self._weights_changed)
        window.train_panel.run.finished.connect(lambda *_: self._flag("trained"))
        window.train_panel.run.frame.connect(self._training_frame)
        window.train_panel.race_finished.connect(lambda *_: self._flag("raced"))
        window.vocab_panel.loaded.connect(lambda *_: self._flag("vocab_loaded"))
        window.vocab_panel.load_failed.connect(lambda *_: self._flag("vocab_loaded"))
        self.state.presentation.events.changed.connect(self._presentation_changed)
        window.presentation.presenting_changed.connect(self._presenting_changed)
        self.state.view.events.theme.connect(lambda _name: self._style())
        self.state.fit.events.projection.connect(self._draw_trails)

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

    def show_code(self):
        from explorer.ui.show_code import ShowCodeDialog

        dialog = ShowCodeDialog(self.window)
        dialog.setAttribute(Qt.WA_DeleteOnClose)
        dialog.show()
        return dialog

    # -- stepping: each writes state.presentation, which the player follows -------------------
    @property
    def active(self) -> bool:
        return self.tour is not None

    def start(self, tour: Tour, index: int = 0) -> None:
        """Play `tour` from step `index` (a tour already running stops first)."""
        self.leave()
        self._begin(tour, tour.ref)
        self.state.presentation.update(tour=tour.ref, tour_step=index)

    def next(self) -> None:
        if self.tour is None:
            return
        if self.index >= len(self.tour) - 1:
            self.leave()
        else:
            self.state.presentation.tour_step = self.index + 1

    def back(self) -> None:
        if self.tour is not None and self.index > 0:
            self.state.presentation.tour_step = self.index - 1

    def leave(self) -> None:
        """Stop the tour here: what it set up stays, to be explored freely."""
        self.state.presentation.update(tour=None, tour_step=-1)

    def _presentation_changed(self, name: str, _value) -> None:
        if name in ("tour", "tour_step"):
            self._follow_position()

    def _follow_position(self) -> None:
        position = self.state.presentation
        if position.tour is None:
            if self.tour is not None:
                self._stop()
            return
        if position.tour != self._ref:  # written by someone else (the --tour option): find it
            try:
                tour = find_tour(position.tour)
            except ExplorerError as exc:
                position.update(tour=None, tour_step=-1)
                self.window.controller.error.emit(str(exc))
                return
            if self.tour is not None:
                self._stop()
            self._begin(tour, position.tour)
        step = max(0, min(position.tour_step, len(self.tour) - 1))
        if step != self.index:
            self._play(step)

    def _begin(self, tour: Tour, ref: str) -> None:
        # A tour starts clean: no bookmark caption left from a talk, no search left fading the points.
        self.state.presentation.bookmark_index = -1
        self.state.explore.search = ""
        self.tour, self._ref, self.index = tour, ref, -1
        self.bar.setVisible(True)
        for action in (self.next_action, self.back_action, self.leave_action):
            action.setEnabled(True)
        self._style()
        self.started.emit(tour)

    def _stop(self) -> None:
        self._generation += 1
        self._poll.stop()
        self._phases, self._waiting = [], None
        self.busy = False
        self.tour, self._ref, self.index = None, None, -1
        self.bar.setVisible(False)
        for action in (self.next_action, self.back_action, self.leave_action):
            action.setEnabled(False)
        self._data = {}
        if self.state.presentation.active:
            self.window.presentation.show_docks([])  # the view alone again
        self.left.emit()

    def _play(self, index: int) -> None:
        tour = self.tour
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
        docks = step_docks(data)
        # The docks the caption names: in front from the start (the loss falls in the Training dock
        # while it trains) and again at the end (a part may have raised another in their tab group).
        self._phases = [("initializing", self._ensure_matrix), ("", lambda: self._show_docks(docks))]
        for j in range(first, index):
            earlier, earlier_missing = tour.effective(tour.steps[j])
            self._phases += [(f"replaying step {j + 1}: {name}" if name else "", fn)
                             for name, fn in self._plan(earlier, earlier_missing)]
        self._phases += self._plan(data, missing)
        self._phases.append(("", lambda: self._show_docks(docks)))
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
        if self.state.view.mode == "2d" and self.window.scatter2d.point_count:
            self.window.scatter2d.fit()  # a new matrix may lie far outside the previous view
        self.bar.set_busy("")
        ws = self.window.workspace
        caption = html.escape(fill_caption(self._data["caption"], ws.vocab, ws.weights))
        self.bar.show_step(self.tour, self.index, self._data.get("title", ""), caption)
        notes = self.notes + [e for e in self.errors if e not in self.notes]
        self.bar.set_notes(notes)
        if "race" in self._data:
            self._show_race_result()
        self.step_ready.emit(self.index)

    def _show_race_result(self) -> None:
        """Under the race step's caption: each start's final loss, lowest first (what the curves show)."""
        from explorer.ui.panels import train_panel

        panel = self.window.train_panel
        final = race_summary(getattr(panel, "race_curves", {}), getattr(train_panel, "RACE_NAMES", {}))
        if final:
            self._detail_rows = [("Final loss", " · ".join(f"{html.escape(name)} <b>{loss:.2f}</b>"
                                                           for name, loss in final))]
            self.bar.set_detail(self._detail_rows)

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

    def _vocab_changed(self, _vocab) -> None:
        self._flag("vocab")
        self._clear_trails()  # IDs of another vocabulary

    def _weights_changed(self, weights, reason: str = "") -> None:
        self._flag("weights")
        if reason != "trained":
            self._clear_trails()  # another matrix: the trails of the last run do not lead to it
        elif self.trails.ids:  # the run's last matrix: where the trails end
            shown = self.state.fit.projection
            self.trails.add(weights, shown.ids if shown is not None else None)

    # -- each part: write the state, then call the public action that does the work ----------------
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

    def _resolve_path(self, path: str) -> Path:
        found = self.tour.resolve(path) if self.tour is not None else None
        if found is None:
            raise ExplorerError(f"{path} is not here")
        return found

    def _init_fields(self, spec: dict | None, vocab_size: int) -> dict:
        """The state.init fields a step asks for; what it leaves out stays as it is."""
        current = self.state.init
        spec = spec or {}
        scheme = spec.get("scheme", current.scheme)
        dim = spec.get("dim", current.dim)
        params = dict(spec.get("params", {})) if "params" in spec or "scheme" in spec else dict(current.params)
        return {"scheme": scheme, "dim": vocab_size if dim == "vocab" else int(dim),
                "seed": int(spec.get("seed", current.seed)),
                "params": {k: v for k, v in params.items() if k in SCHEMES[scheme].params}}

    def _vocab(self, spec, init_spec):
        ws, init = self.window.workspace, self.state.init
        self._clear_trails()
        if isinstance(spec, dict) and "file" in spec:
            path = self._resolve_path(spec["file"])
            if ws.vocab.source and Path(ws.vocab.source).resolve() == path:
                self._inited_in_vocab = False
                return None
            self._inited_in_vocab = init_spec is not None and init_spec.get("dim") != "vocab"
            if self._inited_in_vocab:
                init.update(**self._init_fields(init_spec, 1))
            self.window.vocab_panel.load(path, spec.get("format"))
            return self._flagged("vocab_loaded")
        vocab, categories = build_vocab_spec(spec)
        if ws.vocab.tokens == vocab.tokens and ws.vocab.kind == vocab.kind and ws.weights is not None:
            self._inited_in_vocab = False
            return None
        if init_spec is not None:
            init.update(**self._init_fields(init_spec, len(vocab)))
        self._inited_in_vocab = init_spec is not None
        ws.set_vocab(vocab, categories)  # the controller initializes it as state.init says
        return None

    def _vectors(self, spec):
        path, vocab_file, tensor = self.tour.vectors_source(spec)  # a sample brings its vocabulary
        for given, found in ((spec["file"], path), (spec.get("vocab_file"), vocab_file)):
            if given is not None and found is None:
                raise ExplorerError(f"{given} is not here")
        mode = "map" if spec.get("mode") == "map" else "vocabulary"
        pretrained = self.state.pretrained
        self._inited_in_vocab = False
        if mode == "vocabulary" and pretrained.mode == mode and pretrained.path == str(path) \
                and self.state.matrix.made_by == f"pretrained: {path.name}":
            return None  # this very table is shown already
        self._clear_trails()
        pretrained.update(mode=mode, vocab_file=str(vocab_file) if vocab_file else None)
        condition = self._flagged("weights" if mode == "map" else "vocab")
        self.window.init_panel.open_vectors(str(path), tensor_name=tensor)
        return condition

    def _init(self, spec):
        fields = self._init_fields(spec, len(self.window.workspace.vocab))
        init = self.state.init
        self._clear_trails()
        if self._inited_in_vocab and fields == {name: getattr(init, name) for name in fields}:
            self._inited_in_vocab = False
            return None  # the new vocabulary was initialized with it already
        init.update(**fields)
        self.window.controller.reinitialize()
        return None

    def _matrix(self, kind: str):
        ws = self.window.workspace
        self._clear_trails()
        if kind == "ids":  # the integer encoding: each row is [ID, 0]
            ids = np.arange(len(ws.vocab), dtype=np.float32)
            ws.set_weights(np.stack([ids, np.zeros_like(ids)], axis=1), "init ids", initial=True,
                           made_by="token IDs as numbers: row i is [i, 0]", kind="init")
        return None

    def _projection(self, spec: dict, view: str | None):
        changes = {k: spec[k] for k in ("method", "sphereize", "perplexity", "sample") if k in spec}
        self.state.projection.update(**changes)
        mode = view or {2: "2d", 3: "3d"}.get(spec.get("dims"))
        if mode:
            self.window.set_view(mode)
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
        self.state.explore.selection = tuple(self._ids(tokens))  # the view labels and rings them
        return None

    def _train(self, spec: dict):
        self.window.docks["Training"].raise_()
        changes = {"corpus": "demo", "new_vocab": False, "objective": spec.get("objective", "sgns"),
                   "lr": spec.get("lr"), "epochs": int(spec.get("epochs", 5)), "seed": int(spec.get("seed", 0)),
                   "freeze_embeddings": bool(spec.get("freeze", False))}
        changes.update({key: int(spec[key]) for key in ("window", "negative") if key in spec})
        self.state.train.update(**changes)
        self._clear_trails()
        self.trails = Trails(self._ids(spec.get("trails", [])))
        condition = self._flagged("trained")
        self.window.train_panel.start()
        return condition

    # -- trails ----------------------------------------------------------------------------------
    def _clear_trails(self) -> None:
        self.trails = Trails()
        self.window.scatter2d.set_trails([], [])

    def _training_frame(self, frame) -> None:
        """A live frame drawn: keep the trail tokens' rows, and draw through the frame's projection."""
        if not self.trails.ids or frame.coords is None or len(frame.coords) != len(self.window.workspace.vocab):
            return
        self.trails.add(frame.snapshot.weights, frame.projection.ids)
        self._draw_trails(frame.projection)

    def _draw_trails(self, projection) -> None:
        """The trails through `projection`, the one just shown: each ends at its token's point."""
        if not len(self.trails) or self.state.view.mode != "2d":
            return
        paths = self.trails.paths(projection)
        if paths is None:
            self.window.scatter2d.set_trails([], [])
            if projection is not None:
                self.window.statusBar().showMessage(NO_BASIS_TRAILS, 8000)
            return
        self.window.scatter2d.set_trails(self.trails.ids, [coords[:, :2] for coords in paths])

    # -- more parts -------------------------------------------------------------------------------
    def _race(self, spec: dict):
        self.window.docks["Training"].raise_()
        self.state.train.update(objective="sgns", corpus="demo", epochs=int(spec.get("epochs", 3)))
        panel = self.window.train_panel
        panel.set_race_schemes(spec["schemes"])
        condition = self._flagged("raced")
        panel.start_race()
        return condition

    def _compare(self, entries: list):
        ws, init = self.window.workspace, self.state.init
        seed = int(entries[0].get("seed", init.seed))
        configs = []
        for entry in entries:
            dim = entry.get("dim", ws.dim or init.dim)
            configs.append(InitConfig(entry["scheme"], len(ws.vocab) if dim == "vocab" else int(dim), seed,
                                      dict(entry.get("params", {}))))
        dialog = self.window.init_panel.open_compare()
        if dialog is not self._compare_dialog:  # the panel keeps one dialog: follow it once
            dialog.compared.connect(lambda *_: self._flag("compared"))
            self._compare_dialog = dialog
        condition = self._flagged("compared")
        dialog.set_entries(configs)
        dialog.run()
        return condition

    def _hide_compare(self):
        dialog = self.window.init_panel.compare_dialog
        if dialog is not None and dialog.isVisible():
            dialog.hide()
        return None

    def _inspector(self, spec: dict):
        self.window.docks["Inspector"].raise_()
        changes = {field: spec[key] for key, field in (("metric", "metric"), ("k", "k"), ("sentence", "sentence"),
                                                       ("positions", "positions")) if key in spec}
        if "tab" in spec:
            changes["inspector_tab"] = INSPECTOR_TABS[spec["tab"]]
        if "analogy" in spec:
            changes["analogy"] = tuple(spec["analogy"])
        token = self._ids([spec["token"]]) if "token" in spec else []
        if token:
            changes["current"] = token[0]
        one_hot = self._ids(spec["ids"]) if "ids" in spec else []
        if one_hot:
            changes["one_hot_ids"] = tuple(one_hot)
        self.state.explore.update(**changes)
        panel = self.window.inspector_panel
        if one_hot:
            panel.run_one_hot()
        if spec.get("example") == "teaching":
            panel.show_teaching_example()
        elif "sentence" in spec or "positions" in spec:
            panel.run_sentence()
        if "analogy" in spec:
            panel.run_analogy()
        return None

    def _tokenize(self, spec: dict):
        text = spec["text"]
        self.window.state.explore.tokenize = text
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
            # A word vocabulary's splitter skips what is not a word (an emoji): show it as <unk>.
            pieces, ids = word_pieces(vocab, text) or vocab.encode(text)
        except Exception as exc:  # a tokenizer problem must not stop the tour
            self._detail_rows[i] = (label, f"<i>{html.escape(str(exc))}</i>")
        else:
            display = getattr(vocab.tokenizer, "display_piece", None)  # byte-level BPE pieces only
            name = f"{label} ({len(vocab):,} tokens)"
            unk = vocab.tokens[vocab.unk_id] if vocab.unk_id is not None else "<unk>"
            self._detail_rows[i] = (name, token_chips(pieces, ids, display=display, unk_id=vocab.unk_id,
                                                      unk_token=unk))
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

    def step_docks(self) -> list[str]:
        """The docks the current step's caption names (and its `show` lists)."""
        return step_docks(self._data) if self.tour is not None and self._data else []

    def _show_docks(self, names):
        """Bring the docks the caption names to the front. Presenting: they alone, beside the view and
        large (before, presentation mode hid the docks the captions pointed to)."""
        window = self.window
        names = [n for n in names if n in window.docks]
        if self.state.presentation.active:
            window.presentation.show_docks(names)
            return None
        for name in names:
            dock = window.docks[name]
            if not dock.isVisible():
                dock.show()
            dock.raise_()
        for i, name in enumerate(names):  # two named docks sharing one tab group: put them one above the other
            dock = window.docks[name]
            for other in names[:i]:
                if window.docks[other] in window.tabifiedDockWidgets(dock):
                    window.splitDockWidget(window.docks[other], dock, Qt.Vertical)
                    dock.show()
        return None

    def _presenting_changed(self, active: bool) -> None:
        """Presentation mode turned on or off mid-tour: the step's docks beside the view (or back)."""
        if self.tour is not None and active:
            self.window.presentation.show_docks(self.step_docks())
        self._style()

    def _style(self) -> None:
        self.bar.apply_style(self.window.theme, self.state.presentation.active)
