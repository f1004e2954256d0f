"""Record a run: the timeline's frames drawn by the real 2D view offscreen (points, labels,
title with step / epoch / loss, legend, trails) and encoded as an animated GIF or an MP4.

- `FrameRenderer` draws `explorer.core.io.recording` frames with a `Scatter2D` of its own
  (its own AppState: the window's view is never touched), at an exact size in pixels.
- `RecordingJob` renders one frame per turn of the event loop, so the GUI never blocks;
  it reports `progress(done, total)` and ends with `finished(path)`, `failed(message)` or
  `cancelled()`. Cancel (or a failure) leaves no file: frames go to a temp file beside the
  asked name, renamed over it only at the end.
- `export_recording_dialog(window)`: File ▸ Export ▸ Recording… — format, size, fps, trails
  and file, then a progress dialog with Cancel.
- `record_session(...)`: the same from the shell (`embedding-explorer export SESSION
  --format gif|mp4`), with a terminal progress callback.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from PySide6.QtCore import QCoreApplication, QEvent, QObject, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QImage, QPainter
from PySide6.QtWidgets import (
    QApplication, QCheckBox, QComboBox, QDialog, QDialogButtonBox, QDoubleSpinBox, QFileDialog, QFormLayout,
    QHBoxLayout, QLabel, QLineEdit, QMessageBox, QProgressDialog, QPushButton, QSpinBox, QWidget,
)

from explorer.core import ExplorerError
from explorer.core.io.recording import RecordingFrame, RecordingPlan, plan_recording, recording_settings
from explorer.core.io.video import (
    MAX_FPS, MAX_SIDE, MIN_HEIGHT, MIN_WIDTH, VIDEO_FORMATS, VideoWriter, parse_size, video_format,
)
from explorer.core.state.app import AppState
from explorer.ui.theme import LIGHT, THEMES, Theme, category_colors
from explorer.ui.views.scatter2d import Scatter2D

DEFAULT_SIZE = (960, 600)
DEFAULT_FPS = 8
DEFAULT_HOLD = 1.5  # seconds the last frame stays before the clip loops


class FrameRenderer:
    """Draws recording frames with a real, offscreen `Scatter2D` of exactly `size` pixels."""

    def __init__(self, plan: RecordingPlan, tokens: Sequence[str], colors: np.ndarray, legend: list,
                 *, size: tuple[int, int] = DEFAULT_SIZE, theme: Theme = LIGHT, label_ids: Sequence[int] = (),
                 selection: Sequence[int] = (), counts: np.ndarray | None = None,
                 current: int | None = None) -> None:
        self.plan = plan
        self.size = parse_size(size)
        self.theme = theme
        self.view = view = Scatter2D(theme, AppState())
        view.setAttribute(Qt.WA_DontShowOnScreen, True)  # drawn for the file only, never on screen
        view.set_theme(theme)
        # Positions come with each frame: nothing is projected here (the plan may still be
        # preparing in a worker).
        view.set_points(np.zeros((plan.n_tokens, 2), np.float32), list(tokens), colors, counts)
        view.set_legend(legend)
        view.state.explore.selection = tuple(int(i) for i in selection)  # bold labels and rings, as shown
        if current is not None and 0 <= int(current) < plan.n_tokens:
            view.state.explore.current = int(current)
        view.set_labels(list(label_ids))
        self._axis_titles = None
        self._two_lines = False  # the title's statement on a line of its own (narrow frames)
        view.viewbox.setAspectLocked(True)  # a unit on x is a unit on y: distances mean something
        view.viewbox.disableAutoRange()
        view.setTitle(" ", size=f"{theme.font_size}pt", color=theme.foreground)
        width, height = self.size
        view.resize(width, height)
        view.show()
        QCoreApplication.sendPostedEvents()
        # The scene is the viewport below the view's toolbar: grow the widget by the toolbar's
        # height so the drawn plot is exactly `size` (the toolbar is not recorded).
        top = view.viewportMargins().top()
        if top:
            view.resize(width, height + top)
            QCoreApplication.sendPostedEvents()
        # Frames are drawn by rendering the scene into an image: the (unseen) widget itself
        # never needs to paint, which would draw every frame twice.
        view.setUpdatesEnabled(False)

    def render(self, frame: RecordingFrame) -> np.ndarray:
        """The frame as RGB pixels, `size[1] x size[0] x 3` uint8."""
        view, theme = self.view, self.theme
        view.set_positions(frame.coords)
        if frame.trails is not None and len(self.plan.trail_ids):
            view.set_trails(self.plan.trail_ids, [frame.trails[:, k] for k in range(frame.trails.shape[1])])
        view.setTitle(self._title_html(frame.title), size=f"{theme.font_size}pt", color=theme.foreground)
        if frame.axis_titles != self._axis_titles:  # a live basis: each axis's share of this frame's variance
            self._axis_titles = frame.axis_titles
            view.set_axis_titles(*frame.axis_titles)
        view.viewbox.setRange(xRange=frame.x_range, yRange=frame.y_range, padding=0)
        plot = view.getPlotItem()
        plot.layout.activate()
        QCoreApplication.sendPostedEvents(None, QEvent.LayoutRequest)  # the title's row, the legend's column
        width, height = self.size
        image = QImage(width, height, QImage.Format_RGB32)
        image.fill(QColor(theme.background))
        painter = QPainter(image)
        painter.setRenderHint(QPainter.Antialiasing, True)
        view.scene().render(painter, QRectF(0, 0, width, height), QRectF(0, 0, width, height))
        painter.end()
        return qimage_rgb(image)

    def _title_html(self, title: str) -> str:
        """The title, its statement moved to a second line when one line would not fit the
        frame (a long title would widen the plot's layout and push the legend out of the image).
        Once two lines, always two: the plot must not jump between frames."""
        from html import escape

        head, sep, statement = title.partition("  —  ")
        if sep and not self._two_lines:
            font = QFont()
            font.setPointSize(self.theme.font_size)
            room = self.size[0] - 40
            self._two_lines = QFontMetricsF(font).horizontalAdvance(title) * 1.15 > room
        if sep and self._two_lines:
            return f"{escape(head)}<br>{escape(statement)}"
        return escape(title)

    def close(self) -> None:
        self.view.close()
        self.view.deleteLater()


def qimage_rgb(image: QImage) -> np.ndarray:
    image = image.convertToFormat(QImage.Format_RGB888)
    width, height, stride = image.width(), image.height(), image.bytesPerLine()
    buffer = np.frombuffer(image.constBits(), np.uint8, count=stride * height).reshape(height, stride)
    return buffer[:, : width * 3].reshape(height, width, 3).copy()


class RecordingJob(QObject):
    """Renders and encodes every frame of `plan`, one per turn of the event loop."""

    preparing = Signal(float)  # 0..1: the snapshots projected (in a worker), before any frame
    progress = Signal(int, int)  # frames done, frames in all
    finished = Signal(object)  # the Path written
    failed = Signal(str)
    cancelled = Signal()

    def __init__(self, renderer: FrameRenderer, path, fmt: str | None = None, fps: float = DEFAULT_FPS,
                 hold: float = DEFAULT_HOLD, parent: QObject | None = None, jobs=None) -> None:
        super().__init__(parent)
        from explorer.ui.workers import Jobs

        self.jobs = jobs if jobs is not None else Jobs(self)  # the window's, so closing it stops ours
        self.renderer = renderer
        self.plan = renderer.plan
        self.path = Path(path)
        self.format = video_format(self.path, fmt)
        self.fps = fps
        self.hold_frames = max(1, int(round(hold * fps)) + 1)  # the last frame, shown this many times
        self.writer: VideoWriter | None = None
        self.done = 0
        self.result: Path | None = None
        self.error: str | None = None
        self._cancel = False
        self._running = False

    @property
    def total(self) -> int:
        return len(self.plan)

    @property
    def running(self) -> bool:
        return self._running

    def start(self) -> None:
        """Begin: the snapshots are projected in a worker, then one frame is drawn and encoded
        per turn of the event loop. Returns at once."""
        self.writer = VideoWriter(self.path, self.format, self.fps)
        self._running = True
        app = QCoreApplication.instance()
        if app is not None:  # the app quits mid-recording: no temp file is left behind
            app.aboutToQuit.connect(self._abandon)
        self.jobs.start(self.plan.prepare, progress=self.preparing.emit, should_cancel=lambda: self._cancel,
                        description="recording: projecting the snapshots",
                        on_result=lambda _plan: QTimer.singleShot(0, self._step), on_error=self._prepare_failed)

    def _abandon(self) -> None:
        if self._running:
            self._cancel = True
            self._running = False
            if self.writer is not None:
                self.writer.abort()

    def _prepare_failed(self, exc: Exception) -> None:
        from explorer.core import Cancelled

        if isinstance(exc, Cancelled):
            self._end(cancelled=True)
        elif isinstance(exc, ExplorerError):
            self._end(error=str(exc))
        else:
            self._end(error=f"the recording failed ({type(exc).__name__}: {exc})")

    def cancel(self) -> None:
        self._cancel = True

    def _render_next(self) -> None:
        i = self.done
        frame = self.renderer.render(self.plan.frame(i))
        self.writer.append(frame, repeat=self.hold_frames if i == self.total - 1 else 1)
        self.done += 1

    def _step(self) -> None:
        if not self._running:
            return
        if self._cancel:
            self._end(cancelled=True)
            return
        try:
            self._render_next()
            self.progress.emit(self.done, self.total)
            if self.done == self.total:
                self.result = self.writer.close()
                self._end()
                return
        except ExplorerError as exc:
            self._end(error=str(exc))
            return
        except Exception as exc:  # noqa: BLE001 - reported to the user, the temp file removed
            self._end(error=f"the recording failed ({type(exc).__name__}: {exc})")
            return
        QTimer.singleShot(0, self._step)

    def _end(self, *, cancelled: bool = False, error: str | None = None) -> None:
        self._running = False
        app = QCoreApplication.instance()
        if app is not None:
            try:
                app.aboutToQuit.disconnect(self._abandon)
            except (RuntimeError, TypeError):
                pass
        if (cancelled or error) and self.writer is not None:
            self.writer.abort()
        self.renderer.close()
        if cancelled:
            self.cancelled.emit()
        elif error:
            self.error = error
            self.failed.emit(error)
        else:
            self.finished.emit(self.result)

    def run(self, progress: Callable[[float], None] | None = None) -> Path:
        """Everything now, in this thread (the shell has no GUI to keep responsive)."""
        self.writer = VideoWriter(self.path, self.format, self.fps)
        try:
            self.plan.prepare()
            while self.done < self.total:
                self._render_next()
                if progress is not None:
                    progress(self.done / self.total)
            return self.writer.close()
        except BaseException:
            self.writer.abort()
            raise
        finally:
            self.renderer.close()


# -- from the shell ------------------------------------------------------------------------------
def _app() -> QApplication:
    app = QApplication.instance()
    return app if app is not None else QApplication([])


def record_session(session_path, out, *, fmt: str | None = None, fps: float = DEFAULT_FPS,
                   size: tuple[int, int] = DEFAULT_SIZE, hold: float = DEFAULT_HOLD,
                   trails: Sequence[str] = (), theme: str | None = None, fit_on: str = "live",
                   between: int = 1, view_range: str = "follow", progress: Callable[[float], None] | None = None) -> Path:
    """`embedding-explorer export SESSION --format gif|mp4`: the session's timeline, as the
    window replays it, written to `out`."""
    from explorer.core.io.session import load_session
    from explorer.core.view.labels import default_labels

    fmt = video_format(out, fmt)
    suffix = Path(out).suffix.lower().lstrip(".")
    if suffix in VIDEO_FORMATS and suffix != fmt:
        raise ExplorerError(f"the file name says {suffix} but the format asked is {fmt}", out)
    session = load_session(session_path)
    vocab = session.vocab
    if not session.snapshots:
        raise ExplorerError("this session has no training timeline to record: train first (the window's "
                            "Start, or `embedding-explorer train`), then save the session", session_path)
    state = session.state or {}
    index = {t: i for i, t in enumerate(vocab.tokens)}
    missing = [t for t in trails if t not in index]
    if missing:
        raise ExplorerError(f"--trails: {missing[0]!r} is not a token of this session", session_path)
    train = state.get("train") or {}
    epochs = train.get("epochs") if isinstance(train.get("epochs"), int) else None
    plan = plan_recording(session.snapshots, recording_settings(state), session.projection, epochs=epochs,
                          trail_ids=[index[t] for t in trails], fit_on=fit_on, between=between,
                          view_range=view_range, tokens=vocab.tokens)
    view = state.get("view") or {}
    explore = state.get("explore") or {}
    theme_name = theme or view.get("theme") or "light"
    if theme_name not in THEMES:
        raise ExplorerError(f"unknown theme {theme_name!r}; choose one of {', '.join(THEMES)}")
    selection = [int(i) for i in explore.get("selection") or () if 0 <= int(i) < len(vocab)]
    selection += [i for i in plan.trail_ids if i not in selection]  # a trail's token is named
    labels = default_labels(vocab.counts, len(vocab), selection, view.get("labels", "auto"), tokens=vocab.tokens,
                            kind=vocab.kind, specials=list(vocab.specials.values()))
    colors, legend = category_colors(session.categories, len(vocab))
    _app()
    renderer = FrameRenderer(plan, vocab.tokens, colors, legend, size=size, theme=THEMES[theme_name],
                             label_ids=labels, selection=selection, counts=vocab.counts)
    return RecordingJob(renderer, out, fmt, fps, hold).run(progress)


# -- from the window -----------------------------------------------------------------------------
def window_run(window) -> dict:
    """The window's run as its timeline replays it: snapshots, settings, epochs, trail tokens."""
    from explorer.core.training.live import live_settings

    run = window.train_panel.run
    workspace = window.workspace
    snapshots = list(run.timeline.snapshots) if run.vocab is workspace.vocab else []
    if not snapshots:
        raise ExplorerError("there is no run to record yet: press Start in the Training panel "
                            "(or open a session saved after training)")
    settings = run.settings if run.settings is not None else live_settings(window.state.projection.copy())
    epochs = run.config.epochs if run.config is not None else window.state.train.epochs
    return {"snapshots": snapshots, "settings": settings, "epochs": epochs,
            "trail_ids": list(window.state.explore.selection)[:12], "tokens": window.workspace.vocab.tokens}


def window_plan(window, **options) -> RecordingPlan:
    """A plan of the window's run (`options`: plan_recording's fit_on, between, view_range, trail_ids)."""
    run = window_run(window)
    return plan_recording(run["snapshots"], run["settings"], epochs=run["epochs"],
                          trail_ids=options.pop("trail_ids", run["trail_ids"]), tokens=run["tokens"], **options)


class RecordingDialog(QDialog):
    """Asks format, size, fps, trails and file; then records with progress and Cancel.

    `recorded(path)` when the file is written; `job` is the running RecordingJob."""

    recorded = Signal(object)
    ended = Signal(str)  # "done" | "cancelled" | "failed"

    def __init__(self, window, run: dict, parent: QWidget | None = None) -> None:
        super().__init__(parent or window)
        self.setWindowTitle("Export recording")
        self.window_ = window
        self.run = run
        snapshots = run["snapshots"]
        self.job: RecordingJob | None = None
        self.progress_dialog: QProgressDialog | None = None
        form = QFormLayout(self)
        n = len(snapshots)
        where = " Drawn in the 2D view." if getattr(window.state.view, "mode", "2d") == "3d" else ""
        form.addRow(QLabel(f"{n} snapshot{'s' if n != 1 else ''} of the run, "
                           f"step {snapshots[0].step:,} to {snapshots[-1].step:,}.{where}"))
        self.format_box = QComboBox()
        for name, label in VIDEO_FORMATS.items():
            self.format_box.addItem(label, name)
        form.addRow("Format", self.format_box)
        size_row = QHBoxLayout()
        self.width_box = QSpinBox(minimum=MIN_WIDTH, maximum=MAX_SIDE, value=DEFAULT_SIZE[0], suffix=" px")
        self.height_box = QSpinBox(minimum=MIN_HEIGHT, maximum=MAX_SIDE, value=DEFAULT_SIZE[1], suffix=" px")
        size_row.addWidget(self.width_box)
        size_row.addWidget(QLabel("×"))
        size_row.addWidget(self.height_box)
        size_row.addStretch(1)
        form.addRow("Size", size_row)
        self.fps_box = QSpinBox(minimum=1, maximum=MAX_FPS, value=DEFAULT_FPS, suffix=" frames/s")
        form.addRow("Speed", self.fps_box)
        self.between_box = QSpinBox(minimum=1, maximum=100, value=1)
        self.between_box.setToolTip("1: one frame per snapshot. More: frames moved smoothly from each "
                                    "snapshot to the next")
        form.addRow("Frames per snapshot", self.between_box)
        self.range_box = QComboBox()
        self.range_box.addItem("Follow the points", "follow")
        self.range_box.addItem("Fixed: every frame's points in one view", "fixed")
        form.addRow("View", self.range_box)
        self.basis_box = QComboBox()
        self.basis_box.addItem("Follows the matrix, as the timeline replays", "live")
        self.basis_box.addItem("Fixed: fitted on the last snapshot", "last")
        self.basis_box.addItem("Fixed: fitted on the first snapshot", "first")
        form.addRow("Axes", self.basis_box)
        self.hold_box = QDoubleSpinBox(minimum=0.0, maximum=10.0, value=DEFAULT_HOLD, singleStep=0.5,
                                       suffix=" s")
        form.addRow("Hold the last frame", self.hold_box)
        n_selected = len(run["trail_ids"])
        self.trails_box = QCheckBox(f"Trails of the {n_selected} selected token{'s' if n_selected != 1 else ''}"
                                    if n_selected else "Trails (select tokens first)")
        self.trails_box.setChecked(bool(n_selected))
        self.trails_box.setEnabled(bool(n_selected))
        form.addRow(self.trails_box)
        file_row = QHBoxLayout()
        self.path_edit = QLineEdit(str(Path.cwd() / "training.gif"))
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        file_row.addWidget(self.path_edit, 1)
        file_row.addWidget(browse)
        form.addRow("File", file_row)
        self.format_box.currentIndexChanged.connect(self._format_changed)
        self.buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        self.buttons.button(QDialogButtonBox.Ok).setText("Record")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form.addRow(self.buttons)

    @property
    def format(self) -> str:
        return self.format_box.currentData()

    def _format_changed(self) -> None:
        path = Path(self.path_edit.text() or "training")
        self.path_edit.setText(str(path.with_suffix("." + self.format)))

    def _browse(self) -> None:
        label = VIDEO_FORMATS[self.format]
        path, _ = QFileDialog.getSaveFileName(self, "Export the run as", self.path_edit.text(),
                                              f"{label} (*.{self.format})")
        if path:
            self.path_edit.setText(path)

    def accept(self) -> None:
        """Start recording (the dialog closes; a progress dialog with Cancel follows)."""
        path = Path(self.path_edit.text()).expanduser()
        try:
            typed = path.suffix.lower().lstrip(".")
            if typed in VIDEO_FORMATS and typed != self.format:  # "clip.mp4" typed: an MP4 is meant
                self.format_box.setCurrentIndex(self.format_box.findData(typed))
                path = Path(self.path_edit.text()).expanduser().with_suffix("." + typed)
            elif typed != self.format:
                path = path.with_name(path.name + "." + self.format)
            if not path.parent.is_dir():
                raise ExplorerError("the folder does not exist", path.parent)
            run = self.run
            plan = plan_recording(run["snapshots"], run["settings"], epochs=run["epochs"],
                                  trail_ids=run["trail_ids"] if self.trails_box.isChecked() else [],
                                  fit_on=self.basis_box.currentData(), between=self.between_box.value(),
                                  view_range=self.range_box.currentData(), tokens=run["tokens"])
            window = self.window_
            scatter = window.scatter2d
            renderer = FrameRenderer(
                plan, window.workspace.vocab.tokens, scatter.colors, scatter.legend_entries,
                size=(self.width_box.value(), self.height_box.value()), theme=window.theme,
                label_ids=scatter.label_ids, selection=window.state.explore.selection,
                counts=window.workspace.vocab.counts, current=window.state.explore.current)
            self.job = RecordingJob(renderer, path, self.format, self.fps_box.value(), self.hold_box.value(),
                                    parent=self, jobs=getattr(getattr(window, "controller", None), "jobs", None))
        except ExplorerError as exc:
            QMessageBox.warning(self, "Export recording", str(exc))
            return
        super().accept()
        progress = self.progress_dialog = QProgressDialog(
            f"Recording {len(plan)} frames to {path.name}…", "Cancel", 0, len(plan), self.parentWidget())
        progress.setWindowTitle("Export recording")
        progress.setWindowModality(Qt.WindowModal)
        progress.setMinimumDuration(0)
        progress.setAutoClose(False)
        progress.setAutoReset(False)
        progress.canceled.connect(self.job.cancel)
        self.job.preparing.connect(lambda fraction: progress.setLabelText(
            f"Projecting the {len(self.run['snapshots'])} snapshots… {100 * fraction:.0f}%"))
        self.job.progress.connect(lambda done, _total: (
            progress.setLabelText(f"Recording {len(plan)} frames to {path.name}…"), progress.setValue(done)))
        self.job.finished.connect(self._done)
        self.job.failed.connect(self._failed)
        self.job.cancelled.connect(self._cancelled)
        progress.show()
        self.job.start()

    def _close_progress(self) -> None:
        if self.progress_dialog is not None:
            self.progress_dialog.canceled.disconnect()
            self.progress_dialog.close()
            self.progress_dialog.deleteLater()
            self.progress_dialog = None

    def _done(self, path) -> None:
        self._close_progress()
        status = getattr(self.window_, "statusBar", None)
        if status is not None:
            size = Path(path).stat().st_size
            status().showMessage(f"Recorded {self.job.total} frames to {path} ({size / 1e6:.1f} MB)", 10000)
        self.recorded.emit(Path(path))
        self.ended.emit("done")

    def _failed(self, message: str) -> None:
        self._close_progress()
        controller = getattr(self.window_, "controller", None)
        if controller is not None:
            controller.error.emit(message)
        self.ended.emit("failed")

    def _cancelled(self) -> None:
        self._close_progress()
        self.ended.emit("cancelled")


def export_recording_dialog(window) -> RecordingDialog | None:
    """File ▸ Export ▸ Recording…: ask, then record the window's run (returns the dialog, open)."""
    try:
        run = window_run(window)
    except ExplorerError as exc:
        window.controller.error.emit(str(exc))
        return None
    dialog = RecordingDialog(window, run)
    dialog.setAttribute(Qt.WA_DeleteOnClose, False)
    dialog.open()
    return dialog
