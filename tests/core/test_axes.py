"""Semantic axes: ends written as tokens, lists or regexes; the three metrics; clear errors;
MiniLM puts queen and actress on the woman side of king and actor."""

import re

import numpy as np
import pytest

from explorer.core import ExplorerError
from explorer.core.projection.axes import axis_coords, parse_axis
from explorer.core.projection.project import ProjectionSettings, project

TOKENS = ["man", "woman", "king", "queen", "big", "small", "e-mail", "letter", "boy", "girl"]


def toy():
    """Rows whose first coordinate is 'female', second 'big', third 'written'."""
    rows = {
        "man": [-1, 0, 0], "woman": [1, 0, 0], "king": [-1, 1, 0], "queen": [1, 1, 0],
        "big": [0, 2, 0], "small": [0, -2, 0], "e-mail": [0, 0, 1], "letter": [0, 0, 3],
        "boy": [-1, -1, 0], "girl": [1, -1, 0],
    }
    return np.array([rows[t] for t in TOKENS], dtype=np.float32) + np.float32([0, 0, 0.5])


def axes_settings(**changes):
    return ProjectionSettings("axes", **{"x_axis": "woman-man", "y_axis": "big-small", **changes})


def test_coordinates_are_lengths_along_a_minus_b_and_titles_read_b_to_a():
    x = toy()
    result = project(x, axes_settings(), tokens=TOKENS)
    assert result.axis_titles == ("man → woman", "small → big")
    d_x, d_y = x[1] - x[0], x[4] - x[5]
    expected = np.stack([x @ d_x / np.linalg.norm(d_x), x @ d_y / np.linalg.norm(d_y)], axis=1)
    np.testing.assert_allclose(result.coords, expected, atol=1e-6)
    i = {t: k for k, t in enumerate(TOKENS)}
    assert result.coords[i["queen"], 0] > result.coords[i["king"], 0]
    assert result.coords[i["king"], 1] > result.coords[i["boy"], 1]
    assert result.statement == "Semantic axes 2D of all 10 tokens" and result.explained is None


def test_cosine_and_dot_metrics_and_their_titles():
    x = toy()
    d = x[1] - x[0]
    cos = project(x, axes_settings(axis_metric="cosine"), tokens=TOKENS)
    np.testing.assert_allclose(cos.coords[:, 0], x @ d / np.linalg.norm(d) / np.linalg.norm(x, axis=1), atol=1e-6)
    assert cos.axis_titles == ("man → woman (cosine)", "small → big (cosine)")
    dot = project(x, axes_settings(axis_metric="dot"), tokens=TOKENS)
    np.testing.assert_allclose(dot.coords[:, 0], x @ d, atol=1e-5)
    zero = axis_coords(np.zeros((1, 3)), d[None], "cosine")
    assert zero[0, 0] == 0  # a zero row has no angle: 0, not NaN


def test_lists_and_regexes_are_averaged():
    x = toy()
    axis = parse_axis("woman,girl-/^(man|boy)$/", TOKENS)
    assert list(axis.positive.ids) == [1, 9] and list(axis.negative.ids) == [0, 8]
    assert axis.title() == "/^(man|boy)$/ (2 tokens) → woman, girl"
    result = project(x, axes_settings(x_axis="woman,girl-/^(man|boy)$/"), tokens=TOKENS)
    d = x[[1, 9]].mean(0) - x[[0, 8]].mean(0)
    np.testing.assert_allclose(result.coords[:, 0], x @ d / np.linalg.norm(d), atol=1e-6)


def test_tokens_with_a_hyphen_take_a_spaced_separator_or_the_only_split_that_resolves():
    spaced = parse_axis("e-mail - letter", TOKENS)
    assert list(spaced.positive.ids) == [6] and list(spaced.negative.ids) == [7]
    assert list(parse_axis("e-mail-letter", TOKENS).positive.ids) == [6]  # "e" is no token
    with pytest.raises(ExplorerError, match="ambiguous: write 'a - b-c' or 'a-b - c'"):
        parse_axis("a-b-c", ["a", "b", "c", "a-b", "b-c"])


@pytest.mark.parametrize("spec, message", [
    ("wman-man", "x axis 'wman-man': no token 'wman' in the vocabulary"),
    ("woman-/^zz+$/", "x axis 'woman-/^zz+$/': no token matches /^zz+$/"),
    ("woman-/[/", "is not a valid regular expression"),
    ("woman", "x axis 'woman': write two ends as A-B"),
    ("woman-woman", "both ends are the same point"),
    ("woman-,", "an end is empty"),
])
def test_errors_name_the_axis_and_what_is_missing(spec, message):
    with pytest.raises(ExplorerError, match=re.escape(message)):
        project(toy(), axes_settings(x_axis=spec), tokens=TOKENS)


def test_settings_need_every_shown_axis_and_the_tokens():
    with pytest.raises(ExplorerError, match="need a y axis"):
        ProjectionSettings("axes", x_axis="woman-man").validate()
    with pytest.raises(ExplorerError, match="need a z axis"):
        axes_settings(dims=3).validate()
    with pytest.raises(ExplorerError, match="unknown axis metric 'angle'"):
        axes_settings(axis_metric="angle").validate()
    with pytest.raises(ExplorerError, match="need the vocabulary's tokens"):
        project(toy(), axes_settings())
    with pytest.raises(ExplorerError, match="y axis 'big-tiny': no token 'tiny'"):
        project(toy(), axes_settings(y_axis="big-tiny"), tokens=TOKENS)


def test_three_axes_isolation_and_sphereize():
    x = toy()
    result = project(x, axes_settings(dims=3, z_axis="letter-e-mail", rows=(0, 1, 2, 3)), tokens=TOKENS)
    assert result.coords.shape == (4, 3) and list(result.ids) == [0, 1, 2, 3]
    assert result.axis_titles[2] == "e-mail → letter"
    assert result.statement == "Semantic axes 3D of 4 isolated tokens (of 10)"
    # Ends outside the isolated rows (big, small) still define the y axis.
    np.testing.assert_allclose(result.coords[:, 1], x[:4, 1], atol=1e-6)
    # Sphereize first: rows centred on the projected rows' mean, unit length; the ends likewise.
    sphered = project(x, axes_settings(sphereize=True), tokens=TOKENS)
    s = x - x.mean(0)
    s /= np.linalg.norm(s, axis=1, keepdims=True)
    d = s[1] - s[0]
    np.testing.assert_allclose(sphered.coords[:, 0], s @ d / np.linalg.norm(d), atol=1e-5)


@pytest.fixture(scope="module")
def minilm():
    from tests.conftest import SHARED_DATA

    table = SHARED_DATA / "vectors" / "minilm-embeddings.safetensors"
    vocab_txt = SHARED_DATA / "tokenizers" / "bert" / "vocab.txt"
    if not table.exists() or not vocab_txt.exists():
        pytest.skip(f"the MiniLM table ({table}) or its vocabulary is absent")
    from explorer.core.io.sources import load_matrix

    vocab, weights = load_matrix(table, vocab_path=vocab_txt)
    return vocab.tokens, weights


def test_minilm_puts_queen_and_actress_on_the_woman_side(minilm):
    tokens, weights = minilm
    result = project(weights, axes_settings(), tokens=tokens)
    i = {t: k for k, t in enumerate(tokens)}
    x = result.coords[:, 0]
    assert x[i["queen"]] > x[i["king"]] and x[i["actress"]] > x[i["actor"]]
    assert x[i["she"]] > x[i["he"]] and x[i["girl"]] > x[i["boy"]]
    assert len(result.coords) == len(tokens) == 30522


def test_a_regex_end_may_hold_a_hyphen():
    axis = parse_axis("/^e-/-letter", TOKENS)
    assert list(axis.positive.ids) == [6] and list(axis.negative.ids) == [7]
    axis = parse_axis("letter-/^e-m/", TOKENS)
    assert list(axis.positive.ids) == [7] and list(axis.negative.ids) == [6]
