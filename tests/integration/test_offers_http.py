"""Journeys through the HTTP API: POST /v1/events, then GET /v1/users/{id}/next-best-offer (scope `offers`)."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime

from api_client import app_client, headers
from offer_data import SAMPLE_ITEMS, item_of, items_in, sample_bundle
from omnirec.demo.offers import sample_offers_toml
from omnirec.offers.catalog import encode_offer_catalog, parse_offer_catalog


def iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_cart_and_scratching_post_journeys_and_feedback_over_http() -> None:
    drill, post = item_of("Cordless Drill"), item_of("Scratching Post")
    now = time.time()

    async def main() -> None:
        async with app_client(None, clock=time.time) as (client, store):
            await store.put_offer_catalog(
                encode_offer_catalog(parse_offer_catalog(sample_offers_toml(SAMPLE_ITEMS).encode(), "x"))
            )
            await store.set_consent("a", {"email": True})
            await store.set_consent("b", {"email": True})
            cart = {"user_id": "a", "item_id": drill, "event_type": "add_to_cart", "channel": "web"}
            buy = {"user_id": "b", "item_id": post, "event_type": "purchase", "channel": "store"}
            events = [{**cart, "timestamp": iso(now - 5 * 3600)}, {**buy, "timestamp": iso(now - 30 * 86400)}]
            posted = await client.post("/v1/events", json={"events": events}, headers=headers())
            assert posted.status_code in (200, 201, 202), posted.text
            a = await client.get("/v1/users/a/next-best-offer?channel=email&n=1", headers=headers())
            assert a.status_code == 200, a.text
            body = a.json()
            assert [o["offer_id"] for o in body["offers"]] == ["drill-cart-15"] and body["offers"][0][
                "code"
            ] == "DRILL15"
            assert body["request_id"] and "propensity" in body["offers"][0]
            b = await client.get("/v1/users/b/next-best-offer", headers=headers())
            assert [o["offer_id"] for o in b.json()["offers"]] == ["cat-food-bundle"]
            denied = await client.get("/v1/users/a/next-best-offer", headers=headers("recs"))
            assert denied.status_code == 403
            click = {
                "user_id": "a",
                "item_id": "",
                "event_type": "offer_clicked",
                "channel": "email",
                "offer_id": "drill-cart-15",
            }
            assert (await client.post("/v1/events", json={"events": [click]}, headers=headers())).status_code < 300
            assert (await store.get_offer_feedback(["drill-cart-15"], ""))["drill-cart-15"] == {"clicked": 1.0}

    asyncio.run(main())


def test_just_bought_gets_accessories_not_the_same_product_over_http() -> None:
    """Journey (c) needs a published model over the sample catalogue (category rules resolve through it)."""
    drill = item_of("Cordless Drill")
    now = time.time()

    async def main() -> None:
        async with app_client(sample_bundle(), clock=time.time) as (client, store):
            await store.put_offer_catalog(
                encode_offer_catalog(parse_offer_catalog(sample_offers_toml(SAMPLE_ITEMS).encode(), "x"))
            )
            consent = await client.put("/v1/users/c/consent", json={"email": True}, headers=headers())
            assert consent.status_code == 200, consent.text
            events = [
                {
                    "user_id": "c",
                    "item_id": drill,
                    "event_type": "add_to_cart",
                    "channel": "web",
                    "timestamp": iso(now - 3 * 86400),
                },
                {
                    "user_id": "c",
                    "item_id": drill,
                    "event_type": "purchase",
                    "channel": "web",
                    "timestamp": iso(now - 2 * 86400),
                },
            ]
            posted = await client.post("/v1/events", json={"events": events}, headers=headers())
            assert posted.json()["accepted"] == 2, posted.text
            answer = await client.get("/v1/users/c/next-best-offer?channel=email&n=2", headers=headers())
            assert answer.status_code == 200, answer.text
            offers = answer.json()["offers"]
            assert [o["offer_id"] for o in offers] == ["power-tool-accessories"]  # no cart discount: it was bought
            assert offers[0]["items"] and set(offers[0]["items"]) <= set(items_in("diy/tools/accessories"))
            assert all(drill not in o["items"] for o in offers)
            assert answer.json()["model_version"] == "v-offers"

    asyncio.run(main())
