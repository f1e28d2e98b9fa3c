"""Event ingestion: validate each event, assign ids, update customer state at once (idempotent by event_id)."""

from __future__ import annotations

import hashlib
import math
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import msgspec

from omnirec.data.values import parse_timestamp
from omnirec.errors import InvalidRequest
from omnirec.measurement.confirmations import Confirmation, confirmation, record_confirmations
from omnirec.measurement.recorder import ImpressionRecorder
from omnirec.offers.feedback import record_offer_feedback
from omnirec.schemas import EventError, EventIn, EventsAccepted
from omnirec.settings import Settings
from omnirec.store.protocol import CustomerStore, OfferStore
from omnirec.store.records import CustomerEvent
from omnirec.vocabulary import CHANNELS, IMPRESSION_EVENT


class BatchTooLarge(InvalidRequest):
    """More events in one request than settings.max_batch_events (maps to 413)."""


class IngestStore(CustomerStore, OfferStore, Protocol):
    """What EventService writes: the customer's events and, for offer events, the offer feedback counters."""


@dataclass(eq=False)
class EventService:
    """Turns wire events into store events; unknown customers and items are accepted and kept."""

    store: IngestStore
    settings: Settings
    clock: Callable[[], float] = time.time
    impressions: ImpressionRecorder | None = None

    async def ingest(self, events: Sequence[Any]) -> EventsAccepted:
        """Store valid events (raw decoded JSON objects); invalid ones are listed with their index and reason."""
        if len(events) > self.settings.max_batch_events:
            raise BatchTooLarge(
                f"{len(events)} events in one request; at most {self.settings.max_batch_events} are accepted"
            )
        if not events:
            raise InvalidRequest("no events: send one event or {events: [...]} with at least one")
        errors: list[EventError] = []
        by_user: dict[str, list[tuple[int, CustomerEvent]]] = {}
        shown: list[Confirmation] = []  # `impression` events go to the impression log, not the customer's events
        now = int(self.clock())
        for index, raw in enumerate(events):
            try:
                wire = msgspec.convert(raw, EventIn)
                if wire.event_type == IMPRESSION_EVENT and self.impressions is not None:
                    shown.append(confirmation(wire, _timestamp(wire.timestamp, now), frozenset(CHANNELS)))
                    continue
                event = self._convert(wire, now)
            except (InvalidRequest, msgspec.ValidationError) as exc:
                event_id = raw.get("event_id") if isinstance(raw, dict) else None
                errors.append(EventError(index=index, event_id=str(event_id) if event_id else None, reason=str(exc)))
                continue
            by_user.setdefault(event.user_id, []).append((index, event))
        accepted, duplicates = len(shown), 0
        if shown and self.impressions is not None:
            await record_confirmations(self.impressions, self.store, shown)
        for user_id, indexed in by_user.items():
            result = await self.store.append_events(
                user_id,
                [e for _, e in indexed],
                cap=self.settings.recent_events_cap,
                retention_s=self.settings.anonymous_retention_seconds,
            )
            stored = sum(result.stored)
            if self.impressions is not None and stored:
                fresh = [e for (_, e), ok in zip(indexed, result.stored, strict=True) if ok]
                await self.impressions.attribute_online(user_id, fresh)
            offer_events = [e for (_, e), ok in zip(indexed, result.stored, strict=True) if ok and e.offer_id]
            if offer_events:  # next-best-offer feedback counters, per segment
                segment = (await self.store.get_customer(user_id)).features.get("segment", "")
                for event in offer_events:
                    await record_offer_feedback(self.store, event, segment)
            accepted += stored
            duplicates += len(result.stored) - stored
        return EventsAccepted(accepted=accepted, rejected=len(errors), duplicates=duplicates, errors=errors)

    def _convert(self, raw: EventIn, now: int) -> CustomerEvent:
        # Type, channel, item and offer rules hold already: EventIn checks them whenever one is built. Its
        # numeric bounds apply when a body is decoded, so a hand-built event is checked here as well.
        if not (math.isfinite(raw.quantity) and raw.quantity > 0):
            raise InvalidRequest(f"quantity must be a positive number, got {raw.quantity}")
        if raw.price is not None and not (math.isfinite(raw.price) and raw.price >= 0):
            raise InvalidRequest(f"price must be a non-negative number, got {raw.price}")
        return CustomerEvent(
            user_id=raw.user_id,
            item_id=raw.item_id,
            event_type=raw.event_type,
            timestamp=_timestamp(raw.timestamp, now),
            channel=raw.channel,
            event_id=raw.event_id or _derived_event_id(raw),
            quantity=raw.quantity,
            price=raw.price,
            session_id=raw.session_id,
            store_id=raw.store_id,
            offer_id=raw.offer_id,
        )


def _derived_event_id(raw: EventIn) -> str:
    """An id for an event sent without one. With a client timestamp it is a digest of the event's fields,
    so a retried batch is stored once (two identical events in the same second count once); without a
    timestamp the event cannot be told from a new one, so it gets a random id."""
    if raw.timestamp is None:
        return str(uuid.uuid4())
    fields = (
        raw.user_id,
        raw.item_id,
        raw.event_type,
        str(raw.timestamp),
        raw.channel,
        raw.store_id,
        raw.session_id,
        raw.offer_id,
        repr(raw.quantity),
    )
    return "auto-" + hashlib.sha256("\x1f".join(fields).encode()).hexdigest()[:32]


def _timestamp(value: str | int | float | None, now: int) -> int:
    if value is None:
        return now
    parsed = parse_timestamp(str(value))
    if parsed is None:
        raise InvalidRequest(f"timestamp {value!r} is neither ISO 8601 nor Unix seconds")
    if parsed > now + 86_400:
        raise InvalidRequest(f"timestamp {value!r} is more than a day in the future")
    return parsed
