"""3D picking without Qt: world points through a camera to pixels, the point under the cursor
(front-most when several cover it), points in a screen rectangle or lasso."""

import math

import numpy as np

from explorer.core.view.pick3d import in_polygon, in_rect, nearest, project

W, H = 400, 300


def camera(distance: float = 5.0, fov: float = 60.0):
    """A camera on the +z axis looking at the origin (view) and an OpenGL perspective frustum."""
    view = np.eye(4)
    view[2, 3] = -distance
    near, far = distance * 0.001, distance * 1000
    f = 1 / math.tan(math.radians(fov) / 2)
    aspect = W / H
    proj = np.zeros((4, 4))
    proj[0, 0], proj[1, 1] = f / aspect, f
    proj[2, 2], proj[2, 3] = (far + near) / (near - far), 2 * far * near / (near - far)
    proj[3, 2] = -1
    return view, proj


def test_the_origin_lands_in_the_middle_and_axes_point_right_and_up():
    view, proj = camera()
    pts = project(np.array([[0, 0, 0], [1, 0, 0], [0, 1, 0]], float), view, proj, W, H)
    assert np.allclose(pts.xy[0], (W / 2, H / 2))
    assert pts.xy[1, 0] > W / 2 and math.isclose(pts.xy[1, 1], H / 2)  # +x is right
    assert pts.xy[2, 1] < H / 2 and math.isclose(pts.xy[2, 0], W / 2)  # +y is up (pixels run down)
    assert pts.front.all() and np.allclose(pts.depth, 5.0)


def test_points_behind_the_camera_are_not_picked_nor_selected():
    view, proj = camera(distance=5)
    pts = project(np.array([[0, 0, 10.0], [0, 0, 0]]), view, proj, W, H)  # the first is behind
    assert list(pts.front) == [False, True]
    assert nearest(pts, W / 2, H / 2, radius=5) == 1
    assert in_rect(pts, 0, 0, W, H).tolist() == [1]


def test_the_front_most_point_wins_when_two_cover_the_cursor():
    view, proj = camera()
    xyz = np.array([[0, 0, -1.0], [0, 0, 1.0], [0, 0, 0.0]])  # same pixel, three depths
    pts = project(xyz, view, proj, W, H)
    assert nearest(pts, W / 2 + 1, H / 2, radius=6, cover=4) == 1  # z = 1 is nearest the camera
    assert nearest(pts, W / 2 + 1, H / 2, radius=6) == 1  # equally near on screen: the front one


def test_a_point_in_front_wins_only_where_it_covers_the_cursor():
    view, proj = camera()
    xyz = np.array([[0, 0, -2.0], [0.05, 0, 2.0]])
    pts = project(xyz, view, proj, W, H)
    x_back, x_front = pts.xy[0, 0], pts.xy[1, 0]
    assert x_front - x_back > 3
    # The cursor on the back point, the front one 3+ px away: the front one does not cover it
    assert nearest(pts, x_back, H / 2, radius=8, cover=1) == 0
    assert nearest(pts, x_back, H / 2, radius=8, cover=5) == 1  # a bigger disc in front hides it
    assert nearest(pts, x_back + 100, H / 2, radius=8) is None


def test_rect_and_lasso_take_exactly_the_points_inside():
    rng = np.random.default_rng(0)
    xyz = rng.uniform(-1, 1, (2000, 3))
    view, proj = camera()
    pts = project(xyz, view, proj, W, H)
    ids = in_rect(pts, 250, 180, 120, 60)  # corners in any order
    x, y = pts.xy[:, 0], pts.xy[:, 1]
    expected = np.flatnonzero((x >= 120) & (x <= 250) & (y >= 60) & (y <= 180))
    assert len(expected) > 50 and np.array_equal(np.sort(ids), expected)
    square = [(120, 60), (250, 60), (250, 180), (120, 180)]
    assert np.array_equal(np.sort(in_polygon(pts, square)), expected)


def test_non_finite_points_are_never_picked():
    view, proj = camera()
    pts = project(np.array([[np.nan, 0, 0], [0, 0, 0]]), view, proj, W, H)
    assert list(pts.front) == [False, True]
    assert nearest(pts, W / 2, H / 2, radius=3) == 1
