"""ResilientStore over a real redis-server the test stops, freezes and restarts: bounded failures, self-recovery.

No wall-clock upper bound tighter than a loaded machine keeps: the inner client's socket timeout is a
minute, so a call the wrapper did not cut off would hang far past the generous DEADLINE_S; which bound
cut it off is read from the error the wrapper recorded.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import Awaitable, Iterator

import pytest

from omnirec.errors import StoreUnavailable
from omnirec.store.factory import open_store
from omnirec.store.health import StoreHealth
from omnirec.store.records import CustomerEvent
from omnirec.store.resilient import ResilientStore
from redis_servers import RedisServer
from tiny_data import customer_event
from waiting import eventually

pytestmark = pytest.mark.anyio
TIMEOUT_MS = 100
DEADLINE_S = 10.0  # 100 x the read bound: only a call nothing cut off takes this long


def event(n: int) -> CustomerEvent:
    return customer_event("u1", f"i{n}", at=1_760_000_000 + n)


async def failure(call: Awaitable[object]) -> tuple[StoreUnavailable, float]:
    """The StoreUnavailable the call raised and how long it took (a call still pending at DEADLINE_S fails)."""
    start = time.monotonic()
    with pytest.raises(StoreUnavailable) as raised:
        await asyncio.wait_for(call, DEADLINE_S)
    return raised.value, time.monotonic() - start


class ManualBreaker(StoreHealth):
    """StoreHealth whose open breaker stays open until the test ends the cooldown (StoreHealth reads the
    monotonic clock itself, so a short real cooldown could end on a loaded machine before the test looks)."""

    def end_cooldown(self) -> None:
        self._open_until = 0.0


async def recovered(store: ResilientStore) -> None:
    await eventually(store.check, "the store did not recover after redis-server came back")


@pytest.fixture
def frozen(redis_server_process: RedisServer) -> Iterator[RedisServer]:
    yield redis_server_process
    proc = redis_server_process._proc
    if proc is not None and proc.poll() is None:
        os.kill(proc.pid, signal.SIGCONT)


async def test_killed_server_fails_fast_and_recovers_without_a_new_store(redis_server_process: RedisServer) -> None:
    breaker = ManualBreaker(cooldown_s=3600)
    inner = open_store(redis_server_process.url, prefix="rs", timeout_ms=60_000)
    store = ResilientStore(inner, TIMEOUT_MS, health=breaker)
    await store.append_events("u1", [event(1)], cap=10)
    assert store.healthy
    redis_server_process.stop()
    for _ in range(3):
        await failure(store.get_customer("u1"))  # connection refused: reported, not waited on
    assert breaker.failures_total == 3 and not store.healthy and store.health.last_error
    error, _ = await failure(store.append_events("u1", [event(2)], cap=10))
    assert "not tried" in str(error)  # breaker open: the store is not even tried
    assert breaker.failures_total == 3
    assert not await store.check()
    redis_server_process.start()  # same port, empty data
    assert not await store.check()  # still open: the cooldown has not ended
    breaker.end_cooldown()
    await recovered(store)
    assert store.healthy
    result = await store.append_events("u1", [event(2)], cap=10)
    assert result.stored == [True]
    assert [e.item_id for e in (await store.get_customer("u1")).recent_events] == ["i2"]
    await store.close()


async def test_frozen_server_is_cut_off_at_the_timeout(frozen: RedisServer) -> None:
    inner = open_store(frozen.url, prefix="rs", timeout_ms=60_000)  # the socket alone would wait a minute
    store = ResilientStore(inner, TIMEOUT_MS, write_timeout_ms=300)
    await store.ping()  # connection established before the freeze
    assert frozen._proc is not None
    os.kill(frozen._proc.pid, signal.SIGSTOP)  # accepts nothing, answers nothing: only our bound helps
    _, read = await failure(store.get_customer("u1"))
    assert read >= 0.09 and "longer than 100 ms" in str(store.health.last_error)  # the read bound cut it off
    assert store.health.slow_total == 1 and store.healthy  # a slow read alone does not mark the store down
    _, write = await failure(store.append_events("u1", [event(1)], cap=10))
    assert write >= 0.29 and "longer than 300 ms" in str(store.health.last_error)  # the write bound, not the read
    assert not store.healthy
    os.kill(frozen._proc.pid, signal.SIGCONT)
    await recovered(store)
    assert (await store.append_events("u1", [event(3)], cap=10)).stored == [True]
    await store.close()
