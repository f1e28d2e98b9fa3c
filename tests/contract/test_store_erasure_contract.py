"""Store contract, erasure leaves nothing: every key's DUMP (Redis) or every object (memory) is searched."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest

from bundle_factory import make_bundle
from erasure_scan import object_traces, redis_traces
from omnirec.bundle.format import ModelBundle
from omnirec.publishing import publish_bundle
from omnirec.store.customer_rules import id_digest
from omnirec.store.protocol import FeatureStore
from omnirec.store.records import CustomerEvent, ImpressionRequest

pytestmark = pytest.mark.anyio
GONE = "cust-erase-7f3a91"  # ids distinctive enough that no other byte string holds them by chance
ANON = "anon-erase-c41b0e"
KEEP = "cust-keep-55d2"
OTHER = "cust-erase-too-e81c"


def ev(user: str, n: int) -> CustomerEvent:
    return CustomerEvent(
        user_id=user, item_id=f"i{n % 7}", event_type="purchase" if n % 3 == 0 else "view",
        timestamp=1_700_000_000 + n, channel="web", event_id=f"{user}-e{n}",
    )  # fmt: skip


def bundle_with_users(seed: int) -> ModelBundle:
    bundle = make_bundle(n_items=20, n_users=4, seed=seed)
    arrays = dict(bundle.arrays)
    arrays["user_ids"] = np.array([KEEP, GONE, ANON, "u3"])
    return ModelBundle(bundle.manifest, arrays)


@pytest.fixture
def traces(store: FeatureStore, store_url: str, request: pytest.FixtureRequest) -> object:
    def find(ids: list[str]) -> list[str]:
        if store_url.startswith("memory"):
            return object_traces(store, ids)
        if store_url.startswith("redis+cluster"):
            nodes = request.getfixturevalue("redis_cluster").nodes
            return redis_traces([n.client() for n in nodes], ids)
        return redis_traces([request.getfixturevalue("redis_server").client()], ids)

    return find


async def test_erasure_leaves_no_trace_in_any_key(store: FeatureStore, traces) -> None:  # type: ignore[no-untyped-def]
    for seed in (1, 2):  # two stored versions, both trained on the customer
        await publish_bundle(bundle_with_users(seed), store)
    for n in range(40):  # interleaved with another customer's events: they share the log's stream nodes
        await store.append_events(KEEP, [ev(KEEP, n)], cap=50)
        await store.append_events(GONE if n % 2 else ANON, [ev(GONE if n % 2 else ANON, n)], cap=50)
    await store.link_identity(ANON, GONE)
    await store.set_consent(GONE, {"email": True})
    await store.set_features(GONE, {"segment": "diy"})
    request = ImpressionRequest(customer_id=GONE, offer_id="o1", channel="email", now=1_700_000_100, cap_count=3,
                                cap_seconds=86_400)  # fmt: skip
    assert await store.take_impression(request)
    assert traces([GONE, ANON])  # the scan sees them before (a scan that cannot find is no test)
    before = [e.position for e in await store.read_event_log(None, 1000) if e.event.user_id == KEEP]

    await store.erase_customer(ANON)  # through a linked id: the whole customer goes

    assert traces([GONE, ANON]) == []
    kept = await store.read_event_log(None, 1000)
    assert [e.position for e in kept] == before  # the other customer's events keep their log positions
    assert (await store.get_customer(KEEP)).recent_events
    await store.append_events(KEEP, [ev(KEEP, 99)], cap=50)
    latest = await store.read_event_log(before[-1], 10)
    assert [e.event.event_id for e in latest] == [f"{KEEP}-e99"]  # new positions stay after the old ones
    journal = await store.read_erasures(None, 10)
    assert [sorted(e.digests) for e in journal] == [sorted([id_digest(GONE), id_digest(ANON)])]
    assert await store.read_erasures(journal[-1].position, 10) == []
    for version in (bundle_with_users(1).version, bundle_with_users(2).version):
        ids = (await store.read_model_arrays(version, ["user_ids"]))["user_ids"].tolist()
        assert ids == [KEEP, "", "", "u3"]  # positions kept: the other customers' indices do not move


async def test_erasing_every_entry_keeps_the_log_position_moving_forward(store: FeatureStore, traces) -> None:  # type: ignore[no-untyped-def]
    await store.append_events(GONE, [ev(GONE, n) for n in range(3)], cap=10)
    last = (await store.read_event_log(None, 10))[-1].position
    await store.erase_customer(GONE)
    assert await store.read_event_log(None, 10) == [] and traces([GONE]) == []
    await store.append_events(KEEP, [ev(KEEP, 1)], cap=10)
    assert [e.event.event_id for e in await store.read_event_log(last, 10)] == [f"{KEEP}-e1"]


async def test_events_appended_while_erasures_rebuild_the_log_are_kept(
    store: FeatureStore,
    traces,  # type: ignore[no-untyped-def]
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Two erasures at once, appends going on, the rebuild copying 3 entries per step: nothing acknowledged is
    lost and neither erased customer is left (the erasure lock keeps one XDEL from landing in a half-made copy)."""
    monkeypatch.setattr("omnirec.store.redis_erasure.LOG_REBUILD_STEP", 3)
    owners = (GONE, OTHER, KEEP)
    for n in range(90):
        await store.append_events(owners[n % 3], [ev(owners[n % 3], n)], cap=100)
    await store.link_identity(ANON, GONE)

    async def append_more() -> list[bool]:
        stored = []
        for n in range(100, 140):
            stored += (await store.append_events(KEEP, [ev(KEEP, n)], cap=100)).stored
        return stored

    stored, _, _ = await asyncio.gather(append_more(), store.erase_customer(ANON), store.erase_customer(OTHER))
    assert all(stored)
    logged = {e.event.event_id for e in await store.read_event_log(None, 1000)}
    assert logged == {f"{KEEP}-e{n}" for n in (*range(2, 90, 3), *range(100, 140))}
    assert traces([GONE, ANON, OTHER]) == []
