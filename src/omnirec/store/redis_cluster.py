"""The Redis Cluster backend (redis+cluster://host:port): the Redis backend with per-slot multi-key reads.

Scripts only ever touch one hash slot (see keys.py); rows of a version spread over every slot and are
read with MGET per slot (mget_nonatomic), which is safe because a version's data never changes.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from urllib.parse import urlsplit, urlunsplit

from redis.asyncio.cluster import RedisCluster

from omnirec.store.protocol import BULK_TIMEOUT_MS
from omnirec.store.records import CustomerSnapshot, Persistence
from omnirec.store.redis_base import translate_errors
from omnirec.store.redis_persistence import combine, node_persistence
from omnirec.store.redis_store import RedisStore, client_options


class RedisClusterStore(RedisStore):
    """FeatureStore on a Redis Cluster; any reachable node bootstraps the slot map."""

    _one_call_scripts = False  # the event log and a customer's keys live in different slots

    @classmethod
    def from_url(cls, url: str, *, prefix: str, timeout_ms: int, password: str = "") -> RedisClusterStore:
        parts = urlsplit(url)
        plain = urlunsplit(("redis", parts.netloc, "", "", ""))
        client = RedisCluster.from_url(plain, **client_options(plain, timeout_ms, password=password))
        # The cluster client refuses (MaxConnectionsError) rather than waits when a node's pool is full, so
        # the bulk client gets the full pool here: concurrent version loads must not fail a request.
        bulk = RedisCluster.from_url(plain, **client_options(plain, BULK_TIMEOUT_MS, password=password))
        return cls(client, prefix, bulk)

    def __init__(self, client: RedisCluster, prefix: str, bulk: RedisCluster) -> None:
        super().__init__(client, prefix, bulk)
        self._init_lock = asyncio.Lock()
        self._initialized = False

    async def _ensure_ready(self) -> None:
        # redis-py's async cluster client races when many coroutines trigger its lazy start together
        if self._initialized:
            return
        async with self._init_lock:
            if not self._initialized:
                await self._client.initialize()
                await self._bulk.initialize()
                self._initialized = True

    @translate_errors
    async def persistence(self) -> Persistence:
        """Every master's persistence (the event log and customers spread over all of them)."""
        nodes = []
        for node in self._client.get_primaries():

            async def run(*args: object, node: object = node) -> object:
                return await self._client.execute_command(*args, target_nodes=node)

            nodes.append(await node_persistence(run))
        return combine(nodes)

    @translate_errors
    async def customer_snapshot(
        self, any_id: str, version: str | None, store_id: str | None = None
    ) -> CustomerSnapshot:
        """The snapshot's reads as one pipeline: a script cannot read keys of several hash slots."""
        return await self._pipelined_snapshot(any_id, version, store_id)

    async def _mset(self, mapping: dict[str, bytes]) -> None:
        if mapping:
            await self._client.mset_nonatomic(mapping)

    async def _mget(self, keys: Sequence[str]) -> list[bytes | None]:
        if not keys:
            return []
        return list(await self._client.mget_nonatomic(keys))
