"""The Qt side of sessions: open, save, save as, export, unsaved changes, autosave and recovery.

The window owns one SessionController. It registers `controller.loaders['session']`, keeps the
"unsaved changes" flag (set when the matrix or vocabulary changes, cleared on save), asks on
close, autosaves to a recovery file every few minutes and offers that file after a crash.
Dialogs never block the event loop: the questions are window-modal boxes opened with `open()`,
and their answers go through `resolve_unsaved` / `resolve_recovery`, which tests call directly.

Other areas add to what a session holds without touching this file:
- `session_controller.parts.append((fill, restore))`: `fill(session)` writes into a Session
  being saved (e.g. training config, history, snapshots), `restore(session)` reads it back;
- `session_controller.view_parts[name] = (get, set)`: one entry of the view state (also
  captured by bookmarks), e.g. the shown training snapshot or the projection method.
A panel may instead define `fill_session(session)` / `restore_session(session)` methods.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, QStandardPaths, QTimer, Signal
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMessageBox

from explorer.core import ExplorerError
from explorer.core.io.export import FORMATS, projector_paths
from explorer.core.io.session import SUFFIX, Session, load_session, save_session, session_from_workspace

AUTOSAVE_MS = 3 * 60 * 1000
RECOVERY_NAME = f"recovery{SUFFIX}"

# Export menu: format -> (menu text, dialog filter)
EXPORT_MENU = {
    "projector": ("TensorBoard &projector (TSV)…", "Projector vectors (*.tsv)"),
    "word2vec": ("&word2vec text…", "word2vec text (*.txt *.vec)"),
    "word2vec-bin": ("word2vec &binary…", "word2vec binary (*.bin)"),
    "glove": ("&GloVe text…", "GloVe text (*.txt)"),
    "npy": ("&NumPy .npy…", "NumPy array (*.npy)"),
    "csv": ("Projected &coordinates (CSV)…", "CSV (*.csv)"),
    "loss-csv": ("&Loss curve (CSV)…", "CSV (*.csv)"),
}
DEFAULT_NAMES = {"projector": "vectors.tsv", "word2vec": "vectors.txt", "word2vec-bin": "vectors.bin",
                 "glove": "glove.txt", "npy": "embeddings.npy", "csv": "coordinates.csv",
                 "loss-csv": "loss.csv"}


def default_recovery_path() -> Path:
    folder = QStandardPaths.writableLocation(QStandardPaths.AppDataLocation)
    if not folder:
        from explorer.core.io.session import default_recovery_path as core_default

        return core_default()
    return Path(folder) / RECOVERY_NAME


# -- view state -------------------------------------------------------------------------
def capture_view(window, include_bookmarks: bool = True) -> dict:
    """The window's view state as plain JSON-able data (see explorer.core.io.session.VIEW_KEYS)."""
    controller = window.controller
    workspace = window.workspace
    view: dict = {
        "projection": _projection_settings(controller, 3 if window.view_mode == "3d" else 2),
        "camera": _camera(window),
        "selection": list(workspace.selection),
        "current": workspace.current,
        "colours": getattr(window.scatter2d, "color_mode", None) or "category",
        "theme": window.theme.name,
    }
    sessions = getattr(window, "session_controller", None)
    for name, (get, _set) in (getattr(sessions, "view_parts", None) or {}).items():
        try:
            view[name] = get()
        except Exception:  # a part that cannot say its state is left out, not fatal
            pass
    presentation = getattr(window, "presentation", None)
    if include_bookmarks and presentation is not None:
        view["bookmarks"] = [dict(b) for b in presentation.bookmarks]
        view["bookmark_index"] = presentation.index
    return view


def _projection_settings(controller, dims: int) -> dict:
    settings = getattr(controller, "settings", None)
    out: dict = {}
    if dataclasses.is_dataclass(settings):
        for key, value in dataclasses.asdict(settings).items():
            if isinstance(value, (str, int, float, bool, type(None))):
                out[key] = value
    out.setdefault("method", getattr(controller, "method", None) or "pca")
    out["dims"] = dims
    return out


def _camera(window) -> dict:
    if window.view_mode == "3d" and window.scatter3d is not None:
        opts = window.scatter3d.opts
        center = opts.get("center")
        return {"distance": float(opts.get("distance", 3.0)), "elevation": float(opts.get("elevation", 20)),
                "azimuth": float(opts.get("azimuth", 45)),
                "center": [center.x(), center.y(), center.z()] if center is not None else [0, 0, 0]}
    (x0, x1), (y0, y1) = window.scatter2d.viewRange()
    return {"x": [float(x0), float(x1)], "y": [float(y0), float(y1)]}


def apply_view(window, view: dict) -> None:
    """Put the window into a captured view state; unknown or stale entries are skipped."""
    workspace = window.workspace
    n = len(workspace.vocab)
    presentation = getattr(window, "presentation", None)
    if "theme" in view and presentation is not None:
        presentation.set_theme(str(view["theme"]))
    projection = view.get("projection") or {}
    settings = getattr(window.controller, "settings", None)
    if dataclasses.is_dataclass(settings) and hasattr(window.controller, "set_settings"):
        known = {f.name for f in dataclasses.fields(settings)} - {"dims"}
        changes = {k: v for k, v in projection.items() if k in known}
        if changes:
            try:
                window.controller.set_settings(**changes)
            except Exception:  # settings from another version: keep the current ones
                pass
    dims = projection.get("dims")
    if dims in (2, 3) and (3 if window.view_mode == "3d" else 2) != dims:
        window.set_view("3d" if dims == 3 else "2d")
    colours = view.get("colours")
    if colours and hasattr(window.scatter2d, "set_color_mode"):
        try:
            window.scatter2d.set_color_mode(colours)
        except Exception:
            pass
    if "selection" in view:
        workspace.select([int(i) for i in view.get("selection") or [] if 0 <= int(i) < n])
    current = view.get("current")
    if current is not None and 0 <= int(current) < n:
        workspace.set_current(int(current))
    sessions = getattr(window, "session_controller", None)
    for name, (_get, set_) in (getattr(sessions, "view_parts", None) or {}).items():
        if name in view:
            try:
                set_(view[name])
            except Exception:
                pass
    camera = view.get("camera")
    if camera:
        if window.controller.up_to_date:
            _apply_camera(window, camera)
        else:  # the projection is on its way and will frame the points: set the camera after it
            def once() -> None:
                window.controller.idle.disconnect(once)
                _apply_camera(window, camera)

            window.controller.idle.connect(once)


def _apply_camera(window, camera: dict) -> None:
    try:
        if "x" in camera and "y" in camera and window.view_mode == "2d":
            window.scatter2d.setRange(xRange=camera["x"], yRange=camera["y"], padding=0)
        elif "distance" in camera and window.view_mode == "3d" and window.scatter3d is not None:
            from pyqtgraph import Vector

            window.scatter3d.setCameraPosition(pos=Vector(*camera.get("center", [0, 0, 0])),
                                               distance=camera["distance"], elevation=camera["elevation"],
                                               azimuth=camera["azimuth"])
    except (KeyError, TypeError, ValueError):
        pass


class SessionController(QObject):
    dirty_changed = Signal(bool)
    saved = Signal(str)  # path
    opened = Signal(str)  # path
    exported = Signal(object)  # path(s)
    autosaved = Signal(str)  # recovery path

    def __init__(self, window, recovery_path: str | Path | None = None, autosave_ms: int = AUTOSAVE_MS) -> None:
        super().__init__(window)
        self.window = window
        self.workspace = window.workspace
        self.controller = window.controller
        self.path: Path | None = None
        self.dirty = False
        self.parts: list[tuple[Callable, Callable]] = []
        self.view_parts: dict[str, tuple[Callable, Callable]] = {}
        self.recovery_path = Path(recovery_path) if recovery_path else default_recovery_path()
        # No one can answer a question on an offscreen display (tests, screenshots).
        self.prompt_on_close = QGuiApplication.platformName() not in ("offscreen", "minimal")
        self.unsaved_box: QMessageBox | None = None
        self.recovery_box: QMessageBox | None = None
        self._revision = 0
        self._saved_revision = 0
        self._autosaved_revision = 0
        self._baseline_pending = True
        self._restoring = False
        self._close_confirmed = False
        self._saving = False
        self._autosaving = False
        self._owns_recovery = False
        self.controller.loaders["session"] = self.open
        self.workspace.events.weights_changed.connect(self._weights_changed)
        self.workspace.events.vocab_changed.connect(self._vocab_changed)
        self.controller.idle.connect(self._idle)
        self.autosave_timer = QTimer(self, interval=autosave_ms, timeout=self.autosave)
        self.autosave_timer.start()
        self._update_title()

    # -- unsaved changes ----------------------------------------------------------------
    def mark_dirty(self) -> None:
        if self._restoring:
            return
        self._revision += 1
        self._set_dirty(True)

    def _set_dirty(self, dirty: bool) -> None:
        changed = dirty != self.dirty
        self.dirty = dirty
        self._update_title()
        if changed:
            self.dirty_changed.emit(dirty)

    def _weights_changed(self, _weights, reason: str = "") -> None:
        if reason != "loaded":  # a file just opened is on disk already
            self.mark_dirty()

    def _vocab_changed(self, _vocab) -> None:
        if not self._restoring:
            self.path = None  # another vocabulary: no longer the saved session
            self._update_title()

    def _idle(self) -> None:
        # The state the window starts in (the demo, or the files named on the command line)
        # is reproducible: changes count from there.
        if self._baseline_pending:
            self._baseline_pending = False
            self._saved_revision = self._revision
            self._set_dirty(False)

    def _update_title(self) -> None:
        name = self.path.name if self.path else "Untitled"
        self.window.setWindowTitle(f"{name}[*] — Embedding Explorer")
        self.window.setWindowModified(self.dirty)

    # -- capture and restore --------------------------------------------------------------
    def capture(self) -> Session:
        """The current state as a Session (arrays referenced: workers replace, never mutate them)."""
        session = session_from_workspace(self.workspace, view=capture_view(self.window))
        for fill, _restore in self.parts:
            fill(session)
        for panel in self._panels():
            if hasattr(panel, "fill_session"):
                panel.fill_session(session)
        train_panel = getattr(self.window, "train_panel", None)
        losses = getattr(train_panel, "losses", None)
        if not session.history.get("loss") and losses:  # at least the loss curve
            session.history["loss"] = [[int(step), float(loss)] for step, loss in losses]
        return session

    def restore(self, session: Session, path: Path | None) -> None:
        workspace = self.workspace
        self._restoring = True
        try:
            workspace.init_config = session.init_config
            workspace.set_vocab(session.vocab, session.categories, session.weights)
            if session.initial_weights is not None:
                workspace.initial_weights = session.initial_weights
            init_panel = getattr(self.window, "init_panel", None)
            if init_panel is not None and hasattr(init_panel, "set_config"):
                init_panel.set_config(session.init_config)
            for _fill, restore in self.parts:
                restore(session)
            for panel in self._panels():
                if hasattr(panel, "restore_session"):
                    panel.restore_session(session)
            presentation = getattr(self.window, "presentation", None)
            if presentation is not None:
                presentation.set_bookmarks(session.bookmarks, session.view.get("bookmark_index", -1))
            apply_view(self.window, session.view)
        finally:
            self._restoring = False
        self._baseline_pending = False
        self.path = path
        self._saved_revision = self._revision
        self._set_dirty(False)

    def _panels(self) -> list:
        names = ("vocab_panel", "init_panel", "train_panel", "inspector_panel")
        return [p for p in (getattr(self.window, n, None) for n in names) if p is not None]

    # -- open -------------------------------------------------------------------------------
    def open(self, path: str | Path) -> None:
        """The 'session' loader: load in a worker; on success replace the workspace."""
        path = Path(path)
        self.controller.run_long(load_session, path, description=f"Opening {path.name}",
                                 on_result=lambda session: self._opened(session, path))

    def _opened(self, session: Session, path: Path) -> None:
        try:
            self.restore(session, path)
        except (ExplorerError, ValueError) as exc:
            self.controller.error.emit(str(exc))
            return
        self.controller.message.emit(f"Opened {path}")
        self.opened.emit(str(path))

    # -- save -------------------------------------------------------------------------------
    def save(self) -> None:
        if self.path is None:
            self.save_as()
        else:
            self.save_to(self.path)

    def save_as(self) -> None:
        start = str(self.path or Path.home() / f"session{SUFFIX}")
        path, _ = QFileDialog.getSaveFileName(self.window, "Save the session", start,
                                              f"Embedding Explorer session (*{SUFFIX})")
        if path:
            self.save_to(path)

    def save_to(self, path: str | Path, then: Callable | None = None) -> None:
        """Save in a worker with a progress bar; `then()` runs after a successful save."""
        path = Path(path)
        if path.suffix.lower() != SUFFIX:
            path = path.with_name(path.name + SUFFIX)
        try:
            session = self.capture()
        except ExplorerError as exc:
            self.controller.error.emit(str(exc))
            return
        revision = self._revision
        self._saving = True

        def done(_result) -> None:
            self._saving = False
            self.path = path
            self._saved_revision = revision
            self._set_dirty(self._revision != revision)
            remember = getattr(self.window, "_remember_recent", None)
            if remember is not None:
                remember(path)
            self.controller.message.emit(f"Saved {path}")
            self.saved.emit(str(path))
            if then is not None:
                then()

        def failed(exc: Exception) -> None:
            self._saving = False
            self.controller.error.emit(f"Could not save the session: {exc}")

        self.controller.run_long(save_session, path, session, description=f"Saving {path.name}",
                                 on_result=done, on_error=failed)

    # -- export -----------------------------------------------------------------------------
    def export_dialog(self, fmt: str) -> None:
        text, file_filter = EXPORT_MENU[fmt]
        path, _ = QFileDialog.getSaveFileName(self.window, f"Export {FORMATS[fmt][0]}",
                                              str(Path.home() / DEFAULT_NAMES[fmt]), file_filter)
        if path:
            self.export_to(fmt, path)

    def export_to(self, fmt: str, path: str | Path) -> None:
        from explorer.core.io.export import export

        workspace = self.workspace
        if workspace.weights is None:
            self.controller.error.emit("There is no matrix to export yet.")
            return
        path = Path(path)
        if fmt == "projector" and path.suffix.lower() != ".tsv":
            path = path.with_name(path.name + ".tsv")
        history = {}
        if fmt == "loss-csv":
            try:
                history = self.capture().history
            except ExplorerError as exc:
                self.controller.error.emit(str(exc))
                return
        coords = None
        if fmt == "csv":
            coords = self.controller.coords if self.controller.up_to_date else None
        name = projector_paths(path)[0].name if fmt == "projector" else path.name

        def done(result) -> None:
            shown = ", ".join(str(p) for p in (result if isinstance(result, tuple) else (result,)))
            self.controller.message.emit(f"Exported {shown}")
            self.exported.emit(result)

        self.controller.run_long(export, fmt, path, workspace.vocab, workspace.weights,
                                 categories=workspace.categories, history=history, coords=coords,
                                 dims=coords.shape[1] if coords is not None else 2,
                                 description=f"Exporting {name}",
                                 on_result=done)

    def export_picture(self, kind: str, path: str | Path | None = None) -> bool:
        """PNG or SVG of the 2D view, PNG of the 3D view; asks for a file name when none is given."""
        suffix = ".svg" if kind == "2d-svg" else ".png"
        if path is None:
            path, _ = QFileDialog.getSaveFileName(self.window, "Export the view", str(Path.home() / f"view{suffix}"),
                                                  "SVG (*.svg)" if suffix == ".svg" else "PNG image (*.png)")
            if not path:
                return False
        path = Path(path)
        ok = False
        if kind == "3d-png":
            if self.window.scatter3d is None:
                self.controller.error.emit("Switch to the 3D view first (View ▸ 3D projection).")
                return False
            ok = self.window.scatter3d.export(path).exists()  # with labels and legend
        else:
            view = self.window.scatter2d
            own = getattr(view, "export", None)  # the view's own exporter (the view as shown)
            if own is not None:
                try:
                    own(path)
                except ExplorerError as exc:
                    self.controller.error.emit(str(exc))
                    return False
                ok = path.exists()
            else:
                import pyqtgraph.exporters as exporters

                item = view.getPlotItem()
                exporter = exporters.SVGExporter(item) if suffix == ".svg" else exporters.ImageExporter(item)
                if suffix == ".png":
                    exporter.parameters()["width"] = max(1600, int(view.width() * 2))
                exporter.export(str(path))
                ok = path.exists()
        if ok:
            self.controller.message.emit(f"Exported {path}")
        else:
            self.controller.error.emit(f"{path}: could not write the picture")
        return ok

    # -- menus ------------------------------------------------------------------------------
    def populate_file_menu(self, menu) -> None:
        """Save, Save As and Export ▸ (added to the File menu by the window)."""
        w = self.window
        self.save_action = QAction("&Save", w, shortcut=QKeySequence.Save, triggered=self.save)
        self.save_as_action = QAction("Save &As…", w, shortcut=QKeySequence("Ctrl+Shift+S"),
                                      triggered=self.save_as)
        menu.addAction(self.save_action)
        menu.addAction(self.save_as_action)
        export_menu = menu.addMenu("&Export")
        self.export_actions = {}
        for fmt, (text, _filter) in EXPORT_MENU.items():
            action = QAction(text, w, triggered=lambda _=False, f=fmt: self.export_dialog(f))
            export_menu.addAction(action)
            self.export_actions[fmt] = action
        export_menu.addSeparator()
        for kind, text in (("2d-png", "2D view as P&NG…"), ("2d-svg", "2D view as S&VG…"),
                           ("3d-png", "3D view as PN&G…")):
            action = QAction(text, w, triggered=lambda _=False, k=kind: self.export_picture(k))
            export_menu.addAction(action)
            self.export_actions[kind] = action
        self.export_menu = export_menu
        # Also on the window itself, so the shortcuts work while the menu bar is hidden.
        w.addAction(self.save_action)
        w.addAction(self.save_as_action)

    # -- close --------------------------------------------------------------------------------
    def confirm_close(self) -> bool:
        """True when the window may close now; otherwise a question is shown and the close waits."""
        if self._close_confirmed or not self.dirty or not self.prompt_on_close:
            return True
        self.ask_unsaved()
        return False

    def ask_unsaved(self) -> QMessageBox:
        if self.unsaved_box is not None and self.unsaved_box.isVisible():
            return self.unsaved_box
        name = self.path.name if self.path else "this session"
        box = QMessageBox(QMessageBox.Warning, "Embedding Explorer", f"Save the changes to {name}?",
                          QMessageBox.Save | QMessageBox.Discard | QMessageBox.Cancel, self.window)
        box.setInformativeText("Your changes are lost if you don't save them.")
        box.setDefaultButton(QMessageBox.Save)
        box.setEscapeButton(QMessageBox.Cancel)
        box.finished.connect(lambda _: self.resolve_unsaved(
            {QMessageBox.Save: "save", QMessageBox.Discard: "discard"}.get(box.standardButton(box.clickedButton()),
                                                                         "cancel")))
        self.unsaved_box = box
        box.open()
        return box

    def resolve_unsaved(self, choice: str) -> None:
        """The answer to 'Save the changes?': 'save', 'discard' or 'cancel'."""
        if self.unsaved_box is not None and self.unsaved_box.isVisible():
            self.unsaved_box.hide()
        if choice == "discard":
            self._close_confirmed = True
            self.window.close()
        elif choice == "save":
            def close_after_save() -> None:
                self._close_confirmed = True
                self.window.close()

            if self.path is None:
                path, _ = QFileDialog.getSaveFileName(self.window, "Save the session", str(Path.home() / f"session{SUFFIX}"),
                                                      f"Embedding Explorer session (*{SUFFIX})")
                if not path:
                    return
                self.save_to(path, then=close_after_save)
            else:
                self.save_to(self.path, then=close_after_save)

    def closing(self) -> None:
        """A clean exit: stop autosaving and remove our recovery file."""
        self.autosave_timer.stop()
        if self._owns_recovery:
            self.recovery_path.unlink(missing_ok=True)

    # -- autosave and recovery ----------------------------------------------------------------
    def autosave(self) -> bool:
        """Save to the recovery file in the background when something changed since last time."""
        if self._autosaving or self.workspace.weights is None or self._revision == self._autosaved_revision \
                or not self.dirty:
            return False
        try:
            session = self.capture()
            self.recovery_path.parent.mkdir(parents=True, exist_ok=True)
        except (ExplorerError, OSError):
            return False
        revision = self._revision
        self._autosaving = True
        path = self.recovery_path

        def done(_result) -> None:
            self._autosaving = False
            self._autosaved_revision = revision
            self._owns_recovery = True
            self.autosaved.emit(str(path))

        def failed(exc: Exception) -> None:
            self._autosaving = False
            self.controller.message.emit(f"Autosave failed: {exc}")

        self.controller.jobs.start(save_session, path, session, description="autosaving",
                                   on_result=done, on_error=failed)
        return True

    def offer_recovery(self) -> bool:
        """After a crash the recovery file is still there: offer to restore it (non-blocking)."""
        if not self.recovery_path.exists():
            return False
        box = QMessageBox(QMessageBox.Question, "Embedding Explorer",
                          "Embedding Explorer did not close properly last time.",
                          QMessageBox.NoButton, self.window)
        box.setInformativeText("Restore the session it saved automatically?")
        restore = box.addButton("&Restore", QMessageBox.AcceptRole)
        box.addButton("&Discard", QMessageBox.DestructiveRole)
        box.setDefaultButton(restore)
        box.finished.connect(lambda _: self.resolve_recovery(box.clickedButton() is restore))
        self.recovery_box = box
        box.open()
        return True

    def resolve_recovery(self, restore: bool) -> None:
        if self.recovery_box is not None and self.recovery_box.isVisible():
            self.recovery_box.hide()
        path = self.recovery_path
        if not path.exists():
            return
        self._owns_recovery = True  # a clean exit from now on removes it
        if not restore:
            path.unlink(missing_ok=True)
            return

        def loaded(session: Session) -> None:
            try:
                self.restore(session, None)
            except (ExplorerError, ValueError) as exc:
                self.controller.error.emit(str(exc))
                return
            self.mark_dirty()  # restored but not saved anywhere yet
            self.controller.message.emit("Restored the autosaved session")

        self.controller.run_long(load_session, path, description="Restoring the autosaved session",
                                 on_result=loaded)
