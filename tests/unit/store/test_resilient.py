"""ResilientStore over the memory store: domain errors pass through (outages: integration/test_resilient_outage.py)."""

from __future__ import annotations

import pytest

from omnirec.store.factory import open_store
from omnirec.store.records import CustomerEvent
from omnirec.store.resilient import ResilientStore
from tiny_data import customer_event

pytestmark = pytest.mark.anyio


def event(n: int) -> CustomerEvent:
    return customer_event("u1", f"i{n}", at=1_760_000_000 + n)


async def test_domain_errors_pass_through_and_keep_the_store_healthy() -> None:
    store = ResilientStore(open_store("memory://"), timeout_ms=100)
    with pytest.raises(ValueError):
        await store.activate("no-such-version")
    assert store.healthy and store.health.failures_total == 0
    assert await store.check()
    assert (await store.append_events("u1", [event(1), event(1)], cap=10)).stored == [True, False]
