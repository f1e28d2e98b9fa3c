"""Fixtures for tests that run on the embedded store and on a real redis-server alike."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from omnirec.store.factory import open_store
from omnirec.store.protocol import FeatureStore


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(params=["memory", "redis"])
async def store(request: pytest.FixtureRequest) -> AsyncIterator[FeatureStore]:
    """An open store, memory:// or a flushed real redis-server (tests/contract overrides this with cluster too)."""
    url = "memory://"
    if request.param == "redis":
        server = request.getfixturevalue("redis_server")
        server.flush()
        url = server.url
    opened = open_store(url, prefix="t", timeout_ms=2000)
    yield opened
    await opened.close()
