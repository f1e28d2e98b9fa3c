"""Impression records in the Redis event log: one stream entry each (field 'i'), listed under the customer.

The entry's position goes to the customer's `logids` list beside their events' positions, so linking an
identity moves them and erasure XDELs them with the rest (no change to those paths). On standalone Redis
one script call writes the entries and the positions; a cluster splits it (the log and the customer live
in different slots): the entries first, then the positions on the customer's slot.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from omnirec.store import codec
from omnirec.store import customer_rules as rules
from omnirec.store.records import ImpressionRecord
from omnirec.store.redis_client import RedisClient, as_str
from omnirec.store.redis_event_log import IMPRESSION_FIELD, decode_impression

RECENT_LOG_POSITIONS = 200  # newest log positions of a customer recent_impressions looks at

_NOW_MS = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
"""
_FENCED = "local function fenced(digest) local u = redis.call('ZSCORE', KEYS[2], digest)"
_FENCED += " return u ~= false and u ~= nil and tonumber(u) > now end\n"

# KEYS: log, fence, then per customer its logids and alias. ARGV: per customer its number of payloads, then
# per customer the digest of its id, then the payloads in customer order. A fenced (just erased) customer's
# records are dropped. Returns the (1-based) customers skipped because their id has become an alias.
LOG_IMPRESSIONS = (
    _NOW_MS
    + _FENCED
    + """
local n = (#KEYS - 2) / 2
local at = 2 * n + 1
local redirected = {}
for c = 1, n do
  local count = tonumber(ARGV[c])
  if redis.call('EXISTS', KEYS[2 * c + 2]) == 1 and not fenced(ARGV[n + c]) then
    redirected[#redirected + 1] = c
  elseif not fenced(ARGV[n + c]) then  -- a fenced (just erased) customer's records are dropped
    for i = at, at + count - 1 do
      redis.call('RPUSH', KEYS[2 * c + 1], redis.call('XADD', KEYS[1], '*', 'i', ARGV[i]))
    end
  end
  at = at + count
end
return redirected
"""
)

# Cluster, the log's slot. KEYS: log, fence. ARGV: the digest, then payloads. Positions; {} when fenced.
ADD_ENTRIES = (
    _NOW_MS
    + _FENCED
    + """
if fenced(ARGV[1]) then return {} end
local out = {}
for i = 2, #ARGV do out[#out + 1] = redis.call('XADD', KEYS[1], '*', 'i', ARGV[i]) end
return out
"""
)

# Cluster, the log's slot, after the positions are pushed. KEYS: log, fence. ARGV: the digest, positions.
# 1 when an erasure fenced the customer meanwhile (the entries are deleted then).
DROP_IF_FENCED = (
    _NOW_MS
    + _FENCED
    + """
if not fenced(ARGV[1]) then return 0 end
redis.call('XDEL', KEYS[1], unpack(ARGV, 2))
return 1
"""
)

# KEYS: the customer's logids, alias. ARGV: log positions. -1 when the id has meanwhile become an alias.
PUSH_POSITIONS = """
if redis.call('EXISTS', KEYS[2]) == 1 then return -1 end
redis.call('RPUSH', KEYS[1], unpack(ARGV))
return #ARGV
"""

# KEYS: fence. ARGV: milliseconds, then the digests of the ids being erased (expired fences are pruned).
FENCE = (
    _NOW_MS
    + """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
for i = 2, #ARGV do redis.call('ZADD', KEYS[1], now + tonumber(ARGV[1]), ARGV[i]) end
return #ARGV - 1
"""
)


def _stream_order(position: bytes | str) -> tuple[int, int]:
    ms, _, seq = as_str(position).partition("-")
    return int(ms), int(seq or 0)


class RedisImpressions:
    """Impression records written to the event log under their customer; `resolve` follows identity links."""

    def __init__(self, client: RedisClient, resolve: Callable[[str], Awaitable[str]]) -> None:
        self._c = client
        self._keys = client.keys
        self._resolve = resolve

    async def log_impressions(self, records: Sequence[ImpressionRecord]) -> None:
        by_customer: dict[str, list[bytes]] = {}
        for record in records:
            by_customer.setdefault(record.user_id, []).append(codec.encode(record))
        for _ in range(rules.MAX_ALIAS_HOPS + 1):
            if not by_customer:
                return
            if self._c.scripts_span_slots:
                moved = await self._log_in_one_call(by_customer)
            else:
                moved = [c for c, payloads in by_customer.items() if not await self._log_in_two_steps(c, payloads)]
            redirected: dict[str, list[bytes]] = {}
            for customer in moved:  # linked meanwhile: write under the customer the id now belongs to
                redirected.setdefault(await self._resolve(customer), []).extend(by_customer[customer])
            by_customer = redirected

    async def recent_impressions(self, any_id: str, since: int) -> list[ImpressionRecord]:
        customer = await self._resolve(any_id)
        logids = self._keys.customer(customer, "logids")
        positions = await self._c.main.lrange(logids, -RECENT_LOG_POSITIONS, -1)
        if not positions:
            return []
        pipe = self._c.pipeline()
        for position in sorted(positions, key=_stream_order):  # a link appends the merged id's positions
            pipe.xrange(self._keys.event_log(), min=position, max=position, count=1)
        out = []
        for entries in await pipe.execute():
            for _, fields in entries:
                payload = fields.get(IMPRESSION_FIELD)
                if payload is not None:
                    record = decode_impression(payload)
                    if record.timestamp >= since:
                        out.append(record)
        return out

    async def _log_in_one_call(self, by_customer: dict[str, list[bytes]]) -> list[str]:
        """Standalone Redis: every customer's entries and positions in one script call; the customers skipped."""
        k = self._keys
        customers = list(by_customer)
        keys = [k.event_log(), k.beside_log("fence")]
        for c in customers:
            keys += [k.customer(c, "logids"), k.customer(c, "alias")]
        args: list[Any] = [len(by_customer[c]) for c in customers]
        args += [rules.id_digest(c) for c in customers]
        args += [p for c in customers for p in by_customer[c]]
        skipped = await self._c.script(LOG_IMPRESSIONS)(keys=keys, args=args)
        return [customers[int(i) - 1] for i in skipped]

    async def _log_in_two_steps(self, customer_id: str, payloads: list[bytes]) -> bool:
        """Cluster: the entries (the log's slot), then the positions (the customer's slot); False if an alias.
        A fenced customer's entries are not added; an erasure that fenced it between the two steps finds
        the entries deleted again right after the push (the one window in which they exist)."""
        k, script = self._keys, self._c.script
        log_keys = [k.event_log(), k.beside_log("fence")]
        digest = rules.id_digest(customer_id)
        added = await script(ADD_ENTRIES)(keys=log_keys, args=[digest, *payloads])
        positions = [as_str(p) for p in added]
        if not positions:
            return True  # erased: dropped
        keys = [k.customer(customer_id, "logids"), k.customer(customer_id, "alias")]
        if int(await script(PUSH_POSITIONS)(keys=keys, args=positions)) != -1:
            if int(await script(DROP_IF_FENCED)(keys=log_keys, args=[digest, *positions])):
                await self._c.main.delete(keys[0])  # the erasure ran between the steps: its list goes too
            return True
        await self._c.main.xdel(k.event_log(), *positions)  # written again under the customer
        return False
