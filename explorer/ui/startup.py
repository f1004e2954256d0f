"""Builds the window from command-line options: the demo, or the files asked for."""

from __future__ import annotations

import sys
import time

from PySide6.QtCore import Qt, QTimer

from explorer.cli import parse_size
from explorer.core.demo import category_labels, demo_vocabulary
from explorer.core.schemes import InitConfig
from explorer.core.workspace import Workspace
from explorer.ui.main_window import MainWindow, app_instance


def demo_workspace(seed: int = 0) -> Workspace:
    """The built-in demo: its vocabulary, coloured by category; the matrix comes later."""
    vocab = demo_vocabulary(seed)
    workspace = Workspace(vocab, category_labels(vocab))
    workspace.init_config = InitConfig(scheme="normal", dim=64, seed=seed)
    return workspace


def run_window(args) -> int:
    app = app_instance()
    workspace = demo_workspace(args.seed or 0)
    config = workspace.init_config
    workspace.init_config = InitConfig(args.init or config.scheme, args.dim or config.dim,
                                       config.seed if args.seed is None else args.seed)
    window = MainWindow(workspace)
    window.init_panel.set_config(workspace.init_config)
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
        window.controller.idle.connect(lambda: QTimer.singleShot(0, grab))
        window.controller.error.connect(failed)

    window.show()
    if args.view == "3d":
        window.set_view("3d")
    def load_initial_state() -> None:
        # After the first paint, so torch's import never delays the window.
        if args.session:
            window.controller.open_path(args.session, "session")
        elif args.vectors:
            window.controller.open_path(args.vectors, "vectors")
        elif args.vocab:
            window.controller.open_path(args.vocab, "vocab")
        else:
            window.controller.reinitialize()

    if not args.startup_probe:
        window.first_painted.connect(load_initial_state, Qt.QueuedConnection)
    code = app.exec()
    return code or exit_code
