import numpy as np

from explorer.core.view.captions import group_captions
from explorer.core.view.colours import category_groups, column_colours, gradient_colours


def test_a_caption_per_group_at_its_median_naming_its_most_frequent_tokens():
    xy = np.array([[0, 0], [1, 0], [0.5, 0.2], [100, 0], [10, 10], [11, 10], [10.5, 10.2], [np.nan, np.nan],
                   [50, 50], [51, 50]], np.float32)
    groups = np.array([0, 0, 0, 0, 1, 1, 1, 1, 2, 2])
    tokens = ["a", "b", "c", "far", "x", "y", "z", "unsampled", "p", "q"]
    counts = np.array([5, 9, 1, 3, 2, 8, 1, 100, 4, 4])
    captions = group_captions(groups, xy, tokens, counts, per_group=2)
    assert [c.group for c in captions] == [0, 1]  # biggest first; a group of two has only labels
    first, second = captions
    assert (first.x, first.y) == (0.75, 0.0)  # the median: the outlier at x=100 does not drag it
    assert first.text == "b · a" and first.size == 4
    assert second.text == "y · x"  # the NaN row is not on the plot: not named


def test_without_counts_the_tokens_nearest_the_centre_name_it():
    xy = np.array([[0, 0], [1, 0], [2, 0], [9, 0], [10, 0]], np.float32)
    captions = group_captions(np.zeros(5, np.int64), xy, list("abcde"), None, per_group=1)
    assert captions[0].text == "c"
    assert group_captions(np.full(5, -1), xy, list("abcde")) == []


def test_a_categorical_column_keeps_its_top_values_and_an_other():
    values = np.array(["n", "v", "n", "", "adj", "n", "v", "x"], dtype=object)
    groups, names, missing = category_groups(values, top=2)
    assert names == ["n", "v", "other"] and missing == 1
    assert groups.tolist() == [0, 1, 0, -1, 2, 0, 1, 2]
    palette, neutral = [(1, 1, 1), (2, 2, 2), (3, 3, 3)], (9, 9, 9)
    colours, legend, _ = column_colours(values, palette=palette, neutral=neutral, top=2)
    assert [t for t, _ in legend] == ["n (3)", "v (2)", "other (2)", "missing (1)"]
    assert tuple(colours[3]) == (9, 9, 9, 90) and tuple(colours[0][:3]) == (1, 1, 1)


def test_a_gradient_spans_the_finite_values_and_greys_the_missing():
    colours, lo, hi = gradient_colours(np.array([0.0, 0.5, 1.0, np.nan]), (9, 9, 9))
    assert (lo, hi) == (0.0, 1.0)
    assert tuple(colours[3]) == (9, 9, 9, 90)
    assert len({tuple(c) for c in colours[:3]}) == 3


def test_past_max_points_a_sample_stands_for_each_group_but_the_most_frequent_are_kept():
    rng = np.random.default_rng(0)
    n = 5000
    groups = np.arange(n) % 2
    xy = np.column_stack([groups * 10 + rng.normal(size=n), rng.normal(size=n)])
    counts = rng.integers(1, 100, n)
    counts[[7, 8]] = 10_000  # the most frequent of group 1, then of group 0
    captions = group_captions(groups, xy, [f"t{i}" for i in range(n)], counts, per_group=1, max_points=500)
    by_group = {c.group: c for c in captions}
    assert by_group[1].text == "t7" and by_group[0].text == "t8"
    assert by_group[0].size == by_group[1].size == 2500
    assert abs(by_group[1].x - 10) < 0.5


def test_whole_words_name_a_group_before_pieces_and_specials():
    xy = np.array([[0, 0], [0.1, 0], [0.2, 0], [3, 0]], np.float32)
    tokens = ["##ing", "[unused3]", "kingdom", "crown"]
    preferred = np.array([False, False, True, True])
    caption = group_captions(np.zeros(4, np.int64), xy, tokens, None, per_group=2, preferred=preferred)[0]
    assert caption.text == "kingdom · crown"
    assert group_captions(np.zeros(4, np.int64), xy, tokens, None, per_group=2)[0].text == "[unused3] · kingdom"


def test_a_group_spread_over_the_map_gets_no_caption():
    """Categories of a random init are all over the plot: a caption at such a group's median
    would name a place where the group is not (before: "cairo · madrid · paris" in the middle
    of the demo's first screen)."""
    rng = np.random.default_rng(1)
    mixed = rng.normal(size=(300, 2))
    groups = np.arange(300) % 3
    assert group_captions(groups, mixed, [f"t{i}" for i in range(300)]) == []
    gathered = mixed * 0.1 + np.array([[0, 0], [5, 0], [0, 5]])[groups]
    assert sorted(c.group for c in group_captions(groups, gathered, [f"t{i}" for i in range(300)])) == [0, 1, 2]
