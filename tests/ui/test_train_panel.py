"""The Training dock: live training in a worker, Pause/Stop within 200 ms, frames reach the
view, a timeline replays the run, Compare inits, Evaluate, and closing stops the worker.
Its settings are `state.train`'s fields (the boxes are bound to them)."""

import re
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


def _in_view(plot_widget, xs, ys) -> bool:
    """Every (x, y) inside the plot's visible range."""
    (x0, x1), (y0, y1) = plot_widget.viewRange()
    xs, ys = np.asarray(xs, float), np.asarray(ys, float)
    return bool(len(xs)) and xs.min() >= x0 and xs.max() <= x1 and ys.min() >= y0 and ys.max() <= y1


def _plain(text: str) -> str:
    return re.sub("<[^>]+>", "", text)


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
    from dataclasses import replace

    from explorer.core.training import train as core_train

    engine = getattr(core_train, "_Kernel", None)  # the CPU kernel of sgns (else torch's _SGNS)
    if engine is not None:
        real_steps = engine.steps

        def steps(self):
            for i, state in enumerate(real_steps(self)):
                yield replace(state, loss=float("nan")) if i >= 7 else state

        monkeypatch.setattr(engine, "steps", steps)
    else:
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
    plot = panel.loss_plot
    for name, curve in panel.race_curves.items():  # every run's every loss is in view
        steps, losses = zip(*curve)
        assert _in_view(plot.plot, steps, losses)
        assert np.array_equal(plot.race_items[name].getData()[0], steps)
    assert plot.legend_names() == ["N(0, 1)", "word2vec"]  # one named entry per run, no empty "loss"
    assert not plot.curve.isVisible()


def test_compare_inits_shows_one_small_moving_scatter_per_init(window, qtbot):
    panel = window.train_panel
    window.state.train.epochs = 2
    panel.set_race_schemes(["normal", "truncated_normal", "word2vec"])
    reports = []  # what the worker yields, as the panel receives it
    show = panel._on_race
    panel._on_race = lambda item: (reports.append(item), show(item))
    with qtbot.waitSignal(panel.race_finished, timeout=90000):
        panel.race_button.click()
    plots = panel.race_view.plots
    starts = {r.name: r.coords for r in reports if r is not None and r.step == 0}
    assert set(starts) == set(plots)  # every plot showed its run's start first
    n = len(window.workspace.vocab)
    assert list(plots) == ["normal", "truncated_normal", "word2vec"]
    assert panel.race_view.isVisible() and all(p.plot.isVisible() for p in plots.values())
    widths = [p.plot.width() for p in plots.values()]
    assert max(widths) - min(widths) <= 1  # side by side, the same size...
    assert all(p.plot.height() == p.plot.width() for p in plots.values())  # ...and square
    assert len({p.plot.mapTo(panel, p.plot.rect().topLeft()).y() for p in plots.values()}) == 1
    for name, p in plots.items():
        assert p.xy.shape == (n, 2) and np.isfinite(p.xy).all()
        assert len(p.points.data) == n
        (x0, x1), (y0, y1) = p.plot.viewRange()
        assert (p.xy[:, 0] >= x0).all() and (p.xy[:, 0] <= x1).all()
        assert (p.xy[:, 1] >= y0).all() and (p.xy[:, 1] <= y1).all()
        assert not np.allclose(p.xy, starts[name])  # the points moved as the run trained
        assert "100%" in p.status_text
    # an audience sees std 0.02 separate more than N(0, 1): categories are tighter there
    labels = np.array(window.workspace.categories)
    def spread(xy):
        kinds = [c for c in set(labels) if c != "function"]
        return np.mean([xy[labels == c].std(0).sum() for c in kinds])
    assert spread(plots["truncated_normal"].xy) < spread(plots["normal"].xy)


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
    with qtbot.waitSignal(other.controller.projection_ready, timeout=30000) as first:
        restored.timeline.setValue(0)  # the first saved snapshot is shown again
    assert restored.run.settings.method in ("pca", "svd")  # replays never run t-SNE
    with qtbot.waitSignal(other.controller.projection_ready, timeout=30000):
        restored.timeline.setValue(kept - 1)
    assert "(epoch 2)" in restored.timeline_label.text()
    with qtbot.waitSignal(other.controller.projection_ready, timeout=30000) as again:
        restored.timeline.setValue(0)
    assert np.array_equal(again.args[0], first.args[0])  # the same frame each time it is shown
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


def test_the_loss_plot_shows_all_its_data_and_the_latest_value(window, qtbot):
    panel = window.train_panel
    window.state.train.epochs = 3
    with qtbot.waitSignal(panel.run.finished, timeout=60000):
        panel.start_button.click()
    steps, losses = zip(*panel.losses)
    plot = panel.loss_plot
    xs, ys = plot.curve.getData()
    assert np.array_equal(xs, steps) and np.allclose(ys, losses)  # every loss is drawn...
    assert _in_view(plot.plot, steps, losses)  # ...inside the plot
    assert f"loss {losses[-1]:.4f} at step {steps[-1]:,}" in _plain(plot.value_label.text())
    assert plot.legend_names() == []  # one run: no legend, and no empty "loss" entry
    assert "nan" not in panel.status.text()


def test_the_stability_curve_shows_each_drawn_frames_overlap_and_states_its_sample(window, qtbot):
    panel = window.train_panel
    window.state.train.epochs = 3
    frames = _frames(panel)
    with qtbot.waitSignal(panel.run.finished, timeout=60000):
        panel.start_button.click()
    measured = [(f.snapshot.step, f.stability) for f in frames if f.stability is not None]
    assert measured and panel.stability == measured
    plot = panel.loss_plot
    assert plot.stability_plot.isVisible() and plot.stability_caption.isVisible()
    steps, values = zip(*measured)
    xs, ys = plot.stability_curve.getData()
    assert np.array_equal(xs, steps) and all(0.0 <= v <= 1.0 for v in ys)
    (x0, x1), (y0, y1) = plot.stability_plot.viewRange()
    assert y0 <= 0.0 and y1 >= 1.0 and min(steps) >= x0 and max(steps) <= x1  # the 0..1 axis, all steps
    sample = frames[-1].stability_sample
    caption = plot.stability_caption.text()
    assert sample > 0 and f"{sample:,} sampled tokens" in caption and "top-10" in caption
    assert f"now {values[-1]:.2f}" in caption
    history, _ = panel.run_history()  # saved with the session
    assert history["stability"] == [[s, v] for s, v in measured] and history["stability_sample"] == sample


def test_play_replays_the_run_with_step_epoch_and_loss_and_pause_stops_it(window, qtbot):
    panel = window.train_panel
    window.state.train.epochs = 3
    assert not panel.play_button.isEnabled()  # nothing to replay yet
    with qtbot.waitSignal(panel.run.finished, timeout=60000):
        panel.start_button.click()
    n = len(panel.run.timeline)
    assert n >= 3 and panel.play_button.isEnabled()
    panel.timeline.setValue(0)
    text = panel.timeline_label.text()
    assert "step 0 (epoch 1)" in text and "start" in text and "nan" not in text  # step 0 has no loss yet
    shown = []
    panel.timeline.valueChanged.connect(shown.append)
    panel.play_speed.setCurrentIndex(panel.play_speed.findData(4.0))
    qtbot.mouseClick(panel.play_button, Qt.LeftButton)
    assert panel.playing and "Pause" in panel.play_button.text()
    qtbot.waitUntil(lambda: not panel.playing, timeout=30000)  # it stops at the end
    assert panel.timeline.value() == n - 1 and shown == sorted(shown) and len(shown) >= 2
    last = panel.run.timeline[n - 1]
    assert f"step {last.step:,} (epoch {last.epoch + 1}), loss {last.loss:.4f}" in panel.timeline_label.text()
    assert "Play" in panel.play_button.text()
    assert panel.loss_plot.marker.isVisible() and panel.loss_plot.marker.value() == last.step
    panel.play_speed.setCurrentIndex(panel.play_speed.findData(0.25))
    qtbot.mouseClick(panel.play_button, Qt.LeftButton)  # from the end: it starts over
    assert panel.timeline.value() == 0 and panel.playing
    qtbot.waitUntil(lambda: panel.timeline.value() >= 1, timeout=30000)
    qtbot.mouseClick(panel.play_button, Qt.LeftButton)  # Pause
    assert not panel.playing and not panel.play_timer.isActive() and "Play" in panel.play_button.text()


def test_replay_times_follow_the_run_with_a_floor_per_snapshot():
    from explorer.core.training.snapshot import Snapshot
    from explorer.ui.panels.train_panel import PLAY_MIN_SECONDS, replay_times

    def snap(elapsed):
        return Snapshot(step=0, epoch=0, loss=1.0, tokens_seen=0, weights=np.zeros((1, 1)), elapsed=elapsed)

    times = replay_times([snap(0.0), snap(2.0), snap(2.01), snap(5.0)])
    assert np.allclose(times, [0.0, 2.0, 2.0 + PLAY_MIN_SECONDS, 5.0 + PLAY_MIN_SECONDS - 0.01])
    restored = replay_times([snap(0.0)] * 4)  # a session without times: the floor
    assert np.allclose(np.diff(restored), PLAY_MIN_SECONDS)


def test_the_pace_box_is_state_train_pace_and_a_paced_run_takes_at_least_that_long(window, qtbot):
    panel, train = window.train_panel, window.state.train
    assert panel.pace.text() == "full speed" and train.pace == 0
    panel.pace.setFocus()
    panel.pace.lineEdit().selectAll()
    qtbot.keyClicks(panel.pace.lineEdit(), "20")
    qtbot.keyClick(panel.pace, Qt.Key_Return)
    assert train.pace == 20.0 and panel.pace.text() == "20 s"
    train.pace = 0.0  # a tour or a session sets it: the box follows
    assert panel.pace.text() == "full speed"
    train.update(pace=3.0, epochs=1)
    arrivals = []  # (seconds since Start, progress) of each snapshot reaching the panel
    panel.run.frame.connect(lambda f: f.snapshot is not None
                            and arrivals.append((time.perf_counter() - start, f.snapshot.progress)))
    start = time.perf_counter()
    with qtbot.waitSignal(panel.run.finished, timeout=60000) as blocker:
        panel.start_button.click()
    assert blocker.args == ["done"] and panel.run.config.pace == 3.0 and panel.losses
    # the pace's promise (a floor, not a speed target): progress p is not shown before p x 3 s
    assert arrivals and arrivals[-1][1] >= 1.0
    assert all(seconds >= 3.0 * progress - 0.01 for seconds, progress in arrivals)


def test_stop_ends_a_race_and_gives_the_buttons_back(window, qtbot):
    panel = window.train_panel
    window.state.train.epochs = 1000
    panel.set_race_schemes(["normal", "truncated_normal"])
    qtbot.mouseClick(panel.race_button, Qt.LeftButton)
    assert not panel.race_button.isEnabled() and panel.race_stop.isEnabled() and not panel.start_button.isEnabled()
    qtbot.waitUntil(lambda: all(len(c) >= 2 for c in panel.race_curves.values()), timeout=60000)
    qtbot.waitUntil(lambda: re.search(r"Racing N\(0, 1\), std 0\.02: epoch \d+ of 1000", panel.race_result.text()),
                    timeout=30000)  # the texts redraw a few times a second
    with qtbot.waitSignal(panel.race_finished, timeout=10000):
        qtbot.mouseClick(panel.race_stop, Qt.LeftButton)
    assert panel.race_button.isEnabled() and not panel.race_stop.isEnabled() and panel.start_button.isEnabled()
    assert all(p.status_text != "100%" for p in panel.race_view.plots.values())  # stopped part-way
