"""Store contract under concurrency: many coroutines on one store (and, for Redis, several clients)."""

from __future__ import annotations

import asyncio

import pytest

from omnirec.store.factory import open_store
from omnirec.store.protocol import FeatureStore
from omnirec.store.records import CustomerEvent, ImpressionRequest

pytestmark = pytest.mark.anyio


async def clients(store: FeatureStore, store_url: str, n: int) -> list[FeatureStore]:
    """The shared store for memory://, otherwise n independent connections to the same server."""
    if store_url.startswith("memory"):
        return [store] * n
    return [open_store(store_url, prefix="t", timeout_ms=2000) for _ in range(n)]


async def test_budget_of_five_is_taken_exactly_five_times(store: FeatureStore, store_url: str) -> None:
    pool = await clients(store, store_url, 5)
    requests = [
        ImpressionRequest(customer_id=f"c{i}", offer_id="voucher", channel="app", now=100, budget=5) for i in range(50)
    ]
    taken = await asyncio.gather(*(pool[i % 5].take_impression(r) for i, r in enumerate(requests)))
    assert sum(taken) == 5


async def test_cap_of_one_under_concurrency(store: FeatureStore, store_url: str) -> None:
    pool = await clients(store, store_url, 5)
    request = ImpressionRequest(
        customer_id="c1", offer_id="o", channel="web", now=100, cap_count=1, cap_seconds=3600, budget=100
    )
    taken = await asyncio.gather(*(pool[i % 5].take_impression(request) for i in range(30)))
    assert sum(taken) == 1
    # refused attempts gave their budget back: 99 left for other customers
    others = [
        ImpressionRequest(customer_id=f"x{i}", offer_id="o", channel="web", now=100, budget=100) for i in range(120)
    ]
    assert sum(await asyncio.gather(*(pool[0].take_impression(r) for r in others))) == 99


async def test_concurrent_duplicate_events_are_stored_once(store: FeatureStore, store_url: str) -> None:
    pool = await clients(store, store_url, 4)
    event = CustomerEvent(user_id="c1", item_id="i", event_type="purchase", timestamp=5, channel="web", event_id="e-1")
    results = await asyncio.gather(*(pool[i % 4].append_events("c1", [event], cap=10) for i in range(20)))
    assert sum(r.stored[0] for r in results) == 1
    assert (await store.get_customer("c1")).purchase_counts == {"i": 1}
    logged = {e.event.event_id for e in await store.read_event_log(None, 100)}
    assert logged == {"e-1"}  # at-least-once log: repeats allowed, readers dedup by event_id


async def test_events_racing_a_link_all_land_on_the_customer(store: FeatureStore, store_url: str) -> None:
    pool = await clients(store, store_url, 4)
    events = [
        CustomerEvent(user_id="anon", item_id=f"i{n}", event_type="view", timestamp=n, channel="web", event_id=f"e{n}")
        for n in range(40)
    ]
    appends = [pool[n % 4].append_events("anon", [e], cap=100) for n, e in enumerate(events)]
    await asyncio.gather(*appends[:20], store.link_identity("anon", "cust"), *appends[20:])
    state = await store.get_customer("cust")
    assert {e.event_id for e in state.recent_events} == {e.event_id for e in events}
