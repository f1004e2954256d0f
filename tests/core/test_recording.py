"""A recorded run without Qt: the frames' plan (fixed basis, ranges, trails, titles) and the
GIF / MP4 encoder (frames read back, nothing left behind on abort)."""

import numpy as np
import pytest

from explorer.core import ExplorerError
from explorer.core.io.recording import frame_title, plan_recording, recording_settings
from explorer.core.io.video import VideoWriter, check_fps, parse_size, read_video
from explorer.core.projection.project import ProjectionSettings, project
from explorer.core.training.snapshot import Snapshot


def _run(n=40, dim=8, count=5, seed=0, grow=1.6):
    """Snapshots whose points spread out and move, like a run from a small init."""
    rng = np.random.default_rng(seed)
    start = rng.standard_normal((n, dim)).astype(np.float32) * 0.1
    drift = rng.standard_normal((n, dim)).astype(np.float32)
    return [Snapshot(step=10 * k, epoch=k // 2, loss=float("nan") if k == 0 else 4.0 - 0.5 * k,
                     tokens_seen=100 * k, weights=(drift + start * k) * grow ** k)
            for k in range(count)]


def _frames(count=4, w=96, h=64):
    frames = []
    for k in range(count):
        f = np.full((h, w, 3), 255, np.uint8)
        f[10:30, 5 + 15 * k:25 + 15 * k] = (214, 39, 40)
        f[40:50, 60 - 10 * k:70 - 10 * k] = (31, 119, 180)
        frames.append(f)
    return frames


def _leftovers(folder):
    return [p.name for p in folder.iterdir() if p.name.endswith(".tmp")]


# -- the plan ------------------------------------------------------------------------------------
def test_a_live_basis_is_tracked_along_the_timeline_as_the_window_replays_it():
    from explorer.core.projection.live_basis import track

    snaps = _run()
    plan = plan_recording(snaps)
    shown = None
    for i, snap in enumerate(snaps):
        shown = track(snap.weights, ProjectionSettings(), shown, converge=i == len(snaps) - 1)
        np.testing.assert_allclose(plan.frame(i).coords, shown.coords, rtol=1e-5, atol=1e-5)
        assert plan.frame(i).axis_titles == shown.axis_titles[:2]  # each frame's share of variance
    assert plan.frame(0).axis_titles != plan.frame(4).axis_titles
    # trails: every earlier snapshot's rows through this frame's basis, ending at the token's point
    plan = plan_recording(snaps, trail_ids=[5])
    trail = plan.frame(3).trails[0]
    np.testing.assert_allclose(trail[0], plan.projection(3).basis.transform(snaps[0].weights[[5]])[0], rtol=1e-5)
    np.testing.assert_array_equal(trail[-1], plan.frame(3).coords[5])


def test_every_frame_goes_through_one_fixed_basis_fitted_on_the_last_snapshot():
    snaps = _run()
    plan = plan_recording(snaps, epochs=3, fit_on="last")
    assert len(plan) == len(snaps)
    fitted = project(snaps[-1].weights, ProjectionSettings())
    for i, snap in enumerate(snaps):
        expected = fitted.basis.transform(snap.weights)
        np.testing.assert_allclose(plan.frame(i).coords, expected, rtol=1e-5, atol=1e-5)
    assert {plan.frame(i).axis_titles for i in range(len(plan))} == {fitted.axis_titles[:2]}
    first = plan_recording(snaps, fit_on="first")
    np.testing.assert_allclose(first.frame(0).coords, project(snaps[0].weights).coords, rtol=1e-5, atol=1e-6)


def test_a_given_basis_that_fits_is_kept_and_one_that_does_not_is_refitted():
    snaps = _run()
    mine = project(_run(seed=3)[0].weights, ProjectionSettings())  # another matrix's basis, same shape
    kept = plan_recording(snaps, basis=mine, fit_on="last")
    assert kept.fixed_basis() is mine
    np.testing.assert_allclose(kept.frame(2).coords, mine.basis.transform(snaps[2].weights), rtol=1e-5, atol=1e-5)
    other = project(np.random.default_rng(1).standard_normal((41, 8)).astype(np.float32))  # 41 rows, not 40
    assert plan_recording(snaps, basis=other, fit_on="last").fixed_basis() is not other
    assert plan_recording(snaps, basis=mine).basis is None  # live: tracked, the given basis unused


def test_the_range_holds_every_point_of_every_frame_and_never_jumps_smaller_at_once():
    plan = plan_recording(_run(count=6, grow=0.5))  # the cloud shrinks: the range follows it down slowly
    widths = []
    for i in range(len(plan)):
        f = plan.frame(i)
        assert f.x_range[0] < f.coords[:, 0].min() and f.coords[:, 0].max() < f.x_range[1]
        assert f.y_range[0] < f.coords[:, 1].min() and f.coords[:, 1].max() < f.y_range[1]
        widths.append(f.x_range[1] - f.x_range[0])
    assert all(b < a for a, b in zip(widths, widths[1:]))  # it follows the points down ...
    assert all(b > 0.5 * a for a, b in zip(widths, widths[1:]))  # ... without jumping


def test_frames_between_snapshots_move_the_points_linearly():
    snaps = _run(count=3)
    plan = plan_recording(snaps, between=4)
    assert len(plan) == 9
    mid = plan.frame(2)  # half way from snapshot 0 to 1
    assert (mid.snapshot, mid.between) == (0, 0.5)
    np.testing.assert_allclose(mid.coords, (plan.coords(0) + plan.coords(1)) / 2, rtol=1e-5, atol=1e-6)
    assert mid.step == 5 and "≈5" in mid.title
    np.testing.assert_array_equal(plan.frame(4).coords, plan.coords(1))
    with pytest.raises(ExplorerError, match="frames per snapshot"):
        plan_recording(snaps, between=0)


def test_trails_follow_each_token_up_to_where_it_is_now():
    snaps = _run()
    plan = plan_recording(snaps, trail_ids=[3, 7], fit_on="last")
    trails = plan.frame(2).trails
    assert trails.shape == (2, 3, 2)
    np.testing.assert_array_equal(trails[1, -1], plan.frame(2).coords[7])
    np.testing.assert_array_equal(trails[0, 0], plan.coords(0)[3])
    assert plan_recording(snaps).frame(2).trails is None
    with pytest.raises(ExplorerError, match="trail token ID 40"):
        plan_recording(snaps, trail_ids=[40])


def test_the_title_states_step_epoch_and_loss():
    plan = plan_recording(_run(), epochs=3)
    assert plan.frame(0).title.startswith("step 0 · epoch 1 of 3 · loss –")  # no loss before a step
    assert plan.frame(3).title.startswith("step 30 · epoch 2 of 3 · loss 2.5000")
    assert "PCA 2D of all 40 tokens" in plan.frame(3).title
    assert frame_title(1234, 0, None, 1.5) == "step 1,234 · epoch 1 · loss 1.5000"


def test_prepare_projects_every_snapshot_with_progress_and_cancel():
    from explorer.core import Cancelled

    plan = plan_recording(_run(count=4))
    assert plan._coords == {}  # a plan projects nothing until asked
    seen = []
    plan.prepare(progress=seen.append)
    assert seen == [0.25, 0.5, 0.75, 1.0] and sorted(plan._coords) == [0, 1, 2, 3]
    calls = iter([False, True])
    with pytest.raises(Cancelled):
        plan_recording(_run(count=4)).prepare(should_cancel=lambda: next(calls))


def test_no_timeline_is_a_clear_message():
    with pytest.raises(ExplorerError, match="no training timeline"):
        plan_recording([])


def test_recording_settings_replay_nonlinear_views_through_pca_in_2d():
    settings = recording_settings({"projection": {"method": "tsne", "dims": 3, "sphereize": True}})
    assert (settings.method, settings.dims, settings.sphereize) == ("pca", 2, True)
    assert recording_settings({}).method == "pca"


# -- the encoder ---------------------------------------------------------------------------------
def test_gif_reads_back_with_every_frame_its_size_and_delays(tmp_path):
    frames = _frames()
    out = tmp_path / "clip.gif"
    with VideoWriter(out, fps=5) as writer:
        for k, f in enumerate(frames):
            writer.append(f, repeat=3 if k == len(frames) - 1 else 1)
    back, meta = read_video(out)
    assert len(back) == 4 and back[0].shape == (64, 96, 3)
    for a, b in zip(frames, back):
        np.testing.assert_array_equal(a, b)  # a few flat colours: exact through the palette
    from PIL import Image

    with Image.open(out) as im:
        delays = []
        for k in range(im.n_frames):
            im.seek(k)
            delays.append(im.info["duration"])
    assert delays == [200, 200, 200, 600] and meta["loop"] == 0


def test_mp4_reads_back_with_its_frame_count_size_and_fps(tmp_path):
    frames = _frames(w=97, h=63)  # odd sides: padded to even for H.264
    out = tmp_path / "clip.mp4"
    with VideoWriter(out, fps=10) as writer:
        for f in frames:
            writer.append(f, repeat=2)
    back, meta = read_video(out)
    assert len(back) == 8 and meta["codec"] == "h264" and meta["fps"] == 10
    assert back[0].shape == (64, 98, 3)
    assert np.abs(back[0][:63, :97].astype(int) - frames[0].astype(int)).mean() < 8  # lossy, but close
    assert np.abs(back[0].astype(int) - back[7].astype(int)).max() > 100  # the squares moved


@pytest.mark.parametrize("fmt", ["gif", "mp4"])
def test_abort_and_errors_leave_no_file_and_keep_the_old_one(tmp_path, fmt):
    out = tmp_path / f"clip.{fmt}"
    out.write_bytes(b"the previous clip")
    with pytest.raises(RuntimeError):
        with VideoWriter(out, fps=5) as writer:
            writer.append(_frames()[0])
            raise RuntimeError("cancelled")
    assert out.read_bytes() == b"the previous clip" and _leftovers(tmp_path) == []
    writer = VideoWriter(tmp_path / f"new.{fmt}", fps=5)
    writer.append(_frames()[0])
    writer.abort()
    assert not (tmp_path / f"new.{fmt}").exists() and _leftovers(tmp_path) == []


def test_bad_frames_sizes_and_rates_are_clear_messages(tmp_path):
    writer = VideoWriter(tmp_path / "a.gif", fps=5)
    writer.append(_frames()[0])
    with pytest.raises(ExplorerError, match="frame 2 is 50x64, the first was 96x64"):
        writer.append(np.zeros((64, 50, 3), np.uint8))
    writer.abort()
    with pytest.raises(ExplorerError, match="no frame to record"):
        VideoWriter(tmp_path / "b.gif").close()
    with pytest.raises(ExplorerError, match="gif or mp4"):
        VideoWriter(tmp_path / "c.avi")
    with pytest.raises(ExplorerError, match="folder does not exist"):
        VideoWriter(tmp_path / "missing" / "d.gif")
    assert parse_size("800x600") == (800, 600) and parse_size("640×480") == (640, 480)
    with pytest.raises(ExplorerError, match="looks like 800x600"):
        parse_size("big")
    with pytest.raises(ExplorerError, match="320 to 4096 pixels wide and 200 to 4096 high .* not 10x600"):
        parse_size("10x600")
    with pytest.raises(ExplorerError, match="not 640x100"):
        parse_size("640x100")
    with pytest.raises(ExplorerError, match="fps must be above 0"):
        check_fps(0)
    assert _leftovers(tmp_path) == []


def test_a_fixed_range_holds_every_snapshot_in_one_view():
    snaps = _run(count=5, grow=2.0)
    plan = plan_recording(snaps, view_range="fixed")
    ranges = {(plan.frame(i).x_range, plan.frame(i).y_range) for i in range(len(plan))}
    assert len(ranges) == 1
    (x0, x1), (y0, y1) = ranges.pop()
    for i in range(len(plan)):
        xy = plan.coords(i)
        assert x0 < xy[:, 0].min() and xy[:, 0].max() < x1 and y0 < xy[:, 1].min() and xy[:, 1].max() < y1
    follow = plan_recording(snaps)
    assert follow.frame(0).x_range[1] - follow.frame(0).x_range[0] < 0.5 * (x1 - x0)  # follow zooms in at first
    with pytest.raises(ExplorerError, match="'follow' or 'fixed'"):
        plan_recording(snaps, view_range="zoom")


def test_a_semantic_axes_view_is_recorded_on_its_axes_recomputed_per_snapshot():
    snaps = _run()
    tokens = [f"t{i}" for i in range(40)]
    settings = ProjectionSettings(method="axes", x_axis="t1-t2", y_axis="t3-t4")
    plan = plan_recording(snaps, settings, fit_on="last", tokens=tokens)
    assert plan.live and plan.settings.method == "axes"  # no basis to fix: recomputed per snapshot
    for k, snap in enumerate(snaps):
        expected = project(snap.weights, settings, tokens=tokens)
        np.testing.assert_allclose(plan.coords(k), expected.full_coords(), rtol=1e-5, atol=1e-6)
    assert plan.axis_titles() == tuple(expected.axis_titles[:2])
    # From a session's saved state, the axes are kept too.
    saved = recording_settings({"projection": {"method": "axes", "x_axis": "t1-t2", "y_axis": "t3-t4"}})
    assert (saved.method, saved.x_axis, saved.y_axis) == ("axes", "t1-t2", "t3-t4")
    # Without the vocabulary there are no ends to find: PCA, as for t-SNE views.
    assert plan_recording(snaps, settings).settings.method == "pca"
