"""Journey: a teacher plays a training tour from the Tours menu and clicks Next in the caption
bar. When the projection re-fits to the trained matrix, every trail still ends at its own
token's point (before, each ended at (x, −y) of it: the city trail in the fruit cluster)."""

import numpy as np
from PySide6.QtCore import Qt

from tests.journeys.conftest import menu_action

STEP_TIMEOUT_MS = 120_000


def start_tour(qtbot, window, menu_text: str) -> None:
    with qtbot.waitSignal(window.tours.step_ready, timeout=STEP_TIMEOUT_MS) as ready:
        menu_action(window, "Tours", menu_text).trigger()
    assert ready.args == [0]


def click_next(qtbot, window, index: int) -> None:
    with qtbot.waitSignal(window.tours.step_ready, timeout=STEP_TIMEOUT_MS) as ready:
        qtbot.mouseClick(window.tours.bar.next_button, Qt.LeftButton)
    assert ready.args == [index]
    assert f"step {index + 1} /" in window.tours.bar.step_label.text()


def assert_every_trail_ends_at_its_token(window) -> None:
    scatter = window.scatter2d
    ids = scatter.trail_ids
    paths = scatter.trails.paths  # (tokens, frames, 2), as drawn
    assert ids and paths.shape[0] == len(ids) and paths.shape[1] >= 2
    points = scatter.xy[ids]  # where each trail's token is drawn
    spread = np.ptp(scatter.xy[np.isfinite(scatter.xy).all(axis=1)], axis=0).max()
    for token, end, point in zip(ids, paths[:, -1], points):
        assert np.allclose(end, point, atol=1e-3 * spread), (
            f"the trail of {scatter.tokens[token]!r} ends at {end}, its point is at {point}")


def test_trails_end_at_their_tokens_after_the_refit_of_training_creates_meaning(window, qtbot):
    start_tour(qtbot, window, "5  Training creates meaning")
    generation = window.state.fit.generation
    click_next(qtbot, window, 1)  # skip-gram trains live, with trails
    assert_every_trail_ends_at_its_token(window)
    click_next(qtbot, window, 2)  # "Categories separate": the projection is fitted afresh
    assert window.state.fit.generation > generation
    tokens = {window.scatter2d.tokens[i] for i in window.scatter2d.trail_ids}
    assert tokens == {"dog", "cat", "apple", "banana", "paris", "london"}
    assert_every_trail_ends_at_its_token(window)


def test_trails_end_at_their_tokens_in_why_not_integers_step_3(window, qtbot):
    start_tour(qtbot, window, "1  Why not integers")
    click_next(qtbot, window, 1)
    click_next(qtbot, window, 2)  # trained embeddings, re-fitted
    assert {window.scatter2d.tokens[i] for i in window.scatter2d.trail_ids} == {"dog", "cat", "apple", "banana"}
    assert_every_trail_ends_at_its_token(window)
