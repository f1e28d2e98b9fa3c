"""Store availability in Redis: one set of out-of-stock items per physical store."""

from __future__ import annotations

from collections.abc import Sequence

from omnirec.store.redis_client import RedisClient, as_str


class RedisStock:
    """Out-of-stock items per physical store, replaced as a whole."""

    def __init__(self, client: RedisClient) -> None:
        self._c = client
        self._keys = client.keys

    async def set_unavailable_items(self, store_id: str, item_ids: Sequence[str]) -> None:
        key = self._keys.by_id("stock", store_id)
        pipe = self._c.pipeline(atomic=True)  # one key: atomic on a cluster too
        pipe.delete(key)
        if item_ids:
            pipe.sadd(key, *item_ids)
        await pipe.execute()

    async def get_unavailable_items(self, store_id: str) -> set[str]:
        return {as_str(m) for m in await self._c.main.smembers(self._keys.by_id("stock", store_id))}
