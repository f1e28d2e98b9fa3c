"""`impression` events: a client confirms which items of an answer it rendered (stored as 'shown' records)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from omnirec.errors import InvalidRequest
from omnirec.measurement.recorder import ImpressionRecorder
from omnirec.schemas import EventIn
from omnirec.store.protocol import CustomerStore
from omnirec.vocabulary import IMPRESSION_EVENT

__all__ = ["IMPRESSION_EVENT", "Confirmation", "confirmation", "record_confirmations"]


@dataclass(frozen=True)
class Confirmation:
    user_id: str
    recommendation_id: str
    item_id: str
    position: int
    channel: str
    timestamp: int


def confirmation(event: EventIn, timestamp: int, channels: frozenset[str]) -> Confirmation:
    """Validate an `impression` event; InvalidRequest says what is missing."""
    if not event.recommendation_id:
        raise InvalidRequest("impression events need the recommendation_id of the answer that was shown")
    if not event.item_id:
        raise InvalidRequest("impression events need the item_id that was shown")
    if event.channel not in channels:
        raise InvalidRequest(f"unknown channel {event.channel!r}; known: {', '.join(sorted(channels))}")
    position = -1 if event.position is None else event.position
    return Confirmation(event.user_id, event.recommendation_id, event.item_id, position, event.channel, timestamp)


async def record_confirmations(
    recorder: ImpressionRecorder, store: CustomerStore, confirmations: Sequence[Confirmation]
) -> None:
    """One 'shown' record per customer and answer. Customers without the measurement consent are skipped."""
    grouped: dict[tuple[str, str], list[Confirmation]] = {}
    for c in confirmations:
        grouped.setdefault((c.user_id, c.recommendation_id), []).append(c)
    for (user_id, rec_id), group in grouped.items():
        state = await store.get_customer(user_id)
        positions = [c.position if c.position >= 0 else i for i, c in enumerate(group)]
        await recorder.record_shown(
            state.customer_id,
            state.consent,
            rec_id,
            [c.item_id for c in group],
            positions,
            group[0].channel,
            max(c.timestamp for c in group),
        )
