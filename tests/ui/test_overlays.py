"""The plot overlays' controller (explorer.ui.overlays): what it computes, when, and on which matrix."""

from types import SimpleNamespace

import numpy as np

from explorer.core.analysis.neighbors import neighbors_of
from explorer.core.io.metadata import Metadata
from explorer.core.training.live import Frame
from explorer.core.training.snapshot import Snapshot
from explorer.ui import overlays
from explorer.ui.overlays import MAX_DRAWN_NEIGHBOURS, drawn_neighbours


def test_drawn_neighbours_are_the_inspectors_first_fifteen():
    w = np.random.default_rng(0).normal(size=(60, 8)).astype(np.float32)
    assert drawn_neighbours(w, 3, 40, "cosine") == [i for i, _ in neighbors_of(w, 3, MAX_DRAWN_NEIGHBOURS, "cosine")]
    assert drawn_neighbours(w, 3, 5, "euclidean") == [i for i, _ in neighbors_of(w, 3, 5, "euclidean")]


def test_neighbours_follow_current_k_metric_and_the_toggle(window, qtbot):
    scatter, explore = window.scatter2d, window.state.explore
    weights = window.workspace.weights
    explore.current = 5
    qtbot.waitUntil(lambda: scatter.neighbour_of == 5, timeout=10000)
    explore.k = 4
    qtbot.waitUntil(lambda: len(scatter.neighbour_ids) == 4, timeout=10000)
    assert scatter.neighbour_ids.tolist() == drawn_neighbours(weights, 5, 4, explore.metric)
    explore.metric = "euclidean"
    want = drawn_neighbours(weights, 5, 4, "euclidean")
    qtbot.waitUntil(lambda: scatter.neighbour_ids.tolist() == want, timeout=10000)
    window.state.view.neighbours = False
    assert scatter.neighbour_of is None and window.overlays.shown == (None, [])
    window.state.view.neighbours = True
    qtbot.waitUntil(lambda: scatter.neighbour_of == 5, timeout=10000)
    explore.current = None
    assert scatter.neighbour_of is None


def test_a_live_frame_moves_the_neighbours_to_its_matrix(window, qtbot):
    scatter = window.scatter2d
    window.state.explore.current = 7
    qtbot.waitUntil(lambda: scatter.neighbour_of == 7, timeout=10000)
    trained = np.random.default_rng(5).normal(size=window.workspace.weights.shape).astype(np.float32)
    want = drawn_neighbours(trained, 7, window.state.explore.k, window.state.explore.metric)
    assert want != scatter.neighbour_ids.tolist()
    snapshot = Snapshot(step=10, epoch=0, loss=1.0, tokens_seen=100, weights=trained)
    window.controller.live_frame.emit(Frame("training", 0.5, snapshot=snapshot))  # as a run sends them
    qtbot.waitUntil(lambda: scatter.neighbour_ids.tolist() == want, timeout=10000)


def test_fidelity_is_measured_when_chosen_and_a_failure_is_said(window, qtbot, monkeypatch):
    scatter = window.scatter2d
    window.state.view.colour = "fidelity"
    qtbot.waitUntil(lambda: scatter.colour_bar_caption != "", timeout=30000)
    fidelity = window.overlays.fidelity
    assert np.isfinite(fidelity.per_token).all() and 0 <= fidelity.mean <= 1
    assert scatter.colour_bar_caption == f"10-NN preserved: mean {overlays.mean_text(fidelity.mean)} over {fidelity.rows:,} rows"

    def broken(*_args, **_kwargs):
        raise ValueError("no neighbours today")

    monkeypatch.setattr(overlays, "_measure", broken)
    errors = []
    window.controller.error.connect(errors.append)
    window.state.view.colour = "frequency"
    window.controller.refit()
    qtbot.waitUntil(lambda: window.overlays.fidelity is None, timeout=30000)
    window.state.view.colour = "fidelity"
    qtbot.waitUntil(lambda: bool(errors), timeout=30000)
    assert "no neighbours today" in errors[-1] and scatter.legend_entries[0][0] == "fidelity not measured"


def test_metadata_reaches_the_view(window):
    n = len(window.workspace.vocab)
    metadata = Metadata(columns={"kind": np.array(["a", "b"] * (n // 2) + ["a"] * (n % 2), dtype=object)})
    window.workspace.set_metadata(metadata)  # as File ▸ Open metadata does after a good read
    assert window.scatter2d.metadata is metadata
    assert window.scatter2d.toolbar.color.findText("Column: kind") >= 0
    window.workspace.set_metadata(None)
    assert window.scatter2d.metadata is None and window.scatter2d.toolbar.color.findText("Column: kind") < 0


def test_a_big_projection_is_measured_on_a_stated_sample(monkeypatch):
    from explorer.core.analysis.fidelity import Fidelity

    from explorer.core.analysis import fidelity as module

    asked = []
    monkeypatch.setattr(module, "knn_preserved", lambda *a, max_rows=None, **k: asked.append(max_rows))
    small, big = SimpleNamespace(row_ids=np.arange(1000)), SimpleNamespace(row_ids=np.arange(60_000))
    overlays._measure(None, small)
    overlays._measure(None, big)
    assert asked == [None, overlays.FIDELITY_SAMPLE]
    sampled = Fidelity(np.zeros(3, np.float32), 0.4321, 5000, True, 10)
    assert overlays.fidelity_caption(sampled) == "10-NN preserved: mean 0.43 over a sample of 5,000 rows"


def test_a_small_mean_keeps_two_significant_digits():
    assert [overlays.mean_text(m) for m in (0.4321, 0.1, 0.0043, 0.0)] == ["0.43", "0.10", "0.0043", "0"]


def test_training_moves_the_contours_captions_and_neighbours_with_the_points(window, qtbot):
    from PySide6.QtCore import Qt

    from explorer.core.view.density import density_grid

    scatter = window.scatter2d
    # The demo's categories are mixed before training: no group has a place to caption.
    window.state.view.update(density=True, colour="category")
    window.state.explore.current = 3
    qtbot.waitUntil(lambda: scatter.neighbour_of == 3, timeout=30000)
    scatter.flush_overlays()
    assert scatter.captions == []
    window.state.train.epochs = 3
    window.docks["Training"].raise_()
    with qtbot.waitSignal(window.train_panel.run.finished, timeout=90000):
        qtbot.mouseClick(window.train_panel.start_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: window.controller.up_to_date, timeout=30000)
    trained = window.workspace.weights
    want = drawn_neighbours(trained, 3, window.state.explore.k, window.state.explore.metric)
    qtbot.waitUntil(lambda: scatter.neighbour_ids.tolist() == want, timeout=10000)
    qtbot.waitUntil(lambda: not scatter._overlay_timer.isActive(), timeout=5000)
    expected = density_grid(scatter.xy)
    assert np.allclose(scatter.density.grid, expected.grid) and scatter.density.x0 == expected.x0
    # Trained, the categories gather: each caption stands where its group now is.
    assert len(scatter.captions) >= 3
    for caption in scatter.captions:
        members = scatter.xy[scatter.groups == caption.group]
        assert np.allclose((caption.x, caption.y), np.median(members, axis=0), atol=1e-4)
