"""What the Redis backends share: the client, the key builder, registered scripts and error translation.

Every public coroutine is wrapped by `translate_errors`, so no redis exception crosses the store
boundary: connection failures and timeouts become StoreUnavailable.
"""

from __future__ import annotations

import contextlib
import functools
import time
from collections.abc import Callable, Coroutine, Sequence
from typing import Any, ParamSpec, TypeVar

from redis import exceptions as redis_errors

from omnirec.errors import StoreUnavailable
from omnirec.store import scripts
from omnirec.store.keys import Keys
from omnirec.store.records import Persistence
from omnirec.store.redis_persistence import node_persistence

P = ParamSpec("P")
R = TypeVar("R")


def translate_errors(fn: Callable[P, Coroutine[Any, Any, R]]) -> Callable[P, Coroutine[Any, Any, R]]:
    @functools.wraps(fn)
    async def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            await args[0]._ensure_ready()  # type: ignore[attr-defined]
            return await fn(*args, **kwargs)
        except (TimeoutError, redis_errors.RedisError, redis_errors.RedisClusterException, OSError) as exc:
            raise StoreUnavailable(f"feature store unavailable: {type(exc).__name__}: {exc}") from None

    return wrapper


def as_str(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


class RedisBase:
    """Holds the redis.asyncio clients (standalone or cluster) and the Lua scripts registered on them.

    `_client` has the per-request timeout (Settings.store_timeout_ms); `_bulk` (protocol.BULK_TIMEOUT_MS) moves
    whole arrays, whose 8 MB parts cannot cross a network within a 50 ms request budget.
    """

    def __init__(self, client: Any, prefix: str, bulk: Any = None) -> None:
        self._client = client
        self._bulk = client if bulk is None else bulk  # whole arrays: hundreds of MB, a long timeout
        self._keys = Keys(prefix)
        self._activate = client.register_script(scripts.ACTIVATE)
        self._version_record = client.register_script(scripts.VERSION_RECORD)
        self._append = client.register_script(scripts.APPEND_EVENTS)
        self._move_out = client.register_script(scripts.MOVE_OUT)
        self._merge_in = client.register_script(scripts.MERGE_IN)
        self._erase = client.register_script(scripts.ERASE)
        self._take_budget = client.register_script(scripts.TAKE_BUDGET)
        self._take_caps = client.register_script(scripts.TAKE_CAPS)
        self._snapshot = client.register_script(scripts.SNAPSHOT)
        self._count_requests = client.register_script(scripts.COUNT_REQUESTS)
        self._set_consent = client.register_script(scripts.SET_CONSENT)
        self._rebuild_log_step = client.register_script(scripts.REBUILD_LOG_STEP)
        self._release_lock = client.register_script(scripts.RELEASE_LOCK)
        self._persist = client.register_script(scripts.PERSIST)

    async def _ensure_ready(self) -> None:
        """Called before every operation; the cluster backend loads its slot map here once."""

    async def _mget(self, keys: Sequence[str]) -> list[bytes | None]:
        """Many keys at once; the cluster backend groups them per slot."""
        if not keys:
            return []
        return list(await self._client.mget(keys))

    async def _mset(self, mapping: dict[str, bytes]) -> None:
        """Many keys at once; the cluster backend groups them per slot."""
        if mapping:
            await self._client.mset(mapping)

    async def _delete_matching(self, pattern: str) -> int:
        """UNLINK every key matching a glob pattern (SCAN in batches; the cluster client scans every node)."""
        removed, batch = 0, []
        async for key in self._client.scan_iter(match=pattern, count=1000):
            batch.append(key)
            if len(batch) >= 500:
                removed += await self._unlink(batch)
                batch = []
        return removed + await self._unlink(batch)

    async def _unlink(self, keys: Sequence[bytes | str]) -> int:
        if not keys:
            return 0
        pipe = self._client.pipeline(transaction=False)
        for key in keys:
            pipe.execute_command("UNLINK", key)  # one key per command: valid on any slot
        return sum(int(n) for n in await pipe.execute())

    @translate_errors
    async def ping(self) -> None:
        await self._client.ping()

    @translate_errors
    async def persistence(self) -> Persistence:
        return await node_persistence(self._client.execute_command)

    @translate_errors
    async def write_marker(self, what: str) -> None:
        await self._client.hset(self._keys.named("marker"), what, repr(time.time()))

    @translate_errors
    async def read_marker(self) -> dict[str, float]:
        return {as_str(k): float(v) for k, v in (await self._client.hgetall(self._keys.named("marker"))).items()}

    async def close(self) -> None:
        # closing a store whose server is gone has nothing left to release
        with contextlib.suppress(redis_errors.RedisError, redis_errors.RedisClusterException, OSError):
            await self._client.aclose()
            if self._bulk is not self._client:
                await self._bulk.aclose()
