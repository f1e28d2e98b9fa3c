"""Rank eligible offers by expected value = propensity x value, with a Thompson draw and reason codes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import msgspec
import numpy as np

from omnirec.offers.affinity import Affinity
from omnirec.offers.bandit import Counts, posterior
from omnirec.offers.catalog import OfferCatalog
from omnirec.offers.eligibility import Candidate

Feedback = Mapping[str, Mapping[str, float]]  # offer id -> outcome -> count (get_offer_feedback)


class OfferDecision(msgspec.Struct, frozen=True, kw_only=True):
    """One offer chosen for a customer. `propensity` is the posterior mean response rate, `sampled` the
    Thompson draw the ranking used; `expected_value` = propensity x value."""

    offer_id: str
    title: str
    message: str
    code: str
    channel: str
    items: tuple[str, ...]
    value: float
    propensity: float
    sampled: float
    expected_value: float
    mandatory: bool
    reasons: tuple[str, ...]
    model_version: str | None
    alpha: float = 0.0  # the Beta belief the draw came from (logged for off-policy evaluation)
    beta: float = 0.0


def mandatory_decisions(
    candidates: Sequence[Candidate], affinities: Sequence[Affinity], channel: str, model_version: str | None
) -> list[OfferDecision]:
    """Service messages: no ranking, no draw, highest priority first."""
    decisions = [
        _decision(c, a, channel, model_version, a.propensity, a.propensity, ("mandatory", *c.reasons))
        for c, a in zip(candidates, affinities, strict=True)
    ]
    order = sorted(range(len(decisions)), key=lambda i: (-candidates[i].offer.priority, candidates[i].offer.id))
    return [decisions[i] for i in order]


def rank_offers(
    catalog: OfferCatalog,
    candidates: Sequence[Candidate],
    affinities: Sequence[Affinity],
    segment_feedback: Feedback,
    overall_feedback: Feedback,
    channel: str,
    rng: np.random.Generator,
    model_version: str | None,
) -> list[OfferDecision]:
    """Every candidate as a decision, best sampled expected value first (ties: priority, then id)."""
    scored: list[tuple[float, int, str, OfferDecision]] = []
    for candidate, affinity in zip(candidates, affinities, strict=True):
        offer = candidate.offer
        belief = posterior(
            affinity.propensity,
            catalog.prior_strength,
            Counts.from_counters(segment_feedback.get(offer.id, {})),
            Counts.from_counters(overall_feedback.get(offer.id, {})),
            catalog.segment_min_shown,
        )
        draw = belief.sample(rng)
        reasons = (*candidate.reasons, f"affinity:{affinity.source}", f"feedback:{belief.evidence}")
        decision = msgspec.structs.replace(
            _decision(candidate, affinity, channel, model_version, belief.mean, draw, reasons),
            alpha=belief.alpha,
            beta=belief.beta,
        )
        scored.append((-draw * offer.value, -offer.priority, offer.id, decision))
    scored.sort(key=lambda entry: entry[:3])
    return [entry[3] for entry in scored]


def _decision(
    candidate: Candidate,
    affinity: Affinity,
    channel: str,
    model_version: str | None,
    propensity: float,
    sampled: float,
    reasons: tuple[str, ...],
) -> OfferDecision:
    offer = candidate.offer
    items = affinity.items or candidate.target_ids  # the model's best target items, else the rule's items
    return OfferDecision(
        offer_id=offer.id,
        title=offer.title,
        message=offer.message,
        code=offer.code,
        channel=channel,
        items=items,
        value=offer.value,
        propensity=round(propensity, 6),
        sampled=round(sampled, 6),
        expected_value=round(propensity * offer.value, 6),
        mandatory=offer.mandatory,
        reasons=reasons,
        model_version=model_version,
    )
