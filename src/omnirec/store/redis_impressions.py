"""Impression records in the Redis event log: one stream entry each (field 'i'), listed under the customer.

The entry's position goes to the customer's `logids` list beside their events' positions, so linking an
identity moves them and erasure XDELs them with the rest (no change to those paths). On standalone Redis
one script call writes the entries and the positions; a cluster splits it (the log and the customer live
in different slots): the entries first, then the positions on the customer's slot.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any

import msgspec

from omnirec.store import codec
from omnirec.store import customer_rules as rules
from omnirec.store.records import ImpressionLogEntry, ImpressionRecord
from omnirec.store.redis_base import as_str, translate_errors

RECENT_LOG_POSITIONS = 200  # newest log positions of a customer recent_impressions looks at
IMPRESSION_FIELD = b"i"
EVENT_FIELD = b"e"

# KEYS: log, the customer's logids, alias. ARGV: payloads. -1 when the id has meanwhile become an alias.
LOG_IMPRESSIONS = """
if redis.call('EXISTS', KEYS[3]) == 1 then return -1 end
for i = 1, #ARGV do
  redis.call('RPUSH', KEYS[2], redis.call('XADD', KEYS[1], '*', 'i', ARGV[i]))
end
return #ARGV
"""

# KEYS: the customer's logids, alias. ARGV: log positions. -1 when the id has meanwhile become an alias.
PUSH_POSITIONS = """
if redis.call('EXISTS', KEYS[2]) == 1 then return -1 end
redis.call('RPUSH', KEYS[1], unpack(ARGV))
return #ARGV
"""

_decoder = msgspec.msgpack.Decoder(ImpressionRecord)


def _stream_order(position: bytes | str) -> tuple[int, int]:
    ms, _, seq = as_str(position).partition("-")
    return int(ms), int(seq or 0)


class RedisImpressions:
    """Mixin of RedisStore: needs `_client`, `_keys` and `_resolve` (RedisCustomers)."""

    _client: Any
    _keys: Any
    _resolve: Callable[[str], Awaitable[str]]  # RedisCustomers
    _one_call_scripts = True  # the cluster backend sets False

    def _script(self, name: str, source: str) -> Any:
        script = self.__dict__.get(name)
        if script is None:
            script = self._client.register_script(source)
            self.__dict__[name] = script
        return script

    @translate_errors
    async def log_impressions(self, customer_id: str, records: Sequence[ImpressionRecord]) -> None:
        if not records:
            return
        payloads = [codec.encode(r) for r in records]
        k = self._keys
        if self._one_call_scripts:
            script = self._script("_log_impressions", LOG_IMPRESSIONS)
            for _ in range(rules.MAX_ALIAS_HOPS + 1):
                keys = [k.event_log(), k.customer(customer_id, "logids"), k.customer(customer_id, "alias")]
                if int(await script(keys=keys, args=payloads)) != -1:
                    return
                customer_id = await self._resolve(customer_id)
            return
        pipe = self._client.pipeline(transaction=False)
        for payload in payloads:
            pipe.xadd(k.event_log(), {"i": payload})
        positions = [as_str(p) for p in await pipe.execute()]
        push = self._script("_push_positions", PUSH_POSITIONS)
        for _ in range(rules.MAX_ALIAS_HOPS + 1):
            keys = [k.customer(customer_id, "logids"), k.customer(customer_id, "alias")]
            if int(await push(keys=keys, args=positions)) != -1:
                return
            customer_id = await self._resolve(customer_id)

    @translate_errors
    async def recent_impressions(self, any_id: str, since: int) -> list[ImpressionRecord]:
        customer = await self._resolve(any_id)
        positions = await self._client.lrange(self._keys.customer(customer, "logids"), -RECENT_LOG_POSITIONS, -1)
        if not positions:
            return []
        pipe = self._client.pipeline(transaction=False)
        for position in sorted(positions, key=_stream_order):  # a link appends the merged id's positions
            pipe.xrange(self._keys.event_log(), min=position, max=position, count=1)
        out = []
        for entries in await pipe.execute():
            for _, fields in entries:
                payload = fields.get(IMPRESSION_FIELD)
                if payload is not None:
                    record = _decoder.decode(payload)
                    if record.timestamp >= since:
                        out.append(record)
        return out

    @translate_errors
    async def read_impressions(self, after: str | None, count: int) -> list[ImpressionLogEntry]:
        out: list[ImpressionLogEntry] = []
        if count <= 0:
            return out
        async for position, fields in self._log_pages(after, count):
            payload = fields.get(IMPRESSION_FIELD)
            if payload is not None:
                out.append(ImpressionLogEntry(position=position, record=_decoder.decode(payload)))
                if len(out) == count:
                    break
        return out

    async def _log_pages(self, after: str | None, count: int) -> AsyncIterator[tuple[str, Any]]:
        """Every log entry after a position, page by page (until the caller stops)."""
        start = "-" if after is None else f"({after}"
        while True:
            entries = await self._client.xrange(self._keys.event_log(), min=start, max="+", count=max(count, 1))
            if not entries:
                return
            for position, fields in entries:
                yield as_str(position), fields
            start = f"({as_str(entries[-1][0])}"
