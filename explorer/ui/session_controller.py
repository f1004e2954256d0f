"""The Qt side of sessions: open, save, save as, export, unsaved changes, autosave and recovery.

A session is the window's state serialized plus its tensors: `capture()` takes every setting
(`state.capture()`), the workspace's arrays, the training run's history and timeline, and the
fitted projection's basis; `restore()` writes them back in that order and shows the matrix
through the saved basis, so the points are where they were.

The window owns one SessionController. It registers `controller.loaders['session']`, keeps the
"unsaved changes" flag (set when the matrix or vocabulary changes, cleared on save), asks
before closing or opening a file would lose changes, autosaves to a recovery file every few
minutes and, at the next start, offers the recovery files that crashed instances left behind.
Each window has its own recovery file (`recovery-<pid>-<start time>.eexp` in the app-data
folder) and holds a lock on it while it runs (`explorer.core.io.session.RecoveryLock`), so a
running window's file is never offered to another. Dialogs never block the event loop: the
questions are window-modal boxes opened with `open()`, and their answers go through
`resolve_unsaved` / `resolve_recovery` (which tests may call, or click the boxes' buttons).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QDateTime, QObject, QStandardPaths, QTimer, Signal
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMessageBox

from explorer.core import ExplorerError
from explorer.core.io.export import FORMATS, projector_paths
from explorer.core.io.session import (
    SUFFIX, RecoveryLock, Session, default_recovery_folder, left_behind, load_session, new_recovery_path,
    save_session, session_from_workspace,
)
from explorer.core.state.app import PARTS

AUTOSAVE_MS = 3 * 60 * 1000

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
    """This instance's own recovery file, in the app-data folder."""
    folder = QStandardPaths.writableLocation(QStandardPaths.AppDataLocation)
    return new_recovery_path(folder or default_recovery_folder())


# Window modes a session does not bring back: opening one never starts presenting or a tour.
NOT_RESTORED = {"presentation": ("active", "tour", "tour_step")}
# Parts written once the session's matrix is in: set_vocab clears the selection (IDs of the
# old vocabulary), and a colour mode written earlier would colour by the outgoing matrix.
SHOWN = ("view", "explore")


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
        self.state = window.state
        self.controller = window.controller
        self.path: Path | None = None
        self.dirty = False
        self.recovery_path = Path(recovery_path) if recovery_path else default_recovery_path()
        # No one can answer a question on an offscreen display (tests, screenshots): closing
        # there never asks. Opening a file still does (see `confirm_replace`).
        self.prompt_on_close = QGuiApplication.platformName() not in ("offscreen", "minimal")
        self.unsaved_box: QMessageBox | None = None
        self.recovery_box: QMessageBox | None = None
        self._after_unsaved: Callable[[], None] | None = None  # what the unsaved question waits to do
        self._unsaved_cancelled: Callable[[], None] | None = None  # what its Cancel does
        self._revision = 0
        self._saved_revision = 0
        self._autosaved_revision = 0
        self._baseline_pending = True
        self._restoring = False
        self._close_confirmed = False
        self._autosaving = False
        self._recovery_lock: RecoveryLock | None = None  # taken at the first autosave
        self._left_behind: list[RecoveryLock] = []  # crashed instances' files still to ask about
        self._restored: list[tuple[RecoveryLock, int]] = []  # restored files, and the revision they made
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
        if reason != "loaded":
            self.mark_dirty()
        elif not self._restoring:  # a file just opened replaced the session, and is on disk already
            self._saved_revision = self._revision
            self._set_dirty(False)

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
        history, snapshots = self.window.train_panel.run_history()
        return session_from_workspace(self.workspace, history=history, snapshots=snapshots)

    def restore(self, session: Session, path: Path | None) -> list[str]:
        """Settings, then data (and what is shown of it), then the run, then the saved projection:
        the window shows the session as it was saved (a recovered one, with path None, keeps what
        made its matrix). Returns the settings it could not restore ("part.field")."""
        data = {name: dict(values) for name, values in session.state.items()}
        for part, names in NOT_RESTORED.items():
            for name in names:
                data.get(part, {}).pop(name, None)
        view = data.get("view", {})
        # The saved range and camera frame the saved projection: set once it is shown.
        framing = {name: view.pop(name) for name in ("range2d", "camera3d") if name in view}
        self._restoring = True
        try:
            skipped = self.state.restore(data, [p for p in PARTS if p not in SHOWN])
            self.workspace.set_vocab(session.vocab, session.categories, session.weights,
                                     made_by=f"session: {path.name}" if path else None, kind="session",
                                     metadata=session.metadata, subwords=session.subwords)
            if session.initial_weights is not None:
                self.workspace.initial_weights = session.initial_weights
            data["explore"] = self._in_vocabulary(data.get("explore", {}))
            skipped += self.state.restore(data, SHOWN)
            self.window.train_panel.load_history(session.history, session.snapshots)
            if session.projection is not None:
                self.controller.project_with(session.projection)
        finally:
            self._restoring = False
        self._frame_when_shown(framing)
        self._baseline_pending = False
        self.path = path
        self._saved_revision = self._revision
        self._set_dirty(False)
        return skipped

    def _in_vocabulary(self, explore: dict) -> dict:
        """Selection and current token, without IDs outside the vocabulary."""
        n = len(self.workspace.vocab)
        explore = dict(explore)
        ids = explore.get("selection")
        if isinstance(ids, list):
            explore["selection"] = [i for i in ids if isinstance(i, int) and 0 <= i < n]
        if not (isinstance(explore.get("current"), int) and 0 <= explore["current"] < n):
            explore.pop("current", None)
        return explore

    def _frame_when_shown(self, framing: dict) -> None:
        """Write the saved 2D range / 3D camera once the restored projection is on screen, so
        that framing the new points does not replace them."""
        if not framing:
            return

        def apply() -> None:
            self.controller.idle.disconnect(apply)
            try:
                self.state.view.update_from_dict(framing)
            except ExplorerError as exc:
                self.controller.message.emit(f"The saved view range is not usable: {exc}")

        self.controller.idle.connect(apply)

    # -- open -------------------------------------------------------------------------------
    def open(self, path: str | Path) -> None:
        """The 'session' loader: load in a worker; on success replace the workspace."""
        path = Path(path)
        self.controller.run_long(load_session, path, description=f"Opening {path.name}",
                                 on_result=lambda session: self._opened(session, path))

    def _opened(self, session: Session, path: Path) -> None:
        try:
            skipped = self.restore(session, path)
        except (ExplorerError, ValueError) as exc:
            self.controller.error.emit(str(exc))
            return
        self.controller.message.emit(f"Opened {path}" + (f" (not restored: {', '.join(skipped)})" if skipped else ""))
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

        def done(_result) -> None:
            self.path = path
            self._saved_revision = revision
            self._set_dirty(self._revision != revision)
            self._drop_restored(revision)
            self.window._remember_recent(path)
            self.controller.message.emit(f"Saved {path}")
            self.saved.emit(str(path))
            if then is not None:
                then()

        def failed(exc: Exception) -> None:
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
        history = self.window.train_panel.run_history()[0] if fmt == "loss-csv" else {}
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
                                 dims=coords.shape[1] if coords is not None else 2, metadata=workspace.metadata,
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
        if kind == "3d-png":
            if self.window.scatter3d is None:
                self.controller.error.emit("Switch to the 3D view first (View ▸ 3D projection).")
                return False
            ok = self.window.scatter3d.export(path).exists()  # with labels and legend
        else:
            try:
                ok = self.window.scatter2d.export(path).exists()  # the view as shown
            except ExplorerError as exc:
                self.controller.error.emit(str(exc))
                return False
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

    # -- close, or open another file -------------------------------------------------------
    def confirm_close(self) -> bool:
        """True when the window may close now; otherwise a question is shown and the close waits."""
        if self._close_confirmed or not self.dirty or not self.prompt_on_close:
            return True
        self.ask_unsaved(self._close_now)
        return False

    def _close_now(self) -> None:
        self._close_confirmed = True
        self.window.close()

    def confirm_replace(self, then: Callable[[], None], doing: str,
                        cancelled: Callable[[], None] | None = None) -> None:
        """Run `then` (which replaces the session, e.g. opens a file) now, or, when that would
        lose unsaved changes, once the user has answered Save (and it is saved) or Discard;
        Cancel runs `cancelled`.

        Asked on every display, offscreen too: the box does not block, so nothing waits on it
        but the replacement, and a test answers it like a user (its buttons, `resolve_unsaved`)."""
        if not self.dirty:
            then()
            return
        self.ask_unsaved(then, doing, cancelled)

    def ask_unsaved(self, then: Callable[[], None], doing: str = "",
                    cancelled: Callable[[], None] | None = None) -> QMessageBox:
        """'Save the changes?' as a window-modal box that does not block; Save (once saved) or
        Discard runs `then`, Cancel `cancelled` (if given)."""
        self._after_unsaved = then
        self._unsaved_cancelled = cancelled
        if self.unsaved_box is not None and self.unsaved_box.isVisible():
            return self.unsaved_box
        name = self.path.name if self.path else "this session"
        box = QMessageBox(QMessageBox.Warning, "Embedding Explorer", f"Save the changes to {name}?",
                          QMessageBox.Save | QMessageBox.Discard | QMessageBox.Cancel, self.window)
        box.setInformativeText(f"{doing} replaces it: your changes are lost if you don't save them."
                               if doing else "Your changes are lost if you don't save them.")
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
        then, self._after_unsaved = self._after_unsaved, None
        cancelled, self._unsaved_cancelled = self._unsaved_cancelled, None
        if self.unsaved_box is not None and self.unsaved_box.isVisible():
            self.unsaved_box.hide()
        if then is None:
            return
        if choice == "cancel":
            if cancelled is not None:
                cancelled()
            return
        if choice == "discard":
            then()
            return
        path = self.path
        if path is None:
            chosen, _ = QFileDialog.getSaveFileName(self.window, "Save the session",
                                                    str(Path.home() / f"session{SUFFIX}"),
                                                    f"Embedding Explorer session (*{SUFFIX})")
            if not chosen:
                if cancelled is not None:
                    cancelled()
                return
            path = chosen
        self.save_to(path, then=then)

    def closing(self) -> None:
        """A clean exit: stop autosaving, remove our recovery file and those restored here;
        the ones not answered yet are kept for the next start."""
        self.autosave_timer.stop()
        if self._recovery_lock is not None:
            self._recovery_lock.remove()
            self._recovery_lock = None
        self._drop_restored(self._revision)
        for lock in self._left_behind:
            lock.release()
        self._left_behind = []

    # -- autosave and recovery ----------------------------------------------------------------
    def autosave(self) -> bool:
        """Save to the recovery file in the background when something changed since last time."""
        if self._autosaving or self.workspace.weights is None or self._revision == self._autosaved_revision \
                or not self.dirty:
            return False
        try:
            session = self.capture()
            self.recovery_path.parent.mkdir(parents=True, exist_ok=True)
            if not self._claim_recovery():
                self.controller.message.emit(f"Autosave skipped: another window autosaves to {self.recovery_path}")
                return False
        except (ExplorerError, OSError):
            return False
        revision = self._revision
        self._autosaving = True
        path = self.recovery_path

        def done(_result) -> None:
            self._autosaving = False
            self._autosaved_revision = revision
            self._drop_restored(revision)
            self.autosaved.emit(str(path))

        def failed(exc: Exception) -> None:
            self._autosaving = False
            self.controller.message.emit(f"Autosave failed: {exc}")

        self.controller.jobs.start(save_session, path, session, description="autosaving",
                                   on_result=done, on_error=failed)
        return True

    def _claim_recovery(self) -> bool:
        """Lock our recovery file before it is first written: while this window runs, no other
        instance offers it."""
        if self._recovery_lock is None:
            lock = RecoveryLock(self.recovery_path)
            if not lock.acquire():
                return False
            self._recovery_lock = lock
        return True

    def _drop_restored(self, revision: int) -> None:
        """Delete the restored recovery files whose work a save or an autosave of `revision` now holds."""
        kept = []
        for lock, restored_at in self._restored:
            if restored_at <= revision:
                lock.remove()
            else:
                kept.append((lock, restored_at))
        self._restored = kept

    def offer_recovery(self) -> bool:
        """After a crash: the recovery files of instances no longer running, newest first, each
        offered in turn with a non-blocking question. False when there is none."""
        self._left_behind = left_behind(self.recovery_path.parent, own=self.recovery_path)
        return self._ask_recovery()

    def _ask_recovery(self) -> bool:
        if not self._left_behind:
            return False
        path = self._left_behind[0].path
        saved = QDateTime.fromSecsSinceEpoch(int(path.stat().st_mtime)).toString("d MMM yyyy, HH:mm")
        more = len(self._left_behind) - 1
        box = QMessageBox(QMessageBox.Question, "Embedding Explorer",
                          "Embedding Explorer did not close properly last time.", QMessageBox.NoButton, self.window)
        box.setInformativeText(f"Restore the session it saved automatically on {saved}?"
                               + (f"\n({more} more autosaved session{'s' if more > 1 else ''} after this one.)"
                                  if more else "")
                               + "\nDiscard deletes it.")
        box.setDetailedText(str(path))
        restore = box.addButton("&Restore", QMessageBox.AcceptRole)
        box.addButton("&Discard", QMessageBox.DestructiveRole)
        box.setDefaultButton(restore)
        box.finished.connect(lambda _: self.resolve_recovery(box.clickedButton() is restore))
        self.recovery_box = box
        box.open()
        return True

    def resolve_recovery(self, restore: bool) -> None:
        """The answer about the file asked now: Restore opens it (asking first when that loses
        unsaved changes, e.g. a session restored just before), Discard deletes it. Then the
        next file left behind is asked about."""
        if self.recovery_box is not None and self.recovery_box.isVisible():
            self.recovery_box.hide()
        if not self._left_behind:
            return
        lock = self._left_behind.pop(0)
        if not lock.path.exists():
            lock.release()
            self._ask_recovery()
        elif not restore:
            lock.remove()
            self._ask_recovery()
        else:
            self.confirm_replace(lambda: self._restore_recovery(lock), "Restoring the autosaved session",
                                 cancelled=lambda: self._keep_recovery(lock))

    def _keep_recovery(self, lock: RecoveryLock) -> None:
        """Not restored now: the file stays, for the next start to offer."""
        lock.release()
        self._ask_recovery()

    def _restore_recovery(self, lock: RecoveryLock) -> None:
        def loaded(session: Session) -> None:
            try:
                self.restore(session, None)
            except (ExplorerError, ValueError) as exc:
                failed(exc)
                return
            self.mark_dirty()  # restored but not saved anywhere yet
            self._restored.append((lock, self._revision))  # deleted once saved, autosaved or closed
            self.controller.message.emit("Restored the autosaved session")
            self._ask_recovery()

        def failed(exc: Exception) -> None:
            self.controller.error.emit(str(exc))
            self._keep_recovery(lock)

        self.controller.run_long(load_session, lock.path, description="Restoring the autosaved session",
                                 on_result=loaded, on_error=failed)
