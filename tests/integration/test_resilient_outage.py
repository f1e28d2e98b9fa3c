"""ResilientStore over a real redis-server the test stops, freezes and restarts: bounded failures, self-recovery."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import Iterator

import pytest

from omnirec.errors import StoreUnavailable
from omnirec.store.factory import open_store
from omnirec.store.records import CustomerEvent
from omnirec.store.resilient import ResilientStore, open_resilient_store
from redis_servers import RedisServer

pytestmark = pytest.mark.anyio
TIMEOUT_MS = 100


def event(n: int) -> CustomerEvent:
    return CustomerEvent(
        user_id="u1", item_id=f"i{n}", event_type="view", timestamp=1_760_000_000 + n, channel="web", event_id=f"e{n}"
    )


async def timed_failure(call: object) -> float:
    start = time.perf_counter()
    with pytest.raises(StoreUnavailable):
        await call  # type: ignore[misc]
    return time.perf_counter() - start


async def wait_for_recovery(store: ResilientStore, limit_s: float = 5.0) -> float:
    start = time.perf_counter()
    while time.perf_counter() - start < limit_s:
        if await store.check():
            return time.perf_counter() - start
        await asyncio.sleep(0.05)
    raise AssertionError(f"store did not recover within {limit_s} s")


@pytest.fixture
def frozen(redis_server_process: RedisServer) -> Iterator[RedisServer]:
    yield redis_server_process
    proc = redis_server_process._proc
    if proc is not None and proc.poll() is None:
        os.kill(proc.pid, signal.SIGCONT)


async def test_killed_server_fails_fast_and_recovers_without_a_new_store(redis_server_process: RedisServer) -> None:
    store = open_resilient_store(redis_server_process.url, prefix="rs", timeout_ms=TIMEOUT_MS)
    await store.append_events("u1", [event(1)], cap=10)
    assert store.healthy
    redis_server_process.stop()
    for _ in range(3):
        assert await timed_failure(store.get_customer("u1")) < 0.5
    assert await timed_failure(store.append_events("u1", [event(2)], cap=10)) < 0.5
    assert not store.healthy and store.health.last_error
    assert await timed_failure(store.active_version()) < 0.01  # breaker open: not even tried
    assert not await store.check()
    redis_server_process.start()  # same port, empty data
    await wait_for_recovery(store)
    assert store.healthy
    result = await store.append_events("u1", [event(2)], cap=10)
    assert result.stored == [True]
    assert [e.item_id for e in (await store.get_customer("u1")).recent_events] == ["i2"]
    await store.close()


async def test_frozen_server_is_cut_off_at_the_timeout(frozen: RedisServer) -> None:
    store = ResilientStore(open_store(frozen.url, prefix="rs", timeout_ms=5000), TIMEOUT_MS, write_timeout_ms=300)
    await store.ping()  # connection established before the freeze
    assert frozen._proc is not None
    os.kill(frozen._proc.pid, signal.SIGSTOP)  # accepts nothing, answers nothing: only our bound helps
    read = await timed_failure(store.get_customer("u1"))
    assert TIMEOUT_MS / 1000 * 0.9 < read < TIMEOUT_MS / 1000 + 0.15
    write = await timed_failure(store.append_events("u1", [event(1)], cap=10))
    assert 0.27 < write < 0.45
    assert "longer than 300 ms" in str(store.health.last_error)
    os.kill(frozen._proc.pid, signal.SIGCONT)
    await wait_for_recovery(store)
    assert (await store.append_events("u1", [event(3)], cap=10)).stored == [True]
    await store.close()


async def test_domain_errors_pass_through_and_keep_the_store_healthy() -> None:
    store = ResilientStore(open_store("memory://"), TIMEOUT_MS)
    with pytest.raises(ValueError):
        await store.activate("no-such-version")
    assert store.healthy and store.health.failures_total == 0
    assert await store.check()
    assert (await store.append_events("u1", [event(1), event(1)], cap=10)).stored == [True, False]
