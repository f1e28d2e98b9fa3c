"""Bootstrap intervals on known-answer data: they cover the truth at about their level and are reproducible."""

from __future__ import annotations

import numpy as np
import pytest

from omnirec_train.uncertainty import compare, mean_interval


def test_mean_interval_covers_the_true_mean_about_95_percent_of_the_time() -> None:
    rng = np.random.default_rng(0)
    covered = 0
    trials = 200
    for _ in range(trials):
        sample = rng.binomial(1, 0.3, size=150).astype(float)  # hit-rate-like values, true mean 0.3
        ci = mean_interval(sample, resamples=400, seed=int(rng.integers(1 << 30)))
        assert ci.low <= ci.estimate <= ci.high
        covered += ci.low <= 0.3 <= ci.high
    assert 0.88 <= covered / trials <= 0.99


def test_interval_width_shrinks_like_one_over_root_n() -> None:
    rng = np.random.default_rng(1)
    small = mean_interval(rng.random(100))
    large = mean_interval(rng.random(10_000))
    width = lambda ci: ci.high - ci.low  # noqa: E731
    assert width(large) == pytest.approx(width(small) / 10, rel=0.35)


def test_paired_comparison_recovers_a_known_lift() -> None:
    rng = np.random.default_rng(2)
    theirs = rng.random(2000) * 0.5 + 0.25  # mean 0.5
    ours = theirs * 1.1  # exactly 10 % better for every customer
    result = compare(ours, theirs)
    assert result.ratio.estimate == pytest.approx(1.1)
    assert result.ratio.low == pytest.approx(1.1) and result.ratio.high == pytest.approx(1.1)
    noisy = compare(theirs * 1.1 + rng.normal(0, 0.2, 2000), theirs)
    assert noisy.ratio.low < 1.1 < noisy.ratio.high
    assert noisy.difference.low > 0  # the lift is clearly positive at this size


def test_no_difference_gives_an_interval_around_one() -> None:
    rng = np.random.default_rng(3)
    a = rng.random(300)
    b = a + rng.normal(0, 0.1, 300)
    ratio = compare(a, b).ratio
    assert ratio.low < 1.0 < ratio.high


def test_same_seed_same_interval_and_empty_input() -> None:
    values = np.random.default_rng(4).random(50)
    assert mean_interval(values) == mean_interval(values)
    assert mean_interval(np.array([])).estimate == 0.0
    with pytest.raises(ValueError):
        compare(np.ones(3), np.ones(4))
