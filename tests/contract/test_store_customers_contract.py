"""Store contract, customers: events, purchases, cart, identity links, consent, erasure, event log."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from model_rows import rows
from omnirec.errors import InvalidRequest
from omnirec.store.protocol import FeatureStore
from omnirec.store.records import CustomerEvent, ImpressionRequest, ModelRows, ModelRowsBatch, VersionInfo

pytestmark = pytest.mark.anyio


def ev(user: str, item: str, kind: str = "view", ts: int = 1000, eid: str | None = None) -> CustomerEvent:
    return CustomerEvent(
        user_id=user,
        item_id=item,
        event_type=kind,
        timestamp=ts,
        channel="web",
        event_id=eid or f"{user}-{item}-{kind}-{ts}",
    )


async def test_events_are_capped_newest_first_and_idempotent(store: FeatureStore) -> None:
    events = [ev("c1", f"i{n}", ts=1000 + n) for n in range(8)]
    result = await store.append_events("c1", events, cap=5)
    assert result.stored == [True] * 8
    state = await store.get_customer("c1")
    assert [e.item_id for e in state.recent_events] == ["i7", "i6", "i5", "i4", "i3"]
    again = await store.append_events("c1", [events[0], ev("c1", "i9", ts=2000), events[7]], cap=5)
    assert again.stored == [False, True, False]
    state = await store.get_customer("c1")
    assert [e.item_id for e in state.recent_events][:2] == ["i9", "i7"]
    assert len(state.recent_events) == 5
    log = await store.read_event_log(None, 100)
    assert [e.event.event_id for e in log] == [e.event_id for e in events] + ["c1-i9-view-2000"]


async def test_purchases_and_cart(store: FeatureStore) -> None:
    await store.append_events("c1", [ev("c1", "a", "add_to_cart", 10), ev("c1", "b", "add_to_cart", 11)], cap=10)
    assert (await store.get_customer("c1")).cart == {"a": 10, "b": 11}
    await store.append_events("c1", [ev("c1", "a", "purchase", 20), ev("c1", "a", "purchase", 15)], cap=10)
    state = await store.get_customer("c1")
    assert state.cart == {"b": 11}
    assert state.purchases == {"a": 20}
    assert state.purchase_counts == {"a": 2}


async def test_unknown_customer_is_empty(store: FeatureStore) -> None:
    state = await store.get_customer("nobody")
    assert state.customer_id == "nobody" and state.is_empty and state.identities == []
    assert await store.resolve_customer("nobody") == "nobody"


async def test_consent_and_features(store: FeatureStore) -> None:
    assert await store.set_consent("c1", {"email": True, "profiling": False}) == {"email": True, "profiling": False}
    assert await store.set_consent("c1", {"profiling": True}) == {"email": True, "profiling": True}
    await store.set_features("c1", {"segment": "vip", "region": "north"})
    await store.set_features("c1", {"region": "south"})
    state = await store.get_customer("c1")
    assert state.consent == {"email": True, "profiling": True}
    assert state.features == {"segment": "vip", "region": "south"}


async def test_link_identity_merges_the_anonymous_profile(store: FeatureStore) -> None:
    await store.append_events("c1", [ev("c1", "x", "purchase", 100), ev("c1", "k", "view", 50)], cap=10)
    await store.set_consent("c1", {"email": True})
    anon = [ev("anon1", "a", "view", 60), ev("anon1", "b", "add_to_cart", 70), ev("anon1", "x", "purchase", 90)]
    await store.append_events("anon1", anon, cap=10)
    await store.set_consent("anon1", {"email": False, "sms": True})
    await store.link_identity("anon1", "c1")
    await store.link_identity("anon1", "c1")  # idempotent
    assert await store.resolve_customer("anon1") == "c1"
    state = await store.get_customer("anon1")
    assert state.customer_id == "c1" and state.identities == ["anon1"]
    assert [e.item_id for e in state.recent_events] == [
        "x",
        "x",
        "b",
        "a",
        "k",
    ]  # merged by time, trimmed at the next append
    assert state.purchases == {"x": 100} and state.purchase_counts == {"x": 2}
    assert state.cart == {"b": 70}
    assert state.consent == {"email": True, "sms": True}  # the customer's own choice wins
    # writes under the anonymous id now land on the customer; dedup sets were merged
    result = await store.append_events("anon1", [anon[0], ev("anon1", "z", "view", 200)], cap=10)
    assert result.stored == [False, True]
    assert (await store.get_customer("c1")).recent_events[0].item_id == "z"
    assert (await store.get_customer("anon1")).customer_id == "c1"
    ids, _ = await store.scan_customers(None, 10)
    assert ids == ["c1"]
    await store.append_events("other", [ev("other", "q")], cap=10)
    with pytest.raises(InvalidRequest):
        await store.link_identity("anon1", "other")


async def test_erasure_removes_every_key_of_the_customer(
    store: FeatureStore, all_keys: Callable[[], list[str]]
) -> None:
    await store.append_events("anon-77", [ev("anon-77", "a", "add_to_cart", 5)], cap=10)
    await store.link_identity("anon-77", "cust-42")
    await store.append_events("cust-42", [ev("cust-42", "b", "purchase", 9)], cap=10)
    await store.set_consent("cust-42", {"email": True})
    await store.set_features("anon-77", {"segment": "vip"})
    request = ImpressionRequest(
        customer_id="cust-42",
        offer_id="o1",
        channel="web",
        now=100,
        cap_count=3,
        cap_seconds=60,
        fatigue_count=3,
        fatigue_seconds=60,
        budget=10,
    )
    assert await store.take_impression(request)
    await store.append_events("keep", [ev("keep", "a")], cap=10)
    # the published model holds the customer's trained vector and training history as rows too
    await store.stage_version(VersionInfo(version="v-erase", state="staging", created_at="", published_at=1.0))
    seen = ("a", "view", 1, "web")
    await store.write_model_rows(
        "v-erase", ModelRowsBatch.of({i: rows(1, seen) for i in ("cust-42", "anon-77", "keep")})
    )
    assert any("cust-42" in k for k in all_keys())
    removed = await store.erase_customer("anon-77")
    assert removed > 0
    left = [k for k in all_keys() if "cust-42" in k or "anon-77" in k]
    assert left == []
    assert await store.resolve_customer("anon-77") == "anon-77"
    assert (await store.get_customer("cust-42")).is_empty
    log = await store.read_event_log(None, 100)
    assert [e.event.user_id for e in log] == ["keep"]
    assert (await store.scan_customers(None, 10))[0] == ["keep"]
    assert await store.get_customer("keep") != await store.get_customer("cust-42")
    left_rows = await store.read_model_rows("v-erase", [["cust-42"], ["anon-77"], ["keep"]])
    assert left_rows == [ModelRows(), ModelRows(), rows(1, seen)]


async def test_event_log_positions(store: FeatureStore) -> None:
    for n in range(5):
        await store.append_events(f"c{n}", [ev(f"c{n}", "i", ts=n)], cap=10)
    first = await store.read_event_log(None, 2)
    assert [e.event.user_id for e in first] == ["c0", "c1"]
    rest = await store.read_event_log(first[-1].position, 10)
    assert [e.event.user_id for e in rest] == ["c2", "c3", "c4"]
    assert await store.read_event_log(rest[-1].position, 10) == []
    assert len({e.position for e in first + rest}) == 5


async def test_scan_customers_pages(store: FeatureStore) -> None:
    names = [f"c{n:03d}" for n in range(25)]
    for name in names:
        await store.set_features(name, {"segment": "s"})
    seen: list[str] = []
    cursor: str | None = None
    while True:
        page, cursor = await store.scan_customers(cursor, 10)
        assert len(page) <= 10
        seen += page
        if cursor is None:
            break
    assert seen == names
