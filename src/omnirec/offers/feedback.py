"""Offer feedback ingestion: offer_shown / clicked / redeemed / dismissed events become bandit counters."""

from __future__ import annotations

from omnirec.columns import OFFER_EVENTS
from omnirec.errors import InvalidRequest
from omnirec.store.protocol import OfferStore
from omnirec.store.records import CustomerEvent

PREFIX = "offer_"


def outcome_of(event_type: str) -> str:
    """'offer_clicked' -> 'clicked'; raises InvalidRequest for anything that is not an offer event."""
    if event_type not in OFFER_EVENTS:
        raise InvalidRequest(f"event_type {event_type!r} is not an offer event ({', '.join(sorted(OFFER_EVENTS))})")
    return event_type[len(PREFIX) :]


async def record_offer_feedback(store: OfferStore, event: CustomerEvent, segment: str) -> bool:
    """Count an offer event for its offer, overall and in the customer's segment.

    Returns False (and counts nothing) for events that are not offer events; an offer event without
    `offer_id` is a client error (InvalidRequest). Call it once per stored event (after idempotent
    append_events) so a retried event is not counted twice.
    """
    if event.event_type not in OFFER_EVENTS:
        return False
    if not event.offer_id:
        raise InvalidRequest(f"an {event.event_type} event needs an offer_id")
    await store.add_offer_feedback(event.offer_id, segment, outcome_of(event.event_type), float(event.quantity or 1.0))
    return True
