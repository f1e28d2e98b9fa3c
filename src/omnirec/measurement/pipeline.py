"""The report and off-policy pipelines over a store: read the log, resolve identities, attribute, summarise."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from omnirec.measurement.attribution import AttributionRules, attribute, conversions, exposures
from omnirec.measurement.impressions import OFFER
from omnirec.measurement.offpolicy import LoggedDecision
from omnirec.measurement.report import build_report
from omnirec.measurement.sources import identity_map, read_all_events, read_all_impressions
from omnirec.store.protocol import FeatureStore
from omnirec.store.records import CustomerEvent

REWARD_EVENTS = ("offer_clicked", "offer_redeemed")


async def measure(
    store: FeatureStore, rules: AttributionRules, extra_events: Sequence[CustomerEvent] = ()
) -> dict[str, object]:
    """The report (build_report) over the store's impressions and events plus events from files."""
    records = await read_all_impressions(store)
    events = [*await read_all_events(store), *extra_events]
    resolved = await identity_map(store, {r.user_id for r in records} | {e.user_id for e in events})
    answers, touches = exposures(records, resolved.__getitem__)
    found = conversions(events, resolved.__getitem__)
    credits = attribute(touches, found, rules)
    return build_report(answers, found, credits, rules)


@dataclass(frozen=True)
class OfferLog:
    decisions: list[LoggedDecision]
    skipped: int  # offers served without a choice among candidates (mandatory messages, single candidates)


async def logged_offer_decisions(
    store: FeatureStore, window_seconds: int, reward: str = "value", reward_events: Sequence[str] = REWARD_EVENTS
) -> OfferLog:
    """Each logged offer impression with its reward: 1 (or the offer's value with reward='value') when the
    same customer (identity links followed) sent a reward event for that offer within the window after it."""
    records = [r for r in await read_all_impressions(store) if r.kind == OFFER]
    events = [e for e in await read_all_events(store) if e.event_type in reward_events and e.offer_id]
    resolved = await identity_map(store, {r.user_id for r in records} | {e.user_id for e in events})
    responses: dict[tuple[str, str], list[int]] = {}
    for e in events:
        responses.setdefault((resolved[e.user_id], e.offer_id), []).append(e.timestamp)
    decisions, skipped = [], 0
    for r in records:
        chosen = next((i for i, arm in enumerate(r.arms) if arm.offer_id == r.offer_id), None)
        if chosen is None or r.probability <= 0:
            skipped += 1
            continue
        times = responses.get((resolved[r.user_id], r.offer_id), [])
        hit = any(r.timestamp <= t <= r.timestamp + window_seconds for t in times)
        value = r.value if reward == "value" else 1.0
        decisions.append(LoggedDecision(tuple(r.arms), chosen, r.probability, value if hit else 0.0))
    return OfferLog(decisions, skipped)
