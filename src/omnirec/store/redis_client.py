"""RedisClient: how the Redis backend talks to a standalone server or a cluster (the one place that differs).

Every part of the backend (models, customers, event log, offers, stock...) holds one RedisClient and
asks it for the few things a cluster does differently: multi-key reads and writes across hash slots,
whether one script may read keys of several slots, scanning and persistence across every master, and
the lazy start of the cluster client. `guard` is the one place redis errors become StoreUnavailable.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from typing import Any, ParamSpec, TypeVar
from urllib.parse import urlsplit, urlunsplit

import redis.asyncio as aioredis
from redis import exceptions as redis_errors
from redis.asyncio.cluster import RedisCluster
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from omnirec.errors import StoreUnavailable
from omnirec.store.keys import Keys
from omnirec.store.protocol import BULK_TIMEOUT_MS
from omnirec.store.records import Persistence
from omnirec.store.redis_persistence import combine, node_persistence

P = ParamSpec("P")
R = TypeVar("R")

MAX_CONNECTIONS = 128  # per process (per node on a cluster); beyond it a call waits up to the timeout
BULK_CONNECTIONS = 4
UNLINK_BATCH = 500  # keys per pipeline when a pattern's keys are deleted
# What a lost, slow or refusing server raises through redis-py: each becomes StoreUnavailable.
FAILURES = (TimeoutError, redis_errors.RedisError, redis_errors.RedisClusterException, OSError)


def as_str(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


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


class RedisClient:
    """A standalone Redis (or a managed one behind one endpoint): every key on one server.

    `main` has the per-request timeout (Settings.store_timeout_ms); `bulk` (protocol.BULK_TIMEOUT_MS) moves
    whole arrays, whose 8 MB parts cannot cross a network within a 50 ms request budget.
    """

    scripts_span_slots = True  # one server: a script may read keys of several hash slots

    def __init__(self, main: Any, bulk: Any, prefix: str) -> None:
        self.main = main
        self.bulk = bulk
        self.keys = Keys(prefix)
        self._scripts: dict[str, Any] = {}

    @classmethod
    def from_url(cls, url: str, *, prefix: str, timeout_ms: int, password: str = "") -> RedisClient:
        pool = aioredis.BlockingConnectionPool.from_url(
            url, timeout=timeout_ms / 1000, **client_options(url, timeout_ms, password=password)
        )
        bulk = aioredis.BlockingConnectionPool.from_url(
            url,
            timeout=BULK_TIMEOUT_MS / 1000,
            **client_options(url, BULK_TIMEOUT_MS, BULK_CONNECTIONS, password=password),
        )
        return cls(aioredis.Redis(connection_pool=pool), aioredis.Redis(connection_pool=bulk), prefix)

    def guard(self, operation: Callable[P, Awaitable[R]]) -> Callable[P, Coroutine[Any, Any, R]]:
        """`operation` with the client started first and every redis failure raised as StoreUnavailable."""

        @functools.wraps(operation)
        async def guarded(*args: P.args, **kwargs: P.kwargs) -> R:
            try:
                await self.ready()
                return await operation(*args, **kwargs)
            except FAILURES as exc:
                raise StoreUnavailable(f"feature store unavailable: {type(exc).__name__}: {exc}") from None

        return guarded

    async def ready(self) -> None:
        """Called before every operation; the cluster client loads its slot map here once."""

    def script(self, source: str) -> Any:
        """The Lua script registered once on the request client (EVALSHA, loaded by redis-py on first use)."""
        registered = self._scripts.get(source)
        if registered is None:
            registered = self._scripts[source] = self.main.register_script(source)
        return registered

    def pipeline(self, *, atomic: bool = False, bulk: bool = False) -> Any:
        """Commands sent in one round trip (per node on a cluster); `atomic` (MULTI/EXEC) needs one slot.

        Without `atomic`, each queued command may name keys of any slot; `bulk` uses the long-timeout client.
        """
        return (self.bulk if bulk else self.main).pipeline(transaction=atomic)

    async def mget(self, keys: Sequence[str]) -> list[bytes | None]:
        """Many keys at once (the cluster groups them per slot)."""
        return list(await self.main.mget(keys)) if keys else []

    async def mset(self, mapping: dict[str, bytes]) -> None:
        """Many keys at once (the cluster groups them per slot)."""
        if mapping:
            await self.main.mset(mapping)

    async def delete_matching(self, pattern: str) -> int:
        """UNLINK every key matching a glob pattern (SCAN in batches; the cluster client scans every master)."""
        removed, batch = 0, []
        async for key in self.main.scan_iter(match=pattern, count=1000):
            batch.append(key)
            if len(batch) >= UNLINK_BATCH:
                removed += await self._unlink(batch)
                batch = []
        return removed + await self._unlink(batch)

    async def _unlink(self, keys: Sequence[bytes | str]) -> int:
        if not keys:
            return 0
        pipe = self.pipeline()
        for key in keys:
            pipe.execute_command("UNLINK", key)  # one key per command: valid on any slot
        return sum(int(n) for n in await pipe.execute())

    async def hgetall_many(self, keys: Sequence[str]) -> list[dict[bytes, bytes]]:
        """HGETALL of several hashes in one round trip (one command per key: any slots)."""
        pipe = self.pipeline()
        for key in keys:
            pipe.hgetall(key)
        return list(await pipe.execute())

    async def persistence(self) -> Persistence:
        return await node_persistence(self.main.execute_command)

    async def close(self) -> None:
        # closing a store whose server is gone has nothing left to release
        with contextlib.suppress(*FAILURES):
            await self.main.aclose()
            if self.bulk is not self.main:
                await self.bulk.aclose()


class ClusterClient(RedisClient):
    """A Redis Cluster (redis+cluster://host:port): any reachable node bootstraps the slot map.

    Scripts only ever touch one hash slot (see keys.py); rows of a version spread over every slot and are
    read with MGET per slot (mget_nonatomic), which is safe because a version's data never changes.
    """

    scripts_span_slots = False  # the event log, a customer's keys and the version records: different slots

    def __init__(self, main: RedisCluster, bulk: RedisCluster, prefix: str) -> None:
        super().__init__(main, bulk, prefix)
        self._start_lock = asyncio.Lock()
        self._started = False

    @classmethod
    def from_url(cls, url: str, *, prefix: str, timeout_ms: int, password: str = "") -> ClusterClient:
        parts = urlsplit(url)
        plain = urlunsplit(("redis", parts.netloc, "", "", ""))
        main = RedisCluster.from_url(plain, **client_options(plain, timeout_ms, password=password))
        # The cluster client refuses (MaxConnectionsError) rather than waits when a node's pool is full, so
        # the bulk client gets the full pool here: concurrent version loads must not fail a request.
        bulk = RedisCluster.from_url(plain, **client_options(plain, BULK_TIMEOUT_MS, password=password))
        return cls(main, bulk, prefix)

    async def ready(self) -> None:
        # redis-py's async cluster client races when many coroutines trigger its lazy start together
        if self._started:
            return
        async with self._start_lock:
            if not self._started:
                await self.main.initialize()
                await self.bulk.initialize()
                self._started = True

    async def mget(self, keys: Sequence[str]) -> list[bytes | None]:
        return list(await self.main.mget_nonatomic(keys)) if keys else []

    async def mset(self, mapping: dict[str, bytes]) -> None:
        if mapping:
            await self.main.mset_nonatomic(mapping)

    async def persistence(self) -> Persistence:
        """Every master's persistence (the event log and customers spread over all of them)."""
        nodes = []
        for node in self.main.get_primaries():

            async def run(*args: object, node: object = node) -> object:
                return await self.main.execute_command(*args, target_nodes=node)

            nodes.append(await node_persistence(run))
        return combine(nodes)


def connect(url: str, *, prefix: str, timeout_ms: int, password: str = "") -> RedisClient:
    """The client for a redis://, rediss:// or redis+cluster:// URL; nothing connects before the first call."""
    strategy = ClusterClient if urlsplit(url).scheme.lower() == "redis+cluster" else RedisClient
    return strategy.from_url(url, prefix=prefix, timeout_ms=timeout_ms, password=password)
