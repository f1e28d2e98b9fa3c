"""Which offers a customer may get on a channel right now: channel, consent, rules and target items."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from omnirec.offers.catalog import Offer, OfferCatalog
from omnirec.offers.items import ItemLookup
from omnirec.offers.lifecycle import lifecycle_stage
from omnirec.offers.rules import SECONDS_PER_DAY, AbandonedCartRule, Facts, evaluate
from omnirec.store.records import CustomerState


@dataclass(frozen=True)
class Candidate:
    """An eligible offer with the reason codes of its rules and the items it would promote."""

    offer: Offer
    reasons: tuple[str, ...]
    targets: np.ndarray  # model item indices to score (empty without a model)
    target_ids: tuple[str, ...]  # item ids named by the rules (cart items) or the offer, best guess first


@dataclass(frozen=True)
class Eligibility:
    """All eligible offers of one customer; `consented` says whether non-mandatory ones were allowed."""

    mandatory: list[Candidate]
    ranked: list[Candidate]
    consented: bool
    stage: str


def eligible_offers(
    catalog: OfferCatalog, state: CustomerState, channel: str, now: int, lookup: ItemLookup
) -> Eligibility:
    """Mandatory messages whose rules match, and — only with consent for the channel — the other offers."""
    stage = lifecycle_stage(state, now, catalog.lifecycle)
    facts = Facts(state=state, now=now, channel=channel, stage=stage, lookup=lookup)
    purpose = catalog.consent_purpose(channel)
    consented = purpose == "" or state.consent.get(purpose, False)
    mandatory: list[Candidate] = []
    ranked: list[Candidate] = []
    for offer in catalog.offers:
        if offer.channels and channel not in offer.channels:
            continue
        if not offer.mandatory and not consented:
            continue
        candidate = _candidate(offer, facts)
        if candidate is not None:
            (mandatory if offer.mandatory else ranked).append(candidate)
    return Eligibility(mandatory=mandatory, ranked=ranked, consented=consented, stage=stage)


def _candidate(offer: Offer, facts: Facts) -> Candidate | None:
    reasons: list[str] = []
    cart_items: tuple[str, ...] = ()
    for rule in offer.rules:
        match = evaluate(rule, facts, offer.scope)
        if match is None:
            return None
        reasons.append(match.reason)
        if isinstance(rule, AbandonedCartRule):
            cart_items = match.items
    if cart_items:  # the cart items themselves are what the offer is about
        indices = np.array(facts.lookup.model.indices_of(list(cart_items)) if facts.lookup.model else [], np.int64)
        return Candidate(offer, tuple(reasons), indices, cart_items)
    since = facts.now - offer.exclude_bought_days * SECONDS_PER_DAY
    bought = {item for item, at in facts.state.purchases.items() if at >= since} if offer.exclude_bought_days else set()
    target_ids = tuple(item for item in offer.items if item not in bought)
    if offer.items and not target_ids and not offer.categories:
        return None  # every promoted item was just bought: do not offer the same product again
    indices = facts.lookup.indices(offer.scope)
    if facts.lookup.model is not None and indices.size and bought:
        known = np.array(facts.lookup.model.indices_of(sorted(bought)), dtype=np.int64)
        indices = np.setdiff1d(indices, known, assume_unique=True)
        if indices.size == 0:
            return None
    return Candidate(offer, tuple(reasons), indices, target_ids)
