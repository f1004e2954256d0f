"""File ▸ Export ▸ Recording…: the window's run drawn by the real view offscreen and written
as GIF / MP4, with progress and Cancel, the GUI never blocked."""

import numpy as np
import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QDialogButtonBox

from explorer.core.io.recording import plan_recording
from explorer.core.io.video import read_video
from explorer.core.tokens.demo import category_labels, demo_vocabulary
from explorer.core.training.snapshot import Snapshot
from explorer.ui.recording import FrameRenderer, RecordingJob, export_recording_dialog, window_plan
from explorer.ui.theme import DARK, category_colors


def _snapshots(n_tokens, dim=8, count=4, seed=0):
    rng = np.random.default_rng(seed)
    start = rng.standard_normal((n_tokens, dim)).astype(np.float32) * 0.05
    goal = rng.standard_normal((n_tokens, dim)).astype(np.float32)
    return [Snapshot(25 * k, k, 4.0 - 0.5 * k if k else float("nan"), 500 * k,
                     start + (goal - start) * k / (count - 1)) for k in range(count)]


def _leftovers(folder):
    return [p.name for p in folder.iterdir() if p.name.endswith(".tmp")]


def test_a_frame_shows_points_labels_title_and_legend_at_the_exact_size(qtbot):
    vocab = demo_vocabulary()
    colors, legend = category_colors(category_labels(vocab), len(vocab))
    plan = plan_recording(_snapshots(len(vocab)), epochs=4, trail_ids=[vocab.tokens.index("dog")])
    renderer = FrameRenderer(plan, vocab.tokens, colors, legend, size=(480, 320), theme=DARK,
                             label_ids=[vocab.tokens.index(t) for t in ("cat", "apple", "paris")])
    try:
        pixels = renderer.render(plan.frame(2))
        view = renderer.view
        assert pixels.shape == (320, 480, 3)
        assert view.getPlotItem().titleLabel.text.startswith("step 50 · epoch 3 of 4 · loss 3.0000")
        assert {"cat", "apple", "paris"} <= set(view.labels)
        assert [name for name, _ in view.legend_entries] == [name for name, _ in legend]
        assert view.trails.paths.shape == (1, 3, 2)  # dog's path over the three frames so far
        background = np.array([0x1E, 0x1F, 0x22])
        assert np.abs(pixels[5, 5].astype(int) - background).max() <= 2  # the dark theme's background
        animal = np.array(legend[0][1][:3])  # the first category's colour is on the points
        assert np.count_nonzero(np.abs(pixels.astype(int) - animal).max(axis=2) < 12) > 20
        (x0, x1), (y0, y1) = view.viewbox.viewRange()
        xy = plan.frame(2).coords
        assert x0 <= xy[:, 0].min() and xy[:, 0].max() <= x1 and y0 <= xy[:, 1].min() and xy[:, 1].max() <= y1
    finally:
        renderer.close()


def test_the_job_renders_frame_by_frame_in_the_event_loop(qtbot, tmp_path):
    vocab = demo_vocabulary()
    colors, legend = category_colors(category_labels(vocab), len(vocab))
    plan = plan_recording(_snapshots(len(vocab), count=6))
    job = RecordingJob(FrameRenderer(plan, vocab.tokens, colors, legend, size=(320, 200)),
                       tmp_path / "r.gif", fps=5, hold=0)
    seen, events = [], []
    job.progress.connect(lambda done, total: seen.append((done, total)))
    job.start()
    QTimer.singleShot(0, lambda: events.append(job.done))  # runs while the job is still going
    with qtbot.waitSignal(job.finished, timeout=30000) as blocker:
        pass
    assert seen == [(k, 6) for k in range(1, 7)]
    assert events and events[0] < 6  # the GUI thread ran other work between frames
    assert blocker.args[0] == tmp_path / "r.gif" and len(read_video(tmp_path / "r.gif")[0]) == 6


def test_cancel_while_the_snapshots_are_projected_leaves_no_file(qtbot, tmp_path):
    vocab = demo_vocabulary()
    colors, legend = category_colors(category_labels(vocab), len(vocab))
    plan = plan_recording(_snapshots(len(vocab), count=6))
    job = RecordingJob(FrameRenderer(plan, vocab.tokens, colors, legend, size=(320, 200)),
                       tmp_path / "r.mp4", fps=5, hold=0)
    with qtbot.waitSignal(job.cancelled, timeout=30000):
        job.start()
        job.cancel()  # before the worker projects the first snapshot
    assert job.done == 0 and not job.running
    assert not (tmp_path / "r.mp4").exists() and _leftovers(tmp_path) == []


@pytest.fixture
def trained(window):
    """The window after a run: its timeline holds four snapshots (as a reopened session has them)."""
    snaps = _snapshots(len(window.workspace.vocab), dim=window.workspace.dim)
    window.train_panel.load_history({"loss": [[s.step, 4.0] for s in snaps]}, snaps)
    return window, snaps


def test_the_recording_shows_each_snapshot_where_the_window_replays_it(trained):
    window, snaps = trained
    plan = window_plan(window)
    run = window.train_panel.run
    for i in range(len(snaps)):
        np.testing.assert_allclose(plan.frame(i).coords, run.replay_projection(i).full_coords()[:, :2],
                                   rtol=1e-5, atol=1e-6)
        assert plan.frame(i).axis_titles == tuple(run.replay_projection(i).axis_titles[:2])


def test_the_dialog_records_the_window_run_as_mp4(trained, qtbot, tmp_path):
    window, snaps = trained
    shown = window.scatter2d.xy.copy()
    dialog = export_recording_dialog(window)
    qtbot.addWidget(dialog)
    dialog.format_box.setCurrentIndex(dialog.format_box.findData("mp4"))
    assert dialog.path_edit.text().endswith(".mp4")
    dialog.width_box.setValue(400)
    dialog.height_box.setValue(300)
    dialog.fps_box.setValue(6)
    dialog.hold_box.setValue(0)
    out = tmp_path / "window-run.mp4"
    dialog.path_edit.setText(str(out))
    with qtbot.waitSignal(dialog.recorded, timeout=60000) as blocker:
        QTest.mouseClick(dialog.buttons.button(QDialogButtonBox.Ok), Qt.LeftButton)
    assert blocker.args[0] == out
    frames, meta = read_video(out)
    assert len(frames) == len(snaps) and frames[0].shape == (300, 400, 3) and meta["fps"] == 6
    assert np.abs(frames[0].astype(int) - frames[-1].astype(int)).max() > 100  # the points moved
    np.testing.assert_array_equal(window.scatter2d.xy, shown)  # the window's own view is untouched
    assert "Recorded 4 frames" in window.statusBar().currentMessage()


def test_cancel_leaves_no_file(trained, qtbot, tmp_path):
    window, _ = trained
    dialog = export_recording_dialog(window)
    qtbot.addWidget(dialog)
    dialog.between_box.setValue(100)  # 301 frames: far more than render before Cancel
    dialog.width_box.setValue(320)
    dialog.height_box.setValue(240)
    out = tmp_path / "cancelled.gif"
    dialog.path_edit.setText(str(out))
    dialog.accept()
    job = dialog.job
    qtbot.waitUntil(lambda: job.done >= 2, timeout=30000)
    with qtbot.waitSignal(dialog.ended, timeout=30000) as blocker:
        QTest.mouseClick(dialog.progress_dialog.findChild(type(dialog.buttons.button(QDialogButtonBox.Ok))),
                         Qt.LeftButton)
    assert blocker.args == ["cancelled"] and job.done < job.total
    assert not out.exists() and _leftovers(tmp_path) == []


def test_without_a_run_the_user_is_told_to_train_first(window):
    assert export_recording_dialog(window) is None
    assert "no run to record yet" in window.last_error


def test_a_narrow_frame_keeps_the_legend_inside_it_and_breaks_the_title(qtbot):
    vocab = demo_vocabulary()
    colors, legend = category_colors(category_labels(vocab), len(vocab))
    plan = plan_recording(_snapshots(len(vocab)), epochs=4)
    renderer = FrameRenderer(plan, vocab.tokens, colors, legend, size=(400, 300))
    try:
        renderer.render(plan.frame(3))
        view = renderer.view
        assert view.legend.isVisible() and view.legend.geometry().right() <= 400
        assert view.getPlotItem().layout.geometry().width() <= 400
        assert "<br>" in view.getPlotItem().titleLabel.text  # the statement on a line of its own
    finally:
        renderer.close()
    wide = FrameRenderer(plan, vocab.tokens, colors, legend, size=(1200, 700))
    try:
        wide.render(plan.frame(3))
        assert "<br>" not in wide.view.getPlotItem().titleLabel.text
    finally:
        wide.close()


def test_a_typed_mp4_name_records_an_mp4(trained, qtbot, tmp_path):
    window, snaps = trained
    dialog = export_recording_dialog(window)
    qtbot.addWidget(dialog)
    assert dialog.format == "gif"
    out = tmp_path / "clip.mp4"
    dialog.path_edit.setText(str(out))
    dialog.width_box.setValue(320)
    dialog.height_box.setValue(200)
    with qtbot.waitSignal(dialog.recorded, timeout=60000) as blocker:
        dialog.accept()
    assert blocker.args[0] == out and dialog.format == "mp4"
    assert read_video(out)[1]["codec"] == "h264"
    assert not (tmp_path / "clip.mp4.gif").exists()
