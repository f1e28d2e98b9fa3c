"""The generic resilience wrapper over the embedded store: per-call bounds, breaker, on_error, pass-through."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

import pytest

from omnirec.errors import StoreUnavailable
from omnirec.store.health import StoreHealth
from omnirec.store.memory import MemoryStore
from omnirec.store.protocol import CALL_BOUNDS, FeatureStore
from omnirec.store.records import CustomerState
from omnirec.store.resilient import ResilientStore, resilient

NEVER_MS = 600_000  # a bound no test reaches: the call it guards is released by the test


class Gated(MemoryStore):
    """The embedded store whose get_customer and set_features wait for `gate`; get_customer can fail."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = asyncio.Event()
        self.calls = 0
        self.down = False

    async def get_customer(self, any_id: str) -> CustomerState:
        self.calls += 1
        if self.down:
            raise StoreUnavailable("connection refused")
        await self.gate.wait()
        return await super().get_customer(any_id)

    async def set_features(self, any_id: str, features: Mapping[str, str]) -> None:
        await self.gate.wait()
        await super().set_features(any_id, features)

    async def close(self) -> None:
        raise StoreUnavailable("already gone")


def test_every_store_method_declares_its_bound() -> None:
    methods = {name for name in dir(FeatureStore) if not name.startswith("_")}
    assert methods - CALL_BOUNDS.keys() == set()
    assert CALL_BOUNDS["customer_snapshot"] == "read" and CALL_BOUNDS["append_events"] == "write"
    assert CALL_BOUNDS["read_model_arrays"] == "bulk" and CALL_BOUNDS["close"] == "release"


def test_a_read_is_cut_off_at_the_read_bound_while_a_write_gets_the_write_bound() -> None:
    async def main() -> None:
        inner, errors = Gated(), []
        wrapper = ResilientStore(inner, timeout_ms=20, write_timeout_ms=NEVER_MS, on_error=errors.append)
        store = wrapper.store
        write = asyncio.create_task(store.set_features("u1", {"segment": "diy"}))
        with pytest.raises(StoreUnavailable, match="get_customer within 20 ms"):
            await store.get_customer("u1")
        assert not write.done()  # started first, still within its own (longer) bound
        inner.gate.set()
        await write
        assert (await store.get_customer("u1")).features == {"segment": "diy"}
        assert errors == ["get_customer"]
        assert wrapper.health.slow_total == 1 and wrapper.healthy  # a slow read is no sign of an outage

    asyncio.run(main())


def test_repeated_failures_open_the_breaker_and_every_failure_is_reported() -> None:
    async def main() -> None:
        inner, errors = Gated(), []
        health = StoreHealth(failure_threshold=3, cooldown_s=NEVER_MS / 1000)
        store = resilient(inner, NEVER_MS, health=health, on_error=errors.append)
        inner.down = True
        for _ in range(3):
            with pytest.raises(StoreUnavailable, match="connection refused"):
                await store.get_customer("u1")
        with pytest.raises(StoreUnavailable, match="not tried: get_customer"):
            await store.get_customer("u1")
        assert inner.calls == 3 and errors == ["get_customer"] * 4 and not health.healthy

    asyncio.run(main())


def test_the_store_is_tried_again_after_the_cooldown_and_an_answer_heals_it() -> None:
    async def main() -> None:
        inner = Gated()
        health = StoreHealth(failure_threshold=1, cooldown_s=0.0)
        store = resilient(inner, NEVER_MS, health=health)
        inner.down = True
        with pytest.raises(StoreUnavailable):
            await store.get_customer("u1")
        inner.down, inner.gate = False, asyncio.Event()
        inner.gate.set()
        assert (await store.get_customer("u1")).customer_id == "u1"
        assert health.healthy and health.consecutive_failures == 0

    asyncio.run(main())


def test_domain_errors_pass_unreported_and_other_attributes_pass_through() -> None:
    async def main() -> None:
        inner, errors = Gated(), []
        wrapper = ResilientStore(inner, NEVER_MS, on_error=errors.append)
        with pytest.raises(ValueError):
            await wrapper.store.activate("no-such-version")
        assert errors == [] and wrapper.healthy and wrapper.health.failures_total == 0
        assert wrapper.debug_keys() == inner.debug_keys()  # not a store method: unwrapped
        await wrapper.store.close()  # a store that is gone has nothing to release: no error

    asyncio.run(main())


def test_the_request_snapshot_crosses_the_wrapper_once() -> None:
    class Counting(StoreHealth):
        answers = 0

        def record_ok(self) -> None:
            self.answers += 1
            super().record_ok()

    async def main() -> None:
        health = Counting()
        store = resilient(MemoryStore(), NEVER_MS, health=health)
        snapshot = await store.customer_snapshot("u1", "v1", "s1")
        assert snapshot.state.customer_id == "u1" and snapshot.unavailable == set()
        assert health.answers == 1

    asyncio.run(main())
