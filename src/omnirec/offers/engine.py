"""Next-best-offer: eligible offers ranked by expected value, served only when caps, fatigue and budget allow.

`decide_many` is the one decision path (OfferService for one customer, the batch export for pages of them):
eligibility -> model affinity (batched store reads) -> Thompson ranking -> atomic `take_impression`
walking down the ranking until `n` offers are served. Mandatory service messages come first, skip
ranking and consent, count against nothing and do not use up `n`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence

import msgspec
import numpy as np

from omnirec.columns import PURCHASE_EVENTS
from omnirec.offers.affinity import Affinity, AffinityModel, neutral
from omnirec.offers.catalog import Offer, OfferCatalog, Window
from omnirec.offers.eligibility import Eligibility, eligible_offers
from omnirec.offers.feedback_cache import FeedbackCache
from omnirec.offers.items import ItemLookup
from omnirec.offers.ranking import OfferDecision, mandatory_decisions, rank_offers
from omnirec.store.protocol import FeatureStore
from omnirec.store.records import CustomerState, HistoryEntry, ImpressionRequest

log = logging.getLogger("omnirec.offers")
Rerank = Callable[[list[OfferDecision]], list[OfferDecision]]  # another policy's order (experiments)


async def decide_many(
    store: FeatureStore,
    offers: OfferCatalog,
    model: AffinityModel | None,
    states: Sequence[CustomerState],
    channel: str,
    n: int,
    now: int,
    rng: np.random.Generator,
    feedback: FeedbackCache,
    gate: asyncio.Semaphore | None = None,
    rerank: Rerank | None = None,
) -> list[list[OfferDecision]]:
    """Decisions for many customers at once (one batched read per kind of data), impressions taken.

    `model` is the model version's AffinityModel (None: rules alone, neutral propensities).
    `gate` bounds how many impressions are taken concurrently (a batch export), unbounded when None.
    `rerank` (omnirec.measurement) may reorder the Thompson ranking by another policy before serving.
    """
    lookup = model.lookup if model is not None else ItemLookup(None)
    if model is not None:
        vectors, histories = await _user_rows(store, model.version, states)
        states = [with_training_purchases(state, history) for state, history in zip(states, histories, strict=True)]
    else:
        vectors, histories = [None] * len(states), [[] for _ in states]
    eligibility = [eligible_offers(offers, state, channel, now, lookup) for state in states]
    affinities = _affinities(model, states, eligibility, vectors, histories, now)
    segments = {state.features.get(offers.segment_feature, "") for state in states}
    offer_ids = sorted({c.offer.id for e in eligibility for c in e.ranked})
    await feedback.load(offer_ids, segments)
    version = model.version if model is not None else None
    ranked = []
    for state, elig, (mandatory_aff, ranked_aff) in zip(states, eligibility, affinities, strict=True):
        segment = state.features.get(offers.segment_feature, "")
        choices = rank_offers(
            offers, elig.ranked, ranked_aff, feedback.get(segment), feedback.get(""), channel, rng, version
        )
        if rerank is not None:
            choices = rerank(choices)
        ranked.append((mandatory_decisions(elig.mandatory, mandatory_aff, channel, version), choices))
    pairs = zip(states, ranked, strict=True)
    gate = gate or asyncio.Semaphore(max(len(states), 1))
    served = await asyncio.gather(
        *(_serve(store, offers, s.customer_id, channel, n, now, m, r, gate) for s, (m, r) in pairs)
    )
    return list(served)


async def _serve(
    store: FeatureStore,
    offers: OfferCatalog,
    customer_id: str,
    channel: str,
    n: int,
    now: int,
    mandatory: list[OfferDecision],
    ranked: list[OfferDecision],
    gate: asyncio.Semaphore,
) -> list[OfferDecision]:
    """Walk down the ranking; an offer whose impression the store refuses is skipped for the next one."""
    served = list(mandatory)
    fatigue = offers.policy(channel).fatigue
    taken = 0
    for decision in ranked:
        if taken >= n:
            break
        offer = offers.offer(decision.offer_id)
        assert offer is not None
        async with gate:
            taken_now = await store.take_impression(_impression(offer, customer_id, channel, now, fatigue))
        if taken_now:
            served.append(decision)
            taken += 1
    for decision in served:
        log.debug(
            "offer_served offer_id=%s channel=%s propensity=%.6f sampled=%.6f expected_value=%.6f mandatory=%s "
            "model_version=%s",
            decision.offer_id, decision.channel, decision.propensity, decision.sampled, decision.expected_value,
            decision.mandatory, decision.model_version,
            extra={"event": "offer_served", "offer_id": decision.offer_id, "channel": decision.channel,
                   "propensity": decision.propensity, "sampled": decision.sampled,
                   "expected_value": decision.expected_value, "model_version": decision.model_version},
        )  # fmt: skip
    return served


def _impression(offer: Offer, customer_id: str, channel: str, now: int, limit: Window | None) -> ImpressionRequest:
    cap = offer.cap
    return ImpressionRequest(
        customer_id=customer_id,
        offer_id=offer.id,
        channel=channel,
        now=now,
        cap_count=cap.count if cap else 0,
        cap_seconds=cap.seconds if cap else 0,
        fatigue_count=limit.count if limit else 0,
        fatigue_seconds=limit.seconds if limit else 0,
        budget=offer.budget,
    )


def with_training_purchases(state: CustomerState, history: Sequence[HistoryEntry]) -> CustomerState:
    """The state with the purchases of the model's training history folded in, so offer rules ("bought a
    scratching post 3-8 weeks ago", lifecycle) also see what the customer bought before the service ran."""
    bought = [(e.item_id, e.timestamp) for e in history if e.event_type in PURCHASE_EVENTS]
    if not bought:
        return state
    purchases, counts = dict(state.purchases), dict(state.purchase_counts)
    for item, ts in bought:
        purchases[item] = max(purchases.get(item, ts), ts)
        counts[item] = counts.get(item, 0) + 1
    return msgspec.structs.replace(state, purchases=purchases, purchase_counts=counts)


def _affinities(
    model: AffinityModel | None,
    states: Sequence[CustomerState],
    eligibility: Sequence[Eligibility],
    vectors: Sequence[np.ndarray | None],
    histories: Sequence[list[HistoryEntry]],
    now: int,
) -> list[tuple[list[Affinity], list[Affinity]]]:
    """Per customer: affinities of its mandatory and of its ranked candidates (neutral without a model)."""
    if model is None:
        return [([neutral(c.target_ids) for c in e.mandatory], [neutral(c.target_ids) for c in e.ranked])
                for e in eligibility]  # fmt: skip
    wanted = [i for i, e in enumerate(eligibility) if e.mandatory or e.ranked]
    out: list[tuple[list[Affinity], list[Affinity]]] = [([], []) for _ in states]
    for i in wanted:
        vector, history = vectors[i], histories[i]
        query = model.query(model.context(states[i], vector, history), now)
        elig = eligibility[i]
        both = model.affinities(query, [c.targets for c in (*elig.mandatory, *elig.ranked)])
        out[i] = (both[: len(elig.mandatory)], both[len(elig.mandatory) :])
    return out


async def _user_rows(
    store: FeatureStore, version: str, states: Sequence[CustomerState]
) -> tuple[list[np.ndarray | None], list[list[HistoryEntry]]]:
    """Trained vectors and training histories of many customers in one batched read."""
    if not states:
        return [], []
    rows = await store.read_model_rows(version, [[s.customer_id, *s.identities] for s in states])
    return [r.vector for r in rows], [r.history for r in rows]
