"""Customer profiles in Redis: identity resolution and links, consent, features, erasure, paging."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from omnirec.errors import InvalidRequest, StoreUnavailable
from omnirec.store import codec
from omnirec.store import customer_rules as rules
from omnirec.store.keys import CUSTOMER_ROW_KINDS, DEDUP_MAX, IMPRESSION_RETENTION_SECONDS
from omnirec.store.records import CustomerState
from omnirec.store.redis_base import as_str, translate_errors
from omnirec.store.redis_impressions import FENCE
from omnirec.store.redis_models import RedisModels

LOG_REBUILD_STEP = 2000  # log entries copied per script call when erasure rebuilds the log
LOG_LOCK_MS = 30_000  # the erasure lock's lifetime, renewed at every step
LOG_LOCK_WAIT_S = 25.0  # how long an erasure waits for another one's rebuild (below the 30 s bulk bound)
# The keys of a customer's state, in the order _queue_customer (and the snapshot script) reads them.
STATE_FIELDS = ("events", "purchases", "pcounts", "cart", "consent", "features", "ids")
CUSTOMER_READS = len(STATE_FIELDS)  # commands _queue_customer queues


class RedisCustomers(RedisModels):
    """Every key of a customer shares the hash tag {p:c:<id>}; scripts touch one customer slot at a time."""

    async def _fence_impressions(self, ids: Sequence[str]) -> None:
        """Erasure, before it deletes the ids' keys: their records still queued anywhere are never written."""
        fence = self.__dict__.get("_fence_script")
        if fence is None:
            fence = self.__dict__["_fence_script"] = self._client.register_script(FENCE)
        args = [rules.ERASURE_FENCE_S * 1000, *(rules.id_digest(i) for i in ids)]
        await fence(keys=[self._keys.beside_log("fence")], args=args)

    async def _resolve(self, any_id: str) -> str:
        start = any_id
        for _ in range(rules.MAX_ALIAS_HOPS):
            target = await self._client.get(self._keys.customer(any_id, "alias"))
            if target is None:
                return any_id
            any_id = as_str(target)
        raise rules.alias_loop(start)

    @translate_errors
    async def resolve_customer(self, any_id: str) -> str:
        return await self._resolve(any_id)

    @translate_errors
    async def get_customer(self, any_id: str) -> CustomerState:
        cid = await self._resolve(any_id)
        pipe = self._client.pipeline(transaction=False)  # one slot: one node, one round trip
        self._queue_customer(pipe, cid)
        return self._customer_state(cid, await pipe.execute())

    def _queue_customer(self, pipe: Any, cid: str) -> None:
        """Queue the CUSTOMER_READS commands reading one customer's state on a pipeline."""
        k = self._keys
        pipe.zrevrange(k.customer(cid, "events"), 0, -1)
        for field in ("purchases", "pcounts", "cart", "consent", "features"):
            pipe.hgetall(k.customer(cid, field))
        pipe.smembers(k.customer(cid, "ids"))

    @staticmethod
    def _customer_state(cid: str, results: Sequence[Any]) -> CustomerState:
        """Decode the replies of the commands `_queue_customer` queued."""
        events, purchases, pcounts, cart, consent, features, ids = results
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

    @translate_errors
    async def link_identity(self, anonymous_id: str, customer_id: str) -> None:
        """Atomically alias the anonymous id and take its data (its slot), then merge it (customer's slot).

        Writes racing with the link are redirected by the alias check in the scripts, so none is lost.
        """
        canonical = await self._resolve(customer_id)
        if anonymous_id in (customer_id, canonical) or await self._resolve(anonymous_id) == canonical:
            return
        k = self._keys
        anon_keys = k.customer_keys(anonymous_id)
        # ids linked into the anonymous id (it was a customer before): re-pointed below, so no chain grows
        previously_linked = [as_str(i) for i in await self._client.smembers(k.customer(anonymous_id, "ids"))]
        moved = await self._move_out(keys=anon_keys, args=[canonical, k.customer_tag(anonymous_id) + ":"])
        if int(moved[0]) == 0:
            if as_str(moved[1]) == canonical:
                return
            raise InvalidRequest(f"anonymous id {anonymous_id!r} is already linked to customer {as_str(moved[1])!r}")
        args = [moved[1], anonymous_id, k.customer_tag(canonical) + ":", DEDUP_MAX, IMPRESSION_RETENTION_SECONDS]
        await self._merge_in(keys=k.customer_keys(canonical), args=args)
        pipe = self._client.pipeline(transaction=False)
        pipe.zrem(k.customers_index(), anonymous_id)
        pipe.zadd(k.customers_index(), {canonical: 0})
        for linked in previously_linked:  # one key per command: each in its own slot
            pipe.set(k.customer(linked, "alias"), canonical, xx=True)
        await pipe.execute()

    @translate_errors
    async def set_consent(
        self, any_id: str, consent: Mapping[str, bool], max_purposes: int = 0, retention_s: int = 0
    ) -> dict[str, bool]:
        cid = await self._resolve(any_id)
        key = self._keys.customer(cid, "consent")
        keys = [key, self._keys.customer(cid, "features"), self._keys.customer(cid, "ids")]
        args: list[Any] = [max_purposes, retention_s]
        for purpose, granted in consent.items():
            args += [purpose, "1" if granted else "0"]
        result = await self._set_consent(keys=keys, args=args)  # count and write atomically
        if int(result[0]) == 0:
            rules.check_purposes(int(result[1]), int(result[2]), max_purposes)
        if retention_s == 0:  # the customer import (no retention): a known customer, whose state is kept
            await self._persist(keys=self._keys.customer_keys(cid))
        current = dict(zip(result[1][::2], result[1][1::2], strict=True))
        await self._client.zadd(self._keys.customers_index(), {cid: 0})
        return {as_str(p): v == b"1" for p, v in current.items()}

    @translate_errors
    async def set_features(self, any_id: str, features: Mapping[str, str]) -> None:
        cid = await self._resolve(any_id)
        if features:
            await self._client.hset(self._keys.customer(cid, "features"), mapping=dict(features))
            await self._persist(keys=self._keys.customer_keys(cid))  # a known customer: no retention
        await self._client.zadd(self._keys.customers_index(), {cid: 0})

    @translate_errors
    async def erase_customer(self, any_id: str) -> int:
        """Delete the customer's keys, each linked id's keys and alias, their log entries and index entries."""
        cid = await self._resolve(any_id)
        k = self._keys
        await self._fence_impressions([cid])  # before the keys go: no queued impression lands after them
        removed, linked, positions = await self._erase_one(cid)
        for anon in linked:
            await self._fence_impressions([anon])
            n, _, more = await self._erase_one(anon)
            removed += n
            positions += more
        versions = [v.version for v in await self.list_versions()]
        pipe = self._client.pipeline(transaction=False)
        pipe.zrem(k.customers_index(), cid, *linked)
        rows = [k.row(v, kind, c) for v in versions for kind in CUSTOMER_ROW_KINDS for c in (cid, *linked)]
        for key in rows:  # one key per DEL: the rows live in different cluster slots
            pipe.delete(key)
        results = await pipe.execute()
        rows_removed = sum(int(r) for r in results[len(results) - len(rows) :]) if rows else 0
        if positions:
            await self._remove_from_log(positions)
        erased = [cid, *linked]
        await self._blank_model_ids(versions, erased)
        await self._client.xadd(k.named("erasures"), {"d": ",".join(rules.id_digest(i) for i in erased)})
        return removed + len(positions) + rows_removed

    async def _remove_from_log(self, positions: Sequence[str]) -> None:
        """XDEL the entries, then rebuild the stream without them in short steps, under the erasure lock."""
        k = self._keys
        token = uuid.uuid4().hex
        deadline = time.monotonic() + LOG_LOCK_WAIT_S
        while not await self._client.set(k.beside_log("erasing"), token, nx=True, px=LOG_LOCK_MS):
            if time.monotonic() > deadline:
                raise StoreUnavailable("another erasure is rebuilding the event log; retry the erasure")
            await asyncio.sleep(0.02)
        try:
            await self._client.xdel(k.event_log(), *positions)
            after = ""
            while True:
                done, value = await self._rebuild_log_step(
                    keys=[k.event_log(), k.beside_log("rewrite")], args=[after, LOG_REBUILD_STEP]
                )
                if int(done):
                    return
                after = as_str(value)
                await self._client.pexpire(k.beside_log("erasing"), LOG_LOCK_MS)
        finally:
            await self._release_lock(keys=[k.beside_log("erasing")], args=[token])

    async def _erase_one(self, customer_id: str) -> tuple[int, list[str], list[str]]:
        tag = self._keys.customer_tag(customer_id) + ":"
        removed, ids, positions = await self._erase(keys=self._keys.customer_keys(customer_id), args=[tag])
        return int(removed), [as_str(i) for i in ids], [as_str(p) for p in positions]

    @translate_errors
    async def scan_customers(self, cursor: str | None, count: int) -> tuple[list[str], str | None]:
        start = "-" if cursor is None else f"({cursor}"
        page = await self._client.zrangebylex(self._keys.customers_index(), start, "+", start=0, num=count + 1)
        ids = [as_str(m) for m in page]
        return ids[:count], (ids[count - 1] if len(ids) > count and count > 0 else None)
