"""tests/unit needs no redis-server: a unit test that asks for one, or starts one, fails with where it belongs."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from redis_servers import RedisServer

REDIS_FIXTURES = frozenset({"redis_server", "redis_cluster", "redis_server_process"})
MOVE = "tests/unit must run without redis-server: move this test to tests/integration (or tests/contract)"


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Refuse the Redis fixtures by name (a session server may already run, started by another test)."""
    used = sorted(REDIS_FIXTURES.intersection(getattr(item, "fixturenames", ())))
    if used:
        pytest.fail(f"{item.nodeid} uses {', '.join(used)}. {MOVE}", pytrace=False)


@pytest.fixture(autouse=True)
def no_redis_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Refuse a RedisServer a unit test builds and starts itself."""

    def refuse(self: RedisServer) -> None:
        pytest.fail(f"a unit test started redis-server on port {self.port}. {MOVE}", pytrace=False)

    monkeypatch.setattr(RedisServer, "start", refuse)
    yield
