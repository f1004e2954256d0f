"""Init schemes: shapes, scales, seeds (bit for bit), padding, and the statistics that explain them."""

import math

import numpy as np
import pytest

from explorer.core import ExplorerError
from explorer.core.matrix.init import initialize
from explorer.core.matrix.schemes import SCHEMES, InitConfig, describe
from explorer.core.matrix.stats import effective_rank, matrix_stats, mean_cosine

RANDOM = [name for name in SCHEMES if name not in ("zeros", "constant", "one_hot")]


@pytest.mark.parametrize("scheme", list(SCHEMES))
def test_every_scheme_is_bit_for_bit_reproducible_per_seed(scheme):
    dim = 300 if scheme == "one_hot" else 32
    a = initialize(InitConfig(scheme, dim, seed=7), 300)
    b = initialize(InitConfig(scheme, dim, seed=7), 300)
    assert a.shape == (300, dim) and a.dtype == np.float32
    assert a.tobytes() == b.tobytes()
    if scheme in RANDOM:
        assert not np.array_equal(a, initialize(InitConfig(scheme, dim, seed=8), 300))


@pytest.mark.parametrize("scheme", list(SCHEMES))
def test_the_padding_row_is_zeroed(scheme):
    dim = 50 if scheme == "one_hot" else 16
    weights = initialize(InitConfig(scheme, dim, seed=1), 50, padding_idx=3)
    assert not weights[3].any()
    if scheme not in ("zeros",):
        assert weights[4].any() or scheme == "one_hot" and weights[4, 4] == 1


def test_normal_uses_its_mean_and_std_and_defaults_to_torch_embedding():
    w = initialize(InitConfig("normal", 64, 0), 4000)
    assert abs(w.mean()) < 0.01 and abs(w.std() - 1.0) < 0.01
    w = initialize(InitConfig("normal", 64, 0, {"mean": 2.0, "std": 0.5}), 4000)
    assert abs(w.mean() - 2.0) < 0.01 and abs(w.std() - 0.5) < 0.01


def test_uniform_stays_in_its_bounds_and_rejects_a_ge_b():
    w = initialize(InitConfig("uniform", 32, 0, {"a": -0.1, "b": 0.3}), 1000)
    assert w.min() >= -0.1 and w.max() <= 0.3
    with pytest.raises(ExplorerError, match="a < b"):
        initialize(InitConfig("uniform", 8, 0, {"a": 1.0, "b": 1.0}), 10)


def test_truncated_normal_is_cut_at_two_sigma():
    w = initialize(InitConfig("truncated_normal", 64, 0), 5000)
    assert np.abs(w).max() <= 0.04 + 1e-7
    # the std of N(0, 1) cut at +-2 is 0.880
    assert abs(w.std() - 0.02 * 0.880) < 0.0005


def test_word2vec_is_uniform_in_half_over_dim():
    w = initialize(InitConfig("word2vec", 100, 0), 2000)
    assert w.min() >= -0.005 and w.max() <= 0.005 and w.max() > 0.0049


@pytest.mark.parametrize("scheme", ["xavier_uniform", "xavier_normal"])
def test_xavier_scales_with_vocab_and_dim_and_gain(scheme):
    vocab, dim = 3000, 64
    std = initialize(InitConfig(scheme, dim, 0), vocab).std()
    expected = math.sqrt(2.0 / (vocab + dim))
    assert abs(std - expected) / expected < 0.02
    assert initialize(InitConfig(scheme, 1024, 0), vocab).std() < std  # bigger dim, smaller start
    doubled = initialize(InitConfig(scheme, dim, 0, {"gain": 2.0}), vocab).std()
    assert abs(doubled / std - 2.0) < 0.05


def test_kaiming_mode_and_nonlinearity_change_the_scale():
    fan_in = initialize(InitConfig("kaiming_normal", 64, 0, {"mode": "fan_in", "nonlinearity": "relu"}), 2000)
    fan_out = initialize(InitConfig("kaiming_normal", 64, 0, {"mode": "fan_out", "nonlinearity": "relu"}), 2000)
    # torch's fan_in of a (vocab x dim) weight is dim, fan_out is vocab
    assert abs(fan_in.std() - math.sqrt(2 / 64)) < 0.01
    assert abs(fan_out.std() - math.sqrt(2 / 2000)) < 0.002
    linear = initialize(InitConfig("kaiming_uniform", 64, 0, {"mode": "fan_in", "nonlinearity": "linear"}), 2000)
    assert abs(linear.std() - math.sqrt(1 / 64)) < 0.01


def test_orthogonal_has_orthonormal_columns():
    w = initialize(InitConfig("orthogonal", 32, 0), 200).astype(np.float64)
    assert np.allclose(w.T @ w, np.eye(32), atol=1e-5)


def test_zeros_constant_and_one_hot():
    assert not initialize(InitConfig("zeros", 8, 0), 10).any()
    assert np.all(initialize(InitConfig("constant", 8, 0, {"value": 0.25}), 10) == 0.25)
    eye = initialize(InitConfig("one_hot", 12, 0), 10)
    assert np.array_equal(eye[:, :10], np.eye(10)) and not eye[:, 10:].any()


def test_one_hot_needs_dim_at_least_the_vocabulary_size():
    with pytest.raises(ExplorerError, match="at least 124 dimensions"):
        initialize(InitConfig("one_hot", 64, 0), 124)


def test_unknown_scheme_and_parameter_are_clear_errors():
    with pytest.raises(ExplorerError, match="unknown init scheme"):
        initialize(InitConfig("nope", 8, 0), 10)
    with pytest.raises(ExplorerError, match="takes no parameter"):
        initialize(InitConfig("zeros", 8, 0, {"std": 1.0}), 10)


# -- statistics ---------------------------------------------------------------------------
def test_zeros_make_every_token_identical():
    stats = matrix_stats(initialize(InitConfig("zeros", 16, 0), 100))
    assert stats.identical_rows and stats.effective_rank == 0.0 and np.isnan(stats.mean_cosine)
    assert stats.norm_mean == 0.0


def test_normal_and_std_002_differ_about_fifty_times_in_norm():
    big = matrix_stats(initialize(InitConfig("normal", 64, 0), 2000))
    small = matrix_stats(initialize(InitConfig("truncated_normal", 64, 0), 2000))
    assert 45 < big.norm_mean / small.norm_mean < 65
    assert abs(big.norm_mean - 8.0) < 0.2  # sqrt(64)


def test_random_rows_are_isotropic_and_constant_rows_are_not():
    w = initialize(InitConfig("normal", 64, 0), 3000)
    cosine, used = mean_cosine(w, sample=500)
    assert abs(cosine) < 0.01 and used == 500
    same = np.ones((50, 8), dtype=np.float32)
    assert mean_cosine(same)[0] == pytest.approx(1.0)


def test_effective_rank_counts_the_directions_used():
    assert effective_rank(np.eye(20, dtype=np.float32))[0] == pytest.approx(20.0)
    rank_one = np.outer(np.arange(1, 31), np.ones(10)).astype(np.float32)
    assert effective_rank(rank_one)[0] == pytest.approx(1.0)
    full = effective_rank(initialize(InitConfig("normal", 32, 0), 5000))[0]
    assert 28 < full <= 32


def test_stats_of_a_big_matrix_are_sampled_and_say_so():
    w = np.random.default_rng(0).standard_normal((30000, 128)).astype(np.float32)
    stats = matrix_stats(w, cosine_sample=1000, rank_sample=2000, value_sample=100_000)
    assert stats.cosine_rows == 1000 and stats.rank_rows == 2000 and stats.weight_values == 100_000
    assert stats.weight_hist[0].sum() == 100_000 and stats.norm_hist[0].sum() == 30000
    assert abs(stats.std - 1.0) < 0.01 and stats.as_dict()["cosine_sample_rows"] == 1000


def test_a_non_positive_std_is_a_clear_error():
    for scheme in ("normal", "truncated_normal"):
        with pytest.raises(ExplorerError, match="std must be positive"):
            initialize(InitConfig(scheme, 8, 0, {"std": 0.0}), 10)


def test_describe_says_what_made_a_matrix():
    assert describe(InitConfig("truncated_normal", 64, 0)) == \
        "Truncated normal (BERT, GPT-2) · std 0.02 · dim 64 · seed 0"
    assert describe(InitConfig("kaiming_normal", 8, 3, {"mode": "fan_out"})) == \
        "Kaiming (He) normal · mode fan_out · nonlinearity leaky_relu · dim 8 · seed 3"
    assert describe(InitConfig("normal", 16, 1, {"std": 0.5})) == \
        "Normal N(mean, std) · mean 0 · std 0.5 · dim 16 · seed 1"
    assert describe(InitConfig("zeros", 4, 0)) == "Zeros · dim 4 · seed 0"
