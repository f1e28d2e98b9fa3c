"""Event ingestion route (scope `events`): one event or {events: [...]}, validated whole, then stored at once."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import msgspec
from litestar import Request, post
from litestar.di import NamedDependency
from litestar.exceptions import ValidationException

from omnirec.api.problems import problem_responses
from omnirec.api.routes.scoped import ScopedController
from omnirec.errors import InvalidRequest
from omnirec.schemas import EventIn, EventsAccepted, event_time
from omnirec.service.events import BatchTooLarge, EventService
from omnirec.settings import Settings

BODY_DOC = (
    "One event (EventIn) or a batch {events: [EventIn, ...]}. The whole body is validated before anything is "
    "stored: a batch with any invalid event is refused with 400 and one entry per bad event (index, field, "
    "reason), and nothing of it is stored. Idempotent by event_id."
)
FUTURE_TOLERANCE_S = 86_400  # the service's rule for client clocks (service/events.py), checked before storing
_AT = re.compile(r"^(?P<reason>.*?)(?: - at `\$(?P<path>[^`]*)`)?$", re.DOTALL)
_FIELDS = frozenset(f.name for f in msgspec.structs.fields(EventIn))


def split_body(data: Any) -> list[Any]:
    """The raw events of a body: a single event object or the `events` list of a batch."""
    if isinstance(data, dict) and "events" in data:
        events = data["events"]
        if not isinstance(events, list) or len(data) != 1:
            raise InvalidRequest("a batch is {events: [...]} with a list of events and no other field")
        return events
    if isinstance(data, dict):
        return [data]
    raise InvalidRequest("the body must be one event object or {events: [...]}")


def event_error(index: int, raw: Any, exc: msgspec.ValidationError | str) -> dict[str, str]:
    """One bad event as a problem's `errors` entry: index, event_id (when sent), field (where one is named)
    and reason."""
    match = _AT.match(str(exc))
    reason = match["reason"] if match else str(exc)
    path = (match["path"] if match else None) or ""
    field = path.lstrip(".").split(".", 1)[0].split("[", 1)[0]
    if not field:
        first = reason.split(" ", 1)[0]
        field = first if first in _FIELDS else ""
    event_id = raw.get("event_id") if isinstance(raw, dict) else None
    entry = {"index": str(index), "field": field, "reason": reason}
    return entry | ({"event_id": str(event_id)} if event_id is not None else {})


def parse_events(data: Any, max_events: int, now: int) -> list[EventIn]:
    """Every event of the body, or ValidationException listing each invalid one (nothing is stored then)."""
    raw_events = split_body(data)
    if len(raw_events) > max_events:
        raise BatchTooLarge(f"{len(raw_events)} events in one request; at most {max_events} are accepted")
    if not raw_events:
        raise InvalidRequest("no events: send one event or {events: [...]} with at least one")
    events: list[EventIn] = []
    errors: list[dict[str, str]] = []
    for index, raw in enumerate(raw_events):
        try:
            event = msgspec.convert(raw, EventIn, strict=True)
        except msgspec.ValidationError as exc:
            errors.append(event_error(index, raw, exc))
            continue
        when = event_time(event)
        if when is not None and when > now + FUTURE_TOLERANCE_S:
            errors.append(event_error(index, raw, f"timestamp {event.timestamp!r} is more than a day in the future"))
        events.append(event)
    if errors:
        raise ValidationException(
            f"{len(errors)} of {len(raw_events)} events are invalid; nothing was stored", extra=errors
        )
    return events


class EventsController(ScopedController, tag="events", scope="events"):
    @post(
        "/v1/events",
        status_code=202,
        summary="Ingest events from any channel",
        description=BODY_DOC,
        responses=problem_responses(400, 401, 403, 413, 415, 429, 503),
    )
    async def ingest(
        self,
        request: Request[Any, Any, Any],
        events: NamedDependency[EventService],
        settings: NamedDependency[Settings],
    ) -> EventsAccepted:
        clock: Callable[[], float] = request.app.state.clock
        parsed = parse_events(await request.json(), settings.max_batch_events, int(clock()))
        return await events.ingest(parsed)
