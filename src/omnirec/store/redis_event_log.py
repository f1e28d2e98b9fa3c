"""The Redis event log read back: accepted events and impression records (one stream), and the erasure journal."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any, TypeVar

import msgspec

from omnirec.store import codec
from omnirec.store.records import ErasureEntry, EventLogEntry, ImpressionLogEntry, ImpressionRecord
from omnirec.store.redis_client import RedisClient, as_str

T = TypeVar("T")

EVENT_FIELD = b"e"  # a log entry's field: an accepted event (append_events) ...
IMPRESSION_FIELD = b"i"  # ... or an impression record (log_impressions)

decode_impression = msgspec.msgpack.Decoder(ImpressionRecord).decode


def after_position(after: str | None) -> str:
    """The XRANGE start strictly after a stream position (None: from the start)."""
    return "-" if after is None else f"({after}"


class RedisEventLog:
    """Pages of the event-log stream, split by field: events for read_event_log, records for read_impressions."""

    def __init__(self, client: RedisClient) -> None:
        self._c = client
        self._keys = client.keys

    async def read_event_log(self, after: str | None, count: int) -> list[EventLogEntry]:
        found = await self._entries(after, count, EVENT_FIELD, codec.decode_event)
        return [EventLogEntry(position=position, event=event) for position, event in found]

    async def read_impressions(self, after: str | None, count: int) -> list[ImpressionLogEntry]:
        found = await self._entries(after, count, IMPRESSION_FIELD, decode_impression)
        return [ImpressionLogEntry(position=position, record=record) for position, record in found]

    async def read_erasures(self, after: str | None, count: int) -> list[ErasureEntry]:
        key = self._keys.named("erasures")
        entries = await self._c.main.xrange(key, min=after_position(after), max="+", count=count)
        return [
            ErasureEntry(position=as_str(pos), digests=[d for d in as_str(fields[b"d"]).split(",") if d])
            for pos, fields in entries
        ]

    async def _entries(
        self, after: str | None, count: int, field: bytes, decode: Callable[[bytes], T]
    ) -> list[tuple[str, T]]:
        """Up to `count` entries holding `field` after a position, decoded (the other kind is skipped)."""
        out: list[tuple[str, T]] = []
        if count <= 0:
            return out
        async for position, fields in self._pages(after, count):
            payload = fields.get(field)
            if payload is not None:
                out.append((position, decode(payload)))
                if len(out) >= count:
                    break
        return out

    async def _pages(self, after: str | None, count: int) -> AsyncIterator[tuple[str, Any]]:
        """Every log entry after a position, page by page (until the caller stops)."""
        start = after_position(after)
        while True:
            entries = await self._c.main.xrange(self._keys.event_log(), min=start, max="+", count=max(count, 1))
            if not entries:
                return
            for position, fields in entries:
                yield as_str(position), fields
            start = f"({as_str(entries[-1][0])}"
