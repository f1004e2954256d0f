"""The 3D view renders under Xvfb/Mesa: points in their colour, labels, legend, export,
auto-rotate. Skipped, with the reason, only where no OpenGL context can be made."""

import numpy as np
import pytest

pytestmark = pytest.mark.gl


def _share_gl_contexts() -> None:
    """As app_instance() does: pyqtgraph caches shader programs across GL views."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    if QApplication.instance() is None:
        QApplication.setAttribute(Qt.AA_ShareOpenGLContexts)


_share_gl_contexts()  # at collection, before pytest-qt creates the application

RED = (214, 39, 40, 255)


def _gl_context_or_skip():
    from PySide6.QtGui import QGuiApplication, QOffscreenSurface, QOpenGLContext

    if QGuiApplication.platformName() in ("offscreen", "minimal"):
        pytest.skip(f"no OpenGL context on the Qt '{QGuiApplication.platformName()}' platform: "
                    "run under xvfb-run with QT_QPA_PLATFORM=xcb (make test does)")
    context = QOpenGLContext()
    surface = QOffscreenSurface()
    surface.create()
    if not context.create() or not context.makeCurrent(surface):
        pytest.skip("an OpenGL context cannot be made on this display (Mesa/libGL missing?)")
    context.doneCurrent()


@pytest.fixture
def view(qtbot):
    from explorer.ui.theme import LIGHT
    from explorer.ui.views.scatter3d import Scatter3D

    _gl_context_or_skip()
    view = Scatter3D(LIGHT)
    qtbot.addWidget(view)
    view.resize(480, 360)
    view.show()
    qtbot.waitExposed(view)
    return view


def red_pixels(image) -> int:
    from PySide6.QtGui import QColor

    count = 0
    for y in range(0, image.height(), 2):
        for x in range(0, image.width(), 2):
            c = QColor(image.pixel(x, y))
            if abs(c.red() - RED[0]) < 30 and abs(c.green() - RED[1]) < 30 and abs(c.blue() - RED[2]) < 30:
                count += 1
    return count


def dark_pixels(image, rect) -> int:
    from PySide6.QtGui import QColor

    return sum(1 for y in range(rect[1], rect[1] + rect[3]) for x in range(rect[0], rect[0] + rect[2])
               if QColor(image.pixel(x, y)).lightness() < 90)


def cloud(n=300, seed=0):
    return np.random.default_rng(seed).standard_normal((n, 3)).astype(np.float32)


def test_points_render_in_their_colour(view, qtbot):
    n = 300
    view.set_points(cloud(n), [f"t{i}" for i in range(n)], np.tile(np.array(RED, np.uint8), (n, 1)))
    assert view.point_count == n
    image = view.grabFramebuffer()
    assert red_pixels(image) > 50
    empty = view.grabFramebuffer()
    view.set_points(np.zeros((0, 3), np.float32), [], np.zeros((0, 4), np.uint8))
    assert red_pixels(view.grabFramebuffer()) == 0 < red_pixels(empty)


def test_sampled_rows_are_left_out_and_labels_drawn_in_grabs(view, qtbot, tmp_path):
    n = 200
    xyz = cloud(n)
    xyz[::2] = np.nan  # not in the sample
    tokens = [f"token{i}" for i in range(n)]
    view.set_points(xyz, tokens, np.tile(np.array(RED, np.uint8), (n, 1)))
    assert view.point_count == 100
    view.set_labels([0, 1, 3])  # 0 is not shown: no label for it
    assert view.labels == ["token1", "token3"]
    xy, front = view.screen_positions(np.array([0]))  # row 0 is token 1
    x, y = int(xy[0, 0]), int(xy[0, 1])
    assert front[0] and 0 <= x < view.width() and 0 <= y < view.height()
    label_box = {i: b for i, b, _bold in view.label_boxes()}[1]  # where token1's label is drawn
    assert label_box.left() <= x <= label_box.right() and label_box.bottom() <= y  # above its point
    box = (int(label_box.left()) + 2, int(label_box.top()) + 1, int(label_box.width()) - 4, int(label_box.height()) - 2)
    without = view.grab_image()
    view.set_labels([])
    assert dark_pixels(without, box) > dark_pixels(view.grab_image(), box)
    view.set_labels([1])
    window_grab = view.grab().toImage()  # what a window screenshot sees (overlay widget)
    assert dark_pixels(window_grab, box) > 5
    path = view.export(tmp_path / "view")
    assert path.suffix == ".png" and path.stat().st_size > 1000


def test_legend_and_statement_are_painted(view):
    n = 50
    view.set_points(cloud(n), [f"t{i}" for i in range(n)], np.tile(np.array(RED, np.uint8), (n, 1)))
    corner = (view.width() - 120, 12 + view.toolbar.height(), 110, 30)  # under the search strip
    before = dark_pixels(view.grab_image(), corner)
    view.set_legend([("colours", RED)])
    assert dark_pixels(view.grab_image(), corner) > before
    view.set_statement("t-SNE 3D of a random sample of 50 of 500 tokens")
    bottom = (10, view.height() - 28, 200, 20)
    assert dark_pixels(view.grab_image(), bottom) > 10
    above = (10, view.height() - 52, 200, 20)
    before = dark_pixels(view.grab_image(), above)
    view.set_label_note("Labels: 60 whole words from the top of the table")
    assert dark_pixels(view.grab_image(), above) > before + 10  # the note, over the statement


def test_auto_rotate_orbits_the_camera(view, qtbot):
    start = view.opts["azimuth"]
    with qtbot.waitSignal(view.auto_rotate_changed, timeout=1000) as on:
        view.set_auto_rotate(True)
    assert on.args == [True] and view.auto_rotating
    qtbot.waitUntil(lambda: abs(view.opts["azimuth"] - start) > 2, timeout=5000)
    view.set_auto_rotate(False)
    assert not view.auto_rotating


def test_window_3d_view_shows_the_projection(qtbot):
    _gl_context_or_skip()
    from explorer.ui.main_window import MainWindow
    from explorer.ui.startup import demo_workspace

    window = MainWindow(demo_workspace())
    qtbot.addWidget(window)
    window.show()
    window.set_view("3d")
    with qtbot.waitSignal(window.controller.idle, timeout=30000):
        window.controller.reinitialize()
    view = window.scatter3d
    assert view.point_count == len(window.workspace.vocab)
    assert window.controller.coords.shape[1] == 3
    assert "the" in view.labels and view.legend_entries
    assert "PCA 3D of all" in view.statement
    assert window.auto_rotate_action.isEnabled()
    window.auto_rotate_action.trigger()
    assert view.auto_rotating
    window.set_view("2d")
    assert not view.auto_rotating
    window.close()
