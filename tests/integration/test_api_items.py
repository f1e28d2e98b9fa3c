"""Similar items and basket complements over HTTP (memory store)."""

from __future__ import annotations

import pytest

from api_client import app_client, assert_problem, headers
from bundle_factory import make_bundle

pytestmark = pytest.mark.anyio
BUNDLE = make_bundle(n_items=60, n_users=20, seed=5)
CATEGORY = dict(zip(BUNDLE["item_ids"].tolist(), BUNDLE["item_categories"].tolist(), strict=True))


async def test_similar_items_lead_with_the_stored_neighbours() -> None:
    first = str(BUNDLE["item_ids"][BUNDLE["similar_indices"][0][0]])  # every item's first neighbour is i+1
    async with app_client(BUNDLE) as (client, _):
        response = await client.get("/v1/items/i0/similar", params={"k": 5}, headers=headers())
        body = response.json()
        assert response.status_code == 200 and body["strategy"] == "similar"
        assert body["items"][0]["item_id"] == first and body["items"][0]["source"] == "similar"
        assert "i0" not in [i["item_id"] for i in body["items"]] and len(body["items"]) == 5
        personal = await client.get("/v1/items/i0/similar", params={"k": 5, "user_id": "u1"}, headers=headers())
        assert personal.json()["strategy"] == "similar_personalized"


async def test_similar_for_unknown_item_is_404_problem() -> None:
    async with app_client(BUNDLE) as (client, _):
        assert_problem(await client.get("/v1/items/nope/similar", headers=headers()), 404)
        assert_problem(await client.get("/v1/items/i0/similar", params={"k": 0}, headers=headers()), 400)


async def test_basket_complements_exclude_cart_and_same_category() -> None:
    cart = ["i1", "i2"]
    async with app_client(BUNDLE) as (client, _):
        response = await client.post(
            "/v1/recommendations/basket", json={"items": cart, "k": 8, "channel": "web"}, headers=headers()
        )
        body = response.json()
        assert response.status_code == 200, body
        ids = [i["item_id"] for i in body["items"]]
        assert len(ids) == 8 and not set(ids) & set(cart)
        assert not {CATEGORY[i] for i in ids} & {CATEGORY[i] for i in cart}  # no substitutes
        assert body["items"][0]["source"] == "bought_together"
        assert body["strategy"] == "bought_together"


@pytest.mark.parametrize(
    "payload",
    [{"items": []}, {"items": "i1"}, {"items": ["i1"], "k": 0}, {"items": ["i1"], "k": "x"}, {"items": ["i1"], "x": 1}],
)
async def test_bad_basket_bodies_are_400_problems(payload: dict[str, object]) -> None:
    async with app_client(BUNDLE) as (client, _):
        assert_problem(await client.post("/v1/recommendations/basket", json=payload, headers=headers()), 400)
