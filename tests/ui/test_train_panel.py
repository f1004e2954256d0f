"""The Training dock: live training in a worker, Pause/Stop within 200 ms, frames reach the
view, a timeline replays the run, Compare inits, Evaluate, and closing stops the worker.
Its settings are `state.train`'s fields (the boxes are bound to them)."""

import time

import numpy as np
from PySide6.QtCore import QThreadPool, Qt
from superqt.utils import WorkerBase

from explorer.core.state.workspace import Workspace
from explorer.core.training.config import DEFAULT_LR, TrainConfig
from explorer.ui.controller import Controller
from explorer.ui.main_window import MainWindow
from explorer.ui.panels.train_panel import TrainPanel
from explorer.ui.startup import demo_workspace


def _frames(panel):
    got = []
    panel.run.frame.connect(lambda f: got.append(f) if f.coords is not None else None)
    return got


def test_training_moves_the_view_live_and_writes_the_trained_matrix(window, qtbot):
    panel = window.train_panel
    window.state.train.epochs = 3
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
    # what made the matrix, for the Initialization dock
    assert window.state.matrix.made_by == "trained: Skip-gram (negative sampling), epoch 3 of 3"
    assert window.state.matrix.kind == "trained"
    # the timeline replays the run
    assert panel.timeline.isEnabled() and panel.timeline.maximum() >= 1
    shown.clear()
    panel.timeline.setValue(0)
    assert shown and "step 0" in panel.timeline_label.text()


def test_pause_resume_and_stop_act_within_200_ms(window, qtbot):
    panel = window.train_panel
    window.state.train.epochs = 1000
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
    last = panel.run.last
    assert window.state.matrix.made_by.endswith(f", epoch {last.epoch + 1} of 1000")


def test_closing_the_window_during_training_leaves_no_thread_running(qtbot):
    window = MainWindow(demo_workspace())
    qtbot.addWidget(window)
    window.show()
    with qtbot.waitSignal(window.controller.idle, timeout=30000):
        window.controller.reinitialize()
    panel = window.train_panel
    window.state.train.epochs = 1000
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
    window.state.train.epochs = 5
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
    window.state.train.epochs = 1
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


def test_a_saved_session_keeps_the_run_and_its_timeline_replays(window, qtbot, tmp_path):
    from explorer.core.io.session import load_session
    from explorer.ui.main_window import MainWindow
    from explorer.ui.startup import demo_workspace

    panel = window.train_panel
    window.state.train.epochs = 2
    with qtbot.waitSignal(panel.run.finished, timeout=60000):
        panel.start_button.click()
    qtbot.waitUntil(lambda: window.controller.jobs.active == 0, timeout=30000)
    kept, losses = len(panel.run.timeline), list(panel.losses)
    epochs = [s.epoch for s in panel.run.timeline.snapshots]
    assert kept > 1 and losses and epochs[-1] == 1
    sessions = window.session_controller
    sessions.recovery_path = tmp_path / "recovery.eexp"
    path = tmp_path / "run.eexp"
    with qtbot.waitSignal(sessions.saved, timeout=30000):
        sessions.save_to(path)
    saved = load_session(path)
    assert saved.state["train"]["epochs"] == 2 and saved.state["train"]["corpus"] == "demo"
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
    assert restored.epochs.value() == 2 == other.state.train.epochs and restored.losses == losses
    assert len(restored.run.timeline) == kept and restored.timeline.isEnabled()
    assert [s.epoch for s in restored.run.timeline.snapshots] == epochs  # their true epochs
    with qtbot.waitSignal(other.controller.projection_ready, timeout=30000):
        restored.timeline.setValue(0)  # the first saved snapshot is shown again
    basis = restored.run.basis  # fitted once, on the GUI thread only as a PCA/SVD transform
    assert basis is not None and restored.run.settings.method in ("pca", "svd")
    with qtbot.waitSignal(other.controller.projection_ready, timeout=30000):
        restored.timeline.setValue(kept - 1)
    assert restored.run.basis is basis  # later steps reuse it: frames stay put
    assert "(epoch 2)" in restored.timeline_label.text()
    qtbot.waitUntil(lambda: other.controller.jobs.active == 0, timeout=30000)
    other.close()


def test_the_boxes_show_train_config_defaults_and_follow_the_state(qtbot):
    workspace = Workspace(demo_workspace().vocab)  # not the demo: TrainConfig's own defaults
    panel = TrainPanel(workspace, Controller(workspace))
    qtbot.addWidget(panel)
    defaults = TrainConfig()
    assert panel.epochs.value() == defaults.epochs and panel.batch.value() == defaults.batch_size
    assert panel.objective.currentData() == defaults.objective and panel.learnable.isChecked()
    assert panel.lr.value() == DEFAULT_LR["sgns"] and workspace.state.train.lr is None

    train = workspace.state.train
    train.update(objective="lm", lr=0.01, context_length=16, positional="learned", tied=False,
                 freeze_embeddings=True, device="cpu", seed=7, corpus="/data/corpus.txt")
    assert panel.objective.currentData() == "lm" and panel.lr.value() == 0.01  # a restored lr stays
    assert (panel.context.value(), panel.positional.currentText()) == (16, "learned")
    assert not panel.tied.isChecked() and not panel.learnable.isChecked()
    assert panel.device.currentData() == "cpu" and panel.seed.value() == 7
    assert panel.corpus_label.text() == "/data/corpus.txt" and panel.corpus.currentData() == "file"


def test_the_boxes_write_state_train_and_picking_an_objective_resets_its_lr(window, qtbot):
    panel, train = window.train_panel, window.state.train
    panel.lr.setValue(0.05)
    panel.learnable.setChecked(False)
    assert train.lr == 0.05 and train.freeze_embeddings is True
    panel.objective.setFocus()
    qtbot.keyClick(panel.objective, Qt.Key_Down)  # the user picks the next objective: CBOW
    assert train.objective == "cbow" and train.lr is None
    assert panel.lr.value() == DEFAULT_LR["cbow"]
    qtbot.keyClick(panel.objective, Qt.Key_Down)  # the language model: its own default lr
    assert train.objective == "lm" and panel.lr.value() == DEFAULT_LR["lm"]
    assert not panel.lm_row.isHidden() and not panel.window_size.isEnabled()
    panel.lr.setValue(DEFAULT_LR["lm"] * 2)
    with qtbot.waitSignal(panel.run.started, timeout=5000):
        panel.start_button.click()
    assert panel.run.config.objective == "lm" and panel.run.config.learning_rate == DEFAULT_LR["lm"] * 2
    assert panel.run.config is not train  # the run got a copy: editing the boxes changes nothing
    panel.epochs.setValue(panel.epochs.value() + 1)
    assert panel.run.config.epochs == train.epochs - 1
    with qtbot.waitSignal(panel.run.finished, timeout=30000):
        panel.run.stop()


def test_run_history_and_load_history_give_a_run_back_with_its_true_epochs(window, qtbot):
    panel = window.train_panel
    window.state.train.epochs = 3
    with qtbot.waitSignal(panel.run.finished, timeout=60000):
        panel.start_button.click()
    history, snapshots = panel.run_history()
    assert history["loss"] == [[step, loss] for step, loss in panel.losses]
    assert all(a is b for a, b in zip(snapshots, panel.run.timeline.snapshots, strict=True))
    assert len({s.epoch for s in snapshots}) == 3

    other = MainWindow(demo_workspace())  # as a session opens: the vocabulary, then the run
    qtbot.addWidget(other)
    other.show()
    with qtbot.waitSignal(other.controller.idle, timeout=30000):
        other.controller.reinitialize()
    restored = other.train_panel
    restored.load_history(history, snapshots)
    assert restored.losses == panel.losses and restored.timeline.maximum() == len(snapshots) - 1
    shown = []
    for index, snap in enumerate(snapshots):
        restored.timeline.setValue(index)
        shown.append(restored.timeline_label.text())
        assert f"step {snap.step:,} (epoch {snap.epoch + 1})" in shown[-1]
    assert any("(epoch 2)" in text for text in shown)
    again, kept = restored.run_history()
    assert again == history and all(a is b for a, b in zip(kept, snapshots, strict=True))
    other.session_controller.prompt_on_close = False
    other.close()
