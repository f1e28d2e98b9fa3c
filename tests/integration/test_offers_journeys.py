"""The three example journeys end to end on the engine (memory:// and a real redis-server), plus
budgets, caps and fatigue under concurrency on real Redis."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import numpy as np
import pytest

from offer_data import (
    DAY,
    NOW,
    event,
    item_of,
    items_in,
    next_best_offers,
    offers_from,
    sample_bundle,
    sample_model,
    sample_offers,
)
from omnirec.offers.affinity import AffinityModel
from omnirec.offers.ranking import OfferDecision
from omnirec.publishing import publish_bundle
from omnirec.scoring import Catalog
from omnirec.store.factory import open_store
from omnirec.store.protocol import FeatureStore

MODEL = AffinityModel(sample_model())
Scenario = Callable[[FeatureStore], Awaitable[Any]]


@pytest.fixture(params=["memory", "redis"])
def on_store(request: pytest.FixtureRequest) -> Callable[[Scenario], Any]:
    """Run a scenario against a fresh store of the backend (a unique key prefix on the shared redis-server)."""
    url = "memory://" if request.param == "memory" else request.getfixturevalue("redis_server").url

    def run(scenario: Scenario) -> Any:
        async def main() -> Any:
            store = open_store(url, prefix=f"offers-{uuid.uuid4().hex[:8]}", timeout_ms=5000)
            try:
                return await scenario(store)
            finally:
                await store.close()

        return asyncio.run(main())

    return run


async def email_offers(store: FeatureStore, cid: str, n: int = 1, now: int = NOW) -> list[OfferDecision]:
    return await next_best_offers(store, sample_offers(), MODEL, cid, "email", n, now, np.random.default_rng(3))


def test_journey_cart_drill_gets_a_discount_code_by_email(on_store: Callable[[Scenario], Any]) -> None:
    drill = item_of("Cordless Drill", 2)

    async def scenario(store: FeatureStore) -> tuple[list[OfferDecision], list[OfferDecision]]:
        await store.set_consent("c-drill", {"email": True})
        await store.append_events(
            "c-drill",
            [event("c-drill", drill, "view", NOW - 6 * 3600), event("c-drill", drill, "add_to_cart", NOW - 5 * 3600)],
            cap=50,
        )
        first = await email_offers(store, "c-drill")
        again = await email_offers(store, "c-drill", now=NOW + 3600)  # capped: once a week
        return first, again

    first, again = on_store(scenario)
    assert [d.offer_id for d in first] == ["drill-cart-15"]
    assert first[0].code == "DRILL15" and first[0].items == (drill,)
    assert "abandoned_cart" in first[0].reasons
    assert "drill-cart-15" not in [d.offer_id for d in again]


def test_journey_scratching_post_in_store_then_cat_food_bundle(on_store: Callable[[Scenario], Any]) -> None:
    post = item_of("Scratching Post")

    async def scenario(store: FeatureStore) -> tuple[list[OfferDecision], list[OfferDecision]]:
        await store.set_consent("c-cat", {"email": True})
        await store.set_features("c-cat", {"segment": "pet_owner"})
        await store.append_events("c-cat", [event("c-cat", post, "purchase", NOW - 35 * DAY, "store")], cap=50)
        too_early = await email_offers(store, "c-cat", now=NOW - 30 * DAY)  # 5 days after the purchase
        month_later = await email_offers(store, "c-cat")
        return too_early, month_later

    too_early, month_later = on_store(scenario)
    assert "cat-food-bundle" not in [d.offer_id for d in too_early]
    assert [d.offer_id for d in month_later] == ["cat-food-bundle"]
    assert month_later[0].code == "CATFOOD3FOR2"
    assert set(month_later[0].items) <= set(items_in("pets/cat/food")) and month_later[0].items


def test_journey_just_bought_gets_accessories_not_the_same_product(on_store: Callable[[Scenario], Any]) -> None:
    drill = item_of("Cordless Drill")

    async def scenario(store: FeatureStore) -> list[OfferDecision]:
        await store.set_consent("c-acc", {"email": True})
        await store.append_events(
            "c-acc",
            [event("c-acc", drill, "add_to_cart", NOW - 3 * DAY), event("c-acc", drill, "purchase", NOW - 2 * DAY)],
            cap=50,
        )
        return await email_offers(store, "c-acc", n=2)

    decisions = on_store(scenario)
    assert [d.offer_id for d in decisions] == ["power-tool-accessories"]  # the bought drill left the cart
    assert decisions[0].items and set(decisions[0].items) <= set(items_in("diy/tools/accessories"))
    assert all(drill not in d.items for d in decisions)


def test_same_category_offer_never_promotes_the_product_just_bought(on_store: Callable[[Scenario], Any]) -> None:
    offers = offers_from(
        '[[offers]]\nid = "more-tools"\ncategories = ["diy/tools/power"]\n'
        'rules = [{ kind = "purchased", categories = ["diy/tools/power"], days = 14 }]\n'
    )
    power = items_in("diy/tools/power")

    async def scenario(store: FeatureStore) -> list[OfferDecision]:
        await store.set_consent("c1", {"email": True})
        await store.append_events("c1", [event("c1", p, "purchase", NOW - DAY) for p in power[:-1]], cap=200)
        return await next_best_offers(store, offers, MODEL, "c1", "email", 1, NOW, np.random.default_rng(0))

    [decision] = on_store(scenario)
    assert decision.items == (power[-1],)  # the only power tool not bought yet


BUDGET = '[[offers]]\nid = "limited"\nbudget = 5\n'
FATIGUE = """
[channels.email]
fatigue = { count = 2, days = 7 }
[[offers]]
id = "a"
[[offers]]
id = "b"
[[offers]]
id = "c"
"""


def test_budget_under_concurrency_serves_exactly_the_budget(redis_server: Any) -> None:
    offers = offers_from(BUDGET)

    async def main() -> int:
        store = open_store(redis_server.url, prefix=f"budget-{uuid.uuid4().hex[:8]}", timeout_ms=5000)
        try:
            await asyncio.gather(*(store.set_consent(f"c{i}", {"email": True}) for i in range(50)))
            served = await asyncio.gather(
                *(next_best_offers(store, offers, None, f"c{i}", "email", 1, NOW, np.random.default_rng(i))
                  for i in range(50))
            )  # fmt: skip
            return sum(len(s) for s in served)
        finally:
            await store.close()

    assert asyncio.run(main()) == 5


def test_fatigue_and_caps_under_concurrency_for_one_customer(redis_server: Any) -> None:
    async def main() -> tuple[int, int]:
        store = open_store(redis_server.url, prefix=f"fatigue-{uuid.uuid4().hex[:8]}", timeout_ms=5000)
        try:
            await store.set_consent("c1", {"email": True})
            await store.set_consent("c2", {"email": True})
            fatigue, capped = offers_from(FATIGUE), offers_from('[[offers]]\nid = "a"\ncap = { count = 1, days = 1 }\n')
            calls = [next_best_offers(store, fatigue, None, "c1", "email", 1, NOW, np.random.default_rng(i))
                     for i in range(20)]  # fmt: skip
            first = await asyncio.gather(*calls)
            calls = [next_best_offers(store, capped, None, "c2", "email", 1, NOW, np.random.default_rng(i))
                     for i in range(20)]  # fmt: skip
            second = await asyncio.gather(*calls)
            return sum(len(s) for s in first), sum(len(s) for s in second)
        finally:
            await store.close()

    assert asyncio.run(main()) == (2, 1)


def test_a_purchase_from_the_training_history_counts_for_offer_rules(on_store: Callable[[Scenario], Any]) -> None:
    """The scratching post was bought before the service ran: it is only in the model's training history."""
    post = item_of("Scratching Post")
    bundle = sample_bundle(history=("c-old", [(post, "purchase", NOW - 35 * DAY, "store")]))

    async def scenario(store: FeatureStore) -> list[OfferDecision]:
        await publish_bundle(bundle, store)
        await store.set_consent("c-old", {"email": True})
        model = AffinityModel(Catalog.from_arrays(bundle.manifest, bundle.arrays))
        return await next_best_offers(store, sample_offers(), model, "c-old", "email", 1, NOW, np.random.default_rng(3))

    decisions = on_store(scenario)
    assert [d.offer_id for d in decisions] == ["cat-food-bundle"]
