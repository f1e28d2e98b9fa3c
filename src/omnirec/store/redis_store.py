"""The Redis backend (redis:// and rediss://): customers, event log, offers and stock; models in RedisModels.

Event durability, in this order: (1) event ids already in the customer's dedup set are skipped,
(2) the new events are XADDed to the event-log stream, (3) one Lua script applies them to the
customer's state and sets their dedup markers, atomically. An event is reported stored=True only after
both steps. A crash between (2) and (3) leaves the event in the log but not the state: the client's
retry passes (1), is logged again and stored. So the log is at-least-once: it may hold an event_id
twice (also when two requests race with the same id) and its readers drop repeats by event_id; it
never misses an event the state holds. Each customer keeps its log positions so erasure can XDEL them.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from omnirec.store import codec
from omnirec.store import customer_rules as rules
from omnirec.store.keys import DEDUP_MAX, IMPRESSION_RETENTION_SECONDS
from omnirec.store.protocol import BULK_TIMEOUT_MS
from omnirec.store.records import (
    AppendResult,
    CustomerEvent,
    CustomerSnapshot,
    ErasureEntry,
    EventLogEntry,
    ImpressionRequest,
    RequestCount,
)
from omnirec.store.redis_base import as_str, translate_errors
from omnirec.store.redis_customers import CUSTOMER_READS, STATE_FIELDS, RedisCustomers
from omnirec.store.redis_impressions import EVENT_FIELD, RedisImpressions
from omnirec.store.rows import model_rows
from omnirec.store.snapshot import ROW_KINDS, compose_snapshot

SNAPSHOT_HASHES = range(3, 8)  # positions of the customer's hashes among the snapshot script's replies
MAX_CONNECTIONS = 128  # per process (per node on a cluster); beyond it a call waits up to the timeout
BULK_CONNECTIONS = 4


def client_options(
    url: str, timeout_ms: int, max_connections: int = MAX_CONNECTIONS, password: str = ""
) -> dict[str, Any]:
    """Socket timeouts, one immediate retry, and `password` (Settings.redis_password) when the URL has none."""
    options: dict[str, Any] = {
        "socket_timeout": timeout_ms / 1000,
        "socket_connect_timeout": timeout_ms / 1000,
        "retry": Retry(NoBackoff(), 1),
        "max_connections": max_connections,
    }
    if urlsplit(url).password is None and password:
        options["password"] = password
    return options


class RedisStore(RedisCustomers, RedisImpressions):
    """FeatureStore on a standalone Redis (or a managed one behind one endpoint)."""

    @classmethod
    def from_url(cls, url: str, *, prefix: str, timeout_ms: int, password: str = "") -> RedisStore:
        pool = aioredis.BlockingConnectionPool.from_url(
            url, timeout=timeout_ms / 1000, **client_options(url, timeout_ms, password=password)
        )
        bulk = aioredis.BlockingConnectionPool.from_url(
            url,
            timeout=BULK_TIMEOUT_MS / 1000,
            **client_options(url, BULK_TIMEOUT_MS, BULK_CONNECTIONS, password=password),
        )
        return cls(aioredis.Redis(connection_pool=pool), prefix, aioredis.Redis(connection_pool=bulk))

    # -- the request path: one round trip ---------------------------------------------------------
    @translate_errors
    async def customer_snapshot(
        self, any_id: str, version: str | None, store_id: str | None = None
    ) -> CustomerSnapshot:
        """Active version, customer state, the id's rows of `version` and a store's stock in one script call.

        One EVALSHA instead of an 11-command pipeline: a third of the client CPU (redis-py packs and parses
        every command). Assumes `any_id` is canonical (no alias) and has no linked ids, as most are;
        otherwise it reads again what that assumption got wrong, so the answer always equals the composed
        calls'.
        """
        k = self._keys
        kinds = ROW_KINDS if version else ()
        keys = [k.model("active"), k.customer(any_id, "alias"), *(k.customer(any_id, f) for f in STATE_FIELDS)]
        keys += [k.row(version or "", kind, any_id) for kind in kinds]
        if store_id:
            keys.append(k.by_id("stock", store_id))
        replies = await self._snapshot(keys=keys, args=["1" if store_id else "0"])
        if replies[1] is not None:  # a linked anonymous id: its state now lives under the customer's id
            return await compose_snapshot(self, any_id, version, store_id)
        for i in SNAPSHOT_HASHES:  # HGETALL in a script answers a flat array
            replies[i] = dict(zip(replies[i][::2], replies[i][1::2], strict=True))
        return await self._snapshot_from(any_id, version, store_id, kinds, replies)

    async def _pipelined_snapshot(
        self, any_id: str, version: str | None, store_id: str | None = None
    ) -> CustomerSnapshot:
        """customer_snapshot as one pipeline (the cluster backend: the keys span hash slots)."""
        k = self._keys
        pipe = self._client.pipeline(transaction=False)
        pipe.get(k.model("active"))
        pipe.get(k.customer(any_id, "alias"))
        self._queue_customer(pipe, any_id)
        kinds = ROW_KINDS if version else ()
        for kind in kinds:
            pipe.get(k.row(version or "", kind, any_id))
        if store_id:
            pipe.smembers(k.by_id("stock", store_id))
        replies = await pipe.execute()
        if replies[1] is not None:
            return await compose_snapshot(self, any_id, version, store_id)
        return await self._snapshot_from(any_id, version, store_id, kinds, replies)

    async def _snapshot_from(
        self, any_id: str, version: str | None, store_id: str | None, kinds: Sequence[str], replies: list[Any]
    ) -> CustomerSnapshot:
        active = None if replies[0] is None else as_str(replies[0])
        state = self._customer_state(any_id, replies[2 : 2 + CUSTOMER_READS])
        rest = replies[2 + CUSTOMER_READS :]
        rows = model_rows([[any_id]], rest[:1], rest[1:2])[0] if version else None
        if version and state.identities:
            (rows,) = await self.read_model_rows(version, [[any_id, *state.identities]])
        unavailable = {as_str(m) for m in rest[len(kinds)]} if store_id else None
        return CustomerSnapshot(active, state, version, rows, unavailable)

    # -- customers: events (identity, consent, erasure in RedisCustomers) --------------------------
    @translate_errors
    async def append_events(
        self, any_id: str, events: Sequence[CustomerEvent], cap: int, retention_s: int = 0
    ) -> AppendResult:
        if not events:
            return AppendResult(stored=[])
        customer = await self._resolve(any_id)
        seen = await self._client.zmscore(self._keys.customer(customer, "dedup"), [e.event_id for e in events])
        fresh_at = [i for i, score in enumerate(seen) if score is None]
        fresh = [events[i] for i in fresh_at]
        pipe = self._client.pipeline(transaction=False)
        payloads = [codec.encode(e) for e in fresh]
        for payload in payloads:
            pipe.xadd(self._keys.event_log(), {"e": payload})
        positions = [as_str(p) for p in await pipe.execute()] if fresh else []
        args: list[Any] = [cap, DEDUP_MAX, retention_s]
        for event, payload, position in zip(fresh, payloads, positions, strict=True):
            kind = rules.event_kind(event.event_type)
            args += [event.event_id, kind, event.item_id, event.timestamp, payload, position]
        for _ in range(rules.WRITE_RETRIES):
            result = await self._append(keys=self._keys.customer_keys(customer), args=args)
            if result != -1:
                flags = [int(f) for f in result]
                break
            customer = await self._resolve(customer)  # linked meanwhile: apply to the new canonical id
        else:
            raise rules.linked_meanwhile(any_id)  # never report a new event as a duplicate
        await self._client.zadd(self._keys.customers_index(), {customer: 0})
        stored = [False] * len(events)
        for i, flag in zip(fresh_at, flags, strict=False):
            stored[i] = bool(flag)
        return AppendResult(stored=stored)

    # -- event log -----------------------------------------------------------------------------
    @translate_errors
    async def read_event_log(self, after: str | None, count: int) -> list[EventLogEntry]:
        out: list[EventLogEntry] = []
        if count <= 0:
            return out
        async for position, fields in self._log_pages(after, count):  # impression records are skipped
            payload = fields.get(EVENT_FIELD)
            if payload is not None:
                out.append(EventLogEntry(position=position, event=codec.decode_event(payload)))
                if len(out) >= count:
                    break
        return out

    @translate_errors
    async def read_erasures(self, after: str | None, count: int) -> list[ErasureEntry]:
        start = "-" if after is None else f"({after}"
        entries = await self._client.xrange(self._keys.named("erasures"), min=start, max="+", count=count)
        return [
            ErasureEntry(position=as_str(pos), digests=[d for d in as_str(fields[b"d"]).split(",") if d])
            for pos, fields in entries
        ]

    # -- offers --------------------------------------------------------------------------------
    @translate_errors
    async def put_offer_catalog(self, payload: bytes) -> None:
        await self._client.set(self._keys.named("offers:catalog"), payload)

    @translate_errors
    async def get_offer_catalog(self) -> bytes | None:
        value = await self._client.get(self._keys.named("offers:catalog"))
        return None if value is None else bytes(value)

    @translate_errors
    async def take_impression(self, request: ImpressionRequest) -> bool:
        """Budget first (its own slot), then caps on the customer's slot; a refused cap refunds the budget."""
        if request.mandatory:
            return True
        budget_key = self._keys.offer_budget(request.offer_id)
        if request.budget > 0 and not await self._take_budget(keys=[budget_key], args=[request.budget]):
            return False
        offer_suffix, channel_suffix = rules.impression_keys(request)
        member = f"{request.now}:{uuid.uuid4().hex[:12]}"
        customer = await self._resolve(request.customer_id)
        allowed = 0
        try:
            for _ in range(rules.WRITE_RETRIES):
                tag = self._keys.customer_tag(customer)
                keys = [f"{tag}:{offer_suffix}", f"{tag}:{channel_suffix}", f"{tag}:aux", f"{tag}:alias"]
                args = [
                    request.now,
                    request.cap_count,
                    request.cap_seconds,
                    request.fatigue_count,
                    request.fatigue_seconds,
                    member,
                    IMPRESSION_RETENTION_SECONDS,
                    offer_suffix,
                    channel_suffix,
                ]
                allowed = int(await self._take_caps(keys=keys, args=args))
                if allowed != -1:
                    break
                customer = await self._resolve(customer)
        finally:
            if allowed != 1 and request.budget > 0:
                await self._client.decr(budget_key)
        return allowed == 1

    @translate_errors
    async def add_offer_feedback(self, offer_id: str, segment: str, outcome: str, amount: float = 1.0) -> None:
        pipe = self._client.pipeline(transaction=False)
        for field in rules.feedback_fields(segment, outcome):
            pipe.hincrbyfloat(self._keys.by_id("of", offer_id), field, amount)
        await pipe.execute()

    @translate_errors
    async def get_offer_feedback(self, offer_ids: Sequence[str], segment: str) -> dict[str, dict[str, float]]:
        pipe = self._client.pipeline(transaction=False)
        for offer_id in offer_ids:
            pipe.hgetall(self._keys.by_id("of", offer_id))
        out = {}
        for offer_id, counters in zip(offer_ids, await pipe.execute(), strict=True):
            decoded = {as_str(k): float(v) for k, v in counters.items()}
            out[offer_id] = rules.feedback_for_segment(decoded, segment)
        return out

    # -- store availability --------------------------------------------------------------------
    @translate_errors
    async def set_unavailable_items(self, store_id: str, item_ids: Sequence[str]) -> None:
        pipe = self._client.pipeline(transaction=True)  # one key: atomic on a cluster too
        pipe.delete(self._keys.by_id("stock", store_id))
        if item_ids:
            pipe.sadd(self._keys.by_id("stock", store_id), *item_ids)
        await pipe.execute()

    @translate_errors
    async def get_unavailable_items(self, store_id: str) -> set[str]:
        return {as_str(m) for m in await self._client.smembers(self._keys.by_id("stock", store_id))}

    # -- rate limits -----------------------------------------------------------------------------
    @translate_errors
    async def count_request(self, client: str, window_ms: int) -> RequestCount:
        count, reset_ms = await self._count_requests(keys=[self._keys.by_id("rl", client)], args=[window_ms])
        return RequestCount(count=int(count), reset_ms=int(reset_ms))
