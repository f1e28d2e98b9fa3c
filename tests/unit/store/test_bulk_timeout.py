"""One bulk bound: the Redis backends' bulk sockets time out when ResilientStore's bulk deadline does."""

from __future__ import annotations

from omnirec.store.memory import MemoryStore
from omnirec.store.protocol import BULK_TIMEOUT_MS
from omnirec.store.redis_store import RedisStore
from omnirec.store.resilient import ResilientStore


def test_redis_bulk_sockets_and_the_wrapper_share_one_bulk_timeout() -> None:
    wrapper = ResilientStore(MemoryStore(), timeout_ms=50)
    assert wrapper.bulk_timeout_s == BULK_TIMEOUT_MS / 1000
    standalone = RedisStore.from_url("redis://127.0.0.1:1/0", prefix="t", timeout_ms=50)  # connects on first use
    assert standalone.client.bulk.connection_pool.connection_kwargs["socket_timeout"] == wrapper.bulk_timeout_s
    assert standalone.client.main.connection_pool.connection_kwargs["socket_timeout"] == 0.05
    cluster = RedisStore.from_url("redis+cluster://127.0.0.1:1", prefix="t", timeout_ms=50)
    assert cluster.client.bulk.connection_kwargs["socket_timeout"] == wrapper.bulk_timeout_s
