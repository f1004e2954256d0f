"""Journey: the first start. A newcomer sees, above the plot, what to try: Start to watch the
demo's 124 words learn, Tours, File ▸ Open. They press the hint's Start training: the demo
trains live (the loss plot fills, the points move, the title still states what is shown) and
the hint goes, for good: a second start with the same settings does not show it."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt

from tests.journeys.conftest import new_window, points_in_view


def test_the_hint_says_what_to_try_and_goes_once_used(qtbot, tmp_path):
    settings = tmp_path / "settings.ini"
    window = new_window(qtbot, settings)
    bar = window.welcome
    assert bar.isVisible() and window.welcome_pending
    text = bar.text.text()
    assert "Start" in text and "124 words" in text and "Tours" in text and "File ▸ Open" in text
    assert bar.geometry().width() >= window.scatter2d.width() - 2  # across the top of the view

    window.state.train.epochs = 2
    before = window.scatter2d.xy.copy()
    with qtbot.waitSignal(window.train_panel.run.finished, timeout=90000) as finished:
        qtbot.mouseClick(bar.start_button, Qt.LeftButton)
    assert finished.args == ["done"]
    assert not bar.isVisible() and not window.welcome_pending  # used: gone
    qtbot.waitUntil(lambda: window.controller.up_to_date and window.controller.jobs.active == 0, timeout=30000)
    assert not np.allclose(window.scatter2d.xy, before)  # the words moved
    assert points_in_view(window.scatter2d) == 124  # and stayed in view
    assert window.scatter2d.title_text.endswith("124 tokens")
    history, _snapshots = window.train_panel.run_history()
    assert len(history.get("loss", [])) >= 2  # the loss curve has the run
    window.session_controller.prompt_on_close = False
    window.close()

    again = new_window(qtbot, settings)  # the next start, same settings file
    assert not again.welcome.isVisible()
    again.session_controller.prompt_on_close = False
    again.close()


def test_closing_the_hint_keeps_it_closed_and_a_tour_hides_it(qtbot, tmp_path):
    window = new_window(qtbot, tmp_path / "settings.ini")
    assert window.welcome.isVisible()
    window.state.presentation.active = True  # presenting: the view only
    assert not window.welcome.isVisible()
    window.state.presentation.active = False
    assert window.welcome.isVisible()
    qtbot.mouseClick(window.welcome.close_button, Qt.LeftButton)
    assert not window.welcome.isVisible() and not window.welcome_pending
    window.session_controller.prompt_on_close = False
    window.close()


def test_opening_a_file_is_using_the_app_the_hint_goes(qtbot, tmp_path):
    from tests.journeys.conftest import menu_action

    window = new_window(qtbot, tmp_path / "settings.ini")
    assert window.welcome.isVisible()
    menu_action(window, "File", "Open sample", "GPT-2").trigger()
    qtbot.waitUntil(lambda: len(window.workspace.vocab) == 50257, timeout=60000)
    assert not window.welcome.isVisible() and not window.welcome_pending
    window.session_controller.prompt_on_close = False
    window.close()
