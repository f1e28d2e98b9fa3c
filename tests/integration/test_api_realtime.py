"""Real time across channels over a real redis-server: tablet events change web lists on the next request,
and store purchases under a linked loyalty card change the customer's online recommendations."""

from __future__ import annotations

import numpy as np
import pytest

from api_client import api_settings, app_client, assert_problem, headers
from bundle_factory import make_bundle
from redis_servers import RedisServer

pytestmark = pytest.mark.anyio
BUNDLE = make_bundle(n_items=80, n_users=10, seed=21)


def redis_settings(server: RedisServer) -> object:
    server.flush()
    return api_settings(store_url=server.url, store_timeout_ms=2000)


def web_ids(body: dict[str, object]) -> list[str]:
    return [i["item_id"] for i in body["items"]]  # type: ignore[attr-defined, index]


async def test_tablet_events_change_web_recommendations(redis_server: RedisServer) -> None:
    async with app_client(BUNDLE, settings=redis_settings(redis_server)) as (client, _):  # type: ignore[arg-type]
        url = "/v1/users/u2/recommendations"
        before = (await client.get(url, params={"channel": "web", "k": 10}, headers=headers())).json()
        assert before["strategy"] == "personalized"
        # the customer looks at and carts items in store on a tablet that were not on their web list
        shown = set(web_ids(before))
        fresh = [i for i in BUNDLE["item_ids"].tolist() if i not in shown][:3]
        events = [
            {"user_id": "u2", "item_id": item, "event_type": kind, "channel": "tablet", "store_id": "s1"}
            for item in fresh
            for kind in ("view", "add_to_cart")
        ]
        accepted = await client.post("/v1/events", json={"events": events}, headers=headers())
        assert accepted.json()["accepted"] == 6
        after = (await client.get(url, params={"channel": "web", "k": 10, "explain": "true"}, headers=headers())).json()
        assert web_ids(after) != web_ids(before)
        assert after["model_version"] == BUNDLE.version
        assert after["strategy"] == "personalized"  # the session from the tablet moved the query vector


async def test_loyalty_card_purchases_count_for_the_customer_online(redis_server: RedisServer) -> None:
    settings = redis_settings(redis_server)
    async with app_client(BUNDLE, settings=settings) as (client, _):  # type: ignore[arg-type]
        url = "/v1/users/u5/recommendations"
        params = {"channel": "web", "k": 10, "exclude": "purchased"}
        before = web_ids((await client.get(url, params=params, headers=headers())).json())
        link = {"anonymous_id": "card-7781", "customer_id": "u5"}
        assert (await client.post("/v1/identities", json=link, headers=headers())).status_code == 200
        # durable goods (never bought again) bought in store under the card leave the online list
        repeat = BUNDLE["repeat_rate"]
        index = {item: n for n, item in enumerate(BUNDLE["item_ids"].tolist())}
        durable = [i for i in before if repeat[index[i]] < 0.1] or before[:1]
        purchases = [
            {"user_id": "card-7781", "item_id": item, "event_type": "purchase", "channel": "store", "store_id": "s3"}
            for item in durable
        ]
        body = (await client.post("/v1/events", json={"events": purchases}, headers=headers())).json()
        assert body["accepted"] == len(purchases)
        after = (await client.get(url, params=params, headers=headers())).json()
        assert web_ids(after) != before
        if np.all(repeat[[index[i] for i in durable]] < 0.1):
            assert not set(durable) & set(web_ids(after))


async def test_problems_and_auth_over_redis(redis_server: RedisServer) -> None:
    async with app_client(BUNDLE, settings=redis_settings(redis_server)) as (client, _):  # type: ignore[arg-type]
        assert_problem(await client.get("/v1/users/u1/recommendations", params={"k": 0}, headers=headers()), 400)
        assert_problem(await client.get("/v1/items/zzz/similar", headers=headers()), 404)
        assert_problem(await client.get("/v1/users/u1/recommendations"), 401)
        assert (await client.get("/health/ready")).status_code == 200
        similar = await client.get(
            "/v1/items/i3/similar", params={"user_id": "u1", "store_id": "s1"}, headers=headers()
        )
        assert similar.status_code == 200 and similar.json()["items"]
        basket = await client.post("/v1/recommendations/basket", json={"items": ["i1", "i9"]}, headers=headers())
        assert basket.status_code == 200 and basket.json()["items"]
