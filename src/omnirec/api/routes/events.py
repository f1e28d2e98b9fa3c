"""Event ingestion route (scope `events`): one event or {events: [...]}; state updates at once."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, post
from litestar.di import NamedDependency
from litestar.params import Body

from omnirec.api.auth import SCOPE_OPT
from omnirec.errors import InvalidRequest
from omnirec.schemas import EventBatch, EventIn, EventsAccepted
from omnirec.service.events import EventService

BODY_DOC = (
    "One event (EventIn) or a batch {events: [EventIn, ...]}. Events with bad fields are rejected one by one "
    "(listed in `errors`); the others are stored. Idempotent by event_id."
)


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


class EventsController(Controller):
    tags = ("events",)
    opt = {SCOPE_OPT: "events"}  # noqa: RUF012 - Litestar layer option

    @post("/v1/events", status_code=202, summary="Ingest events from any channel")
    async def ingest(
        self,
        data: Annotated[dict[str, Any], Body(description=BODY_DOC, title="EventIn or EventBatch")],
        events: NamedDependency[EventService],
    ) -> EventsAccepted:
        return await events.ingest(split_body(data))


# Documented shapes of the body (the handler reads it loosely so one bad event does not reject a batch).
DOCUMENTED_BODY = (EventIn, EventBatch)
