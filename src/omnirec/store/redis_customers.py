"""Customer profiles in Redis: identity resolution and links, consent, features, events, paging.

Every key of a customer shares the hash tag {p:c:<id>}; scripts touch one customer slot at a time.

Event durability, in this order: (1) event ids already in the customer's dedup set are skipped,
(2) the new events are XADDed to the event-log stream, (3) one Lua script applies them to the
customer's state and sets their dedup markers, atomically. An event is reported stored=True only after
both steps. A crash between (2) and (3) leaves the event in the log but not the state: the client's
retry passes (1), is logged again and stored. So the log is at-least-once: it may hold an event_id
twice (also when two requests race with the same id) and its readers drop repeats by event_id; it
never misses an event the state holds. Each customer keeps its log positions so erasure can XDEL them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from omnirec.errors import InvalidRequest
from omnirec.store import codec, scripts
from omnirec.store import customer_rules as rules
from omnirec.store.keys import DEDUP_MAX, IMPRESSION_RETENTION_SECONDS, Keys
from omnirec.store.records import AppendResult, CustomerEvent, CustomerState
from omnirec.store.redis_client import RedisClient, as_str

# The keys of a customer's state, in the order queue_state (and the snapshot script) reads them.
STATE_FIELDS = ("events", "purchases", "pcounts", "cart", "consent", "features", "ids")
STATE_HASHES = STATE_FIELDS[1:-1]


def queue_state(pipe: Any, keys: Keys, cid: str) -> None:
    """Queue the len(STATE_FIELDS) commands reading one customer's state on a pipeline."""
    pipe.zrevrange(keys.customer(cid, "events"), 0, -1)
    for field in STATE_HASHES:
        pipe.hgetall(keys.customer(cid, field))
    pipe.smembers(keys.customer(cid, "ids"))


def decode_state(cid: str, replies: Sequence[Any]) -> CustomerState:
    """The customer's state from the replies of the commands `queue_state` queued."""
    events, purchases, pcounts, cart, consent, features, ids = replies
    return CustomerState(
        customer_id=cid,
        recent_events=[codec.decode_event(e) for e in events],
        purchases={as_str(i): int(t) for i, t in purchases.items()},
        purchase_counts={as_str(i): int(n) for i, n in pcounts.items()},
        cart={as_str(i): int(t) for i, t in cart.items()},
        consent={as_str(p): v == b"1" for p, v in consent.items()},
        features={as_str(f): as_str(v) for f, v in features.items()},
        identities=sorted(as_str(i) for i in ids),
    )


class RedisCustomers:
    """Identity, consent, features and events of customers (erasure: RedisErasure)."""

    def __init__(self, client: RedisClient) -> None:
        self._c = client
        self._keys = client.keys

    async def resolve_customer(self, any_id: str) -> str:
        start = any_id
        for _ in range(rules.MAX_ALIAS_HOPS):
            target = await self._c.main.get(self._keys.customer(any_id, "alias"))
            if target is None:
                return any_id
            any_id = as_str(target)
        raise rules.alias_loop(start)

    async def get_customer(self, any_id: str) -> CustomerState:
        cid = await self.resolve_customer(any_id)
        pipe = self._c.pipeline()  # one slot: one node, one round trip
        queue_state(pipe, self._keys, cid)
        return decode_state(cid, await pipe.execute())

    async def link_identity(self, anonymous_id: str, customer_id: str) -> None:
        """Atomically alias the anonymous id and take its data (its slot), then merge it (customer's slot).

        Writes racing with the link are redirected by the alias check in the scripts, so none is lost.
        """
        canonical = await self.resolve_customer(customer_id)
        if anonymous_id in (customer_id, canonical) or await self.resolve_customer(anonymous_id) == canonical:
            return
        k = self._keys
        anon_keys = k.customer_keys(anonymous_id)
        # ids linked into the anonymous id (it was a customer before): re-pointed below, so no chain grows
        previously_linked = [as_str(i) for i in await self._c.main.smembers(k.customer(anonymous_id, "ids"))]
        move_out = self._c.script(scripts.MOVE_OUT)
        moved = await move_out(keys=anon_keys, args=[canonical, k.customer_tag(anonymous_id) + ":"])
        if int(moved[0]) == 0:
            if as_str(moved[1]) == canonical:
                return
            raise InvalidRequest(f"anonymous id {anonymous_id!r} is already linked to customer {as_str(moved[1])!r}")
        args = [moved[1], anonymous_id, k.customer_tag(canonical) + ":", DEDUP_MAX, IMPRESSION_RETENTION_SECONDS]
        await self._c.script(scripts.MERGE_IN)(keys=k.customer_keys(canonical), args=args)
        pipe = self._c.pipeline()
        pipe.zrem(k.customers_index(), anonymous_id)
        pipe.zadd(k.customers_index(), {canonical: 0})
        for linked in previously_linked:  # one key per command: each in its own slot
            pipe.set(k.customer(linked, "alias"), canonical, xx=True)
        await pipe.execute()

    async def set_consent(
        self, any_id: str, consent: Mapping[str, bool], max_purposes: int = 0, retention_s: int = 0
    ) -> dict[str, bool]:
        cid = await self.resolve_customer(any_id)
        k = self._keys
        keys = [k.customer(cid, "consent"), k.customer(cid, "features"), k.customer(cid, "ids")]
        args: list[Any] = [max_purposes, retention_s]
        for purpose, granted in consent.items():
            args += [purpose, "1" if granted else "0"]
        result = await self._c.script(scripts.SET_CONSENT)(keys=keys, args=args)  # count and write atomically
        if int(result[0]) == 0:
            rules.check_purposes(int(result[1]), int(result[2]), max_purposes)
        if retention_s == 0:  # the customer import (no retention): a known customer, whose state is kept
            await self._persist(cid)
        current = dict(zip(result[1][::2], result[1][1::2], strict=True))
        await self._index(cid)
        return {as_str(p): v == b"1" for p, v in current.items()}

    async def set_features(self, any_id: str, features: Mapping[str, str]) -> None:
        cid = await self.resolve_customer(any_id)
        if features:
            await self._c.main.hset(self._keys.customer(cid, "features"), mapping=dict(features))
            await self._persist(cid)  # a known customer: no retention
        await self._index(cid)

    async def append_events(
        self, any_id: str, events: Sequence[CustomerEvent], cap: int, retention_s: int = 0
    ) -> AppendResult:
        if not events:
            return AppendResult(stored=[])
        customer = await self.resolve_customer(any_id)
        log = self._keys.event_log()
        seen = await self._c.main.zmscore(self._keys.customer(customer, "dedup"), [e.event_id for e in events])
        fresh_at = [i for i, score in enumerate(seen) if score is None]
        fresh = [events[i] for i in fresh_at]
        pipe = self._c.pipeline()
        payloads = [codec.encode(e) for e in fresh]
        for payload in payloads:
            pipe.xadd(log, {"e": payload})
        positions = [as_str(p) for p in await pipe.execute()] if fresh else []
        args: list[Any] = [cap, DEDUP_MAX, retention_s]
        for event, payload, position in zip(fresh, payloads, positions, strict=True):
            kind = rules.event_kind(event.event_type)
            args += [event.event_id, kind, event.item_id, event.timestamp, payload, position]
        append = self._c.script(scripts.APPEND_EVENTS)
        for _ in range(rules.WRITE_RETRIES):
            result = await append(keys=self._keys.customer_keys(customer), args=args)
            if result != -1:
                flags = [int(f) for f in result]
                break
            customer = await self.resolve_customer(customer)  # linked meanwhile: apply to the new canonical id
        else:
            raise rules.linked_meanwhile(any_id)  # never report a new event as a duplicate
        await self._index(customer)
        stored = [False] * len(events)
        for i, flag in zip(fresh_at, flags, strict=False):
            stored[i] = bool(flag)
        return AppendResult(stored=stored)

    async def scan_customers(self, cursor: str | None, count: int) -> tuple[list[str], str | None]:
        start = "-" if cursor is None else f"({cursor}"
        page = await self._c.main.zrangebylex(self._keys.customers_index(), start, "+", start=0, num=count + 1)
        ids = [as_str(m) for m in page]
        return ids[:count], (ids[count - 1] if len(ids) > count and count > 0 else None)

    async def _persist(self, cid: str) -> None:
        await self._c.script(scripts.PERSIST)(keys=self._keys.customer_keys(cid))

    async def _index(self, cid: str) -> None:
        await self._c.main.zadd(self._keys.customers_index(), {cid: 0})
