"""Qt-free logic of the 2D scatter: picking, selection, labels, rasterizing, colours."""

import numpy as np
import pytest

from explorer.core import Cancelled, ExplorerError
from explorer.core.analysis.clusters import kmeans
from explorer.core.view.colours import frequency_bins, match_tokens, point_colours, sequential_colors
from explorer.core.view.labels import boxes_overlap, default_labels, place_labels
from explorer.core.view.picking import SpatialGrid, points_in_polygon, points_in_rect
from explorer.core.view.raster import density_image, pack_rgb, sprite_offsets, sprite_table, stamp_sprites


def test_grid_nearest_matches_brute_force():
    rng = np.random.default_rng(0)
    xy = rng.normal(size=(5000, 2)).astype(np.float32)
    grid = SpatialGrid(xy)
    for qx, qy in rng.normal(size=(200, 2)):
        r = 0.05
        d = ((xy[:, 0] - qx) ** 2 + (xy[:, 1] - qy) ** 2) / r ** 2
        expected = int(np.argmin(d)) if d.min() <= 1 else None
        assert grid.nearest(qx, qy, r, r) == expected


def test_grid_handles_nan_rows_and_empty_input():
    xy = np.array([[0, 0], [np.nan, 1], [1, 1]], np.float32)
    assert SpatialGrid(xy).nearest(1.01, 1.0, 0.1, 0.1) == 2
    assert SpatialGrid(np.zeros((0, 2), np.float32)).nearest(0, 0, 1, 1) is None


def test_rect_and_lasso_selection():
    xy = np.array([[0, 0], [1, 1], [2, 2], [3, 0.5], [0.2, 1.8]], np.float32)
    assert points_in_rect(xy, 1.5, -1, -0.5, 1.5).tolist() == [0, 1]  # corners in any order
    triangle = [(-0.5, -0.5), (2.5, -0.5), (2.5, 2.5)]
    assert points_in_polygon(xy, triangle).tolist() == [0, 1, 2]
    # a concave "L": the notch (top right) is outside
    ell = [(-1, -1), (4, -1), (4, 0.8), (0.6, 0.8), (0.6, 3), (-1, 3)]
    assert points_in_polygon(xy, ell).tolist() == [0, 3, 4]
    assert points_in_polygon(xy, [(0, 0), (1, 1)]).tolist() == []


def test_labels_never_overlap_and_keep_priority():
    rng = np.random.default_rng(1)
    anchors = rng.uniform(0, 300, size=(300, 2))
    sizes = np.column_stack([rng.uniform(20, 60, 300), np.full(300, 14)])
    placed = place_labels(anchors, sizes, bounds=(0, 0, 320, 320))
    assert placed[0][0] == 0  # the first (highest priority) label is always shown
    assert 10 < len(placed) < 300  # some suppressed, many shown
    boxes = [box for _, box in placed]
    for i in range(len(boxes)):
        assert 0 <= boxes[i][0] and boxes[i][2] <= 320
        for j in range(i + 1, len(boxes)):
            assert not boxes_overlap(boxes[i], boxes[j])


def test_a_crowded_label_moves_to_a_free_side():
    anchors = np.array([[100, 100], [100, 100]])
    sizes = np.array([[40, 12], [40, 12]])
    placed = place_labels(anchors, sizes)
    assert len(placed) == 2 and placed[1][1][1] > placed[0][1][3]  # the second goes below


def test_stamping_draws_sprites_in_order_and_skips_points_off_the_buffer():
    offsets, coverage = sprite_offsets(5)
    assert coverage.max() == 1 and coverage.min() > 0
    table = sprite_table(np.array([[255, 0, 0, 255], [0, 0, 255, 255]]), coverage, (255, 255, 255))
    buf = np.zeros((20, 20), np.uint32)
    drawn = stamp_sprites(buf, np.array([10.0, 11.0, -50.0]), np.array([10.0, 10.0, 3.0]),
                          np.array([0, 1, 0]), offsets, table)
    assert drawn == 2
    assert buf[10, 11] == 0xFF0000FF  # the later (blue) point is on top
    assert buf[10, 8] == 0xFFFF0000  # red where only the first point reaches
    assert buf[0, 0] == 0


def test_density_image_shows_every_point_and_counts_them():
    px = np.array([1.2, 1.7, 1.1, 8.5, 30.0])
    py = np.array([1.0, 1.9, 1.5, 4.2, 2.0])
    colors = pack_rgb(np.array([[255, 0, 0], [255, 0, 0], [0, 255, 0], [0, 0, 255], [9, 9, 9]], np.uint8))
    image, binned = density_image(px, py, 10, 6, colors)
    assert binned == 4  # the last point is outside
    alpha = image >> 24
    assert alpha[1, 1] == 255 and 80 <= alpha[4, 8] < 255  # one point alone stays visible
    assert (image[1, 1] >> 8) & 255 == 255  # the point drawn last there (green) gives the colour
    assert np.count_nonzero(alpha) == 2


def test_search_substring_regex_and_a_bad_regex():
    tokens = ["Apple", "pineapple", "banana", "Ġapple", "##app"]
    assert match_tokens(tokens, "APP").tolist() == [0, 1, 3, 4]
    assert match_tokens(tokens, "^app", regex=True).tolist() == [0]
    assert match_tokens(tokens, "").tolist() == []
    with pytest.raises(ExplorerError, match="bad regular expression"):
        match_tokens(tokens, "(", regex=True)


def test_frequency_bins_are_log_scaled_and_ordered():
    bins, names = frequency_bins(np.array([1, 9, 10, 99, 5000]), 5)
    assert bins.tolist() == [0, 0, 1, 1, 3]
    assert names[0].startswith("0") and len(names) == 4
    ramp = sequential_colors(len(names))
    assert len(set(ramp)) == len(names)
    assert frequency_bins(None, 3)[0].tolist() == [0, 0, 0]


def test_kmeans_separates_blobs_and_can_be_cancelled():
    rng = np.random.default_rng(0)
    centres = np.array([[0, 0, 0], [10, 0, 0], [0, 10, 0]], np.float32)
    truth = rng.integers(0, 3, 900)
    x = (centres[truth] + rng.normal(scale=0.5, size=(900, 3))).astype(np.float32)
    labels = kmeans(x, 3, seed=1)
    for k in range(3):  # each true blob gets exactly one label
        assert len(set(labels[truth == k].tolist())) == 1
    assert len(set(labels.tolist())) == 3
    with pytest.raises(Cancelled):
        kmeans(x, 3, should_cancel=lambda: True)


def test_default_labels_are_the_most_frequent_then_the_selection():
    counts = np.array([5, 50, 1, 20])
    assert default_labels(counts, 4, selection=(2,), limit=2) == [1, 3, 2]
    assert default_labels(None, 100, selection=(70, 1), limit=3) == [0, 1, 2, 70]  # no counts: first IDs
    assert default_labels(counts, 4, selection=(2,), mode="none") == [2]


def test_point_colours_of_each_mode():
    palette, neutral = [(10, 20, 30), (40, 50, 60), (70, 80, 90), (200, 0, 0)], (150, 150, 150)
    category = np.array([[1, 2, 3, 255]] * 4, np.uint8)
    colours, legend = point_colours("category", 4, palette=palette, neutral=neutral, category=category,
                                    category_legend=[("a", (1, 2, 3, 255))])
    assert np.array_equal(colours, category) and legend == [("a", (1, 2, 3, 255))]
    colours, legend = point_colours("cluster", 4, palette=palette, neutral=neutral, clusters=np.array([0, 1, 1, 0]))
    assert [name for name, _ in legend] == ["cluster 1 (2)", "cluster 2 (2)"]
    assert tuple(colours[1]) == (40, 50, 60, 230)
    colours, legend = point_colours("regex", 4, palette=palette, neutral=neutral, pattern="^a", hits=np.array([2]))
    assert legend[0] == ("/^a/ (1)", (200, 0, 0, 240)) and tuple(colours[2]) == (200, 0, 0, 240)
    colours, legend = point_colours("frequency", 4, palette=palette, neutral=neutral, counts=np.array([1, 10, 100, 1000]))
    assert legend[0][0].startswith("count") and len({tuple(c) for c in colours}) > 1


@pytest.mark.parametrize("with_colors", [True, False])
def test_the_compiled_density_pass_draws_what_numpy_draws(monkeypatch, with_colors):
    from explorer.core.view import raster

    rng = np.random.default_rng(4)
    xy = rng.normal(size=(20_000, 2)).astype(np.float32) * 3 + 100
    xy[::97] = np.nan  # rows outside a projection's sample
    colors = pack_rgb(rng.integers(0, 256, size=(len(xy), 3)).astype(np.uint8)) if with_colors else None
    affine, centre = (20.0, 1.5, -0.5, -18.0, 160.0, 90.0), np.array([100.0, 100.0], np.float32)
    numpy_image, numpy_binned = raster.density_image_of(xy, affine, centre, 320, 180, colors)
    monkeypatch.setattr(raster, "FUSED_MIN_POINTS", 1)
    assert raster._bin_kernel() is not None
    image, binned = raster.density_image_of(xy, affine, centre, 320, 180, colors)
    assert 0 < binned == numpy_binned < len(xy)  # some points fall outside the image
    np.testing.assert_array_equal(image, numpy_image)


def test_the_compiled_count_of_points_in_a_rectangle_is_numpys(monkeypatch):
    from explorer.core.view import raster

    rng = np.random.default_rng(5)
    xy = rng.normal(size=(30_000, 2)).astype(np.float32)
    xy[::50] = np.nan
    edge = float(xy[1, 0])  # a point on the edge counts
    expected = raster.count_in_rect(xy, -0.5, edge, -1.0, 0.7)
    x, y = xy[:, 0], xy[:, 1]
    assert expected == np.count_nonzero((x >= -0.5) & (x <= edge) & (y >= -1.0) & (y <= 0.7)) > 0
    monkeypatch.setattr(raster, "FUSED_MIN_POINTS", 1)
    assert raster._compiled("count", raster._count_in) is not None
    assert raster.count_in_rect(xy, -0.5, edge, -1.0, 0.7) == expected
