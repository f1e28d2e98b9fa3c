"""One offer decision under a policy: the order it tries candidates in, and what to log for each served offer."""

from __future__ import annotations

import numpy as np

from omnirec.measurement.offpolicy import DRAWS, choice_probabilities, logged_probability, rank_by_policy
from omnirec.measurement.recorder import ServedOffer
from omnirec.offers.ranking import OfferDecision
from omnirec.store.records import OfferArm


class OfferRun:
    """Pass `rerank` to the offer engine; then `served(decisions)` gives each served offer's candidates and the
    probability that the policy picked it among them. A slot's candidates are the offer and those ranked below
    it: the ones above were served in an earlier slot or refused by caps, fatigue or budget."""

    def __init__(self, policy: str, rng: np.random.Generator, draws: int = DRAWS) -> None:
        self.policy = policy
        self._rng = rng
        self._draws = draws
        self.ranked: list[OfferDecision] = []

    def rerank(self, choices: list[OfferDecision]) -> list[OfferDecision]:
        expected = np.array([c.propensity * c.value for c in choices], dtype=np.float64)
        sampled = np.array([c.sampled * c.value for c in choices], dtype=np.float64)
        order = rank_by_policy(self.policy, expected, sampled, self._rng)
        self.ranked = [choices[i] for i in order]
        return self.ranked

    def served(self, decisions: list[OfferDecision]) -> list[ServedOffer]:
        position = {d.offer_id: i for i, d in enumerate(self.ranked)}
        out = []
        for d in decisions:
            rank = position.get(d.offer_id)
            if d.mandatory or rank is None:
                out.append(ServedOffer(d.offer_id, d.items, d.value, 1.0, 0.0, ()))
                continue
            arms = tuple(OfferArm(c.offer_id, c.value, c.alpha, c.beta) for c in self.ranked[rank:])
            probabilities = choice_probabilities(self.policy, arms, self._rng, self._draws)
            p, error = logged_probability(probabilities, 0, self._draws)
            error = error if self.policy == "thompson" else 0.0  # exact for greedy and uniform
            out.append(ServedOffer(d.offer_id, d.items, d.value, p, error, arms))
        return out
