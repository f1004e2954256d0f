"""Builds the window from command-line options: the demo, or the files asked for.

Each option writes the state (`state.init`, `state.view`, `state.presentation`) or calls a
public action (`window.load_path`, `controller.reinitialize`); the window follows."""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from PySide6.QtCore import QSettings, Qt, QTimer

from explorer.core import ExplorerError
from explorer.core.state.workspace import Workspace
from explorer.core.tokens.demo import category_labels, demo_vocabulary
from explorer.ui.main_window import MainWindow, app_instance


def parse_size(text: str) -> tuple[int, int]:
    try:
        width, height = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise ExplorerError(f"--size must look like 1400x860, got {text!r}") from None
    return width, height


def demo_workspace(seed: int = 0) -> Workspace:
    """The built-in demo: its vocabulary, coloured by category; the matrix comes later."""
    vocab = demo_vocabulary(seed)
    workspace = Workspace(vocab, category_labels(vocab))
    # GPT-2/BERT's init: a few seconds of skip-gram then visibly separates the categories.
    # (From N(0, 1) it does not within 20 epochs: Compare inits shows that lesson.)
    workspace.state.init.update(scheme="truncated_normal", dim=64, seed=seed)
    workspace.state.train.epochs = 20  # the README's "Start": twenty epochs (the CLI's default is 5)
    return workspace


def run_window(args) -> int:
    app = app_instance()
    workspace = demo_workspace(args.seed or 0)
    state = workspace.state
    init = state.init
    init.update(scheme=args.init or init.scheme, dim=args.dim or init.dim,
                seed=init.seed if args.seed is None else args.seed)
    if args.theme:
        state.view.theme = args.theme
    settings = None
    if args.screenshot or args.startup_probe:
        # Renders must not depend on, or change, the user's saved layout and recent files.
        settings = QSettings(str(Path(tempfile.mkdtemp(prefix="explorer-shot-")) / "settings.ini"),
                             QSettings.IniFormat)
    window = MainWindow(workspace, settings)
    if args.screenshot:
        window.resize(*parse_size(args.size))
    exit_code = 0

    if args.startup_probe:  # for benchmarks/startup.py: when did the first paint happen?
        def painted() -> None:
            print(f"first_paint_epoch={time.time():.6f}", flush=True)
            QTimer.singleShot(0, app.quit)

        window.first_painted.connect(painted)

    if args.screenshot:
        def grab() -> None:
            window.scatter2d.flush_overlays()  # captions and contours where the points are now
            app.processEvents()
            if not window.grab().save(args.screenshot):
                print(f"error: could not write {args.screenshot}", file=sys.stderr)
                app.exit(1)
                return
            window.close()
            app.exit(0)

        def failed(message: str) -> None:
            nonlocal exit_code
            print(f"error: {message}", file=sys.stderr)
            exit_code = 1
            window.close()
            app.exit(1)

        # Deferred one turn so every other slot (status bar, labels) has run first.
        if args.tour:  # a tour step is ready once its training and lookups are done
            window.tours.step_ready.connect(lambda _i: QTimer.singleShot(0, grab))
        else:
            window.controller.idle.connect(lambda: QTimer.singleShot(0, grab))
        window.controller.error.connect(failed)
        window.session_controller.prompt_on_close = False

    window.show()
    state.view.mode = args.view

    def load_initial_state() -> None:
        # After the first paint, so torch's import never delays the window.
        if args.present:
            window.presentation.full_screen = not args.screenshot  # a screenshot keeps --size
            state.presentation.active = True
        watch = getattr(args, "watch", None)
        if args.open_file or args.session or args.vectors or args.vocab or watch:
            window.welcome_done()  # they came with their own file: no first-start hint
        if args.open_file:  # `embedding-explorer FILE`: a double-clicked session, or any file the app reads
            window.load_path(args.open_file)
        elif args.session:
            window.load_path(args.session, "session")
        elif args.vectors:
            window.load_path(args.vectors, "vectors")
        elif args.vocab:
            window.load_path(args.vocab, "vocab")
        elif watch:  # --watch RUN: the window shows the run's vocabulary and follows it
            from explorer.ui.watch import watch_run

            watch_run(window, watch, confirm=False)
        elif not args.tour:
            window.controller.reinitialize()
        if args.tour:  # the player follows; an unknown tour is reported as an error
            state.presentation.update(tour=args.tour, tour_step=(args.tour_step or 1) - 1)
        if not args.screenshot:  # after a crash, offer the autosaved session
            window.session_controller.offer_recovery()

    if not args.startup_probe:
        window.first_painted.connect(load_initial_state, Qt.QueuedConnection)
    code = app.exec()
    return code or exit_code
