"""Store contract, rate limits: one atomic request count per client and window, shared by every caller."""

from __future__ import annotations

import asyncio

import pytest

from omnirec.store.factory import open_store
from omnirec.store.protocol import FeatureStore
from waiting import eventually

pytestmark = pytest.mark.anyio
MINUTE_MS = 60_000


async def test_requests_are_counted_per_client_within_the_window(store: FeatureStore) -> None:
    counts = [await store.count_request("key:a", MINUTE_MS) for _ in range(3)]
    assert [c.count for c in counts] == [1, 2, 3]
    assert all(0 < c.reset_ms <= MINUTE_MS for c in counts)
    assert (await store.count_request("key:b", MINUTE_MS)).count == 1  # another client, another budget


async def test_concurrent_requests_get_distinct_counts(store: FeatureStore) -> None:
    counts = await asyncio.gather(*(store.count_request("key:a", MINUTE_MS) for _ in range(40)))
    assert sorted(c.count for c in counts) == list(range(1, 41))


async def test_two_store_clients_share_one_budget(store_url: str, store: FeatureStore) -> None:
    """Two workers (two clients of the same Redis) count against one budget; memory:// is per process."""
    if store_url.startswith("memory"):
        pytest.skip("the embedded store lives in one process")
    other = open_store(store_url, prefix="t", timeout_ms=2000)
    try:
        counts = await asyncio.gather(*(s.count_request("key:a", MINUTE_MS) for _ in range(20) for s in (store, other)))
    finally:
        await other.close()
    assert sorted(c.count for c in counts) == list(range(1, 41))


async def test_a_new_window_starts_after_the_last_one_ended(store: FeatureStore) -> None:
    first = [await store.count_request("key:a", 200) for _ in range(3)]
    assert first[-1].count == 3

    async def window_restarted() -> bool:  # Redis expires the window on its own clock: no clock to inject
        return (await store.count_request("key:a", 200)).count == 1

    await eventually(window_restarted, "the 200 ms window never ended")
