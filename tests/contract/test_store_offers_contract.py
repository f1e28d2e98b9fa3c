"""Store contract, offers and stock: catalogue, caps, fatigue, budget, mandatory messages, feedback."""

from __future__ import annotations

import pytest

from omnirec.store.protocol import FeatureStore
from omnirec.store.records import ImpressionRequest

pytestmark = pytest.mark.anyio


def imp(
    customer: str = "c1", offer: str = "o1", channel: str = "web", now: int = 1000, **kw: object
) -> ImpressionRequest:
    return ImpressionRequest(customer_id=customer, offer_id=offer, channel=channel, now=now, **kw)  # type: ignore[arg-type]


async def test_offer_catalog_round_trip(store: FeatureStore) -> None:
    assert await store.get_offer_catalog() is None
    await store.put_offer_catalog(b"\x00first")
    await store.put_offer_catalog(b"\x01second")
    assert await store.get_offer_catalog() == b"\x01second"


async def test_offer_catalog_version_names_the_stored_payload(store: FeatureStore) -> None:
    assert await store.offer_catalog_version() is None
    await store.put_offer_catalog(b"first")
    first = await store.offer_catalog_version()
    await store.put_offer_catalog(b"second")
    second = await store.offer_catalog_version()
    assert first is not None and second is not None and first != second
    await store.put_offer_catalog(b"first")  # the same bytes again: the same version (nothing to re-read)
    assert await store.offer_catalog_version() == first and await store.get_offer_catalog() == b"first"


async def test_cap_is_a_sliding_window(store: FeatureStore) -> None:
    cap = {"cap_count": 2, "cap_seconds": 100}
    assert await store.take_impression(imp(now=1000, **cap))
    assert await store.take_impression(imp(now=1050, **cap))
    assert not await store.take_impression(imp(now=1060, **cap))
    assert await store.take_impression(imp(customer="c2", now=1060, **cap))  # per customer
    assert await store.take_impression(imp(offer="o2", now=1060, **cap))  # per offer
    assert await store.take_impression(imp(now=1101, **cap))  # the first one left the window


async def test_fatigue_counts_every_offer_on_a_channel(store: FeatureStore) -> None:
    fatigue = {"fatigue_count": 2, "fatigue_seconds": 3600}
    assert await store.take_impression(imp(offer="o1", **fatigue))
    assert await store.take_impression(imp(offer="o2", **fatigue))
    assert not await store.take_impression(imp(offer="o3", **fatigue))
    assert await store.take_impression(imp(offer="o3", channel="email", **fatigue))


async def test_budget_and_refund_when_caps_refuse(store: FeatureStore) -> None:
    assert await store.take_impression(imp(customer="a", budget=2, cap_count=1, cap_seconds=60))
    # refused by the cap: the budget it reserved is given back
    assert not await store.take_impression(imp(customer="a", budget=2, cap_count=1, cap_seconds=60))
    assert await store.take_impression(imp(customer="b", budget=2))
    assert not await store.take_impression(imp(customer="c", budget=2))
    assert await store.take_impression(imp(customer="c", offer="o2", budget=2))


async def test_mandatory_is_never_refused_and_counts_nothing(store: FeatureStore) -> None:
    limits = {"cap_count": 1, "cap_seconds": 60, "fatigue_count": 1, "fatigue_seconds": 60, "budget": 1}
    for _ in range(3):
        assert await store.take_impression(imp(mandatory=True, **limits))
    assert await store.take_impression(imp(**limits))
    assert not await store.take_impression(imp(**limits))


async def test_impressions_follow_identity_links(store: FeatureStore) -> None:
    cap = {"cap_count": 1, "cap_seconds": 600}
    assert await store.take_impression(imp(customer="anon", **cap))
    await store.link_identity("anon", "c9")
    assert not await store.take_impression(imp(customer="c9", **cap))


async def test_offer_feedback_counters(store: FeatureStore) -> None:
    await store.add_offer_feedback("o1", "vip", "shown")
    await store.add_offer_feedback("o1", "vip", "shown")
    await store.add_offer_feedback("o1", "new", "shown")
    await store.add_offer_feedback("o1", "vip", "redeemed", 25.5)
    await store.add_offer_feedback("o2", "", "clicked")
    vip = await store.get_offer_feedback(["o1", "o2", "o3"], "vip")
    assert vip == {"o1": {"shown": 2.0, "redeemed": 25.5}, "o2": {}, "o3": {}}
    everyone = await store.get_offer_feedback(["o1", "o2"], "")
    assert everyone == {"o1": {"shown": 3.0, "redeemed": 25.5}, "o2": {"clicked": 1.0}}


async def test_store_stock(store: FeatureStore) -> None:
    assert await store.get_unavailable_items("s1") == set()
    await store.set_unavailable_items("s1", ["a", "b"])
    await store.set_unavailable_items("s1", ["c"])
    await store.set_unavailable_items("s2", [])
    assert await store.get_unavailable_items("s1") == {"c"}
    assert await store.get_unavailable_items("s2") == set()
