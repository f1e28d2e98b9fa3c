"""Off-policy evaluation: on simulated Thompson-sampling logs (fixed seed), IPS and SNIPS recover the true
value of a different policy within their intervals; the logged choice probabilities are within their bound."""

from __future__ import annotations

import numpy as np
import pytest

from omnirec.measurement.offpolicy import (
    HOEFFDING_BOUND,
    LoggedDecision,
    choice_probabilities,
    evaluate_policy,
    logged_probability,
)
from omnirec.store.records import OfferArm


def simulate(seed: int, n: int = 6000) -> tuple[list[LoggedDecision], dict[str, float]]:
    """Contexts of 3-5 offers; beliefs are noisy about the true response rates; Thompson sampling serves."""
    rng = np.random.default_rng(seed)
    decisions, true_value = [], {"greedy": 0.0, "uniform": 0.0, "thompson": 0.0}
    for _ in range(n):
        k = int(rng.integers(3, 6))
        rates = rng.uniform(0.02, 0.3, size=k)
        values = rng.choice([5.0, 10.0, 20.0], size=k)
        strength = rng.uniform(2, 12, size=k)
        means = np.clip(rates + rng.normal(0, 0.08, size=k), 0.01, 0.9)  # beliefs are wrong in places
        alpha, beta = means * strength, (1 - means) * strength
        arms = tuple(OfferArm(f"o{j}", float(values[j]), float(alpha[j]), float(beta[j])) for j in range(k))
        logging = choice_probabilities("thompson", arms, rng, draws=2000)
        chosen = int(rng.choice(k, p=logging))
        p, _ = logged_probability(logging, chosen, draws=2000)
        reward = float(values[chosen] * (rng.random() < rates[chosen]))
        decisions.append(LoggedDecision(arms, chosen, p, reward))
        for policy in true_value:
            probs = choice_probabilities(policy, arms, rng, draws=2000)
            true_value[policy] += float(probs @ (rates * values)) / n
    return decisions, true_value


@pytest.mark.parametrize("target", ["greedy", "uniform"])
def test_ips_and_snips_recover_another_policys_value(target: str) -> None:
    decisions, truth = simulate(seed=13)
    result = evaluate_policy(decisions, target, np.random.default_rng(1), draws=2000)
    assert result.ips.low <= truth[target] <= result.ips.high, (result.ips, truth)
    assert result.snips.low <= truth[target] <= result.snips.high, (result.snips, truth)
    # a different policy indeed: the logging policy's own value lies outside the target's interval
    assert not result.snips.low <= truth["thompson"] <= result.snips.high, (result.snips, truth)


def test_thompson_choice_probabilities_are_within_the_documented_bound() -> None:
    arms = [OfferArm("a", 10.0, 2.0, 8.0), OfferArm("b", 5.0, 6.0, 4.0), OfferArm("c", 20.0, 1.0, 19.0)]
    estimate = choice_probabilities("thompson", arms, np.random.default_rng(3))
    exact = choice_probabilities("thompson", arms, np.random.default_rng(4), draws=400_000)
    assert estimate.sum() == pytest.approx(1.0)
    assert np.abs(estimate - exact).max() <= HOEFFDING_BOUND
    assert choice_probabilities("greedy", arms, np.random.default_rng(0)).tolist() == [0.0, 1.0, 0.0]
