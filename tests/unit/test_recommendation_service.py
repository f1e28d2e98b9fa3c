"""RecommendationService over the memory store: one check of k, one consent check for every list answer."""

from __future__ import annotations

import pytest

from api_client import NOW, publish
from bundle_factory import make_bundle
from omnirec.errors import InvalidRequest, NoActiveModel
from omnirec.service.container import Services, build_services
from omnirec.service.recommendations import UserQuery
from omnirec.settings import Settings
from omnirec.store.memory import MemoryStore

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
