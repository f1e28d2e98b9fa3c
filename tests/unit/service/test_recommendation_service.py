"""RecommendationService over the memory store: known answers on the tiny bundle (through EventService too),
one check of k, one consent check for every list answer."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from api_client import NOW, publish
from bundle_factory import make_bundle
from omnirec.errors import InvalidRequest, NoActiveModel
from omnirec.publishing import publish_bundle
from omnirec.service.container import Services, build_services
from omnirec.service.recommendations import Recommendations, UserQuery
from omnirec.settings import Settings
from omnirec.store.memory import MemoryStore
from tiny_data import DIY_BUYER, PET_OWNER, TINY_NOW, TINY_POPULAR, tiny_bundle

pytestmark = pytest.mark.anyio
MAX_K = 20


def services(store: MemoryStore) -> Services:
    return build_services(store, Settings(max_k=MAX_K), on_store_error=lambda operation: None, clock=lambda: NOW)


@pytest.mark.parametrize("k", [0, -1, MAX_K + 1])
async def test_k_is_refused_by_one_check_before_anything_is_read(k: int) -> None:
    recommendations = services(MemoryStore()).recommendations  # no model: any read ends in NoActiveModel
    query = UserQuery(k=k)
    for call in (
        recommendations.for_user("u1", query),
        recommendations.similar("i1", query),
        recommendations.basket(["i1"], query),
    ):
        with pytest.raises(InvalidRequest, match=f"k must be between 1 and {MAX_K}, got {k}"):
            await call
    with pytest.raises(NoActiveModel):
        await recommendations.for_user("u1", UserQuery(k=MAX_K))


async def test_a_bad_exclusion_mode_is_refused_by_the_same_check() -> None:
    recommendations = services(MemoryStore()).recommendations
    with pytest.raises(InvalidRequest, match="exclude must be one of purchased, seen, none"):
        await recommendations.for_user("u1", UserQuery(exclude="bought"))  # type: ignore[arg-type]


async def test_without_personalisation_consent_every_list_is_a_strangers() -> None:
    store = MemoryStore()
    await publish(store, make_bundle(n_items=40, n_users=6, seed=5))
    recommendations = services(store).recommendations
    query = UserQuery(k=5)
    consenting = await recommendations.for_user("u1", query)
    assert consenting.strategy == "personalized"
    assert (await recommendations.similar("i2", query, "u1")).strategy == "similar_personalized"
    assert (await recommendations.basket(["i2"], query, "u1")).strategy == "bought_together_personalized"

    await store.set_consent("u1", {"personalization": False})
    withheld = await recommendations.for_user("u1", query)
    stranger = await recommendations.for_user("nobody", query)
    assert withheld.strategy == "non_personalized"
    assert [i.item_id for i in withheld.items] == [i.item_id for i in stranger.items]
    similar = await recommendations.similar("i2", query, "u1")
    assert similar.strategy == "similar_non_personalized"
    assert similar.items == (await recommendations.similar("i2", query)).items
    basket = await recommendations.basket(["i2"], query, "u1")
    assert basket.strategy == "bought_together_non_personalized"
    assert basket.items == (await recommendations.basket(["i2"], query)).items


@pytest.fixture
async def tiny() -> AsyncIterator[Services]:
    """The app's services over a memory store holding the tiny bundle, active; the clock stands at TINY_NOW."""
    store = MemoryStore()
    await publish_bundle(tiny_bundle(), store, activate=True)
    errors: list[str] = []
    built = build_services(store, Settings.load(environ={}), errors.append, clock=lambda: float(TINY_NOW))
    yield built
    await built.impressions.flush()
    assert errors == []  # the memory store never fails a call
    await store.close()


def ids(answer: Recommendations) -> list[str]:
    return [item.item_id for item in answer.items]


async def test_a_customer_with_history_gets_a_personalised_list(tiny: Services) -> None:
    answer = await tiny.recommendations.for_user(PET_OWNER, UserQuery(k=2))
    assert (answer.version, answer.strategy, answer.degraded) == (tiny_bundle().version, "personalized", False)
    assert ids(answer) == ["catfood", "litter"]  # the pet aisle, nearest first
    assert {item.source for item in answer.items} == {"personalized"}


async def test_a_durable_purchase_in_store_is_not_recommended_again(tiny: Services) -> None:
    answer = await tiny.recommendations.for_user(DIY_BUYER, UserQuery(k=2))
    assert answer.strategy == "personalized"
    assert ids(answer)[0] == "bits" and "drill" not in ids(answer)
    assert "drill" in ids(await tiny.recommendations.for_user(DIY_BUYER, UserQuery(k=2, exclude="none")))


async def test_a_cold_customer_gets_the_popular_fallback_and_says_so(tiny: Services) -> None:
    answer = await tiny.recommendations.for_user("someone-new", UserQuery(k=3))
    assert answer.strategy == "popular"
    assert ids(answer) == list(TINY_POPULAR[:3])
    assert {item.source for item in answer.items} == {"popular"}
    in_store = await tiny.recommendations.for_user("someone-new", UserQuery(k=6, channel="store"))
    assert ids(in_store) == [item for item in TINY_POPULAR if item != "lamp"]  # not sold in store


async def test_an_event_in_one_channel_changes_the_next_answer_in_another(tiny: Services) -> None:
    before = await tiny.recommendations.for_user("walk-in", UserQuery(k=2, channel="web"))
    assert before.strategy == "popular"
    event = {"user_id": "walk-in", "item_id": "bits", "event_type": "view", "channel": "store", "event_id": "w1"}
    accepted = await tiny.events.ingest([{**event, "timestamp": TINY_NOW - 60}])
    assert (accepted.accepted, accepted.rejected) == (1, 0)
    after = await tiny.recommendations.for_user("walk-in", UserQuery(k=2, channel="web"))
    assert after.strategy == "session"
    assert ids(after) == ["drill", "bits"]  # the diy aisle, from one in-store view
    assert ids(after) != ids(before)
