"""The Redis backend's own state: reachability, persistence (every master of a cluster), and the write markers."""

from __future__ import annotations

import time

from omnirec.store.records import Persistence
from omnirec.store.redis_client import RedisClient, as_str


class RedisHealth:
    """ping, persistence, and what publish and the customer import recorded (a store that lost data has none)."""

    def __init__(self, client: RedisClient) -> None:
        self._c = client
        self._marker = client.keys.named("marker")

    async def ping(self) -> None:
        await self._c.main.ping()

    async def persistence(self) -> Persistence:
        return await self._c.persistence()

    async def write_marker(self, what: str) -> None:
        await self._c.main.hset(self._marker, what, repr(time.time()))

    async def read_marker(self) -> dict[str, float]:
        return {as_str(k): float(v) for k, v in (await self._c.main.hgetall(self._marker)).items()}
