"""The Training dock: live training in a worker, Pause/Stop within 200 ms, frames reach the
view, a timeline replays the run, Compare inits, Evaluate, and closing stops the worker."""

import time

import numpy as np
from PySide6.QtCore import QThreadPool
from superqt.utils import WorkerBase

from explorer.ui.main_window import MainWindow
from explorer.ui.startup import demo_workspace
from explorer.ui.training import Timeline


def _frames(panel):
    got = []
    panel.run.frame.connect(lambda f: got.append(f) if f.coords is not None else None)
    return got


def test_training_moves_the_view_live_and_writes_the_trained_matrix(window, qtbot):
    panel = window.train_panel
    panel.epochs.setValue(3)
    before = window.workspace.weights.copy()
    shown = []
    window.controller.projection_ready.connect(lambda coords, _e: shown.append(coords.copy()))
    frames = _frames(panel)
    with qtbot.waitSignal(panel.run.finished, timeout=60000) as blocker:
        panel.start_button.click()
    assert blocker.args == ["done"]
    assert frames, "no projected frame reached the GUI"
    assert len(shown) >= 2 and all(c.shape == (len(window.workspace.vocab), 2) for c in shown)
    assert not np.allclose(shown[0], shown[-1])  # the points moved
    assert window.scatter2d.point_count == len(window.workspace.vocab)
    assert not np.allclose(window.workspace.weights, before)
    assert panel.losses and panel.status.text().startswith("Finished")
    # the timeline replays the run
    assert panel.timeline.isEnabled() and panel.timeline.maximum() >= 1
    shown.clear()
    panel.timeline.setValue(0)
    assert shown and "step 0" in panel.timeline_label.text()


def test_pause_resume_and_stop_act_within_200_ms(window, qtbot):
    panel = window.train_panel
    panel.epochs.setValue(1000)
    panel.start_button.click()
    # measured while steps run (the first step also warms torch up)
    qtbot.waitUntil(lambda: panel.run.last is not None and panel.run.last.step >= 5, timeout=30000)
    start = time.perf_counter()
    with qtbot.waitSignal(panel.run.paused, timeout=2000):
        panel.pause_button.click()
    assert panel.run.paused_at - start < 0.2  # when the worker itself stopped stepping
    assert panel.resume_button.isEnabled() and not panel.pause_button.isEnabled()
    step = panel.run.last.step
    with qtbot.waitSignal(panel.run.resumed, timeout=2000):
        panel.resume_button.click()
    qtbot.waitUntil(lambda: panel.run.last.step >= step + 3, timeout=30000)  # it trains again
    start = time.perf_counter()
    with qtbot.waitSignal(panel.run.finished, timeout=5000) as blocker:
        panel.stop_button.click()
    assert panel.run.stopped_at - start < 0.2
    assert blocker.args == ["stopped"]
    assert panel.start_button.isEnabled()


def test_closing_the_window_during_training_leaves_no_thread_running(qtbot):
    window = MainWindow(demo_workspace())
    qtbot.addWidget(window)
    window.show()
    with qtbot.waitSignal(window.controller.idle, timeout=30000):
        window.controller.reinitialize()
    panel = window.train_panel
    panel.epochs.setValue(1000)
    with qtbot.waitSignal(panel.run.frame, timeout=30000, check_params_cb=lambda f: f.stage == "training"):
        panel.start_button.click()
    assert panel.run.running
    window.session_controller.prompt_on_close = False  # no "save changes?" question here
    window.close()
    # stop_all quit the worker and waited: no pool thread is still busy once close returns
    assert QThreadPool.globalInstance().activeThreadCount() == 0
    qtbot.waitUntil(lambda: not WorkerBase._worker_set, timeout=2000)


def test_a_diverging_run_reports_and_keeps_the_last_good_weights(window, qtbot, monkeypatch):
    """The real NaN is tested in tests/core/test_train.py; here the loss turns NaN on step 8."""
    from explorer.core.training import train as core_train

    real_step = core_train._SGNS._step
    calls = []

    def step(self, *args, **kwargs):
        calls.append(1)
        loss = real_step(self, *args, **kwargs)
        return float("nan") if len(calls) >= 8 else loss

    monkeypatch.setattr(core_train._SGNS, "_step", step)
    panel = window.train_panel
    panel.epochs.setValue(5)
    with qtbot.waitSignal(panel.run.finished, timeout=60000) as blocker:
        panel.start_button.click()
    assert blocker.args == ["diverged"]
    assert "last good" in window.last_error
    assert np.isfinite(window.workspace.weights).all()
    assert panel.run.last.step < 8  # the weights written are those of a step before the NaN
    assert np.array_equal(window.workspace.weights, panel.run.last.weights)
    assert window.workspace.weights is not None and "diverged" in panel.status.text()


def test_compare_inits_overlays_curves_and_reports_isotropy(window, qtbot):
    panel = window.train_panel
    panel.epochs.setValue(1)
    panel.set_race_schemes(["normal", "word2vec"])
    with qtbot.waitSignal(panel.race_finished, timeout=60000) as blocker:
        panel.race_button.click()
    isotropy = blocker.args[0]
    assert set(isotropy) == {"normal", "word2vec"}
    assert all(0.0 <= v <= 1.0 for v in isotropy.values())
    assert all(len(curve) >= 1 for curve in panel.race_curves.values())
    assert "isotropy" in panel.race_result.text()


def test_evaluate_button_scores_the_current_matrix(window, qtbot, tmp_path):
    pairs = tmp_path / "pairs.tsv"
    pairs.write_text("# demo pairs\ndog\tcat\t9\ndog\tapple\t1\napple\tpear\t8\nred\tblue\t7\nzzz\tdog\t3\n")
    panel = window.train_panel
    panel.similarity_path.setText(str(pairs))
    with qtbot.waitSignal(panel.evaluated, timeout=30000) as blocker:
        panel.evaluate_button.click()
    result = blocker.args[0]
    assert result.pairs_used == 4 and result.pairs_oov == 1
    assert "Spearman" in panel.evaluation.text()


def test_timeline_stays_within_its_bound_and_spans_the_run():
    class Snap:
        def __init__(self, step, progress=0.5):
            self.step, self.progress = step, progress
            self.weights = np.zeros((10, 10), dtype=np.float32)

    timeline = Timeline(max_bytes=10 * 400, max_count=64)
    for step in range(1000):
        timeline.add(Snap(step))
    timeline.add(Snap(1000, progress=1.0))
    assert len(timeline) <= 10
    assert timeline[0].step == 0 and timeline[-1].step == 1000
    steps = [s.step for s in timeline.snapshots]
    assert steps == sorted(steps)


def test_a_saved_session_keeps_the_run_and_its_timeline_replays(window, qtbot, tmp_path):
    from explorer.core.io.session import load_session
    from explorer.ui.main_window import MainWindow
    from explorer.ui.startup import demo_workspace

    panel = window.train_panel
    panel.epochs.setValue(2)
    with qtbot.waitSignal(panel.run.finished, timeout=60000):
        panel.start_button.click()
    qtbot.waitUntil(lambda: window.controller.jobs.active == 0, timeout=30000)
    kept, losses = len(panel.run.timeline), list(panel.losses)
    assert kept > 1 and losses
    sessions = window.session_controller
    sessions.recovery_path = tmp_path / "recovery.eexp"
    path = tmp_path / "run.eexp"
    with qtbot.waitSignal(sessions.saved, timeout=30000):
        sessions.save_to(path)
    saved = load_session(path)
    assert saved.train_config["epochs"] == 2 and saved.train_config["corpus"] == "demo"
    assert len(saved.snapshots) == kept
    assert saved.history["loss"] == [[step, loss] for step, loss in losses]

    other = MainWindow(demo_workspace())
    qtbot.addWidget(other)
    other.session_controller.recovery_path = tmp_path / "recovery-2.eexp"
    other.session_controller.prompt_on_close = False
    other.show()
    with qtbot.waitSignal(other.session_controller.opened, timeout=30000):
        other.open_path(path)
    restored = other.train_panel
    assert restored.epochs.value() == 2 and restored.losses == losses
    assert len(restored.run.timeline) == kept and restored.timeline.isEnabled()
    with qtbot.waitSignal(other.controller.projection_ready, timeout=30000):
        restored.timeline.setValue(0)  # the first saved snapshot is shown again
    basis = restored.run.basis  # fitted once, on the GUI thread only as a PCA/SVD transform
    assert basis is not None and restored.run.settings.method in ("pca", "svd")
    with qtbot.waitSignal(other.controller.projection_ready, timeout=30000):
        restored.timeline.setValue(kept - 1)
    assert restored.run.basis is basis  # later steps reuse it: frames stay put
    qtbot.waitUntil(lambda: other.controller.jobs.active == 0, timeout=30000)
    other.close()
