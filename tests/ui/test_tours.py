"""Concept tours in the window: every shipped tour runs step by step, each step shows
something, the keys step through it (before presentation mode's bookmarks), and in
presentation mode the captions are large."""

import json

import numpy as np
import pytest
from PySide6.QtCore import Qt

from explorer.core.tours import load_tour, shipped_tour_paths
from explorer.ui.main_window import MainWindow
from explorer.ui.startup import demo_workspace
from explorer.ui.tours import MIN_CAPTION_PT, PRESENT_CAPTION_PT

STEP_TIMEOUT_MS = 90_000


@pytest.fixture
def window(qtbot, tmp_path):
    from PySide6.QtCore import QSettings

    # Its own settings file: no layout or first-start hint left by another window.
    window = MainWindow(demo_workspace(), QSettings(str(tmp_path / "settings.ini"), QSettings.IniFormat))
    window.session_controller.recovery_path = tmp_path / "recovery.eexp"
    window.session_controller.prompt_on_close = False
    qtbot.addWidget(window)
    window.resize(1400, 860)
    window.show()
    with qtbot.waitSignal(window.controller.idle, timeout=120_000):  # the first start imports torch
        window.controller.reinitialize()
    yield window
    window.tours.leave()
    window.train_panel.run.stop()
    qtbot.waitUntil(lambda: window.controller.jobs.active == 0, timeout=30000)


def distinct_colours(widget) -> int:
    image = widget.grab().toImage()
    w, h = image.width(), image.height()
    return len({image.pixel(x, y) for x in range(0, w, max(1, w // 60)) for y in range(0, h, max(1, h // 40))})


def play_step(qtbot, player, tour, index):
    with qtbot.waitSignal(player.step_ready, timeout=STEP_TIMEOUT_MS) as blocker:
        if index == 0:
            player.start(tour)
        else:
            player.next()
    assert blocker.args == [index]


@pytest.mark.parametrize("path", shipped_tour_paths(), ids=lambda p: p.stem)
def test_every_shipped_tour_runs_step_by_step(window, qtbot, path):
    tour = load_tour(path)
    player = window.tours
    for index in range(len(tour)):
        play_step(qtbot, player, tour, index)
        assert player.index == index and not player.busy
        assert player.errors == [], f"step {index + 1}: {player.errors}"
        assert player.bar.isVisible() and f"step {index + 1} / {len(tour)}" in player.bar.step_label.text()
        caption = player.bar.caption.text()
        assert caption and "{" not in caption, caption  # placeholders filled in
        assert window.controller.up_to_date
        # The step's screenshot is not blank: the plot, the docks and the caption all draw.
        assert distinct_colours(window) > 20
        assert distinct_colours(window.views) > 5
    player.next()  # "Finish" on the last step leaves the tour; its state stays to explore
    assert not player.active and not player.bar.isVisible()
    assert window.workspace.weights is not None


def test_why_not_integers_is_concrete(window, qtbot):
    player = window.tours
    tour = load_tour(shipped_tour_paths()[0])
    inspector = window.inspector_panel
    vocab = window.workspace.vocab
    play_step(qtbot, player, tour, 0)
    weights = window.workspace.weights
    assert weights.shape == (len(vocab), 2) and np.array_equal(weights[:, 0], np.arange(len(vocab)))
    cat = vocab.index["cat"]
    neighbours = [i for i, _ in inspector.report.neighbours]
    assert set(neighbours[:2]) == {cat - 1, cat + 1}  # alphabetical neighbours, 1 apart
    assert str(cat) in player.bar.caption.text()
    play_step(qtbot, player, tour, 1)
    assert window.workspace.weights.shape == (len(vocab), len(vocab))
    distances = [abs(s) for _, s in inspector.report.neighbours]  # scores rank: distances negated
    assert np.allclose(distances, np.sqrt(2), atol=1e-6)  # every one-hot pair is √2 apart
    play_step(qtbot, player, tour, 2)
    animals = {"cat", "fox", "horse", "cow", "duck", "sheep", "pig", "rabbit", "mouse", "wolf", "goat", "bear", "lion"}
    top = [vocab.tokens[i] for i, _ in inspector.report.neighbours[:5]]
    assert sum(t in animals for t in top) >= 4, top
    assert window.scatter2d.trail_ids  # trails of the training, redrawn in the re-fitted basis


def test_the_pretrained_tour_shows_the_bundled_minilm_table(window, qtbot):
    """Tour 6 needs no ../shared/data: the MiniLM sample ships with the app."""
    player = window.tours
    tour = load_tour(shipped_tour_paths()[5])
    play_step(qtbot, player, tour, 0)
    assert player.notes == [] and window.workspace.weights.shape == (30522, 384)
    assert window.state.pretrained.vocab_file.endswith("vocab.txt")
    vocab = window.workspace.vocab
    assert vocab.tokens[window.state.explore.current] == "king"
    top = [vocab.tokens[i] for i, _ in window.inspector_panel.report.neighbours[:3]]
    assert "queen" in top, top
    assert "30,522 × 384" in player.bar.caption.text()


def test_arrow_keys_step_the_tour_and_leave_keeps_the_state(window, qtbot):
    player = window.tours
    tour = load_tour(shipped_tour_paths()[6])  # positional encoding: no training, quick
    with qtbot.waitSignal(player.step_ready, timeout=STEP_TIMEOUT_MS):
        player.start(tour)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=5000)
    with qtbot.waitSignal(player.step_ready, timeout=STEP_TIMEOUT_MS) as blocker:
        qtbot.keyClick(window.views, Qt.Key_Right)
    assert blocker.args == [1] and player.index == 1
    with qtbot.waitSignal(player.step_ready, timeout=STEP_TIMEOUT_MS) as blocker:
        qtbot.keyClick(window.views, Qt.Key_Left)
    assert blocker.args == [0]
    assert window.inspector_panel.sentence_view.pe_kind == "teaching example"
    weights = window.workspace.weights
    player.bar.leave_button.click()
    assert not player.active and not player.next_action.isEnabled()
    assert window.workspace.weights is weights  # left as it was, to explore freely


def test_presentation_mode_shows_large_captions_and_arrows_go_to_the_tour(window, qtbot):
    player = window.tours
    presentation = window.presentation
    shown = window.state.presentation
    presentation.add_bookmark("first")
    presentation.add_bookmark("second")
    presentation.go_to(0)
    normal_size = player.bar.caption_point_size()
    with qtbot.waitSignal(player.step_ready, timeout=STEP_TIMEOUT_MS):
        player.start(load_tour(shipped_tour_paths()[6]))
    presentation.full_screen = False
    shown.active = True
    try:
        assert player.bar.isVisible()  # the caption bar stays while docks and tool bars hide
        size = player.bar.caption_point_size()
        # As large as fits beside the view (a long caption is set smaller rather than cut off).
        assert MIN_CAPTION_PT[True] <= size <= PRESENT_CAPTION_PT and size > 1.35 * normal_size
        assert player.bar.caption.fontInfo().pointSizeF() >= MIN_CAPTION_PT[True]  # really rendered that large
        window.activateWindow()
        qtbot.waitUntil(window.isActiveWindow, timeout=5000)
        with qtbot.waitSignal(player.step_ready, timeout=STEP_TIMEOUT_MS):
            qtbot.keyClick(window.views, Qt.Key_Right)
        assert player.index == 1 and shown.bookmark_index == -1  # the tour took the arrow, not the bookmarks
        assert shown.tour == "positional-encoding" and shown.tour_step == 1
        player.leave()
        qtbot.keyClick(window.views, Qt.Key_Right)  # no tour: the arrow steps the bookmarks again
        assert shown.bookmark_index == 0 and shown.tour is None
    finally:
        shown.active = False
    assert player.bar.caption_point_size() == normal_size


def test_presenting_a_tour_shows_the_docks_its_captions_name_beside_the_view(window, qtbot):
    """Before, presentation mode hid the Inspector that "(Inspector, Sentence)" points to."""
    player = window.tours
    window.presentation.full_screen = False
    window.state.presentation.active = True
    assert not any(d.isVisible() for d in window.docks.values())
    with qtbot.waitSignal(player.step_ready, timeout=STEP_TIMEOUT_MS):
        player.start(load_tour(shipped_tour_paths()[6]))  # positional encoding: the Inspector's heatmaps
    inspector = window.docks["Inspector"]
    assert player.step_docks() == ["Inspector"]
    assert inspector.isVisible() and not inspector.visibleRegion().isEmpty()
    assert inspector.width() >= 0.3 * window.width() and inspector.height() >= 0.6 * window.height()
    assert [n for n, d in window.docks.items() if d.isVisible()] == ["Inspector"]
    assert window.scatter2d.width() >= 0.4 * window.width()  # the view stays the larger part
    assert window.inspector_panel.tabs.tabText(window.inspector_panel.tabs.currentIndex()).startswith("Sentence")
    player.leave()
    assert not inspector.isVisible()  # the view alone again, still presenting
    window.state.presentation.active = False
    assert all(d.isVisible() for d in window.docks.values())


def test_a_tour_starts_clean_without_an_old_bookmark_caption_or_search(window, qtbot):
    presentation, shown = window.presentation, window.state.presentation
    presentation.full_screen = False
    presentation.add_bookmark("old slide")
    shown.active = True
    presentation.go_to(0)
    window.state.explore.search = "dog"  # a search left over fades the other points
    assert presentation.caption.isVisible()
    with qtbot.waitSignal(window.tours.step_ready, timeout=STEP_TIMEOUT_MS):
        window.tours.start(load_tour(shipped_tour_paths()[6]))
    assert not presentation.caption.isVisible() and shown.bookmark_index == -1
    assert window.state.explore.search == "" and window.scatter2d.toolbar.search.text() == ""
    shown.active = False


def test_a_missing_file_is_said_in_the_caption_and_the_tour_goes_on(window, qtbot, tmp_path):
    tour_file = tmp_path / "mine.json"
    tour_file.write_text(json.dumps({"title": "Mine", "steps": [
        {"caption": "Loads a vocabulary that is not there.",
         "vocab": {"file": "no/such/tokenizer"},
         "if_missing": {"caption": "Shown instead: the demo with {vocab_size} tokens.", "vocab": "demo",
                        "init": {"scheme": "normal", "dim": 8}}},
        {"caption": "Second step.", "select": ["dog", "cat"]},
    ]}))
    player = window.tours
    with qtbot.waitSignal(player.step_ready, timeout=STEP_TIMEOUT_MS):
        player.start_file(tour_file)
    assert "no/such/tokenizer is not here" in player.bar.notes.text()
    assert "124 tokens" in player.bar.caption.text()
    assert window.workspace.weights.shape == (124, 8)
    with qtbot.waitSignal(player.step_ready, timeout=STEP_TIMEOUT_MS):
        player.next()
    vocab = window.workspace.vocab
    assert window.state.explore.selection == (vocab.index["dog"], vocab.index["cat"])


def test_a_bad_tour_file_is_reported_and_changes_nothing(window, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"title": "Bad", "steps": [{"caption": "ok"}, {"caption": "x", "init": {"dim": 0}}]}')
    weights = window.workspace.weights
    window.tours.start_file(bad)
    assert not window.tours.active
    assert str(bad) in window.last_error and "step 2" in window.last_error and "init.dim" in window.last_error
    assert window.workspace.weights is weights


def test_tours_menu_lists_the_shipped_tours_and_show_code(window, qtbot):
    menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Tours")
    texts = [a.text() for a in menu.actions()]
    assert len([t for t in texts if t[:1] == "&" and t[1:2].isdigit()]) == len(shipped_tour_paths()) == 9
    assert window.tours.open_action in menu.actions() and window.tours.show_code_action in menu.actions()
    dialog = window.tours.show_code()
    qtbot.addWidget(dialog)
    code = dialog.editors["PyTorch"].toPlainText()
    assert f"num_embeddings = {len(window.workspace.vocab)}" in code and "manual_seed(0)" in code
    assert "input_dim=124" in dialog.editors["Keras"].toPlainText()
    assert "number for number" in dialog.status.text()
    dialog.close()


def test_tour_option_renders_a_step_to_a_screenshot(tmp_path):
    import os
    import subprocess
    import sys

    from PySide6.QtGui import QImage

    out = tmp_path / "tour.png"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run([sys.executable, "-m", "explorer", "--screenshot", str(out), "--size", "1200x800",
                             "--tour", "positional-encoding", "--tour-step", "2"],
                            capture_output=True, text=True, timeout=120, env=env)
    assert result.returncode == 0, result.stderr
    image = QImage(str(out))
    assert image.width() == 1200 and image.height() == 800
    colours = {image.pixel(x, y) for x in range(0, 1200, 20) for y in range(0, 800, 20)}
    assert len(colours) > 20
    bad = subprocess.run([sys.executable, "-m", "explorer", "--screenshot", str(tmp_path / "x.png"),
                          "--tour", "no-such-tour"], capture_output=True, text=True, timeout=120, env=env)
    assert bad.returncode != 0 and "no tour named 'no-such-tour'" in bad.stderr
