"""Beta posteriors: the model prior, segment vs overall feedback, and Thompson sampling finding the better offer."""

from __future__ import annotations

import numpy as np
import pytest

from omnirec.offers.bandit import Counts, posterior


def test_prior_only_has_the_model_mean() -> None:
    belief = posterior(0.3, 20.0, Counts(), Counts(), 30)
    assert belief.mean == pytest.approx(0.3)
    assert (belief.alpha, belief.beta, belief.evidence) == (pytest.approx(6.0), pytest.approx(14.0), "prior")


def test_counts_from_counters() -> None:
    counts = Counts.from_counters({"shown": 10, "clicked": 2, "redeemed": 1, "dismissed": 4})
    assert (counts.shown, counts.successes, counts.failures) == (10, 3, 7)
    assert Counts.from_counters({"dismissed": 3}).failures == 3  # dismissals without impressions still count


def test_segment_counters_used_once_they_have_enough_impressions() -> None:
    segment = Counts(shown=40, successes=20)
    overall = Counts(shown=1000, successes=10)
    assert posterior(0.1, 20, segment, overall, 30).evidence == "segment"
    assert posterior(0.1, 20, segment, overall, 30).mean == pytest.approx((2 + 20) / (20 + 40))
    assert posterior(0.1, 20, Counts(shown=5, successes=5), overall, 30).evidence == "global"


def test_feedback_outweighs_the_prior() -> None:
    belief = posterior(0.9, 20, Counts(), Counts(shown=2000, successes=100), 30)
    assert belief.mean == pytest.approx((18 + 100) / (20 + 2000))


def test_thompson_sampling_converges_to_the_better_offer() -> None:
    rng = np.random.default_rng(1)
    truth = {"a": 0.05, "b": 0.12}
    counts = {k: Counts() for k in truth}
    picks = {k: 0 for k in truth}
    for _ in range(3000):
        draws = {k: posterior(0.5, 2, Counts(), counts[k], 30).sample(rng) for k in truth}
        choice = max(draws, key=lambda k: draws[k])
        success = float(rng.random() < truth[choice])
        old = counts[choice]
        counts[choice] = Counts(shown=old.shown + 1, successes=old.successes + success)
        picks[choice] += 1
    assert picks["b"] > 0.8 * sum(picks.values())
