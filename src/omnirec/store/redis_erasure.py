"""Customer erasure in Redis: every key of the customer and its linked ids, their log entries, rows and ids.

Order matters: the ids are fenced first (no queued impression lands after their keys are gone), then each
id's keys go in one script on its slot, then its model rows, then the event log is rebuilt without its
entries under the erasure lock, then the ids are blanked in every version's user_ids array, and last the
erasure is journalled as digests for the exports.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence

from omnirec.errors import StoreUnavailable
from omnirec.store import customer_rules as rules
from omnirec.store import scripts
from omnirec.store.records import CUSTOMER_ROW_KINDS
from omnirec.store.redis_client import RedisClient, as_str
from omnirec.store.redis_impressions import FENCE
from omnirec.store.redis_models import RedisModels

LOG_REBUILD_STEP = 2000  # log entries copied per script call when erasure rebuilds the log
LOG_LOCK_MS = 30_000  # the erasure lock's lifetime, renewed at every step
LOG_LOCK_WAIT_S = 25.0  # how long an erasure waits for another one's rebuild (below the 30 s bulk bound)
LOCK_POLL_S = 0.02


class RedisErasure:
    """erase_customer; needs the customer's canonical id (`resolve`) and the model versions (`models`)."""

    def __init__(self, client: RedisClient, resolve: Callable[[str], Awaitable[str]], models: RedisModels) -> None:
        self._c = client
        self._keys = client.keys
        self._resolve = resolve
        self._models = models

    async def erase_customer(self, any_id: str) -> int:
        """Delete the customer's keys, each linked id's keys and alias, their log entries and index entries."""
        cid = await self._resolve(any_id)
        k = self._keys
        removed, linked, positions = await self._erase_one(cid)
        for anon in linked:
            n, _, more = await self._erase_one(anon)
            removed += n
            positions += more
        versions = [v.version for v in await self._models.list_versions()]
        pipe = self._c.pipeline()
        pipe.zrem(k.customers_index(), cid, *linked)
        rows = [k.row(v, kind, c) for v in versions for kind in CUSTOMER_ROW_KINDS for c in (cid, *linked)]
        for key in rows:  # one key per DEL: the rows live in different cluster slots
            pipe.delete(key)
        results = await pipe.execute()
        rows_removed = sum(int(r) for r in results[len(results) - len(rows) :]) if rows else 0
        if positions:
            await self._remove_from_log(positions)
        erased = [cid, *linked]
        await self._models.blank_ids(versions, erased)
        await self._c.main.xadd(k.named("erasures"), {"d": ",".join(rules.id_digest(i) for i in erased)})
        return removed + len(positions) + rows_removed

    async def _erase_one(self, customer_id: str) -> tuple[int, list[str], list[str]]:
        """Fence the id (before its keys go: no queued impression lands after them), then delete its keys."""
        fence = [rules.ERASURE_FENCE_S * 1000, rules.id_digest(customer_id)]
        await self._c.script(FENCE)(keys=[self._keys.beside_log("fence")], args=fence)
        tag = self._keys.customer_tag(customer_id) + ":"
        erase = self._c.script(scripts.ERASE)
        removed, ids, positions = await erase(keys=self._keys.customer_keys(customer_id), args=[tag])
        return int(removed), [as_str(i) for i in ids], [as_str(p) for p in positions]

    async def _remove_from_log(self, positions: Sequence[str]) -> None:
        """XDEL the entries, then rebuild the stream without them in short steps, under the erasure lock."""
        k, main = self._keys, self._c.main
        lock, token = k.beside_log("erasing"), uuid.uuid4().hex
        deadline = time.monotonic() + LOG_LOCK_WAIT_S
        while not await main.set(lock, token, nx=True, px=LOG_LOCK_MS):
            if time.monotonic() > deadline:
                raise StoreUnavailable("another erasure is rebuilding the event log; retry the erasure")
            await asyncio.sleep(LOCK_POLL_S)
        try:
            await main.xdel(k.event_log(), *positions)
            rebuild, after = self._c.script(scripts.REBUILD_LOG_STEP), ""
            log_keys = [k.event_log(), k.beside_log("rewrite")]
            while True:
                done, value = await rebuild(keys=log_keys, args=[after, LOG_REBUILD_STEP])
                if int(done):
                    return
                after = as_str(value)
                await main.pexpire(lock, LOG_LOCK_MS)
        finally:
            await self._c.script(scripts.RELEASE_LOCK)(keys=[lock], args=[token])
