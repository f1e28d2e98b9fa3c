"""The `store` fixture: every contract test runs against memory://, a real redis-server and a real cluster."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from omnirec.store.factory import open_store
from omnirec.store.protocol import FeatureStore

BACKENDS = ("memory", "redis", "cluster")


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(params=BACKENDS)
def store_url(request: pytest.FixtureRequest) -> str:
    """A clean store URL per test: the Redis keyspaces are flushed before each test."""
    if request.param == "memory":
        return "memory://"
    servers = request.getfixturevalue("redis_server" if request.param == "redis" else "redis_cluster")
    servers.flush()
    return str(servers.url)


@pytest.fixture
async def store(store_url: str) -> AsyncIterator[FeatureStore]:
    opened = open_store(store_url, prefix="t", timeout_ms=2000)
    yield opened
    await opened.close()


@pytest.fixture
def all_keys(store: FeatureStore, store_url: str, request: pytest.FixtureRequest) -> object:
    """A function listing every key name the backend holds (a keyspace SCAN; memory: debug_keys())."""

    def keys() -> list[str]:
        if store_url.startswith("memory"):
            return list(store.debug_keys())  # type: ignore[attr-defined]
        if store_url.startswith("redis+cluster"):
            return list(request.getfixturevalue("redis_cluster").all_keys())
        client = request.getfixturevalue("redis_server").client()
        return [k.decode() for k in client.scan_iter(count=1000)]

    return keys
