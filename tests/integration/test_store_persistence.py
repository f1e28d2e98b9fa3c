"""The service reads the store's persistence at start: a warning and durable: false without AOF, the fsync
policy with it, INFO persistence on servers that forbid CONFIG (real redis-server processes)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from api_client import api_settings, app_client
from bundle_factory import make_bundle
from omnirec.store.factory import open_store
from redis_servers import RedisServer

pytestmark = pytest.mark.anyio
AOF_ALWAYS = ("--appendonly", "yes", "--appendfsync", "always")
NO_CONFIG = ("--appendonly", "yes", "--rename-command", "CONFIG", "")  # as many managed services do


@pytest.fixture
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[RedisServer]:
    started = RedisServer(tmp_path / "redis", extra_args=request.param)
    started.start()
    yield started
    started.stop()


@pytest.mark.parametrize(
    ("server", "durable", "detail"),
    [
        ((), False, "appendonly no"),
        (AOF_ALWAYS, True, "appendfsync always: a crash loses no acknowledged write"),
        (NO_CONFIG, True, "CONFIG is not allowed"),
    ],
    indirect=["server"],
)
async def test_persistence_is_read_from_config_or_info(server: RedisServer, durable: bool, detail: str) -> None:
    store = open_store(server.url, prefix="p", timeout_ms=2000)
    try:
        persistence = await store.persistence()
    finally:
        await store.close()
    assert persistence.durable is durable and detail in persistence.detail, persistence


class Collect(logging.Handler):
    """On the omnirec.store logger itself: Litestar's logging config replaces the root's (and caplog's) handlers."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@pytest.mark.parametrize("server", [(), AOF_ALWAYS], indirect=True, ids=["no-aof", "aof"])
async def test_readiness_carries_durable_and_the_start_warns_without_persistence(server: RedisServer) -> None:
    aof = bool(server.extra_args)
    settings = api_settings(store_url=server.url, key_prefix="p", store_timeout_ms=500)
    collect, logger = Collect(), logging.getLogger("omnirec.store")
    logger.addHandler(collect)
    try:
        async with app_client(make_bundle(n_items=20, n_users=3, seed=3), settings=settings) as (client, _):
            ready = await client.get("/health/ready")
    finally:
        logger.removeHandler(collect)
    assert ready.status_code == 200 and ready.json()["durable"] is aof, ready.text
    assert any("does not persist writes" in m for m in collect.messages) is not aof, collect.messages
