"""The one fixtures module: the anyio backend, real Redis servers and the `store` over every backend.

The BLAS pool is pinned first, as the `omnirec` command pins it (OMNIREC_BLAS_THREADS, default 1): the
variables reach numpy when it loads after this, threadpoolctl limits it when a plugin loaded it before.
Subprocesses the tests start inherit the variables.
"""

from omnirec.cli.blas import pin_blas_threads

pin_blas_threads()

from collections.abc import AsyncIterator, Callable  # noqa: E402

import pytest  # noqa: E402

from omnirec.store.factory import open_store  # noqa: E402
from omnirec.store.protocol import FeatureStore  # noqa: E402
from redis_servers import redis_cluster, redis_server, redis_server_process  # noqa: E402

__all__ = ["redis_cluster", "redis_server", "redis_server_process"]

STORE_BACKENDS = ("memory", "redis", "cluster")
STORE_TIMEOUT_MS = 5000  # generous: a loaded 2-core box must not turn a slow reply into a failed test


@pytest.fixture
def anyio_backend() -> str:
    """Every `pytest.mark.anyio` test runs on asyncio (the service's loop)."""
    return "asyncio"


@pytest.fixture(params=STORE_BACKENDS)
def store_url(request: pytest.FixtureRequest) -> str:
    """A clean store URL per test: memory://, or a real redis-server / 3-master cluster flushed before the test."""
    if request.param == "memory":
        return "memory://"
    servers = request.getfixturevalue("redis_server" if request.param == "redis" else "redis_cluster")
    servers.flush()
    return str(servers.url)


@pytest.fixture
async def store(store_url: str) -> AsyncIterator[FeatureStore]:
    """An open store on each backend in turn: a test that takes it runs once per backend."""
    opened = open_store(store_url, prefix="t", timeout_ms=STORE_TIMEOUT_MS)
    yield opened
    await opened.close()


@pytest.fixture
def all_keys(store: FeatureStore, store_url: str, request: pytest.FixtureRequest) -> Callable[[], list[str]]:
    """A function listing every key name the backend holds (a keyspace SCAN; memory: debug_keys())."""

    def keys() -> list[str]:
        if store_url.startswith("memory"):
            return list(store.debug_keys())  # type: ignore[attr-defined]
        if store_url.startswith("redis+cluster"):
            return list(request.getfixturevalue("redis_cluster").all_keys())
        client = request.getfixturevalue("redis_server").client()
        return [k.decode() for k in client.scan_iter(count=1000)]

    return keys
