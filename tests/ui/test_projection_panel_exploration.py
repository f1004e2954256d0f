"""The Projection dock's #17 parts: interim t-SNE layouts drawn and stated (Cancel puts the
picture back, stale ones are dropped), isolation of the selection (with neighbours), semantic
axes typed in the dock (a bad end is said in the dock, the picture stays), and only the chosen
method's settings shown."""

from dataclasses import replace
import threading

import numpy as np
import pytest
from PySide6.QtCore import Qt

from explorer.core import Cancelled
from explorer.core.projection.project import project, umap_available
from explorer.ui import controller as controller_module
from explorer.ui.controller import isolation_rows


def choose(combo, data):
    combo.setCurrentIndex(combo.findData(data))


def shown(panel, widget) -> bool:
    """Shown in the dock (when the dock is raised)."""
    return widget.isVisibleTo(panel)


def interim_layouts(count: int, release: threading.Event | None = None):
    """A stand-in for the projection job: `count` interim layouts (spreading out, as a t-SNE
    does) handed to on_layout, then the real final one; with `release`, it waits for Cancel
    after them instead."""

    def job(weights, settings, previous, refit=False, progress=None, should_cancel=None, tokens=None,
            on_layout=None):
        final = project(weights, settings.copy(), None, tokens=tokens)
        for step in range(1, count + 1):
            on_layout(replace(final, coords=final.coords * step / count, interim=True, step=step, steps=count))
        if release is not None:
            while not should_cancel():
                release.wait(0.01)
            raise Cancelled("t-SNE cancelled")
        return final

    return job


def test_interim_layouts_are_drawn_and_stated_before_the_final_one(window, qtbot, monkeypatch):
    monkeypatch.setattr(controller_module, "_project", interim_layouts(3))
    controller, scatter = window.controller, window.scatter2d
    before = controller.projection
    seen = []  # (title on the plot, fit projection) as each interim is drawn
    controller.interim_shown.connect(lambda p: seen.append((scatter.title_text, controller.projection, p)))
    choose(window.projection_panel.method, "tsne")
    qtbot.waitUntil(lambda: controller.up_to_date and controller.projection.method == "tsne", timeout=30000)
    assert [p.step for _, _, p in seen] == [1, 2, 3]
    assert all(fit is before for _, fit, _ in seen)  # the fit changes only with the final layout
    assert seen[0][0].endswith("(iteration 1 of 3)") and "t-SNE 2D" in seen[0][0]
    assert not controller.projection.interim and "iteration" not in scatter.title_text
    assert np.allclose(controller.coords, controller.projection.full_coords(), equal_nan=True)


def test_cancel_after_interim_layouts_puts_the_previous_picture_back(window, qtbot, monkeypatch):
    release = threading.Event()
    monkeypatch.setattr(controller_module, "_project", interim_layouts(2, release))
    controller, scatter = window.controller, window.scatter2d
    before, before_xy, before_title = controller.projection, scatter.xy.copy(), scatter.title_text
    with qtbot.waitSignal(controller.interim_shown, timeout=30000):
        choose(window.projection_panel.method, "tsne")
    qtbot.waitUntil(lambda: "(iteration 2 of 2)" in scatter.title_text, timeout=10000)
    assert not np.allclose(scatter.xy, before_xy)  # the interim layout is what is drawn
    with qtbot.waitSignal(controller.long_job_finished, timeout=30000):
        qtbot.mouseClick(window.cancel_button, Qt.LeftButton)
    assert controller.projection is before and controller.interim is None
    assert np.allclose(scatter.xy, before_xy) and scatter.title_text == before_title


def test_interim_layouts_arriving_late_are_dropped(window, qtbot, monkeypatch):
    monkeypatch.setattr(controller_module, "_project", interim_layouts(1))
    controller = window.controller
    choose(window.projection_panel.method, "tsne")
    qtbot.waitUntil(lambda: controller.up_to_date and controller.projection.method == "tsne", timeout=30000)
    final = controller.projection
    late = replace(final, coords=final.coords * 5, interim=True, step=1, steps=9)
    drawn = []
    controller.interim_shown.connect(drawn.append)
    # Emitted on the GUI thread the slot runs at once (from a worker it is queued).
    controller._layout_arrived.emit(late, controller._requests)  # after its own final layout
    controller._layout_arrived.emit(late, controller._requests - 1)  # an older request's
    assert drawn == [] and controller.interim is None
    assert np.allclose(controller.coords, final.full_coords())


def test_isolating_the_selection_projects_those_tokens_and_show_all_brings_all_back(window, qtbot):
    panel, state, scatter = window.projection_panel, window.state, window.scatter2d
    n = len(window.workspace.vocab)
    assert not panel.isolate_button.isEnabled() and not panel.show_all_button.isEnabled()
    state.explore.selection = (3, 7)
    assert not panel.isolate_button.isEnabled()  # 2 rows make no projection ...
    panel.isolate_k.setValue(2)
    assert panel.isolate_button.isEnabled()  # ... with their neighbours they do
    expected = isolation_rows(window.workspace.weights, (3, 7), 2, state.explore.metric)
    with qtbot.waitSignal(window.controller.idle, timeout=30000):
        qtbot.mouseClick(panel.isolate_button, Qt.LeftButton)
    assert state.projection.rows == expected and 3 < len(expected) <= 6
    assert f"of {len(expected)} isolated tokens (of {n})" in scatter.title_text
    assert np.isfinite(scatter.xy).all(axis=1).sum() == len(expected)
    assert panel.show_all_button.isEnabled() and window.projection_panel.show_all_action.isEnabled()
    with qtbot.waitSignal(window.controller.idle, timeout=30000):
        window.projection_panel.show_all_action.trigger()  # as View ▸ Show all tokens
    assert state.projection.rows == () and f"all {n} tokens" in scatter.title_text
    assert np.isfinite(scatter.xy).all(axis=1).sum() == n and not panel.show_all_button.isEnabled()


def test_semantic_axes_typed_in_the_dock_and_a_bad_end_said_there(window, qtbot):
    panel, scatter, controller = window.projection_panel, window.scatter2d, window.controller
    tokens = [t for t in window.workspace.vocab.tokens if t.isalpha()]
    a, b, c, d = tokens[:4]
    with qtbot.waitSignal(controller.idle, timeout=30000):
        choose(panel.method, "axes")  # example ends fill the empty fields: a picture at once
    assert window.state.projection.method == "axes"
    assert panel.axis_edits["x"].text() == f"{a}-{b}" and panel.axis_edits["y"].text() == f"{c}-{d}"
    assert shown(panel, panel.axis_edits["x"]) and shown(panel, panel.axis_metric)
    assert not shown(panel, panel.axis_edits["z"]) and not shown(panel, panel.perplexity)
    assert not shown(panel, panel.sphereize) and not shown(panel, panel.refit_button)
    assert scatter.getPlotItem().getAxis("bottom").labelText.startswith(f"{b} → {a}")
    with qtbot.waitSignal(controller.idle, timeout=30000):
        panel.axis_edits["x"].setText(f"{c}-{a}")
        panel.axis_edits["x"].editingFinished.emit()  # as Return or leaving the field does
    assert window.state.projection.x_axis == f"{c}-{a}"
    assert scatter.getPlotItem().getAxis("bottom").labelText.startswith(f"{a} → {c}")
    assert not panel.problem.isVisible()
    good = controller.projection
    panel.axis_edits["y"].setText("zzqqxx-" + d)
    panel.axis_edits["y"].editingFinished.emit()
    qtbot.waitUntil(lambda: shown(panel, panel.problem) and "zzqqxx" in panel.problem.text(), timeout=10000)
    assert controller.projection is good  # the picture before stays
    assert scatter.getPlotItem().getAxis("bottom").labelText.startswith(f"{a} → {c}")
    assert panel.axis_edits["x"].completer().model().stringList() == list(window.workspace.vocab.tokens)


@pytest.mark.skipif(not umap_available(), reason="umap-learn is not installed")
def test_umap_shows_its_own_settings_only(window, qtbot):
    panel = window.projection_panel
    assert not shown(panel, panel.min_dist)
    choose(panel.method, "umap")
    assert all(shown(panel, w) for w in (panel.n_neighbors, panel.min_dist, panel.umap_metric))
    assert not shown(panel, panel.perplexity) and not shown(panel, panel.axis_edits["x"])
    panel.min_dist.setValue(0.3)
    choose(panel.umap_metric, "cosine")
    assert window.state.projection.min_dist == pytest.approx(0.3) and window.state.projection.umap_metric == "cosine"
    # Its run ends before the window closes (a UMAP cancelled inside tqdm can hang a later test).
    qtbot.waitUntil(lambda: window.controller.up_to_date and window.controller.jobs.active == 0, timeout=120000)
    assert window.controller.projection.settings.umap_metric == "cosine"


def test_live_training_and_its_replay_stay_on_the_semantic_axes(window, qtbot):
    panel, scatter = window.projection_panel, window.scatter2d
    with qtbot.waitSignal(window.controller.idle, timeout=30000):
        choose(panel.method, "axes")
    title = scatter.getPlotItem().getAxis("bottom").labelText
    assert "→" in title
    window.state.train.epochs = 2
    frames = []
    window.train_panel.run.frame.connect(lambda f: frames.append(f) if f.coords is not None else None)
    with qtbot.waitSignal(window.train_panel.run.finished, timeout=60000) as blocker:
        window.train_panel.start_button.click()
    assert blocker.args == ["done"] and frames
    assert all(f.projection.method == "axes" for f in frames)  # recomputed each frame, not PCA
    assert scatter.getPlotItem().getAxis("bottom").labelText == title
    replayed = window.train_panel.run.replay_projection(0)
    assert replayed.method == "axes" and replayed.axis_titles[0] == title


def test_fidelity_colours_wait_for_the_final_layout_and_come_back_on_cancel(window, qtbot, monkeypatch):
    scatter = window.scatter2d
    window.state.view.colour = "fidelity"
    qtbot.waitUntil(lambda: scatter.fidelity is not None, timeout=30000)
    measured = scatter.fidelity.copy()
    release = threading.Event()
    monkeypatch.setattr(controller_module, "_project", interim_layouts(2, release))
    at_interim = []
    window.controller.interim_shown.connect(lambda _p: at_interim.append(scatter.fidelity))
    with qtbot.waitSignal(window.controller.interim_shown, timeout=30000):
        choose(window.projection_panel.method, "tsne")
    assert at_interim[0] is None  # the PCA layout's colours would lie about this one
    with qtbot.waitSignal(window.controller.long_job_finished, timeout=30000):
        qtbot.mouseClick(window.cancel_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: scatter.fidelity is not None, timeout=30000)
    assert np.allclose(scatter.fidelity, measured, equal_nan=True)
