"""Thompson sampling over offers: a Beta posterior per offer (and segment) centred on the model's prior.

Successes are clicks and redemptions, trials are impressions (`offer_shown`); a dismissal is a failure
even when no impression was reported. The prior is Beta(m * k, (1 - m) * k) with m the model affinity
and k the catalogue's `prior_strength`, so a new offer starts where the model puts it and feedback moves it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

SUCCESSES = ("clicked", "redeemed")
EPSILON = 1e-3  # keeps Beta parameters positive for priors of exactly 0 or 1


@dataclass(frozen=True)
class Counts:
    """Feedback counters of one offer for one population."""

    shown: float = 0.0
    successes: float = 0.0
    dismissed: float = 0.0

    @classmethod
    def from_counters(cls, counters: Mapping[str, float]) -> Counts:
        return cls(
            shown=float(counters.get("shown", 0.0)),
            successes=sum(float(counters.get(s, 0.0)) for s in SUCCESSES),
            dismissed=float(counters.get("dismissed", 0.0)),
        )

    @property
    def failures(self) -> float:
        return max(self.shown - self.successes, self.dismissed, 0.0)


@dataclass(frozen=True)
class Posterior:
    """Beta(alpha, beta) belief about an offer's response rate for a customer."""

    alpha: float
    beta: float
    evidence: str  # "prior", "segment" or "global": which counters moved it

    @property
    def mean(self) -> float:
        return self.alpha / (self.alpha + self.beta)

    def sample(self, rng: np.random.Generator) -> float:
        return float(rng.beta(self.alpha, self.beta))


def posterior(
    prior_mean: float, strength: float, segment: Counts, overall: Counts, segment_min_shown: float
) -> Posterior:
    """The posterior from the model prior and the feedback of the customer's segment (when it has enough
    impressions) or of all customers."""
    m = min(max(prior_mean, EPSILON), 1.0 - EPSILON)
    counts, evidence = (segment, "segment") if segment.shown >= segment_min_shown else (overall, "global")
    if counts.shown <= 0 and counts.dismissed <= 0:
        evidence = "prior"
    return Posterior(m * strength + counts.successes, (1.0 - m) * strength + counts.failures, evidence)
