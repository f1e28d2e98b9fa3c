"""Rate-limit windows in Redis: one counter per API client, counted and expired by one script (COUNT_REQUESTS)."""

from __future__ import annotations

from omnirec.store import scripts
from omnirec.store.records import RequestCount
from omnirec.store.redis_client import RedisClient


class RedisRateLimit:
    """Request counts per API client in fixed windows, one budget across every worker and replica."""

    def __init__(self, client: RedisClient) -> None:
        self._c = client
        self._keys = client.keys

    async def count_request(self, client: str, window_ms: int) -> RequestCount:
        counter = self._keys.by_id("rl", client)
        count, reset_ms = await self._c.script(scripts.COUNT_REQUESTS)(keys=[counter], args=[window_ms])
        return RequestCount(count=int(count), reset_ms=int(reset_ms))
