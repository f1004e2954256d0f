"""Journey: watch your own training live. A training loop (here a background thread using
explorer.Run) logs snapshots; the user watches the run file; each new snapshot moves the
points, the loss curve grows, and when the loop closes the run the timeline holds it all."""

from __future__ import annotations

import threading

import numpy as np

from explorer.api import Run
from explorer.core.tokens.demo import category_labels
from explorer.ui.watch import watch_run
from tests.journeys.conftest import points_in_view

STEPS = 8


def drifting(n: int, dim: int = 64):
    """Matrices moving from a random start towards one cluster per category."""
    rng = np.random.default_rng(0)
    start = (0.02 * rng.normal(size=(n, dim))).astype(np.float32)
    target = (rng.normal(size=(n, dim)) * 0.05).astype(np.float32)
    return [(start + (t / STEPS) * (target * 20 - start)).astype(np.float32) for t in range(STEPS + 1)]


def test_the_view_follows_a_run_as_it_is_logged(window, qtbot, tmp_path):
    vocab = window.workspace.vocab
    path = tmp_path / "mine.eerun"
    mats = drifting(len(vocab))
    run = Run(path, tokens=vocab, metadata=category_labels(vocab), durable=False)
    run.log(0, mats[0], loss=5.0)
    run.flush()

    watch = watch_run(window, path)
    with qtbot.waitSignal(watch.following, timeout=30000):
        pass
    training = window.train_panel.run
    assert training.running and window.workspace.vocab.tokens == vocab.tokens
    drawn = threading.Event()
    shown = []

    def on_frame(frame):
        if frame.coords is not None:
            shown.append(window.scatter2d.xy.copy())
            drawn.set()

    training.frame.connect(on_frame)

    def loop():  # the user's training: a new snapshot each time the window has drawn one
        for step in range(1, STEPS + 1):
            drawn.wait(30)
            drawn.clear()
            run.log(step, mats[step], loss=5.0 / (step + 1))
        run.close()

    thread = threading.Thread(target=loop)
    with qtbot.waitSignal(watch.finished, timeout=60000) as ended:
        thread.start()
    thread.join(30)
    assert ended.args == ["done"]

    assert len(shown) >= STEPS  # every snapshot animated the view as it arrived
    moved = np.linalg.norm(shown[-1] - shown[0], axis=1)
    assert np.median(moved) > 0.05 * np.ptp(shown[-1], axis=0).max()  # the points moved
    panel = window.train_panel
    assert [step for step, _ in panel.losses] == list(range(1, STEPS + 1))  # the loss curve grew
    xs, ys = panel.loss_plot.curve.getData()  # what the loss plot draws
    assert len(xs) == STEPS and ys[-1] < ys[0]
    assert len(panel.stability) >= STEPS - 1  # neighbourhood stability between the drawn frames
    assert len(training.timeline) == STEPS + 1 and training.timeline[-1].step == STEPS
    assert np.array_equal(window.workspace.weights, mats[-1])  # the run's last matrix is the matrix now
    assert window.state.matrix.made_by == f"run: mine.eerun, step {STEPS}"
    qtbot.waitUntil(lambda: window.controller.up_to_date, timeout=30000)
    assert points_in_view(window.scatter2d) == len(vocab)
    assert window.workspace.categories == category_labels(vocab)


def test_watching_waits_for_the_file_and_can_be_stopped(window, qtbot, tmp_path):
    path = tmp_path / "later.eerun"  # the training script has not started yet
    watch = watch_run(window, path)
    qtbot.waitUntil(lambda: window.controller.jobs.active > 0, timeout=10000)
    vocab = window.workspace.vocab
    run = Run(path, tokens=vocab, durable=False)
    with qtbot.waitSignal(watch.following, timeout=30000):
        run.log(0, np.ones((len(vocab), 8), np.float32), loss=1.0)
        run.flush()
    training = window.train_panel.run
    with qtbot.waitSignal(watch.finished, timeout=30000) as ended:
        training.stop()  # the loop still runs; the user stops watching
    assert ended.args == ["stopped"] and not training.running
    run.close()


def test_watch_from_the_command_line(qtbot, tmp_path, monkeypatch):
    """`embedding-explorer --watch RUN`: the window the command line opens follows the run."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    import explorer.ui.watch as watch_module
    from explorer.cli import open_window, parse_arguments
    from explorer.core.tokens.demo import demo_vocabulary

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))  # no other test's recovery files
    vocab = demo_vocabulary()
    path = tmp_path / "cli.eerun"
    mats = drifting(len(vocab))
    with Run(path, tokens=vocab, durable=False) as run:  # a run that ended before the window opened
        for step, m in enumerate(mats):
            run.log(step * 10, m, loss=1.0 / (step + 1))
    watches = []
    original = watch_module.watch_run

    def watching(window, run_path, **options):  # the window that --watch started: quit when its watch ends
        watch = original(window, run_path, **options)
        watches.append(watch)
        window.session_controller.prompt_on_close = False
        watch.finished.connect(lambda _outcome: QTimer.singleShot(0, QApplication.instance().quit))
        return watch

    monkeypatch.setattr(watch_module, "watch_run", watching)
    assert open_window(parse_arguments(["--watch", str(path)])) == 0  # returns when the watch ended
    (watch,) = watches
    window = watch.window
    try:
        assert watch.path == path
        assert window.workspace.vocab.tokens == vocab.tokens
        assert [s.step for s in window.train_panel.run.timeline.snapshots] == [10 * i for i in range(STEPS + 1)]
        assert np.array_equal(window.workspace.weights, mats[-1])
        assert window.state.matrix.made_by == f"run: cli.eerun, step {10 * STEPS}"
    finally:
        window.close()


def test_a_restarted_script_is_followed_again(window, qtbot, tmp_path):
    """The user stops the training script and starts it again (same file): the window follows the new run."""
    vocab = window.workspace.vocab
    path = tmp_path / "again.eerun"
    mats = drifting(len(vocab))
    first = Run(path, tokens=vocab, durable=False)
    first.log(0, mats[0], loss=3.0)
    first.flush()
    watch = watch_run(window, path)
    with qtbot.waitSignal(watch.following, timeout=30000):
        pass
    with qtbot.waitSignal(watch.finished, timeout=30000) as ended:
        first.close()
        second = Run(path, tokens=vocab, durable=False)  # the script again: a new run in the same file
        second.log(0, mats[3], loss=2.0)
        second.flush()
    assert ended.args == ["replaced"]  # seen when the GUI handles the end: the new run is there by then
    qtbot.waitUntil(lambda: window._run_watch is not watch and window.train_panel.run.running, timeout=30000)
    again = window._run_watch
    with qtbot.waitSignal(again.finished, timeout=30000) as done:
        second.log(1, mats[-1], loss=1.0)
        second.close()
    assert done.args == ["done"]
    assert [s.step for s in window.train_panel.run.timeline.snapshots] == [0, 1]  # the new run's, from its start
    assert np.array_equal(window.workspace.weights, mats[-1])


def test_watching_asks_before_replacing_unsaved_changes(window, qtbot, tmp_path):
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QMessageBox

    vocab = window.workspace.vocab
    window.state.init.seed = 5  # the user makes a new matrix: unsaved
    with qtbot.waitSignal(window.controller.idle, timeout=30000):
        window.controller.reinitialize()
    assert window.session_controller.dirty
    made = window.workspace.weights
    path = tmp_path / "run.eerun"
    run = Run(path, tokens=vocab, durable=False)
    run.log(0, np.ones((len(vocab), 8), np.float32), loss=1.0)
    run.flush()

    watch = watch_run(window, path)
    box = window.session_controller.unsaved_box
    assert box.isVisible() and "Watching run.eerun replaces it" in box.informativeText()
    qtbot.mouseClick(box.button(QMessageBox.Cancel), Qt.LeftButton)  # Cancel: nothing happens
    assert not box.isVisible() and window.controller.jobs.active == 0 and window.workspace.weights is made

    watch = watch_run(window, path)
    box = window.session_controller.unsaved_box
    with qtbot.waitSignal(watch.following, timeout=30000):
        qtbot.mouseClick(box.button(QMessageBox.Discard), Qt.LeftButton)  # Discard: the watch starts
    assert window.workspace.weights is not made and window.train_panel.run.running
    with qtbot.waitSignal(watch.finished, timeout=30000):
        run.close()
