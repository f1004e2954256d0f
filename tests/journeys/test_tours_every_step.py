"""Journey: a teacher plays every shipped tour at 1280×800 from the Tours menu and clicks Next
through every step, once in the normal window and once presenting (F11 after the tour starts,
as a presenter does). At each step the caption is on screen and not cut off, the points are in
view, and every dock the caption names ("dog's nearest neighbours (Inspector)", "the loss falls
in the Training dock") is shown and not squeezed to nothing; presenting, it sits beside the view,
large (before, F11 hid it). The steps whose captions state a result are checked against it:
Tour 9's emoji is shown as <unk>; Tour 4's race lists each start's final loss and zeros stays flat
above the random starts."""

import re

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QRect, Qt

from explorer.core.tours import load_tour, shipped_tour_paths
from tests.journeys.conftest import menu_action, points_in_view

STEP_TIMEOUT_MS = 180_000
TOURS = shipped_tour_paths()


def on_window(widget, window) -> QRect:
    return QRect(widget.mapTo(window, QPoint(0, 0)), widget.size())


def assert_caption_shown_whole(window, bar) -> None:
    caption = bar.caption
    assert bar.isVisible() and caption.isVisible() and caption.text()
    assert window.rect().contains(on_window(bar, window)), (
        f"the caption bar runs off the window: {on_window(bar, window)}; docks shown: "
        f"{[(n, d.geometry()) for n, d in window.docks.items() if d.isVisible()]}; "
        f"window minimum {window.minimumSizeHint()}")
    for label in (caption, bar.detail, bar.notes):
        if label.isVisible():  # a word-wrapped label squeezed below the height its text needs is cut off
            assert label.height() >= label.heightForWidth(label.width()) - 2, (
                f"{label.objectName()} is cut off: {label.height()} px for "
                f"{label.heightForWidth(label.width())} px of text")
    for button in (bar.back_button, bar.next_button, bar.leave_button):
        assert button.width() >= button.sizeHint().width() - 2, f"{button.text()!r} is cut off"


def assert_points_in_view(window) -> None:
    scatter = window.scatter2d
    assert window.views.currentWidget() is scatter and scatter.height() >= 200
    finite = int(np.isfinite(scatter.xy).all(axis=1).sum())
    assert finite > 0 and points_in_view(scatter) >= 0.95 * finite


def assert_named_docks_shown(window, player, presenting: bool) -> None:
    for name in player.step_docks():
        dock = window.docks[name]
        assert dock.isVisible() and not dock.visibleRegion().isEmpty(), f"{name} is named but not shown"
        assert dock.width() >= 150 and dock.height() >= 150, f"{name} is squeezed: {dock.size()}"
        if presenting:
            assert dock.width() >= 0.3 * window.width(), f"{name} is too small to present: {dock.width()} px"
    if presenting:  # the plot and what the caption names, nothing else
        assert {n for n, d in window.docks.items() if d.isVisible()} == set(player.step_docks())


def assert_what_the_caption_states(window, player, tour_path, index) -> None:
    detail = player.bar.detail.text()
    if tour_path.stem.startswith("09") and index == 0:
        assert "🍉" in detail and "&lt;unk&gt;" in detail  # before: the emoji vanished from the pieces
    data = player._data
    if "race" in data:
        curves = window.train_panel.race_curves
        finals = {scheme: points[-1][1] for scheme, points in curves.items()}
        assert set(finals) == set(data["race"]["schemes"])
        zeros = np.array([loss for _step, loss in curves["zeros"]])
        assert np.ptp(zeros) < 0.05 and 4.0 < zeros[-1] < 4.2  # "stays flat at about 4.1"
        others = [loss for scheme, loss in finals.items() if scheme != "zeros"]
        assert max(others) < finals["zeros"] - 1.0 and max(others) - min(others) < 1.0  # "close together"
        listed = [float(v) for v in re.findall(r"<b>([0-9.]+)</b>", detail)]
        assert listed == sorted(listed) and len(listed) == len(finals)  # listed, lowest first


@pytest.mark.parametrize("presenting", [False, True], ids=["window", "presenting"])
@pytest.mark.parametrize("tour_path", TOURS, ids=[p.stem for p in TOURS])
def test_every_step_shows_its_caption_its_points_and_the_docks_it_names(window, qtbot, tour_path, presenting):
    tour = load_tour(tour_path)
    player = window.tours
    number = TOURS.index(tour_path) + 1
    with qtbot.waitSignal(player.step_ready, timeout=STEP_TIMEOUT_MS):
        menu_action(window, "Tours", f"{number}  {tour.title}").trigger()
    if presenting:
        window.presentation.full_screen = False  # stays 1280×800: the size of a projector's picture
        window.activateWindow()
        qtbot.waitUntil(window.isActiveWindow, timeout=5000)
        qtbot.keyClick(window, Qt.Key_F11)
        assert window.state.presentation.active and not window.menuBar().isVisible()
    try:
        for index in range(len(tour)):
            if index:
                with qtbot.waitSignal(player.step_ready, timeout=STEP_TIMEOUT_MS) as ready:
                    qtbot.mouseClick(player.bar.next_button, Qt.LeftButton)
                assert ready.args == [index]
            where = f"{tour_path.stem} step {index + 1}"
            assert f"step {index + 1} / {len(tour)}" in player.bar.step_label.text(), where
            assert player.errors == [], f"{where}: {player.errors}"
            qtbot.waitUntil(lambda: window.controller.up_to_date, timeout=30_000)
            # The layout settles in the event loop after a step: wait for it, then it must hold.
            qtbot.waitUntil(lambda: assert_caption_shown_whole(window, player.bar), timeout=5000)
            qtbot.waitUntil(lambda: assert_named_docks_shown(window, player, presenting), timeout=5000)
            assert_points_in_view(window)
            assert_what_the_caption_states(window, player, tour_path, index)
        qtbot.mouseClick(player.bar.next_button, Qt.LeftButton)  # "Finish ✓"
        assert not player.active and not player.bar.isVisible()
    finally:
        window.tours.leave()
        window.train_panel.run.stop()
        window.train_panel.stop_race()
        window.state.presentation.active = False
        qtbot.waitUntil(lambda: window.controller.jobs.active == 0, timeout=60_000)
