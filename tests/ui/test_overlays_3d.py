"""The plot overlays reach the 3D view too: made on first use, it gets the current token's
neighbours that the 2D view draws. Skipped, with the reason, where no OpenGL context can be made."""

import pytest

from tests.ui.test_scatter3d import _gl_context_or_skip

pytestmark = pytest.mark.gl


def test_the_3d_view_gets_the_neighbours_when_first_shown(window, qtbot):
    _gl_context_or_skip()
    window.state.explore.current = 9
    qtbot.waitUntil(lambda: window.scatter2d.neighbour_of == 9, timeout=10000)
    wanted = window.scatter2d.neighbour_ids.tolist()
    window.state.view.mode = "3d"
    qtbot.waitUntil(lambda: window.scatter3d is not None and window.scatter3d.neighbour_of == 9, timeout=30000)
    assert window.scatter3d.neighbour_ids == wanted
    window.state.explore.current = 11
    qtbot.waitUntil(lambda: window.scatter3d.neighbour_of == 11, timeout=10000)


def test_the_3d_view_is_coloured_by_the_fidelity_measured(window, qtbot):
    _gl_context_or_skip()
    window.state.view.mode = "3d"
    qtbot.waitUntil(lambda: window.scatter3d is not None and window.controller.up_to_date, timeout=30000)
    window.state.view.colour = "fidelity"
    qtbot.waitUntil(lambda: window.scatter3d.fidelity is not None, timeout=30000)
    assert window.overlays.fidelity.per_token.tolist() == window.scatter3d.fidelity.tolist()
