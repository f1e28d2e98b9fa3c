"""Off-policy evaluation of offer policies: choice probabilities and IPS / self-normalised IPS estimates.

Logging: each served offer is logged with the candidates its slot was chosen from (value and the Beta
belief of each) and the probability that the serving policy picks it first among them. For Thompson
sampling that probability has no closed form; it is estimated from DRAWS repeated draws of every belief,
so each estimate is within HOEFFDING_BOUND of the true probability with 95 % confidence (Hoeffding,
sqrt(ln(2 / 0.05) / (2 * DRAWS)) = 0.0215 at 4,000 draws; the logged per-offer bound is the tighter
normal one, 1.96 * sqrt(p (1 - p) / DRAWS)). An estimate of 0 for the offer that was in fact served is
floored at 1 / DRAWS.

Estimating: for logged decisions (arms_i, a_i, p_i, r_i) and a target policy pi, w_i = pi(a_i | arms_i) / p_i;
IPS = mean(w_i r_i) (unbiased when every p_i > 0 where pi > 0), SNIPS = sum(w_i r_i) / sum(w_i) (biased, lower
variance). Both come with normal 95 % intervals (SNIPS by the delta method).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from omnirec.measurement.stats import Z95, Interval
from omnirec.store.records import OfferArm

DRAWS = 4000
HOEFFDING_BOUND = math.sqrt(math.log(2 / 0.05) / (2 * DRAWS))
POLICIES = ("thompson", "greedy", "uniform")


def choice_probabilities(
    policy: str, arms: Sequence[OfferArm], rng: np.random.Generator, draws: int = DRAWS
) -> np.ndarray:
    """P(the policy ranks each arm first), one per arm; estimated by `draws` draws for Thompson sampling."""
    n = len(arms)
    if n == 0:
        return np.zeros(0)
    values = np.array([a.value for a in arms], dtype=np.float64)
    alpha = np.array([a.alpha for a in arms], dtype=np.float64)
    beta = np.array([a.beta for a in arms], dtype=np.float64)
    if policy == "uniform":
        return np.full(n, 1.0 / n)
    if policy == "greedy":
        expected = alpha / (alpha + beta) * values
        best = np.isclose(expected, expected.max())
        return best / best.sum()
    if policy != "thompson":
        raise ValueError(f"unknown offer policy {policy!r}; known: {', '.join(POLICIES)}")
    sampled = rng.beta(alpha[:, None], beta[:, None], size=(n, draws)) * values[:, None]
    return np.bincount(sampled.argmax(axis=0), minlength=n) / draws


def logged_probability(probabilities: np.ndarray, chosen: int, draws: int = DRAWS) -> tuple[float, float]:
    """The served arm's probability (floored at 1 / draws) and its 95 % error bound."""
    p = max(float(probabilities[chosen]), 1.0 / draws)
    return p, Z95 * math.sqrt(p * (1.0 - p) / draws)


def rank_by_policy(policy: str, expected: np.ndarray, sampled: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Order (best first) in which a policy tries candidates: by Thompson draws, posterior means, or at random."""
    if policy == "greedy":
        return np.argsort(-expected, kind="stable")
    if policy == "uniform":
        return rng.permutation(len(expected))
    return np.argsort(-sampled, kind="stable")


@dataclass(frozen=True)
class LoggedDecision:
    """One logged choice: the candidates, which one was served, with what probability, and the reward."""

    arms: tuple[OfferArm, ...]
    chosen: int
    probability: float
    reward: float


@dataclass(frozen=True)
class OffPolicyResult:
    policy: str
    n: int
    logged_value: Interval  # mean reward of the logging policy itself
    ips: Interval
    snips: Interval
    max_weight: float
    effective_sample_size: float


def evaluate_policy(
    decisions: Sequence[LoggedDecision], policy: str, rng: np.random.Generator, draws: int = DRAWS
) -> OffPolicyResult:
    """IPS and SNIPS estimates (95 % intervals) of a target policy's mean reward per decision."""
    if not decisions:
        raise ValueError("no logged offer decisions to evaluate (were offers served with impression logging on?)")
    target = np.array([choice_probabilities(policy, d.arms, rng, draws)[d.chosen] for d in decisions])
    logged = np.array([d.probability for d in decisions])
    rewards = np.array([d.reward for d in decisions])
    w = target / logged
    n = len(decisions)
    wr = w * rewards
    ips = _mean_ci(wr)
    total = float(w.sum())
    snips_value = float(wr.sum()) / total if total > 0 else 0.0
    spread = float(np.mean((w * (rewards - snips_value)) ** 2))
    se = math.sqrt(spread / n) / float(w.mean()) if total > 0 else 0.0
    snips = Interval(snips_value, snips_value - Z95 * se, snips_value + Z95 * se)
    ess = float(w.sum() ** 2 / (w**2).sum()) if (w**2).sum() > 0 else 0.0
    return OffPolicyResult(policy, n, _mean_ci(rewards), ips, snips, float(w.max()), ess)


def _mean_ci(values: np.ndarray) -> Interval:
    mean = float(values.mean())
    se = float(values.std(ddof=1)) / math.sqrt(len(values)) if len(values) > 1 else 0.0
    return Interval(mean, mean - Z95 * se, mean + Z95 * se)
