"""Journey: the window as it opens at a presenter's 1280×800 (and at 1400×860, 1920×1080).

The plot gets at least half the width; the Inspector is in view without hunting; the Training
dock's loss plot has room; and with each dock brought forward in turn, no control is cut off
(no squeezed text, no "Cate" for Category, no dock that scrolls sideways)."""

from __future__ import annotations

import pyqtgraph as pg
import pytest

from tests.journeys.conftest import cut_off_controls, cut_off_in_scroll_areas, new_window, raise_each_dock, shown_rect


@pytest.fixture(params=[(1280, 800), (1400, 860), (1920, 1080)], ids=lambda s: f"{s[0]}x{s[1]}")
def sized_window(request, qtbot, tmp_path, monkeypatch):
    monkeypatch.setattr("tests.journeys.conftest.SIZE", request.param)
    window = new_window(qtbot, tmp_path / "settings.ini")
    yield window
    window.session_controller.prompt_on_close = False
    window.close()


def test_the_plot_gets_half_the_width_and_the_inspector_is_in_view(sized_window, qtbot):
    window = sized_window
    plot = window.scatter2d
    assert plot.width() >= window.width() / 2, f"the plot gets {plot.width()} of {window.width()} px"
    inspector = window.docks["Inspector"]
    assert inspector.isVisible() and shown_rect(inspector).height() > 300  # raised, on screen
    assert window.docks["Training"].isVisible() and shown_rect(window.docks["Training"]).height() > 300
    assert window.scatter2d.toolbar.color.currentText() == "Category"


def problems_with_each_dock_raised(window, qtbot) -> list[str]:
    problems = []
    for name in raise_each_dock(window):
        qtbot.waitUntil(lambda: not shown_rect(window.docks[name].widget()).isEmpty(), timeout=3000)
        problems += [p for p in cut_off_controls(window) if p not in problems]
    return problems


def inspector_tabs(problem: str) -> bool:
    return problem.startswith("QTabBar 'Lookup | Neighbours")


def test_no_control_is_cut_off_in_any_dock(sized_window, qtbot):
    problems = [p for p in problems_with_each_dock_raised(sized_window, qtbot) if not inspector_tabs(p)]
    assert not problems, "\n".join(problems)


def test_the_inspector_tabs_fit(sized_window, qtbot):
    problems = [p for p in problems_with_each_dock_raised(sized_window, qtbot) if inspector_tabs(p)]
    assert not problems, "\n".join(problems)


def test_the_loss_plot_has_room(sized_window, qtbot):
    window = sized_window
    dock = window.docks["Training"]
    dock.raise_()
    plots = [p for p in dock.findChildren(pg.PlotWidget) if p.isVisible()]
    assert plots, "no loss plot in the Training dock"
    loss = max(plots, key=lambda p: p.height())
    shown = shown_rect(loss)
    assert shown.height() >= 200 and shown.height() >= 0.9 * loss.height(), \
        f"{shown.height()} px of the loss plot's {loss.height()} are in view"


def test_each_inspector_tab_fits_with_a_token_shown(sized_window, qtbot):
    """Before: at 1280x800 the Neighbours tab's k box and the table's last column ran past the
    dock's edge (seen on the contact sheet's tour steps)."""
    window = sized_window
    inspector = window.inspector_panel
    window.state.explore.current = window.workspace.vocab.index["dog"]
    window.docks["Inspector"].raise_()
    problems = []
    for i in range(inspector.tabs.count()):
        inspector.tabs.setCurrentIndex(i)
        qtbot.waitUntil(lambda: inspector.tabs.currentWidget().isVisible(), timeout=3000)
        problems += [f"{inspector.tabs.tabText(i)}: {p}"
                     for p in cut_off_controls(window) + cut_off_in_scroll_areas(window)]
    assert not problems, "\n".join(problems)
