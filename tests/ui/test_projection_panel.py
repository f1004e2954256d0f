"""The Projection dock writes state.projection and the controller follows: method, sample,
sphereize, re-fit; the projection runs off the GUI thread and what is shown is stated on screen."""

import numpy as np
import pytest


def choose(combo, data):
    combo.setCurrentIndex(combo.findData(data))


def test_pca_states_explained_variance_on_axes_and_panel(window):
    panel = window.projection_panel
    n = len(window.workspace.vocab)
    assert "Projection" in window.docks
    assert f"PCA 2D of all {n} tokens" in panel.info.text()
    assert "Explained variance: PC1" in panel.variance.text()
    bottom = window.scatter2d.getPlotItem().getAxis("bottom").labelText
    assert bottom.startswith("PC1 (") and "% of variance" in bottom
    assert f"all {n} tokens" in window.scatter2d.getPlotItem().titleLabel.text


def test_tsne_on_a_sample_runs_in_the_background_and_states_the_sample(window, qtbot):
    panel = window.projection_panel
    panel.sample_on.setChecked(True)  # a PCA sample first
    with qtbot.waitSignal(window.controller.idle, timeout=30000):
        panel.sample_size.setValue(50)
    assert "random sample of 50 of" in panel.info.text()
    assert window.state.projection.sample == 50
    coords = window.controller.coords
    assert np.isfinite(coords).all(axis=1).sum() == 50  # the others are not drawn
    with qtbot.waitSignal(window.controller.long_job_started, timeout=5000):
        choose(panel.method, "tsne")
    assert panel.perplexity.isEnabled() and window.state.projection.method == "tsne"
    qtbot.waitUntil(lambda: window.controller.up_to_date, timeout=60000)
    projection = window.controller.projection
    assert projection.method == "tsne" and projection.sample_size == 50
    assert "t-SNE 2D of a random sample of 50" in panel.info.text()
    assert "sample of 50" in window.scatter2d.getPlotItem().titleLabel.text
    assert window.scatter2d.getPlotItem().getAxis("bottom").labelText == "t-SNE 1"
    assert panel.variance.text() == ""


def test_tsne_can_be_cancelled_and_the_previous_view_stays(window, qtbot):
    panel = window.projection_panel
    before = window.controller.projection
    with qtbot.waitSignal(window.controller.long_job_started, timeout=5000) as started:
        choose(panel.method, "tsne")
    handle = started.args[0]
    with qtbot.waitSignal(window.controller.long_job_finished, timeout=60000):
        window.cancel_button.click()
    assert handle.cancelled
    assert window.controller.projection is before  # the PCA layout is still the one shown
    assert not window.controller.up_to_date


def test_the_dock_follows_settings_written_elsewhere(window, qtbot):
    panel = window.projection_panel
    with qtbot.waitSignal(window.controller.idle, timeout=30000):
        window.state.projection.update(method="svd", sample=80, sphereize=True)  # as a tour or session does
    assert panel.method.currentText() == "Truncated SVD" and panel.sphereize.isChecked()
    assert panel.sample_on.isChecked() and panel.sample_size.value() == 80
    assert "Truncated SVD 2D of a random sample of 80" in panel.info.text()
    window.state.projection.sample = None
    assert not panel.sample_on.isChecked() and not panel.sample_size.isEnabled()
    assert panel.sample_size.value() == 124  # what ticking the box would sample: every demo token


def test_sphereize_and_refit(window, qtbot):
    panel = window.projection_panel
    with qtbot.waitSignal(window.controller.idle, timeout=30000):
        panel.sphereize.setChecked(True)
    first = window.controller.projection
    assert first.settings.sphereize and "sphereized" in panel.info.text()
    assert np.abs(window.controller.coords).max() <= 1.0 + 1e-5
    with qtbot.waitSignal(window.controller.projected, timeout=30000):
        panel.refit_button.click()
    assert window.controller.projection.basis is not first.basis


def test_training_steps_keep_the_basis_and_new_inits_refit(window, qtbot):
    controller = window.controller
    first = controller.projection
    nudged = window.workspace.weights + 0.001
    with qtbot.waitSignal(controller.idle, timeout=30000):
        window.workspace.set_weights(nudged, "step 10")
    assert controller.projection.basis is first.basis  # stable frame
    with qtbot.waitSignal(controller.idle, timeout=30000):
        controller.reinitialize()
    assert controller.projection.basis is not first.basis


@pytest.mark.gl
def test_components_choice_switches_the_view(window, qtbot):
    choose(window.projection_panel.dims, "3d")
    assert window.state.view.mode == "3d"
    assert window.view_3d_action.isChecked() and window.views.currentWidget() is window.scatter3d
    qtbot.waitUntil(lambda: window.controller.up_to_date, timeout=30000)
    assert window.controller.coords.shape[1] == 3
