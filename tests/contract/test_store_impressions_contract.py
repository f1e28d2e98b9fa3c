"""Store contract, impressions: kept in the event log apart from events, moved by links, erased with the customer."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from omnirec.store.protocol import FeatureStore
from omnirec.store.records import CustomerEvent, ImpressionRecord, OfferArm

pytestmark = pytest.mark.anyio


def impression(rec: str, user: str, items: list[str], ts: int = 1000) -> ImpressionRecord:
    return ImpressionRecord(
        recommendation_id=rec, kind="list", user_id=user, timestamp=ts, channel="email", items=items
    )


def event(user: str, item: str, ts: int) -> CustomerEvent:
    return CustomerEvent(
        user_id=user, item_id=item, event_type="purchase", timestamp=ts, channel="store", event_id=item
    )


async def test_impressions_round_trip_and_stay_out_of_the_event_export(store: FeatureStore) -> None:
    offer = ImpressionRecord(
        recommendation_id="r2", kind="offer", user_id="c1", timestamp=1001, channel="email", offer_id="o1",
        probability=0.25, arms=[OfferArm("o1", 10.0, 2.0, 3.0), OfferArm("o2", 5.0, 1.0, 1.0)],
    )  # fmt: skip
    await store.log_impressions([impression("r1", "c1", ["a", "b"])])
    await store.append_events("c1", [event("c1", "a", 1002)], cap=10)
    await store.log_impressions([offer])
    entries = await store.read_impressions(None, 10)
    assert [e.record for e in entries] == [impression("r1", "c1", ["a", "b"]), offer]
    assert [e.event.item_id for e in await store.read_event_log(None, 10)] == ["a"]
    # paging: after the first record, only the second; a page of one event skips the impressions around it
    assert [e.record.recommendation_id for e in await store.read_impressions(entries[0].position, 10)] == ["r2"]
    assert len(await store.read_event_log(None, 1)) == 1
    assert await store.read_event_log((await store.read_event_log(None, 1))[0].position, 10) == []


async def test_recent_impressions_of_a_customer_follow_links(store: FeatureStore) -> None:
    await store.log_impressions([impression("r1", "card-9", ["a"], ts=900)])
    await store.log_impressions([impression("r2", "c1", ["b"], ts=1000)])
    await store.log_impressions([impression("r3", "c2", ["c"], ts=1000)])
    await store.append_events("c1", [event("c1", "b", 1001)], cap=10)
    await store.link_identity("card-9", "c1")
    assert [r.recommendation_id for r in await store.recent_impressions("card-9", since=0)] == ["r1", "r2"]
    assert [r.recommendation_id for r in await store.recent_impressions("c1", since=950)] == ["r2"]
    assert await store.recent_impressions("nobody", since=0) == []


async def test_a_link_moves_impressions_and_erasure_removes_them(
    store: FeatureStore, all_keys: Callable[[], list[str]]
) -> None:
    await store.log_impressions([impression("r1", "card-9", ["a"])])
    await store.log_impressions([impression("r2", "c2", ["b"]), impression("r5", "c3", ["e"])])
    await store.link_identity("card-9", "c1")
    await store.log_impressions([impression("r3", "card-9", ["c"])])  # an alias now: goes to c1
    await store.log_impressions([impression("r4", "c1", ["d"])])
    assert len(await store.read_impressions(None, 10)) == 5
    await store.erase_customer("c1")
    remaining = await store.read_impressions(None, 10)
    assert [e.record.recommendation_id for e in remaining] == ["r2", "r5"]
    assert not [k for k in all_keys() if "card-9" in k or ":c1}" in k or ":c1" in k.split("#")[-1]]


async def test_one_call_holds_many_customers_and_follows_their_links(store: FeatureStore) -> None:
    await store.link_identity("card-1", "c1")
    batch = [impression("r1", "c1", ["a"]), impression("r2", "card-1", ["b"]), impression("r3", "c2", ["c"])]
    await store.log_impressions(batch)
    assert [r.recommendation_id for r in await store.recent_impressions("c1", since=0)] == ["r1", "r2"]
    assert [r.recommendation_id for r in await store.recent_impressions("c2", since=0)] == ["r3"]
    assert sorted(e.record.recommendation_id for e in await store.read_impressions(None, 10)) == ["r1", "r2", "r3"]


async def test_impressions_written_after_an_erasure_are_dropped(
    store: FeatureStore, all_keys: Callable[[], list[str]]
) -> None:
    """The service writes impressions after answering: records served before an erasure (to the customer or
    a linked card) that reach the store after it are dropped, in a batch with others' records or alone."""
    await store.link_identity("card-9", "c1")
    await store.log_impressions([impression("r1", "c1", ["a"])])
    await store.erase_customer("card-9")
    late = [impression("r2", "c1", ["b"]), impression("r3", "card-9", ["c"]), impression("r4", "c2", ["d"])]
    await store.log_impressions(late)
    await store.log_impressions([impression("r5", "card-9", ["e"])])
    assert [e.record.recommendation_id for e in await store.read_impressions(None, 10)] == ["r4"]
    assert await store.recent_impressions("c1", since=0) == []
    assert not [k for k in all_keys() if "card-9" in k or ":c1}" in k or ":c1" in k.split("#")[-1]]
